import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/engine/doctor.js';
import { contextDigest } from '../../src/engine/endpoint.js';
import { shipshape } from '../support/cli.js';
import { requireEngine, waitFor } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const SSHD = '/usr/sbin/sshd';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** The engine over ssh, as `DOCKER_HOST=ssh://user@host` or an ssh context: a real sshd on localhost running `docker system dial-stdio`. */
describeNeeding(needs.engine, needs.root, needs.sshd)('an engine over ssh', { timeout: 120_000 }, () => {
  let scratch: string;
  let home: string;
  let port: number;
  let sshd: ChildProcess | undefined;
  let host: string;
  /** sshd's own log (-e): each session the CLI opened through it shows as "Accepted publickey". */
  let sshdLog = '';
  const sessions = () => (sshdLog.match(/Accepted publickey for root/g) ?? []).length;

  beforeAll(async () => {
    requireEngine();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-ssh-'));
    home = path.join(scratch, 'home');
    await mkdir(path.join(home, '.ssh'), { recursive: true });
    await mkdir('/run/sshd', { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(scratch, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, '.ssh', 'id_ed25519')]);
    await writeFile(path.join(scratch, 'authorized_keys'), await readFile(path.join(home, '.ssh', 'id_ed25519.pub')));
    port = await freePort();
    host = `ssh://root@127.0.0.1:${port}`;
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(scratch, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(scratch, 'authorized_keys')}`,
      `PidFile ${path.join(scratch, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
    ];
    await writeFile(path.join(scratch, 'sshd_config'), `${config.join('\n')}\n`);
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(scratch, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr!.on('data', (chunk: Buffer) => (sshdLog += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await new Promise<boolean>((done) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); done(true); }).on('error', () => done(false))))) {
      if (Date.now() > deadline || sshd.exitCode !== null) throw new Error(`sshd did not start:\n${sshdLog}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  });

  afterAll(async () => {
    if (sshd && sshd.exitCode === null) {
      sshd.kill('SIGTERM');
      await new Promise((done) => sshd!.once('exit', done));
    }
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const env = () => ({ HOME: home, SSH_AUTH_SOCK: '', SHIPSHAPE_PACKS: '' });
  /** sshd may log the session a moment after the client is done. */
  const waitForSessions = (count: number) => waitFor(`${count} ssh sessions in the sshd log`, async () => sessions() >= count, 10_000);

  it('an unknown host key is refused, with the ssh command that trusts it', async () => {
    const result = await shipshape(['doctor', '--json'], { env: { ...env(), DOCKER_HOST: host } });
    expect(result.exitCode, result.all).toBe(1);
    const engine = (JSON.parse(result.stdout) as DoctorReport).findings.find((finding) => finding.id === 'engine')!;
    expect(engine.status).toBe('fail');
    expect(engine.detail).toContain(`No Docker engine answered at ${host} (from DOCKER_HOST): Host denied (verification failed)`);
    expect(engine.fix).toContain(`connect once with \`ssh -p ${port} root@127.0.0.1\``);
  });

  it('with the host key in known_hosts (hashed, as ssh writes it): DOCKER_HOST=ssh://… reaches the engine', async () => {
    const hostKey = (await readFile(path.join(scratch, 'host_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    const knownHosts = path.join(home, '.ssh', 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', knownHosts]);
    expect(await readFile(knownHosts, 'utf8')).toMatch(/^\|1\|/);
    const result = await shipshape(['doctor', '--json'], { env: { ...env(), DOCKER_HOST: host } });
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.findings.find((finding) => finding.id === 'engine')).toMatchObject({ status: 'ok', detail: `${host} (from DOCKER_HOST) answers` });
    expect(report.engine?.apiVersion).toMatch(/^1\.\d+$/);
    expect(result.stderr).not.toContain('DeprecationWarning');
  });

  it('an ssh Docker context works the same way', async () => {
    const meta = path.join(home, '.docker', 'contexts', 'meta', contextDigest('over-ssh'));
    await mkdir(meta, { recursive: true });
    await writeFile(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'over-ssh', Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
    // The endpoint really used: doctor names the context's ssh host, and sshd saw the session (a
    // fallback to the local socket would answer too, but through no ssh session).
    const before = sessions();
    const doctor = await shipshape(['doctor', '--json'], { env: { ...env(), DOCKER_CONTEXT: 'over-ssh' } });
    const report = JSON.parse(doctor.stdout) as DoctorReport;
    expect(report.endpoint, doctor.all).toMatchObject({ host });
    expect(report.findings.find((finding) => finding.id === 'engine')).toMatchObject({ status: 'ok', detail: expect.stringContaining(host) });
    await waitForSessions(before + 1);
    const cleanBefore = sessions();
    const result = await shipshape(['clean', '--dry-run', '--json'], { env: { ...env(), DOCKER_CONTEXT: 'over-ssh' } });
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('dryRun', true);
    await waitForSessions(cleanBefore + 1);
  });
});
