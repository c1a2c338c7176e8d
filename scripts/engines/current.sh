#!/usr/bin/env bash
# Current Docker engines beside Debian's 20.10, for the test matrix (root only). Idempotent.
#
#   scripts/engines/current.sh fetch                  downloads Docker 28.5, containerd 2.1, Compose v2 and
#                                                     buildx from Debian's sid suite and extracts them (nothing
#                                                     is installed; the machine's apt state is not touched)
#   scripts/engines/current.sh start overlay2|containerd
#                                                     starts Docker 28.5 with that image store (or finds it
#                                                     running); prints its DOCKER_HOST
#   scripts/engines/current.sh stop overlay2|containerd   stops it, removes its bridge and firewall rules
#   scripts/engines/current.sh purge overlay2|containerd  stop, then delete its data root
#   scripts/engines/current.sh images overlay2|containerd copies the stand-in base images from the first
#                                                     engine (save/load) where they are missing or differ
#   scripts/engines/current.sh env overlay2|containerd    prints the exports that select this engine and
#                                                     Compose v2 (DOCKER_HOST, DOCKER_CONFIG)
#   scripts/engines/current.sh status overlay2|containerd exit 0 when it answers
#
# Each engine has its own socket (/run/shipshape-d28-<store>/docker.sock), data root
# (/var/lib/shipshape-d28-<store>), exec root, pidfile, containerd and bridge. It runs with
# --iptables=false and three rules of its own: started with iptables on, Docker 28 rewrites the host's
# DOCKER chains and drops 20.10's docker0 rules, after which 20.10's containers lose DNS.
# Compose v2 and buildx are CLI plugins in $DOCKER_CONFIG/cli-plugins (/var/lib/shipshape-engines/
# docker-config): the plain `docker` keeps Compose v1, so the 20.10 leg of the matrix stays v1.
set -euo pipefail

BASE=${SHIPSHAPE_ENGINES_DIR:-/var/lib/shipshape-engines}
SUITE=sid
PACKAGES=(docker.io containerd docker-compose docker-buildx)
ROOTFS=$BASE/$SUITE/root
BIN=$BASE/$SUITE/bin
CONFIG_DIR=$BASE/docker-config
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=$(command -v docker || true)

say() { printf 'engines: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

fetch() {
  if [ -x "$BIN/dockerd" ] && [ -x "$CONFIG_DIR/cli-plugins/docker-compose" ] && [ -f "$BASE/$SUITE/versions" ]; then return 0; fi
  [ "$(id -u)" = 0 ] || die "needs root"
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "needs apt-get and dpkg-deb (Debian/Ubuntu)"
  exec 8>"$BASE.lock" 2>/dev/null || { mkdir -p "$(dirname "$BASE")"; exec 8>"$BASE.lock"; }
  flock 8
  if [ -x "$BIN/dockerd" ] && [ -x "$CONFIG_DIR/cli-plugins/docker-compose" ] && [ -f "$BASE/$SUITE/versions" ]; then return 0; fi
  local apt=$BASE/$SUITE/apt debs=$BASE/$SUITE/debs mirror
  mirror=${SHIPSHAPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$debs" "$ROOTFS" "$BIN" "$CONFIG_DIR/cli-plugins"
  printf 'deb %s %s main\n' "$mirror" "$SUITE" >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::Cache::archives=$apt/archives"
    -o Debug::NoLocking=1 -o APT::Get::List-Cleanup=0)
  say "fetching ${PACKAGES[*]} from Debian $SUITE (nothing is installed)..."
  apt-get "${opts[@]}" -qq update >/dev/null || die "apt-get update of the $SUITE list failed"
  (cd "$debs" && rm -f ./*.deb && apt-get "${opts[@]}" -qq download "${PACKAGES[@]/%//$SUITE}" >/dev/null) ||
    die "apt-get download ${PACKAGES[*]} from $SUITE failed"
  local deb
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$ROOTFS"; done
  # dockerd finds containerd, the shim, docker-proxy, docker-init and runc on its PATH: sid's runc wants
  # glibc 2.38, so the machine's own runc (Debian 12's 1.1.5, which 28.5 accepts) goes in its place.
  local tool
  for tool in dockerd containerd containerd-shim-runc-v2 docker-proxy docker-init ctr; do
    local found
    found=$(find "$ROOTFS/usr/bin" "$ROOTFS/usr/sbin" "$ROOTFS/usr/libexec" -name "$tool" -type f 2>/dev/null | head -n 1)
    [ -n "$found" ] && ln -sf "$found" "$BIN/$tool"
  done
  # sid's docker-init links to a tini outside docker.io; the machine's own serves (Debian's tini-static).
  if [ ! -x "$BIN/docker-init" ] && [ -x /usr/bin/docker-init ]; then ln -sf "$(readlink -f /usr/bin/docker-init)" "$BIN/docker-init"; fi
  [ -x "$BIN/dockerd" ] && [ -x "$BIN/containerd" ] || die "the extracted packages hold no dockerd/containerd"
  local runc
  runc=$(command -v runc || echo /usr/sbin/runc)
  [ -x "$runc" ] || die "no runc on this machine (apt-get install runc)"
  ln -sf "$runc" "$BIN/runc"
  local plugin
  for plugin in docker-compose docker-buildx; do
    local found
    found=$(find "$ROOTFS" -path '*cli-plugins*' -name "$plugin" -type f | head -n 1)
    [ -n "$found" ] && ln -sf "$found" "$CONFIG_DIR/cli-plugins/$plugin"
  done
  [ -x "$CONFIG_DIR/cli-plugins/docker-compose" ] || die "no Compose v2 plugin in the extracted packages"
  {
    printf 'dockerd %s\n' "$("$BIN/dockerd" --version)"
    printf 'containerd %s\n' "$("$BIN/containerd" --version)"
    printf 'compose %s\n' "$("$CONFIG_DIR/cli-plugins/docker-compose" version --short 2>/dev/null || echo '?')"
  } >"$BASE/$SUITE/versions.tmp"
  mv "$BASE/$SUITE/versions.tmp" "$BASE/$SUITE/versions"
  say "$(tr '\n' ';' <"$BASE/$SUITE/versions")"
}

store=""
name=""
set_store() {
  case "${1:-}" in
    overlay2 | containerd) store=$1 ;;
    *) usage ;;
  esac
  name=d28-$store
  run_dir=/run/shipshape-$name
  data_root=/var/lib/shipshape-$name
  sock=$run_dir/docker.sock
  pidfile=$run_dir/docker.pid
  log=$run_dir/dockerd.log
  bridge=ss-d28${store:0:1}   # interface names: 15 characters at most
  # Fixed subnets, one per store, outside Docker's default pools: the default bridge's, and a pool for
  # the networks it creates (compose projects), so the firewall rules below can name all of them.
  if [ "$store" = overlay2 ]; then subnet=10.213.228 pool=10.214.0.0/16; else subnet=10.213.229 pool=10.215.0.0/16; fi
}

answers() { [ -S "$sock" ] && timeout 5 "$DOCKER" -H "unix://$sock" version >/dev/null 2>&1; }

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

rules() {
  # $1: -A to add, -D to delete. Its own NAT and FORWARD rules, named by its bridge and its pool. With
  # --iptables=false the engine adds none, and 20.10 sets FORWARD's policy to DROP: without these its
  # containers reach neither the mirror nor each other on a compose network.
  local op=$1 add_nat add_fwd net
  if [ "$op" = -D ]; then add_nat=-D add_fwd=-D; else add_nat=-A add_fwd=-I; fi
  for net in "$subnet.0/24" "$pool"; do
    iptables -t nat "$add_nat" POSTROUTING -s "$net" ! -d "$net" -j MASQUERADE 2>/dev/null || [ "$op" = -D ]
    iptables "$add_fwd" FORWARD -s "$net" -j ACCEPT 2>/dev/null || [ "$op" = -D ]
    iptables "$add_fwd" FORWARD -d "$net" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null || [ "$op" = -D ]
  done
}

ensure_bridge() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$subnet.1/24" dev "$bridge"
    ip link set "$bridge" up
  fi
  sysctl -qw net.ipv4.ip_forward=1 >/dev/null 2>&1 || true
  # Add the rules once: check the first before adding.
  if ! iptables -t nat -C POSTROUTING -s "$pool" ! -d "$pool" -j MASQUERADE 2>/dev/null; then rules -A; fi
}

unmount_all() {
  local dir mounts m
  for dir in "$data_root" "$run_dir"; do
    mounts=$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
    for m in $mounts; do umount -l "$m" 2>/dev/null || true; done
  done
}

# Docker 28 deletes an existing `docker0` when it starts with a bridge of its own (seen with 28.5.2):
# Docker 20.10's containers then fail to start ("could not find bridge docker0"). Remember it and
# put it back with its address; 20.10 finds its bridge by name, and its firewall rules stay.
first_bridge_addrs() { ip -4 -o addr show dev docker0 2>/dev/null | awk '{ print $4 }'; }
restore_first_bridge() {
  local addrs=$1 addr
  [ -n "$addrs" ] || return 0
  ip link show docker0 >/dev/null 2>&1 && return 0
  say "putting back docker0 ($addrs), which starting Docker 28 removed"
  ip link add docker0 type bridge
  for addr in $addrs; do ip addr add "$addr" dev docker0; done
  ip link set docker0 up
}

start() {
  fetch
  if answers; then echo "unix://$sock"; return 0; fi
  local docker0
  docker0=$(first_bridge_addrs)
  if ! running_pid >/dev/null; then
    [ "$(id -u)" = 0 ] || die "needs root (dockerd, bridge)"
    mkdir -p "$run_dir/exec" "$data_root"
    rm -f "$pidfile" "$sock"
    ensure_bridge
    local snapshotter=false
    [ "$store" = containerd ] && snapshotter=true
    # BuildKit's cache cap: the default (about 2 GB here) is filled by a test run's builds, after which
    # warm builds of the same files miss their cache and the matrix proves cold builds.
    printf '{"features": {"containerd-snapshotter": %s}, "default-address-pools": [{"base": "%s", "size": 24}], "builder": {"gc": {"enabled": true, "defaultKeepStorage": "20GB"}}}\n' \
      "$snapshotter" "$pool" >"$run_dir/daemon.json"
    # Its own containerd under its exec root (dockerd starts one when none is given).
    PATH="$BIN:$PATH" nohup "$BIN/dockerd" \
      --config-file "$run_dir/daemon.json" \
      -H "unix://$sock" \
      --data-root "$data_root" \
      --exec-root "$run_dir/exec" \
      --pidfile "$pidfile" \
      --bridge "$bridge" \
      --iptables=false \
      --ip6tables=false \
      >"$log" 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 1 120); do
    if answers; then restore_first_bridge "$docker0"; echo "unix://$sock"; return 0; fi
    sleep 0.5
  done
  restore_first_bridge "$docker0"
  say "Docker 28 ($store) did not answer on $sock within 60 s. Last lines of $log:"
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
  rules -D
  if ip link show "$bridge" >/dev/null 2>&1; then ip link del "$bridge" 2>/dev/null || true; fi
  rm -rf "$run_dir"
}

# The stand-ins (label dev.shipshape.stand-in) of the first engine, copied where missing or different.
images() {
  answers || die "Docker 28 ($store) does not answer: start it first"
  local tag want have missing=()
  while read -r tag; do
    [ -n "$tag" ] || continue
    want=$("$DOCKER" image inspect -f '{{index .Config.Labels "dev.shipshape.stand-in"}}' "$tag" 2>/dev/null || true)
    have=$("$DOCKER" -H "unix://$sock" image inspect -f '{{index .Config.Labels "dev.shipshape.stand-in"}}' "$tag" 2>/dev/null || true)
    [ -n "$want" ] && [ "$want" = "$have" ] || missing+=("$tag")
  done < <("$DOCKER" images --filter label=dev.shipshape.stand-in --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | sort -u)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  say "copying ${#missing[@]} stand-in image(s) to Docker 28 ($store): ${missing[*]}"
  "$DOCKER" save "${missing[@]}" | "$DOCKER" -H "unix://$sock" load -q >/dev/null
}

env_for() {
  printf 'export DOCKER_HOST=unix://%s\n' "$sock"
  printf 'export DOCKER_CONFIG=%s\n' "$CONFIG_DIR"
}

[ $# -ge 1 ] || usage
action=$1
shift
case "$action" in
  fetch) fetch ;;
  start) set_store "${1:-}"; start ;;
  stop) set_store "${1:-}"; stop ;;
  purge) set_store "${1:-}"; stop; rm -rf "$data_root" ;;
  images) set_store "${1:-}"; images ;;
  env) set_store "${1:-}"; fetch; env_for ;;
  status) set_store "${1:-}"; answers ;;
  *) usage ;;
esac
