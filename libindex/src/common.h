/*
 * common.h -- internal helpers shared by every libindex module: the one
 * allocator (with a fault-injection hook), growable byte buffers with a hard
 * cap, bounds-checked varints, little-endian integers and error reporting.
 */
#ifndef LIDX_COMMON_H
#define LIDX_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "libindex.h"

/* ---- allocation: every library allocation goes through these ---------- */
void *lidx__malloc(size_t n);
void *lidx__calloc(size_t n, size_t size);
void *lidx__realloc(void *p, size_t n);
void lidx__free(void *p);
char *lidx__strndup(const char *s, size_t n);
/* Ask for transparent huge pages in the 2 MiB pages inside [p, p + n): for
   large tables read at random (fewer TLB misses); no allocation, no error. */
void lidx__hugepages(void *p, size_t n);
/* n * size, or SIZE_MAX on overflow (which then fails to allocate) */
static inline size_t lidx__mul(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return SIZE_MAX;
	return n * size;
}

/* Grow *arr (of *cap elements of size esz) to hold at least need elements. */
int lidx__grow(void **arr, size_t *cap, size_t need, size_t esz);
#define LIDX_GROW(arr, cap, need) lidx__grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* ---- growable buffer (curl's dynbuf: a hard size cap) ------------------ */
typedef struct lidx_buf {
	uint8_t *p;
	size_t len, cap;
} lidx_buf;

#define LIDX_BUF_MAX ((size_t)1 << 40)

int lidx_buf_reserve(lidx_buf *b, size_t extra);
int lidx_buf_put(lidx_buf *b, const void *p, size_t n);
void lidx_buf_free(lidx_buf *b);
static inline int lidx_buf_putc(lidx_buf *b, uint8_t c)
{
	if (b->len == b->cap && lidx_buf_reserve(b, 1) < 0)
		return LIDX_ENOMEM;
	b->p[b->len++] = c;
	return 0;
}
int lidx_buf_varint_slow(lidx_buf *b, uint64_t v);
static inline int lidx_buf_varint(lidx_buf *b, uint64_t v)
{
	if (b->cap - b->len < 10)
		return lidx_buf_varint_slow(b, v);
	uint8_t *p = b->p + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->p);
	return 0;
}
int lidx_buf_u32(lidx_buf *b, uint32_t v);
int lidx_buf_u64(lidx_buf *b, uint64_t v);
int lidx_buf_str(lidx_buf *b, const char *s, size_t n); /* varint len + bytes */

/* p[0..n) is UTF-16 after a BOM (FF FE little-endian, FE FF big-endian):
   a NUL-terminated UTF-8 copy (unpaired surrogates as U+FFFD), or NULL. */
char *lidx__utf16_to_utf8(const uint8_t *p, size_t n, size_t *out_len);
static inline int lidx__utf16_bom(const uint8_t *p, size_t n)
{
	return n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff));
}

/* ---- decoding with an end bound: return 0 or -1 (never read past end) -- */
static inline int lidx_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t c = *p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
	}
	return -1;
}
static inline int lidx_get_varint32(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	/* one byte: most doc gaps, frequencies and positions of a postings list */
	if (*pp < end && **pp < 0x80) {
		*out = *(*pp)++;
		return 0;
	}
	uint64_t v = 0; /* (set on success; initialised for -Wmaybe-uninitialized under TSan) */
	if (lidx_get_varint(pp, end, &v) < 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}
static inline uint32_t lidx_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t lidx_rd64(const uint8_t *p)
{
	return (uint64_t)lidx_rd32(p) | (uint64_t)lidx_rd32(p + 4) << 32;
}
static inline void lidx_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void lidx_wr64(uint8_t *p, uint64_t v)
{
	lidx_wr32(p, (uint32_t)v);
	lidx_wr32(p + 4, (uint32_t)(v >> 32));
}

/* ---- errors -------------------------------------------------------------- */
/* Set err (if any) to code and a printf-style message; returns code. */
int lidx__err(lidx_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* match.c: the story-length prior of a story r times the average length,
   (1 + ln(1 + r))^e */
double lidx__length_prior(double ratio, double e);

/* ---- analysis tables ------------------------------------------------------ */
/* The base form of an irregular English verb form ("led" -> "lead"), or NULL. */
const char *lidx__irregular_base(const char *w, size_t n);
/* The term of a word Snowball would conflate with another ("customers" ->
   "customer", not "custom"; stemkeep.c), or NULL. */
const char *lidx__stem_keep(const char *w, size_t n);
/* 1 if t is one of those terms ("customer"), which no other word reaches */
int lidx__stem_kept_term(const char *t, size_t n);
/*
 * analyze.c: inside a token callback, the caller's value of the token's word
 * (0 until set), or NULL (a stop word, or past the word cache's size). The
 * builder keeps the word's term index + 1 there: the cache entry was just
 * read to find the word, so the lookup costs no cache miss (a separate word
 * id -> term array did, once per token). Inline: the pointer is the
 * analyzer's first member.
 */
static inline uint32_t *lidx__analyzer_user(lidx_analyzer *a)
{
	return *(uint32_t **)(void *)a;
}
/*
 * analyze.c (internal): where the builder's tokens of known words go with no
 * callback. A token whose word has a non-zero user value (the builder's
 * term index + 1) is appended as the pair (value - 1, position), the
 * position UINT32_MAX for a title field (title), when room for a pair is
 * left; any other token goes to the callback as before, which appends its
 * pair to the same array. NULL: every token to the callback.
 */
typedef struct lidx__sink {
	uint32_t *v;
	size_t n, cap;
	int title;
} lidx__sink;
void lidx__analyzer_sink(lidx_analyzer *a, lidx__sink *sink);
/* analyze.c: bytes the analyzer holds (its word cache), for a builder's memory budget */
size_t lidx__analyzer_mem(const lidx_analyzer *a);
/* lidx_analyze option (internal): look words up a few words late, their
   cache slots prefetched (the builder: callbacks in the same order, none
   after one returns non-zero, but the scan may have gone further) */
#define LIDX__ANALYZE_PREFETCH (1u << 30)
/* lidx_analyze option (internal, for tests): every word through the general
   path, none through the plain-ASCII-word fast path (the same tokens) */
#define LIDX__ANALYZE_GENERAL (1u << 29)
/* index_write.c: file i (in the order added) is no longer racy: its
   content hash is not written (corpus.c's settle step) */
void lidx__builder_unhash(lidx_builder *b, size_t i);
/* index_write.c: the text (bytes) after which the builder's postings stage
   runs on a thread of its own (default 4 MiB; 0: from the first story;
   SIZE_MAX: never). Set before the first story. */
void lidx__builder_thread_min(lidx_builder *b, size_t bytes);
/* Tests: hold at most n runs (default 64; a tier merges n / 4, at most 16); the runs held
   now; the entries (terms) merges have rewritten; the story text the store holds in memory. */
void lidx__builder_max_runs(lidx_builder *b, size_t n);
size_t lidx__builder_n_runs(const lidx_builder *b);
uint64_t lidx__builder_merged(const lidx_builder *b);
size_t lidx__builder_store_mem(const lidx_builder *b);
#ifdef LIDX_TESTING
int lidx__irregular_sorted(void);
int lidx__stem_keep_sorted(void);
/* corpus.c: pretend 1-second mtimes and no ctime (the racy-file hash test) */
void lidx__test_coarse_times(int on);
/* corpus.c: how long a build may wait for its racy files' tick to pass (default 30 ms) */
void lidx__test_settle_wait_ms(long ms);
/* corpus.c: folders whose names the scans took from the folder cache (INDEX.dirs), and
   folders stat'ed on two threads, since the last call */
long lidx__test_dir_hits(void);
long lidx__test_par_folders(void);
#endif

/* ---- hashing ------------------------------------------------------------- */
static inline uint64_t lidx_hash(const void *data, size_t n)
{
	/* FNV-1a, 64-bit: short keys (terms), good enough spread for open addressing */
	const uint8_t *p = data;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

#endif
