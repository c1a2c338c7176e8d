import { randomBytes } from 'node:crypto';

// Every Docker object this test run makes (in-process or through the CLI, which inherits the
// environment) carries this session label, so counts and `clean` see only our own objects even
// when another run shares the engine.
process.env.SHIPSHAPE_SESSION ??= `test-${process.pid}-${randomBytes(3).toString('hex')}`;
