#!/bin/sh
# As the official composer image: `docker run composer:2 install` runs `composer install`.
isCommand() {
  [ "$1" = sh ] && return 1
  composer help --no-interaction "$1" >/dev/null 2>&1
}
if [ "${1#-}" != "$1" ] || { [ $# -gt 0 ] && isCommand "$1"; }; then
  set -- composer "$@"
fi
exec "$@"
