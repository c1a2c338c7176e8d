import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretHandlers, sessionServer } from '../../src/engine/buildkit/session.js';

// The method paths the daemon calls (written out here, not taken from the code under test).
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const AUTH_CREDENTIALS = '/moby.filesync.v1.Auth/Credentials';
const HEALTH_CHECK = '/grpc.health.v1.Health/Check';

// The daemon's side of the wire, written independently of the server: BuildKit's secrets.proto,
// moby's filesync auth.proto and grpc's health.proto, field by field.
const wire = protobuf.Root.fromJSON({
  nested: {
    GetSecretRequest: { fields: { ID: { type: 'string', id: 1 } } },
    GetSecretResponse: { fields: { data: { type: 'bytes', id: 1 } } },
    CredentialsRequest: { fields: { Host: { type: 'string', id: 1 } } },
    CredentialsResponse: { fields: { Username: { type: 'string', id: 1 }, Secret: { type: 'string', id: 2 } } },
    HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
  },
});

function call(client: grpc.Client, method: string, requestType: string, responseType: string, request: object): Promise<Record<string, unknown>> {
  const req = wire.lookupType(requestType);
  const res = wire.lookupType(responseType);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      method,
      (value: object) => Buffer.from(req.encode(req.fromObject(value)).finish()),
      (bytes: Buffer) => res.toObject(res.decode(bytes), { defaults: true, bytes: String }) as Record<string, unknown>,
      request,
      (error, value) => (error ? reject(error) : resolve(value!)),
    ),
  );
}

describe('secretHandlers', () => {
  it('answers a known id with its value as bytes, an unknown one with NotFound, and records what was asked', () => {
    const asked: string[] = [];
    const handlers = secretHandlers([{ id: 'api_token', value: 'tok-123' }], (id) => asked.push(id));
    expect(handlers.getSecret('api_token')).toEqual({ data: Buffer.from('tok-123') });
    expect(handlers.getSecret('other')).toEqual({ notFound: 'secret other not provided' });
    expect(asked).toEqual(['api_token', 'other']);
  });
});

describe('the session gRPC server, over a connection injected as the hijacked /session one', () => {
  let dir: string;
  let listener: net.Server;
  let client: grpc.Client;
  let server: grpc.Server;
  const asked: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-session-test-'));
    const socket = path.join(dir, 's.sock');
    server = sessionServer(secretHandlers([{ id: 'api_token', value: 'tok-\u00e9-123' }], (id) => asked.push(id)));
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    listener = net.createServer((connection) => injector.injectConnection(connection));
    await new Promise<void>((resolve) => listener.listen(socket, resolve));
    client = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    server?.forceShutdown();
    await new Promise((resolve) => listener?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves Secrets/GetSecret with the value as UTF-8 bytes', async () => {
    const answer = await call(client, GET_SECRET, 'GetSecretRequest', 'GetSecretResponse', { ID: 'api_token' });
    expect(Buffer.from(answer.data as string, 'base64').toString('utf8')).toBe('tok-\u00e9-123');
    expect(asked).toContain('api_token');
  });

  it('answers an unknown secret with NOT_FOUND (BuildKit: "secret x: not found")', async () => {
    await expect(call(client, GET_SECRET, 'GetSecretRequest', 'GetSecretResponse', { ID: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('serves Auth/Credentials anonymously and Health/Check as SERVING (the daemon drops a session whose health fails)', async () => {
    expect(await call(client, AUTH_CREDENTIALS, 'CredentialsRequest', 'CredentialsResponse', { Host: 'registry-1.docker.io' })).toEqual({ Username: '', Secret: '' });
    expect(await call(client, HEALTH_CHECK, 'HealthCheckRequest', 'HealthCheckResponse', {})).toEqual({ status: 1 });
  });

  it('a method it does not serve is UNIMPLEMENTED', async () => {
    await expect(call(client, '/moby.filesync.v1.FileSync/DiffCopy', 'HealthCheckRequest', 'HealthCheckResponse', {})).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
    });
  });
});
