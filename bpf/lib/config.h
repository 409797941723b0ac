/* Load-time configuration: one read-only struct the loader may patch before load. */
#pragma once

#include "common.h"

/*
 * Lives in .rodata: once the object is loaded the map is frozen and the verifier treats every field as a
 * constant, so tuning a timeout never means recompiling. The TS side (src/datapath/maps/config.ts) patches
 * fields by their BTF offsets; kernel-abi.test.ts checks its codec against this struct.
 */
struct porin_config {
	__u64 ct_timeout_syn_ns;    /* TCP until the handshake completes */
	__u64 ct_timeout_tcp_ns;    /* TCP established (and half-closed) */
	__u64 ct_timeout_close_ns;  /* TCP after FIN from both sides, or RST */
	__u64 ct_timeout_any_ns;    /* UDP, ICMP and other protocols */
	__u32 ct_report_interval_s; /* re-report an active flow at most this often (Cilium: 5 s) */
	__u32 world_identity;       /* identity of addresses the ipcache does not know */
	__u32 proxy_ifindex;        /* the proxy device (ingress redirects of non-pod sources); 0 = none */
	__u32 pad;
};

const volatile struct porin_config porin_cfg = {
	.ct_timeout_syn_ns = 60 * NSEC_PER_SEC,
	.ct_timeout_tcp_ns = 8000 * NSEC_PER_SEC,
	.ct_timeout_close_ns = 10 * NSEC_PER_SEC,
	.ct_timeout_any_ns = 60 * NSEC_PER_SEC,
	.ct_report_interval_s = 5,
	.world_identity = 2,
};
