/*
 * analyze.c -- text -> terms. Splits UTF-8 text into words, normalizes them
 * (NFKC, case folding, accents stripped, via utf8proc), drops stop words,
 * stems with Snowball English (libstemmer) and reports positions and byte
 * offsets. The same code serves documents (index_write), queries (query) and
 * snippets (snippet), so all three always agree.
 *
 * Words that matter in careers are kept whole where splitting would lose
 * them (see docs/ANALYSIS.md for the full table):
 *   C#, C++, F#        -> "c#", "c++"          (suffix kept, not stemmed)
 *   .NET               -> ".net"               (leading dot kept)
 *   $20m, 40%          -> "$20m" + "20m", "40%" + "40"
 *   Node.js, CI/CD,    -> parts "node" "js" at consecutive positions plus
 *   on-call, k8s-ops      the catenation "nodejs" at the first part's position
 *   3.14, 2024-12-10   -> "3.14", "2024-12-10" + parts (no digit catenation)
 *   k8s, p99, oauth2   -> one word (letters and digits together; not stemmed)
 * Invalid UTF-8 bytes separate words; they never stop the analysis.
 *
 * Irregular verb forms are mapped to their base form before stemming
 * (irregular.c: built -> build, led -> lead).
 *
 * Speed: words and compounds of ASCII letters and digits (most words) are
 * folded by a 256-byte class table and split into parts without decoding,
 * the general path taking the rest (test_analyze checks both give the same
 * tokens); a cache from normalized word to term (stem or stop word) runs
 * Snowball once per distinct word, its key compared 8 bytes at a time; the
 * builder's tokens of words seen before skip the callback (a sink).
 */
#include <stdlib.h>
#include <utf8proc.h>
#include <libstemmer.h>
#include "common.h"

#define MAX_TERM 64        /* longer normalized words are not indexed */
#define MAX_PARTS 16       /* a longer compound is cut into several */
#define CACHE_MAX (1u << 20)

#define INLINE_KEY 32      /* a word this long or shorter is compared in its entry */

/*
 * One cache line per entry (the table is 64-byte aligned): a hit reads one
 * line, the word compared in place (the arena's copy of a word is read only
 * for words longer than INLINE_KEY); the term itself is not read by a
 * builder that knows the word's term (user).
 */
typedef struct cache_ent {
	uint64_t hash;
	uint32_t key_off;
	uint32_t val_off, val_len; /* val_len == UINT32_MAX: stop word */
	uint32_t id;               /* dense, in insertion order: lidx_token.word_id */
	uint32_t user;             /* the caller's value for this word (the builder's term) */
	uint8_t key_len;           /* 0: empty slot (a word is at most MAX_TERM + 4 bytes) */
	uint8_t pad_[3];
	char key[INLINE_KEY];      /* the word's first INLINE_KEY bytes */
} cache_ent;

_Static_assert(sizeof(cache_ent) == 64, "a cache entry is one cache line");
_Static_assert(MAX_TERM + 4 <= UINT8_MAX, "a word's length fits key_len");

struct lidx_analyzer {
	uint32_t *user;              /* first (common.h reads it): the user value of the
	                                word being emitted, or NULL */
	struct sb_stemmer *stemmer;
	lidx__sink *sink;            /* see lidx__analyzer_sink */
	cache_ent *tab;            /* 64-byte aligned inside tab_mem */
	void *tab_mem;
	size_t cap, n;
	lidx_buf arena;
	char term[MAX_TERM * 2 + 8]; /* the term handed to the callback */
};

/* A zeroed table of n entries, 64-byte aligned; *mem is what to free. */
static cache_ent *cache_alloc(size_t n, void **mem)
{
	*mem = lidx__calloc(1, lidx__mul(n + 1, sizeof(cache_ent)));
	if (!*mem)
		return NULL;
	lidx__hugepages(*mem, (n + 1) * sizeof(cache_ent));
	return (cache_ent *)(((uintptr_t)*mem + 63) & ~(uintptr_t)63);
}

int lidx_analyzer_new(lidx_analyzer **out)
{
	*out = NULL;
	lidx_analyzer *a = lidx__calloc(1, sizeof *a);
	if (!a)
		return LIDX_ENOMEM;
	a->stemmer = sb_stemmer_new("english", "UTF_8");
	a->cap = 4096;
	a->tab = cache_alloc(a->cap, &a->tab_mem);
	if (!a->stemmer || !a->tab) {
		lidx_analyzer_free(a);
		return LIDX_ENOMEM;
	}
	*out = a;
	return 0;
}

void lidx_analyzer_free(lidx_analyzer *a)
{
	if (!a)
		return;
	if (a->stemmer)
		sb_stemmer_delete(a->stemmer);
	lidx__free(a->tab_mem);
	lidx_buf_free(&a->arena);
	lidx__free(a);
}

void lidx__analyzer_sink(lidx_analyzer *a, lidx__sink *sink)
{
	a->sink = sink;
}

/* ---- the word cache ------------------------------------------------------ */

static int cache_rehash(lidx_analyzer *a)
{
	size_t nc = a->cap * 2;
	void *mem;
	cache_ent *t = cache_alloc(nc, &mem);
	if (!t)
		return LIDX_ENOMEM;
	for (size_t i = 0; i < a->cap; i++) {
		if (!a->tab[i].key_len)
			continue;
		size_t j = a->tab[i].hash & (nc - 1);
		while (t[j].key_len)
			j = (j + 1) & (nc - 1);
		t[j] = a->tab[i];
	}
	lidx__free(a->tab_mem);
	a->tab_mem = mem;
	a->tab = t;
	a->cap = nc;
	return 0;
}

/*
 * A word as the cache sees it: its bytes in 8-byte words, zeroed past its
 * length (so a word of up to 16 bytes is compared in two loads, as is the
 * entry's zero-padded inline copy; and it is NUL-terminated), and their hash.
 */
#define KEY_WORDS ((MAX_TERM + 4 + 7) / 8 + 1)

typedef struct wkey {
	uint64_t v[KEY_WORDS];
	size_t len;
	uint64_t h;
} wkey;

static inline uint64_t load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The first n bytes (in memory order) of an 8-byte word kept, the rest zeroed. */
static inline uint64_t keep_bytes(uint64_t v, size_t n)
{
	if (n >= 8)
		return v;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return n ? v & ~(~(uint64_t)0 >> (8 * n)) : 0;
#else
	return v & (((uint64_t)1 << (8 * n)) - 1);
#endif
}

/*
 * Fill k from w[0, n): w must be readable for 16 bytes when n <= 16 (every
 * caller's buffer has that slack: the scan's norm buffer, the words built on
 * the stack). The hash (internal: slots only) takes 8 bytes a step, one
 * multiply each; opt (stemming on or off) is mixed in.
 */
static inline void key_set(wkey *k, const char *w, size_t n, uint64_t opt)
{
	size_t words;
	if (n <= 16) {
		k->v[0] = keep_bytes(load8(w), n);
		k->v[1] = n > 8 ? keep_bytes(load8(w + 8), n - 8) : 0;
		k->v[2] = 0; /* a NUL after a word of 16 bytes */
		words = 2;
	} else {
		words = (n + 7) / 8;
		k->v[words - 1] = k->v[words] = 0;
		memcpy(k->v, w, n);
	}
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n ^ opt << 63;
	for (size_t i = 0; i < words; i++) {
		h = (h ^ k->v[i]) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	k->len = n;
	k->h = h ^ (h >> 29);
}

/* 1 if cache entry e holds the word of k (its hash and length known equal). */
static inline int key_eq(const lidx_analyzer *a, const cache_ent *e, const wkey *k)
{
	if (k->len <= 16)
		return load8(e->key) == k->v[0] && load8(e->key + 8) == k->v[1];
	const char *ek = k->len <= INLINE_KEY ? e->key : (const char *)a->arena.p + e->key_off;
	return !memcmp(ek, k->v, k->len);
}

/*
 * Map a normalized word to its term. Sets *term and *tlen (pointing into the
 * arena or into a->term) or *tlen = SIZE_MAX for a stop word.
 */
static int word_term(lidx_analyzer *a, const wkey *k, int stem, int alpha,
                     const char **term, size_t *tlen, uint32_t *id)
{
	const char *w = (const char *)k->v;
	size_t wl = k->len;
	uint64_t h = k->h;
	*id = LIDX_NO_WORD_ID;
	a->user = NULL;
	size_t i = h & (a->cap - 1);
	while (a->tab[i].key_len) {
		cache_ent *e = &a->tab[i];
		if (e->hash == h && e->key_len == wl && key_eq(a, e, k)) {
			*id = e->id;
			a->user = &e->user;
			if (e->val_len == UINT32_MAX) {
				*tlen = SIZE_MAX;
			} else {
				*term = (const char *)a->arena.p + e->val_off;
				*tlen = e->val_len;
			}
			return 0;
		}
		i = (i + 1) & (a->cap - 1);
	}
	/* miss: compute */
	const char *t = w;
	size_t tl = wl;
	int stop = lidx_is_stopword(w, wl);
	const char *kept = !stop && stem && alpha ? lidx__stem_keep(w, wl) : NULL;
	if (kept) {
		/* customers -> customer, not custom (stemkeep.c) */
		tl = strlen(kept);
		memcpy(a->term, kept, tl + 1);
		t = a->term;
	} else if (!stop && stem && alpha) {
		/* built -> build, led -> lead: Snowball only strips suffixes */
		const char *base = lidx__irregular_base(w, wl);
		const sb_symbol *s = base ? sb_stemmer_stem(a->stemmer, (const sb_symbol *)base, (int)strlen(base))
		                          : sb_stemmer_stem(a->stemmer, (const sb_symbol *)w, (int)wl);
		if (!s)
			return LIDX_ENOMEM;
		/* copy at once: the stemmer reuses its buffer */
		tl = (size_t)sb_stemmer_length(a->stemmer);
		if (tl > MAX_TERM * 2)
			tl = MAX_TERM * 2;
		memcpy(a->term, s, tl);
		a->term[tl] = 0;
		t = a->term;
	}
	if (a->n < CACHE_MAX && wl <= UINT8_MAX && a->arena.len + wl + tl + 2 < UINT32_MAX) {
		if ((a->n + 1) * 4 > a->cap * 3 && cache_rehash(a) < 0) /* load <= 3/4 */
			return LIDX_ENOMEM;
		size_t key_off = a->arena.len;
		if (lidx_buf_put(&a->arena, w, wl) < 0 || lidx_buf_putc(&a->arena, 0) < 0)
			return LIDX_ENOMEM;
		size_t val_off = a->arena.len;
		if (lidx_buf_put(&a->arena, t, tl) < 0 || lidx_buf_putc(&a->arena, 0) < 0)
			return LIDX_ENOMEM;
		i = h & (a->cap - 1);
		while (a->tab[i].key_len)
			i = (i + 1) & (a->cap - 1);
		cache_ent *e = &a->tab[i];
		*e = (cache_ent){ h, (uint32_t)key_off, (uint32_t)val_off, stop ? UINT32_MAX : (uint32_t)tl,
		                  (uint32_t)a->n, 0, (uint8_t)wl, { 0 }, { 0 } };
		memcpy(e->key, w, wl < INLINE_KEY ? wl : INLINE_KEY);
		a->user = &e->user;
		*id = (uint32_t)a->n++;
		t = (const char *)a->arena.p + val_off;
	} else if (t != a->term) {
		memcpy(a->term, w, wl);
		a->term[wl] = 0;
		t = a->term;
	}
	if (stop) {
		*tlen = SIZE_MAX;
	} else {
		*term = t;
		*tlen = tl;
	}
	return 0;
}

/* Bytes the analyzer holds (its word cache), for a builder's memory budget. */
size_t lidx__analyzer_mem(const lidx_analyzer *a)
{
	return (a->cap + 1) * sizeof(cache_ent) + a->arena.cap + sizeof *a;
}

/* ---- character classes ---------------------------------------------------- */

/*
 * Bytes by class, one load a byte: an ASCII letter or digit is its folded
 * form ('A' -> 'a'); 1 is a byte that may start a word but needs a closer
 * look ('.' of .NET, '$' of $20m, any byte of a multi-byte UTF-8
 * sequence); 0 is an ASCII separator.
 */
static const uint8_t ascii_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0, 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * 1 for an ASCII byte that ends a plain word (one part, no suffix): a
 * separator that is neither a joiner (. - / _ @ &), an apostrophe nor a
 * suffix (# + %). The main loop takes such words without the general path.
 */
static const uint8_t plain_end[128] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0,
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
};

static inline int is_ascii_alpha(uint8_t c) { return (uint8_t)((c | 0x20) - 'a') < 26; }

static inline int decode(const uint8_t *s, size_t len, size_t i, int32_t *cp)
{
	if (s[i] < 0x80) {
		*cp = s[i];
		return 1;
	}
	utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), cp);
	if (n <= 0) {
		*cp = -1; /* invalid byte: a separator */
		return 1;
	}
	return (int)n;
}

static inline int is_word_cp(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	if (cp < 0)
		return 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

static inline int is_digit_cp(int32_t cp) { return cp >= '0' && cp <= '9'; }
static inline int is_apos(int32_t cp) { return cp == '\'' || cp == 0x2019; }
static inline int is_joiner(int32_t cp)
{
	return cp == '.' || cp == '-' || cp == '/' || cp == '_' || cp == '@' || cp == '&' ||
	       cp == 0x2010 || cp == 0x2011; /* hyphen, non-breaking hyphen */
}

/* ---- one compound word ---------------------------------------------------- */

typedef struct part {
	size_t start, end;     /* source bytes */
	uint32_t noff, nlen;   /* normalized bytes in the scratch buffer */
	int alpha, digit, toolong;
} part;

#define NORM_MAX (MAX_PARTS * (MAX_TERM + 4) + 64)

typedef struct scan {
	const uint8_t *s;
	size_t len;
	char norm[NORM_MAX + 16]; /* + 16: a word is read 16 bytes at a time (key_set) */
	size_t nlen;
	part parts[MAX_PARTS];
	int n_parts;
} scan;

/* Append normalized code point(s) of cp to the current part; 0 or -1 if too long. */
static int norm_append(scan *sc, part *p, int32_t cp)
{
	size_t room = NORM_MAX - sc->nlen;
	if (p->toolong)
		return 0;
	if (cp < 0x80) {
		if (p->nlen + 1 > MAX_TERM || room < 1) {
			p->toolong = 1;
			return 0;
		}
		sc->norm[sc->nlen++] = (char)((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp);
		p->nlen++;
		return 0;
	}
	utf8proc_int32_t buf[16];
	int last = 0;
	utf8proc_ssize_t n = utf8proc_decompose_char(cp, buf, 16,
	        UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE, &last);
	if (n < 0 || n > 16) /* unassigned or odd: keep the code point as it is */
		n = 1, buf[0] = cp;
	/* compose what decomposition left (Hangul, non-stripped marks): NFKC */
	n = utf8proc_normalize_utf32(buf, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	for (utf8proc_ssize_t k = 0; k < n; k++) {
		uint8_t enc[4];
		utf8proc_ssize_t el = utf8proc_encode_char(buf[k], enc);
		if (p->nlen + (size_t)el > MAX_TERM || room < (size_t)el + 1) {
			p->toolong = 1;
			return 0;
		}
		memcpy(sc->norm + sc->nlen, enc, (size_t)el);
		sc->nlen += (size_t)el;
		room -= (size_t)el;
		p->nlen += (uint32_t)el;
	}
	return 0;
}

/*
 * Scan one part (a run of word characters, with apostrophes between letters)
 * from i; returns the index after it.
 */
static size_t scan_part(scan *sc, size_t i, part *p)
{
	p->start = i;
	p->noff = (uint32_t)sc->nlen;
	p->nlen = 0;
	p->alpha = p->digit = p->toolong = 0;
	while (i < sc->len) {
		uint8_t f = ascii_class[sc->s[i]];
		if (f > 1) {
			/* the fast path: a run of ASCII letters and digits, folded by
			   the table, the counts in locals (a store to norm may alias
			   sc's fields). A byte past room is stored at out[room] and
			   overwritten (norm has slack), so the loop has one exit */
			size_t room = 0, k = 0, i0 = i;
			if (!p->toolong) {
				room = MAX_TERM - p->nlen;
				if (room > NORM_MAX - sc->nlen)
					room = NORM_MAX - sc->nlen;
			}
			char *out = sc->norm + sc->nlen;
			const uint8_t *s = sc->s;
			size_t len = sc->len;
			unsigned any = 0, all = 0xff; /* letters have 0x40, digits do not */
			do {
				out[k] = (char)f;
				k += k < room;
				any |= f;
				all &= f;
				if (++i == len)
					break;
				f = ascii_class[s[i]];
			} while (f > 1);
			sc->nlen += k;
			p->nlen += (uint32_t)k;
			p->alpha |= (any & 0x40) != 0;
			p->digit |= !(all & 0x40);
			p->toolong |= i - i0 > room;
			continue;
		}
		int32_t cp;
		int n = decode(sc->s, sc->len, i, &cp);
		if (is_word_cp(cp)) {
			if (is_digit_cp(cp))
				p->digit = 1;
			else
				p->alpha = 1;
			norm_append(sc, p, cp);
			i += (size_t)n;
			continue;
		}
		if (is_apos(cp) && p->alpha && i + (size_t)n < sc->len) {
			int32_t nx;
			decode(sc->s, sc->len, i + (size_t)n, &nx);
			if (is_word_cp(nx) && !is_digit_cp(nx)) {
				norm_append(sc, p, '\'');
				i += (size_t)n;
				continue;
			}
		}
		break;
	}
	p->end = i;
	return i;
}

/*
 * With LIDX__ANALYZE_PREFETCH (the builder), a word is looked up PENDING
 * words after it is found, its cache slot prefetched meanwhile: on a large
 * corpus most lookups of rare words miss the CPU cache, and the misses of
 * several words then overlap. The callbacks come in the same order.
 */
#define PENDING 8

typedef struct pend {
	wkey k;
	size_t start, end;
	uint32_t pos;
	unsigned flags;
	int stem_ok;
} pend;

typedef struct emitter {
	lidx_analyzer *a;
	unsigned opts;
	uint64_t stem;   /* 1 unless LIDX_ANALYZE_NOSTEM */
	lidx__sink *sink;
	lidx_token_fn fn;
	void *ctx;
	pend *q;         /* a ring of PENDING words, or NULL */
	unsigned q_head, q_n;
} emitter;

/* A stop word reported (LIDX_ANALYZE_STOPWORDS): the word itself, flagged. */
static int emit_stop(emitter *e, const pend *p)
{
	lidx_token t = { (const char *)p->k.v, p->k.len, p->start, p->end, p->pos,
	                 p->flags | LIDX_TOK_STOP,
	                 LIDX_NO_WORD_ID }; /* the id stands for the stop marker, not this term */
	e->a->user = NULL;
	return e->fn(e->ctx, &t);
}

static int emit_now(emitter *e, const pend *p)
{
	const char *term = NULL;
	size_t tl;
	uint32_t id;
	int rc = word_term(e->a, &p->k, (int)e->stem, p->stem_ok, &term, &tl, &id);
	if (rc < 0)
		return rc;
	if (tl == SIZE_MAX) /* the key is NUL-terminated: zeroed past the word */
		return e->opts & LIDX_ANALYZE_STOPWORDS && p->k.len ? emit_stop(e, p) : 0;
	if (tl == 0)
		return 0; /* only combining marks (U+0658 ...): normalizes to nothing */
	lidx__sink *k = e->sink;
	const uint32_t *u = e->a->user;
	if (k && u && *u && k->cap - k->n >= 2 && (k->title || p->pos != UINT32_MAX)) {
		k->v[k->n] = *u - 1;
		k->v[k->n + 1] = k->title ? UINT32_MAX : p->pos;
		k->n += 2;
		return 0;
	}
	/* term (the arena or a->term) is always NUL-terminated */
	lidx_token t = { term, tl, p->start, p->end, p->pos, p->flags, id };
	return e->fn(e->ctx, &t);
}

/* Look up and report the oldest pending word. */
static int emit_oldest(emitter *e)
{
	pend *p = &e->q[e->q_head];
	e->q_head = (e->q_head + 1) % PENDING;
	e->q_n--;
	return emit_now(e, p);
}

static int emit(emitter *e, const char *w, size_t wl, size_t start, size_t end,
                uint32_t pos, unsigned flags, int stem_ok)
{
	int rc;
	pend now, *p = &now;
	if (wl > MAX_TERM + 4)
		return 0; /* (no word is that long: see lidx_analyze) */
	if (e->q) {
		if (e->q_n == PENDING && (rc = emit_oldest(e)) != 0)
			return rc;
		p = &e->q[(e->q_head + e->q_n++) % PENDING];
	}
	key_set(&p->k, w, wl, e->stem);
	p->start = start;
	p->end = end;
	p->pos = pos;
	p->flags = flags;
	p->stem_ok = stem_ok;
	if (!e->q)
		return emit_now(e, p);
	__builtin_prefetch(&e->a->tab[p->k.h & (e->a->cap - 1)]);
	return 0;
}

int lidx_analyze(lidx_analyzer *a, const char *text, size_t len, unsigned opts,
                 uint32_t first_pos, lidx_token_fn fn, void *ctx, uint32_t *next_pos)
{
	scan scb, *sc = &scb; /* (2 KB: no allocation per call) */
	pend q[PENDING];
	emitter e = { a, opts & ~(LIDX__ANALYZE_PREFETCH | LIDX__ANALYZE_GENERAL), !(opts & LIDX_ANALYZE_NOSTEM),
	              a->sink, fn, ctx, opts & LIDX__ANALYZE_PREFETCH ? q : NULL, 0, 0 };
	const uint8_t fast = opts & LIDX__ANALYZE_GENERAL ? 0xff : 1; /* f > fast: the fast path */
	sc->s = (const uint8_t *)text;
	sc->len = len;
	uint32_t pos = first_pos;
	int rc = 0;
	size_t i = 0;
	int32_t prev = ' ';
	while (i < len) {
		uint8_t c0 = sc->s[i];
		uint8_t f = ascii_class[c0];
		if (!f) {
			prev = c0; /* an ASCII separator: the common case, no decoding */
			i++;
			continue;
		}
		int prefix = 0, suffix = 0; /* '.' of .NET, '$' of $20m; C#, C++, 40% */
		size_t wstart, wend;
		char joiner[MAX_PARTS];
		if (f > fast) {
			/* the common case: a word of ASCII letters and digits, or a
			   compound of such parts joined by ASCII joiners, ended by the
			   text's end or an ASCII separator that neither joins nor
			   suffixes. Folded by the table into the parts the general
			   path would find; anything else (a part longer than MAX_TERM,
			   UTF-8, an apostrophe, a suffix, '$', a 17th part) is scanned
			   again by the general path below */
			const uint8_t *s = sc->s;
			char *norm = sc->norm;
			size_t j = i, nl = 0;
			int np = 0, ok = 0;
			for (;;) {
				part *p = &sc->parts[np++];
				unsigned all = 0xff, any = 0; /* letters have 0x40, digits do not */
				size_t st = j;
				p->noff = (uint32_t)nl;
				for (;;) {
					norm[nl++] = (char)f;
					all &= f;
					any |= f;
					if (++j == len || j - st > MAX_TERM)
						break;
					f = ascii_class[s[j]];
					if (f <= 1)
						break;
				}
				if (j - st > MAX_TERM)
					break;
				p->start = st;
				p->end = j;
				p->nlen = (uint32_t)(j - st);
				p->alpha = (any & 0x40) != 0;
				p->digit = !(all & 0x40);
				p->toolong = 0;
				if (j == len) {
					ok = 1;
					break;
				}
				uint8_t t = s[j];
				if (t >= 0x80)
					break;
				if (plain_end[t]) {
					ok = 1;
					break;
				}
				if (t != '.' && t != '-' && t != '/' && t != '_' && t != '@' && t != '&')
					break; /* an apostrophe, a suffix or '$' */
				if (j + 1 == len || s[j + 1] >= 0x80) {
					ok = j + 1 == len; /* UTF-8 after a joiner: the general path */
					break;
				}
				f = ascii_class[s[j + 1]];
				if (f <= 1) {
					ok = 1; /* a joiner, then no word */
					break;
				}
				if (np == MAX_PARTS)
					break;
				joiner[np - 1] = (char)t;
				j++;
			}
			if (ok) {
				sc->n_parts = np;
				sc->nlen = nl;
				wstart = i;
				wend = i = j;
				prev = s[j - 1];
				if (np > 1)
					goto emit_word;
				rc = emit(&e, norm, nl, wstart, wend, pos, 0, sc->parts[0].digit ? 0 : 1);
				if (rc)
					break;
				pos++;
				continue;
			}
		}
		int32_t cp;
		int n = decode(sc->s, len, i, &cp);
		if (is_word_cp(cp)) {
			prefix = 0;
		} else {
			int32_t nx = -1; /* only '.' and '$' look ahead */
			if ((cp == '.' || cp == '$') && i + (size_t)n < len)
				decode(sc->s, len, i + (size_t)n, &nx);
			if (cp == '.' && nx >= 0 && is_word_cp(nx) && !is_digit_cp(nx) &&
			    !is_word_cp(prev) && prev != '.') {
				prefix = '.';
			} else if (cp == '$' && is_digit_cp(nx)) {
				prefix = '$';
			} else {
				prev = cp;
				i += (size_t)n;
				continue;
			}
		}
		wstart = i;
		if (prefix)
			i += 1;
		/* parts joined by joiners */
		sc->nlen = 0;
		sc->n_parts = 0;
		for (;;) {
			part *p = &sc->parts[sc->n_parts++];
			i = scan_part(sc, i, p);
			if (sc->n_parts == MAX_PARTS || i >= len)
				break;
			int32_t j, after = -1;
			int jn = decode(sc->s, len, i, &j);
			if (!is_joiner(j) || i + (size_t)jn >= len)
				break;
			decode(sc->s, len, i + (size_t)jn, &after);
			if (!is_word_cp(after))
				break;
			joiner[sc->n_parts - 1] = (char)(j < 0x80 ? j : '-');
			i += (size_t)jn;
		}
		/* suffix: C#, C++, F#, 40% */
		part *last = &sc->parts[sc->n_parts - 1];
		if (i < len) {
			uint8_t c = sc->s[i];
			int32_t after = -1;
			if ((c == '#' || c == '+') && sc->n_parts == 1 && last->alpha && !last->digit) {
				size_t k = i + 1;
				if (c == '+' && k < len && sc->s[k] == '+')
					k++;
				if (k < len)
					decode(sc->s, len, k, &after);
				if (!is_word_cp(after)) {
					suffix = c;
					i = k;
				}
			} else if (c == '%' && last->digit && !last->alpha) {
				suffix = '%';
				i += 1;
			}
		}
		wend = i;
		prev = sc->s[i - 1] < 0x80 ? sc->s[i - 1] : 'x';

		/* emit */
emit_word:;
		uint32_t p0 = pos;
		if (sc->n_parts == 1 && !prefix && !suffix) {
			part *p = &sc->parts[0];
			if (!p->toolong)
				rc = emit(&e, sc->norm + p->noff, p->nlen, p->start, p->end, pos, 0, !p->digit);
			pos++;
		} else if (sc->n_parts == 1) {
			/* .net, c#, c++, $20m, 40% */
			part *p = &sc->parts[0];
			if (!p->toolong) {
				char w[MAX_TERM + 4];
				size_t wl = 0;
				if (prefix)
					w[wl++] = (char)prefix;
				memcpy(w + wl, sc->norm + p->noff, p->nlen);
				wl += p->nlen;
				if (suffix) { /* "#", "%", "+" or "++" as written */
					memcpy(w + wl, sc->s + p->end, wend - p->end);
					wl += wend - p->end;
				}
				int split = prefix == '$' || suffix == '%';
				rc = emit(&e, w, wl, wstart, wend, pos, split ? LIDX_TOK_WHOLE : 0, 0);
				if (!rc && split)
					rc = emit(&e, sc->norm + p->noff, p->nlen, p->start, p->end, pos,
					          LIDX_TOK_PART, 0);
			}
			pos++;
		} else {
			int any_alpha = 0, any_digit = 0, toolong = 0;
			size_t total = 0;
			for (int k = 0; k < sc->n_parts; k++) {
				any_alpha |= sc->parts[k].alpha;
				any_digit |= sc->parts[k].digit;
				toolong |= sc->parts[k].toolong;
				total += sc->parts[k].nlen;
			}
			int all_dot = 1;
			for (int k = 0; k + 1 < sc->n_parts; k++)
				all_dot &= joiner[k] == '.';
			if (!any_alpha && all_dot) {
				/* 3.14, 1.2.3: one number */
				char w[MAX_TERM + 4];
				size_t wl = 0;
				for (int k = 0; k < sc->n_parts && !toolong; k++) {
					if (wl + sc->parts[k].nlen + 1 > MAX_TERM) {
						toolong = 1;
						break;
					}
					if (k)
						w[wl++] = '.';
					memcpy(w + wl, sc->norm + sc->parts[k].noff, sc->parts[k].nlen);
					wl += sc->parts[k].nlen;
				}
				if (!toolong)
					rc = emit(&e, w, wl, wstart, wend, pos, 0, 0);
				pos++;
			} else {
				/* $20m/year: the amount as one term too */
				if (prefix == '$' && !sc->parts[0].toolong) {
					char w[MAX_TERM + 4];
					w[0] = '$';
					memcpy(w + 1, sc->norm + sc->parts[0].noff, sc->parts[0].nlen);
					rc = emit(&e, w, sc->parts[0].nlen + 1, wstart, sc->parts[0].end, p0,
					          LIDX_TOK_WHOLE, 0);
				}
				/* the compound as one term, at the first part's position */
				if (!rc && sc->n_parts <= 3 && !toolong && total + (size_t)sc->n_parts <= MAX_TERM) {
					char w[MAX_TERM + 4];
					size_t wl = 0;
					for (int k = 0; k < sc->n_parts; k++) {
						if (k && any_digit)
							w[wl++] = joiner[k - 1];
						memcpy(w + wl, sc->norm + sc->parts[k].noff, sc->parts[k].nlen);
						wl += sc->parts[k].nlen;
					}
					rc = emit(&e, w, wl, wstart, wend, p0, LIDX_TOK_WHOLE, !any_digit);
				}
				for (int k = 0; k < sc->n_parts && !rc; k++) {
					part *p = &sc->parts[k];
					if (!p->toolong)
						rc = emit(&e, sc->norm + p->noff, p->nlen, p->start, p->end, pos,
						          LIDX_TOK_PART, !p->digit);
					pos++;
				}
			}
		}
		if (rc)
			break;
	}
	while (!rc && e.q_n)
		rc = emit_oldest(&e);
	if (next_pos)
		*next_pos = pos;
	return rc;
}
