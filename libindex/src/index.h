/*
 * index.h -- internals of an open index, shared by index_read.c (which owns
 * them), postings.c, search.c, snippet.c and match.c.
 */
#ifndef LIDX_INDEX_H
#define LIDX_INDEX_H

#include "common.h"
#include "format.h"
#include "postings.h"
#include "checksum.h"

typedef struct lidx_section {
	const uint8_t *p;
	uint64_t len;
	uint32_t crc;
	int verified;
} lidx_section;

struct lidx_index {
	int fd;
	uint8_t *map;
	size_t size;
	char *path;
	uint32_t engine_rev;
	lidx_section sec[SEC_MAX + 1];
	/* META */
	uint32_t n_stories, n_files, n_skipped, n_blocks;
	uint64_t n_terms, n_postings, n_positions, sum_title, sum_body;
	int64_t built_at;
	uint64_t build_usec;
	char *root;
	double avg_title, avg_body;
	/* FILES, parsed at open */
	lidx_file_info *files;
	char *paths;        /* their paths, NUL-terminated, one after the other */
	/* the last decompressed store blocks, cached: a search reads its hits'
	   stories to check them, then again to print them */
#define LIDX_BLOCK_CACHE 8
	uint32_t cached_block[LIDX_BLOCK_CACHE];
	uint8_t *block[LIDX_BLOCK_CACHE];
	size_t block_len[LIDX_BLOCK_CACHE];
	unsigned block_next;  /* the slot to replace next (round robin) */
	/* a flag per term whose postings passed their check (post_sum, format.h) */
	uint8_t *post_checked;
	/* SINF: stories that have a near-duplicate (0: none, or no SINF) */
	uint32_t n_grouped;
};

/* The near-duplicate group of a story (its own id if none). */
uint32_t lidx__story_group(lidx_index *ix, uint32_t id);

/* A term found in the lexicon. */
typedef struct lidx_term {
	uint64_t ord;         /* rank in byte order */
	uint32_t df;
	const uint8_t *post;  /* postings bytes */
	uint64_t post_len;
	uint32_t post_sum;    /* lidx__post_sum() of the bytes */
} lidx_term;

/* Find a term; LIDX_ENOTFOUND if absent, LIDX_ECORRUPT if the lexicon is bad. */
int lidx__term_find(lidx_index *ix, const char *term, size_t len, lidx_term *out);

/* Call fn for every term that starts with prefix (at most max terms). */
typedef int (*lidx_term_fn)(void *ctx, const char *term, size_t len, const lidx_term *t);
int lidx__term_prefix(lidx_index *ix, const char *prefix, size_t len, size_t max,
                      lidx_term_fn fn, void *ctx);

/*
 * A postings cursor. doc == UINT32_MAX when exhausted. The block it stops
 * in is decoded at once into docs/tft/tfb (a tight loop; moving to the next
 * doc is then an index step); blocks that end before a seek's target are
 * skipped by their header. Positions stay encoded until asked for.
 *
 * Block-max pruning: lidx__cursor_shallow() enters the block that could hold
 * a target by headers alone (no doc decoded, doc unchanged); then
 * block_last is the last doc that block covers ((prev_last, block_last], or
 * [0, block_last] when blk_first) and lidx__cursor_bound() reads its score
 * bound.
 *
 * What search.c reads, so what a cursor over several segments (doc ids
 * offset per segment) must keep true: doc, tf_title, tf_body; docs/tft/tfb
 * [i .. n_in_block) of the decoded block (decoded set); block_last,
 * prev_last and blk_first of the entered block; and the functions below.
 */
typedef struct lidx_cursor {
	const uint8_t *p, *end;     /* the next block's header; the list's end */
	const uint8_t *bp, *dp;     /* the entered block's bound [bp, dp) and docs [dp, pp) */
	const uint8_t *pp, *pend;   /* its positions, from doc pos_i's */
	uint32_t n_in_block, i;     /* docs decoded (0 until the block is); the current one */
	uint32_t blk_n;             /* docs in the entered block (its header) */
	uint32_t pos_i;             /* the doc of the block whose positions pp points at */
	uint32_t block_last, prev_last;
	uint32_t doc, tf_title, tf_body;
	int have_block, decoded, blk_first;
	int corrupt;
	uint32_t df;
	/* the current block, decoded (not zeroed at open) */
	uint32_t docs[LIDX_POST_BLOCK], tft[LIDX_POST_BLOCK], tfb[LIDX_POST_BLOCK];
} lidx_cursor;

/*
 * A block's score bound (format.h): docs' (tf_body, body_len) points that
 * bound every doc of the block (tf at most, length at least that of one of
 * them), and the largest tf_title with the shortest title_len of the docs
 * that have the term in the title. known == 0: the block carries none.
 */
typedef struct lidx_bound {
	int known;
	uint32_t n;
	uint32_t tfb[LIDX_BOUND_PTS], bl[LIDX_BOUND_PTS];
	uint32_t tft, tl;
} lidx_bound;

/* Open a cursor on t's postings (checks them against post_sum the first time). */
int lidx__cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c);
/* Move to the first doc >= target. 0, or LIDX_ECORRUPT. */
int lidx__cursor_seek(lidx_cursor *c, uint32_t target);
static inline int lidx__cursor_next(lidx_cursor *c)
{
	/* the next doc of a decoded block: an index step (most calls) */
	uint32_t k = c->i + 1;
	if (k < c->n_in_block && !c->corrupt && c->doc != UINT32_MAX) {
		c->i = k;
		c->doc = c->docs[k];
		c->tf_title = c->tft[k];
		c->tf_body = c->tfb[k];
		return 0;
	}
	return lidx__cursor_seek(c, c->doc == UINT32_MAX ? UINT32_MAX : c->doc + 1);
}
/*
 * Make the decoded block's doc k (c->i < k < c->n_in_block) the current one:
 * for a caller that reads docs/tft/tfb[c->i ..] a block at a time.
 */
static inline void lidx__cursor_to(lidx_cursor *c, uint32_t k)
{
	c->i = k;
	c->doc = c->docs[k];
	c->tf_title = c->tft[k];
	c->tf_body = c->tfb[k];
}
/*
 * Enter the block whose range holds target (the first that ends at or after
 * it) by headers only: the docs before target count as passed, so the next
 * seek must ask for target or later. doc is left as it was (UINT32_MAX if
 * no block is left). 0, or LIDX_ECORRUPT.
 */
int lidx__cursor_shallow(lidx_cursor *c, uint32_t target);
/* The entered block's bound into out (out->known 0 if it has none). */
int lidx__cursor_bound(lidx_cursor *c, lidx_bound *out);
/* 1 if a doc with these frequencies and field lengths is under bound b (or b is unknown). */
int lidx__bound_covers(const lidx_bound *b, uint32_t tft, uint32_t tfb, uint32_t tl, uint32_t bl);
/* Decode the current doc's positions into out (tf_body of them). */
int lidx__cursor_positions(lidx_cursor *c, uint32_t *out, uint32_t max);

/* A story's field lengths (token counts) and file. */
typedef struct lidx_docinfo {
	uint32_t file_id, line_start, line_end, title_len, body_len;
} lidx_docinfo;
int lidx__doc_info(lidx_index *ix, uint32_t doc, lidx_docinfo *out);

#endif
