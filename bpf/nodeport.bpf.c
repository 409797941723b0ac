/* Packet load balancing for traffic from outside: NodePort, external IPs and LoadBalancer addresses. */

#include "lib/common.h"
#include "lib/drop_reasons.h"
#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/l4.h"
#include "lib/lb.h"
#include "lib/lb_ct.h"

/*
 * Attached to the node's external-facing device: nodeport_in on tc ingress, nodeport_out on tc egress.
 *
 *   in:  client → frontend. A known flow (LB_CT_ORIGINAL entry) is DNATed to its backend. A new flow to a
 *        NodePort / external-IP / load-balancer frontend picks a backend (ClientIP affinity, then the
 *        frontend's Maglev table, or a random slot), records both conntrack entries and is DNATed; the
 *        kernel then routes it to the backend pod, whose own programs apply ingress policy with the
 *        client's real address. No backend: an ICMP port unreachable goes back (kube-proxy's REJECT),
 *        or, under a Local traffic policy with none on this node, the packet is dropped.
 *   out: backend → client replies of translated flows (LB_CT_REPLY) get the frontend back as source.
 *
 * Everything else — ClusterIPs (reachable only from inside, through the socket LB), other addresses,
 * non-TCP/UDP, fragments — passes untouched. Pods reach these frontends through the socket LB, which
 * also makes hairpin (a pod reaching itself through its service) a plain local connection.
 */

struct parsed {
	struct packet4 pkt;
	__u32 l3_off;
	__u32 l4_off;
};

static __always_inline int parse(struct __sk_buff *skb, struct parsed *p)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	void *l3, *l4;
	int ret;

	if (skb->len > data_end - data)
		bpf_skb_pull_data(skb, skb->len < 14 + 60 + 20 ? skb->len : 14 + 60 + 20);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ret = parse_eth(data, data_end, &l3);
	if (ret != ETH_P_IP)
		return -1;
	if (IS_DROP(parse_ipv4(l3, data_end, &p->pkt, &l4)))
		return -1;
	if (p->pkt.tuple.protocol != IPPROTO_TCP && p->pkt.tuple.protocol != IPPROTO_UDP)
		return -1;
	if (IS_DROP(parse_l4(l4, data_end, &p->pkt)))
		return -1;
	p->l3_off = l3 - data;
	p->l4_off = l4 - data;
	return 0;
}

static __always_inline __u32 select_backend(const struct packet4 *pkt, struct lb4_key *key,
					    const struct lb4_service *svc, __u64 now)
{
	struct lb4_affinity_key akey = {};
	__u32 id = 0;

	if (svc->flags & LB_F_AFFINITY) {
		akey.client = pkt->tuple.saddr;
		akey.rev_nat_index = svc->rev_nat_index;
		id = lb4_affinity_backend(&akey, svc->affinity_timeout, now);
		if (id)
			return id;
	}
	if (svc->algorithm == LB_ALG_MAGLEV) {
		/* The frontend's address is left out, so all addresses of one service agree; with affinity
		 * the client port too, so one client always lands on one backend. */
		__u32 sport = (svc->flags & LB_F_AFFINITY) ? 0 : bpf_ntohs(pkt->tuple.sport);
		__u32 hash = jhash_3words(pkt->tuple.saddr, (bpf_ntohs(pkt->tuple.dport) << 16) | sport,
					  pkt->tuple.protocol, porin_lb_cfg.maglev_seed);

		id = lb4_maglev_backend(svc->rev_nat_index, hash);
	}
	if (!id)
		id = lb4_slot_backend(key, svc, bpf_get_prandom_u32());
	if (id && (svc->flags & LB_F_AFFINITY))
		lb4_affinity_update(&akey, id, now);
	return id;
}

SEC("tc")
int nodeport_in(struct __sk_buff *skb)
{
	struct lb4_ct_entry ce = {}, *e;
	struct lb4_ct_key ck;
	struct lb4_key key = {};
	const struct lb4_service *svc;
	const struct lb4_backend *be;
	struct parsed p = {};
	__u32 backend_id;
	__u64 now;
	bool syn;

	if (parse(skb, &p) < 0)
		return TC_ACT_OK;
	now = bpf_ktime_get_ns();
	syn = p.pkt.tuple.protocol == IPPROTO_TCP && (p.pkt.l4_info & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;

	lb_ct_key(&ck, &p.pkt.tuple, LB_CT_ORIGINAL);
	e = bpf_map_lookup_elem(&porin_lb4_ct, &ck);
	if (e && e->expires_ns > now && !(syn && (e->flags & LB_CT_F_CLOSING))) {
		lb_ct_touch(e, &p.pkt, now);
		if (IS_DROP(lb4_rewrite(skb, p.l3_off, p.l4_off, p.pkt.tuple.protocol, true, p.pkt.tuple.daddr,
					e->nat_addr, p.pkt.tuple.dport, e->nat_port)))
			return TC_ACT_SHOT;
		return TC_ACT_OK;
	}

	key.address = p.pkt.tuple.daddr;
	key.dport = p.pkt.tuple.dport;
	key.protocol = p.pkt.tuple.protocol;
	svc = lb4_lookup_service(&key, false);
	if (!svc || !(svc->flags & LB_F_EXTERNAL))
		return TC_ACT_OK;
	if (svc->count == 0)
		return (svc->flags & LB_F_LOCAL_NONE) ? TC_ACT_SHOT : lb4_reject(skb, p.l3_off);

	backend_id = select_backend(&p.pkt, &key, svc, now);
	be = backend_id ? bpf_map_lookup_elem(&porin_lb4_backends, &backend_id) : NULL;
	if (!be)
		return TC_ACT_SHOT;

	ce.nat_addr = be->address;
	ce.nat_port = be->port;
	ce.rev_nat_index = svc->rev_nat_index;
	ce.backend_id = backend_id;
	lb_ct_touch(&ce, &p.pkt, now);
	if (bpf_map_update_elem(&porin_lb4_ct, &ck, &ce, BPF_ANY) < 0)
		return TC_ACT_SHOT;
	ck.saddr = be->address;
	ck.sport = be->port;
	ck.daddr = p.pkt.tuple.saddr;
	ck.dport = p.pkt.tuple.sport;
	ck.dir = LB_CT_REPLY;
	ce.nat_addr = p.pkt.tuple.daddr;
	ce.nat_port = p.pkt.tuple.dport;
	ce.tcp_flags = 0;
	if (bpf_map_update_elem(&porin_lb4_ct, &ck, &ce, BPF_ANY) < 0)
		return TC_ACT_SHOT;
	if (IS_DROP(lb4_rewrite(skb, p.l3_off, p.l4_off, p.pkt.tuple.protocol, true, p.pkt.tuple.daddr, be->address,
				p.pkt.tuple.dport, be->port)))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int nodeport_out(struct __sk_buff *skb)
{
	struct lb4_ct_entry *e;
	struct lb4_ct_key ck;
	struct parsed p = {};
	__u64 now;

	if (parse(skb, &p) < 0)
		return TC_ACT_OK;
	lb_ct_key(&ck, &p.pkt.tuple, LB_CT_REPLY);
	e = bpf_map_lookup_elem(&porin_lb4_ct, &ck);
	now = bpf_ktime_get_ns();
	if (!e || e->expires_ns <= now)
		return TC_ACT_OK;
	lb_ct_touch(e, &p.pkt, now);
	if (IS_DROP(lb4_rewrite(skb, p.l3_off, p.l4_off, p.pkt.tuple.protocol, false, p.pkt.tuple.saddr, e->nat_addr,
				p.pkt.tuple.sport, e->nat_port)))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
