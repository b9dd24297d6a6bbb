/*
 * checksum.h -- XXH64 (Yann Collet's xxHash, 64-bit variant, as specified in
 * xxHash's doc/xxhash_spec.md), used to check a postings list the first time
 * it is read: about a sixth of zlib's crc32 instructions per byte.
 */
#ifndef LIDX_CHECKSUM_H
#define LIDX_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 of p[0 .. n) with seed. */
uint64_t lidx__xxh64(const void *p, size_t n, uint64_t seed);

/* The 32-bit check a postings list carries (format.h): XXH64's low half. */
static inline uint32_t lidx__post_sum(const uint8_t *p, uint64_t n)
{
	return (uint32_t)lidx__xxh64(p, (size_t)n, 0);
}

#endif
