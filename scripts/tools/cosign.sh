#!/usr/bin/env bash
# Installs cosign (Sigstore's image signing tool) for the image-signing challenge and its tests, from
# Debian's sid suite, without touching the machine's apt state: a separate source list and lists
# directory, `apt-get download`, `dpkg-deb -x` (as scripts/engines/current.sh does for Docker 28).
# The binary needs glibc 2.34 (Debian 12 has 2.36). Idempotent; root only.
#   scripts/tools/cosign.sh          install when `cosign` is not on PATH; prints its path
#   scripts/tools/cosign.sh path     prints the path of the cosign that would be used (exit 1: none)
set -euo pipefail

BASE=${SHIPSHAPE_TOOLS_DIR:-/var/lib/shipshape-tools}
SUITE=sid
DIR=$BASE/cosign
LINK=/usr/local/bin/cosign

say() { printf 'cosign: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

found() { command -v cosign 2>/dev/null || { [ -x "$DIR/bin/cosign" ] && echo "$DIR/bin/cosign"; } || return 1; }

if [ "${1:-}" = path ]; then found; exit; fi
if path=$(found) && "$path" version >/dev/null 2>&1; then echo "$path"; exit 0; fi

[ "$(id -u)" = 0 ] || die "installing cosign needs root (or install it yourself: https://docs.sigstore.dev/cosign/system_config/installation/)"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "needs apt-get and dpkg-deb (Debian/Ubuntu)"
mkdir -p "$BASE"
exec 8>"$BASE/cosign.lock"
flock 8
apt=$DIR/apt debs=$DIR/debs root=$DIR/root
mirror=${SHIPSHAPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$debs" "$root" "$DIR/bin"
printf 'deb %s %s main\n' "$mirror" "$SUITE" >"$apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::Cache::archives=$apt/archives"
  -o Debug::NoLocking=1 -o APT::Get::List-Cleanup=0)
say "fetching cosign from Debian $SUITE (nothing is installed through apt)..."
apt-get "${opts[@]}" -qq update >/dev/null || die "apt-get update of the $SUITE list failed"
(cd "$debs" && rm -f ./*.deb && apt-get "${opts[@]}" -qq download "cosign/$SUITE" >/dev/null) || die "apt-get download cosign/$SUITE failed"
dpkg-deb -x "$debs"/cosign_*.deb "$root"
[ -x "$root/usr/bin/cosign" ] || die "the cosign package holds no usr/bin/cosign"
ln -sf "$root/usr/bin/cosign" "$DIR/bin/cosign"
"$DIR/bin/cosign" version >/dev/null 2>&1 || die "the extracted cosign does not run here: $("$DIR/bin/cosign" version 2>&1 | head -n 1)"
# On PATH for learners' shells and the tool alike, unless another cosign is there already.
if [ ! -e "$LINK" ]; then ln -s "$DIR/bin/cosign" "$LINK"; fi
say "$("$DIR/bin/cosign" version 2>/dev/null | grep -i '^GitVersion' || echo installed)"
echo "$DIR/bin/cosign"
