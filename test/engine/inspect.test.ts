import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { imagePathExists, inspectImage } from '../../src/engine/inspect.js';
import { RunScope } from '../../src/engine/scope.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const openSockets = () =>
  (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles().filter((handle) => handle.constructor.name === 'Socket').length;

describeNeeding(needs.engine)('image inspection on the engine', { timeout: 60_000 }, () => {
  it('reads paths through the archive API, present and absent, and releases every connection', async () => {
    requireEngine();
    requireImages('composer:2');
    const engine = await connectEngine();
    const scope = new RunScope(engine.docker, 'inspect-test');
    const before = openSockets();
    expect(await imagePathExists(engine, scope, 'composer:2', '/usr/bin/composer')).toBe(true);
    expect(await imagePathExists(engine, scope, 'composer:2', '/usr/bin/no-such-tool')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A HEAD answered with 200 arrives as a stream; an unreleased one kept the CLI alive for minutes.
    expect(openSockets()).toBe(before);
    await scope.dispose();
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('reports size and config of an image, and null for an unknown one', async () => {
    requireEngine();
    requireImages('php:8.2-fpm-alpine');
    const engine = await connectEngine();
    const facts = await inspectImage(engine, 'php:8.2-fpm-alpine');
    expect(facts!.size).toBeGreaterThan(1_000_000);
    expect(facts!.cmd).toEqual(['php-fpm']);
    expect(await inspectImage(engine, 'shipshape-test/no-such-image:0')).toBeNull();
  });
});
