/* Pod veth programs: identity-based L3/L4 policy with conntrack, and the L7 proxy redirect, on each pod's host-side veth. */

#include "lib/common.h"
#include "lib/config.h"
#include "lib/conntrack.h"
#include "lib/drop_reasons.h"
#include "lib/endpoints.h"
#include "lib/eth.h"
#include "lib/events.h"
#include "lib/ipcache.h"
#include "lib/ipv4.h"
#include "lib/l4.h"
#include "lib/metrics.h"
#include "lib/policy.h"
#include "lib/proxy.h"

#ifndef PACKET_HOST
#define PACKET_HOST 0
#endif

/* Longest header run we read: Ethernet + IPv4 with options + ICMP + quoted IPv4 with options + 8 bytes. */
#define HDR_PULL_LEN (14 + 60 + 8 + 60 + 8)

static __always_inline int parse_packet4(struct __sk_buff *skb, struct packet4 *pkt)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	void *l3, *l4;
	int ret;

	ret = parse_eth(data, data_end, &l3);
	if (IS_DROP(ret))
		return ret;
	if (ret == ETH_P_ARP)
		return ETH_P_ARP;
	if (ret != ETH_P_IP)
		return -DROP_UNKNOWN_L3;
	ret = parse_ipv4(l3, data_end, pkt, &l4);
	if (IS_DROP(ret))
		return ret;
	pkt->l3_off = l3 - data;
	pkt->l4_off = l4 - data;
	ret = parse_l4(l4, data_end, pkt);
	if (IS_DROP(ret))
		return ret;
	return ETH_P_IP;
}

/* Parses, pulling headers beyond the linear part of a non-linear skb in once when needed. */
static __always_inline int parse_skb(struct __sk_buff *skb, struct packet4 *pkt)
{
	int ret = parse_packet4(skb, pkt);

	if (ret == -DROP_INVALID || ret == -DROP_CT_INVALID_HDR) {
		__u32 linear = skb->data_end - skb->data;

		if (skb->len > linear) {
			bpf_skb_pull_data(skb, skb->len < HDR_PULL_LEN ? skb->len : HDR_PULL_LEN);
			ret = parse_packet4(skb, pkt);
		}
	}
	return ret;
}

static __always_inline int drop(struct __sk_buff *skb, int reason, const struct event_ctx *ec,
				const struct packet4 *pkt)
{
	event_drop(reason, ec, pkt);
	metrics_count(ec->direction, -reason, skb->len);
	return TC_ACT_SHOT;
}

/*
 * A local destination's ingress verdict, evaluated in the source's from_container (see handle_lxc).
 * Returns what policy_can_access4 returns, or -DROP_NO_CONFIG for a destination without computed policy.
 */
static __always_inline int peer_ingress_verdict(const struct endpoint_info *peer, __u32 src_id,
						const struct packet4 *pkt, struct policy_verdict *pv)
{
	__u32 key = peer->endpoint_id;
	const struct policy_config *cfg = bpf_map_lookup_elem(&porin_policy_cfg, &key);

	if (!cfg)
		return -DROP_NO_CONFIG;
	return policy_can_access4(cfg, peer->endpoint_id, DIR_INGRESS, src_id, pkt->tuple.saddr,
				  pkt->tuple.protocol, pkt->policy_port, pv);
}

/*
 * The whole path for one packet of endpoint traffic; dir is a constant per entry program, so each
 * program gets only its half after inlining.
 *   from_container (pod egress):  source-address check, conntrack, egress policy of this endpoint
 *                                 against the destination's identity; for a local destination also
 *                                 its ingress policy when a redirect is in play (below).
 *   to_container (pod ingress):   conntrack, ingress policy of this endpoint against the source's
 *                                 identity.
 * Replies and related ICMP errors of tracked connections pass without policy. Every other packet is
 * checked, so a policy change also applies to established connections (as in Cilium).
 *
 * L7 redirect (docs/l7.md has the packet walk). A socket can only be assigned on tc ingress, i.e. in
 * from_container. So a connection to a local pod is judged there for BOTH ends (as Cilium does for local
 * delivery): any deny drops; else any redirect sends it to the proxy, which applies the L7 rules of
 * both. The proxy's own connections carry PROXY_MARK_FROM_PROXY and are not enforced again in
 * to_container; their replies are marked for local delivery to the proxy. A redirect decided in
 * to_container (the source is not a local pod) goes through the proxy device, whose program assigns
 * the socket. A TCP connection established before its port became redirected cannot be handed to the
 * proxy mid-stream: its packets are dropped (PROXY_LOOKUP_FAILED) until it ends.
 */
static __always_inline int handle_lxc(struct __sk_buff *skb, const __u8 dir)
{
	const __u8 scope = dir == DIR_EGRESS ? CT_SCOPE_EGRESS : CT_SCOPE_INGRESS;
	struct packet4 pkt = { .len = skb->len };
	struct event_ctx ec = { .ifindex = skb->ifindex, .direction = dir };
	const struct endpoint_info *ep, *peer = NULL;
	const struct policy_config *cfg;
	struct policy_verdict pv = {};
	struct ct_result ct;
	__u32 local_id = 0, remote_id, ep_key;
	__be32 remote_addr;
	__u16 proxy_port = 0, peer_port = 0;
	__u64 now;
	int ret, verdict;

	ret = parse_skb(skb, &pkt);

	ep_key = skb->ifindex;
	ep = endpoint_lookup(ep_key);
	if (ep) {
		ec.endpoint_id = ep->endpoint_id;
		local_id = ep->identity;
	}
	if (dir == DIR_EGRESS)
		ec.src_identity = local_id;
	else
		ec.dst_identity = local_id;

	if (ret == ETH_P_ARP) {
		metrics_count(dir, 0, skb->len);
		return TC_ACT_OK;
	}
	if (IS_DROP(ret))
		return drop(skb, ret, &ec, &pkt);
	if (!ep)
		return drop(skb, -DROP_EP_NOT_READY, &ec, &pkt);
	if (dir == DIR_EGRESS && pkt.tuple.saddr != ep->ipv4)
		return drop(skb, -DROP_INVALID_SIP, &ec, &pkt);

	/* A datagram the proxy answers a redirected query with: restore the original server as its source. */
	if (dir == DIR_INGRESS && pkt.tuple.protocol == IPPROTO_UDP) {
		ret = proxy_udp_reply_rewrite(skb, &pkt, pkt.l3_off, pkt.l4_off);
		if (IS_DROP(ret))
			return drop(skb, ret, &ec, &pkt);
	}

	remote_addr = dir == DIR_EGRESS ? pkt.tuple.daddr : pkt.tuple.saddr;
	remote_id = ipcache_identity4(remote_addr);
	if (dir == DIR_EGRESS)
		ec.dst_identity = remote_id;
	else
		ec.src_identity = remote_id;

	now = bpf_ktime_get_ns();
	ct_lookup4(&pkt, scope, now, &ct);
	ec.ct_status = ct.status;

	if (ct.status == CT_REPLY) {
		/* the endpoint answers a connection the proxy opened: deliver it to the proxy's socket */
		if (dir == DIR_EGRESS && (ct.flags & CT_F_PROXY_UPSTREAM))
			ctx_set_mark(skb, proxy_to_mark(0));
		goto forward;
	}
	if (ct.status == CT_RELATED)
		goto forward;

	/* A reply to the proxy's upstream connection that no pod hook saw leave (server off the node). */
	if (dir == DIR_INGRESS && ct.status == CT_NEW && porin_cfg.proxy_ifindex &&
	    proxy_owns_tuple(skb, &pkt.tuple)) {
		ctx_set_mark(skb, proxy_to_mark(0));
		if (ct.report)
			event_trace(TRACE_TO_PROXY, &ec, &pkt);
		metrics_count(dir, 0, skb->len);
		return bpf_redirect(porin_cfg.proxy_ifindex, BPF_F_INGRESS);
	}

	/* The proxy's own connection: both ends were judged where it was redirected. */
	if (dir == DIR_INGRESS && proxy_mark_is_from_proxy(skb->mark)) {
		if (ct.status == CT_NEW) {
			ret = ct_create4(&pkt, scope, remote_id, 0, CT_F_PROXY_UPSTREAM, now);
			if (IS_DROP(ret))
				return drop(skb, ret, &ec, &pkt);
		}
		goto forward;
	}

	ep_key = ep->endpoint_id;
	cfg = bpf_map_lookup_elem(&porin_policy_cfg, &ep_key);
	if (!cfg)
		return drop(skb, -DROP_NO_CONFIG, &ec, &pkt);
	verdict = policy_can_access4(cfg, ep->endpoint_id, dir, remote_id, remote_addr, pkt.tuple.protocol,
				     pkt.policy_port, &pv);
	ec.cookie = pv.cookie;
	ec.match_type = pv.match_type;
	if (IS_DROP(verdict)) {
		event_policy_verdict(verdict, &ec, &pkt);
		return drop(skb, verdict, &ec, &pkt);
	}

	/*
	 * A local destination's ingress policy, when a redirect is in play: this connection's egress is
	 * redirected (a deny on the other end must then drop it here, as the proxy's connection would not be
	 * enforced there), or it is new or already redirected (the other end may redirect it).
	 */
	if (dir == DIR_EGRESS && (verdict > 0 || ct.status == CT_NEW || ct.proxy_port))
		peer = endpoint_by_addr(pkt.tuple.daddr);
	if (peer) {
		struct policy_verdict ppv = {};
		struct event_ctx pec = {
			.endpoint_id = peer->endpoint_id,
			.direction = DIR_INGRESS,
			.ct_status = ct.status,
			.src_identity = local_id,
			.dst_identity = peer->identity,
		};
		int pverdict = peer_ingress_verdict(peer, local_id, &pkt, &ppv);

		pec.cookie = ppv.cookie;
		pec.match_type = ppv.match_type;
		if (IS_DROP(pverdict) && (verdict > 0 || ct.proxy_port)) {
			event_policy_verdict(pverdict, &pec, &pkt);
			return drop(skb, pverdict, &pec, &pkt);
		}
		if (pverdict > 0) {
			peer_port = pverdict;
			if (ct.status == CT_NEW)
				event_policy_verdict(pverdict, &pec, &pkt);
		}
	}

	if (verdict > 0 || peer_port || ct.proxy_port) {
		/* once redirected, always redirected: the connection ends at the proxy (egress port first) */
		proxy_port = ct.proxy_port ? ct.proxy_port : verdict > 0 ? verdict : peer_port;
		if (ct.status == CT_ESTABLISHED && !ct.proxy_port && pkt.tuple.protocol == IPPROTO_TCP)
			return drop(skb, -DROP_PROXY_LOOKUP_FAILED, &ec, &pkt);
		if (ct.status == CT_NEW)
			event_policy_verdict(verdict, &ec, &pkt);
		if (dir == DIR_EGRESS) {
			ret = proxy_redirect(skb, &pkt.tuple, proxy_port);
		} else if (porin_cfg.proxy_ifindex) {
			ctx_set_mark(skb, proxy_to_mark(proxy_port));
			ret = 0;
		} else {
			ret = -DROP_PROXY_LOOKUP_FAILED;
		}
		if (IS_DROP(ret))
			return drop(skb, ret, &ec, &pkt);
		if (ct.status == CT_NEW) {
			ret = ct_create4(&pkt, scope, remote_id, proxy_port, 0, now);
			if (IS_DROP(ret))
				return drop(skb, ret, &ec, &pkt);
		}
		if (ct.report)
			event_trace(TRACE_TO_PROXY, &ec, &pkt);
		metrics_count(dir, 0, skb->len);
		if (dir == DIR_INGRESS)
			return bpf_redirect(porin_cfg.proxy_ifindex, BPF_F_INGRESS);
		return TC_ACT_OK;
	}
	if (ct.status == CT_NEW) {
		ret = ct_create4(&pkt, scope, remote_id, 0, 0, now);
		if (IS_DROP(ret))
			return drop(skb, ret, &ec, &pkt);
		event_policy_verdict(0, &ec, &pkt);
	}

forward:
	if (ct.report)
		event_trace(dir == DIR_EGRESS ? TRACE_FROM_ENDPOINT : TRACE_TO_ENDPOINT, &ec, &pkt);
	metrics_count(dir, 0, skb->len);
	return TC_ACT_OK;
}

SEC("tc")
int from_container(struct __sk_buff *skb)
{
	return handle_lxc(skb, DIR_EGRESS);
}

SEC("tc")
int to_container(struct __sk_buff *skb)
{
	return handle_lxc(skb, DIR_INGRESS);
}

/*
 * tc ingress of the proxy device: to_container redirected a packet here (mark: to-proxy + port) because
 * its source is not a local pod, so no from_container could assign it a socket. Assign it now; the mark
 * makes policy routing deliver it locally. The redirect kept the pod's MAC as destination, so the packet
 * is made PACKET_HOST or the IP layer would discard it as meant for another host.
 */
SEC("tc")
int proxy_ingress(struct __sk_buff *skb)
{
	struct packet4 pkt = { .len = skb->len };
	struct event_ctx ec = { .ifindex = skb->ifindex, .direction = DIR_INGRESS };
	__u16 proxy_port;
	int ret;

	if (!proxy_mark_is_to_proxy(skb->mark))
		return TC_ACT_OK;
	proxy_port = skb->mark >> 16;
	ret = parse_skb(skb, &pkt);
	if (ret == ETH_P_ARP)
		return TC_ACT_OK;
	if (!IS_DROP(ret))
		ret = proxy_redirect(skb, &pkt.tuple, proxy_port);
	if (IS_DROP(ret))
		return drop(skb, ret, &ec, &pkt);
	bpf_skb_change_type(skb, PACKET_HOST);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
