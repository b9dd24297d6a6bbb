/*
 * test_analyze.c -- the analyzer: normalization, stemming, stop words and
 * the tokens that matter in careers (C#, .NET, Node.js, CI/CD, $20m, 40%).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include "libindex.h"

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
		cmocka_unit_test(test_analyze_irregular_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
