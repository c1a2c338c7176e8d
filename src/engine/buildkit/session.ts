import { randomBytes, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Engine } from '../connect.js';
import type { BuildSecret } from '../buildkit.js';

/**
 * A BuildKit session of our own over the Engine API, as the docker CLI opens one: `POST /session`
 * is hijacked to HTTP/2 and the daemon becomes the gRPC client of the services we serve on it. The
 * daemon only calls methods the session advertised (one `X-Docker-Expose-Session-Grpc-Method` header
 * each), and it checks the session's health every few seconds, closing it when Health/Check fails.
 * dockerode's own session (for `version: '2'`) serves Auth alone, so `RUN --mount=type=secret` finds
 * no secret there: this one serves Secrets, Auth (anonymous: no registry credentials are sent) and Health.
 */

const root = protobuf.Root.fromJSON({
  nested: {
    secrets: {
      nested: {
        GetSecretRequest: {
          fields: { ID: { type: 'string', id: 1 }, annotations: { keyType: 'string', type: 'string', id: 2 } as protobuf.IField },
        },
        GetSecretResponse: { fields: { data: { type: 'bytes', id: 1 } } },
      },
    },
    auth: {
      nested: {
        CredentialsRequest: { fields: { Host: { type: 'string', id: 1 } } },
        CredentialsResponse: { fields: { Username: { type: 'string', id: 1 }, Secret: { type: 'string', id: 2 } } },
      },
    },
    health: {
      nested: {
        HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
        HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
      },
    },
  },
});

function unary<Req extends object, Res extends object>(
  path: string,
  request: string,
  response: string,
): grpc.MethodDefinition<Req, Res> {
  const requestType = root.lookupType(request);
  const responseType = root.lookupType(response);
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Req) => Buffer.from(requestType.encode(requestType.fromObject(value)).finish()),
    requestDeserialize: (bytes: Buffer) => requestType.toObject(requestType.decode(bytes), { defaults: true }) as Req,
    responseSerialize: (value: Res) => Buffer.from(responseType.encode(responseType.fromObject(value)).finish()),
    responseDeserialize: (bytes: Buffer) => responseType.toObject(responseType.decode(bytes), { defaults: true }) as Res,
  };
}

export const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
export const AUTH_CREDENTIALS = '/moby.filesync.v1.Auth/Credentials';
export const HEALTH_CHECK = '/grpc.health.v1.Health/Check';

const secretsService = {
  GetSecret: unary<{ ID: string }, { data: Buffer }>(GET_SECRET, 'secrets.GetSecretRequest', 'secrets.GetSecretResponse'),
};
const authService = {
  Credentials: unary<{ Host: string }, { Username: string; Secret: string }>(AUTH_CREDENTIALS, 'auth.CredentialsRequest', 'auth.CredentialsResponse'),
};
const healthService = {
  Check: unary<{ service: string }, { status: number }>(HEALTH_CHECK, 'health.HealthCheckRequest', 'health.HealthCheckResponse'),
};

/** What the session answers; kept apart from the transport so it can be tested without an engine. */
export interface SessionHandlers {
  getSecret(id: string): { data: Buffer } | { notFound: string };
}

/** Secrets by id; an unknown id is NotFound, which BuildKit reports as "secret <id>: not found". */
export function secretHandlers(secrets: BuildSecret[], onRequest?: (id: string) => void): SessionHandlers {
  const byId = new Map(secrets.map((secret) => [secret.id, secret.value]));
  return {
    getSecret(id) {
      onRequest?.(id);
      const value = byId.get(id);
      return value === undefined ? { notFound: `secret ${id} not provided` } : { data: Buffer.from(value, 'utf8') };
    },
  };
}

/** The gRPC server of a session, not yet bound to a connection. */
export function sessionServer(handlers: SessionHandlers): grpc.Server {
  const server = new grpc.Server();
  server.addService(secretsService, {
    GetSecret(call: grpc.ServerUnaryCall<{ ID: string }, { data: Buffer }>, callback: grpc.sendUnaryData<{ data: Buffer }>) {
      const answer = handlers.getSecret(call.request.ID);
      if ('notFound' in answer) callback({ code: grpc.status.NOT_FOUND, details: answer.notFound });
      else callback(null, answer);
    },
  });
  server.addService(authService, {
    Credentials(_call: unknown, callback: grpc.sendUnaryData<{ Username: string; Secret: string }>) {
      // Anonymous: Shipshape never hands registry credentials to a learner's build.
      callback(null, { Username: '', Secret: '' });
    },
  });
  server.addService(healthService, {
    Check(_call: unknown, callback: grpc.sendUnaryData<{ status: number }>) {
      callback(null, { status: 1 }); // SERVING
    },
  });
  return server;
}

export interface BuildSession {
  id: string;
  /** Secret ids the build asked for, in order. */
  readonly requested: string[];
  close(): void;
}

/** Opens the session on the engine; resolves once the daemon has upgraded the connection. */
export function openSession(engine: Engine, secrets: BuildSecret[], timeoutMs = 10_000): Promise<BuildSession> {
  const id = randomUUID();
  const requested: string[] = [];
  const headers = {
    Upgrade: 'h2c',
    'X-Docker-Expose-Session-Uuid': id,
    'X-Docker-Expose-Session-Name': 'shipshape',
    'X-Docker-Expose-Session-Sharedkey': randomBytes(16).toString('hex'),
    'X-Docker-Expose-Session-Grpc-Method': [GET_SECRET, AUTH_CREDENTIALS, HEALTH_CHECK],
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new Error(`the engine did not open a BuildKit session within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    engine.docker.modem.dial(
      { method: 'POST', path: '/session', hijack: true, headers, statusCodes: { 101: true, 200: true, 400: 'bad request', 404: 'no session endpoint', 500: 'server error' } } as never,
      (error: unknown, socket: unknown) => {
        clearTimeout(timer);
        const duplex = socket as Duplex | undefined;
        if (settled) {
          duplex?.destroy();
          return;
        }
        settled = true;
        if (error || !duplex) {
          reject(error instanceof Error ? error : new Error(String(error ?? 'no connection')));
          return;
        }
        const server = sessionServer(secretHandlers(secrets, (secretId) => requested.push(secretId)));
        const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
        // The daemon closing its end (build over, engine gone) must not surface as an unhandled error.
        duplex.on('error', () => undefined);
        injector.injectConnection(duplex);
        let closed = false;
        resolve({
          id,
          requested,
          close() {
            if (closed) return;
            closed = true;
            injector.destroy();
            server.forceShutdown();
            duplex.destroy();
          },
        });
      },
    );
  });
}
