/**
 * First Ctrl-C (or SIGTERM) asks the run to cancel and clean up; a second one exits at once.
 * Returns a function that removes the handlers.
 */
export function onInterrupt(cancel: () => void): () => void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write('\nStopped at once; `shipshape clean` removes anything left behind.\n');
      process.exit(130);
      return;
    }
    interrupted = true;
    process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: cancelling and removing what this run created (again to exit at once)...\n`);
    cancel();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * After a cancelled run has cleaned up: exit once the error is printed, even if something outside our
 * control (an engine connection that never answers, a client's retry timer) would keep the process
 * alive. The timer is unref'd, so a process with nothing left ends on its own first.
 */
export function exitSoonAfterCancel(graceMs = 250): void {
  setTimeout(() => process.exit(), graceMs).unref();
}
