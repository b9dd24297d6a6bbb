/*
 * postings.h -- the postings writer's half (postings.c): a block's score
 * bound, written by index_write.c into each block header; and the check a
 * list carries in the lexicon. The cursor that reads postings is declared
 * in index.h.
 */
#ifndef LIDX_POSTINGS_H
#define LIDX_POSTINGS_H

#include <zlib.h>
#include "common.h"

/* At most this many (tf_body, body_len) points bound a block (format.h). */
#define LIDX_BOUND_PTS 4

/* Append a block's bound (varint(length) bound, format.h) computed from its
   n docs' frequencies (tft, tfb) and field lengths (tl, bl) to out. */
int lidx__post_bound_put(lidx_buf *out, const uint32_t *tft, const uint32_t *tfb, const uint32_t *tl,
                         const uint32_t *bl, uint32_t n);

/* The check of a postings list's n bytes (post_crc, format.h): zlib's CRC32.
   Verified once per term per open index (lidx__cursor_open). */
static inline uint32_t lidx__post_crc(const uint8_t *p, uint64_t n)
{
	return n ? (uint32_t)crc32_z(0, p, (z_size_t)n) : 0;
}

#endif
