#!/usr/bin/env bash
# Makes sure a Docker engine answers. Idempotent and quick when one already does.
# Installs and starts Debian's docker.io only as root on Debian/Ubuntu with no engine answering;
# anywhere else it explains what to do and exits 2.
set -euo pipefail

log() { printf 'shipshape: %s\n' "$*" >&2; }

docker_cli() {
  # /usr/bin/docker first: a newer client earlier on PATH may expect buildx and print warnings.
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker || true; fi
}

engine_answers() {
  local cli; cli=$(docker_cli)
  [ -n "$cli" ] && timeout 10 "$cli" info >/dev/null 2>&1
}

if engine_answers; then exit 0; fi

# A remote or user-chosen engine that does not answer is not ours to start.
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  log "no Docker engine answers at DOCKER_HOST=${DOCKER_HOST}. Start that engine or unset DOCKER_HOST."
  exit 2
fi

is_debian_like() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

if [ "$(id -u)" != 0 ] || ! is_debian_like; then
  log "no Docker engine answers on /var/run/docker.sock."
  log "Start Docker (Docker Desktop, 'sudo systemctl start docker', or 'colima start'), then run this again."
  exit 2
fi

if [ ! -x /usr/sbin/dockerd ]; then
  log "installing Debian's docker.io engine (no engine answered)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  rm -f /var/run/docker.pid
  log "starting dockerd (log: /var/log/shipshape-dockerd.log)..."
  nohup /usr/sbin/dockerd >/var/log/shipshape-dockerd.log 2>&1 &
fi

for _ in $(seq 1 120); do
  if engine_answers; then log "Docker engine is up."; exit 0; fi
  sleep 0.5
done
log "dockerd did not answer within 60 s. Last lines of its log:"
tail -n 20 /var/log/shipshape-dockerd.log >&2 || true
exit 2
