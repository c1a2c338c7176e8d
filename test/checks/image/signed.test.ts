import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageSigned } from '../../../src/checks/image/signed.js';
import type { CosignRun, CosignTool } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from './fake.js';
import { FakeRegistry } from './fake-registry.js';

const PARAMS = imageSigned.params.parse({ repository: 'shop/catalogue', tag: '2.0.0' });
const ok = (stdout = ''): CosignRun => ({ exitCode: 0, stdout, stderr: '' });
const no = (stderr: string): CosignRun => ({ exitCode: 1, stdout: '', stderr: `Error: ${stderr}\nerror during command execution: ${stderr}` });

/**
 * A cosign that behaves like the real one on the fake registry: a signature is stored per digest under
 * the key's text, and a verify of a tag checks the digest the tag names now with the public key's pair.
 */
function fakeCosign(registry: FakeRegistry, options: { pairOf: (publicKey: string) => string; keyOpens?: boolean }) {
  const signatures = new Map<string, string>();
  const calls: string[] = [];
  const tool: CosignTool = {
    binary: '/usr/bin/cosign',
    version: 'v3.1.1',
    async sign(keyPath, reference, password) {
      calls.push(`sign ${reference} password=${JSON.stringify(password)}`);
      if (options.keyOpens === false) return no('reading key: decrypt: encrypted: decryption failed');
      signatures.set(reference.split('@')[1]!, await readFile(keyPath, 'utf8'));
      return ok();
    },
    async verify(publicKeyPath, reference) {
      calls.push(`verify ${reference}`);
      const [, repoAndTag] = reference.split(`${registry.address}/`);
      const [repository, tag] = repoAndTag!.split(':');
      const digest = (await registry.manifest(repository!, tag!))?.digest;
      const signedWith = digest ? signatures.get(digest) : undefined;
      if (!signedWith) return no('no signatures found');
      if (signedWith !== options.pairOf(await readFile(publicKeyPath, 'utf8'))) return no('no matching signatures: invalid signature when validating ASN.1 encoded signature');
      return ok(JSON.stringify([{ critical: { image: { 'docker-manifest-digest': digest } } }]));
    },
  };
  return { tool, calls };
}

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), 'shipshape-signed-'));
  await writeFile(path.join(workspace, 'cosign.key'), 'PRIVATE-A');
  await writeFile(path.join(workspace, 'cosign.pub'), 'PUBLIC-A');
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

function setup(options: { pairOf?: (publicKey: string) => string; keyOpens?: boolean; cosignMissing?: boolean } = {}) {
  const registry = new FakeRegistry(new Map([['sha256:built', {}]]));
  const cosign = fakeCosign(registry, { pairOf: options.pairOf ?? ((key) => key.replace('PUBLIC', 'PRIVATE')), keyOpens: options.keyOpens });
  const inspector = Object.assign(new FakeInspector(), {
    registry: async () => registry,
    cosign: async () => (options.cosignMissing ? { missing: 'cosign is not installed on this machine' } : cosign.tool),
  });
  return { inspector, registry, calls: cosign.calls };
}

describe('image.signed', () => {
  it('passes when the pushed digest verifies with the public key and the moved tag no longer does', async () => {
    const { inspector, registry, calls } = setup();
    const verdict = await imageSigned.run(PARAMS, imageContext(facts(), inspector, workspace));
    expect(verdict.status, verdict.message).toBe('pass');
    const digest = FakeRegistry.digestOf(registry.pushes[0]!.imageId);
    expect(calls).toEqual([
      `sign ${registry.address}/shop/catalogue@${digest} password=""`,
      `verify ${registry.address}/shop/catalogue:2.0.0`,
      `verify ${registry.address}/shop/catalogue:2.0.0`,
    ]);
    expect(registry.pushes.map((push) => push.tag)).toEqual(['2.0.0', '2.0.0']);
    expect(verdict.evidence).toMatchObject({ digest, tampered: { exitCode: 1, said: 'no signatures found' } });
  });

  it('fails a public key that is not the private key\'s pair, quoting cosign', async () => {
    const { inspector } = setup({ pairOf: () => 'PRIVATE-OLD' });
    const verdict = await imageSigned.run(PARAMS, imageContext(facts(), inspector, workspace));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('the signature made with cosign.key does not verify against cosign.pub (no matching signatures: invalid signature when validating ASN.1 encoded signature): the two files are not one key pair');
  });

  it('fails a key that does not open with the challenge\'s password, saying so', async () => {
    const { inspector } = setup({ keyOpens: false });
    const verdict = await imageSigned.run(PARAMS, imageContext(facts(), inspector, workspace));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('cosign could not sign with cosign.key: reading key: decrypt');
    expect(verdict.hint).toContain("COSIGN_PASSWORD=''");
  });

  it('fails a missing key file, and a key that links out of the workspace, without running cosign', async () => {
    await rm(path.join(workspace, 'cosign.pub'));
    const missing = setup();
    expect(await imageSigned.run(PARAMS, imageContext(facts(), missing.inspector, workspace))).toMatchObject({ status: 'fail', message: 'there is no cosign.pub in the workspace (the cosign public key)' });
    expect(missing.calls).toEqual([]);
    await symlink('/etc/hostname', path.join(workspace, 'cosign.pub'));
    const outside = setup();
    const verdict = await imageSigned.run(PARAMS, imageContext(facts(), outside.inspector, workspace));
    expect(verdict.status).toBe('fail');
    expect(outside.calls).toEqual([]);
  });

  it('without cosign it fails and says so, never passes', async () => {
    const verdict = await imageSigned.run(PARAMS, imageContext(facts(), setup({ cosignMissing: true }).inspector, workspace));
    expect(verdict).toMatchObject({ status: 'fail', message: 'cosign is not installed on this machine' });
    expect((await imageSigned.run(PARAMS, imageContext(facts(), new FakeInspector(), workspace))).status).toBe('fail');
  });
});
