import { createHash } from 'node:crypto';
import type { LocalRegistry, RegistryManifest } from '../../../src/checks/kind.js';

/**
 * An in-memory registry with the behaviour the delivery checks rely on: a push names the image by a
 * content digest, a tag can be moved by pushing another image over it, and a manifest read back
 * carries the pushed image's labels. `labelsOf` gives each image id's labels (as the engine would).
 */
export class FakeRegistry implements LocalRegistry {
  readonly address = '127.0.0.1:45678';
  readonly pushes: Array<{ imageId: string; repository: string; tag: string }> = [];
  private readonly tagsByRepo = new Map<string, Map<string, string>>();
  private readonly byDigest = new Map<string, RegistryManifest>();
  private copies = 0;

  constructor(
    readonly labelsOf: Map<string, Record<string, string>>,
    private readonly options: { dropTag?: string } = {},
  ) {}

  static digestOf(imageId: string): string {
    return `sha256:${createHash('sha256').update(imageId).digest('hex')}`;
  }

  async push(imageId: string, repository: string, tag: string) {
    this.pushes.push({ imageId, repository, tag });
    const digest = FakeRegistry.digestOf(imageId);
    this.byDigest.set(digest, { digest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', labels: { ...(this.labelsOf.get(imageId) ?? {}) }, layers: 1 });
    if (tag !== this.options.dropTag) {
      if (!this.tagsByRepo.has(repository)) this.tagsByRepo.set(repository, new Map());
      this.tagsByRepo.get(repository)!.set(tag, digest);
    }
    return { digest, reference: `${this.address}/${repository}:${tag}` };
  }

  async manifest(repository: string, reference: string) {
    const digest = reference.startsWith('sha256:') ? reference : this.tagsByRepo.get(repository)?.get(reference);
    return (digest && this.byDigest.get(digest)) || null;
  }

  async tags(repository: string) {
    return [...(this.tagsByRepo.get(repository)?.keys() ?? [])];
  }

  async markedCopy(imageId: string) {
    this.copies += 1;
    const copy = `${imageId}-copy${this.copies}`;
    const marker = `marker${this.copies}`;
    this.labelsOf.set(copy, { ...(this.labelsOf.get(imageId) ?? {}), 'dev.shipshape.marker': marker });
    return { imageId: copy, marker };
  }

  /** The image id a tag or digest of the repository names now (what a build's FROM would get). */
  resolve(repository: string, reference: string): string | null {
    const digest = reference.startsWith('sha256:') ? reference : this.tagsByRepo.get(repository)?.get(reference);
    if (!digest) return null;
    for (const imageId of this.labelsOf.keys()) if (FakeRegistry.digestOf(imageId) === digest) return imageId;
    return null;
  }
}
