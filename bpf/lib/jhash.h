/* Bob Jenkins' lookup3 final mix over three words (public domain): the datapath's Maglev flow hash. */
#pragma once

#include "common.h"

#define JHASH_INITVAL 0xdeadbeef

static __always_inline __u32 rol32(__u32 x, int k)
{
	return (x << k) | (x >> (32 - k));
}

static __always_inline __u32 jhash_3words(__u32 a, __u32 b, __u32 c, __u32 seed)
{
	a += JHASH_INITVAL + (3 << 2) + seed;
	b += JHASH_INITVAL + (3 << 2) + seed;
	c += JHASH_INITVAL + (3 << 2) + seed;
	c ^= b;
	c -= rol32(b, 14);
	a ^= c;
	a -= rol32(c, 11);
	b ^= a;
	b -= rol32(a, 25);
	c ^= b;
	c -= rol32(b, 16);
	a ^= c;
	a -= rol32(c, 4);
	b ^= a;
	b -= rol32(a, 14);
	c ^= b;
	c -= rol32(b, 24);
	return c;
}
