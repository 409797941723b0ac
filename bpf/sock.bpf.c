/* Socket load balancing: cgroup hooks that connect sockets straight to a service's backend. */

#include <linux/errno.h>

#include "lib/common.h"
#include "lib/lb.h"

/*
 * connect4 and sendmsg4 rewrite the destination of a socket that asks for a frontend to one of its
 * backends, so the packets leave with the backend's address: egress policy on the pod's veth sees the
 * real peer, and no packet is NATed. recvmsg4 and getpeername4 put the frontend back where the
 * application looks (UDP reply sources, the peer name), as kube-proxy's NAT would show it.
 *
 * These programs are attached where they see every process (the cgroup v2 root in production) while
 * several clusters share a machine; each acts only on sockets of a network namespace its cluster
 * registered in porin_lb_netns (the cluster's host namespace and its pods'). Everyone else's sockets —
 * and any destination that is not a frontend — are left exactly as they were.
 */

#define SYS_REJECT 0
#define SYS_PROCEED 1

static __always_inline bool lb_netns_ours(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_netns_cookie(ctx);

	return bpf_map_lookup_elem(&porin_lb_netns, &cookie) != NULL;
}

/*
 * Returns 0 (translated or not a frontend) or -errno to fail the call with:
 *   -ECONNREFUSED  the frontend has no backend (kube-proxy's REJECT),
 *   -EHOSTUNREACH  a Local traffic policy leaves no backend on this node (kube-proxy drops those),
 *   -ENOMEM        the reverse entry could not be written (the reply could not be translated back).
 * TCP picks a random slot per connection; UDP picks by socket cookie, so one socket keeps one backend
 * (datagrams of a DNS client's socket all reach the same server). Maglev tables serve the packet path;
 * sockets choose at random (as Cilium's socket LB does).
 */
static __always_inline int sock4_xlate_fwd(struct bpf_sock_addr *ctx)
{
	struct lb4_key key = {};
	struct lb4_affinity_key akey = {};
	struct lb4_sk_key skey = {};
	struct lb4_sk_value sval = {};
	const struct lb4_service *svc;
	const struct lb4_backend *be;
	__u32 backend_id = 0, selector;
	__u64 now = 0;
	__u8 proto = ctx->protocol;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	if (!lb_netns_ours(ctx))
		return 0;
	key.address = ctx->user_ip4;
	key.dport = (__be16)ctx->user_port;
	key.protocol = proto;
	svc = lb4_lookup_service(&key, true);
	if (!svc)
		return 0;
	if (svc->count == 0)
		return (svc->flags & LB_F_LOCAL_NONE) ? -EHOSTUNREACH : -ECONNREFUSED;

	if (svc->flags & LB_F_AFFINITY) {
		now = bpf_ktime_get_ns();
		akey.client = bpf_get_netns_cookie(ctx);
		akey.rev_nat_index = svc->rev_nat_index;
		akey.netns = 1;
		backend_id = lb4_affinity_backend(&akey, svc->affinity_timeout, now);
	}
	if (!backend_id) {
		selector = proto == IPPROTO_UDP ? (__u32)bpf_get_socket_cookie(ctx) : bpf_get_prandom_u32();
		backend_id = lb4_slot_backend(&key, svc, selector);
	}
	be = backend_id ? bpf_map_lookup_elem(&porin_lb4_backends, &backend_id) : NULL;
	if (!be)
		return -EHOSTUNREACH; /* a slot raced with its removal */
	if (svc->flags & LB_F_AFFINITY)
		lb4_affinity_update(&akey, backend_id, now);

	skey.cookie = bpf_get_socket_cookie(ctx);
	skey.address = be->address;
	skey.port = be->port;
	sval.address = key.address;
	sval.port = key.dport;
	sval.rev_nat_index = svc->rev_nat_index;
	if (bpf_map_update_elem(&porin_lb4_reverse_sk, &skey, &sval, BPF_ANY) < 0)
		return -ENOMEM;

	ctx->user_ip4 = be->address;
	ctx->user_port = (__u32)be->port;
	return 0;
}

/* Backend → frontend for what the application reads back; stale entries are dropped, not applied. */
static __always_inline void sock4_xlate_rev(struct bpf_sock_addr *ctx)
{
	struct lb4_sk_key skey = {};
	const struct lb4_sk_value *sval;
	const struct lb4_reverse_nat *rn;
	__u16 id;

	skey.cookie = bpf_get_socket_cookie(ctx);
	skey.address = ctx->user_ip4;
	skey.port = (__be16)ctx->user_port;
	sval = bpf_map_lookup_elem(&porin_lb4_reverse_sk, &skey);
	if (!sval)
		return;
	id = sval->rev_nat_index;
	rn = bpf_map_lookup_elem(&porin_lb4_reverse_nat, &id);
	if (!rn || rn->address != sval->address || rn->port != sval->port) {
		bpf_map_delete_elem(&porin_lb4_reverse_sk, &skey);
		return;
	}
	ctx->user_ip4 = sval->address;
	ctx->user_port = (__u32)sval->port;
}

static __always_inline int sock4_forward(struct bpf_sock_addr *ctx)
{
	int ret = sock4_xlate_fwd(ctx);

	if (ret < 0) {
		bpf_set_retval(ret);
		return SYS_REJECT;
	}
	return SYS_PROCEED;
}

SEC("cgroup/connect4")
int sock4_connect(struct bpf_sock_addr *ctx)
{
	return sock4_forward(ctx);
}

SEC("cgroup/sendmsg4")
int sock4_sendmsg(struct bpf_sock_addr *ctx)
{
	return sock4_forward(ctx);
}

SEC("cgroup/recvmsg4")
int sock4_recvmsg(struct bpf_sock_addr *ctx)
{
	sock4_xlate_rev(ctx);
	return SYS_PROCEED;
}

SEC("cgroup/getpeername4")
int sock4_getpeername(struct bpf_sock_addr *ctx)
{
	sock4_xlate_rev(ctx);
	return SYS_PROCEED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
