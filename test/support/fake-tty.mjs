// Runs the CLI as if on a terminal, for tests of what only happens there (the bare `shipshape` menu).
// stdin stays a pipe the test writes keys to; raw mode is a no-op since a pipe has none.
process.stdin.isTTY = true;
process.stdout.isTTY = true;
process.stdin.setRawMode = () => process.stdin;
process.stdout.columns = 100;
process.stdout.rows = 40;
process.stdout.getWindowSize = () => [100, 40];
await import('../../bin/run.js');
