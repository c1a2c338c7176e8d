/**
 * The one rule for "has this container settled?", shared by the health wait of a single container
 * (run.ts) and the wait for a stack's service (compose/stack.ts).
 */
export type Readiness = 'starting' | 'running' | 'healthy' | 'unhealthy' | 'exited';

/**
 * `running` is a container running without a health check; `starting` one that is created, restarting
 * or still in its health check's start. Exit comes first: a stopped container also reports its last
 * health status, which would hide why it stopped.
 */
export function readinessOf(state: { running: boolean; status: string; health?: string | null }): Readiness {
  if (!state.running) return state.status === 'created' || state.status === 'restarting' ? 'starting' : 'exited';
  if (!state.health) return 'running';
  return state.health === 'healthy' || state.health === 'unhealthy' ? state.health : 'starting';
}
