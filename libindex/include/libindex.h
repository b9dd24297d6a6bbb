/*
 * libindex.h -- the public interface of libindex, the engine behind cvsearch.
 *
 * libindex turns a folder of career notes into "stories" (a section with a
 * title, a heading path, a file and a line range), indexes them in a single
 * versioned file, and ranks them with BM25F for a query.
 *
 * Data path:  notes -> lidx_segment() -> lidx_analyze() -> lidx_builder_*()
 *             -> index file -> lidx_index_open() -> lidx_search() -> snippets
 *
 * Conventions (after LMDB and libgit2):
 *  - Every fallible function returns 0 or a negative LIDX_E* code. Where a
 *    lidx_err is passed, a one-line human message is written into it.
 *  - Constructors take the out-parameter first, set *out to NULL on failure
 *    and leave nothing allocated.
 *  - Destructors (*_free, *_close) accept NULL.
 *  - Text is passed as (pointer, length) and need not be NUL-terminated.
 *    Text may be invalid UTF-8: it is never rejected, bad bytes separate words.
 *  - The library never prints, never exits and never aborts on bad input or
 *    out-of-memory; broken internal invariants are assert()s.
 *  - Handles are not thread-safe; use one handle per thread.
 */
#ifndef LIBINDEX_H
#define LIBINDEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIDX_VERSION_STRING "0.1.0"

/* ----------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/** Return codes. */
enum {
	LIDX_OK = 0,
	LIDX_ENOMEM = -1,   /**< an allocation failed */
	LIDX_EIO = -2,      /**< a read, write, rename or fsync failed */
	LIDX_ECORRUPT = -3, /**< an index file is damaged (bad magic, CRC, bounds) */
	LIDX_EVERSION = -4, /**< an index file of another format version */
	LIDX_EINVAL = -5,   /**< an argument is out of range */
	LIDX_ETOOBIG = -6,  /**< an input exceeds a documented limit */
	LIDX_ESYNTAX = -7,  /**< a query is malformed */
	LIDX_ENOTFOUND = -8,/**< no such file, story or index */
	LIDX_EEMPTY = -9,   /**< the input has nothing to index or search */
	LIDX_ELOCKED = -10, /**< another process holds the build lock */
	LIDX_EUNSAFE = -11, /**< a file or folder another user owns or can write:
	                         not trusted (the index's folder, file or lock) */
	LIDX_ENOTSUP = -12  /**< not supported here: watching a folder on a system
	                         without inotify, or on a network file system */
};

/** A message buffer that fallible functions fill in when given one. */
typedef struct lidx_err {
	int code;       /**< the LIDX_E* code of the last failure */
	char msg[512];  /**< one line, no trailing newline */
} lidx_err;

/** A static English description of a LIDX_E* code. */
const char *lidx_strerror(int code);

/* ----------------------------------------------------------------------
 * Analysis: UTF-8 text -> normalized, stemmed terms with positions.
 * ---------------------------------------------------------------------- */

typedef struct lidx_analyzer lidx_analyzer;

/** Token flags. */
enum {
	LIDX_TOK_PART = 1,  /**< a part of a compound (node.js -> node, js) */
	LIDX_TOK_WHOLE = 2, /**< the compound as one term (nodejs, c#, $20m), at
	                        the position of its first part */
	LIDX_TOK_STOP = 4   /**< only reported with LIDX_ANALYZE_STOPWORDS */
};

/** One token, valid only during the callback. */
typedef struct lidx_token {
	const char *term;  /**< normalized (and stemmed) term, NUL-terminated */
	size_t term_len;
	size_t start, end; /**< byte range of the source word in the input */
	uint32_t pos;      /**< word position; stop words use one too */
	unsigned flags;    /**< LIDX_TOK_* */
	uint32_t word_id;  /**< the analyzer's dense id (0, 1, ...) of the normalized
	                        word: for one analyzer, equal ids mean equal terms, so
	                        a caller can cache per word (the index builder does).
	                        LIDX_NO_WORD_ID when the word was not cached. */
} lidx_token;

#define LIDX_NO_WORD_ID UINT32_MAX

/** Analyzer options for lidx_analyze(). */
enum {
	LIDX_ANALYZE_NOSTEM = 1,    /**< skip stemming (raw normalized forms) */
	LIDX_ANALYZE_STOPWORDS = 2  /**< report stop words too, flagged LIDX_TOK_STOP */
};

/** Token callback; a non-zero return stops analysis and is returned. */
typedef int (*lidx_token_fn)(void *ctx, const lidx_token *tok);

/** Create an analyzer (English Snowball stemmer, English stop words). */
int lidx_analyzer_new(lidx_analyzer **out);
void lidx_analyzer_free(lidx_analyzer *a);

/**
 * Split text into tokens and call fn for each, in order.
 * @param[in] first_pos  position given to the first word
 * @param[out] next_pos  if not NULL, the position after the last word
 * @return 0, a negative LIDX_E* code, or fn's non-zero return.
 */
int lidx_analyze(lidx_analyzer *a, const char *text, size_t len, unsigned opts,
                 uint32_t first_pos, lidx_token_fn fn, void *ctx, uint32_t *next_pos);

/** 1 if the normalized word (lower case, unstemmed) is a stop word. */
int lidx_is_stopword(const char *word, size_t len);

/* ----------------------------------------------------------------------
 * Segmentation: one notes file -> stories.
 * ---------------------------------------------------------------------- */

/** What a file looks like, decided from its content. */
enum {
	LIDX_FMT_PLAIN = 0,
	LIDX_FMT_MARKDOWN = 1,
	LIDX_FMT_LOGSEQ = 2,
	LIDX_FMT_ORG = 3
};

/** Why a story is kept out of search results (lidx_seg_story.flags,
    lidx_story.flags). Such a story is listed and shown, but not indexed. */
enum {
	LIDX_STORY_LINKS = 1,    /**< nothing but links under a heading (a map of notes) */
	LIDX_STORY_TEMPLATE = 2  /**< a template: {{title}}, <% tp. %>, a Logseq template:: block */
};

/** One story of a file. Strings are owned by the lidx_segments. */
typedef struct lidx_seg_story {
	char *title;          /**< heading text, cleaned of markup */
	char *breadcrumb;     /**< ancestors' titles joined by " > " ("" if none) */
	uint32_t line_start;  /**< 1-based, inclusive */
	uint32_t line_end;    /**< 1-based, inclusive */
	size_t byte_start;    /**< byte range in the text given to lidx_segment */
	size_t byte_end;
	unsigned flags;       /**< LIDX_STORY_*: 0 for a story that is searched */
} lidx_seg_story;

typedef struct lidx_segments {
	lidx_seg_story *stories;
	size_t n_stories;
	int format;           /**< LIDX_FMT_* */
	char *text;           /**< the text with noise lines (collapsed:: true,
	                           id:: ...) blanked, same length and line
	                           numbers as the input; what gets indexed */
	size_t text_len;
	char *meta;           /**< words that apply to every story of the file,
	                           indexed with each story's title: the title, tags
	                           and aliases of YAML front matter or org-mode
	                           #+TITLE/#+FILETAGS, then the file name; NULL if
	                           the file declares none */
} lidx_segments;

/**
 * Segment a notes file into stories. A UTF-8 BOM is skipped, CRLF is
 * accepted, any byte sequence is accepted. An empty or blank text gives
 * zero stories.
 * @param[in] name  the file name, used as a title where a file has no heading
 */
int lidx_segment(const char *text, size_t len, const char *name,
                 lidx_segments *out, lidx_err *err);
void lidx_segments_free(lidx_segments *s);

/* ----------------------------------------------------------------------
 * Building an index file.
 * ---------------------------------------------------------------------- */

typedef struct lidx_builder lidx_builder;
/** A file recorded in an index (defined with the reading functions). */
typedef struct lidx_file_info lidx_file_info;

/** Create an empty builder. */
int lidx_builder_new(lidx_builder **out);
void lidx_builder_free(lidx_builder *b);

/**
 * Register a source file; stories added after it belong to it.
 * @param[in] path   the path relative to the corpus root (any bytes)
 * @param[in] size, mtime_ns  as stat() gave them, for freshness checks
 * @param[in] skipped  non-zero for a file that was seen but not indexed
 *                     (binary, unreadable), so that it is not seen as new
 *                     on the next run
 */
int lidx_builder_add_file(lidx_builder *b, const char *path, uint64_t size,
                          int64_t mtime_ns, int skipped);

/**
 * Register a source file with everything the freshness check compares:
 * fi->path, size, mtime_ns, ctime_ns, ino, skipped, skip_reason, hashed and
 * hash are used (first_story and n_stories are ignored).
 */
int lidx_builder_add_file_info(lidx_builder *b, const lidx_file_info *fi);

/**
 * Add one story to the current file.
 * @param[in] text  the story's text (what is indexed and shown)
 */
int lidx_builder_add_story(lidx_builder *b, const char *title, const char *breadcrumb,
                           uint32_t line_start, uint32_t line_end,
                           const char *text, size_t len);

/** Convenience: segment a whole file and add its stories. */
int lidx_builder_add_text(lidx_builder *b, const char *text, size_t len,
                          const char *name, lidx_err *err);

/** The default memory budget of a builder: 64 MiB. */
#define LIDX_BUILD_MEMORY ((size_t)64 << 20)

/**
 * Bound the memory a builder holds (default LIDX_BUILD_MEMORY). Past
 * max_bytes (the term table, postings, the analyzer's word cache, story
 * text) it writes the terms gathered so far, sorted, as a run to a
 * temporary file and frees them, and keeps the story text in a temporary
 * file too (once it passes a quarter of max_bytes, with or without a run);
 * lidx_builder_write() merges the runs into the same index file a build in
 * memory writes (byte for byte). The temporary files are unnamed (O_TMPFILE;
 * else named and removed at once): nothing is left behind, whatever stops
 * the build. Not bounded: what stays per story (40 bytes, 172 with a
 * near-duplicate signature) and per file (its path); in
 * lidx_builder_write(), the lexicon's block index (8 bytes per 16 terms),
 * the entry each run is at, the longest merged term list with its encoded
 * copy, and the near-duplicate grouping (12 bytes per signature). A failed
 * temporary file is LIDX_EIO with a message naming its folder and errno.
 * @param[in] max_bytes   0: no bound (everything in memory until written)
 * @param[in] index_path  the file the builder will write: temporary files
 *                        go in its folder; NULL: $TMPDIR, else /tmp
 * @return 0 or LIDX_ENOMEM.
 */
int lidx_builder_set_memory(lidx_builder *b, size_t max_bytes, const char *index_path);
/** The runs b has written so far (0: all in memory). */
uint32_t lidx_builder_runs(const lidx_builder *b);

/** Record the corpus root stored in the index (informational). */
int lidx_builder_set_root(lidx_builder *b, const char *root);

/**
 * Write the index to path atomically: a temporary file in the same folder
 * (mode 0600), fsync, rename, fsync of the folder. On failure the file at
 * path is left as it was. A builder that wrote runs (lidx_builder_set_memory)
 * merges them here. More stories may be added after a write, for another.
 */
int lidx_builder_write(lidx_builder *b, const char *path, lidx_err *err);

/* ----------------------------------------------------------------------
 * Reading an index file.
 * ---------------------------------------------------------------------- */

typedef struct lidx_index lidx_index;

/** Verify every section's CRC on open, even the large ones. */
#define LIDX_OPEN_VERIFY 1

/**
 * Open an index file read-only through mmap. Small sections are checked at
 * open (magic, version, CRC32); postings are checked per term when first
 * read and story text by zlib's checksum when decompressed.
 *
 * The file must be a regular file (a symbolic link is refused), belong to
 * the user or root, and be writable by no one else: LIDX_EUNSAFE otherwise,
 * since a forged index would print forged stories.
 *
 * @note The file is mapped: if another program truncates it in place while
 * it is open (`cp other.cvx` onto it; cvsearch itself only ever replaces an
 * index by rename), reading the lost pages raises SIGBUS. A program that
 * must survive that catches SIGBUS (the cvsearch CLI does: it prints "the
 * index changed underneath" and exits 2; the next run rebuilds it).
 */
int lidx_index_open(lidx_index **out, const char *path, unsigned flags, lidx_err *err);
void lidx_index_close(lidx_index *ix);

typedef struct lidx_stats {
	uint32_t n_stories;        /**< stories searched (deleted ones of a segmented
	                                index left out) */
	uint32_t n_files;          /**< files indexed (not counting skipped) */
	uint32_t n_skipped;        /**< files seen but not indexed */
	uint64_t n_terms;
	uint64_t n_postings;       /**< (term, story) pairs */
	uint64_t n_positions;
	uint64_t index_bytes;
	uint64_t postings_bytes;
	uint64_t store_bytes;
	double build_seconds;
	int64_t built_at;          /**< Unix time */
	double avg_title_len, avg_body_len;
	uint32_t n_segments;       /**< index files: 1, or the main file and the
	                                segments an update wrote beside it (n_terms,
	                                n_postings, n_positions are then summed over
	                                them, deleted stories included) */
} lidx_stats;

int lidx_index_stats(lidx_index *ix, lidx_stats *out);

/** The corpus root recorded at build time ("" if none). */
const char *lidx_index_root(lidx_index *ix);

/** Why a file (or folder) of the notes was seen but not indexed. */
typedef enum lidx_skip {
	LIDX_SKIP_NONE = 0,
	LIDX_SKIP_UNREADABLE = 1,  /**< open() failed (permissions): chmod fixes it */
	LIDX_SKIP_NOT_REGULAR = 2, /**< a FIFO, device or socket */
	LIDX_SKIP_TOO_BIG = 3,     /**< over lidx_sync_opts.max_file_bytes */
	LIDX_SKIP_BINARY = 4,      /**< NUL bytes */
	LIDX_SKIP_PDF = 5,         /**< a PDF: export it to text */
	LIDX_SKIP_CHANGED = 6,     /**< changed, replaced or failed while read: read again next sync */
	LIDX_SKIP_FOLDER = 7,      /**< a folder that could not be opened */
	LIDX_SKIP_OUTSIDE = 8,     /**< a symbolic link out of the notes folder */
	LIDX_SKIP_OTHER = 9
} lidx_skip;

/** A few words for a lidx_skip reason ("unreadable", "binary", ...). */
const char *lidx_skip_name(int reason);

/**
 * A file recorded in the index: what stat() said when it was read (the
 * freshness check compares size, mtime, ctime and inode), whether and why
 * it was skipped, and its stories.
 */
struct lidx_file_info {
	const char *path;   /**< relative to the corpus root; valid while ix is open */
	uint64_t size;
	int64_t mtime_ns;
	int skipped;
	uint32_t first_story, n_stories;
	int64_t ctime_ns;   /**< status change: a chmod that makes a skipped file
	                         readable changes it, where size and mtime do not */
	uint64_t ino;       /**< inode: a file replaced by another of the same
	                         size and mtime (editors that rename) */
	int skip_reason;    /**< lidx_skip, when skipped */
	int hashed;         /**< 1 if hash holds a checksum of the content: the
	                         file was modified within a timestamp tick of the
	                         build, so an edit just after the read might leave
	                         size and times as they were (racy git) */
	uint64_t hash;      /**< CRC32 << 32 | Adler-32 of the bytes read */
};

uint32_t lidx_index_file_count(lidx_index *ix);
int lidx_index_file(lidx_index *ix, uint32_t i, lidx_file_info *out);

/** One story, decompressed. Free with lidx_story_clear(). */
typedef struct lidx_story {
	uint32_t id;
	uint32_t file_id;
	const char *path;       /**< points into the index */
	uint32_t line_start, line_end;
	char *title, *breadcrumb, *text;
	size_t text_len;
	unsigned flags;         /**< LIDX_STORY_*: why it is not searched (0: it is) */
	uint32_t group;         /**< the id of the first of its near-duplicate
	                             stories in the notes' order (path, then line):
	                             the smallest id in an index of one file; its
	                             own id if it has none */
} lidx_story;

/**
 * Story ids run from 0 to this count - 1. An index updated by segments
 * (lidx_corpus_sync) keeps the ids of its changed files' old stories:
 * lidx_index_story() says LIDX_ENOTFOUND for those, and no search returns
 * them (lidx_stats.n_stories counts the others).
 */
uint32_t lidx_index_story_count(lidx_index *ix);
int lidx_index_story(lidx_index *ix, uint32_t id, lidx_story *out, lidx_err *err);
void lidx_story_clear(lidx_story *s);

/**
 * Find the story of file path (relative to the root, or a suffix of it)
 * that contains line. Returns LIDX_ENOTFOUND if none.
 */
int lidx_index_find_story(lidx_index *ix, const char *path, uint32_t line, uint32_t *id_out);

/**
 * Check the CRC of the whole story store (once per handle; at open already
 * when the index is under 4 MiB). After it returns 0 the story text read by
 * lidx_index_story() is as written: a caller about to read every story
 * checks it with this, faster than decompressing it all twice. Returns
 * LIDX_ECORRUPT when the store is damaged.
 */
int lidx_index_check_stories(lidx_index *ix, lidx_err *err);

/** Check every section's CRC and every postings list (slow on big indexes). */
int lidx_index_verify(lidx_index *ix, lidx_err *err);

/* ----------------------------------------------------------------------
 * Queries and ranking.
 * ---------------------------------------------------------------------- */

typedef struct lidx_query lidx_query;

/**
 * Ranking parameters of BM25F (Robertson, Zaragoza & Taylor 2004; BM25 as in
 * Robertson & Zaragoza 2009). Zero-initialize and call lidx_search_defaults().
 */
typedef struct lidx_search_opts {
	double k1;        /**< term-frequency saturation (default 1.2) */
	double b;         /**< body length normalization (default 0.75) */
	double b_title;   /**< title length normalization (default 0.5) */
	double w_title;   /**< weight of a title/breadcrumb occurrence (default 2.5) */
	int coord;        /**< 1: multiply by the share of query groups matched */
	double short_floor; /**< plain-English questions: a story shorter than this share
	                       of the average story scores in proportion to its length
	                       (default 1/3; 0: off). Keyword queries are not affected */
	double prox;      /**< plain-English questions: weight w of the proximity P in
	                       [0, 1) of the query's groups in a story (Büttcher, Clarke
	                       & Lushman 2006; proximity.c): the score is multiplied by
	                       1 - w + w P (default 0.15; 0: off) */
	double prox_keywords; /**< the same for other queries of 2 to 20 groups (default
	                           0: off; 0.5 lifts Cranfield's nDCG@10 from 0.3714 to
	                           0.3823 but costs keyword queries 4.6x the instructions
	                           of a search, docs/ANALYSIS.md). lidx_match_search()
	                           and coverage use none */
	size_t limit;     /**< how many results to keep (default 10) */
	int algo;         /**< LIDX_ALGO_*: how to walk the postings (same results) */
} lidx_search_opts;

/** Search algorithms: the same ranking, different speed (tests compare them). */
enum {
	LIDX_ALGO_AUTO = 0,     /**< windows when they apply (coord off, no exclusions),
	                             else MaxScore */
	LIDX_ALGO_MAXSCORE = 1, /**< document at a time, MaxScore pruning */
	LIDX_ALGO_WINDOWS = 2,  /**< term at a time in windows of stories, MaxScore across
	                             windows and block-max skipping (no coord, no
	                             exclusions: else MaxScore) */
	LIDX_ALGO_EXHAUSTIVE = 3 /**< windows scoring every posting: the reference the
	                              others are tested against; exact total */
};

void lidx_search_defaults(lidx_search_opts *o);

/** Query parse flags. */
enum {
	LIDX_QUERY_RAW = 1  /**< no operators: quotes, -, OR, * and field: are
	                         ordinary text (batch mode, job descriptions) */
};

/**
 * Parse a query: words, "exact phrase", -excluded, a OR b, prefix*,
 * file:substring. Plain-English questions ("Tell me about a time you ...")
 * lose their question framing words. Returns LIDX_ESYNTAX with a message
 * for malformed input, LIDX_EEMPTY for a query with no searchable word.
 */
int lidx_query_parse(lidx_query **out, lidx_index *ix, lidx_analyzer *an,
                     const char *text, size_t len, unsigned flags, lidx_err *err);
void lidx_query_free(lidx_query *q);

/** A printable form of the parsed query (for --explain); owned by q. */
const char *lidx_query_describe(lidx_query *q);

/** Number of groups (things asked for) in q; see lidx_explain(). */
size_t lidx_query_group_count(lidx_query *q);
/** What the user wrote for group g (owned by q). */
const char *lidx_query_group_label(lidx_query *q, size_t g);
/** 1 if group g is an -excluded one. */
int lidx_query_group_negated(lidx_query *q, size_t g);

typedef struct lidx_hit {
	uint32_t story;
	double score;
} lidx_hit;

typedef struct lidx_results {
	lidx_hit *hits;       /**< best first */
	size_t n_hits;
	uint64_t total;       /**< stories that matched at all (see total_exact) */
	int total_exact;      /**< 1: total counts every matching story. 0: total is
	                           a lower bound: MaxScore stopped reading the postings
	                           of words that could no longer lift a story into the
	                           top opts->limit (a query of two or more words with
	                           more matches than limit), so stories that have only
	                           those words were not counted. The window scorer
	                           (LIDX_ALGO_WINDOWS) prunes the same way across
	                           windows, and also passes whole postings blocks
	                           whose score bound cannot reach the top (so even
	                           a one-word query's total can be a lower bound);
	                           LIDX_ALGO_EXHAUSTIVE always counts all.
	                           For lidx_match_search() see there. */
	lidx_hit *dups;       /**< lidx_search_dedup(): near-duplicates of the hits,
	                           left out of hits, best first (NULL otherwise) */
	uint32_t *dup_of;     /**< dups[i] is a near-duplicate of hits[dup_of[i]] */
	size_t n_dups;
} lidx_results;

/** Rank stories for q; fills res (free with lidx_results_clear()). */
int lidx_search(lidx_index *ix, lidx_query *q, const lidx_search_opts *opts,
                lidx_results *res, lidx_err *err);
void lidx_results_clear(lidx_results *res);

/**
 * lidx_search(), with near-duplicate stories collapsed: of stories that
 * the builder found to be near-duplicates (MinHash of their word 3-shingles,
 * estimated Jaccard >= 0.7: a block pasted into two notes, a few words
 * edited), only the best ranked is a hit; the others that matched are in
 * res->dups, each with the hit it duplicates. Up to opts->limit hits.
 */
int lidx_search_dedup(lidx_index *ix, lidx_query *q, const lidx_search_opts *opts,
                      lidx_results *res, lidx_err *err);

/**
 * Why story scored what it did: per_group[g] (lidx_query_group_count(q)
 * entries) receives group g's contribution before the coord factor, *total
 * the final score.
 */
int lidx_explain(lidx_index *ix, lidx_query *q, const lidx_search_opts *opts, uint32_t story,
                 double *per_group, double *total);

/* ----------------------------------------------------------------------
 * Snippets.
 * ---------------------------------------------------------------------- */

typedef struct lidx_span { uint32_t start, end; } lidx_span;

typedef struct lidx_snippet {
	char *text;          /**< one passage of the story, trimmed (raw bytes) */
	size_t len;
	uint32_t line;       /**< 1-based file line where the passage starts */
	lidx_span *marks;    /**< byte ranges of matched words within text */
	size_t n_marks;
} lidx_snippet;

/**
 * The passage of story s that best shows why it matched q, at most
 * max_bytes long (about, rounded to whole words).
 */
int lidx_snippet_make(lidx_index *ix, lidx_analyzer *an, lidx_query *q,
                      const lidx_story *s, size_t max_bytes, lidx_snippet *out);
void lidx_snippet_clear(lidx_snippet *sn);

/**
 * Mark every occurrence of a query term in text (for `show`): fills marks
 * with byte ranges; free with lidx_free().
 */
int lidx_highlight(lidx_analyzer *an, lidx_query *q, const char *text, size_t len,
                   lidx_span **marks, size_t *n_marks);

/* ----------------------------------------------------------------------
 * Corpora: a folder of notes kept in sync with its index file.
 * ---------------------------------------------------------------------- */

/** Progress callback for long work: done out of total files. */
typedef void (*lidx_progress_fn)(void *ctx, size_t done, size_t total, const char *path);
/** Warning callback: one line about a file that was skipped or decoded. */
typedef void (*lidx_warn_fn)(void *ctx, const char *path, const char *what);

typedef struct lidx_sync_opts {
	int force;                /**< rebuild even if the index is fresh */
	lidx_progress_fn progress;
	lidx_warn_fn warn;
	void *ctx;
	uint64_t max_file_bytes;  /**< larger files are skipped (default 64 MiB) */
	size_t max_memory;        /**< a build's memory budget in bytes (0: LIDX_BUILD_MEMORY,
	                               SIZE_MAX: none; see lidx_builder_set_memory) */
} lidx_sync_opts;

typedef struct lidx_sync_report {
	int rebuilt;              /**< 1 if a new index was written */
	int updated;              /**< 1 if only the changed files were: a
	                               segment beside the index (rebuilt is 1 too) */
	int was_corrupt;          /**< 1 if the old index could not be read */
	int stale;                /**< 1 if the notes changed but the index could
	                               not be rebuilt (disk full, read-only or
	                               locked by a stopped builder, a folder that
	                               could not be read): the previous index, which
	                               is complete, is to be used; why says why */
	char why[256];            /**< one line, when stale is 1 */
	uint32_t n_files, n_skipped;
	uint32_t n_added, n_changed, n_deleted;
	uint32_t n_stories;
	double seconds;
	uint32_t n_runs;          /**< runs the build wrote to temporary files and
	                               merged (0: it fitted its memory budget) */
	int watched;              /**< 1 if a live watcher (lidx_watch_open) vouched
	                               for the index: the folder was not walked */
} lidx_sync_report;

/**
 * Where the index of corpus_dir lives: $CVSEARCH_INDEX_DIR, else
 * $XDG_CACHE_HOME/cvsearch, else ~/.cache/cvsearch; the file name is the
 * corpus folder's name and a hash of its real path. *out is malloc'd.
 */
int lidx_corpus_index_path(const char *corpus_dir, char **out, lidx_err *err);

/**
 * Bring the index at index_path up to date with corpus_dir: files added,
 * changed (size or mtime) or deleted since the index was built cause a
 * rebuild; an unreadable or corrupt index is rebuilt. Builders serialize on
 * an exclusive lock (index_path + ".lock", which holds the builder's pid).
 *
 * Never waits forever: a builder that holds the lock is waited for at most
 * about 10 s when a previous index can be served (about 2 min with
 * opts->force or when there is no index yet), and not at all when it is
 * stopped (SIGSTOP, Ctrl-Z). When the
 * index cannot be rebuilt -- lock held, disk full, out of inodes, folder
 * read-only, a notes folder that could not be read for a passing reason
 * (too many open files) -- and a complete previous index of this folder
 * exists, returns 0 with rep->stale = 1 and rep->why: use that index and
 * say it is out of date. With opts->force (an explicit rebuild) these are
 * errors instead (LIDX_ELOCKED, LIDX_EIO).
 *
 * The index's folder must belong to the user (or root) and be writable by
 * no one else (LIDX_EUNSAFE otherwise); the index and lock files are opened
 * without following symbolic links and checked the same way.
 *
 * Unless opts->force, a watcher of index_path (lidx_watch_open(), below) is
 * asked first: when it vouches for the index, the folder is not walked and
 * rep->watched is 1 (rep->n_added, n_changed, n_deleted are 0).
 */
int lidx_corpus_sync(const char *corpus_dir, const char *index_path,
                     const lidx_sync_opts *opts, lidx_sync_report *rep, lidx_err *err);

/**
 * lidx_corpus_sync(), which also hands over the index it checked when that
 * one was fresh: *out is then that index, open as lidx_index_open(path, 0)
 * opens it (the caller closes it), which saves opening and checking it a
 * second time; else *out is NULL (rebuilt, stale, or an error) and the
 * caller opens the index itself. out may be NULL.
 */
int lidx_corpus_sync_open(const char *corpus_dir, const char *index_path,
                          const lidx_sync_opts *opts, lidx_sync_report *rep, lidx_index **out,
                          lidx_err *err);

/* ----------------------------------------------------------------------
 * Watching a corpus: `cvsearch watch` (watch.c; Linux inotify).
 *
 * The freshness check of lidx_corpus_sync() stats every note (about 1.3 us
 * of kernel time each). A watcher is a long-running process that watches
 * every folder of the notes with inotify, brings the index up to date after
 * each change (lidx_corpus_sync(): the same check and segment updates), and
 * answers on a socket beside the index (index_path + ".sock"). Before it
 * walks the folder, lidx_corpus_sync() asks that socket; the watcher first
 * reads every event queued -- the kernel queues an event before the call
 * that changed the file returns, so every change made before the question
 * is among them -- brings the index up to date if any, and says yes only
 * then. On yes the sync opens the index without walking the folder
 * (rep->watched = 1); on anything else (no watcher, a killed or stopped one,
 * another folder or engine, a watcher that could not watch every folder or
 * update the index, no answer within 10 s) it checks the folder as always.
 *
 * Not seen by inotify, so not by a watcher: writes through a shared mmap,
 * and writes through a hard link from outside the notes folder. Network
 * file systems (NFS, SMB, FUSE, ...) are refused: inotify does not see the
 * changes other machines make. A mount or unmount anywhere makes the
 * watcher walk the folders again.
 * ---------------------------------------------------------------------- */

typedef struct lidx_watcher lidx_watcher;

/**
 * Told after each of the watcher's syncs (rep: its report; rc: its return,
 * msg: the error or the reason the index is stale, else NULL), and with rep
 * NULL for a note about the watching itself (msg: e.g. more folders than
 * fs.inotify.max_user_watches allows; searches then check the folder).
 */
typedef void (*lidx_watch_log_fn)(void *ctx, int rc, const lidx_sync_report *rep, const char *msg);

typedef struct lidx_watch_opts {
	lidx_sync_opts sync;      /**< options of the watcher's syncs (force is ignored);
	                               sync.ctx is also log's ctx */
	lidx_watch_log_fn log;    /**< may be NULL */
} lidx_watch_opts;

/**
 * Start watching corpus_dir for the index at index_path: take the watcher's
 * lock (index_path + ".watch", holding the pid; LIDX_ELOCKED when another
 * watcher has it), watch every folder a sync walks (hidden ones, node_modules
 * and logseq/bak left out, links inside the notes followed), bring the index
 * up to date, and listen on index_path + ".sock" (mode 0600; only processes
 * of the same user, or root, are answered). LIDX_ENOTSUP on a system
 * without inotify or for a notes folder on a network file system; LIDX_EIO
 * when inotify refuses (fs.inotify.max_user_watches or max_user_instances,
 * said in err). The trust rules of lidx_corpus_sync() apply to the index's
 * folder and the lock. *out is closed with lidx_watch_close().
 */
int lidx_watch_open(lidx_watcher **out, const char *corpus_dir, const char *index_path,
                    const lidx_watch_opts *opts, lidx_err *err);

/**
 * Serve until lidx_watch_stop() or a stop request (lidx_watch_query()):
 * returns 0 then; LIDX_ENOTFOUND when the notes folder was removed or
 * moved; LIDX_ENOMEM. Single-threaded: call it on one thread.
 */
int lidx_watch_run(lidx_watcher *w, lidx_err *err);

/** Make lidx_watch_run() return soon. Async-signal-safe (a signal handler may call it). */
void lidx_watch_stop(lidx_watcher *w);

/** Folders watched now. */
size_t lidx_watch_folders(const lidx_watcher *w);

/** Stop listening, remove the socket, release the lock. Accepts NULL. */
void lidx_watch_close(lidx_watcher *w);

typedef struct lidx_watch_status {
	int live;                 /**< 1 if a watcher of this index answered */
	int fresh;                /**< 1 if it vouched for the index */
	long pid;                 /**< its process id (0 when none answered) */
	char why[256];            /**< when live but not fresh: why */
} lidx_watch_status;

/**
 * Ask the watcher of index_path about corpus_dir as a search does (the
 * watcher first takes in every change made so far), or with stop = 1 ask
 * it to exit. 0 with *out filled (out->live = 0: no watcher), or a negative
 * code (corpus_dir missing).
 */
int lidx_watch_query(const char *corpus_dir, const char *index_path, int stop, lidx_watch_status *out,
                     lidx_err *err);

/* ----------------------------------------------------------------------
 * Memory.
 * ---------------------------------------------------------------------- */

/** Free memory the library handed out (lidx_highlight's marks, paths). */
void lidx_free(void *p);

/**
 * Testing hook: make the n-th allocation from now fail (n >= 1), 0 to
 * disable. Returns how many allocations were made since the last call.
 */
long lidx_alloc_fail_at(long n);

/* ----------------------------------------------------------------------
 * Job descriptions: `cvsearch match` (match.c, aliases.c).
 *
 * A pasted job description is split into items (lines, bullets, sentences,
 * headings); boilerplate (benefits, salary, equal-opportunity, "about us")
 * is set aside; the remaining text becomes a weighted query of its most
 * characteristic terms (tf in the description x IDF in the notes, as in
 * Lucene's MoreLikeThis), with two-word phrases the notes contain as
 * boosts and aliases as alternatives. Each requirement item can then be
 * scored on its own (coverage), and a few stories picked that together
 * cover the most requirements (a greedy set cover).
 * ---------------------------------------------------------------------- */

/** Largest job description lidx_match_new() accepts (LIDX_ETOOBIG above). */
#define LIDX_MATCH_MAX_BYTES ((size_t)1 << 20)

/** Item flags of lidx_jd_split(). */
enum {
	LIDX_JD_HEADING = 1,     /**< a heading ("Requirements", "## You have") */
	LIDX_JD_BULLET = 2,      /**< a bullet or numbered list item */
	LIDX_JD_SENTENCE = 4,    /**< a sentence of a paragraph */
	LIDX_JD_BOILERPLATE = 8, /**< benefits, salary, EEO, about-us: not a requirement */
	LIDX_JD_TITLE = 16       /**< the job title (a short first line) */
};

/** One item of a job description: a byte range of the text given. */
typedef struct lidx_jd_item {
	size_t start, end;   /**< text without its bullet marker and surrounding blanks */
	unsigned flags;      /**< LIDX_JD_* */
	long section;        /**< index of the heading item it is under, or -1 */
} lidx_jd_item;

/**
 * Split a job description into items: every bullet ("-", "*", "•", "–",
 * "1.", "a)") is one item, with its wrapped continuation lines; paragraphs
 * are cut into sentences; short lines ending in ':' and Markdown headings
 * are headings. Text pasted as one line gets its lost line breaks back:
 * glued sentences ("secure.Participate"), glued list items ("roadmapWork",
 * "systems2+ years"), bullets inside a line (" * ", "•") and labels
 * ("Required Qualifications:6+ years" is a heading and an item). Items
 * under a boilerplate heading ("Benefits", "About us"), the company's
 * introduction, and clauses that read as boilerplate (lidx_jd_boilerplate())
 * are flagged; an item whose clauses differ is cut where they do. Item
 * ranges are byte ranges of text (U+00A0 counts as a blank).
 * @param[out] out  array of *n_out items; free with lidx_free()
 */
int lidx_jd_split(const char *text, size_t len, lidx_jd_item **out, size_t *n_out);

/**
 * 1 if the text, read as one clause, is job-ad boilerplate rather than a
 * requirement: benefits, pay, equal-opportunity and accommodation law,
 * work authorization and visas, application instructions, recruiters and
 * contact details, fields such as "Location: ...". Its cues must account
 * for its length (a strong cue for 24 words, a weak one for 12, alone 8):
 * a long requirement that mentions "benefits" once is not boilerplate.
 */
int lidx_jd_boilerplate(const char *text, size_t len);

/**
 * Load a user alias file, adding its sets to the built-in table (k8s =
 * kubernetes, postgres = postgresql, js = javascript, ci/cd, .net = dotnet,
 * oauth2 = oauth, llm = large language model, ...). Aliases apply to every
 * query parsed afterwards (search and match) in this process.
 *
 * Format: one set per line, spellings separated by '=' or ','; '#' starts a
 * comment (at the start of a line or after a blank); blank lines are
 * ignored. A spelling of several words is searched as a phrase.
 *     # mine
 *     k8s = kubernetes = kube
 *     gh actions = github actions
 * @param[in] an  analyzer used to normalize the spellings
 * @return 0, LIDX_ENOTFOUND (no such file), LIDX_ESYNTAX (a line without a
 *         separator), LIDX_ETOOBIG, LIDX_EIO or LIDX_ENOMEM, with err set.
 * @note Process-wide: call it before searching from several threads.
 */
int lidx_aliases_load(lidx_analyzer *an, const char *path, lidx_err *err);

typedef struct lidx_match lidx_match;

/** Options of lidx_match_new(); zero-initialize and call lidx_match_defaults(). */
typedef struct lidx_match_opts {
	size_t max_terms;    /**< terms kept in the query (default 32) */
	size_t max_phrases;  /**< two-word phrases added as boosts (default 10) */
	size_t req_hits;     /**< stories examined per requirement (default 20) */
	double length_prior; /**< exponent of the story-length prior of lidx_match_search() (default 2; 0: none) */
} lidx_match_opts;

void lidx_match_defaults(lidx_match_opts *o);

/**
 * Turn a job description into a query on ix. The text is copied; text with
 * HTML in it (tags of HTML's own names, character references) is read as
 * the text it shows, block tags as line breaks, and the requirements'
 * texts are of that text.
 * @return 0; LIDX_ETOOBIG (over LIDX_MATCH_MAX_BYTES); LIDX_EINVAL (binary:
 *         NUL bytes or mostly non-text); LIDX_EEMPTY (no term that the
 *         notes contain, or empty text); LIDX_ENOMEM; LIDX_ECORRUPT.
 */
int lidx_match_new(lidx_match **out, lidx_index *ix, lidx_analyzer *an, const char *text,
                   size_t len, const lidx_match_opts *opts, lidx_err *err);
void lidx_match_free(lidx_match *m);

/** The query built from the description (owned by m); rank with lidx_search(). */
lidx_query *lidx_match_query(lidx_match *m);

/** One weighted term (or phrase) of the built query, for --explain. */
typedef struct lidx_match_term {
	const char *label;   /**< the word as written ("Kubernetes", "rate limiting") */
	double weight;       /**< query-side weight, the largest is 1 */
	uint32_t tf;         /**< occurrences in the description */
	uint32_t df;         /**< stories that contain it */
	int phrase;          /**< 1 for a two-word phrase boost */
} lidx_match_term;

size_t lidx_match_term_count(lidx_match *m);
/** Term i (i < lidx_match_term_count()); strings owned by m. */
const lidx_match_term *lidx_match_term_at(lidx_match *m, size_t i);

/** Coverage labels. */
enum { LIDX_COVER_NONE = 0, LIDX_COVER_WEAK = 1, LIDX_COVER_STRONG = 2 };

/** One requirement and its coverage, after lidx_match_coverage(). */
typedef struct lidx_requirement {
	const char *text;       /**< the item's text (owned by m, not NUL-terminated) */
	size_t len;
	const char *section;    /**< its heading ("" if none), NUL-terminated */
	size_t section_len;
	int label;              /**< LIDX_COVER_* */
	double coverage;        /**< share (0..1) of its term weight the best story has */
	int has_story;          /**< 0 if no story matched any of its terms */
	uint32_t story;         /**< the best story */
	double score;
	const char **matched;   /**< its terms the best story has (labels) */
	size_t n_matched;
	const char **missing;   /**< its terms the best story lacks */
	size_t n_missing;
	lidx_query *query;      /**< the requirement as a query (for lidx_snippet_make) */
} lidx_requirement;

/**
 * Score every requirement item on its own against the stories. A
 * requirement is strong when the best story has at least half of its term
 * weight (IDF-weighted) and two of its terms (one if it has only one or
 * two), weak when it has at least a third, none otherwise. Term weights
 * are IDFs; a word the notes never use weighs as the rarest word.
 */
int lidx_match_coverage(lidx_match *m, const lidx_search_opts *opts, lidx_err *err);

/** Requirements (items not headings, titles nor boilerplate, with a searchable term). */
size_t lidx_match_req_count(lidx_match *m);
const lidx_requirement *lidx_match_req(lidx_match *m, size_t i);

/** (strong + weak / 2) / requirements, 0..1; 0 before lidx_match_coverage(). */
double lidx_match_coverage_share(lidx_match *m);

/**
 * Pick up to k stories that together cover the most requirements (greedy
 * set cover: each step takes the story that adds the most, a strong cover
 * counting 1 and a weak one 1/2; ties go to the higher-ranked story). Call
 * after lidx_match_coverage().
 * @param[out] stories  at least k entries; *n_out receives how many were picked
 */
int lidx_match_pick(lidx_match *m, size_t k, uint32_t *stories, size_t *n_out);

/**
 * Rank stories for the description: the query of lidx_match_query()
 * diversified over the requirements with xQuAD (Santos et al. 2010), so
 * that the first results answer different requirements. The description's
 * score of a story is multiplied by a length prior, (1 + ln(1 + r))^length_prior
 * with r = (story length + 1) / average story length, so that a story
 * that tells a project outranks a line or a summary that only names the
 * ad's words (lidx_match_opts.length_prior), and a short story that is the
 * whole answer is not buried. Runs
 * lidx_match_coverage() if needed. res->hits[].score is the xQuAD score
 * (0..1, not a BM25 score); opts->limit results at most. res->total counts
 * the stories that the description's query or one of the requirements'
 * queries matched; it is exact (res->total_exact 1) only when each of those
 * searches listed every story it matched (the description's lists its best
 * max(50, opts->limit), each requirement's its best
 * lidx_match_opts.req_hits), else a lower bound.
 */
int lidx_match_search(lidx_match *m, const lidx_search_opts *opts, lidx_results *res, lidx_err *err);

/** How well story covers requirement i (LIDX_COVER_*), as seen by coverage. */
int lidx_match_story_label(lidx_match *m, size_t i, uint32_t story);

#ifdef __cplusplus
}
#endif
#endif /* LIBINDEX_H */
