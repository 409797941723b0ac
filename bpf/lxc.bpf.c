/* Pod veth programs: identity-based L3/L4 policy with conntrack on the host side of each pod's veth. */

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
	ret = parse_l4(l4, data_end, pkt);
	if (IS_DROP(ret))
		return ret;
	return ETH_P_IP;
}

static __always_inline int drop(struct __sk_buff *skb, int reason, const struct event_ctx *ec,
				const struct packet4 *pkt)
{
	event_drop(reason, ec, pkt);
	metrics_count(ec->direction, -reason, skb->len);
	return TC_ACT_SHOT;
}

/*
 * The whole path for one packet of endpoint traffic; dir is a constant per entry program, so each
 * program gets only its half after inlining.
 *   from_container (pod egress):  source-address check, conntrack, egress policy of this endpoint
 *                                 against the destination's identity.
 *   to_container (pod ingress):   conntrack, ingress policy of this endpoint against the source's
 *                                 identity.
 * Replies and related ICMP errors of tracked connections pass without policy. Every other packet is
 * checked, so a policy change also applies to established connections (as in Cilium).
 */
static __always_inline int handle_lxc(struct __sk_buff *skb, const __u8 dir)
{
	const __u8 scope = dir == DIR_EGRESS ? CT_SCOPE_EGRESS : CT_SCOPE_INGRESS;
	struct packet4 pkt = { .len = skb->len };
	struct event_ctx ec = { .ifindex = skb->ifindex, .direction = dir };
	const struct endpoint_info *ep;
	const struct policy_config *cfg;
	struct policy_verdict pv = {};
	struct ct_result ct;
	__u32 local_id = 0, remote_id, ep_key;
	__be32 remote_addr;
	__u64 now;
	int ret, verdict;

	ret = parse_packet4(skb, &pkt);
	/* Headers beyond the linear part of a non-linear skb: pull them in once and parse again. */
	if (ret == -DROP_INVALID || ret == -DROP_CT_INVALID_HDR) {
		__u32 linear = skb->data_end - skb->data;

		if (skb->len > linear) {
			bpf_skb_pull_data(skb, skb->len < HDR_PULL_LEN ? skb->len : HDR_PULL_LEN);
			ret = parse_packet4(skb, &pkt);
		}
	}

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

	remote_addr = dir == DIR_EGRESS ? pkt.tuple.daddr : pkt.tuple.saddr;
	remote_id = ipcache_identity4(remote_addr);
	if (dir == DIR_EGRESS)
		ec.dst_identity = remote_id;
	else
		ec.src_identity = remote_id;

	now = bpf_ktime_get_ns();
	ct_lookup4(&pkt, scope, now, &ct);
	ec.ct_status = ct.status;

	if (ct.status == CT_REPLY || ct.status == CT_RELATED)
		goto forward;

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
	if (verdict > 0) {
		/*
		 * L7 redirect. Handing the connection to the proxy (socket assign) is not wired yet, so the
		 * packet is refused rather than let through without its L7 rules.
		 */
		if (ct.status == CT_NEW)
			event_policy_verdict(verdict, &ec, &pkt);
		return drop(skb, -DROP_PROXY_LOOKUP_FAILED, &ec, &pkt);
	}
	if (ct.status == CT_NEW) {
		ret = ct_create4(&pkt, scope, remote_id, 0, now);
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
