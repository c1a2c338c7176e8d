import { Flags } from '@oclif/core';
import { findPack, packRoots } from '../../course/packs.js';
import { connectEngine } from '../../engine/connect.js';
import { verifyWorkspace } from '../../grading/verify.js';
import { createPlainRenderer } from '../../ui/plain.js';
import { colorWanted, interactiveWanted, makeStyle } from '../../ui/style.js';
import { findWorkspace } from '../../workspace/workspace.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { engineFlags } from '../../cli/flags.js';
import { onInterrupt } from '../../cli/interrupt.js';

export default class ChallengeVerify extends ShipshapeCommand {
  static override description =
    'Build the workspace on the Docker engine, inspect and run the image, and grade every check.';
  static override enableJsonFlag = true;
  static override flags = {
    ...engineFlags,
    dir: Flags.string({ description: 'Workspace directory (default: the current directory or a parent)', default: '.' }),
    'keep-image': Flags.boolean({ description: 'Keep the built image, tagged shipshape/<id>:latest' }),
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    plain: Flags.boolean({ description: 'Plain line output even on a terminal' }),
    verbose: Flags.boolean({ description: 'Stream the full build log' }),
    'build-timeout': Flags.integer({ description: "Stop a build after this many seconds (default: the challenge's limit)", min: 10, max: 3600 }),
    'max-context-mb': Flags.integer({ description: "Largest build context in MB (default: the challenge's limit)", min: 1, max: 10_000 }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeVerify);
    const workspace = await findWorkspace(flags.dir);
    const pack = await findPack(workspace.marker.challenge, packRoots(flags.pack ?? []));
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const limits = { buildTimeoutSeconds: flags['build-timeout'], contextMaxMegabytes: flags['max-context-mb'] };

    const cancel = new AbortController();
    const stopListening = onInterrupt(() => cancel.abort());
    const json = this.jsonEnabled();
    const out = (text: string) => process.stdout.write(text);
    const style = makeStyle(colorWanted(process.stdout));
    try {
      if (!json && interactiveWanted(process.stdout, flags.plain)) {
        const { renderVerifyInteractive } = await import('../../ui/verify-view.js');
        const view = renderVerifyInteractive({ challenge: pack.manifest, verbose: flags.verbose });
        try {
          const result = await verifyWorkspace({ pack, workspaceDir: workspace.root, engine, keepImage: flags['keep-image'], ...limits, signal: cancel.signal, onEvent: view.onEvent });
          await view.finish(result);
          process.exitCode = result.passed ? 0 : 1;
          return result;
        } catch (error) {
          view.abort();
          throw error;
        }
      }
      const renderer = json ? null : createPlainRenderer(out, style, { verbose: flags.verbose });
      if (renderer) out(`${style.bold(pack.manifest.title)} ${style.dim(`(${pack.manifest.id}) in ${workspace.root}`)}\n`);
      const result = await verifyWorkspace({
        pack,
        workspaceDir: workspace.root,
        engine,
        keepImage: flags['keep-image'],
        ...limits,
        signal: cancel.signal,
        onEvent: renderer?.onEvent,
      });
      renderer?.finish(result);
      process.exitCode = result.passed ? 0 : 1;
      return result;
    } finally {
      stopListening();
    }
  }
}
