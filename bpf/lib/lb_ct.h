/* Packet-path load balancing state: NAT conntrack of translated flows, checksum-safe rewrites. */
#pragma once

#include <stddef.h>

#include "common.h"
#include "ipv4.h"
#include "l4.h"
#include "lb.h"

/*
 * One translated flow has two entries, both keyed by a tuple as it appears on the wire:
 *   LB_CT_ORIGINAL  client → frontend   (seen at ingress):  nat = the chosen backend
 *   LB_CT_REPLY     backend → client    (seen at egress):   nat = the frontend, restored as the source
 * The backend is chosen once, on the flow's first packet; later packets follow the entry, so backend
 * churn never moves an established flow (a backend that left keeps its flows until they end).
 */
#define LB_CT_ORIGINAL 0
#define LB_CT_REPLY 1

struct lb4_ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 dir; /* LB_CT_* */
	__u16 pad;
};

#define LB_CT_F_CLOSING 1 /* FIN or RST seen: short timeout; a new SYN starts a new flow */

struct lb4_ct_entry {
	__u64 expires_ns;
	__be32 nat_addr;
	__be16 nat_port;
	__u16 rev_nat_index;
	__u32 backend_id;
	__u8 flags;     /* LB_CT_F_* */
	__u8 tcp_flags; /* OR of the TCP flags seen in this direction */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_ct_key);
	__type(value, struct lb4_ct_entry);
	__uint(max_entries, 131072);
} porin_lb4_ct SEC(".maps");

static __always_inline __u64 lb_ct_timeout(__u8 protocol, __u8 flags, bool established)
{
	if (flags & LB_CT_F_CLOSING)
		return porin_lb_cfg.ct_timeout_close_ns;
	if (protocol != IPPROTO_TCP)
		return porin_lb_cfg.ct_timeout_any_ns;
	return established ? porin_lb_cfg.ct_timeout_tcp_ns : porin_lb_cfg.ct_timeout_syn_ns;
}

static __always_inline void lb_ct_key(struct lb4_ct_key *k, const struct tuple4 *t, __u8 dir)
{
	k->saddr = t->saddr;
	k->daddr = t->daddr;
	k->sport = t->sport;
	k->dport = t->dport;
	k->protocol = t->protocol;
	k->dir = dir;
	k->pad = 0;
}

/* Accounts one packet to a live entry: TCP flags, closing, lifetime. */
static __always_inline void lb_ct_touch(struct lb4_ct_entry *e, const struct packet4 *pkt, __u64 now)
{
	__u8 tcp = pkt->tuple.protocol == IPPROTO_TCP ? pkt->l4_info : 0;

	e->tcp_flags |= tcp;
	if (tcp & (TCP_FLAG_FIN | TCP_FLAG_RST))
		e->flags |= LB_CT_F_CLOSING;
	e->expires_ns = now + lb_ct_timeout(pkt->tuple.protocol, e->flags, e->tcp_flags & TCP_FLAG_ACK);
}

/*
 * Rewrites the destination (dst = true) or source address and port of an IPv4 TCP/UDP packet, fixing the
 * IP checksum and the L4 checksum (whose pseudo-header covers the addresses). A UDP checksum of 0 means
 * "none" and stays 0 (BPF_F_MARK_MANGLED_0).
 */
static __always_inline int lb4_rewrite(struct __sk_buff *skb, __u32 l3_off, __u32 l4_off, __u8 protocol, bool dst,
				       __be32 old_addr, __be32 new_addr, __be16 old_port, __be16 new_port)
{
	__u32 addr_off = l3_off + (dst ? offsetof(struct iphdr, daddr) : offsetof(struct iphdr, saddr));
	__u32 port_off = l4_off + (dst ? 2 : 0);
	__u32 csum_off = l4_off + (protocol == IPPROTO_TCP ? 16 : 6);
	__u64 l4_flags = protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (bpf_l4_csum_replace(skb, csum_off, old_addr, new_addr, BPF_F_PSEUDO_HDR | sizeof(new_addr) | l4_flags) < 0)
		return -DROP_CSUM_L4;
	if (old_port != new_port) {
		if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, sizeof(new_port) | l4_flags) < 0)
			return -DROP_CSUM_L4;
		if (bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0) < 0)
			return -DROP_WRITE_ERROR;
	}
	if (bpf_l3_csum_replace(skb, l3_off + offsetof(struct iphdr, check), old_addr, new_addr, sizeof(new_addr)) < 0)
		return -DROP_CSUM_L3;
	if (bpf_skb_store_bytes(skb, addr_off, &new_addr, sizeof(new_addr), 0) < 0)
		return -DROP_WRITE_ERROR;
	return 0;
}

static __always_inline __u16 csum_fold(__u32 csum)
{
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return (__u16)~csum;
}

struct icmp_unreach {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__u32 unused;
	struct iphdr quoted_ip;
	__u8 quoted_l4[8];
};

#define ICMP_PORT_UNREACH 3

/*
 * Turns the packet into an ICMP port unreachable answering it (RFC 792: the original IP header and the
 * first 8 bytes of its payload quoted) and sends it back out of the device it came in on: what
 * kube-proxy's REJECT rule answers for a service with no endpoint (a TCP client's connect() fails with
 * ECONNREFUSED at once). Packets with IP options are dropped instead (their quote would not fit).
 */
static __always_inline int lb4_reject(struct __sk_buff *skb, __u32 l3_off)
{
	struct icmp_unreach msg = {};
	struct iphdr ip, out = {};
	struct ethhdr eth;
	__u8 mac[ETH_ALEN];

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0 || bpf_skb_load_bytes(skb, l3_off, &ip, sizeof(ip)) < 0)
		return TC_ACT_SHOT;
	if (ip.ihl != 5 || bpf_skb_load_bytes(skb, l3_off + sizeof(ip), msg.quoted_l4, sizeof(msg.quoted_l4)) < 0)
		return TC_ACT_SHOT;
	msg.type = ICMP_DEST_UNREACH;
	msg.code = ICMP_PORT_UNREACH;
	msg.quoted_ip = ip;
	msg.checksum = csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&msg, sizeof(msg), 0));

	out.version = 4;
	out.ihl = 5;
	out.tos = 0xc0;
	out.tot_len = bpf_htons(sizeof(out) + sizeof(msg));
	out.ttl = 64;
	out.protocol = IPPROTO_ICMP;
	out.saddr = ip.daddr;
	out.daddr = ip.saddr;
	out.check = csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&out, sizeof(out), 0));

	__builtin_memcpy(mac, eth.h_source, ETH_ALEN);
	__builtin_memcpy(eth.h_source, eth.h_dest, ETH_ALEN);
	__builtin_memcpy(eth.h_dest, mac, ETH_ALEN);

	if (bpf_skb_change_tail(skb, l3_off + sizeof(out) + sizeof(msg), 0) < 0)
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0) < 0 ||
	    bpf_skb_store_bytes(skb, l3_off, &out, sizeof(out), 0) < 0 ||
	    bpf_skb_store_bytes(skb, l3_off + sizeof(out), &msg, sizeof(msg), 0) < 0)
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ifindex, 0);
}
