#!/bin/sh
# Healthy only when the worker wrote its heartbeat in the last 10 seconds.
[ -f /tmp/heartbeat ] || { echo "no heartbeat yet"; exit 1; }
age=$(( $(date +%s) - $(cat /tmp/heartbeat) ))
[ "$age" -lt 10 ] || { echo "heartbeat is ${age}s old"; exit 1; }
echo "heartbeat ${age}s ago"
