/*
 * dedup.h -- near-duplicate stories: MinHash signatures made while the
 * builder analyzes a story (index_write.c), grouped when the index is
 * written; the groups are read back by index_read.c and used by
 * lidx_search_dedup() (dedup.c).
 */
#ifndef LIDX_DEDUP_H
#define LIDX_DEDUP_H

#include "common.h"

#define LIDX_MH_K 32        /* hashes in a signature */
#define LIDX_MH_MIN_TOKENS 8 /* shorter stories are never near-duplicates */

typedef struct lidx_sig {
	uint32_t story;
	uint32_t h[LIDX_MH_K];
} lidx_sig;

/* Start a signature; add the body's terms in order; n counts them. */
void lidx__mh_init(lidx_sig *s, uint32_t story);
typedef struct lidx_mh_state {
	uint32_t p1, p2, n;
} lidx_mh_state;
void lidx__mh_add(lidx_sig *s, lidx_mh_state *st, uint32_t term);

/* group[i] := the smallest story id near-duplicate of story i (i if none),
   for n_stories stories, from n signatures sorted by story. */
int lidx__mh_groups(const lidx_sig *sigs, size_t n, uint32_t n_stories, uint32_t *group);

#endif
