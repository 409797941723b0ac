/* Identity-based L3/L4 policy: the shared policy LPM, the address-block LPM, per-endpoint policy config. */
#pragma once

#include "common.h"
#include "drop_reasons.h"

/*
 * porin_policy is ONE LPM trie for every endpoint. Key fields in trie order (the trie compares bytes
 * from the first data byte on, so every prefix-matched field is big-endian):
 *
 *   remote (32) | endpoint_id (16) | direction (8) | protocol (8) | dport (16)
 *   `-------- static prefix: 56 bits, always matched -------'   `-- L4 prefix: 0, 8 or 8+n bits --'
 *
 * The remote identity is in the static part, as in Cilium: an identity is never prefix-matched; the
 * "any identity" entries live under remote = 0 and are found by a second lookup. Protocol and port are
 * wildcarded by prefix length: 56 = any protocol (then the port is wildcarded too), 64 = one protocol,
 * any port, 64+n = a port prefix of n bits; a port range is stored as the few prefixes that cover it.
 * Lookups always use the full 80 bits, so the trie returns the most specific protocol/port entry.
 *
 * Precedence between entries of different lengths for the SAME remote is resolved by the control plane
 * (src/datapath/policy-reconciler.ts flattens deny > allow > redirect into every longer prefix it
 * writes); precedence ACROSS lookups (identity, any-identity, address block) is resolved here, in
 * policy_can_access4. Together they reproduce src/policy/direction-policy.ts:
 *   deny > allow-localhost > plain allow > L7 redirect > default deny > allow.
 *
 * remote values >= POLICY_REMOTE_ADDR_CLASS are not identities (identities stay below 2^25): they name
 * an "address class" of one endpoint, see porin_policy_addr.
 */
struct policy_key {
	__u32 prefixlen;
	__u32 remote;       /* remote identity (0 = any), or POLICY_REMOTE_ADDR_CLASS | class */
	__u16 endpoint_id;
	__u8 direction;     /* DIR_INGRESS / DIR_EGRESS */
	__u8 protocol;      /* IP protocol; 0 = any */
	__be16 dport;       /* destination port (ICMP: the type), prefix-masked */
	__u16 pad;
};

#define POLICY_KEY_STATIC_BITS 56
#define POLICY_KEY_FULL_BITS 80
#define POLICY_REMOTE_ADDR_CLASS 0x80000000u

#define POLICY_F_DENY 1
#define POLICY_F_REDIRECT 2
/*
 * An allow (or redirect) whose rule requires authentication (`authentication: {mode: required}`). Porin has
 * no authentication provider yet, so such traffic is dropped with DROP_POLICY_AUTH_REQUIRED, as Cilium drops
 * it until the handshake has been done: fail closed, never a plain allow.
 */
#define POLICY_F_AUTH_REQUIRED 4

struct policy_entry {
	__u8 flags;         /* POLICY_F_*; neither bit = allow */
	__u8 l4_prefix_len; /* protocol+port bits of the key (0..24): an LPM lookup does not return the key */
	__u16 proxy_port;   /* POLICY_F_REDIRECT: the L7 proxy's port (host order) */
	__u32 cookie;       /* names the rules behind the entry (the reconciler's cookie table) */
};

/* Every endpoint's L3/L4 policy; written only by the policy reconciler. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct policy_key);
	__type(value, struct policy_entry);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} porin_policy SEC(".maps");

/*
 * Address-block rules (KNP ipBlock: any address in the block, pods included) cannot be keyed by
 * identity, and an LPM key cannot wildcard an address and then match a port after it. So they take two
 * lookups: porin_policy_addr maps (endpoint, direction, remote address) by longest prefix to a class
 * number, then porin_policy holds that class's L4 entries under remote = POLICY_REMOTE_ADDR_CLASS | class.
 * The reconciler gives each distinct prefix a class and folds the entries of every enclosing prefix into
 * it, so the longest match alone is enough.
 *
 *   endpoint_id (16) | direction (8) | pad (8) | addr (32)     static prefix: 32 bits
 */
struct policy_addr_key {
	__u32 prefixlen;
	__u16 endpoint_id;
	__u8 direction;
	__u8 pad;
	__be32 addr;
};

#define POLICY_ADDR_KEY_STATIC_BITS 32
#define POLICY_ADDR_KEY_FULL_BITS 64

struct policy_addr_entry {
	__u32 addr_class;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct policy_addr_key);
	__type(value, struct policy_addr_entry);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} porin_policy_addr SEC(".maps");

/*
 * Per-endpoint policy state that is not an entry. Kept apart from porin_endpoints so that the policy
 * reconciler alone writes everything a verdict depends on and can order those writes; an endpoint
 * without a config has no computed policy yet and its traffic is refused (DROP_NO_CONFIG).
 */
struct policy_config {
	__u32 flags; /* POLICY_CFG_F_* */
};

#define POLICY_CFG_F_INGRESS_DEFAULT_DENY 1
#define POLICY_CFG_F_EGRESS_DEFAULT_DENY 2
#define POLICY_CFG_F_ALLOW_LOCALHOST 4 /* ingress from the host is allowed unless a deny matches */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* endpoint_id */
	__type(value, struct policy_config);
	__uint(max_entries, 16384);
} porin_policy_cfg SEC(".maps");

/* How a verdict was reached; 0..6 are Cilium's match types, 7.. are Porin's. */
#define POLICY_MATCH_NONE 0
#define POLICY_MATCH_L3_ONLY 1
#define POLICY_MATCH_L3_L4 2
#define POLICY_MATCH_L4_ONLY 3
#define POLICY_MATCH_ALL 4
#define POLICY_MATCH_L3_PROTO 5
#define POLICY_MATCH_PROTO_ONLY 6
#define POLICY_MATCH_ADDRESS 7
#define POLICY_MATCH_LOCALHOST 8

struct policy_verdict {
	__u32 cookie;
	__u8 match_type;
};

static __always_inline __u8 policy_match_type(const struct policy_entry *e, bool any_identity)
{
	if (e->l4_prefix_len == 0)
		return any_identity ? POLICY_MATCH_ALL : POLICY_MATCH_L3_ONLY;
	if (e->l4_prefix_len == 8)
		return any_identity ? POLICY_MATCH_PROTO_ONLY : POLICY_MATCH_L3_PROTO;
	return any_identity ? POLICY_MATCH_L4_ONLY : POLICY_MATCH_L3_L4;
}

static __always_inline int policy_result(const struct policy_entry *e, __u8 match, struct policy_verdict *v)
{
	v->cookie = e->cookie;
	v->match_type = match;
	if (e->flags & POLICY_F_DENY)
		return -DROP_POLICY_DENY;
	if (e->flags & POLICY_F_AUTH_REQUIRED)
		return -DROP_POLICY_AUTH_REQUIRED;
	/* a redirect without a known proxy port must not read as "allowed" (0) */
	if (e->flags & POLICY_F_REDIRECT)
		return e->proxy_port ? e->proxy_port : -DROP_PROXY_LOOKUP_FAILED;
	return 0;
}

/**
 * policy_can_access4 - the policy verdict for one packet of an endpoint
 * @cfg: the endpoint's policy config
 * @endpoint_id, @dir: whose policy, which direction
 * @remote_id: identity of the other side (ipcache)
 * @remote_addr: address of the other side, for address-block rules
 * @protocol, @dport: the L4 match (dport is the ICMP type for ICMP)
 * @v: out: the deciding entry's cookie and the match type
 *
 * Returns 0 to allow, a proxy port (> 0) to redirect, or -DROP_POLICY_DENY / -DROP_POLICY (or
 * -DROP_PROXY_LOOKUP_FAILED for a redirect entry whose proxy port is not known yet).
 */
static __always_inline int policy_can_access4(const struct policy_config *cfg, __u16 endpoint_id, __u8 dir,
					      __u32 remote_id, __be32 remote_addr, __u8 protocol, __be16 dport,
					      struct policy_verdict *v)
{
	struct policy_key key = {
		.prefixlen = POLICY_KEY_FULL_BITS,
		.remote = remote_id,
		.endpoint_id = endpoint_id,
		.direction = dir,
		.protocol = protocol,
		.dport = dport,
	};
	struct policy_addr_key akey = {
		.prefixlen = POLICY_ADDR_KEY_FULL_BITS,
		.endpoint_id = endpoint_id,
		.direction = dir,
		.addr = remote_addr,
	};
	const struct policy_entry *l3, *l4, *addr = NULL;
	const struct policy_addr_entry *ac;
	__u32 dd_flag = dir == DIR_INGRESS ? POLICY_CFG_F_INGRESS_DEFAULT_DENY : POLICY_CFG_F_EGRESS_DEFAULT_DENY;

	/* 1. a deny from any of the three lookups wins */
	l3 = bpf_map_lookup_elem(&porin_policy, &key);
	if (l3 && (l3->flags & POLICY_F_DENY))
		return policy_result(l3, policy_match_type(l3, false), v);
	key.remote = 0;
	l4 = bpf_map_lookup_elem(&porin_policy, &key);
	if (l4 && (l4->flags & POLICY_F_DENY))
		return policy_result(l4, policy_match_type(l4, true), v);
	ac = bpf_map_lookup_elem(&porin_policy_addr, &akey);
	if (ac) {
		key.remote = POLICY_REMOTE_ADDR_CLASS | ac->addr_class;
		addr = bpf_map_lookup_elem(&porin_policy, &key);
		if (addr && (addr->flags & POLICY_F_DENY))
			return policy_result(addr, POLICY_MATCH_ADDRESS, v);
	}

	/* 2. the local host may reach the pod (ingress), unless denied above */
	if (dir == DIR_INGRESS && remote_id == IDENTITY_HOST && (cfg->flags & POLICY_CFG_F_ALLOW_LOCALHOST)) {
		v->cookie = 0;
		v->match_type = POLICY_MATCH_LOCALHOST;
		return 0;
	}

	/* 3. a plain allow beats an L7 redirect */
	if (l3 && !(l3->flags & POLICY_F_REDIRECT))
		return policy_result(l3, policy_match_type(l3, false), v);
	if (l4 && !(l4->flags & POLICY_F_REDIRECT))
		return policy_result(l4, policy_match_type(l4, true), v);
	if (addr && !(addr->flags & POLICY_F_REDIRECT))
		return policy_result(addr, POLICY_MATCH_ADDRESS, v);

	/* 4. redirect to the proxy */
	if (l3)
		return policy_result(l3, policy_match_type(l3, false), v);
	if (l4)
		return policy_result(l4, policy_match_type(l4, true), v);
	if (addr)
		return policy_result(addr, POLICY_MATCH_ADDRESS, v);

	/* 5. nothing matched: default deny, or allowed when no policy isolates this direction */
	v->cookie = 0;
	v->match_type = POLICY_MATCH_NONE;
	return (cfg->flags & dd_flag) ? -DROP_POLICY : 0;
}
