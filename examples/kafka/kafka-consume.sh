#!/usr/bin/env bash
# Like cilium/kafkaclient's kafka-consume.sh: prints the topic's messages (run it in a pod with `porin exec`).
exec node "$(dirname "$0")/../../dist/src/cluster/workloads/kafka/kafka-client-main.js" consume "$@"
