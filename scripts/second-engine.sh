#!/usr/bin/env bash
# A second, disposable Docker engine for tests (root only). Idempotent.
#
#   scripts/second-engine.sh start <name>    starts it (or finds it running); prints its DOCKER_HOST
#   scripts/second-engine.sh stop <name>     stops it by its pidfile, unmounts, removes its bridge
#   scripts/second-engine.sh purge <name>    stop, then delete its data root (all its images)
#   scripts/second-engine.sh status <name>   exit 0 when it answers
#
# It has its own socket (/run/shipshape-<name>/docker.sock), data root (/var/lib/shipshape-<name>),
# exec root, pidfile, containerd namespace and its OWN bridge (ss-<name>0 on a free 10.x.y.0/24):
# `--bridge none` would delete the first engine's docker0. Its log: /run/shipshape-<name>/dockerd.log.
set -euo pipefail

usage() { echo "usage: $0 start|stop|purge|status <name>   (name: 1-11 of a-z 0-9 -)" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1 name=$2
[[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,10}$ ]] || usage

run_dir=/run/shipshape-$name
data_root=/var/lib/shipshape-$name
sock=$run_dir/docker.sock
pidfile=$run_dir/docker.pid
log=$run_dir/dockerd.log
bridge=ss-${name}0
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=$(command -v docker)

answers() { [ -S "$sock" ] && timeout 5 "$docker_cli" -H "unix://$sock" version >/dev/null 2>&1; }

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# The first engine's --iptables setting, so both manage (or leave) the host firewall the same way.
first_iptables() {
  if pgrep -a dockerd | grep -v "shipshape-" | grep -q -- '--iptables=false'; then echo false
  elif [ -f /etc/docker/daemon.json ] && grep -Eq '"iptables"[[:space:]]*:[[:space:]]*false' /etc/docker/daemon.json; then echo false
  else echo true; fi
}

free_subnet() {
  # 10.213.N.0/24, N from the name so the same engine tends to get the same subnet; skip used ones.
  local start n i
  start=$(( $(printf '%s' "$name" | cksum | cut -d' ' -f1) % 200 + 20 ))
  for i in $(seq 0 199); do
    n=$(( (start + i - 20) % 200 + 20 ))
    if ! ip -4 route show | grep -q "^10\.213\.$n\."; then echo "10.213.$n"; return 0; fi
  done
  return 1
}

ensure_bridge() {
  if ip link show "$bridge" >/dev/null 2>&1; then return 0; fi
  local net
  net=$(free_subnet) || { echo "second-engine: no free 10.213.x.0/24 subnet for $bridge" >&2; exit 1; }
  ip link add "$bridge" type bridge
  ip addr add "$net.1/24" dev "$bridge"
  ip link set "$bridge" up
}

unmount_all() {
  # Deepest first; lazy so a busy mount never blocks the stop.
  local dir mounts
  for dir in "$data_root" "$run_dir"; do
    mounts=$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
    for m in $mounts; do umount -l "$m" 2>/dev/null || true; done
  done
}

# On start, dockerd flushes the host-wide DOCKER and DOCKER-ISOLATION chains, dropping the first
# engine's rules there (published ports, isolation): put back the ones that went missing.
restore_flushed_rules() {
  local before=$1 after patch
  command -v iptables-save >/dev/null 2>&1 && [ -s "$before" ] || return 0
  after=$(mktemp) patch=$(mktemp)
  iptables-save >"$after" 2>/dev/null || { rm -f "$after" "$patch"; return 0; }
  awk '
    FNR == NR { if ($0 ~ /^\*/) t = $0; else seen[t "|" $0] = 1; next }
    /^\*/ { t = $0; next }
    /^-A (DOCKER|DOCKER-ISOLATION-STAGE-1|DOCKER-ISOLATION-STAGE-2) / && !((t "|" $0) in seen) {
      n[t]++; rule[t, n[t]] = $0; tables[t] = 1
    }
    END {
      for (t in tables) {
        print t
        # Inserted at the top in reverse, so they keep their order ahead of the final RETURN.
        for (i = n[t]; i >= 1; i--) { r = rule[t, i]; split(r, w, " "); sub(/^-A [^ ]+ /, "-I " w[2] " 1 ", r); print r }
        print "COMMIT"
      }
    }' "$after" "$before" >"$patch"
  if [ -s "$patch" ]; then
    iptables-restore --noflush <"$patch" || echo "second-engine: could not restore the first engine's iptables rules" >&2
  fi
  rm -f "$after" "$patch"
}

# Its own rules (named by its bridge or subnet) would outlive the bridge.
remove_own_rules() {
  command -v iptables-save >/dev/null 2>&1 || return 0
  local patch
  patch=$(mktemp)
  iptables-save 2>/dev/null | awk -v b="$bridge" '
    /^\*/ { t = $0; next }
    /^-A / && index($0, " " b " ") { n[t]++; rule[t, n[t]] = $0; tables[t] = 1 }
    END { for (t in tables) { print t; for (i = 1; i <= n[t]; i++) { r = rule[t, i]; sub(/^-A /, "-D ", r); print r } print "COMMIT" } }' >"$patch"
  if [ -s "$patch" ]; then iptables-restore --noflush <"$patch" 2>/dev/null || true; fi
  rm -f "$patch"
}

start() {
  if answers; then echo "unix://$sock"; return 0; fi
  if ! running_pid >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "second-engine: needs root (dockerd, bridge)" >&2; exit 1; }
    [ -x /usr/sbin/dockerd ] || { echo "second-engine: /usr/sbin/dockerd not found (install docker.io)" >&2; exit 1; }
    mkdir -p "$run_dir/exec" "$data_root"
    rm -f "$pidfile" "$sock"
    ensure_bridge
    local before iptables_on
    iptables_on=$(first_iptables)
    before=$(mktemp)
    if [ "$iptables_on" = true ] && command -v iptables-save >/dev/null 2>&1; then iptables-save >"$before" 2>/dev/null || true; fi
    nohup /usr/sbin/dockerd \
      -H "unix://$sock" \
      --data-root "$data_root" \
      --exec-root "$run_dir/exec" \
      --pidfile "$pidfile" \
      --bridge "$bridge" \
      --iptables="$iptables_on" \
      --containerd-namespace "shipshape-$name" \
      --containerd-plugins-namespace "shipshape-$name-plugins" \
      >"$log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    if answers; then
      if [ -n "${before:-}" ]; then restore_flushed_rules "$before"; rm -f "$before"; fi
      echo "unix://$sock"
      return 0
    fi
    sleep 0.5
  done
  [ -n "${before:-}" ] && rm -f "$before"
  echo "second-engine: dockerd '$name' did not answer on $sock within 60 s. Last lines of $log:" >&2
  tail -n 25 "$log" >&2 || true
  exit 1
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  unmount_all
  remove_own_rules
  if ip link show "$bridge" >/dev/null 2>&1; then ip link del "$bridge" 2>/dev/null || true; fi
  rm -rf "$run_dir"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  purge) stop; rm -rf "$data_root" ;;
  status) answers ;;
  *) usage ;;
esac
