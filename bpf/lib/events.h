/* Datapath events: one ring buffer, one record layout for trace, drop and policy-verdict events. */
#pragma once

#include "common.h"
#include "conntrack.h"
#include "ipv4.h"

/* Event types: Cilium's monitor message numbers (pkg/monitor/api/types.go). */
#define EVENT_DROP 1
#define EVENT_TRACE 4
#define EVENT_POLICY_VERDICT 5

/* Trace observation points (the subtype of EVENT_TRACE): Cilium's TRACE_TO_LXC / TO_PROXY / FROM_LXC. */
#define TRACE_TO_ENDPOINT 0
#define TRACE_TO_PROXY 1
#define TRACE_FROM_ENDPOINT 5

/*
 * One fixed record for every type, so a reader decodes a single layout and the flow layer sees the same
 * fields whatever the type:
 *   subtype:   drop → the drop reason; trace → the observation point; policy verdict → 0.
 *   verdict:   0 allowed, > 0 redirected to that proxy port, < 0 -drop reason.
 *   direction: DIR_* from the endpoint's point of view.
 *   ports:     TCP/UDP/SCTP ports; ICMP: sport = echo identifier, dport = type, l4_info = code.
 * Traces are aggregated by conntrack (first packet, new TCP flags, then every ct_report_interval_s);
 * drops and policy verdicts of denied packets are not aggregated.
 */
struct porin_event {
	__u8 type;          /* EVENT_* */
	__u8 subtype;
	__u16 endpoint_id;
	__u32 ifindex;
	__u64 timestamp_ns; /* bpf_ktime_get_ns() */
	__u32 src_identity;
	__u32 dst_identity;
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 direction;
	__u8 ct_status;     /* CT_NEW / CT_ESTABLISHED / CT_REPLY / CT_RELATED */
	__u8 match_type;    /* POLICY_MATCH_* */
	__s32 verdict;
	__u32 cookie;       /* the deciding policy entry's rule cookie (0: none) */
	__u32 pkt_len;
	__u8 l4_info;       /* TCP flags, or the ICMP code */
	__u8 pad[3];
};

/* The reader drains this; when it falls behind, bpf_ringbuf_output fails and porin_events_lost counts. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} porin_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} porin_events_lost SEC(".maps");

/* What an event says about a packet, gathered along the path. */
struct event_ctx {
	__u32 ifindex;
	__u16 endpoint_id;
	__u8 direction;
	__u8 ct_status;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 cookie;
	__u8 match_type;
};

static __always_inline void event_send(__u8 type, __u8 subtype, __s32 verdict, const struct event_ctx *ec,
				       const struct packet4 *pkt)
{
	struct porin_event ev = {
		.type = type,
		.subtype = subtype,
		.endpoint_id = ec->endpoint_id,
		.ifindex = ec->ifindex,
		.timestamp_ns = bpf_ktime_get_ns(),
		.src_identity = ec->src_identity,
		.dst_identity = ec->dst_identity,
		.saddr = pkt->tuple.saddr,
		.daddr = pkt->tuple.daddr,
		.sport = pkt->tuple.sport,
		.dport = pkt->tuple.dport,
		.protocol = pkt->tuple.protocol,
		.direction = ec->direction,
		.ct_status = ec->ct_status,
		.match_type = ec->match_type,
		.verdict = verdict,
		.cookie = ec->cookie,
		.pkt_len = pkt->len,
		.l4_info = pkt->l4_info,
	};

	if (pkt->tuple.protocol == IPPROTO_ICMP) {
		ev.sport = pkt->tuple.sport | pkt->tuple.dport; /* the echo identifier, whichever side holds it */
		ev.dport = pkt->policy_port;
	}
	if (bpf_ringbuf_output(&porin_events, &ev, sizeof(ev), 0) < 0) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&porin_events_lost, &zero);

		if (lost)
			(*lost)++;
	}
}

static __always_inline void event_drop(int reason, const struct event_ctx *ec, const struct packet4 *pkt)
{
	event_send(EVENT_DROP, (__u8)(-reason), reason, ec, pkt);
}

static __always_inline void event_trace(__u8 point, const struct event_ctx *ec, const struct packet4 *pkt)
{
	event_send(EVENT_TRACE, point, 0, ec, pkt);
}

static __always_inline void event_policy_verdict(int verdict, const struct event_ctx *ec,
						 const struct packet4 *pkt)
{
	event_send(EVENT_POLICY_VERDICT, 0, verdict, ec, pkt);
}
