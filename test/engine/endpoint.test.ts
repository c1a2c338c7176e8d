import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { contextDigest, dockerodeOptions, resolveEndpoint } from '../../src/engine/endpoint.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';

let home: string;

/** Writes a context the way `docker context create` stores it. */
async function writeContext(name: string, host: string, tls?: { ca: string; cert: string; key: string }, skipVerify = false): Promise<void> {
  const digest = contextDigest(name);
  const metaDir = path.join(home, '.docker', 'contexts', 'meta', digest);
  await mkdir(metaDir, { recursive: true });
  const meta = { Name: name, Metadata: { Description: 'test' }, Endpoints: { docker: { Host: host, SkipTLSVerify: skipVerify } } };
  await writeFile(path.join(metaDir, 'meta.json'), JSON.stringify(meta));
  if (tls) {
    const tlsDir = path.join(home, '.docker', 'contexts', 'tls', digest, 'docker');
    await mkdir(tlsDir, { recursive: true });
    for (const [file, text] of Object.entries(tls)) await writeFile(path.join(tlsDir, `${file}.pem`), text);
  }
}

async function useContext(name: string): Promise<void> {
  await mkdir(path.join(home, '.docker'), { recursive: true });
  await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}

const noSockets = () => false;
const resolve = (env: NodeJS.ProcessEnv, flag?: string, socketExists: (p: string) => boolean = noSockets) =>
  resolveEndpoint({ env: { HOME: home, ...env }, home, flag, socketExists });

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'shipshape-endpoint-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('endpoint resolution', () => {
  it('with nothing set: the default socket', () => {
    expect(resolve({})).toMatchObject({ host: 'unix:///var/run/docker.sock', source: 'default', foundBy: 'the default socket' });
  });

  it('the current context of config.json: a unix socket', async () => {
    await writeContext('other', 'unix:///run/other/docker.sock');
    await useContext('other');
    expect(resolve({})).toMatchObject({ host: 'unix:///run/other/docker.sock', source: 'context', context: 'other' });
    expect(resolve({}).foundBy).toBe(`Docker context "other" (currentContext in ${path.join(home, '.docker', 'config.json')})`);
    expect(resolve({}).tls).toBeUndefined();
  });

  it('DOCKER_CONTEXT beats currentContext; DOCKER_HOST beats both; the flag beats everything', async () => {
    await writeContext('a', 'unix:///a.sock');
    await writeContext('b', 'unix:///b.sock');
    await useContext('a');
    expect(resolve({ DOCKER_CONTEXT: 'b' })).toMatchObject({ host: 'unix:///b.sock', foundBy: 'Docker context "b" (DOCKER_CONTEXT)' });
    expect(resolve({ DOCKER_CONTEXT: 'b', DOCKER_HOST: 'unix:///env.sock' })).toMatchObject({ host: 'unix:///env.sock', source: 'DOCKER_HOST' });
    expect(resolve({ DOCKER_CONTEXT: 'b', DOCKER_HOST: 'unix:///env.sock' }, 'unix:///flag.sock')).toMatchObject({
      host: 'unix:///flag.sock',
      source: 'flag',
      foundBy: '--docker-host',
    });
    // The context named "default" is the local socket, as in the docker CLI.
    expect(resolve({ DOCKER_CONTEXT: 'default' })).toMatchObject({ source: 'default' });
  });

  it('DOCKER_CONFIG moves config.json and the context store', async () => {
    const elsewhere = path.join(home, 'elsewhere');
    await writeContext('x', 'unix:///x.sock');
    await rm(path.join(home, 'elsewhere'), { recursive: true, force: true });
    await mkdir(elsewhere, { recursive: true });
    await writeFile(path.join(elsewhere, 'config.json'), JSON.stringify({ currentContext: 'x' }));
    // The store is still under ~/.docker, so with DOCKER_CONFIG=elsewhere context x does not exist.
    expect(() => resolve({ DOCKER_CONFIG: elsewhere })).toThrow(/The Docker context "x" \(from currentContext in .*elsewhere\/config\.json\) does not exist/);
  });

  it('a tcp context with TLS material: https with the store\'s ca, cert and key', async () => {
    await writeContext('remote', 'tcp://build.example:2376', { ca: 'CA', cert: 'CERT', key: 'KEY' });
    await useContext('remote');
    const endpoint = resolve({});
    const tlsDir = path.join(home, '.docker', 'contexts', 'tls', contextDigest('remote'), 'docker');
    expect(endpoint).toMatchObject({ host: 'tcp://build.example:2376', source: 'context', tls: { verify: true, ca: path.join(tlsDir, 'ca.pem') } });
    const options = dockerodeOptions(endpoint) as Record<string, unknown>;
    expect(options).toMatchObject({ protocol: 'https', host: 'build.example', port: '2376' });
    expect(String(options.ca)).toBe('CA');
    expect(String(options.key)).toBe('KEY');
    expect(options.socketPath).toBeUndefined();
  });

  it('a tcp context without TLS: plain http on 2375 by default', async () => {
    await writeContext('plain', 'tcp://10.0.0.5');
    expect(dockerodeOptions(resolve({ DOCKER_CONTEXT: 'plain' }))).toMatchObject({ protocol: 'http', host: '10.0.0.5', port: 2375 });
  });

  it('DOCKER_TLS_VERIFY and DOCKER_CERT_PATH apply to DOCKER_HOST', async () => {
    const certs = path.join(home, 'certs');
    await mkdir(certs);
    for (const name of ['ca', 'cert', 'key']) await writeFile(path.join(certs, `${name}.pem`), name.toUpperCase());
    const endpoint = resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(endpoint.tls).toEqual({ ca: path.join(certs, 'ca.pem'), cert: path.join(certs, 'cert.pem'), key: path.join(certs, 'key.pem'), verify: true });
    // Without DOCKER_TLS_VERIFY the certificates are used but the server is not verified, as the docker CLI does.
    const unverified = resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_CERT_PATH: certs });
    expect(unverified.tls?.verify).toBe(false);
    expect((dockerodeOptions(unverified) as { agent?: unknown }).agent).toBeInstanceOf(https.Agent);
    expect(resolve({ DOCKER_HOST: 'tcp://h:2375' }).tls).toBeUndefined();
  });

  it('ssh hosts: user, host and port for dockerode\'s ssh transport', () => {
    const endpoint = resolve({ DOCKER_HOST: 'ssh://deploy@build.example:2222', SSH_AUTH_SOCK: '/tmp/agent.sock' });
    expect(dockerodeOptions(endpoint, { SSH_AUTH_SOCK: '/tmp/agent.sock' })).toMatchObject({
      protocol: 'ssh',
      host: 'build.example',
      port: '2222',
      username: 'deploy',
      sshOptions: { agent: '/tmp/agent.sock' },
    });
  });

  it('the Podman socket when the default socket does not exist', () => {
    const podman = path.join(home, 'xdg', 'podman', 'podman.sock');
    const found = resolve({ XDG_RUNTIME_DIR: path.join(home, 'xdg') }, undefined, (candidate) => candidate === podman);
    expect(found).toMatchObject({ host: `unix://${podman}`, source: 'podman' });
    // With the default socket present, Podman is not considered.
    expect(resolve({ XDG_RUNTIME_DIR: path.join(home, 'xdg') }, undefined, () => true).source).toBe('default');
  });

  it('bad input: unknown context, unusable host, broken config.json', async () => {
    expect(() => resolve({ DOCKER_CONTEXT: 'nope' })).toThrow(UserError);
    expect(() => resolve({ DOCKER_CONTEXT: 'nope' })).toThrow(/The Docker context "nope" \(from DOCKER_CONTEXT\) does not exist/);
    expect(() => resolve({}, 'ftp://x')).toThrow('Cannot use the Docker host "ftp://x" (from --docker-host): the scheme ftp:// is not supported.');
    expect(() => resolve({ DOCKER_HOST: 'localhost:2375' })).toThrow(/from DOCKER_HOST\): it has no scheme/);
    await mkdir(path.join(home, '.docker'));
    await writeFile(path.join(home, '.docker', 'config.json'), '{ not json');
    expect(() => resolve({})).toThrow(/config\.json is not valid JSON/);
    expect(resolve({}, '/some/docker.sock').host).toBe('unix:///some/docker.sock');
  });
});

describe('connecting through the chosen endpoint', () => {
  const saved = { ...process.env };
  let server: http.Server | https.Server | undefined;

  afterEach(async () => {
    process.env = { ...saved };
    if (server) {
      server.closeAllConnections();
      await new Promise((done) => server!.close(done));
      server = undefined;
    }
  });

  const engineApi: http.RequestListener = (request, response) => {
    if (request.url?.includes('_ping')) return response.end('OK');
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify({ Version: '99.0.0', ApiVersion: '1.45', Os: 'linux', Arch: 'arm64' }));
  };

  it('a context over tcp with TLS: a real handshake with the store\'s CA and client certificate', async () => {
    // A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker context create --docker "ca=…,cert=…,key=…"` stores them.
    const dir = path.join(home, 'pki');
    await mkdir(dir);
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
    for (const who of ['server', 'client']) {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'client'}`);
      await writeFile(path.join(dir, `${who}.ext`), who === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
      ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', '-extfile', `${who}.ext`);
    }
    const read = (file: string) => readFile(path.join(dir, file), 'utf8');
    let clientCertSeen = false;
    const tlsServer = https.createServer(
      { ca: await read('ca.pem'), cert: await read('server.pem'), key: await read('server-key.pem'), requestCert: true, rejectUnauthorized: true },
      (request, response) => {
        clientCertSeen = (request.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN === 'client';
        engineApi(request, response);
      },
    );
    server = tlsServer;
    await new Promise<void>((done) => tlsServer.listen(0, '127.0.0.1', done));
    const port = (tlsServer.address() as AddressInfo).port;

    await writeContext('secure', `tcp://127.0.0.1:${port}`, { ca: await read('ca.pem'), cert: await read('client.pem'), key: await read('client-key.pem') });
    process.env = { ...saved, HOME: home, DOCKER_CONTEXT: 'secure' };
    delete process.env.DOCKER_HOST;
    delete process.env.DOCKER_CONFIG;
    const engine = await connectEngine();
    expect(engine.info).toMatchObject({ endpoint: `tcp://127.0.0.1:${port}`, endpointSource: 'context', foundBy: 'Docker context "secure" (DOCKER_CONTEXT)', serverVersion: '99.0.0' });
    expect(clientCertSeen).toBe(true);

    // The same server through a context without the CA: the handshake is refused, with one clear message.
    await writeContext('no-ca', `tcp://127.0.0.1:${port}`, { ca: await read('client.pem'), cert: await read('client.pem'), key: await read('client-key.pem') });
    process.env.DOCKER_CONTEXT = 'no-ca';
    const error = await connectEngine().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toMatch(/^No Docker engine answered at tcp:\/\/127\.0\.0\.1:\d+ \(from Docker context "no-ca" \(DOCKER_CONTEXT\)\): .*(certificate|self.signed)/i);
    expect((error as UserError).suggestion).toContain('docker context use default');
  });

  it('the flag wins over a DOCKER_HOST that would otherwise be used', async () => {
    const socket = path.join(home, 'engine.sock');
    const plain = http.createServer(engineApi);
    server = plain;
    await new Promise<void>((done) => plain.listen(socket, done));
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    const engine = await connectEngine({ dockerHost: `unix://${socket}` });
    expect(engine.info).toMatchObject({ endpoint: `unix://${socket}`, endpointSource: 'flag', foundBy: '--docker-host', apiVersion: '1.45' });
    const viaEnv = await connectEngine({ pingTimeoutMs: 2000 }).catch((caught: unknown) => caught);
    expect((viaEnv as Error).message).toMatch(/^No Docker engine answered at tcp:\/\/127\.0\.0\.1:1 \(from DOCKER_HOST\): .*ECONNREFUSED/);
  });
});
