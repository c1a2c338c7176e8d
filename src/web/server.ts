import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { PACKAGE_ROOT } from '../course/packs.js';
import type { Engine } from '../engine/connect.js';
import { UserError } from '../errors.js';
import { createApp } from './app.js';
import { RunRegistry } from './runs.js';
import { newToken } from './security.js';

/** Where `npm run build` puts the bundled front end. */
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'dist', 'web', 'public');

export interface WebServerOptions {
  courseRoot: string;
  packRoots: string[];
  /** The selected courses' lesson directories (default: as every command, see src/course/courses.ts). */
  lessonDirs?: string[];
  connectEngine: () => Promise<Engine>;
  /** 0: a free port chosen by the system. */
  port?: number;
  token?: string;
  publicDir?: string;
}

export interface WebServer {
  url: string;
  /** The address with the token, as printed for the learner. */
  urlWithToken: string;
  port: number;
  token: string;
  /** Cancels running verifies (their Docker objects removed), then stops listening. */
  close(): Promise<void>;
}

/** Starts the local web app on 127.0.0.1 only: never on a public interface. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newToken();
  const runs = new RunRegistry();
  let port = options.port ?? 0;
  const { app } = createApp({
    token,
    port: () => port,
    courseRoot: options.courseRoot,
    packRoots: options.packRoots,
    lessonDirs: options.lessonDirs,
    publicDir: options.publicDir ?? PUBLIC_DIR,
    connectEngine: options.connectEngine,
    runs,
  });
  const server: ServerType = await new Promise((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(started));
    started.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new UserError(`Port ${port} on 127.0.0.1 is in use.`, 2, 'Pick another with --port, or leave it out for a free one.'));
      else if (error.code === 'EACCES') reject(new UserError(`Port ${port} needs privileges this user does not have.`, 2, 'Use a port above 1024, or leave --port out.'));
      else reject(error);
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    urlWithToken: `${url}?token=${token}`,
    port,
    token,
    async close() {
      await runs.cancelAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams would hold the close for ever.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
