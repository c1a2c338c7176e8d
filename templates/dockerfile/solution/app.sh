#!/bin/sh
# A stand-in worker: it records a heartbeat (seconds since the epoch) every 2 seconds while it works.
set -eu
while true; do
  date +%s > /tmp/heartbeat.tmp && mv /tmp/heartbeat.tmp /tmp/heartbeat
  sleep 2
done
