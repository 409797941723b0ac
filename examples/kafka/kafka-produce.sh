#!/usr/bin/env bash
# Like cilium/kafkaclient's kafka-produce.sh: one message per stdin line (run it in a pod with `porin exec`).
exec node "$(dirname "$0")/../../dist/src/cluster/workloads/kafka/kafka-client-main.js" produce "$@"
