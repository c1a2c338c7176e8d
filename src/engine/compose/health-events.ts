import type Docker from 'dockerode';
import { PROJECT_LABEL, SERVICE_LABEL } from './containers.js';

/**
 * Subscribes to the engine's container events of a compose project and reports each
 * `health_status: healthy` with its service and time (ms since the epoch). Returns the stream, to be
 * destroyed when the stack goes down.
 */
export async function watchHealthyEvents(docker: Docker, project: string, onHealthy: (service: string, atMs: number) => void): Promise<NodeJS.ReadableStream> {
  const stream = (await docker.getEvents({ filters: { type: ['container'], label: [`${PROJECT_LABEL}=${project}`] } })) as NodeJS.ReadableStream;
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      try {
        const event = JSON.parse(line) as { status?: string; Action?: string; timeNano?: number; time?: number; Actor?: { Attributes?: Record<string, string> } };
        const action = event.Action ?? event.status ?? '';
        const service = event.Actor?.Attributes?.[SERVICE_LABEL];
        if (service && /^health_status:\s*healthy$/.test(action)) onHealthy(service, event.timeNano ? event.timeNano / 1e6 : (event.time ?? 0) * 1000);
      } catch {
        // A partial or foreign line: ignored.
      }
    }
  });
  stream.on('error', () => undefined);
  return stream;
}
