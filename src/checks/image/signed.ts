import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repositoryParam, tagParam, workspacePathParam } from './registry-params.js';
import { LearnerFileError, readLearnerFile } from '../../workspace/learner-file.js';
import type { CosignRun } from '../kind.js';
import { defineCheck, fail, pass } from '../kind.js';

const KEY_LIMIT = 16 * 1024;

/** cosign's last meaningful line (it repeats the error as "error during command execution: ..."). */
function lastWords(run: CosignRun): string {
  const lines = `${run.stderr}\n${run.stdout}`.split('\n').map((line) => line.trim()).filter((line) => line && !/^Flag --\S+ has been deprecated/.test(line));
  const error = lines.find((line) => /^Error: /.test(line));
  return (error ?? lines.at(-1) ?? (run.exitCode === null ? 'it did not finish' : `exit code ${run.exitCode}`)).replace(/^Error: /, '').slice(0, 300);
}

/** The manifest digests a `cosign verify --output json` answer says its signatures cover. */
function verifiedDigests(stdout: string): string[] {
  try {
    const payloads = JSON.parse(stdout) as Array<{ critical?: { image?: { 'docker-manifest-digest'?: string } } }>;
    return payloads.map((payload) => payload.critical?.image?.['docker-manifest-digest'] ?? '').filter(Boolean);
  } catch {
    return [];
  }
}

export const imageSigned = defineCheck({
  kind: 'image.signed',
  phase: 'image',
  summary:
    'Pushes the built image to a registry the run starts on 127.0.0.1, signs it by digest with the workspace\'s cosign private key, and runs `cosign verify` against the workspace\'s public key: the signature must verify for that digest. Then pushes another image over the same tag: verifying the tag must now fail. Offline (no transparency log). Fails, saying so, when cosign is not installed.',
  params: (z) =>
    z.object({
    repository: repositoryParam.describe('Repository in the run\'s registry'),
    tag: tagParam.describe('The tag pushed, signed, then moved to another image'),
    privateKey: workspacePathParam.default('cosign.key').describe('The private key file in the workspace (cosign generate-key-pair)'),
    publicKey: workspacePathParam.default('cosign.pub').describe('The public key file in the workspace'),
    password: z.string().max(200).default('').describe('The private key\'s password (COSIGN_PASSWORD); the challenge says which'),
  }),
  example: { repository: 'shop/api', tag: '1.4.2', privateKey: 'cosign.key', publicKey: 'cosign.pub', password: '' },
  async run({ repository, tag, privateKey, publicKey, password }, { inspector, image, workspaceDir }) {
    if (!inspector.cosign || !inspector.registry) return fail('this engine connection cannot start a registry or run cosign');
    const cosign = await inspector.cosign();
    if ('missing' in cosign) return fail(cosign.missing, {}, 'Install cosign, then verify again: `cosign version` must work in your shell.');

    // The keys are learner files: bounded, inside the workspace, copied into a private directory for cosign.
    const keys: Record<string, string> = {};
    for (const [what, file] of [['private key', privateKey], ['public key', publicKey]] as const) {
      try {
        keys[what] = await readLearnerFile(workspaceDir, file, { what: `cosign ${what}`, maxBytes: KEY_LIMIT });
      } catch (error) {
        if (!(error instanceof LearnerFileError)) throw error;
        return fail(
          error.reason === 'missing' ? `there is no ${file} in the workspace (the cosign ${what})` : error.message,
          { file },
          `Make a key pair in the workspace with \`COSIGN_PASSWORD='${password}' cosign generate-key-pair\`: it writes cosign.key and cosign.pub.`,
        );
      }
    }
    const privateDir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-keys-'));
    try {
      await chmod(privateDir, 0o700);
      const keyPath = path.join(privateDir, 'cosign.key');
      const pubPath = path.join(privateDir, 'cosign.pub');
      await writeFile(keyPath, keys['private key']!, { mode: 0o600 });
      await writeFile(pubPath, keys['public key']!, { mode: 0o600 });

      const registry = await inspector.registry();
      const released = await registry.markedCopy(image.id);
      const pushed = await registry.push(released.imageId, repository, tag);
      const byDigest = `${registry.address}/${repository}@${pushed.digest}`;
      const byTag = `${registry.address}/${repository}:${tag}`;
      const evidence: Record<string, unknown> = { cosign: cosign.version, registry: registry.address, digest: pushed.digest };

      const signed = await cosign.sign(keyPath, byDigest, password);
      evidence.sign = { exitCode: signed.exitCode, said: lastWords(signed) };
      if (signed.exitCode !== 0) {
        const wrongPassword = /decrypt|password|encrypted/i.test(`${signed.stderr}${signed.stdout}`);
        return fail(
          `cosign could not sign with ${privateKey}: ${lastWords(signed)}`,
          evidence,
          wrongPassword ? `The key must open with the password this challenge uses (COSIGN_PASSWORD='${password}'): generate the pair again with it.` : undefined,
        );
      }
      const verified = await cosign.verify(pubPath, byTag);
      evidence.verify = { exitCode: verified.exitCode, said: lastWords(verified), digests: verifiedDigests(verified.stdout) };
      if (verified.exitCode !== 0) {
        return fail(
          `the signature made with ${privateKey} does not verify against ${publicKey} (${lastWords(verified)}): the two files are not one key pair`,
          evidence,
          `Keep the pair together: ${publicKey} must be the public half of ${privateKey} (\`cosign public-key --key ${privateKey}\` prints it).`,
        );
      }
      if (!verifiedDigests(verified.stdout).includes(pushed.digest)) {
        return fail(`cosign verified ${byTag}, but not for the pushed digest ${pushed.digest}`, evidence);
      }

      // A tag moved to another image: the signature belongs to the digest, so the tag no longer verifies.
      const impostor = await registry.markedCopy(image.id);
      const moved = await registry.push(impostor.imageId, repository, tag);
      const tampered = await cosign.verify(pubPath, byTag);
      evidence.tampered = { digest: moved.digest, exitCode: tampered.exitCode, said: lastWords(tampered) };
      if (tampered.exitCode === 0) {
        return fail(`after another image was pushed over ${repository}:${tag}, cosign still verified the tag against ${publicKey}: the signature does not protect this tag`, evidence);
      }
      return pass(
        `${repository}@${pushed.digest.slice(0, 19)}… signed with ${privateKey} verifies against ${publicKey}; the same tag moved to another image fails verification (${lastWords(tampered)})`,
        evidence,
      );
    } finally {
      await rm(privateDir, { recursive: true, force: true });
    }
  },
});
