/* Includes, attributes and return conventions shared by every Porin BPF program. */
#pragma once

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/*
 * Return convention of every helper on the packet path (katran's pipeline style): a value >= 0 means
 * "carry on" (or carries a result such as a proxy port), a negative value is -DROP_* from drop_reasons.h.
 * Only the entry programs turn results into TC_ACT_* codes.
 */
#define IS_DROP(ret) ((ret) < 0)

/* Direction of traffic from the endpoint's point of view; also the `direction` byte of map keys. */
#define DIR_INGRESS 0 /* into the pod: to_container */
#define DIR_EGRESS 1  /* out of the pod: from_container */

#define NSEC_PER_SEC 1000000000ULL

/* Reserved identities the datapath itself needs (src/identity/reserved-identities.ts). */
#define IDENTITY_HOST 1
