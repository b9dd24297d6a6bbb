/*
 * test_analyze.c -- the analyzer: normalization, stemming, stop words and
 * the tokens that matter in careers (C#, .NET, Node.js, CI/CD, $20m, 40%).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include "libindex.h"
#include "common.h"

typedef struct out {
	char buf[1024];
} out;

static int cat(void *ctx, const lidx_token *t)
{
	out *o = ctx;
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s%s@%u%s", o->buf[0] ? " " : "", t->term, t->pos,
	         (t->flags & LIDX_TOK_WHOLE) ? "W" : (t->flags & LIDX_TOK_PART) ? "P" : "");
	strncat(o->buf, tmp, sizeof o->buf - strlen(o->buf) - 1);
	return 0;
}

static const char *an(const char *text)
{
	static out o;
	lidx_analyzer *a;
	memset(&o, 0, sizeof o);
	assert_int_equal(lidx_analyzer_new(&a), 0);
	assert_int_equal(lidx_analyze(a, text, strlen(text), 0, 0, cat, &o, NULL), 0);
	lidx_analyzer_free(a);
	return o.buf;
}

static void test_analyze_table(void **state)
{
	(void)state;
	static const struct { const char *in, *want; } cases[] = {
		{ "Running systems", "run@0 system@1" },
		{ "the cat", "cat@1" },
		{ "Brontë café", "bront@0 cafe@1" },
		{ "C# and C++", "c#@0 c++@2" },
		{ "moved to .NET 8", "move@0 .net@2 8@3" },
		{ "Node.js", "nodej@0W node@0P js@1P" },
		{ "CI/CD", "cicd@0W ci@0P cd@1P" },
		{ "on-call rotation", "oncal@0W call@1P rotat@2" },
		{ "k8s p99 OAuth2", "k8s@0 p99@1 oauth2@2" },
		{ "MySQL 8", "mysql@0 8@1" },
		{ "$20m/year", "$20m@0W 20m/year@0W 20m@0P year@1P" },
		{ "secured $20m in revenue", "secur@0 $20m@1W 20m@1P revenu@3" },
		{ "40% faster", "40%@0W 40@0P faster@1" },
		{ "version 3.14", "version@0 3.14@1" },
		{ "ﬁnance", "financ@0" },
		/* irregular verbs meet their base form (irregular.c) */
		{ "Led the team", "lead@0 team@2" },
		{ "lead a team", "lead@0 team@2" },
		{ "Built pipelines; building", "build@0 pipelin@1 build@2" },
		{ "wrote written Rewrote", "write@0 write@1 rewrit@2" },
		{ "Drove driven", "drive@0 drive@1" },
		{ "left went rose", "left@0 went@1 rose@2" }, /* other everyday meanings: kept */
		/* words Snowball conflates with another everyday word (stemkeep.c) */
		{ "customers Customer's custom customized", "customer@0 customer@1 custom@2 custom@3" },
		{ "developers developer development", "developer@0 developer@1 develop@2" },
		{ "providers provided", "provider@0 provid@1" },
		{ "production products productivity", "production@0 product@1 productivity@2" },
		{ "dependencies depending", "dependency@0 depend@1" },
		{ "business busy", "business@0 busi@1" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = an(cases[i].in);
		if (strcmp(got, cases[i].want))
			fail_msg("analyze(\"%s\") = \"%s\", want \"%s\"", cases[i].in, got, cases[i].want);
	}
}

static void test_analyze_invalid_utf8(void **state)
{
	(void)state;
	/* bad bytes separate words, never stop the analysis */
	const char *got = an("alpha\xff\xfe" "beta \xc3 gamma");
	assert_string_equal(got, "alpha@0 beta@1 gamma@2");
}

static void test_analyze_long_token(void **state)
{
	(void)state;
	char big[20000];
	memset(big, 'a', sizeof big - 20);
	strcpy(big + sizeof big - 20, " tail");
	const char *got = an(big);
	assert_string_equal(got, "tail@1"); /* the 20k-letter word is skipped, keeps its position */
}

/* Word ids: one per distinct normalized word, dense, the same on every sight. */
typedef struct ids {
	uint32_t id[16];
	int n;
} ids;

static int take_ids(void *ctx, const lidx_token *t)
{
	ids *o = ctx;
	if (o->n < 16)
		o->id[o->n++] = t->word_id;
	return 0;
}

static void test_analyze_word_ids(void **state)
{
	(void)state;
	lidx_analyzer *a;
	ids o = { { 0 }, 0 };
	const char *text = "kafka Kafka redis kafka redis streams";
	assert_int_equal(lidx_analyzer_new(&a), 0);
	assert_int_equal(lidx_analyze(a, text, strlen(text), 0, 0, take_ids, &o, NULL), 0);
	assert_int_equal(o.n, 6);
	assert_int_equal(o.id[0], 0);
	assert_int_equal(o.id[1], 0); /* the same normalized word */
	assert_int_equal(o.id[2], 1);
	assert_int_equal(o.id[3], 0);
	assert_int_equal(o.id[4], 1);
	assert_int_equal(o.id[5], 2);
	lidx_analyzer_free(a);
}

/* Every field of every token, one line each. */
typedef struct dump {
	char *buf;
	size_t len, cap;
} dump;

static int dump_tok(void *ctx, const lidx_token *t)
{
	dump *d = ctx;
	char line[256];
	assert_int_equal(strlen(t->term), t->term_len); /* NUL-terminated */
	int n = snprintf(line, sizeof line, "%s %zu %zu %zu %u %u %u\n", t->term, t->term_len, t->start, t->end,
	                 t->pos, t->flags, t->word_id);
	assert_true(n > 0 && (size_t)n < sizeof line);
	if (d->len + (size_t)n + 1 > d->cap) {
		d->cap = (d->len + (size_t)n + 1) * 2;
		d->buf = realloc(d->buf, d->cap);
		assert_non_null(d->buf);
	}
	memcpy(d->buf + d->len, line, (size_t)n + 1);
	d->len += (size_t)n;
	return 0;
}

/*
 * The plain-ASCII-word fast path gives the tokens of the general path:
 * random texts of letters, digits, joiners, suffixes, apostrophes, '.' and
 * '$', UTF-8 (letters, the typographic apostrophe, a hyphen), invalid
 * bytes and words around the 64-byte limit, each analyzed by fresh
 * analyzers with and without the fast path (so word ids are comparable),
 * under each option.
 */
static void test_analyze_fast_path_same(void **state)
{
	(void)state;
	static const char *piece[] = {
		"a", "Z", "q", "x", "9", "0", "k8s", "Net", "the", "and", " ", " ", " ", "  ", "\n", ",", "(", ")",
		".", "-", "/", "_", "@", "&", "'", "#", "+", "++", "%", "$", "\xc3\xa9", "\xe2\x80\x99",
		"\xe2\x80\x90", "\xff", "\t", ":", "\"", "running", "Systems",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 63 */
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", /* 64 */
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17", /* > 16 parts */
		"/usr/share/doc", "e.g.", "node.js", "x86_64", "user@host.org", "3.14", "v1.2-rc3",
	};
	const size_t n_piece = sizeof piece / sizeof *piece;
	static const unsigned opts[] = { 0, LIDX_ANALYZE_NOSTEM, LIDX_ANALYZE_STOPWORDS, LIDX__ANALYZE_PREFETCH,
	                                 LIDX__ANALYZE_PREFETCH | LIDX_ANALYZE_STOPWORDS };
	uint64_t seed = 7;
	char text[2048];
	for (int round = 0; round < 3000; round++) {
		size_t len = 0, n = (size_t)(round % 60) + 1;
		for (size_t k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			const char *p = piece[(seed >> 33) % n_piece];
			size_t pl = strlen(p);
			if (len + pl >= sizeof text)
				break;
			memcpy(text + len, p, pl);
			len += pl;
		}
		for (size_t o = 0; o < sizeof opts / sizeof *opts; o++) {
			dump fast = { 0 }, gen = { 0 };
			lidx_analyzer *a, *b;
			uint32_t next_a = 0, next_b = 0;
			assert_int_equal(lidx_analyzer_new(&a), 0);
			assert_int_equal(lidx_analyzer_new(&b), 0);
			assert_int_equal(lidx_analyze(a, text, len, opts[o], 3, dump_tok, &fast, &next_a), 0);
			assert_int_equal(lidx_analyze(b, text, len, opts[o] | LIDX__ANALYZE_GENERAL, 3, dump_tok, &gen, &next_b), 0);
			assert_int_equal(next_a, next_b);
			assert_int_equal(fast.len, gen.len);
			if (fast.len)
				assert_string_equal(fast.buf, gen.buf);
			free(fast.buf);
			free(gen.buf);
			lidx_analyzer_free(a);
			lidx_analyzer_free(b);
		}
	}
}

/*
 * The word cache tells apart words that differ only in their last byte, at
 * every length (its keys are compared 8 and 16 bytes at a time, longer ones
 * in the entry or the arena), and finds each again.
 */
static void test_analyze_cache_lengths(void **state)
{
	(void)state;
	lidx_analyzer *a;
	assert_int_equal(lidx_analyzer_new(&a), 0);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t n = 1; n <= 64; n++) {
			for (int last = 0; last < 2; last++) {
				char w[80];
				memset(w, 'k', n);
				w[n - 1] = last ? 'x' : 'z';
				w[n] = ' ';
				dump d = { 0 };
				assert_int_equal(lidx_analyze(a, w, n + 1, LIDX_ANALYZE_NOSTEM, 0, dump_tok, &d, NULL), 0);
				char want[200];
				w[n] = 0;
				/* ids in order of first sight: (n - 1) * 2 + last */
				snprintf(want, sizeof want, "%s %zu 0 %zu 0 0 %zu\n", w, n, n, (n - 1) * 2 + (size_t)last);
				assert_string_equal(d.buf, want);
				free(d.buf);
			}
		}
	}
	lidx_analyzer_free(a);
}

/* A builder in miniature: each term an id (in order of first sight), kept
   in the word's user slot; its pair appended to the sink's array. */
typedef struct mini {
	lidx_analyzer *a;
	lidx__sink *k;
	char terms[256][80];
	int n_terms, calls;
} mini;

static int mini_token(void *ctx, const lidx_token *t)
{
	mini *m = ctx;
	uint32_t id, *user = lidx__analyzer_user(m->a);
	m->calls++;
	if (user && *user) {
		id = *user - 1;
	} else {
		int i = 0;
		while (i < m->n_terms && strcmp(m->terms[i], t->term))
			i++;
		if (i == m->n_terms) {
			assert_true(m->n_terms < 256 && t->term_len < 80);
			strcpy(m->terms[m->n_terms++], t->term);
		}
		id = (uint32_t)i;
		if (user)
			*user = id + 1;
	}
	if (m->k->cap - m->k->n < 2) {
		m->k->cap = m->k->cap * 2 + 8;
		m->k->v = realloc(m->k->v, m->k->cap * sizeof *m->k->v);
		assert_non_null(m->k->v);
	}
	m->k->v[m->k->n++] = id;
	m->k->v[m->k->n++] = m->k->title ? UINT32_MAX : t->pos;
	return 0;
}

/* The builder's sink: the pairs of words seen before, appended by the
   analyzer, interleave with the callback's as the callback alone gives them. */
static void test_analyze_sink(void **state)
{
	(void)state;
	const char *text = "Kafka streams and kafka consumers; the Node.js CI/CD pipeline, node.js again, "
	                   "$20m saved, 40% faster, C# and C++ with kafka streams streams streams.";
	lidx__sink ks = { NULL, 0, 0, 0 }, kc = { NULL, 0, 0, 0 };
	mini *ms = calloc(1, sizeof *ms), *mc = calloc(1, sizeof *mc);
	assert_non_null(ms);
	assert_non_null(mc);
	assert_int_equal(lidx_analyzer_new(&ms->a), 0);
	assert_int_equal(lidx_analyzer_new(&mc->a), 0);
	ms->k = &ks;
	mc->k = &kc;
	lidx__analyzer_sink(ms->a, &ks);
	for (int round = 0; round < 3; round++) {
		ks.title = kc.title = round == 1;
		const unsigned o = round == 2 ? 0 : LIDX__ANALYZE_PREFETCH;
		assert_int_equal(lidx_analyze(ms->a, text, strlen(text), o, 5, mini_token, ms, NULL), 0);
		assert_int_equal(lidx_analyze(mc->a, text, strlen(text), o, 5, mini_token, mc, NULL), 0);
	}
	assert_int_equal(ks.n, kc.n);
	assert_memory_equal(ks.v, kc.v, kc.n * sizeof *kc.v);
	assert_true(ms->calls < mc->calls / 2); /* the repeats went to the sink */
	lidx__analyzer_sink(ms->a, NULL);
	lidx_analyzer_free(ms->a);
	lidx_analyzer_free(mc->a);
	free(ks.v);
	free(kc.v);
	free(ms);
	free(mc);
}

int lidx__irregular_sorted(void);
int lidx__stem_keep_sorted(void);

static void test_analyze_irregular_table(void **state)
{
	(void)state;
	assert_true(lidx__irregular_sorted()); /* bsearch needs strcmp order */
	assert_true(lidx__stem_keep_sorted());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_analyze_table),
		cmocka_unit_test(test_analyze_invalid_utf8),
		cmocka_unit_test(test_analyze_long_token),
		cmocka_unit_test(test_analyze_word_ids),
		cmocka_unit_test(test_analyze_fast_path_same),
		cmocka_unit_test(test_analyze_cache_lengths),
		cmocka_unit_test(test_analyze_sink),
		cmocka_unit_test(test_analyze_irregular_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
