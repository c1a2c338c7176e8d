#!/bin/sh
# A config file as the first argument means `registry serve FILE`; a subcommand or an
# option goes to `registry`; anything else runs as given (as in the official image).
set -e
case "${1:-}" in
  *.yaml | *.yml) set -- registry serve "$@" ;;
  serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
