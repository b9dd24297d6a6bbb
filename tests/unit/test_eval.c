/*
 * test_eval.c -- the arithmetic of `cvsearch eval` (cli/eval_metrics.c):
 * which result earns which judged passage, and nDCG, P@1, AP, RR on an
 * example worked out by hand below; the JSON reader of judgment files
 * (cli/jsonr.c): values, escapes, lines, and errors with their line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "../../cli/eval_metrics.h"
#include "../../cli/jsonr.h"

/*
 * Judged passages (file, line):            grade
 *   J1 (0, 10)                               2
 *   J2 (0, 20)                               1
 *   J3 (0, 30)                               2
 *   J4 (0, 150)                              1   only inside a too-long result
 *   J5 (0, 60)                               0   judged not relevant
 *   J6 -- phrase not found in the notes      1
 * Results, best first:
 *   r1 (0, 55-65)   holds J5: judged, gain 0
 *   r2 (0, 5-25)    holds J1 and J2: earns the higher, gain 2
 *   r3 (1, 1-9)     holds nothing: unjudged, gain 0
 *   r4 (0, 18-22)   holds J2, but line 20 was in r2 already: gain 0, judged
 *   r5 (0, 26-40)   holds J3: gain 2
 *   r6 (0, 100-300) holds J4, but is 201 lines (> 80): gain 0, judged
 * gains = 0 2 0 0 2 0; unjudged = 1 (r3).
 * Relevant judgments R = 5 (J1 J2 J3 J4 J6); ideal gains 2 2 1 1 1.
 *   DCG@5  = 2/log2(3) + 2/log2(6)               = 1.261860 + 0.773706 = 2.035565
 *   IDCG@5 = 2/1 + 2/log2(3) + 1/2 + 1/log2(5) + 1/log2(6)
 *          = 2 + 1.261860 + 0.5 + 0.430677 + 0.386853 = 4.579389
 *   nDCG@5 = 2.035565 / 4.579389 = 0.444506; nDCG@10 the same (no gain after rank 5,
 *            no ideal gain after rank 5)
 *   P@1 = 0 (r1 earned nothing); RR = 1/2 (r2)
 *   AP  = (1/2 + 2/5) / 5 = 0.18
 */
static void test_eval_hand_example(void **state)
{
	(void)state;
	static const ev_loc l1 = { 0, 10 }, l2 = { 0, 20 }, l3 = { 0, 30 }, l4 = { 0, 150 }, l5 = { 0, 60 };
	const ev_judgment j[] = {
		{ 2, &l1, 1 }, { 1, &l2, 1 }, { 2, &l3, 1 }, { 1, &l4, 1 }, { 0, &l5, 1 }, { 1, NULL, 0 },
	};
	const ev_result r[] = {
		{ 0, 55, 65 }, { 0, 5, 25 }, { 1, 1, 9 }, { 0, 18, 22 }, { 0, 26, 40 }, { 0, 100, 300 },
	};
	double gains[6];
	int judged[6];
	assert_int_equal(ev_credit(j, 6, r, 6, gains, judged), 0);
	static const double want_g[6] = { 0, 2, 0, 0, 2, 0 };
	static const int want_j[6] = { 1, 1, 0, 1, 1, 1 };
	for (int i = 0; i < 6; i++) {
		assert_true(gains[i] == want_g[i]);
		assert_int_equal(judged[i], want_j[i]);
	}
	double grades[6];
	for (int i = 0; i < 6; i++)
		grades[i] = j[i].grade;
	ev_scores s;
	assert_int_equal(ev_score(gains, judged, 6, grades, 6, &s), 0);
	assert_int_equal(s.n_relevant, 5);
	assert_int_equal(s.unjudged, 1);
	assert_true(fabs(s.ndcg5 - 0.444506) < 1e-6);
	assert_true(fabs(s.ndcg10 - 0.444506) < 1e-6);
	assert_true(s.p1 == 0);
	assert_true(fabs(s.rr - 0.5) < 1e-12);
	assert_true(fabs(s.ap - 0.18) < 1e-12);
}

/*
 * A perfect ranking scores 1 everywhere; grades 1 and 2 in the wrong order:
 *   DCG@5 = 1/1 + 2/log2(3) = 2.261860, IDCG@5 = 2/1 + 1/log2(3) = 2.630930,
 *   nDCG = 0.859719; AP = (1/1 + 2/2) / 2 = 1; P@1 = 1; RR = 1.
 */
static void test_eval_order(void **state)
{
	(void)state;
	static const ev_loc a = { 3, 7 }, b = { 3, 40 };
	const ev_judgment j[] = { { 2, &a, 1 }, { 1, &b, 1 } };
	const ev_result good[] = { { 3, 1, 10 }, { 3, 35, 45 } }, swapped[] = { { 3, 35, 45 }, { 3, 1, 10 } };
	double gains[2], grades[2] = { 2, 1 };
	int judged[2];
	ev_scores s;
	assert_int_equal(ev_credit(j, 2, good, 2, gains, judged), 0);
	assert_int_equal(ev_score(gains, judged, 2, grades, 2, &s), 0);
	assert_true(fabs(s.ndcg5 - 1) < 1e-12 && s.p1 == 1 && s.ap == 1 && s.rr == 1 && s.unjudged == 0);
	assert_int_equal(ev_credit(j, 2, swapped, 2, gains, judged), 0);
	assert_true(gains[0] == 1 && gains[1] == 2);
	assert_int_equal(ev_score(gains, judged, 2, grades, 2, &s), 0);
	assert_true(fabs(s.ndcg5 - 0.859719) < 1e-6);
	assert_true(s.p1 == 1 && fabs(s.ap - 1) < 1e-12 && s.rr == 1);
}

/* No relevant judgment: the query cannot be scored (n_relevant 0); no results at all: zeros. */
static void test_eval_empty(void **state)
{
	(void)state;
	static const ev_loc a = { 0, 5 };
	const ev_judgment j[] = { { 0, &a, 1 } };
	const ev_result r[] = { { 0, 1, 9 } };
	double gains[1], grades[1] = { 0 };
	int judged[1];
	ev_scores s;
	assert_int_equal(ev_credit(j, 1, r, 1, gains, judged), 0);
	assert_int_equal(ev_score(gains, judged, 1, grades, 1, &s), 0);
	assert_int_equal(s.n_relevant, 0);
	assert_int_equal(s.unjudged, 0);
	grades[0] = 2;
	assert_int_equal(ev_score(NULL, NULL, 0, grades, 1, &s), 0);
	assert_int_equal(s.n_relevant, 1);
	assert_true(s.ndcg5 == 0 && s.p1 == 0 && s.ap == 0 && s.rr == 0);
}

static void test_eval_json_values(void **state)
{
	(void)state;
	const char *doc = "{\"queries\": [\n"
	                  "  {\"id\": 7, \"text\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\\n\", \"ok\": true,\n"
	                  "   \"rel\": [[\"a\\u0000b\", -1.5e1], null]}]}";
	jsonr v;
	char msg[200];
	assert_int_equal(jsonr_parse(doc, strlen(doc), &v, msg, sizeof msg), 0);
	const jsonr *qs = jsonr_get(&v, "queries");
	assert_non_null(qs);
	assert_int_equal(qs->type, JSONR_ARR);
	assert_int_equal(qs->line, 1);
	const jsonr *q = &qs->items[0];
	assert_int_equal(q->line, 2);
	assert_true(jsonr_get(q, "id")->num == 7);
	const jsonr *t = jsonr_get(q, "text");
	assert_int_equal(t->len, strlen("caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n"));
	assert_memory_equal(t->str, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n", t->len);
	assert_int_equal(jsonr_get(q, "ok")->b, 1);
	const jsonr *rel = jsonr_get(q, "rel");
	assert_int_equal(rel->line, 3);
	assert_int_equal(rel->n, 2);
	assert_int_equal(rel->items[0].items[0].len, 3); /* a NUL inside */
	assert_true(rel->items[0].items[1].num == -15);
	assert_int_equal(rel->items[1].type, JSONR_NULL);
	assert_null(jsonr_get(q, "missing"));
	jsonr_free(&v);
}

static void test_eval_json_errors(void **state)
{
	(void)state;
	static const struct { const char *doc, *want; } cases[] = {
		{ "{\"a\": 1,\n\"b\" 2}", "2: expected ':'" },
		{ "[1,\n2,\n]", "3: a ',' before ']'" },
		{ "[1 2]", "1: expected ',' or ']'" },
		{ "{\"a\": \"x\n\"}", "1: a string is not closed on its line" },
		{ "\"\\ud800\"", "1: a \\u escape of half a surrogate pair" },
		{ "\"\\x\"", "1: a bad escape" },
		{ "[01]", "1: expected ',' or ']'" },
		{ "[1.]", "1: a bad number" },
		{ "\"\xff\"", "1: a string is not valid UTF-8" },
		{ "{} x", "1: text after the end" },
		{ "", "1: expected a value, found the end" },
		{ "[tru]", "1: expected a value" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		jsonr v;
		char msg[200] = "";
		if (jsonr_parse(cases[i].doc, strlen(cases[i].doc), &v, msg, sizeof msg) != -1 ||
		    strncmp(msg, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, msg, cases[i].want);
	}
	/* nesting deeper than JSONR_MAX_DEPTH is refused, not a stack overflow */
	char deep[2 * (JSONR_MAX_DEPTH + 2) + 1];
	size_t n = 0;
	for (int i = 0; i < JSONR_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSONR_MAX_DEPTH + 1; i++)
		deep[n++] = ']';
	jsonr v;
	char msg[200];
	assert_int_equal(jsonr_parse(deep, n, &v, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "nested deeper"));
	assert_int_equal(jsonr_parse(deep + 1, n - 2, &v, msg, sizeof msg), 0); /* exactly the limit */
	jsonr_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval_hand_example),
		cmocka_unit_test(test_eval_order),
		cmocka_unit_test(test_eval_empty),
		cmocka_unit_test(test_eval_json_values),
		cmocka_unit_test(test_eval_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
