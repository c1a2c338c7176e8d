/**
 * The one way engine code reaches execa (for real external CLIs: docker compose, docker-compose, docker
 * buildx, cosign): loaded on first use, so commands that never run one do not pay for it.
 */
export async function loadExeca(): Promise<typeof import('execa').execa> {
  return (await import('execa')).execa;
}
