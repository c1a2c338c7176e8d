// Runs the CLI as if on a terminal, for tests of what only happens there (the bare `shipshape` menu).
// stdin stays a pipe the test writes keys to; raw mode is a no-op since a pipe has none.
process.stdin.isTTY = true;
process.stdout.isTTY = true;
process.stdin.setRawMode = () => process.stdin;
// FAKE_TTY_COLUMNS=0 plays a terminal that reports no width (script, some CI runners, `docker exec -t`).
const columns = process.env.FAKE_TTY_COLUMNS === undefined ? 100 : Number(process.env.FAKE_TTY_COLUMNS);
process.stdout.columns = columns;
process.stdout.rows = 40;
process.stdout.getWindowSize = () => [columns, 40];
await import('../../bin/run.js');
