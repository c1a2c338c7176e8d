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
exit 0
