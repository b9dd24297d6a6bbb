/*
 * test_search.c -- ranking and the query language: BM25F scores against
 * hand-computed values (search.c's top comment), the coord factor, phrases
 * (with stop-word gaps), -excluded, OR, prefix*, file:, totals, limits,
 * ties, query errors and natural-language question framing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>
#include "libindex.h"

#define PROX_W_TEST 0.15 /* a weight for the tests (the default may be 0: off) */

typedef struct doc {
	const char *path, *title, *text;
} doc;

/*
 * Index A, for hand-computed scores. Token counts (stop words do not count):
 *   id  title        title_len  body                                   body_len
 *   0   "Care"       1          "cat dog w1 w2 w3 w4 w5 w6 w7 w8"      10
 *   1   "Dogs"       1          "dog dog dog dog bird"                 5
 *   2   "Birds"      1          "bird fish the cat"                    3
 *   3   "Fish"       1          "fish tank"                            2
 * N = 4, avg_title = 4/4 = 1, avg_body = 20/4 = 5.
 */
static const doc docs_a[] = {
	{ "notes/a.md", "Care", "cat dog w1 w2 w3 w4 w5 w6 w7 w8" },
	{ "notes/a.md", "Dogs", "dog dog dog dog bird" },
	{ "notes/b.txt", "Birds", "bird fish the cat" },
	{ "notes/b.txt", "Fish", "fish tank" },
};

/*
 * Index B, for the query language. Stories 5 and 6 are identical (a tie).
 */
static const doc docs_b[] = {
	{ "work/tanium.md", "ORM removal", "We decided to phase out the ORM in favour of SQL." },
	{ "work/tanium.md", "ORM notes", "phase the ORM out slowly; the ORM was old" },
	{ "work/tanium.md", "Streaming", "consumer lag fixed with kafka streams and kafka" },
	{ "personal/Nacelle.txt", "Kubernetes", "moved services to kubernetes and kafka" },
	{ "personal/Nacelle.txt", "Graphs", "graphql schema registry" },
	{ "personal/Nacelle.txt", "Tie", "zebra crossing" },
	{ "personal/Nacelle.txt", "Tie", "zebra crossing" },
	{ "personal/Nacelle.txt", "Vendor", "a call with the vendor" },
	{ "personal/Nacelle.txt", "Rota", "joined the on-call rotation" },
	{ "personal/Nacelle.txt", "Lessons", "a costly mistake in production" },
};

static char tmpdir[64];
static lidx_index *ix_a, *ix_b;
static lidx_analyzer *an;

static lidx_index *build(const char *name, const doc *d, size_t n)
{
	char path[160];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(d[i].path, d[i - 1].path))
			assert_int_equal(lidx_builder_add_file(b, d[i].path, 1, 1, 0), 0);
		assert_int_equal(lidx_builder_add_story(b, d[i].title, "", (uint32_t)i + 1, (uint32_t)i + 1,
		                                        d[i].text, strlen(d[i].text)),
		                 0);
	}
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, 0, &err), 0);
	unlink(path); /* mapped: stays readable */
	return ix;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_search.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	ix_a = build("a.cvx", docs_a, sizeof docs_a / sizeof *docs_a);
	ix_b = build("b.cvx", docs_b, sizeof docs_b / sizeof *docs_b);
	return lidx_analyzer_new(&an);
}

static int teardown(void **state)
{
	(void)state;
	lidx_index_close(ix_a);
	lidx_index_close(ix_b);
	lidx_analyzer_free(an);
	rmdir(tmpdir);
	return 0;
}

/* Parse and run q; fails the test on an error. */
static void run(lidx_index *ix, const char *text, int coord, size_t limit, lidx_results *res)
{
	lidx_query *q;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&q, ix, an, text, strlen(text), 0, &err);
	if (rc != 0)
		fail_msg("parse \"%s\": %d %s", text, rc, err.msg);
	lidx_search_opts o;
	memset(&o, 0, sizeof o);
	lidx_search_defaults(&o);
	o.coord = coord;
	o.limit = limit;
	rc = lidx_search(ix, q, &o, res, &err);
	if (rc != 0)
		fail_msg("search \"%s\": %d %s", text, rc, err.msg);
	lidx_query_free(q);
}

/* ---- hand-computed BM25F ------------------------------------------------------------ */

/* idf = ln(1 + (N - df + 0.5) / (df + 0.5)) */
static double idf(double n, double df)
{
	return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

/*
 * tf~ = w_title * tft / (1 - b_title + b_title * tl / avg_t) + tfb / (1 - b + b * bl / avg_b)
 * s   = idf * tf~ * (k1 + 1) / (k1 + tf~)
 * with k1 = 1.2, b = 0.75, b_title = 0.5, w_title = 2.5; index A: avg_t = 1, avg_b = 5.
 */
static double s_a(double idf_, double tft, double tfb, double tl, double bl)
{
	double tf = 2.5 * tft / (1 - 0.5 + 0.5 * tl / 1.0) + tfb / (1 - 0.75 + 0.75 * bl / 5.0);
	return idf_ * tf * (1.2 + 1) / (1.2 + tf);
}

static void test_search_bm25_single_terms(void **state)
{
	(void)state;
	lidx_stats st;
	assert_int_equal(lidx_index_stats(ix_a, &st), 0);
	assert_int_equal(st.n_stories, 4);
	assert_float_equal(st.avg_title_len, 1.0, 1e-12);
	assert_float_equal(st.avg_body_len, 5.0, 1e-12);
	/*
	 * idf(df=2) = ln(1 + 2.5/2.5) = ln 2 = 0.693147; idf(df=1) = ln(1 + 3.5/1.5) = 1.203973.
	 * "cat" in 0 (body 1, bl 10): tf~ = 1/(0.25 + 0.75*10/5) = 1/1.75 = 0.571429,
	 *   s = 0.693147 * 0.571429 * 2.2 / 1.771429 = 0.491911
	 * "cat" in 2 (body 1, bl 3): tf~ = 1/0.7 = 1.428571, s = 0.828763
	 * "dog" in 1 (title 1, body 4, bl 5): tf~ = 2.5/1 + 4/1 = 6.5, s = 1.287273
	 * "tank" in 3 (body 1, bl 2): tf~ = 1/0.55 = 1.818182, s = 1.203973 * 1.818182 * 2.2 / 3.018182 = 1.595627
	 * "care" in 0 (title only): tf~ = 2.5, s = 1.203973 * 2.5 * 2.2 / 3.7 = 1.789689
	 * "fish" in 3 (title 1, body 1, bl 2): tf~ = 2.5 + 1.818182 = 4.318182,
 *   s = 0.693147 * 4.318182 * 2.2 / 5.518182 = 1.193309
	 */
	static const struct {
		const char *q;
		size_t n;
		uint32_t ids[4];
		double df, tft[4], tfb[4], bl[4];
		double approx[4];
	} cases[] = {
		{ "cat", 2, { 2, 0 }, 2, { 0, 0 }, { 1, 1 }, { 3, 10 }, { 0.828763, 0.491911 } },
		{ "dog", 2, { 1, 0 }, 2, { 1, 0 }, { 4, 1 }, { 5, 10 }, { 1.287273, 0 } },
		{ "tank", 1, { 3 }, 1, { 0 }, { 1 }, { 2 }, { 1.595627 } },
		{ "care", 1, { 0 }, 1, { 1 }, { 0 }, { 10 }, { 1.789689 } },
		{ "fish", 2, { 3, 2 }, 2, { 1, 0 }, { 1, 1 }, { 2, 3 }, { 1.193309, 0 } },
		{ "bird", 2, { 2, 1 }, 2, { 1, 0 }, { 1, 1 }, { 3, 5 }, { 0, 0 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		for (int coord = 0; coord < 2; coord++) {
			lidx_results r;
			run(ix_a, cases[i].q, coord, 10, &r);
			if (r.n_hits != cases[i].n || r.total != cases[i].n)
				fail_msg("\"%s\": %zu hits", cases[i].q, r.n_hits);
			for (size_t k = 0; k < cases[i].n; k++) {
				double want = s_a(idf(4, cases[i].df), cases[i].tft[k], cases[i].tfb[k], 1, cases[i].bl[k]);
				if (r.hits[k].story != cases[i].ids[k] || fabs(r.hits[k].score - want) > 1e-9)
					fail_msg("\"%s\" hit %zu: story %u score %.12f, want %u %.12f", cases[i].q, k,
					         r.hits[k].story, r.hits[k].score, cases[i].ids[k], want);
				if (cases[i].approx[k] > 0)
					assert_float_equal(want, cases[i].approx[k], 1e-6); /* the comment's arithmetic */
			}
			lidx_results_clear(&r);
		}
	}
}

/* coord: the story with both words beats the one repeating one word. */
static void test_search_bm25_coord(void **state)
{
	(void)state;
	double l2 = idf(4, 2);
	double cat0 = s_a(l2, 0, 1, 1, 10), dog0 = s_a(l2, 0, 1, 1, 10);
	double dog1 = s_a(l2, 1, 4, 1, 5), cat2 = s_a(l2, 0, 1, 1, 3);
	/* coord on: 0 = 0.983822 (2/2 groups), 1 = 1.287273 / 2 = 0.643637, 2 = 0.828763 / 2 */
	lidx_results r;
	run(ix_a, "cat dog", 1, 10, &r);
	assert_int_equal(r.n_hits, 3);
	assert_int_equal(r.total, 3);
	assert_int_equal(r.hits[0].story, 0);
	assert_float_equal(r.hits[0].score, cat0 + dog0, 1e-9);
	assert_float_equal(r.hits[0].score, 0.983822, 1e-6);
	assert_int_equal(r.hits[1].story, 1);
	assert_float_equal(r.hits[1].score, dog1 * 0.5, 1e-9);
	assert_int_equal(r.hits[2].story, 2);
	assert_float_equal(r.hits[2].score, cat2 * 0.5, 1e-9);
	lidx_results_clear(&r);
	/* coord off: plain sums, and story 1's four dogs win */
	run(ix_a, "cat dog", 0, 10, &r);
	assert_int_equal(r.n_hits, 3);
	assert_int_equal(r.hits[0].story, 1);
	assert_float_equal(r.hits[0].score, dog1, 1e-9);
	assert_int_equal(r.hits[1].story, 0);
	assert_float_equal(r.hits[1].score, cat0 + dog0, 1e-9);
	assert_int_equal(r.hits[2].story, 2);
	assert_float_equal(r.hits[2].score, cat2, 1e-9);
	lidx_results_clear(&r);

	/* lidx_explain agrees: per-group contributions before coord */
	lidx_query *q;
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(&q, ix_a, an, "cat dog", 7, 0, &err), 0);
	assert_int_equal(lidx_query_group_count(q), 2);
	double per[2], total;
	assert_int_equal(lidx_explain(ix_a, q, NULL, 1, per, &total), 0);
	assert_float_equal(per[0], 0, 1e-12);
	assert_float_equal(per[1], dog1, 1e-9);
	assert_float_equal(total, dog1 * 0.5, 1e-9);
	assert_int_equal(lidx_explain(ix_a, q, NULL, 4, per, &total), LIDX_EINVAL);
	lidx_query_free(q);

	/* a phrase: its occurrences as body tf, the sum of its terms' IDFs */
	run(ix_a, "\"cat dog\"", 1, 10, &r);
	assert_int_equal(r.n_hits, 1);
	assert_int_equal(r.hits[0].story, 0);
	assert_float_equal(r.hits[0].score, s_a(l2 + l2, 0, 1, 1, 10), 1e-9);
	lidx_results_clear(&r);
	/* the same words in the other order are not the phrase */
	run(ix_a, "\"dog cat\"", 1, 10, &r);
	assert_int_equal(r.n_hits, 0);
	assert_int_equal(r.total, 0);
	lidx_results_clear(&r);
}

/* Changed parameters change the score as the formula says. */
static void test_search_bm25_params(void **state)
{
	(void)state;
	lidx_query *q;
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(&q, ix_a, an, "fish", 4, 0, &err), 0);
	lidx_search_opts o;
	memset(&o, 0, sizeof o);
	lidx_search_defaults(&o);
	assert_float_equal(o.k1, 1.2, 0);
	assert_float_equal(o.b, 0.75, 0);
	assert_float_equal(o.b_title, 0.5, 0);
	assert_float_equal(o.w_title, 2.5, 0);
	o.k1 = 2.0, o.b = 0.0, o.w_title = 1.0;
	lidx_results r;
	assert_int_equal(lidx_search(ix_a, q, &o, &r, &err), 0);
	/* story 3: tf~ = 1 * 1 / 1 + 1 / 1 = 2; s = ln 2 * 2 * 3 / 4 */
	assert_int_equal(r.hits[0].story, 3);
	assert_float_equal(r.hits[0].score, log(2.0) * 2 * 3 / 4, 1e-9);
	/* story 2: tf~ = 1; s = ln 2 * 1 * 3 / 3 */
	assert_int_equal(r.hits[1].story, 2);
	assert_float_equal(r.hits[1].score, log(2.0), 1e-9);
	lidx_results_clear(&r);
	o.b = 1.5;
	assert_int_equal(lidx_search(ix_a, q, &o, &r, &err), LIDX_EINVAL);
	assert_int_equal(r.n_hits, 0);
	o.b = 0.75, o.k1 = -1;
	assert_int_equal(lidx_search(ix_a, q, &o, &r, &err), LIDX_EINVAL);
	lidx_query_free(q);
}

/* ---- the query language ---------------------------------------------------------------- */

static void test_search_operators(void **state)
{
	(void)state;
	assert_true(lidx_is_stopword("out", 3) && lidx_is_stopword("the", 3) && lidx_is_stopword("to", 2));
	static const struct {
		const char *q;
		const char *want; /* story ids, best first */
		uint64_t total;
	} cases[] = {
		/* a phrase with a stop word in it matches only the adjacent words */
		{ "\"phase out the ORM\"", "0", 1 },
		{ "\"phase out a ORM\"", "0", 1 },   /* any stop word fills the gap */
		/* "out" is a stop word too: a one-word gap, as "the" in story 1's "phase the ORM" */
		{ "\"phase out ORM\"", "1", 1 },
		{ "\"ORM phase\"", "", 0 },
		{ "\"decided phase\"", "", 0 },   /* "to" is a gap */
		{ "\"decided to phase\"", "0", 1 },
		{ "\"the ORM\"", "1 0", 2 },         /* 1 has it twice */
		{ "phase orm", "1 0", 2 },
		{ "orm -slowly", "0", 1 },
		{ "kafka -kubernetes", "2", 1 },
		{ "kafka -\"kafka streams\"", "3", 1 },
		{ "orm OR kafka", "1 0 2 3", 4 },
		{ "zebra OR registry", "4 5 6", 3 },
		{ "graph*", "4", 1 },
		{ "regist*", "4", 1 },
		{ "nosuchword* kafka", "2 3", 2 }, /* a prefix that matches nothing drops out */
		{ "kafka file:nacelle", "3", 1 },
		{ "kafka file:NACELLE", "3", 1 },    /* case-insensitive */
		{ "kafka -file:nacelle", "2", 1 },
		{ "kafka file:tanium.md", "2", 1 },
		{ "kafka file:nope", "", 0 },
		{ "nosuchword", "", 0 },
		{ "zebra", "5 6", 2 },               /* a tie: by story id */
		/* a compound that stop words leave with one part is its whole only,
		   also through its alias "on call": never any "call" */
		{ "on-call", "8", 1 },
		{ "oncall", "8", 1 },
		{ "call", "7 8", 2 },
		/* a behavioural question reaches its topic's other words (related.c);
		   a keyword query means its words */
		{ "Tell me about a time you failed", "9", 1 },
		{ "failed", "", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		lidx_results r;
		run(ix_b, cases[i].q, 1, 10, &r);
		char got[64] = "";
		for (size_t k = 0; k < r.n_hits; k++) {
			size_t l = strlen(got);
			snprintf(got + l, sizeof got - l, "%s%u", k ? " " : "", r.hits[k].story);
			if (k && r.hits[k].score > r.hits[k - 1].score)
				fail_msg("\"%s\": hits not best first", cases[i].q);
		}
		if (strcmp(got, cases[i].want) || r.total != cases[i].total)
			fail_msg("\"%s\": got \"%s\" (total %llu), want \"%s\" (total %llu)", cases[i].q, got,
			         (unsigned long long)r.total, cases[i].want, (unsigned long long)cases[i].total);
		assert_true(r.total_exact);
		lidx_results_clear(&r);
	}
}

static void test_search_limit_ties(void **state)
{
	(void)state;
	lidx_results r;
	run(ix_b, "zebra", 1, 10, &r);
	assert_int_equal(r.n_hits, 2);
	assert_true(r.hits[0].score == r.hits[1].score);
	lidx_results_clear(&r);
	/* limit 1: the earlier story of the tie, total still counts both */
	run(ix_b, "zebra", 1, 1, &r);
	assert_int_equal(r.n_hits, 1);
	assert_int_equal(r.hits[0].story, 5);
	assert_int_equal(r.total, 2);
	lidx_results_clear(&r);
	/* limit 2 of 4: the best two */
	run(ix_b, "orm OR kafka", 1, 2, &r);
	assert_int_equal(r.n_hits, 2);
	assert_int_equal(r.hits[0].story, 1);
	assert_int_equal(r.hits[1].story, 0);
	assert_int_equal(r.total, 4);
	lidx_results_clear(&r);
	lidx_results_clear(NULL);
}

static void test_search_query_errors(void **state)
{
	(void)state;
	static const struct {
		const char *q;
		int rc;
	} cases[] = {
		{ "\"phase out", LIDX_ESYNTAX },
		{ "kafka \"", LIDX_ESYNTAX },
		{ "kafka - orm", LIDX_ESYNTAX },
		{ "-", LIDX_ESYNTAX },
		{ "kafka OR", LIDX_ESYNTAX },
		{ "OR kafka", LIDX_ESYNTAX },
		{ "kafka OR -orm", LIDX_ESYNTAX },
		{ "file:", LIDX_ESYNTAX },
		{ "*", LIDX_ESYNTAX },
		{ "the and of", LIDX_EEMPTY },
		{ "", LIDX_EEMPTY },
		{ "   ", LIDX_EEMPTY },
		{ "-kafka", LIDX_EEMPTY },
		{ "file:nacelle", LIDX_EEMPTY },
		{ "!!! ...", LIDX_EEMPTY },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		lidx_query *q = (lidx_query *)&q;
		lidx_err err = { 0 };
		int rc = lidx_query_parse(&q, ix_b, an, cases[i].q, strlen(cases[i].q), 0, &err);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d (%s)", cases[i].q, rc, cases[i].rc, err.msg);
		assert_null(q);
		assert_true(err.msg[0] != 0);
	}
	/* raw mode: the operators are text */
	lidx_query *q;
	lidx_err err = { 0 };
	const char *raw = "\"phase out - kafka OR";
	assert_int_equal(lidx_query_parse(&q, ix_b, an, raw, strlen(raw), LIDX_QUERY_RAW, &err), 0);
	lidx_query_free(q);
	lidx_query_free(NULL);
}

static void test_search_describe(void **state)
{
	(void)state;
	static const struct {
		const char *q, *want;
	} cases[] = {
		{ "kafka -zebra", "[kafka] -[zebra]" },
		{ "\"phase out the ORM\"", "[\"phase orm\"]" },
		{ "zebra OR kafka file:Nacelle", "[zebra | kafka] file:nacelle" },
		{ "kafka -file:Tanium", "[kafka] -file:tanium" },
		{ "graph*", "[graph | graphql]" },
		/* question framing is dropped from a plain-English question, and the
		   other words weigh their specificity in English (question.c) */
		{ "Tell me about a time you used kafka", "[use]^0.11 [kafka]" },
		{ "Can you describe a situation where you fixed consumer lag?", "[fix]^0.53 [consum]^0.73 [lag]" },
		/* framing words are matched by their stems (example -> exampl) */
		{ "Give me an example of a specific occasion when you fixed consumer lag",
		  "[fix]^0.53 [consum]^0.73 [lag]" },
		/* ... but not when nothing else is left */
		{ "Tell me about yourself please", "[tell] [pleas]" },
		/* nor from short queries */
		{ "kafka time", "[kafka] [time]" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		lidx_query *q;
		lidx_err err = { 0 };
		int rc = lidx_query_parse(&q, ix_b, an, cases[i].q, strlen(cases[i].q), 0, &err);
		if (rc != 0)
			fail_msg("\"%s\": %d %s", cases[i].q, rc, err.msg);
		const char *d = lidx_query_describe(q);
		if (strcmp(d, cases[i].want))
			fail_msg("\"%s\": \"%s\", want \"%s\"", cases[i].q, d, cases[i].want);
		lidx_query_free(q);
	}
}

/*
 * The three walks of the postings give the same ranking: MaxScore (document
 * at a time), the window scorer of long queries (term at a time, MaxScore
 * across windows) and the exhaustive window scorer (every posting, exact
 * total), on 9,000 random stories (three windows) and long random queries
 * with compounds (a phrase alternative), repeated words and file filters.
 */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
	return *x;
}

static void search_algo(lidx_index *ix, const char *text, int algo, size_t limit, lidx_results *res)
{
	lidx_query *q;
	lidx_err err = { 0 };
	unsigned flags = strstr(text, "file:") ? 0 : LIDX_QUERY_RAW; /* file: is an operator */
	assert_int_equal(lidx_query_parse(&q, ix, an, text, strlen(text), flags, &err), 0);
	lidx_search_opts o;
	lidx_search_defaults(&o);
	o.coord = 0;
	o.limit = limit;
	o.algo = algo;
	if (lidx_search(ix, q, &o, res, &err) != 0)
		fail_msg("search: %s", err.msg);
	lidx_query_free(q);
}

/*
 * lidx_results.total: exact when every matching story was scored, a lower
 * bound (total_exact 0) once MaxScore stops reading the postings of a word
 * that can no longer lift a story into the top `limit`. Story 0 has "rare"
 * three times and "common" once; stories 1..20 have only "common". With
 * limit 1, story 0 fills the top and "common" alone cannot beat it: the
 * stories that have only "common" are skipped, so total counts fewer than
 * the 21 that match. The window scorer (coord off) reads every posting:
 * 21, exact.
 */
/*
 * A plain-English question's short stories (lidx_search_opts.short_floor):
 * a story under a third of the average length scores BM25 times its length
 * ratio over the floor; keyword queries are unchanged; the top k is the same
 * whatever the limit (the floor is applied past the first fetch).
 */
static void test_search_short_floor(void **state)
{
	(void)state;
	enum { N = 120 };
	static char pad60[1024], pad200[2048];
	size_t o60 = 0, o200 = 0;
	for (int k = 0; k < 60; k++)
		o60 += (size_t)snprintf(pad60 + o60, sizeof pad60 - o60, " pad%d", k);
	for (int k = 0; k < 200; k++)
		o200 += (size_t)snprintf(pad200 + o200, sizeof pad200 - o200, " lorem");
	static char first[1100];
	snprintf(first, sizeof first, "rollback rollback rollback%s", pad60);
	doc d[N];
	d[0] = (doc){ "a.md", "Checkout", first };           /* 1 + 63 tokens */
	for (size_t i = 1; i < 100; i++)
		d[i] = (doc){ "a.md", "Note", "rollback" };      /* 1 + 1 */
	for (size_t i = 100; i < N; i++)
		d[i] = (doc){ "a.md", "Long", pad200 + 1 };       /* 1 + 200 */
	lidx_index *ix = build("floor.cvx", d, N);
	double avg = (64.0 + 99 * 2 + 20 * 201) / N;
	const char *question = "Tell me about a time you did a rollback?";
	lidx_results all, none;
	lidx_query *q;
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(&q, ix, an, question, strlen(question), 0, &err), 0);
	lidx_search_opts o;
	lidx_search_defaults(&o);
	assert_true(o.short_floor > 0.3 && o.short_floor < 0.34);
	o.limit = N;
	assert_int_equal(lidx_search(ix, q, &o, &all, &err), 0);
	o.short_floor = 0;
	assert_int_equal(lidx_search(ix, q, &o, &none, &err), 0);
	assert_int_equal(all.n_hits, 100);
	assert_int_equal(none.n_hits, 100);
	/* without the floor the one-word notes lead; with it, the write-up */
	assert_int_not_equal(none.hits[0].story, 0);
	assert_int_equal(all.hits[0].story, 0);
	double s_note = 0, s_note0 = 0, s_inc = 0, s_inc0 = 0;
	for (size_t h = 0; h < 100; h++) {
		if (all.hits[h].story == 1)
			s_note = all.hits[h].score;
		if (none.hits[h].story == 1)
			s_note0 = none.hits[h].score;
		if (all.hits[h].story == 0)
			s_inc = all.hits[h].score;
		if (none.hits[h].story == 0)
			s_inc0 = none.hits[h].score;
	}
	assert_true(s_note0 > 0 && s_inc0 > 0);
	assert_true(fabs(s_note - s_note0 * (3.0 / avg) / (1.0 / 3)) < 1e-9);
	assert_true(fabs(s_inc - s_inc0) < 1e-12); /* longer than the floor: unchanged */
	/* any limit gives the same top k (more fetched when the floor reorders) */
	size_t limits[] = { 1, 2, 5, 10, 64, 65 };
	for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
		lidx_results r;
		lidx_search_defaults(&o);
		o.limit = limits[l];
		assert_int_equal(lidx_search(ix, q, &o, &r, &err), 0);
		assert_int_equal(r.n_hits, limits[l]);
		for (size_t h = 0; h < r.n_hits; h++)
			assert_true(fabs(r.hits[h].score - all.hits[h].score) < 1e-12);
		assert_int_equal(r.hits[0].story, 0);
		lidx_results_clear(&r);
	}
	lidx_results_clear(&all);
	lidx_results_clear(&none);
	lidx_query_free(q);
	/* a keyword query: BM25 as it is */
	assert_int_equal(lidx_query_parse(&q, ix, an, "rollback", 8, 0, &err), 0);
	lidx_search_defaults(&o);
	o.limit = 1;
	assert_int_equal(lidx_search(ix, q, &o, &all, &err), 0);
	assert_int_not_equal(all.hits[0].story, 0);
	lidx_results_clear(&all);
	lidx_query_free(q);
	lidx_index_close(ix);
}

/*
 * Proximity of a question's topic words (lidx_search_opts.prox, proximity.c):
 * stories 0 and 1 have the same words and lengths (the same BM25F; the tie
 * goes to story 0), but story 1 says "database migration" where story 0 has
 * 30 words between them. With the factor, story 1 leads; scores only go
 * down, by at most w; the top k is the same whatever the limit; a keyword
 * query is unchanged unless prox_keywords is set; a question of one topic
 * word is unchanged.
 */
static void test_search_proximity(void **state)
{
	(void)state;
	enum { N = 150 };
	static char far[2048], near[2048], pad[1024];
	size_t op = 0;
	for (int k = 0; k < 30; k++)
		op += (size_t)snprintf(pad + op, sizeof pad - op, " pad%d", k);
	snprintf(far, sizeof far, "database%s migration", pad);
	snprintf(near, sizeof near, "database migration%s", pad);
	doc d[N];
	d[0] = (doc){ "a.md", "Note", far };
	d[1] = (doc){ "a.md", "Note", near };
	for (size_t i = 2; i < N; i++) /* one topic word each: P = 0 */
		d[i] = (doc){ "a.md", "Other", i % 2 ? "database w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31" :
		                                      "migration w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31" };
	lidx_index *ix = build("prox.cvx", d, N);
	const char *question = "Tell me about a database migration you did?";
	lidx_query *q;
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(&q, ix, an, question, strlen(question), 0, &err), 0);
	lidx_search_opts o;
	lidx_search_defaults(&o);
	const double w = PROX_W_TEST;
	lidx_results on, off;
	o.limit = N;
	o.prox = 0;
	assert_int_equal(lidx_search(ix, q, &o, &off, &err), 0);
	o.prox = w;
	assert_int_equal(lidx_search(ix, q, &o, &on, &err), 0);
	assert_int_equal(on.n_hits, N);
	assert_int_equal(off.n_hits, N);
	assert_int_equal(off.hits[0].story, 0); /* the tie: the earlier story */
	assert_int_equal(off.hits[1].story, 1);
	assert_true(off.hits[0].score == off.hits[1].score);
	assert_int_equal(on.hits[0].story, 1);  /* adjacent topic words first */
	assert_int_equal(on.hits[1].story, 0);
	/* each score lowered, by a factor in [1 - w, 1] */
	for (size_t h = 0; h < N; h++)
		for (size_t k = 0; k < N; k++)
			if (off.hits[k].story == on.hits[h].story) {
				double f = on.hits[h].score / off.hits[k].score;
				assert_true(f <= 1 + 1e-12 && f >= 1 - w - 1e-12);
				if (on.hits[h].story >= 2) /* one group in the body: P = 0 */
					assert_true(fabs(f - (1 - w)) < 1e-12);
			}
	/* the pair 1 apart: P = acc / (acc + K) > 0.5 for K <= 1 */
	assert_true(on.hits[0].score / off.hits[1].score > 1 - w + w * 0.5);
	/* any limit gives the same top k */
	size_t limits[] = { 1, 2, 5, 64, 65 };
	for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
		lidx_results r;
		o.limit = limits[l];
		assert_int_equal(lidx_search(ix, q, &o, &r, &err), 0);
		assert_int_equal(r.n_hits, limits[l]);
		for (size_t h = 0; h < r.n_hits; h++) {
			assert_int_equal(r.hits[h].story, on.hits[h].story);
			assert_true(fabs(r.hits[h].score - on.hits[h].score) < 1e-12);
		}
		lidx_results_clear(&r);
	}
	lidx_results_clear(&on);
	lidx_results_clear(&off);
	lidx_query_free(q);
	/* a keyword query: unchanged, unless prox_keywords */
	assert_int_equal(lidx_query_parse(&q, ix, an, "database migration", 18, 0, &err), 0);
	o.limit = 2;
	o.prox = w;
	o.prox_keywords = 0;
	assert_int_equal(lidx_search(ix, q, &o, &off, &err), 0);
	assert_int_equal(off.hits[0].story, 0);
	o.prox_keywords = w;
	assert_int_equal(lidx_search(ix, q, &o, &on, &err), 0);
	assert_int_equal(on.hits[0].story, 1);
	lidx_results_clear(&on);
	lidx_results_clear(&off);
	lidx_query_free(q);
	/* one topic word: nothing to be near, scores as without the factor */
	const char *one = "Tell me about a migration you did?";
	assert_int_equal(lidx_query_parse(&q, ix, an, one, strlen(one), 0, &err), 0);
	o.limit = 3;
	o.prox = 0;
	assert_int_equal(lidx_search(ix, q, &o, &off, &err), 0);
	o.prox = w;
	assert_int_equal(lidx_search(ix, q, &o, &on, &err), 0);
	for (size_t h = 0; h < 3; h++)
		assert_true(on.hits[h].score == off.hits[h].score);
	lidx_results_clear(&on);
	lidx_results_clear(&off);
	lidx_query_free(q);
	lidx_index_close(ix);
}

static void test_search_total_lower_bound(void **state)
{
	(void)state;
	doc d[21];
	d[0] = (doc){ "a.md", "Zero", "rare rare rare common" };
	for (size_t i = 1; i < 21; i++)
		d[i] = (doc){ "a.md", "Filler", "common words only" };
	lidx_index *ix = build("lb.cvx", d, 21);
	static const struct {
		const char *q;
		size_t limit;
		int algo, exact;
		uint64_t total; /* the total when exact, else an upper limit of it */
	} cases[] = {
		{ "rare common", 1, LIDX_ALGO_MAXSCORE, 0, 20 },
		{ "rare common", 1, LIDX_ALGO_WINDOWS, 1, 21 },
		{ "rare common", 21, LIDX_ALGO_MAXSCORE, 1, 21 }, /* all fit: nothing pruned */
		{ "rare", 1, LIDX_ALGO_MAXSCORE, 1, 1 },
		{ "common", 1, LIDX_ALGO_MAXSCORE, 1, 21 },       /* one word: no weaker word to skip */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		lidx_query *q;
		lidx_err err = { 0 };
		assert_int_equal(lidx_query_parse(&q, ix, an, cases[i].q, strlen(cases[i].q), 0, &err), 0);
		lidx_search_opts o;
		lidx_search_defaults(&o);
		o.limit = cases[i].limit;
		o.algo = cases[i].algo;
		o.coord = 0; /* the window scorer runs without coord */
		lidx_results r;
		assert_int_equal(lidx_search(ix, q, &o, &r, &err), 0);
		if (strstr(cases[i].q, "rare"))
			assert_int_equal(r.hits[0].story, 0);
		if (r.total_exact != cases[i].exact)
			fail_msg("case %zu: total_exact %d, want %d (total %llu)", i, r.total_exact, cases[i].exact,
			         (unsigned long long)r.total);
		if (cases[i].exact)
			assert_int_equal(r.total, cases[i].total);
		else
			assert_true(r.total >= r.n_hits && r.total <= cases[i].total);
		lidx_results_clear(&r);
		lidx_query_free(q);
	}
	lidx_index_close(ix);

	/*
	 * The pruned window scorer: story 0 has eleven rare words, the 5,000
	 * others only "common". From the second window of 4,096 stories on,
	 * "common" cannot lift a story past story 0 and proposes none: those
	 * stories are not counted, so the total is a lower bound; the
	 * exhaustive walk counts all 5,001.
	 */
	enum { N_BIG = 5001 };
	doc *big = calloc(N_BIG, sizeof *big);
	assert_non_null(big);
	big[0] = (doc){ "b.md", "Zero", "zq zw ze zr zt zy zu zi zo zp za common" };
	for (size_t i = 1; i < N_BIG; i++)
		big[i] = (doc){ "b.md", "Filler", "common words only" };
	ix = build("lbw.cvx", big, N_BIG);
	free(big);
	const char *wq = "zq zw ze zr zt zy zu zi zo zp za common";
	for (int exhaustive = 0; exhaustive < 2; exhaustive++) {
		lidx_query *q;
		lidx_err err = { 0 };
		assert_int_equal(lidx_query_parse(&q, ix, an, wq, strlen(wq), 0, &err), 0);
		lidx_search_opts o;
		lidx_search_defaults(&o);
		o.limit = 1;
		o.coord = 0;
		o.algo = exhaustive ? LIDX_ALGO_EXHAUSTIVE : LIDX_ALGO_WINDOWS;
		lidx_results r;
		assert_int_equal(lidx_search(ix, q, &o, &r, &err), 0);
		assert_int_equal(r.hits[0].story, 0);
		if (exhaustive) {
			assert_true(r.total_exact);
			assert_int_equal(r.total, N_BIG);
		} else {
			assert_false(r.total_exact);
			assert_true(r.total < N_BIG);
		}
		lidx_results_clear(&r);
		lidx_query_free(q);
	}
	lidx_index_close(ix);
}

/* a and b rank the same stories with the same scores (ties may swap) */
static void same_hits(int t, const lidx_results *a, const lidx_results *b)
{
	assert_int_equal(a->n_hits, b->n_hits);
	for (size_t k = 0; k < a->n_hits; k++) {
		double d = a->hits[k].score - b->hits[k].score;
		if (d > 1e-9 || d < -1e-9)
			fail_msg("query %d hit %zu: score %.12f vs %.12f (story %u vs %u)", t, k, a->hits[k].score, b->hits[k].score, a->hits[k].story, b->hits[k].story);
		/* equal scores may differ in the last bits, so a tie may order differently */
		if (a->hits[k].story != b->hits[k].story && (k + 1 >= a->n_hits ||
		    fabs(a->hits[k].score - a->hits[k + 1].score) > 1e-9) &&
		    (k == 0 || fabs(a->hits[k].score - a->hits[k - 1].score) > 1e-9))
			fail_msg("query %d hit %zu: story %u vs %u", t, k, a->hits[k].story, b->hits[k].story);
	}
}

static void test_search_algorithms_agree(void **state)
{
	(void)state;
	enum { N = 9000, VOCAB = 400 };
	char path[160];
	snprintf(path, sizeof path, "%s/r.cvx", tmpdir);
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	uint32_t x = 12345;
	char text[1024];
	for (int i = 0; i < N; i++) {
		if (i % 3000 == 0) {
			char name[32];
			snprintf(name, sizeof name, "dir%d/f.md", i / 3000);
			assert_int_equal(lidx_builder_add_file(b, name, 1, 1, 0), 0);
		}
		size_t n = 0;
		int words = 5 + (int)(rnd(&x) % 40);
		for (int k = 0; k < words; k++) /* skewed: low ids are common words */
			n += (size_t)snprintf(text + n, sizeof text - n, "%sw%u%s", k ? " " : "",
			                      rnd(&x) % (1 + rnd(&x) % VOCAB), rnd(&x) % 50 ? "" : "-z9");
		assert_int_equal(lidx_builder_add_story(b, "", "", 1, 1, text, n), 0);
	}
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, 0, &err), 0);
	unlink(path);
	int n_pruned = 0;
	for (int t = 0; t < 40; t++) {
		size_t n = 0;
		int words = 11 + (int)(rnd(&x) % 60);
		for (int k = 0; k < words; k++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%sw%u%s", k ? " " : "",
			                      rnd(&x) % (1 + rnd(&x) % VOCAB), rnd(&x) % 10 ? "" : "-z9");
		if (t % 5 == 0)
			snprintf(text + n, sizeof text - n, " file:dir1");
		lidx_results m, w, ex;
		size_t limit = t % 2 ? 10 : 100;
		search_algo(ix, text, LIDX_ALGO_MAXSCORE, limit, &m);
		search_algo(ix, text, LIDX_ALGO_WINDOWS, limit, &w);
		search_algo(ix, text, LIDX_ALGO_EXHAUSTIVE, limit, &ex);
		same_hits(t, &ex, &m);
		same_hits(t, &ex, &w);
		assert_true(ex.total_exact);
		assert_true(m.total <= ex.total && w.total <= ex.total);
		if (m.total_exact)
			assert_int_equal(m.total, ex.total);
		if (w.total_exact)
			assert_int_equal(w.total, ex.total);
		else
			n_pruned++;
		lidx_results_clear(&m);
		lidx_results_clear(&w);
		lidx_results_clear(&ex);
	}
	/* the windows' MaxScore did skip stories, so the agreement above covers it */
	assert_true(n_pruned > 0);
	lidx_index_close(ix);
}

/*
 * Block-max (format 3: a score bound per 128-doc postings block) against
 * the exhaustive reference, on random stories with titles and very uneven
 * lengths (so the bounds' title part and length points matter), for 1-3
 * word queries (where whole blocks are passed by their bound) and 100-300
 * word ones with repeated words (weights), under the default and other BM25F
 * parameters: the same top k, ids and scores. The pruning must have passed
 * blocks: a one-word query's total is then a lower bound.
 */
static void test_search_block_max_agrees(void **state)
{
	(void)state;
	enum { N = 12000, VOCAB = 300 };
	char path[160];
	snprintf(path, sizeof path, "%s/bm.cvx", tmpdir);
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	uint32_t x = 2024;
	static char text[8192];
	char title[256];
	assert_int_equal(lidx_builder_add_file(b, "bm.md", 1, 1, 0), 0);
	for (int i = 0; i < N; i++) {
		size_t n = 0, tn = 0;
		int words = rnd(&x) % 8 ? 3 + (int)(rnd(&x) % 30) : 100 + (int)(rnd(&x) % 800);
		for (int k = 0; k < words; k++) /* skewed: low ids are common words; some runs repeat one */
			n += (size_t)snprintf(text + n, sizeof text - n, "%sw%u", k ? " " : "",
			                      rnd(&x) % 5 ? rnd(&x) % (1 + rnd(&x) % VOCAB) : (uint32_t)i % 7);
		int twords = (int)(rnd(&x) % 4);
		title[0] = 0;
		for (int k = 0; k < twords; k++)
			tn += (size_t)snprintf(title + tn, sizeof title - tn, "%sw%u", k ? " " : "", rnd(&x) % VOCAB);
		assert_int_equal(lidx_builder_add_story(b, title, "", 1, 1, text, n), 0);
	}
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, 0, &err), 0);
	unlink(path);
	static const double params[][4] = { /* k1, b, b_title, w_title */
		{ 1.2, 0.75, 0.5, 2.5 }, { 0.5, 1.0, 1.0, 10 }, { 2.0, 0.0, 0.0, 0.0 }, { 1.2, 0.3, 0.9, 1.0 },
	};
	int n_lower = 0;
	for (int t = 0; t < 120; t++) {
		size_t n = 0;
		int words = t % 3 ? 1 + (int)(rnd(&x) % 3) : 100 + (int)(rnd(&x) % 200);
		for (int k = 0; k < words; k++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%sw%u", k ? " " : "",
			                      rnd(&x) % (1 + rnd(&x) % (words > 3 ? VOCAB : 40)));
		lidx_query *q;
		assert_int_equal(lidx_query_parse(&q, ix, an, text, n, LIDX_QUERY_RAW, &err), 0);
		lidx_search_opts o;
		lidx_search_defaults(&o);
		const double *pr = params[t % 4];
		o.k1 = pr[0], o.b = pr[1], o.b_title = pr[2], o.w_title = pr[3];
		o.coord = 0;
		o.limit = t % 2 ? 10 : 1 + rnd(&x) % 50;
		lidx_results w, ex;
		o.algo = LIDX_ALGO_WINDOWS;
		assert_int_equal(lidx_search(ix, q, &o, &w, &err), 0);
		o.algo = LIDX_ALGO_EXHAUSTIVE;
		assert_int_equal(lidx_search(ix, q, &o, &ex, &err), 0);
		same_hits(t, &ex, &w);
		assert_true(ex.total_exact);
		assert_true(w.total <= ex.total);
		if (w.total_exact)
			assert_int_equal(w.total, ex.total);
		n_lower += words == 1 && !w.total_exact;
		lidx_results_clear(&w);
		lidx_results_clear(&ex);
		lidx_query_free(q);
	}
	/* one-word queries have no weak words: only block-max passes stories */
	if (n_lower == 0)
		fail_msg("no one-word query passed a block by its bound");
	lidx_index_close(ix);
}


/*
 * Long queries (300-800 words) as a pasted text makes them: compounds
 * ("a-b": the whole and the phrase of its parts, one group), words whose
 * stem variants are in the index ("xyztk" and "xyztker": a group of two
 * alternatives) and repeated words (weights), over stories with titles and
 * uneven lengths, under the four parameter sets: the window scorer (its
 * two passes over those groups, the phrases it passes by their lead
 * term's frequency) gives the top k, ids and scores, of the exhaustive walk
 * and of MaxScore, whose per-story scoring is separate code.
 */
static void long_word(char *out, size_t cap, uint32_t id, int variant)
{
	static const char L[] = "bcdfghjklmnpqrtvwxz";
	snprintf(out, cap, "%c%c%ctk%s", L[id % 18], L[id / 18 % 18], L[id / 324 % 18], variant ? "er" : "");
}

static size_t long_text(char *text, size_t cap, uint32_t *x, int words, int vocab, int variants, int compounds)
{
	size_t n = 0;
	for (int k = 0; k < words && n + 64 < cap; k++) {
		char a[16], b[16];
		uint32_t id = rnd(x) % (1 + rnd(x) % (uint32_t)vocab);
		long_word(a, sizeof a, id, variants && rnd(x) % 4 == 0);
		if (rnd(x) % (uint32_t)compounds == 0) { /* a compound of rarer words, each with its pair */
			id = rnd(x) % (uint32_t)vocab;
			long_word(a, sizeof a, id, 0);
			long_word(b, sizeof b, (id * 7 + 1) % (uint32_t)vocab, 0);
			n += (size_t)snprintf(text + n, cap - n, "%s%s-%s", k ? " " : "", a, b);
		} else {
			n += (size_t)snprintf(text + n, cap - n, "%s%s", k ? " " : "", a);
		}
	}
	return n;
}

static void test_search_long_queries_agree(void **state)
{
	(void)state;
	enum { N = 16000, VOCAB = 300 }; /* four windows of stories */
	char path[160];
	snprintf(path, sizeof path, "%s/lq.cvx", tmpdir);
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	uint32_t x = 777;
	static char text[16384];
	char title[128];
	assert_int_equal(lidx_builder_add_file(b, "lq.md", 1, 1, 0), 0);
	for (int i = 0; i < N; i++) {
		int words = rnd(&x) % 6 ? 5 + (int)(rnd(&x) % 40) : 100 + (int)(rnd(&x) % 400);
		size_t n = long_text(text, sizeof text, &x, words, VOCAB, 1, 6);
		size_t tn = long_text(title, sizeof title, &x, (int)(rnd(&x) % 3), VOCAB, 0, 6);
		title[tn] = 0;
		assert_int_equal(lidx_builder_add_story(b, title, "", 1, 1, text, n), 0);
	}
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, 0, &err), 0);
	unlink(path);
	static const double params[][4] = { /* k1, b, b_title, w_title */
		{ 1.2, 0.75, 0.5, 2.5 }, { 0.5, 1.0, 1.0, 10 }, { 2.0, 0.0, 0.0, 0.0 }, { 1.2, 0.3, 0.9, 1.0 },
	};
	int n_pruned = 0, n_phrase = 0, n_variant = 0;
	for (int t = 0; t < 16; t++) {
		/* one in four with no compound: groups of variants only */
		size_t n = long_text(text, sizeof text, &x, 300 + (int)(rnd(&x) % 500), VOCAB, 0,
		                     t % 4 == 3 ? 1 << 30 : 2 + t % 3);
		lidx_query *q;
		assert_int_equal(lidx_query_parse(&q, ix, an, text, n, LIDX_QUERY_RAW, &err), 0);
		const char *desc = lidx_query_describe(q);
		n_phrase += strstr(desc, "| \"") != NULL;  /* [whole | "a b"] */
		n_variant += strstr(desc, "er]") != NULL || strstr(desc, "er |") != NULL;
		lidx_search_opts o;
		lidx_search_defaults(&o);
		const double *pr = params[t % 4];
		o.k1 = pr[0], o.b = pr[1], o.b_title = pr[2], o.w_title = pr[3];
		o.coord = 0;
		o.limit = t % 2 ? 10 : 1 + rnd(&x) % 40;
		lidx_results w, ex, m;
		o.algo = LIDX_ALGO_WINDOWS;
		assert_int_equal(lidx_search(ix, q, &o, &w, &err), 0);
		o.algo = LIDX_ALGO_EXHAUSTIVE;
		assert_int_equal(lidx_search(ix, q, &o, &ex, &err), 0);
		o.algo = LIDX_ALGO_MAXSCORE;
		assert_int_equal(lidx_search(ix, q, &o, &m, &err), 0);
		same_hits(t, &ex, &w);
		same_hits(t, &m, &w);
		assert_true(ex.total_exact);
		assert_true(w.total <= ex.total);
		n_pruned += !w.total_exact;
		lidx_results_clear(&w);
		lidx_results_clear(&ex);
		lidx_results_clear(&m);
		lidx_query_free(q);
	}
	/* the queries had compounds' phrases and variants, and the pruning passed stories */
	assert_true(n_phrase > 0 && n_variant > 0 && n_pruned > 0);
	lidx_index_close(ix);
}


/*
 * A raw text's repeated words weigh as many times as they occur, whether
 * the same bytes (taken from the first time's group without analysis) or
 * another spelling of the same terms ("kafka," "(Kafka)"); a word with no
 * searchable term ("the") adds nothing however often it comes.
 */
static void test_search_repeated_words(void **state)
{
	(void)state;
	static const char *const texts[] = { "kafka streams", "kafka kafka streams kafka the the",
		                             "kafka, streams (Kafka) kafka the" };
	double score[3][2];
	for (int t = 0; t < 3; t++) {
		lidx_results r;
		search_algo(ix_b, texts[t], LIDX_ALGO_EXHAUSTIVE, 10, &r);
		assert_true(r.n_hits >= 2);
		for (size_t k = 0; k < 2; k++) /* story 2 (kafka streams and kafka), 3 (kafka) */
			for (size_t h = 0; h < r.n_hits; h++)
				if (r.hits[h].story == 2 + k)
					score[t][k] = r.hits[h].score;
		lidx_results_clear(&r);
	}
	lidx_results one;
	search_algo(ix_b, "kafka", LIDX_ALGO_EXHAUSTIVE, 10, &one);
	double kafka3 = 0;
	for (size_t h = 0; h < one.n_hits; h++)
		if (one.hits[h].story == 3)
			kafka3 = one.hits[h].score;
	lidx_results_clear(&one);
	assert_true(kafka3 > 0);
	/* story 3 has kafka but not streams: 1, 3 and 3 times kafka's score */
	assert_float_equal(score[0][1], kafka3, 1e-9);
	assert_float_equal(score[1][1], 3 * kafka3, 1e-9);
	assert_float_equal(score[2][1], 3 * kafka3, 1e-9);
	assert_float_equal(score[1][0], score[2][0], 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_bm25_single_terms),
		cmocka_unit_test(test_search_bm25_coord),
		cmocka_unit_test(test_search_bm25_params),
		cmocka_unit_test(test_search_operators),
		cmocka_unit_test(test_search_limit_ties),
		cmocka_unit_test(test_search_query_errors),
		cmocka_unit_test(test_search_describe),
		cmocka_unit_test(test_search_algorithms_agree),
		cmocka_unit_test(test_search_total_lower_bound),
		cmocka_unit_test(test_search_short_floor),
		cmocka_unit_test(test_search_proximity),
		cmocka_unit_test(test_search_block_max_agrees),
		cmocka_unit_test(test_search_long_queries_agree),
		cmocka_unit_test(test_search_repeated_words),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
