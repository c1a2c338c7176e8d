/**
 * `q` quits watch mode on a terminal. Raw mode turns Ctrl-C into a plain byte, so it is re-raised as
 * SIGINT for the usual handler (first cancels and cleans up, second exits at once). Returns a function
 * that restores the terminal; a no-op when stdin is not a terminal (there SIGINT is the way out).
 */
export function onQuitKey(quit: () => void, stdin: NodeJS.ReadStream = process.stdin): () => void {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return () => undefined;
  const onData = (data: Buffer | string) => {
    const text = data.toString();
    if (text.includes('\u0003')) process.kill(process.pid, 'SIGINT');
    else if (/^q$/i.test(text.trim())) quit();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
}
