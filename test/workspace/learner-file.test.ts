import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LearnerFileError, readLearnerFile } from '../../src/workspace/learner-file.js';

async function workspace(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'shipshape-learner-file-'));
}
const options = { what: 'Dockerfile', maxBytes: 1000 };

async function refusal(promise: Promise<unknown>): Promise<LearnerFileError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(LearnerFileError);
  return error as LearnerFileError;
}

describe('readLearnerFile', () => {
  it('reads a UTF-8 file and drops a BOM', async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, 'Dockerfile'), '\ufeffFROM scratch\n');
    expect(await readLearnerFile(dir, 'Dockerfile', options)).toBe('FROM scratch\n');
  });
  it('refuses a directory, naming it', async () => {
    const dir = await workspace();
    await mkdir(path.join(dir, 'Dockerfile'));
    const error = await refusal(readLearnerFile(dir, 'Dockerfile', options));
    expect(error.reason).toBe('not-a-file');
    expect(error.message).toContain('Dockerfile is a directory');
  });
  it('refuses a symlink leaving the workspace and follows one inside', async () => {
    const dir = await workspace();
    await symlink('/etc/passwd', path.join(dir, 'Dockerfile'));
    const error = await refusal(readLearnerFile(dir, 'Dockerfile', options));
    expect(error.reason).toBe('outside-workspace');
    await writeFile(path.join(dir, 'real'), 'FROM scratch\n');
    await symlink('real', path.join(dir, 'inside'));
    expect(await readLearnerFile(dir, 'inside', options)).toBe('FROM scratch\n');
  });
  it('refuses a file over the limit and a missing one', async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, 'Dockerfile'), 'x'.repeat(1001));
    expect((await refusal(readLearnerFile(dir, 'Dockerfile', options))).reason).toBe('too-large');
    expect((await refusal(readLearnerFile(dir, 'nope', options))).reason).toBe('missing');
  });
  it('names UTF-16 as such, with and without a BOM, and invalid UTF-8', async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, 'a'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('FROM scratch', 'utf16le')]));
    expect((await refusal(readLearnerFile(dir, 'a', options))).message).toContain('UTF-16 (little-endian)');
    await writeFile(path.join(dir, 'b'), Buffer.from('FROM scratch\nRUN true', 'utf16le'));
    expect((await refusal(readLearnerFile(dir, 'b', options))).message).toContain('UTF-16');
    await writeFile(path.join(dir, 'c'), Buffer.from([0x46, 0x52, 0xc3, 0x28]));
    expect((await refusal(readLearnerFile(dir, 'c', options))).message).toContain('not valid UTF-8');
  });
});
