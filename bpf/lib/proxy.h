/* L7 proxy redirect: the marks and routing table shared with the host side, socket assignment, UDP original destinations. */
#pragma once

#include "common.h"
#include "config.h"
#include "drop_reasons.h"
#include "ipv4.h"

/*
 * The one place for the numbers the host side and the proxy share with the datapath
 * (src/datapath/maps/proxy.ts mirrors them; kernel-abi.test.ts checks both agree):
 *
 *   skb->mark & PROXY_MARK_MASK == PROXY_MARK_TO_PROXY     set here on packets for the proxy; the host's
 *                                                          `ip rule fwmark 0x200/0xf00 lookup 2005 pref 2003`
 *                                                          and `ip route add local 0.0.0.0/0 dev lo table 2005`
 *                                                          deliver them locally whatever their destination.
 *                                                          The upper 16 bits carry the proxy port (to the
 *                                                          proxy device's program).
 *   sk->mark == PROXY_MARK_FROM_PROXY                      SO_MARK of every proxy socket (listeners and
 *                                                          upstream connections): to_container neither
 *                                                          redirects nor enforces these packets again.
 *
 * The rule's preference is below the pod routing table's rule (2004), so it is seen first.
 */
#define PROXY_MARK_MASK 0x0F00
#define PROXY_MARK_TO_PROXY 0x0200
#define PROXY_MARK_FROM_PROXY 0x0B00
#define PROXY_ROUTE_TABLE 2005
#define PROXY_RULE_PREF 2003

/* BPF_TCP_LISTEN / BPF_TCP_TIME_WAIT (enum in linux/bpf.h) */
#define PROXY_SK_LISTEN 10
#define PROXY_SK_TIME_WAIT 6

/*
 * skb->mark = mark. The empty asm makes the compiler compute the field's address right here: otherwise it
 * may merge the stores of several branches into one through a spilled `skb + 8`, which the verifier
 * rejects ("dereference of modified ctx ptr").
 */
static __always_inline void ctx_set_mark(struct __sk_buff *skb, __u32 mark)
{
	asm volatile("" : "+r"(skb));
	skb->mark = mark;
}

static __always_inline __u32 proxy_to_mark(__u16 proxy_port)
{
	return ((__u32)proxy_port << 16) | PROXY_MARK_TO_PROXY;
}

static __always_inline bool proxy_mark_is_to_proxy(__u32 mark)
{
	return (mark & PROXY_MARK_MASK) == PROXY_MARK_TO_PROXY;
}

/* Sent by a proxy socket: only processes of the host namespace with CAP_NET_ADMIN can set SO_MARK, and a
 * pod's marks are scrubbed when its packets cross the veth. */
static __always_inline bool proxy_mark_is_from_proxy(__u32 mark)
{
	return mark == PROXY_MARK_FROM_PROXY;
}

/*
 * UDP original destinations. Node's dgram sockets cannot read IP_ORIGDSTADDR, so the datapath records,
 * per client (address, port, protocol), where a redirected datagram was going; the proxy reads the pinned
 * map (src/proxy/original-destination.ts) and to_container rewrites the source of the proxy's replies
 * back to that destination.
 */
struct proxy_orig_key {
	__be32 addr;   /* the client (the pod that sent the datagram) */
	__be16 port;
	__u8 protocol;
	__u8 pad;
};

struct proxy_orig_value {
	__be32 addr;      /* the original destination */
	__be16 port;
	__u16 proxy_port; /* host order: the proxy socket the datagram was handed to */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct proxy_orig_key);
	__type(value, struct proxy_orig_value);
	__uint(max_entries, 65536);
} porin_udp_orig SEC(".maps");

static __always_inline void proxy_sk_tuple(struct bpf_sock_tuple *st, const struct tuple4 *t)
{
	st->ipv4.saddr = t->saddr;
	st->ipv4.daddr = t->daddr;
	st->ipv4.sport = t->sport;
	st->ipv4.dport = t->dport;
}

/* The proxy owns a socket when it carries the proxy's SO_MARK (request and time-wait sockets have none). */
static __always_inline bool proxy_owns(struct bpf_sock *sk)
{
	struct bpf_sock *full = bpf_sk_fullsock(sk);

	return full && full->mark == PROXY_MARK_FROM_PROXY;
}

/*
 * Hands a TCP packet to the proxy (tc ingress only): the connection's own socket when the proxy already
 * accepted it (Cilium's order: established first, so a retransmitted SYN or any later packet reaches the
 * accepted socket), else the proxy's listener on proxy_port, which must carry the proxy's mark (a stray
 * socket on that port is never handed traffic). Returns 0, or -DROP_PROXY_LOOKUP_FAILED /
 * -DROP_PROXY_SET_FAILED.
 */
static __always_inline int proxy_assign_tcp(struct __sk_buff *skb, const struct tuple4 *t, __u16 proxy_port)
{
	struct bpf_sock_tuple st = {};
	struct bpf_sock *sk;
	long ret;

	proxy_sk_tuple(&st, t);
	sk = bpf_skc_lookup_tcp(skb, &st, sizeof(st.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (sk) {
		if (sk->state != PROXY_SK_LISTEN && sk->state != PROXY_SK_TIME_WAIT) {
			/* a request socket has no mark to check; a full socket must be the proxy's */
			struct bpf_sock *full = bpf_sk_fullsock(sk);

			if (full && full->mark != PROXY_MARK_FROM_PROXY) {
				bpf_sk_release(sk);
				return -DROP_PROXY_LOOKUP_FAILED;
			}
			ret = bpf_sk_assign(skb, sk, 0);
			bpf_sk_release(sk);
			return ret == 0 ? 0 : -DROP_PROXY_SET_FAILED;
		}
		bpf_sk_release(sk);
	}
	st.ipv4.dport = bpf_htons(proxy_port);
	sk = bpf_skc_lookup_tcp(skb, &st, sizeof(st.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return -DROP_PROXY_LOOKUP_FAILED;
	if (sk->state != PROXY_SK_LISTEN || !proxy_owns(sk)) {
		bpf_sk_release(sk);
		return -DROP_PROXY_LOOKUP_FAILED;
	}
	ret = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	return ret == 0 ? 0 : -DROP_PROXY_SET_FAILED;
}

/* The same for a datagram: the proxy's UDP socket on proxy_port; the original destination is recorded. */
static __always_inline int proxy_assign_udp(struct __sk_buff *skb, const struct tuple4 *t, __u16 proxy_port)
{
	struct proxy_orig_key key = { .addr = t->saddr, .port = t->sport, .protocol = IPPROTO_UDP };
	struct proxy_orig_value val = { .addr = t->daddr, .port = t->dport, .proxy_port = proxy_port };
	struct bpf_sock_tuple st = {};
	struct bpf_sock *sk;
	long ret;

	proxy_sk_tuple(&st, t);
	st.ipv4.dport = bpf_htons(proxy_port);
	sk = bpf_sk_lookup_udp(skb, &st, sizeof(st.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return -DROP_PROXY_LOOKUP_FAILED;
	if (sk->mark != PROXY_MARK_FROM_PROXY) {
		bpf_sk_release(sk);
		return -DROP_PROXY_LOOKUP_FAILED;
	}
	if (bpf_map_update_elem(&porin_udp_orig, &key, &val, BPF_ANY) < 0) {
		bpf_sk_release(sk);
		return -DROP_PROXY_SET_FAILED;
	}
	ret = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	return ret == 0 ? 0 : -DROP_PROXY_SET_FAILED;
}

/**
 * proxy_redirect - hand a packet of a redirected connection to the proxy listening on proxy_port
 *
 * Assigns the socket and marks the packet so that policy routing delivers it locally. Only valid on
 * tc ingress (bpf_sk_assign). Returns 0 or -DROP_PROXY_* (the caller drops: never let through unjudged).
 */
static __always_inline int proxy_redirect(struct __sk_buff *skb, const struct tuple4 *t, __u16 proxy_port)
{
	int ret;

	if (t->protocol == IPPROTO_TCP)
		ret = proxy_assign_tcp(skb, t, proxy_port);
	else if (t->protocol == IPPROTO_UDP)
		ret = proxy_assign_udp(skb, t, proxy_port);
	else
		ret = -DROP_PROXY_UNKNOWN_PROTO;
	if (IS_DROP(ret))
		return ret;
	ctx_set_mark(skb, proxy_to_mark(proxy_port));
	return 0;
}

/*
 * Is this packet (entering a pod) for one of the proxy's own upstream sockets? The proxy connects from
 * the client pod's address; when the server is not a local pod (the host, another network), its replies
 * are routed towards the pod instead of the proxy, and no conntrack entry names them. A local socket
 * with the proxy's mark on exactly this tuple says they are the proxy's.
 */
static __always_inline bool proxy_owns_tuple(struct __sk_buff *skb, const struct tuple4 *t)
{
	struct bpf_sock_tuple st = {};
	struct bpf_sock *sk;
	bool owned = false;

	if (t->protocol != IPPROTO_TCP)
		return false;
	proxy_sk_tuple(&st, t);
	sk = bpf_skc_lookup_tcp(skb, &st, sizeof(st.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return false;
	if (sk->state != PROXY_SK_LISTEN)
		owned = proxy_owns(sk);
	bpf_sk_release(sk);
	return owned;
}

#define UDP_CSUM_OFF(l4) ((l4) + 6)

/*
 * A datagram the proxy sends back to a client it took a redirected datagram from: its source becomes the
 * original destination again (address and port, checksums fixed), so the client sees the server it asked.
 * Recognised by the sending socket (a local socket bound to the recorded proxy port, with the proxy's
 * mark) and the recorded client. Updates pkt's tuple. Returns 1 when rewritten, 0 when not a proxy reply,
 * or -DROP_CSUM_L3 / -DROP_CSUM_L4 / -DROP_WRITE_ERROR.
 */
static __always_inline int proxy_udp_reply_rewrite(struct __sk_buff *skb, struct packet4 *pkt, __u32 l3_off,
						   __u32 l4_off)
{
	struct proxy_orig_key key = { .addr = pkt->tuple.daddr, .port = pkt->tuple.dport, .protocol = IPPROTO_UDP };
	const struct proxy_orig_value *found;
	struct proxy_orig_value orig;
	struct bpf_sock *sk;
	__be32 old_addr = pkt->tuple.saddr;
	__be16 old_port = pkt->tuple.sport;

	found = bpf_map_lookup_elem(&porin_udp_orig, &key);
	if (!found || bpf_htons(found->proxy_port) != old_port)
		return 0;
	orig = *found;
	sk = skb->sk;
	if (!sk)
		return 0;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->mark != PROXY_MARK_FROM_PROXY || sk->src_port != orig.proxy_port)
		return 0;
	if (bpf_l4_csum_replace(skb, UDP_CSUM_OFF(l4_off), old_addr, orig.addr,
				BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | sizeof(__be32)) < 0)
		return -DROP_CSUM_L4;
	if (bpf_l4_csum_replace(skb, UDP_CSUM_OFF(l4_off), old_port, orig.port,
				BPF_F_MARK_MANGLED_0 | sizeof(__be16)) < 0)
		return -DROP_CSUM_L4;
	if (bpf_l3_csum_replace(skb, l3_off + offsetof(struct iphdr, check), old_addr, orig.addr,
				sizeof(__be32)) < 0)
		return -DROP_CSUM_L3;
	if (bpf_skb_store_bytes(skb, l3_off + offsetof(struct iphdr, saddr), &orig.addr, sizeof(__be32), 0) < 0 ||
	    bpf_skb_store_bytes(skb, l4_off, &orig.port, sizeof(__be16), 0) < 0)
		return -DROP_WRITE_ERROR;
	pkt->tuple.saddr = orig.addr;
	pkt->tuple.sport = orig.port;
	return 1;
}
