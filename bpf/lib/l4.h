/* Transport header parsing: ports, TCP flags, ICMP type/code/identifier and the inner tuple of ICMP errors. */
#pragma once

#include <linux/tcp.h>
#include <linux/udp.h>

#include "common.h"
#include "drop_reasons.h"
#include "ipv4.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* ICMP types (linux/icmp.h drags in libc's sys/socket.h, which does not build for -target bpf). */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_TIMESTAMP 13
#define ICMP_TIMESTAMPREPLY 14
#define ICMP_HDR_LEN 8 /* type, code, checksum, identifier/unused, sequence/unused */

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define TCP_FLAGS_OFFSET 13

/*
 * ICMP echo (and timestamp) messages are tracked like a port pair built from the identifier: a request
 * is (sport = id, dport = 0) and a reply (sport = 0, dport = id), so a reply's reversed tuple equals its
 * request's. Other ICMP messages have no ports.
 */
static __always_inline void icmp_ports(__u8 type, __be16 id, __be16 *sport, __be16 *dport)
{
	*sport = 0;
	*dport = 0;
	if (type == ICMP_ECHO || type == ICMP_TIMESTAMP)
		*sport = id;
	else if (type == ICMP_ECHOREPLY || type == ICMP_TIMESTAMPREPLY)
		*dport = id;
}

static __always_inline bool icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/*
 * Parses the packet quoted by an ICMP error (IP header + at least 8 bytes of L4, RFC 792) into
 * pkt->inner. A quote that cannot be parsed leaves icmp_error at 0: the error is then an ordinary
 * packet for policy.
 */
static __always_inline void parse_icmp_inner(void *quote, void *data_end, struct packet4 *pkt)
{
	struct iphdr *ip = quote;
	void *l4;
	__u8 *b;

	if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5)
		return;
	l4 = quote + ip->ihl * 4;
	if (l4 + 8 > data_end)
		return;
	b = l4;
	pkt->inner.saddr = ip->saddr;
	pkt->inner.daddr = ip->daddr;
	pkt->inner.protocol = ip->protocol;
	switch (ip->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		pkt->inner.sport = *(__be16 *)b;
		pkt->inner.dport = *(__be16 *)(b + 2);
		break;
	case IPPROTO_ICMP:
		icmp_ports(b[0], *(__be16 *)(b + 4), &pkt->inner.sport, &pkt->inner.dport);
		break;
	default:
		break;
	}
	pkt->icmp_error = 1;
}

/* Fills ports, policy port and l4_info of pkt from the transport header at l4. */
static __always_inline int parse_l4(void *l4, void *data_end, struct packet4 *pkt)
{
	__u8 *b = l4;

	switch (pkt->tuple.protocol) {
	case IPPROTO_TCP:
		if (l4 + sizeof(struct tcphdr) > data_end)
			return -DROP_CT_INVALID_HDR;
		pkt->tuple.sport = *(__be16 *)b;
		pkt->tuple.dport = *(__be16 *)(b + 2);
		pkt->l4_info = b[TCP_FLAGS_OFFSET];
		pkt->policy_port = pkt->tuple.dport;
		return 0;
	case IPPROTO_UDP:
		if (l4 + sizeof(struct udphdr) > data_end)
			return -DROP_CT_INVALID_HDR;
		break;
	case IPPROTO_SCTP:
		/* common header: ports, verification tag, checksum */
		if (l4 + 12 > data_end)
			return -DROP_CT_INVALID_HDR;
		break;
	case IPPROTO_ICMP:
		if (l4 + ICMP_HDR_LEN > data_end)
			return -DROP_CT_INVALID_HDR;
		pkt->l4_info = b[1];
		pkt->policy_port = bpf_htons(b[0]);
		icmp_ports(b[0], *(__be16 *)(b + 4), &pkt->tuple.sport, &pkt->tuple.dport);
		if (icmp_is_error(b[0]))
			parse_icmp_inner(l4 + ICMP_HDR_LEN, data_end, pkt);
		return 0;
	default:
		/* other protocols: tracked and matched by protocol alone */
		return 0;
	}
	pkt->tuple.sport = *(__be16 *)b;
	pkt->tuple.dport = *(__be16 *)(b + 2);
	pkt->policy_port = pkt->tuple.dport;
	return 0;
}
