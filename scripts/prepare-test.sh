#!/usr/bin/env bash
# Prepares what the Docker-backed tests need: a reachable engine and the stand-in base images.
# Idempotent and quick when both are present. It never stops `npm test`: when something is
# missing the Docker-backed tests say so themselves (and fail under CI instead of skipping).
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/ensure-engine.sh; then
  echo "shipshape: no Docker engine; Docker-backed tests will skip (or fail when CI is set)." >&2
  exit 0
fi
if ! bash scripts/stand-ins/build.sh; then
  echo "shipshape: stand-in base images could not be built; Docker-backed tests will fail." >&2
fi
# The ssh endpoint test runs a throwaway sshd on localhost (Debian/Ubuntu as root only).
if [ ! -x /usr/sbin/sshd ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "shipshape: installing openssh-server for the ssh endpoint test..." >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1; }; } ||
    echo "shipshape: openssh-server could not be installed; the ssh endpoint test will skip (or fail when CI is set)." >&2
fi
exit 0
