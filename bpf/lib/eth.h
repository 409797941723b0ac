/* Ethernet header parsing. */
#pragma once

#include "common.h"
#include "drop_reasons.h"

/* Returns the ethertype (host order) and points *l3 past the Ethernet header, or -DROP_INVALID. */
static __always_inline int parse_eth(void *data, void *data_end, void **l3)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -DROP_INVALID;
	*l3 = eth + 1;
	return bpf_ntohs(eth->h_proto);
}
