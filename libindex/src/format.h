/*
 * format.h -- the index file's byte grammar, shared by index_write.c (which
 * writes it) and index_read.c (which checks and reads it). docs/FORMAT.md
 * is the same text for people; keep the two in step.
 *
 * All integers are little-endian. varint = unsigned LEB128 (7 bits a byte,
 * low group first, high bit = more), at most 10 bytes.
 *
 *   file     := header section-table section*
 *   header   := magic[8] version:u32 n_sections:u32 file_size:u64
 *               engine_rev:u32 reserved[32] header_crc:u32     (64 bytes)
 *               engine_rev: the analyzer/segmenter revision that built it
 *               magic = 89 'C' 'V' 'X' 0D 0A 1A 0A; header_crc = CRC32 of
 *               the 60 bytes before it
 *   section-table := entry{n_sections}
 *   entry    := id:u32 crc:u32 offset:u64 length:u64            (24 bytes)
 *               crc = CRC32 (zlib) of the section's bytes; sections start
 *               on 8-byte boundaries and lie inside the file
 *
 *   META (1) := n_stories:u32 n_files:u32 n_skipped:u32 n_blocks:u32
 *               n_terms:u64 n_postings:u64 n_positions:u64
 *               sum_title_len:u64 sum_body_len:u64 built_at:i64
 *               build_usec:u64 root_len:u32 root[root_len]
 *   FILES(2) := file{n_files}
 *   file     := varint(path_len) path varint(size) varint(mtime_ns)
 *               varint(ctime_ns) varint(inode) varint(flags)
 *               varint(first_story) varint(n_stories) [hash:u64]
 *               flags: bit 0 skipped, bit 1 hash present, bits 8.. the
 *               skip reason (lidx_skip: 0 when indexed, else 1..9); hash
 *               (when bit 1) = CRC32 << 32 | Adler-32 of the bytes read, kept
 *               for a file modified within a timestamp tick of the build.
 *               Files are in path byte order; a folder that could not be
 *               opened is an entry too (reason 7), so fixing it is seen.
 *   DOCS (3) := story{n_stories}                              (32 bytes each)
 *   story    := file_id:u32 line_start:u32 line_end:u32 title_len:u32
 *               body_len:u32 block:u32 block_off:u32 rec_len:u32
 *               (title_len/body_len: token counts of the two fields)
 *   SIDX (4) := block_offset:u64{n_blocks + 1}     (offsets into STORE)
 *   STORE(5) := sblock{n_blocks}
 *   sblock   := raw_len:u32 zlib-stream    (inflates to raw_len bytes of
 *               records; zlib's adler32 guards them)
 *   record   := varint(len) title varint(len) breadcrumb varint(len) text
 *   LEXI (6) := lex_block_offset:u64{ceil(n_terms / 16)} (offsets into LEXT)
 *   LEXT (7) := lexentry{n_terms}, terms in byte order, front-coded within
 *               blocks of 16 (the first of a block has prefix 0)
 *   lexentry := varint(prefix) varint(suffix_len) suffix varint(df)
 *               varint(post_offset) varint(post_len) post_crc:u32
 *               post_crc: zlib's CRC32 of the list's bytes
 *   POST (8) := the postings lists, one after another
 *   postings := pblock+                       (one list per term, df docs)
 *   pblock   := varint(n_docs <= 128) varint(last_doc - prev_last)
 *               varint(doc_bytes) varint(pos_bytes) varint(bound_bytes)
 *               bound docs positions
 *   bound    := empty (no bound: a reader uses the term's global one) |
 *               varint(n_pts <= 4) (varint(tf_body) varint(body_len)){n_pts}
 *               varint(max_tf_title) [varint(min_title_len) if max_tf_title > 0]
 *               the points bound every doc of the block that has the term in
 *               its body (tf_body at most, body_len at least a point's: the
 *               Pareto front, neighbours merged down to 4); min_title_len is
 *               over the docs that have it in the title. Block-max pruning.
 *   docs     := (varint(doc - prev_doc) varint(tf_title) varint(tf_body)){n_docs}
 *               prev_doc starts at the previous block's last doc (0 at first)
 *   positions:= (varint(pos - prev_pos){tf_body}){n_docs}, prev_pos = 0 per doc
 *   SINF (9) := sinfo{n_stories}                               (8 bytes each)
 *   sinfo    := flags:u32 group:u32
 *               flags: LIDX_STORY_* (1 only links, 2 a template: such a
 *               story has no postings); group: the smallest story id of
 *               its set of near-duplicates (its own id if it has none).
 *               Optional for a reader: an index without it has no flags
 *               and no near-duplicates.
 *   SIGS(10) := sig{n_stories}                              (128 bytes each)
 *   sig      := h:u32{32}   the story's MinHash signature (word 3-shingles,
 *               words hashed by their bytes: dedup.c), all 0xffffffff for
 *               a story without one (short, links, template, not a note).
 *               What an index of several segments groups near-duplicates
 *               from, over the live stories of all (segset.c). Optional for
 *               a reader (then only SINF's groups); its CRC is checked when
 *               first used, as POST's. Not written when no story has a
 *               signature.
 *
 * An index updated in place is this file plus segment files of the same
 * grammar and a manifest naming them (segset.h, FORMAT.md "Segments").
 *
 * A reader checks the header and every section's CRC except POST's and
 * STORE's at open (all of them with LIDX_OPEN_VERIFY); a postings list is
 * checked against its post_crc when first read (once per open index), a store block by zlib.
 */
#ifndef LIDX_FORMAT_H
#define LIDX_FORMAT_H

#define LIDX_MAGIC "\x89" "CVX\r\n\x1a\n"
#define LIDX_FORMAT_VERSION 4 /* 2: FILES holds ctime, inode, skip reason, content hash; 3: a score bound per postings block; 4: SIGS */
/* Bump when segmentation or analysis changes what gets indexed: an index
 * built by another revision is rebuilt (it reads fine, but is stale). */
#define LIDX_ENGINE_REV 10 /* 3: irregular verbs; 4: question headings, noise; 5: noise in fences; 6: outline sections split; 7: two blank lines close plain headings; 8: but not a question; 9: front matter, org-mode, dated items, e-mail, links and templates, near-duplicates; 10: stemkeep.c (customers, developers, providers kept apart) */
#define LIDX_HEADER_SIZE 64
#define LIDX_ENTRY_SIZE 24
#define LIDX_DOC_SIZE 32
#define LIDX_META_FIXED 76
#define LIDX_LEX_BLOCK 16
#define LIDX_POST_BLOCK 128
#define LIDX_STORE_BLOCK (16 * 1024)

enum {
	SEC_META = 1,
	SEC_FILES = 2,
	SEC_DOCS = 3,
	SEC_SIDX = 4,
	SEC_STORE = 5,
	SEC_LEXI = 6,
	SEC_LEXT = 7,
	SEC_POST = 8,
	SEC_SINFO = 9,
	SEC_SIGS = 10, /* near-duplicate signatures (format 4) */
	SEC_MAX = 10
};

#endif
