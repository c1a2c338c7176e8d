#!/bin/sh
# Healthy when the catalogue is there and the service wrote its heartbeat in the last 5 seconds.
[ -s /app/data/catalog.json ] || { echo "no catalogue"; exit 1; }
[ -f /tmp/heartbeat ] || { echo "no heartbeat yet"; exit 1; }
age=$(( $(date +%s) - $(cat /tmp/heartbeat) ))
[ "$age" -le 5 ] || { echo "heartbeat is ${age}s old"; exit 1; }
echo "ok: heartbeat ${age}s old"
