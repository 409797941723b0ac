/* Per-CPU packet/byte counters by direction and verdict (forwarded, or the drop reason). */
#pragma once

#include "common.h"

struct metrics_value {
	__u64 packets;
	__u64 bytes;
};

/* Index = direction * 256 + reason; reason 0 = forwarded. */
#define METRICS_INDEX(dir, reason) ((dir) * 256 + ((reason) & 0xff))

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct metrics_value);
	__uint(max_entries, 512);
} porin_metrics SEC(".maps");

static __always_inline void metrics_count(__u8 dir, __u8 reason, __u32 len)
{
	__u32 idx = METRICS_INDEX(dir, reason);
	struct metrics_value *m = bpf_map_lookup_elem(&porin_metrics, &idx);

	if (m) {
		m->packets++;
		m->bytes += len;
	}
}
