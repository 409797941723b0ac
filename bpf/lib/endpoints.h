/* Local endpoints: the host-side veth a program runs on → which pod it serves. */
#pragma once

#include "common.h"

/*
 * One object is loaded per node and its programs are attached to every pod's host-side veth; a program
 * finds its endpoint by skb->ifindex (the host-side veth on both tc ingress and tc egress). Adding a pod
 * is therefore a map write plus two tc attachments, never a verifier run.
 */
struct endpoint_info {
	__u32 identity;     /* the pod's security identity */
	__be32 ipv4;        /* the pod's address: from_container drops any other source (DROP_INVALID_SIP) */
	__u16 endpoint_id;  /* key of the endpoint's policy in porin_policy / porin_policy_cfg */
	__u16 flags;        /* reserved, 0 */
};

/* ifindex of the host-side veth → endpoint; written only by the endpoint reconciler. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct endpoint_info);
	__uint(max_entries, 16384);
} porin_endpoints SEC(".maps");

static __always_inline const struct endpoint_info *endpoint_lookup(__u32 ifindex)
{
	return bpf_map_lookup_elem(&porin_endpoints, &ifindex);
}

/* A pod address, the key of porin_ep_addr. */
struct endpoint_addr_key {
	__be32 addr;
};

/*
 * Local endpoints by address: from_container consults a local destination's ingress policy, so that a
 * connection both sides redirect (or only the destination does) goes to the proxy once, from the
 * source's hook, where a socket can be assigned. Written by the endpoint reconciler with porin_endpoints.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct endpoint_addr_key);
	__type(value, struct endpoint_info);
	__uint(max_entries, 16384);
} porin_ep_addr SEC(".maps");

static __always_inline const struct endpoint_info *endpoint_by_addr(__be32 addr)
{
	struct endpoint_addr_key key = { .addr = addr };

	return bpf_map_lookup_elem(&porin_ep_addr, &key);
}
