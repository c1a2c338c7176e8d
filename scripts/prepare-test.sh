#!/usr/bin/env bash
# Prepares what the Docker-backed tests need: a reachable engine and the stand-in base images.
# Idempotent and quick when both are present. It never stops `npm test`: when something is
# missing the Docker-backed tests say so themselves (and fail under CI instead of skipping).
set -uo pipefail
cd "$(dirname "$0")/.."

# The browser tests of `shipshape serve` drive Debian's chromium with playwright-core (root + apt only;
# without it they skip locally and fail under CI, saying why).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "shipshape: installing chromium for the browser tests..." >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }; } ||
    echo "shipshape: chromium could not be installed; the browser tests will skip (or fail when CI is set)." >&2
fi
if ! bash scripts/ensure-engine.sh; then
  echo "shipshape: no Docker engine; Docker-backed tests will skip (or fail when CI is set)." >&2
  exit 0
fi
# Compose: v2 (`docker compose`) or v1 (`docker-compose`). Debian 12 has only v1; install it when neither works.
# COMPOSE_DOCKER_CLI_BUILD stays unset: v1 would otherwise build with the PATH client (which wants buildx).
if ! /usr/bin/docker compose version >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1 &&
  ! docker-compose version >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "shipshape: installing docker-compose (v1) for the compose challenges..." >&2
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1; }; } ||
      echo "shipshape: could not install docker-compose; compose tests will fail." >&2
  else
    echo "shipshape: neither \`docker compose\` nor \`docker-compose\` works; compose tests will fail." >&2
  fi
fi
if ! bash scripts/stand-ins/build.sh; then
  echo "shipshape: stand-in base images could not be built; Docker-backed tests will fail." >&2
fi
# The engine matrix: Docker 28.5 (overlay2 and the containerd image store) with Compose v2, beside 20.10,
# each with the stand-ins copied in. Both start and load at once (loading is most of the time).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if bash scripts/engines/current.sh fetch; then
    pids=()
    for store in overlay2 containerd; do
      { bash scripts/engines/current.sh start "$store" >/dev/null && bash scripts/engines/current.sh images "$store"; } &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || echo "shipshape: a Docker 28 engine could not be prepared; the matrix tests will fail (CI) or skip." >&2; done
  else
    echo "shipshape: Docker 28 could not be fetched from Debian sid; the matrix tests will fail (CI) or skip." >&2
  fi
fi
# The image-signing challenge and its tests run cosign: Debian sid's, extracted without touching apt's state.
if ! bash scripts/tools/cosign.sh >/dev/null; then
  echo "shipshape: cosign could not be installed; the image-signing tests will fail (CI) or skip." >&2
fi
# The ssh endpoint test runs a throwaway sshd on localhost (Debian/Ubuntu as root only).
if [ ! -x /usr/sbin/sshd ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "shipshape: installing openssh-server for the ssh endpoint test..." >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1; }; } ||
    echo "shipshape: openssh-server could not be installed; the ssh endpoint test will skip (or fail when CI is set)." >&2
fi
exit 0
