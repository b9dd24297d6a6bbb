/*
 * merge.h -- the runs of a bounded-memory build (merge.c): a builder over
 * its memory budget (index_write.c) writes the terms it has gathered, in
 * byte order, as a run to an unnamed temporary file; the runs are merged
 * term by term when the index is written. A run is private to the process
 * that wrote it (never named, never read by another); its grammar:
 *
 *   run   := entry*                 terms in byte order (memcmp, then length)
 *   entry := varint(term_len) term varint(df) varint(last_doc)
 *            varint(docs_len) varint(pos_len) docs[docs_len] pos[pos_len]
 *   docs  := (varint(doc - prev) varint(tf_title) varint(tf_body)){df}
 *            prev = 0 for the first doc: doc ids are the build's own
 *   pos   := (varint(pos - prev_pos){tf_body}){df}   prev_pos = 0 for each doc
 *
 * docs and pos are the builder's in-memory lists as they were (index_write.c
 * bterm), so lists of the same term from runs in story order concatenate into
 * the list a build in memory would have, once the first gap of each is
 * made relative to the previous run's last_doc.
 */
#ifndef LIDX_MERGE_H
#define LIDX_MERGE_H

#include <stdio.h>
#include "common.h"

/* One term with its postings lists (bytes as in the grammar above). */
typedef struct lidx_mterm {
	const uint8_t *term;
	size_t term_len;
	uint32_t df, last;
	const uint8_t *docs, *pos;
	size_t docs_len, pos_len;
} lidx_mterm;

/* A run being read: the entry read last (have) and the count left. */
typedef struct lidx_run {
	FILE *f;
	uint64_t n_entries, left;
	lidx_buf term, docs, pos;
	uint32_t df, last;
	int have;
	unsigned level;      /* 0: written from memory; k: a merge of runs of level k - 1 */
} lidx_run;

/*
 * An unnamed temporary file for reading and writing, in the folder of
 * beside (NULL: $TMPDIR, else /tmp): O_TMPFILE; where the file system lacks
 * it, BESIDE.run.XXXXXX (or cvsearch-run.XXXXXX) from mkstemp, removed at
 * once (close-on-exec throughout). Only a process killed between the two
 * leaves such a file: BESIDE.run.XXXXXX is swept by the next build
 * (corpus.c); $TMPDIR/cvsearch-run.XXXXXX (a builder given no index path)
 * is not. The descriptor, or LIDX_ENOMEM / LIDX_EIO (errno says why).
 */
int lidx__tmpfile(const char *beside);

/* Append one entry to a run being written. LIDX_EIO (errno says why). */
int lidx__run_put(FILE *f, const lidx_mterm *t);

/* A run of n entries written to f (lidx__run_put): the run owns f from
   now on; lidx__run_close closes it. */
void lidx__run_open(lidx_run *r, FILE *f, uint64_t n);
void lidx__run_close(lidx_run *r);

/*
 * A k-way merge of runs (in story order): each call gives the next term
 * in byte order with its lists from every run that has it, concatenated.
 * out's pointers stay valid until the next call. 1 (a term), 0 (the end),
 * LIDX_ENOMEM, LIDX_EIO, LIDX_ECORRUPT (a run that cannot be read back, or
 * a list whose last doc is not below n_docs).
 */
typedef struct lidx_merge {
	lidx_run *runs;
	size_t n;
	size_t *took;        /* the runs the last term came from (advanced next) */
	size_t n_took;
	uint32_t n_docs;     /* every doc id is below this (the build's stories) */
	lidx_buf docs, pos;
} lidx_merge;

/* Start merging runs[0 .. n) (each read from its beginning), whose doc ids
   are below n_docs; on failure too, lidx__merge_free frees m (not the runs). */
int lidx__merge_init(lidx_merge *m, lidx_run *runs, size_t n, uint32_t n_docs);
int lidx__merge_next(lidx_merge *m, lidx_mterm *out);
void lidx__merge_free(lidx_merge *m);

#endif
