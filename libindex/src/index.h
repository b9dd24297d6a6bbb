/*
 * index.h -- internals of an open index, shared by index_read.c (which owns
 * them), postings.c, search.c, snippet.c and match.c.
 */
#ifndef LIDX_INDEX_H
#define LIDX_INDEX_H

#include "common.h"
#include "format.h"
#include "postings.h"

/* segments an index may have: the main file and at most 7 more (segset.c) */
#define LIDX_MAX_SEGS 8

typedef struct lidx_segset lidx_segset;

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
	/* a flag per term whose postings passed their check (post_crc, format.h) */
	uint8_t *post_checked;
	/* search.c: the stories' BM25F length norms for the last parameters
	   the window scorer used (win_norms), NULL until then; one allocation */
	struct lidx_norms *norms;
	/* SINF: stories that have a near-duplicate (0: none, or no SINF) */
	uint32_t n_grouped;
	/* BM25's N: the stories not deleted (n_stories but for a segmented index) */
	uint32_t n_live;
	/* segset.c: the main file and the segments beside it, NULL for one
	   file. Then story ids are global (segment base + local id), files[] is
	   the merged FILES of the live files, and sec[] is unused. */
	lidx_segset *segs;
};

typedef struct lidx_norms {
	double b, b_title, w_title; /* the parameters they were made for */
	double *it, *ib;            /* per story: w_title / title norm, 1 / body norm */
	uint32_t *file_id;          /* per story */
	uint8_t *ready;             /* per window of stories (search.c): made */
} lidx_norms;

/* The near-duplicate group of a story (its own id if none). */
uint32_t lidx__story_group(lidx_index *ix, uint32_t id);
/* One file's SIGS section (LIDX_SIG_SIZE bytes a story), its CRC checked
   the first time: *out NULL if it has none; LIDX_ECORRUPT. */
int lidx__index_sigs(lidx_index *ix, const uint8_t **out);

/* One segment's postings list of a term (segmented index). */
typedef struct lidx_term_part {
	const uint8_t *post;
	uint64_t post_len, ord;
	uint32_t post_crc, seg;
} lidx_term_part;

/* A term found in the lexicon. */
typedef struct lidx_term {
	uint64_t ord;         /* rank in byte order */
	uint32_t df;          /* stories holding it (not deleted ones) */
	const uint8_t *post;  /* postings bytes */
	uint64_t post_len;
	uint32_t post_crc;    /* lidx__post_crc() of the bytes */
	/* a segmented index: the lists to chain, in segment order (0: one file) */
	uint32_t n_parts;
	lidx_term_part part[LIDX_MAX_SEGS];
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
 * [prev_last, block_last] when blk_first) and lidx__cursor_bound() reads its
 * score bound.
 *
 * Segments: a cursor chains the segments' lists (parts[]), their ids offset
 * by each segment's base. Every doc id it shows is global: doc, docs[],
 * block_last and prev_last (a list's first block has prev_last = base);
 * only the decoding inside postings.c works in local ids. Deleted stories
 * are left out of a block as it is decoded, so a decoded block may keep
 * fewer docs than its header covers, docs[n_in_block - 1] may be below
 * block_last, and a seek never stops in a block that keeps no doc at or
 * after its target. A block's bound covers all its docs, deleted ones too:
 * still an upper bound of the kept ones.
 *
 * What search.c reads, so what must stay true of every cursor: doc,
 * tf_title, tf_body; docs/tft/tfb [i .. n_in_block) of the decoded block
 * (decoded set); block_last, prev_last and blk_first of the entered block
 * (global ids; the block's ranges of two segments never overlap); and the
 * functions below.
 */
typedef struct lidx_cursor {
	const uint8_t *p, *end;     /* the next block's header; the current list's end */
	const uint8_t *bp, *dp;     /* the entered block's bound [bp, dp) and docs [dp, pp) */
	const uint8_t *pp, *pend;   /* its positions, from doc pos_i's */
	uint32_t n_in_block, i;     /* docs kept of the decoded block (0 until it is); the current one */
	uint32_t blk_n;             /* docs in the entered block (its header) */
	uint32_t pos_i;             /* the doc of the block whose positions pp points at */
	uint32_t block_last, prev_last;
	uint32_t doc, tf_title, tf_body;
	int have_block, decoded, blk_first;
	int corrupt;
	uint32_t df;
	/* segments: the lists chained after this one, each with the offset of
	   its doc ids, its deleted stories (a bitmap of local ids, NULL for
	   none) and its story count (local ids are below it); the current
	   list's are base, dead and n_ids (one file: 0, NULL, UINT32_MAX) */
	uint32_t base, n_ids, part, n_parts;
	const uint8_t *dead;
	struct { const uint8_t *p, *end, *dead; uint32_t base, n_ids; } parts[LIDX_MAX_SEGS];
	/* the current block, decoded (not zeroed at open); deleted docs are left
	   out, pskip[k] counts the positions of those just before doc k */
	uint32_t docs[LIDX_POST_BLOCK], tft[LIDX_POST_BLOCK], tfb[LIDX_POST_BLOCK];
	uint32_t pskip[LIDX_POST_BLOCK];
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

/* Open a cursor on t's postings (checks them against post_crc the first time). */
int lidx__cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c);
/* Move to the first doc >= target. 0, or LIDX_ECORRUPT. */
int lidx__cursor_seek(lidx_cursor *c, uint32_t target);
static inline int lidx__cursor_next(lidx_cursor *c)
{
	/* the next doc of a decoded block: an index step (most calls) */
	uint32_t k = c->i + 1;
	if (k < c->n_in_block && !c->corrupt && c->doc != UINT32_MAX) {
		/* (a block holds its kept docs only: none is deleted) */
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
/* A plain-English question's factor for a short story (search.c, lidx_search_opts.short_floor). */
double lidx__short_factor(const lidx_index *ix, const lidx_docinfo *di, double floor);
/* Multiply the n hits' scores by 1 - w + w P, P their query-term proximity (proximity.c). */
int lidx__prox_apply(lidx_index *ix, const lidx_query *q, double w, lidx_hit *hits, size_t n);

/* ---- segset.c: an index of several segments ---- */

/* Open one index file, without the segments beside it. */
int lidx__index_open_one(lidx_index **out, const char *path, unsigned flags, lidx_err *err);
/* Open the segments named by PATH.live beside the main file main: *out is
   main itself (no manifest, or one of another main file) or a view that
   owns it; a negative code leaves main to the caller. */
int lidx__segs_open(lidx_index *main, unsigned flags, lidx_index **out, lidx_err *err);
void lidx__segs_stats(lidx_index *ix, lidx_stats *o);
void lidx__segs_free(lidx_segset *ss);
int lidx__segs_doc_info(lidx_index *ix, uint32_t doc, lidx_docinfo *out);
int lidx__segs_story(lidx_index *ix, uint32_t id, lidx_story *out, lidx_err *err);
uint32_t lidx__segs_group(lidx_index *ix, uint32_t id);
int lidx__segs_term_find(lidx_index *ix, const char *term, size_t len, lidx_term *out);
int lidx__segs_term_prefix(lidx_index *ix, const char *prefix, size_t len, size_t max,
                           lidx_term_fn fn, void *ctx);
int lidx__segs_cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c);
int lidx__segs_check_stories(lidx_index *ix, lidx_err *err);
int lidx__segs_verify(lidx_index *ix, lidx_err *err);

#endif
