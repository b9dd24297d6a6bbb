/*
 * postings.h -- the postings writer's half (postings.c): a block's score
 * bound, written by index_write.c into each block header. The cursor that
 * reads postings is declared in index.h.
 */
#ifndef LIDX_POSTINGS_H
#define LIDX_POSTINGS_H

#include "common.h"

/* At most this many (tf_body, body_len) points bound a block (format.h). */
#define LIDX_BOUND_PTS 4

/* Append a block's bound (varint(length) bound, format.h) computed from its
   n docs' frequencies (tft, tfb) and field lengths (tl, bl) to out. */
int lidx__post_bound_put(lidx_buf *out, const uint32_t *tft, const uint32_t *tfb, const uint32_t *tl,
                         const uint32_t *bl, uint32_t n);

#endif
