import { type NeededImage, neededImages } from './images.js';
import { findPack, listPacks, packRoots } from './packs.js';
import { UserError } from '../errors.js';

/** The base images of the chosen challenges (default: all); an empty result is a usage error. */
export async function selectImages(options: { challenge?: string[]; pack?: string[]; course?: string[] }): Promise<NeededImage[]> {
  const roots = await packRoots(options.pack ?? [], options.course ?? []);
  const packs = options.challenge?.length ? await Promise.all(options.challenge.map((id) => findPack(id, roots))) : await listPacks(roots);
  const images = await neededImages(packs);
  if (images.length === 0) {
    throw new UserError(
      options.challenge?.length ? `The challenges ${options.challenge.join(', ')} need no base images.` : 'No challenge needs a base image.',
      2,
      'Check the challenge ids (`shipshape challenge:list`) and --pack.',
    );
  }
  return images;
}
