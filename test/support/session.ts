import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

// Every Docker object this test run makes (in-process or through the CLI, which inherits the
// environment) carries this session label, so counts and `clean` see only our own objects even
// when another run shares the engine.
process.env.SHIPSHAPE_SESSION ??= `test-${process.pid}-${randomBytes(3).toString('hex')}`;

// The CLI's caches (the validated-manifest index) go to a scratch directory, not the user's ~/.cache.
process.env.SHIPSHAPE_CACHE_DIR ??= path.join(os.tmpdir(), 'shipshape-test-cache');

// Courses added with course:add go to a scratch data directory: tests never see (or change) the user's.
process.env.SHIPSHAPE_DATA_DIR ??= path.join(os.tmpdir(), `shipshape-test-data-${process.pid}`);
