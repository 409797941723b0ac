/* IPv4 header parsing and the packet summary every later stage works from. */
#pragma once

#include "common.h"
#include "drop_reasons.h"

#define IP_OFFSET_MASK 0x1fff

/* An IPv4 5-tuple as it appears on the wire (network byte order). */
struct tuple4 {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
};

/* What parsing learnt about one packet; see l4.h for how ports are filled per protocol. */
struct packet4 {
	struct tuple4 tuple;  /* the conntrack tuple: L4 ports, or the ICMP echo identifier */
	struct tuple4 inner;  /* ICMP errors: the tuple of the packet the error is about */
	__be16 policy_port;   /* what policy matches as "port": the destination port, or the ICMP type */
	__u8 l4_info;         /* TCP flags, or the ICMP code */
	__u8 icmp_error;      /* 1 when this is an ICMP error whose inner tuple was parsed */
	__u32 len;
	__u16 l3_off;         /* offsets from skb->data, for rewrites */
	__u16 l4_off;
};

/*
 * Validates the IPv4 header at l3, fills addresses and protocol, and points *l4 at the transport header.
 * Non-first fragments carry no ports, so policy cannot be decided for them: they are refused
 * (DROP_FRAG_NOSUPPORT) rather than let through unchecked.
 */
static __always_inline int parse_ipv4(void *l3, void *data_end, struct packet4 *pkt, void **l4)
{
	struct iphdr *ip = l3;
	__u32 hlen;

	if ((void *)(ip + 1) > data_end)
		return -DROP_INVALID;
	if (ip->version != 4 || ip->ihl < 5)
		return -DROP_INVALID;
	hlen = ip->ihl * 4;
	if (l3 + hlen > data_end)
		return -DROP_INVALID;
	if (ip->frag_off & bpf_htons(IP_OFFSET_MASK))
		return -DROP_FRAG_NOSUPPORT;
	pkt->tuple.saddr = ip->saddr;
	pkt->tuple.daddr = ip->daddr;
	pkt->tuple.protocol = ip->protocol;
	*l4 = l3 + hlen;
	return 0;
}
