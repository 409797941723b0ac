/* Connection tracking: one LRU map of IPv4 flows, TCP state, reply and related-ICMP detection. */
#pragma once

#include "common.h"
#include "config.h"
#include "drop_reasons.h"
#include "ipv4.h"
#include "l4.h"

/*
 * An entry is keyed by the tuple of the connection's FIRST packet plus the scope of the hook that
 * created it: CT_SCOPE_EGRESS for connections a pod opened (created in from_container), CT_SCOPE_INGRESS
 * for connections opened towards a pod (created in to_container). Pod-to-pod traffic on one node thus
 * has two entries, one per endpoint, and each endpoint's verdict stands on its own: an entry made by
 * A's egress can never vouch for B's ingress, nor make B's packets look like replies.
 *
 * In a hook of scope S, a packet is:
 *   REPLY       if its reversed tuple has an entry of the other scope (the other side opened it),
 *   ESTABLISHED if its tuple has an entry of scope S,
 *   RELATED     if it is an ICMP error quoting a packet of a tracked connection,
 *   NEW         otherwise.
 * REPLY is looked up first: a reply must never be policy-checked as if it were a new connection.
 */
struct ct_key4 {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 scope;
	__u16 pad;
};

#define CT_SCOPE_EGRESS 0
#define CT_SCOPE_INGRESS 1

/* TCP states; UDP/ICMP/other entries stay CT_STATE_NONE. */
#define CT_STATE_NONE 0
#define CT_TCP_SYN_SENT 1    /* SYN seen */
#define CT_TCP_SYN_RECV 2    /* SYN-ACK seen in reply */
#define CT_TCP_ESTABLISHED 3 /* ACK after SYN-ACK, or a connection picked up mid-stream */
#define CT_TCP_FIN_WAIT 4    /* FIN from one side */
#define CT_TCP_CLOSING 5     /* FIN from both sides, or RST: short timeout, a new SYN reopens */

#define CT_F_REPLY_SEEN 1
/*
 * Opened by the L7 proxy towards this endpoint (to_container saw the proxy's mark): the endpoint's
 * replies are marked for local delivery, to the proxy's transparent upstream socket, in from_container.
 */
#define CT_F_PROXY_UPSTREAM 2

struct ct_entry {
	__u64 expires_ns;      /* bpf_ktime_get_ns() deadline; expired entries count as absent */
	__u64 created_ns;
	__u64 fwd_packets;
	__u64 fwd_bytes;
	__u64 rev_packets;
	__u64 rev_bytes;
	__u32 remote_identity; /* the peer's identity when the connection was allowed */
	__u32 last_fwd_report; /* seconds: when a trace event was last sent per direction */
	__u32 last_rev_report;
	__u16 proxy_port;      /* the connection was redirected to this proxy port */
	__u8 tcp_state;        /* CT_TCP_* */
	__u8 fwd_flags_seen;   /* OR of the TCP flags seen per direction */
	__u8 rev_flags_seen;
	__u8 flags;            /* CT_F_* */
	__u16 pad;
};

/* Node-wide conntrack; the kernel evicts the least recently used entry when full. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ct_key4);
	__type(value, struct ct_entry);
	__uint(max_entries, 131072);
} porin_ct4 SEC(".maps");

/* Also the trace-event "reason" (Cilium's trace reasons 0..3). */
#define CT_NEW 0
#define CT_ESTABLISHED 1
#define CT_REPLY 2
#define CT_RELATED 3

/* Flags whose first appearance in a direction is worth an event (Cilium's CT_REPORT_FLAGS). */
#define CT_REPORT_FLAGS (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST)

struct ct_result {
	__u8 status; /* CT_NEW.. */
	bool report; /* first packet, new TCP flags, or report interval passed: emit a trace event */
	__u16 proxy_port;
	__u8 flags;  /* the entry's CT_F_* */
};

static __always_inline void ct_key_from(struct ct_key4 *key, const struct tuple4 *t, __u8 scope)
{
	key->saddr = t->saddr;
	key->daddr = t->daddr;
	key->sport = t->sport;
	key->dport = t->dport;
	key->protocol = t->protocol;
	key->scope = scope;
	key->pad = 0;
}

static __always_inline void ct_key_reversed(struct ct_key4 *key, const struct tuple4 *t, __u8 scope)
{
	key->saddr = t->daddr;
	key->daddr = t->saddr;
	key->sport = t->dport;
	key->dport = t->sport;
	key->protocol = t->protocol;
	key->scope = scope;
	key->pad = 0;
}

static __always_inline __u64 ct_timeout(__u8 tcp_state, __u8 protocol)
{
	if (protocol != IPPROTO_TCP)
		return porin_cfg.ct_timeout_any_ns;
	switch (tcp_state) {
	case CT_TCP_SYN_SENT:
	case CT_TCP_SYN_RECV:
		return porin_cfg.ct_timeout_syn_ns;
	case CT_TCP_CLOSING:
		return porin_cfg.ct_timeout_close_ns;
	default:
		return porin_cfg.ct_timeout_tcp_ns;
	}
}

/*
 * Advances the TCP state with the flags of one packet. The handshake is followed loosely (like Linux's
 * nf_conntrack_tcp_loose): a mid-stream packet of an unknown connection is accepted as ESTABLISHED.
 */
static __always_inline void ct_tcp_advance(struct ct_entry *e, bool reply, __u8 tcp_flags)
{
	if (tcp_flags & TCP_FLAG_RST) {
		e->tcp_state = CT_TCP_CLOSING;
		return;
	}
	if (tcp_flags & TCP_FLAG_FIN) {
		if ((e->fwd_flags_seen & TCP_FLAG_FIN) && (e->rev_flags_seen & TCP_FLAG_FIN))
			e->tcp_state = CT_TCP_CLOSING;
		else if (e->tcp_state != CT_TCP_CLOSING)
			e->tcp_state = CT_TCP_FIN_WAIT;
		return;
	}
	if (reply && (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
		if (e->tcp_state == CT_TCP_SYN_SENT)
			e->tcp_state = CT_TCP_SYN_RECV;
		return;
	}
	if (!(tcp_flags & TCP_FLAG_SYN) && (tcp_flags & TCP_FLAG_ACK) && e->tcp_state == CT_TCP_SYN_RECV)
		e->tcp_state = CT_TCP_ESTABLISHED;
}

/*
 * Accounts one packet to an entry, refreshes its lifetime and decides whether it is worth a trace event.
 * Several CPUs may update one entry at once; the fields are independent words, so a race loses at most a
 * counter increment or repeats an event — never a verdict, which does not depend on them.
 */
static __always_inline bool ct_update(struct ct_entry *e, bool reply, const struct packet4 *pkt, __u64 now)
{
	__u8 tcp_flags = pkt->tuple.protocol == IPPROTO_TCP ? pkt->l4_info : 0;
	__u8 *seen = reply ? &e->rev_flags_seen : &e->fwd_flags_seen;
	__u32 *last = reply ? &e->last_rev_report : &e->last_fwd_report;
	__u32 now_s = now / NSEC_PER_SEC;
	bool report = false;

	if (tcp_flags & CT_REPORT_FLAGS & ~*seen)
		report = true;
	*seen |= tcp_flags;
	if (pkt->tuple.protocol == IPPROTO_TCP)
		ct_tcp_advance(e, reply, tcp_flags);
	if (reply && !(e->flags & CT_F_REPLY_SEEN)) {
		e->flags |= CT_F_REPLY_SEEN;
		report = true;
	}
	if (now_s - *last >= porin_cfg.ct_report_interval_s)
		report = true;
	if (report)
		*last = now_s;
	if (reply) {
		e->rev_packets++;
		e->rev_bytes += pkt->len;
	} else {
		e->fwd_packets++;
		e->fwd_bytes += pkt->len;
	}
	e->expires_ns = now + ct_timeout(e->tcp_state, pkt->tuple.protocol);
	return report;
}

/* ICMP errors: is the quoted packet part of a connection this hook tracks (in either direction)? */
static __always_inline bool ct_is_related4(const struct packet4 *pkt, __u8 scope, __u64 now)
{
	struct ct_key4 key;
	struct ct_entry *e;

	/* the quoted packet went forward in a connection of the other scope (the one this error answers)... */
	ct_key_from(&key, &pkt->inner, !scope);
	e = bpf_map_lookup_elem(&porin_ct4, &key);
	if (e && e->expires_ns > now)
		return true;
	/* ...or it was a reply in a connection of this hook's scope */
	ct_key_reversed(&key, &pkt->inner, scope);
	e = bpf_map_lookup_elem(&porin_ct4, &key);
	return e && e->expires_ns > now;
}

/**
 * ct_lookup4 - classify a packet against conntrack (see the comment above struct ct_key4)
 * @pkt: the parsed packet
 * @scope: the hook's scope (CT_SCOPE_EGRESS in from_container, CT_SCOPE_INGRESS in to_container)
 * @now: bpf_ktime_get_ns()
 * @res: out: status, whether to report, the proxy port of a redirected connection
 *
 * Updates the entry it finds. A SYN on a CLOSING entry is a new connection reusing the tuple: it is
 * reported NEW so policy runs again and ct_create4 replaces the entry.
 */
static __always_inline void ct_lookup4(const struct packet4 *pkt, __u8 scope, __u64 now, struct ct_result *res)
{
	struct ct_key4 key;
	struct ct_entry *e;

	res->report = false;
	res->proxy_port = 0;
	res->flags = 0;

	ct_key_reversed(&key, &pkt->tuple, !scope);
	e = bpf_map_lookup_elem(&porin_ct4, &key);
	if (e && e->expires_ns > now) {
		res->status = CT_REPLY;
		res->proxy_port = e->proxy_port;
		res->flags = e->flags;
		res->report = ct_update(e, true, pkt, now);
		return;
	}

	ct_key_from(&key, &pkt->tuple, scope);
	e = bpf_map_lookup_elem(&porin_ct4, &key);
	if (e && e->expires_ns > now) {
		bool syn = pkt->tuple.protocol == IPPROTO_TCP &&
			   (pkt->l4_info & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;

		if (!(syn && e->tcp_state == CT_TCP_CLOSING)) {
			res->status = CT_ESTABLISHED;
			res->proxy_port = e->proxy_port;
			res->flags = e->flags;
			res->report = ct_update(e, false, pkt, now);
			return;
		}
	}

	if (pkt->icmp_error && ct_is_related4(pkt, scope, now)) {
		res->status = CT_RELATED;
		res->report = true;
		return;
	}
	res->status = CT_NEW;
	res->report = true;
}

/*
 * Records a connection policy allowed (redirected: with the proxy port; flags: CT_F_*). A lone RST
 * creates nothing (there is no connection to follow). Returns 0 or -DROP_CT_CREATE_FAILED.
 */
static __always_inline int ct_create4(const struct packet4 *pkt, __u8 scope, __u32 remote_identity,
				      __u16 proxy_port, __u8 flags, __u64 now)
{
	__u8 tcp_flags = pkt->tuple.protocol == IPPROTO_TCP ? pkt->l4_info : 0;
	struct ct_entry e = {
		.created_ns = now,
		.fwd_packets = 1,
		.fwd_bytes = pkt->len,
		.remote_identity = remote_identity,
		.last_fwd_report = now / NSEC_PER_SEC,
		.last_rev_report = now / NSEC_PER_SEC,
		.proxy_port = proxy_port,
		.fwd_flags_seen = tcp_flags,
		.flags = flags,
	};
	struct ct_key4 key;

	if (pkt->tuple.protocol == IPPROTO_TCP) {
		if (tcp_flags & TCP_FLAG_RST)
			return 0;
		e.tcp_state = (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN ? CT_TCP_SYN_SENT
											     : CT_TCP_ESTABLISHED;
	}
	e.expires_ns = now + ct_timeout(e.tcp_state, pkt->tuple.protocol);
	ct_key_from(&key, &pkt->tuple, scope);
	if (bpf_map_update_elem(&porin_ct4, &key, &e, BPF_ANY) < 0)
		return -DROP_CT_CREATE_FAILED;
	return 0;
}
