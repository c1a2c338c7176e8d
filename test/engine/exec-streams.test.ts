import { describe, expect, it } from 'vitest';
import { StreamSplitter, splitStreams } from '../../src/engine/exec.js';

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

describe('StreamSplitter (docker exec output as it arrives)', () => {
  const frames = Buffer.concat([frame(1, 'uid '), frame(2, 'warn: ü\n'), frame(1, '1000\n'), frame(2, 'done\n')]);

  it('gives the same streams whatever the chunk boundaries (headers and characters cut anywhere)', () => {
    for (let size = 1; size <= frames.length; size++) {
      const splitter = new StreamSplitter();
      for (let offset = 0; offset < frames.length; offset += size) splitter.push(frames.subarray(offset, offset + size));
      expect(splitter.text(), `chunks of ${size}`).toEqual({ stdout: 'uid 1000\n', stderr: 'warn: ü\ndone\n' });
    }
  });

  it('keeps at most its byte bound of each stream, and keeps reading the other', () => {
    const splitter = new StreamSplitter(4);
    splitter.push(Buffer.concat([frame(1, 'abcdefgh'), frame(2, 'xy'), frame(1, 'ijkl'), frame(2, 'zw!')]));
    expect(splitter.text()).toEqual({ stdout: 'abcd', stderr: 'xyzw' });
  });
});
