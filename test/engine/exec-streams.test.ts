import { describe, expect, it } from 'vitest';
import { splitStreams } from '../../src/engine/run.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('splitStreams (docker exec output)', () => {
  it('separates stdout and stderr frames, in order, across multi-byte characters', () => {
    const buffer = Buffer.concat([frame(1, 'uid '), frame(2, 'warn: ü\n'), frame(1, '1000\n'), frame(2, 'done\n')]);
    expect(splitStreams(buffer)).toEqual({ stdout: 'uid 1000\n', stderr: 'warn: ü\ndone\n' });
  });

  it('ignores a truncated trailing frame header and returns empty streams for no output', () => {
    expect(splitStreams(Buffer.concat([frame(1, 'ok\n'), Buffer.from([1, 0, 0])]))).toEqual({ stdout: 'ok\n', stderr: '' });
    expect(splitStreams(Buffer.alloc(0))).toEqual({ stdout: '', stderr: '' });
  });
});
