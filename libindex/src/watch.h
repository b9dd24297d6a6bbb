/*
 * watch.h -- what corpus.c and watch.c share about `cvsearch watch`: a
 * search asks the watcher of its index (INDEX.sock) whether the index holds
 * every change made to the notes before the question; the watcher's own
 * syncs never ask (they are the answer).
 */
#ifndef LIDX_WATCH_H
#define LIDX_WATCH_H

#include <stdint.h>
#include "common.h"

/* files larger than this are skipped unless lidx_sync_opts says otherwise */
#define LIDX__DEFAULT_MAX_FILE (64ull << 20)

/* The identity of the index files at a path: dev, inode, size, mtime and
   ctime (ns) of the main file, then of its manifest (PATH.live; zeros when
   there is none). A watcher vouches for one identity; a search that opened
   another checks the folder itself. */
typedef struct lidx__ixid {
	uint64_t v[10];
} lidx__ixid;

void lidx__index_identity(const char *index_path, lidx__ixid *out);

/*
 * Ask the watcher of index_path, if one runs, whether the index holds the
 * notes under root (a real path) as they are now, built with max_file_bytes
 * (the effective value). 1: yes, and *id is the identity of the index it
 * vouches for; 0: no watcher, a stopped one, another folder, options or
 * engine, a watcher that could not bring the index up to date or did not
 * answer in time. Never an error: on 0 the caller checks the folder itself.
 */
int lidx__watch_ask(const char *root, const char *index_path, uint64_t max_file_bytes, lidx__ixid *id);

/* 1 if process pid is stopped (SIGSTOP, ^Z): it will not answer. */
int lidx__pid_stopped(long pid);

/* corpus.c: lidx_corpus_sync_open(), asking a watcher first only when
   ask_watcher is 1 (never in the watcher itself). With id_out, on a sync
   that leaves the index fresh, *id_out gets its identity as checked or
   written: taken under the build lock, or before the index was opened and
   after the check when no lock was taken; all zeros when the index changed
   between the two (another process wrote it: the watcher checks again) or
   the sync did not leave it fresh. */
int lidx__corpus_sync_open(const char *corpus_dir, const char *index_path, const lidx_sync_opts *opts,
                           lidx_sync_report *rep, lidx_index **out, int ask_watcher, lidx__ixid *id_out,
                           lidx_err *err);

/* corpus.c: 1 if name is the index file base or a file written beside it
   (a scan of notes that hold their index leaves them out; so do the watcher's
   events) */
int lidx__index_companion(const char *name, const char *base);

#endif
