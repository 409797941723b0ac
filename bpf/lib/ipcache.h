/* ipcache: IPv4 prefix → security identity of whatever holds that address (pods, nodes, CIDRs, world). */
#pragma once

#include "common.h"
#include "config.h"

#define IPCACHE_KEY_STATIC_BITS 0
#define IPCACHE_KEY_FULL_BITS 32

/* LPM key: the data part is just the address, so prefixlen 0..32 is the CIDR length. */
struct ipcache_key {
	__u32 prefixlen;
	__be32 addr;
};

struct ipcache_entry {
	__u32 identity;
	__u32 flags; /* IPCACHE_F_*: for the control plane; the datapath does not read them yet */
};

#define IPCACHE_F_LOCAL_ENDPOINT 1 /* the address belongs to an endpoint on this node */

/* Node-wide ipcache, written only by the ipcache reconciler. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct ipcache_key);
	__type(value, struct ipcache_entry);
	__uint(max_entries, 512000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} porin_ipcache SEC(".maps");

/* The identity of addr: the most specific prefix that holds it, or the configured world identity. */
static __always_inline __u32 ipcache_identity4(__be32 addr)
{
	struct ipcache_key key = { .prefixlen = IPCACHE_KEY_FULL_BITS, .addr = addr };
	const struct ipcache_entry *e = bpf_map_lookup_elem(&porin_ipcache, &key);

	return e ? e->identity : porin_cfg.world_identity;
}
