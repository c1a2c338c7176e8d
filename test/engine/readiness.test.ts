import { describe, expect, it } from 'vitest';
import { readinessOf } from '../../src/engine/readiness.js';

describe('readinessOf (the one rule for a settled container)', () => {
  it('puts an exit first, even with a health status left over', () => {
    expect(readinessOf({ running: false, status: 'exited', health: 'healthy' })).toBe('exited');
    expect(readinessOf({ running: false, status: 'dead', health: null })).toBe('exited');
  });

  it('counts created and restarting containers and a health check still starting as not settled', () => {
    expect(readinessOf({ running: false, status: 'created' })).toBe('starting');
    expect(readinessOf({ running: false, status: 'restarting', health: 'unhealthy' })).toBe('starting');
    expect(readinessOf({ running: true, status: 'running', health: 'starting' })).toBe('starting');
  });

  it('reports the health verdict of a running container, or plain running without a health check', () => {
    expect(readinessOf({ running: true, status: 'running', health: 'healthy' })).toBe('healthy');
    expect(readinessOf({ running: true, status: 'running', health: 'unhealthy' })).toBe('unhealthy');
    expect(readinessOf({ running: true, status: 'running' })).toBe('running');
    expect(readinessOf({ running: true, status: 'running', health: null })).toBe('running');
  });
});
