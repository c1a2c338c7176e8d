import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onQuitKey } from '../../src/cli/keys.js';

function fakeTerminal(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (mode: boolean) => void; modes: boolean[] };
  stream.isTTY = isTTY;
  stream.modes = [];
  stream.setRawMode = (mode: boolean) => void stream.modes.push(mode);
  return stream;
}

describe('onQuitKey', () => {
  afterEach(() => vi.restoreAllMocks());

  it('q quits, Ctrl-C goes to the SIGINT handler, and the terminal is restored', () => {
    const stdin = fakeTerminal(true);
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const quit = vi.fn();
    const stop = onQuitKey(quit, stdin as unknown as NodeJS.ReadStream);
    expect(stdin.modes).toEqual([true]);
    stdin.emit('data', Buffer.from('x'));
    expect(quit).not.toHaveBeenCalled();
    stdin.emit('data', Buffer.from('q'));
    expect(quit).toHaveBeenCalledTimes(1);
    stdin.emit('data', Buffer.from('\u0003'));
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT');
    stop();
    expect(stdin.modes).toEqual([true, false]);
    stdin.emit('data', Buffer.from('q'));
    expect(quit).toHaveBeenCalledTimes(1);
  });

  it('leaves a stdin that is not a terminal alone', () => {
    const stdin = fakeTerminal(false);
    const quit = vi.fn();
    const stop = onQuitKey(quit, stdin as unknown as NodeJS.ReadStream);
    stdin.emit('data', Buffer.from('q'));
    stop();
    expect(quit).not.toHaveBeenCalled();
    expect(stdin.modes).toEqual([]);
  });
});
