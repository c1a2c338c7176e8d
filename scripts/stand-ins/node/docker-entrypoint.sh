#!/bin/sh
set -e

# As the official node image's entrypoint: run the command with node when the first argument
# is an option or not a command on PATH (so `CMD ["server.js"]` means `node server.js`), or a
# file that is not executable.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
