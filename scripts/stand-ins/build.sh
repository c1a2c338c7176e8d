#!/usr/bin/env bash
# Builds local stand-ins for the base images Shipshape's challenges use, so tests and
# demos run on a machine without a container registry:
#   debian:bookworm-slim   debootstrap (minbase) slimmed like the official image
#   php:8.2-fpm-alpine     Debian's php8.2-fpm + apk / docker-php-ext-* shims
#   composer:2             Debian's composer packed as a self-contained phar
#   alpine:3.20            Debian + an apk shim and BusyBox's adduser/addgroup/wget/nc
#   busybox:1.36           Debian's busybox-static alone on scratch (about 2 MB)
#   golang:1.22-alpine     Debian's Go toolchain on the alpine stand-in (offline, no C compiler)
#   node:20-alpine         Debian's nodejs + npm on the alpine stand-in, user node (1000)
#   python:3.12-slim       Debian's python3 + pip (`python`, `pip`; local wheels install)
#   postgres:16-alpine     Debian's PostgreSQL 15 with an entrypoint like the official image's
#   nginx:alpine           Debian's nginx laid out like the official image, busybox wget
#   registry:2             Debian's docker-registry (Distribution 2.8) laid out like the official image
# Each image carries the label dev.shipshape.stand-in=<recipe hash>; an image is built
# only when it is missing or its label differs from the current recipe. An image under
# one of these tags WITHOUT that label (a real, pulled image) is left alone.
# Idempotent; takes about a second when everything is up to date.
#   build.sh            every stand-in
#   build.sh TAG...     only these (their parents are built only when missing)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")   # absolute: the hash must not depend on how we are called
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=$(command -v docker || true)
LABEL=dev.shipshape.stand-in
export DOCKER_BUILDKIT=0   # the classic builder: no buildx needed, nothing fetched

say() { printf '%s\n' "$*"; }
die() { printf 'stand-ins: %s\n' "$*" >&2; exit 1; }

[ -n "$DOCKER" ] || die "no docker client found (expected /usr/bin/docker)"
"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers; run scripts/ensure-engine.sh first"

# One build at a time (tests may call this concurrently); the lock is the script itself.
exec 9<"$SELF"
flock 9

# debootstrap mounts /proc and /sys in its target; never delete through a mount.
unmount_under() {
  local m
  { grep -o " $1/[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

WORK=""
OLD_IDS=()
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$? id
  # Drop the stand-ins this run replaced (now untagged), unless something still uses
  # them (a container, or an image built on them): `image rm` without -f refuses then.
  for id in "${OLD_IDS[@]}"; do
    if [ "$("$DOCKER" image inspect -f '{{len .RepoTags}}' "$id" 2>/dev/null)" = 0 ]; then
      "$DOCKER" image rm "$id" >/dev/null 2>&1 || true
    fi
  done
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    unmount_under "$WORK"
    rm -rf --one-file-system "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
workdir() { [ -n "$WORK" ] || WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/shipshape-stand-ins.XXXXXX"); }

# --- Debian mirror: the one apt uses on this machine ----------------------------------
apt_uris() {
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" { print $2 }'
  } | sed -E 's#/+$##'
}
MIRROR=${SHIPSHAPE_DEBIAN_MIRROR:-$(apt_uris | grep -E '/debian$' | head -n 1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SHIPSHAPE_DEBIAN_SECURITY_MIRROR:-$(apt_uris | grep -E '/debian-security$' | head -n 1 || true)}
SECURITY_MIRROR=${SECURITY_MIRROR:-${MIRROR}-security}

# --- recipe hashes ----------------------------------------------------------------------
hash_files() {  # sha256 over names and contents of the given files/dirs, plus extra strings
  local f
  {
    for f in "$@"; do
      if [ -d "$f" ]; then
        find "$f" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed "s#  $HERE/#  #"
      elif [ -f "$f" ]; then
        sha256sum "$f" | sed "s#  $HERE/#  #"
      else
        printf '%s\n' "$f"
      fi
    done
  } | sha256sum | cut -c1-16
}

image_id()    { "$DOCKER" image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
image_label() { "$DOCKER" image inspect -f "{{with .Config.Labels}}{{index . \"$LABEL\"}}{{end}}" "$1" 2>/dev/null || true; }

# The identity of a parent image, for its children's hashes: its recipe hash when it is
# a stand-in, its image ID when it is a real image.
parent_identity() { local l; l=$(image_label "$1"); if [ -n "$l" ]; then echo "$l"; else image_id "$1"; fi; }

# needs_build <tag> <hash>: true when the image must be (re)built; announces it otherwise.
needs_build() {
  local tag=$1 want=$2 id have
  id=$(image_id "$tag")
  [ -n "$id" ] || return 0
  have=$(image_label "$tag")
  if [ -z "$have" ]; then
    say "stand-in $tag: a real image is present, left alone"; return 1
  elif [ "$have" = "$want" ]; then
    say "stand-in $tag: up to date"; return 1
  fi
  OLD_IDS+=("$id")
}

fail_with_log() {  # <what> <logfile>
  printf 'stand-ins: building %s failed. Last lines of its output:\n' "$1" >&2
  tail -n 40 "$2" >&2 || true
  exit 1
}

# --- debian:bookworm-slim -------------------------------------------------------------
build_debian() {
  local hash=$1 root log t0
  command -v debootstrap >/dev/null 2>&1 || {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      die "debootstrap is missing (needs root on Debian/Ubuntu to install it)"
    fi
    say "stand-ins: installing debootstrap..."
    { apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }; } ||
      die "could not install debootstrap with apt-get"
  }
  [ "$(id -u)" = 0 ] || die "building debian:bookworm-slim needs root (debootstrap)"
  workdir
  root=$WORK/rootfs log=$WORK/debian.log t0=$SECONDS
  say "stand-in debian:bookworm-slim: building from $MIRROR (about 35 s)"
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$log" 2>&1 || {
    [ -f "$root/debootstrap/debootstrap.log" ] && cat "$root/debootstrap/debootstrap.log" >>"$log"
    fail_with_log debian:bookworm-slim "$log"
  }
  unmount_under "$root"

  # Slim it down as the official debian:*-slim image is, and keep it slim later.
  install -m 0644 "$HERE/debian/dpkg-docker"        "$root/etc/dpkg/dpkg.cfg.d/docker"
  install -m 0644 "$HERE/debian/apt-docker-clean"   "$root/etc/apt/apt.conf.d/docker-clean"
  install -m 0644 "$HERE/debian/apt-docker-extras"  "$root/etc/apt/apt.conf.d/docker-extras"
  install -m 0755 "$HERE/debian/policy-rc.d"        "$root/usr/sbin/policy-rc.d"
  (
    cd "$root"
    rm -rf var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old var/lib/dpkg/*-old \
      var/log/*.log var/log/apt/* usr/share/man/* usr/share/groff/* usr/share/info/* \
      usr/share/lintian/* usr/share/linda/* usr/share/locale/* etc/hostname etc/resolv.conf \
      dev/* proc/* sys/* run/* tmp/* root/.bash_history
    find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
    find usr/share/doc -mindepth 1 -depth -type d -empty -delete
    mkdir -p var/lib/apt/lists/partial var/cache/apt/archives/partial run/lock
    chmod 1777 tmp
    : >etc/machine-id 2>/dev/null || true
    # apt sources: the mirror that works on this machine, laid out as in the official image.
    rm -f etc/apt/sources.list
    cat >etc/apt/sources.list.d/debian.sources <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  )
  tar --numeric-owner -C "$root" -cf - . |
    "$DOCKER" import -c 'CMD ["bash"]' -c "LABEL $LABEL=$hash" - debian:bookworm-slim >>"$log" 2>&1 ||
    fail_with_log "debian:bookworm-slim (docker import)" "$log"
  rm -rf --one-file-system "$root"
  say "stand-in debian:bookworm-slim: built in $((SECONDS - t0)) s"
}

# --- images built with a Dockerfile ------------------------------------------------------
build_dockerfile() {  # <tag> <dir> <hash> <logfile>
  "$DOCKER" build --force-rm --label "$LABEL=$3" -t "$1" "$2" >"$4" 2>&1
}

# A recipe hash covers the files of that image and the script code that builds it, not the
# whole script: adding another stand-in here does not rebuild the existing ones.
declare -A DIRS=([php:8.2-fpm-alpine]=php [composer:2]=composer [alpine:3.20]=alpine [busybox:1.36]=busybox
  [golang:1.22-alpine]=golang [node:20-alpine]=node [python:3.12-slim]=python
  [postgres:16-alpine]=postgres [nginx:alpine]=nginx [registry:2]=registry)
declare -A SECS=([php:8.2-fpm-alpine]=30 [composer:2]=50 [alpine:3.20]=10 [busybox:1.36]=10
  [golang:1.22-alpine]=40 [node:20-alpine]=60 [python:3.12-slim]=25
  [postgres:16-alpine]=30 [nginx:alpine]=15 [registry:2]=10)
# Built in waves: each wave's images only need images of earlier waves.
WAVE1=(php:8.2-fpm-alpine composer:2 alpine:3.20 busybox:1.36 python:3.12-slim postgres:16-alpine nginx:alpine registry:2)
WAVE2=(golang:1.22-alpine node:20-alpine)
declare -A PARENT=([golang:1.22-alpine]=alpine:3.20 [node:20-alpine]=alpine:3.20)

# Which stand-ins to build: all, or the tags named on the command line.
declare -A WANTED=()
explicit=$#
for tag in "$@"; do
  [ -n "${DIRS[$tag]:-}" ] || [ "$tag" = debian:bookworm-slim ] ||
    die "unknown stand-in '$tag' (known: debian:bookworm-slim ${!DIRS[*]})"
  WANTED[$tag]=1
  parent=${PARENT[$tag]:-}
  # A named image's stand-in parent is built too when it is missing.
  if [ -n "$parent" ] && [ -z "$(image_id "$parent")" ]; then WANTED[$parent]=1; fi
done
wanted() { [ "$explicit" = 0 ] || [ -n "${WANTED[$1]:-}" ]; }

debian_hash=$(hash_files "$HERE/debian" "mirror=$MIRROR" "security=$SECURITY_MIRROR" "$(declare -f build_debian)")
if [ -z "$(image_id debian:bookworm-slim)" ] || wanted debian:bookworm-slim; then
  if needs_build debian:bookworm-slim "$debian_hash"; then
    build_debian "$debian_hash"
  fi
fi

build_wave() {  # tag...: builds the given tags side by side
  local tag dir hash base failed=""
  local -A PIDS=() STARTED=()
  for tag in "$@"; do
    wanted "$tag" || continue
    dir=$HERE/${DIRS[$tag]}
    base=$(parent_identity "${PARENT[$tag]:-debian:bookworm-slim}")
    hash=$(hash_files "$dir" "base=$base" "$(declare -f build_dockerfile)")
    needs_build "$tag" "$hash" || continue
    workdir
    say "stand-in $tag: building (about ${SECS[$tag]} s)"
    build_dockerfile "$tag" "$dir" "$hash" "$WORK/${DIRS[$tag]}.log" &
    PIDS[$tag]=$! STARTED[$tag]=$SECONDS
  done
  for tag in "${!PIDS[@]}"; do
    if wait "${PIDS[$tag]}"; then
      say "stand-in $tag: built in $((SECONDS - STARTED[$tag])) s"
    else
      printf 'stand-ins: building %s failed. Last lines of its output:\n' "$tag" >&2
      tail -n 40 "$WORK/${DIRS[$tag]}.log" >&2 || true
      failed="$failed $tag"
    fi
  done
  [ -z "$failed" ] || die "failed:$failed"
}

build_wave "${WAVE1[@]}"
build_wave "${WAVE2[@]}"

exit 0
