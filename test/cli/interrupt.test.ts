import { afterEach, describe, expect, it, vi } from 'vitest';
import { onInterrupt } from '../../src/cli/interrupt.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Ctrl-C handling', () => {
  it('the first Ctrl-C cancels (cleanup runs), the second exits at once with 130', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cancel = vi.fn();
    const stop = onInterrupt(cancel);
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(cancel).toHaveBeenCalledTimes(1);
      expect(exit).not.toHaveBeenCalled();
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('Ctrl-C: cancelling and removing what this run created');

      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('`shipshape clean` removes anything left behind');
      expect(cancel).toHaveBeenCalledTimes(1);
    } finally {
      stop();
    }
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('SIGTERM cancels the same way', () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cancel = vi.fn();
    const stop = onInterrupt(cancel);
    process.emit('SIGTERM', 'SIGTERM');
    stop();
    expect(cancel).toHaveBeenCalledTimes(1);
  });
});
