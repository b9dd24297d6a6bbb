/*
 * segset.h -- the manifest of an index of several segments (PATH.live) and
 * what corpus.c needs to write one; the view itself is declared in index.h.
 * Segment files (PATH.seg.GEN) are index files of format.h's grammar. The
 * manifest (docs/FORMAT.md, "Segments"; little-endian):
 *
 *   live    := magic[8] version:u32 n_seg:u32 next_gen:u32 reserved:u32
 *              segment{n_seg} n_grouped:u32 pair{n_grouped}
 *              crc:u32                     (CRC32 of every byte before it)
 *   segment := gen:u32 n_dead:u32 size:u64 id:u32 reserved:u32
 *              dead_file:u32{n_dead}       (rising FILES ids, deleted)
 *   pair    := story:u32 group:u32         (rising global story ids: the
 *              near-duplicate groups of the live stories of all segments,
 *              as a fresh build makes them; a story not listed is alone)
 *   magic = "CVXLIVE\n", version 2, 1 <= n_seg <= 8, segment 0 is PATH
 *   (gen 0); size and id (CRC32 of the header and section table) are those
 *   of the file the manifest was written for.
 */
#ifndef LIDX_SEGSET_H
#define LIDX_SEGSET_H

#include "index.h"

#define LIDX_LIVE_MAGIC "CVXLIVE\n"
#define LIDX_LIVE_VERSION 2 /* 2: near-duplicate groups */

typedef struct lidx_manifest_seg {
	uint32_t gen;          /* 0: the main file; else PATH.seg.GEN */
	uint32_t n_dead;
	uint64_t size;         /* the segment file's size and ... */
	uint32_t id;           /* ... CRC32 of its header and section table */
	uint32_t *dead_files;  /* its deleted files (local ids, rising) */
} lidx_manifest_seg;

typedef struct lidx_manifest {
	uint32_t n, next_gen;
	lidx_manifest_seg seg[LIDX_MAX_SEGS];
	uint32_t n_grouped;    /* stories in a group, not its id: ... */
	uint32_t *gstory;      /* ... their global ids (rising) ... */
	uint32_t *ggroup;      /* ... and their group's id */
} lidx_manifest;

/* 0, LIDX_ENOTFOUND (no manifest), LIDX_ECORRUPT, LIDX_EVERSION, ... */
int lidx__manifest_read(const char *path, lidx_manifest *m, lidx_err *err);
/* Replace PATH.live by m (temporary file, fsync, rename, fsync folder). */
int lidx__manifest_write(const char *path, const lidx_manifest *m, lidx_err *err);
void lidx__manifest_clear(lidx_manifest *m);
/* The manifest of the open index (one segment, no deletions, for one file),
   without groups. */
int lidx__segs_manifest(lidx_index *ix, lidx_manifest *out);
/* Set m's near-duplicate groups: open the set m describes (PATH and its
   segments, as written) and group its live stories from their signatures
   as a fresh build would. The writer calls it before lidx__manifest_write. */
int lidx__segs_set_groups(const char *path, lidx_manifest *m, lidx_err *err);
/* What identifies a segment file's content: CRC32 of header + section table. */
uint32_t lidx__segs_file_id(lidx_index *ix);
void lidx__segs_seg_path(const char *path, uint32_t gen, char *out, size_t n);
uint32_t lidx__segs_count(lidx_index *ix);
/* The segment s of an open index (ix itself for one file). */
lidx_index *lidx__segs_seg(lidx_index *ix, uint32_t s);
/* Which segment, and which file of it, global file gfile is. */
void lidx__segs_where(lidx_index *ix, uint32_t gfile, uint32_t *seg, uint32_t *local);

#endif
