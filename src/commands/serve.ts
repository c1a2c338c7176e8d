import path from 'node:path';
import * as Flags from '@oclif/core/flags';
import { packRoots } from '../course/packs.js';
import { courseLessonDirs } from '../course/courses.js';
import { courseRootFromCwd } from '../workspace/course.js';
import { ShipshapeCommand } from '../cli/base.js';
import { engineFlags, courseFlags } from '../cli/flags.js';
import { onInterrupt } from '../cli/interrupt.js';

export default class Serve extends ShipshapeCommand {
  static override description =
    'Open the course in the browser: lessons, challenges, verify with live progress, pictures of the image, and a class view of challenge:grade results. Local only (127.0.0.1), with a random token.';
  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 8080 --open'];
  static override flags = {
    ...engineFlags,
    port: Flags.integer({ description: 'Port on 127.0.0.1 (default: a free one)', min: 1, max: 65535 }),
    open: Flags.boolean({ description: 'Open the page in the default browser' }),
    dir: Flags.string({ description: 'Course directory whose progress and workspaces to use (default: the current one)', default: '.' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(Serve);
    const { startWebServer } = await import('../web/server.js');
    const courseRoot = await courseRootFromCwd(path.resolve(flags.dir));
    const server = await startWebServer({
      courseRoot,
      packRoots: await packRoots(flags.pack ?? [], flags.course),
      lessonDirs: await courseLessonDirs(flags.course),
      port: flags.port ?? 0,
      connectEngine: async () => {
        const { connectEngine } = await import('../engine/connect.js');
        return connectEngine({ dockerHost: flags['docker-host'] });
      },
    });
    this.log(`Shipshape is serving the course in ${courseRoot}`);
    this.log(`  ${server.urlWithToken}`);
    this.log('Open that address (it carries this session\'s token). Ctrl-C stops the server and cancels running verifies.');
    if (flags.open) await openBrowser(server.urlWithToken, (message) => process.stderr.write(`⚠ ${message}\n`));
    await new Promise<void>((resolve) => {
      const stop = onInterrupt(() => {
        stop();
        void server.close().then(resolve);
      });
    });
  }
}

async function openBrowser(url: string, warn: (message: string) => void): Promise<void> {
  const { execa } = await import('execa');
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  try {
    const child = execa(command, [url], { detached: true, stdio: 'ignore' });
    child.unref();
    await Promise.race([child.catch((error: Error) => Promise.reject(error)), new Promise((resolve) => setTimeout(resolve, 500))]);
  } catch {
    warn(`Could not open a browser (${command}); open the address above yourself.`);
  }
}
