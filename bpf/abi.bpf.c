/*
 * Never loaded: one global of every struct shared with user space, so that all of them are in this
 * object's BTF even when the programs only keep them on the stack (Cilium's bpf_alignchecker.c idea).
 * test/datapath/kernel-abi.test.ts checks the TypeScript codecs against it.
 */

#include "lib/common.h"
#include "lib/config.h"
#include "lib/conntrack.h"
#include "lib/endpoints.h"
#include "lib/events.h"
#include "lib/ipcache.h"
#include "lib/metrics.h"
#include "lib/policy.h"
#include "lib/proxy.h"

struct porin_event abi_porin_event;
struct policy_key abi_policy_key;
struct policy_entry abi_policy_entry;
struct policy_addr_key abi_policy_addr_key;
struct policy_addr_entry abi_policy_addr_entry;
struct policy_config abi_policy_config;
struct ipcache_key abi_ipcache_key;
struct ipcache_entry abi_ipcache_entry;
struct endpoint_info abi_endpoint_info;
struct ct_key4 abi_ct_key4;
struct ct_entry abi_ct_entry;
struct metrics_value abi_metrics_value;
struct endpoint_addr_key abi_endpoint_addr_key;
struct proxy_orig_key abi_proxy_orig_key;
struct proxy_orig_value abi_proxy_orig_value;

char LICENSE[] SEC("license") = "Dual BSD/GPL";
