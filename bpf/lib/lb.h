/* Service load balancing: frontends, backend slots, backends, reverse NAT, affinity, Maglev tables. */
#pragma once

#include "common.h"
#include "jhash.h"

/*
 * Maglev table size M (a prime). The inner map is declared at the default; the loader sets the inner map's
 * value size and porin_lb_cfg.maglev_table_size together (any size up to LB_MAGLEV_LUT_MAX).
 */
#define LB_MAGLEV_LUT_SIZE 16381
#define LB_MAGLEV_LUT_MAX 131071

/*
 * Map layout (docs/load-balancing.md has the walk):
 *
 *   porin_lb4_services   (address, port, protocol, scope, slot) → lb4_service
 *                        slot 0 is the frontend's service entry (count, flags, id); slots 1..count
 *                        hold backend ids. The reconciler writes new slots before raising count and
 *                        lowers count before deleting slots, so a lookup never reads a missing slot.
 *   porin_lb4_backends   backend id → address, port, protocol, state
 *   porin_lb4_reverse_nat  frontend id (rev_nat_index) → the frontend's address and port
 *   porin_lb4_maglev     frontend id → one-element array holding the M-entry lookup table
 *   porin_lb4_affinity   (client, frontend id) → backend id and last use  (LRU)
 *   porin_lb_affinity_match (backend id, frontend id) → 1: the backend still serves the frontend
 *   porin_lb4_reverse_sk (socket cookie, backend address, port) → frontend (LRU; socket LB)
 *   porin_lb_netns       network-namespace cookie → 1: sockets of this cluster (socket LB scope)
 *
 * Every map is written by one writer only: src/services/lb-reconciler.ts (the datapath writes the LRU
 * ones and the conntrack of nodeport.bpf.c).
 */

#define LB_SCOPE_EXT 0 /* traffic from outside the node (and every frontend's only scope) */
#define LB_SCOPE_INT 1 /* traffic from inside the cluster, when it uses other backends (LB_F_TWO_SCOPES) */

/* lb4_service.flags */
#define LB_F_NODEPORT 0x1
#define LB_F_EXTERNAL_IP 0x2
#define LB_F_LOADBALANCER 0x4
#define LB_F_AFFINITY 0x8
#define LB_F_TWO_SCOPES 0x10 /* externalTrafficPolicy Local: an LB_SCOPE_INT entry with all backends exists */
#define LB_F_LOCAL_NONE 0x20 /* no node-local backend under a Local policy: drop (kube-proxy), not reject */
#define LB_F_EXTERNAL (LB_F_NODEPORT | LB_F_EXTERNAL_IP | LB_F_LOADBALANCER)

/* lb4_service.algorithm */
#define LB_ALG_RANDOM 1
#define LB_ALG_MAGLEV 2

/* lb4_backend.state */
#define LB_BACKEND_ACTIVE 0
#define LB_BACKEND_TERMINATING 1

struct lb4_key {
	__be32 address;
	__be16 dport;
	__u16 slot;    /* 0 = service entry, 1..count = backend slots */
	__u8 protocol; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	__u8 scope;    /* LB_SCOPE_* */
	__u16 pad;
};

struct lb4_service {
	__u32 backend_id;       /* backend slots: the backend; service entry: 0 */
	__u32 affinity_timeout; /* service entry: ClientIP affinity in seconds (LB_F_AFFINITY) */
	__u16 count;            /* service entry: number of backend slots */
	__u16 rev_nat_index;    /* the frontend's id */
	__u16 flags;            /* LB_F_* */
	__u8 algorithm;         /* LB_ALG_* */
	__u8 pad;
};

struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 protocol;
	__u8 state; /* LB_BACKEND_*: only active backends are in slots */
};

struct lb4_reverse_nat {
	__be32 address;
	__be16 port;
	__u8 protocol;
	__u8 pad;
};

struct lb4_affinity_key {
	__u64 client;      /* network-namespace cookie (socket LB) or client IPv4 address (packet LB) */
	__u16 rev_nat_index;
	__u8 netns;        /* 1 when client is a netns cookie */
	__u8 pad1;
	__u32 pad2;
};

struct lb4_affinity {
	__u64 last_used_ns;
	__u32 backend_id;
	__u32 pad;
};

struct lb_affinity_match {
	__u32 backend_id;
	__u16 rev_nat_index;
	__u16 pad;
};

struct lb4_sk_key {
	__u64 cookie;
	__be32 address; /* the backend the socket was sent to */
	__be16 port;
	__u16 pad;
};

struct lb4_sk_value {
	__be32 address; /* the frontend the application asked for */
	__be16 port;
	__u16 rev_nat_index;
};

struct lb_netns {
	__u32 flags; /* LB_NETNS_* */
};

#define LB_NETNS_HOST 1 /* the cluster's host network namespace (the others are pods') */

/* Load-time settings in .rodata (frozen: constants to the verifier), patched by the loader. */
struct lb_config {
	__u64 ct_timeout_syn_ns;
	__u64 ct_timeout_tcp_ns;
	__u64 ct_timeout_close_ns;
	__u64 ct_timeout_any_ns;
	__u32 maglev_table_size; /* M: the inner map's value holds M backend ids */
	__u32 maglev_seed;       /* flow-hash seed, equal on every node */
};

const volatile struct lb_config porin_lb_cfg = {
	.ct_timeout_syn_ns = 60 * NSEC_PER_SEC,
	.ct_timeout_tcp_ns = 8000 * NSEC_PER_SEC,
	.ct_timeout_close_ns = 10 * NSEC_PER_SEC,
	.ct_timeout_any_ns = 60 * NSEC_PER_SEC,
	.maglev_table_size = LB_MAGLEV_LUT_SIZE,
	.maglev_seed = 0x9e3779b9,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
	__uint(max_entries, 65536);
} porin_lb4_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(max_entries, 65536);
} porin_lb4_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u16);
	__type(value, struct lb4_reverse_nat);
	__uint(max_entries, 65536);
} porin_lb4_reverse_nat SEC(".maps");

/* The inner template: one element holding the whole table, so a new table is swapped in atomically. */
struct lb4_maglev_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__uint(value_size, LB_MAGLEV_LUT_SIZE * sizeof(__u32));
	__uint(max_entries, 1);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__type(key, __u16);
	__uint(max_entries, 4096);
	__array(values, struct lb4_maglev_inner);
} porin_lb4_maglev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_affinity_key);
	__type(value, struct lb4_affinity);
	__uint(max_entries, 65536);
} porin_lb4_affinity SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb_affinity_match);
	__type(value, __u8);
	__uint(max_entries, 65536);
} porin_lb_affinity_match SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_sk_key);
	__type(value, struct lb4_sk_value);
	__uint(max_entries, 65536);
} porin_lb4_reverse_sk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct lb_netns);
	__uint(max_entries, 16384);
} porin_lb_netns SEC(".maps");

/*
 * The service entry of a frontend for one scope. A frontend with LB_F_TWO_SCOPES keeps its node-local
 * backends under LB_SCOPE_EXT and all of them under LB_SCOPE_INT; `internal` picks the latter.
 */
static __always_inline const struct lb4_service *lb4_lookup_service(struct lb4_key *key, bool internal)
{
	const struct lb4_service *svc;

	key->slot = 0;
	key->scope = LB_SCOPE_EXT;
	key->pad = 0;
	svc = bpf_map_lookup_elem(&porin_lb4_services, key);
	if (svc && internal && (svc->flags & LB_F_TWO_SCOPES)) {
		key->scope = LB_SCOPE_INT;
		svc = bpf_map_lookup_elem(&porin_lb4_services, key);
	}
	return svc;
}

/* The backend id in slot (selector % count) + 1 of the service `key` (as left by lb4_lookup_service). */
static __always_inline __u32 lb4_slot_backend(struct lb4_key *key, const struct lb4_service *svc, __u32 selector)
{
	const struct lb4_service *slot;

	if (svc->count == 0)
		return 0;
	key->slot = (selector % svc->count) + 1;
	slot = bpf_map_lookup_elem(&porin_lb4_services, key);
	key->slot = 0;
	return slot ? slot->backend_id : 0;
}

/* Maglev: the backend owning slot hash % M of the frontend's table; 0 when it has none. */
static __always_inline __u32 lb4_maglev_backend(__u16 rev_nat_index, __u32 hash)
{
	const __u32 m = porin_lb_cfg.maglev_table_size;
	__u32 zero = 0, idx;
	const __u32 *lut;
	void *inner;

	inner = bpf_map_lookup_elem(&porin_lb4_maglev, &rev_nat_index);
	if (!inner)
		return 0;
	lut = bpf_map_lookup_elem(inner, &zero);
	if (!lut || m == 0)
		return 0;
	idx = hash % m;
	/*
	 * The compiler knows hash % m < m and would drop this check, but the verifier does not follow a
	 * modulo: hide idx from the optimizer so the bound against m (a .rodata constant the verifier
	 * reads, equal to the inner map's value size / 4) stays in the program.
	 */
	asm volatile("" : "+r"(idx));
	if (idx >= m)
		return 0;
	return lut[idx];
}

/* ClientIP affinity: the remembered backend if still within the timeout and still serving the frontend. */
static __always_inline __u32 lb4_affinity_backend(const struct lb4_affinity_key *key, __u32 timeout_s,
						  __u64 now)
{
	struct lb_affinity_match match = { .rev_nat_index = key->rev_nat_index };
	struct lb4_affinity *a = bpf_map_lookup_elem(&porin_lb4_affinity, key);

	if (!a)
		return 0;
	if (a->last_used_ns + (__u64)timeout_s * NSEC_PER_SEC <= now)
		goto stale;
	match.backend_id = a->backend_id;
	if (!bpf_map_lookup_elem(&porin_lb_affinity_match, &match))
		goto stale;
	a->last_used_ns = now;
	return a->backend_id;
stale:
	bpf_map_delete_elem(&porin_lb4_affinity, key);
	return 0;
}

static __always_inline void lb4_affinity_update(const struct lb4_affinity_key *key, __u32 backend_id, __u64 now)
{
	struct lb4_affinity a = { .last_used_ns = now, .backend_id = backend_id };

	bpf_map_update_elem(&porin_lb4_affinity, key, &a, BPF_ANY);
}
