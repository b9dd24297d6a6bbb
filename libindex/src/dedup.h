/*
 * dedup.h -- near-duplicate stories: MinHash signatures made while the
 * builder analyzes a story (index_write.c), stored (SIGS) and grouped when
 * the index is written (SINF); the groups are read back by index_read.c,
 * or made again over the live stories of all segments by segset.c, and
 * used by lidx_search_dedup() (dedup.c).
 */
#ifndef LIDX_DEDUP_H
#define LIDX_DEDUP_H

#include "common.h"

#define LIDX_MH_K 32        /* hashes in a signature */
#define LIDX_MH_MIN_TOKENS 8 /* shorter stories are never near-duplicates */
#define LIDX_SIG_SIZE (LIDX_MH_K * 4) /* a signature in SIGS: K u32, all 0xff for none */

typedef struct lidx_sig {
	uint32_t story;
	uint32_t h[LIDX_MH_K];
} lidx_sig;

/* A term's hash for signatures: of its bytes, so the same in every build
   (a builder's term numbers are not: segments are grouped together). */
uint64_t lidx__mh_term_hash(const char *s, size_t n);

/* Start a signature; add the body's terms (lidx__mh_term_hash) in order; n counts them. */
void lidx__mh_init(lidx_sig *s, uint32_t story);
typedef struct lidx_mh_state {
	uint64_t p1, p2;
	uint32_t n;
} lidx_mh_state;
void lidx__mh_add(lidx_sig *s, lidx_mh_state *st, uint64_t term);

/* A signature as SIGS stores it (LIDX_SIG_SIZE bytes); s NULL: none. */
void lidx__mh_put(uint8_t *out, const lidx_sig *s);
/* 1 if a SIGS record holds a signature. */
int lidx__mh_present(const uint8_t *rec);

/*
 * root[i] := the smallest j such that signature j is a near-duplicate of
 * signature i, directly or through others (i if none), for n signatures
 * in SIGS form (sig[i] points at LIDX_SIG_SIZE bytes). The result depends
 * on the order only through the LSH rule (each signature of a band bucket
 * against the bucket's first), so callers give the stories in the order
 * of a fresh build: notes by path, then position.
 */
int lidx__mh_link(const uint8_t *const *sig, size_t n, uint32_t *root);

#endif
