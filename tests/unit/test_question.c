/*
 * test_question.c -- question understanding (question.c, related.c): a
 * question's framing is told from its topic, topic words are weighed by
 * their specificity, idioms name their topic, the related-term table
 * bridges vocabulary once per topic, and keyword queries are left alone.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "libindex.h"
#include "query.h"

static const struct {
	const char *title, *text;
} docs[] = {
	{ "Platform move", "moved the billing services to kubernetes over a quarter" },
	{ "Large things", "large things that users make sure of" },
	{ "Outage", "a rollback after an outage, no disruption for customers" },
	{ "Team process", "streamlined the review workflow of the team" },
	{ "Mentoring", "onboarding a new hire" },
	{ "Kafka", "consumer lag on kafka" },
	{ "Cleanup", "cleaned up the code base of the billing service" },
	{ "Web", "led the frontend rewrite in react" },
};

static char tmpdir[64];
static lidx_index *ix;
static lidx_analyzer *an;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_question.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char path[160];
	snprintf(path, sizeof path, "%s/q.cvx", tmpdir);
	lidx_builder *b;
	if (lidx_builder_new(&b) < 0 || lidx_builder_add_file(b, "notes.md", 1, 1, 0) < 0)
		return -1;
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		if (lidx_builder_add_story(b, docs[i].title, "", (uint32_t)i + 1, (uint32_t)i + 1, docs[i].text,
		                           strlen(docs[i].text)) < 0)
			return -1;
	lidx_err err = { 0 };
	int rc = lidx_builder_write(b, path, &err);
	lidx_builder_free(b);
	if (rc < 0 || lidx_index_open(&ix, path, 0, &err) < 0)
		return -1;
	unlink(path);
	return lidx_analyzer_new(&an);
}

static int teardown(void **state)
{
	(void)state;
	lidx_index_close(ix);
	lidx_analyzer_free(an);
	rmdir(tmpdir);
	return 0;
}

/* The words of s, classified; cls as a string of T (topic), G (genre), F (frame). */
static void classes(const char *s, char *out, const char **topics, size_t *n_topics)
{
	uint8_t cls[64];
	int n = lidx__question_frame_words(s, strlen(s), cls, sizeof cls, topics, 4, n_topics);
	for (int i = 0; i < n; i++)
		out[i] = "TGF"[cls[i]];
	out[n > 0 ? n : 0] = 0;
}

static void test_question_framing_phrases(void **state)
{
	(void)state;
	static const struct {
		const char *q, *want, *topic;
	} cases[] = {
		/* "make sure", "responsible for", "things" framing; the rest by stem later */
		{ "How did you make sure it didn't break things", "TFTFFTTTT", NULL },
		{ "a large migration you were responsible for", "TTTTTFF", NULL },
		{ "Walk me through a difficult trade-off", "FFFTTT", NULL },
		{ "How did you deal with it?", "TFTFFT", NULL },
		/* "*" is one or two words, and only the idiom's own words are framing */
		{ "you changed the way your team works", "TTFFTTF", "process" },
		{ "you changed the way the team works", "TTFFTTF", "process" },
		{ "when something went wrong", "TTFF", "failure" },
		{ "took over a project", "FFTT", "ownership" },
		/* getting oneself up to speed is learning; bringing someone is onboarding */
		{ "had to get up to speed on Kafka", "TTFFFFTT", "learn" },
		{ "bring the team up to speed", "FTTFFF", "onboarding" },
		/* disagreement and persuasion said in other words; leaving a job is about a career */
		{ "people who did not agree with you", "TTFFFTT", "disagree" },
		{ "win them over to your plan", "FTFTTT", "influence" },
		{ "why would you leave your job", "TTTFFT", "career" },
		/* a phrase of the related table is a topic of its own */
		{ "found the root cause of it", "TTFFTT", "root cause" },
		/* nothing matches across an unrelated word */
		{ "make no sure", "TTT", NULL },
		{ "", "", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char got[64];
		const char *topics[4];
		size_t n_topics = 99;
		classes(cases[i].q, got, topics, &n_topics);
		if (strcmp(got, cases[i].want))
			fail_msg("\"%s\": %s, want %s", cases[i].q, got, cases[i].want);
		if (cases[i].topic ? n_topics != 1 || strcmp(topics[0], cases[i].topic) : n_topics != 0)
			fail_msg("\"%s\": %zu topics (%s), want %s", cases[i].q, n_topics,
			         n_topics ? topics[0] : "", cases[i].topic ? cases[i].topic : "none");
	}
}

static void test_question_detect(void **state)
{
	(void)state;
	static const struct {
		const char *q;
		int want;
	} cases[] = {
		{ "Tell me about a time you failed", 1 },
		{ "I'd like to hear about a migration you led", 1 },
		{ "What's the hardest bug you fixed", 1 },
		{ "kafka consumer lag fixed in production", 0 },  /* keywords, five words */
		{ "the kafka migration plan?", 0 },                /* under five words */
		{ "we migrated the billing service to kafka?", 1 }, /* ends with '?' */
		{ "   Describe   a   conflict with a peer  ", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (lidx__looks_like_question(cases[i].q, strlen(cases[i].q)) != cases[i].want)
			fail_msg("\"%s\": want %d", cases[i].q, cases[i].want);
}

static void test_question_weights(void **state)
{
	(void)state;
	/* by stem: framing, genre, topic */
	assert_int_equal(lidx__question_stem_class("tell", 4), LIDX__QW_FRAME);
	assert_int_equal(lidx__question_stem_class("someth", 6), LIDX__QW_FRAME);
	assert_int_equal(lidx__question_stem_class("difficult", 9), LIDX__QW_GENRE);
	assert_int_equal(lidx__question_stem_class("migrat", 6), LIDX__QW_TOPIC);
	/* specificity in general English: an everyday word weighs less */
	assert_true(lidx__question_weight("migrat", LIDX__QW_TOPIC) == 1.0);
	assert_true(lidx__question_weight("larg", LIDX__QW_TOPIC) < 0.5);
	assert_true(lidx__question_weight("make", LIDX__QW_TOPIC) <
	            lidx__question_weight("larg", LIDX__QW_TOPIC));
	assert_true(lidx__question_weight("migrat", LIDX__QW_GENRE) < 0.5);
	assert_true(lidx__question_weight("migrat", LIDX__QW_FRAME) == 0);
}

static const char *describe(const char *text, lidx_query **q)
{
	lidx_err err = { 0 };
	int rc = lidx_query_parse(q, ix, an, text, strlen(text), 0, &err);
	if (rc != 0)
		fail_msg("\"%s\": %d %s", text, rc, err.msg);
	return lidx_query_describe(*q);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_question_parse(void **state)
{
	(void)state;
	lidx_query *q;
	/* framing dropped, everyday words lighter, the topic at full weight with
	   its related words */
	const char *d = describe("Tell me about a large migration you were responsible for. "
	                         "How did you make sure it didn't break things for users?", &q);
	assert_non_null(strstr(d, "[larg]^0.")); /* lighter */
	assert_non_null(strstr(d, "[migrat | move | transit"));
	assert_null(strstr(d, "[migrat]^"));     /* full weight */
	assert_non_null(strstr(d, "[break | "));
	assert_non_null(strstr(d, "rollback"));
	assert_non_null(strstr(d, "[user | customer"));
	assert_null(strstr(d, "sure"));
	assert_null(strstr(d, "respons"));
	assert_null(strstr(d, "thing"));
	assert_null(strstr(d, "[make"));
	assert_int_equal(lidx_query_group_count(q), 4);
	lidx_query_free(q);
	/* a topic is added once, to its first word; the question's own words are
	   not weaker alternatives of each other */
	d = describe("Give me an example of a time you mentored or coached someone more junior", &q);
	assert_int_equal(count(d, "onboard"), 1);
	assert_int_equal(count(d, "coach"), 1);
	assert_int_equal(count(d, "junior"), 1);
	lidx_query_free(q);
	/* an idiom names its topic */
	d = describe("Tell me about a time you changed the way your team works for the better.", &q);
	assert_non_null(strstr(d, "[process | workflow"));
	assert_null(strstr(d, "[way"));
	assert_null(strstr(d, "better"));
	lidx_query_free(q);
	/* a phrase of the table is one group, searched as a phrase, with its topic */
	d = describe("Describe a time you found the root cause of a production bug.", &q);
	assert_non_null(strstr(d, "[\"root caus\" | debug"));
	assert_null(strstr(d, "[root"));
	lidx_query_free(q);
	/* a keyword query means its words: no framing, no weights, no related words */
	d = describe("migration rollback", &q);
	assert_string_equal(d, "[migrat] [rollback]");
	lidx_query_free(q);
	d = describe("large migration make sure", &q);
	assert_string_equal(d, "[larg] [migrat] [make] [sure]");
	lidx_query_free(q);
}

static const char *top(const char *text, int *n_out)
{
	lidx_query *q;
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(&q, ix, an, text, strlen(text), 0, &err), 0);
	lidx_results r;
	assert_int_equal(lidx_search(ix, q, NULL, &r, &err), 0);
	static char title[64];
	title[0] = 0;
	if (r.n_hits)
		snprintf(title, sizeof title, "%s", docs[r.hits[0].story].title);
	*n_out = (int)r.total;
	lidx_results_clear(&r);
	lidx_query_free(q);
	return title;
}

static void test_question_ranking(void **state)
{
	(void)state;
	int n;
	/* the story that shares the question's everyday words loses to the one
	   about its topic, in other words */
	const char *t = top("Tell me about a large migration you were responsible for. "
	                    "How did you make sure it didn't break things for users?", &n);
	assert_true(!strcmp(t, "Outage") || !strcmp(t, "Platform move"));
	assert_string_equal(top("Tell me about a large migration you were responsible for.", &n),
	                    "Platform move");
	assert_string_equal(top("Tell me about a time you changed the way your team works.", &n),
	                    "Team process");
	assert_string_equal(top("Have you ever mentored someone?", &n), "Mentoring");
	/* the keyword query finds only its words */
	assert_string_equal(top("migration", &n), "");
	assert_int_equal(n, 0);
	assert_string_equal(top("large things", &n), "Large things");
}

/* A raw (batch) query's description. */
static const char *describe_raw(const char *text, lidx_query **q)
{
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(q, ix, an, text, strlen(text), LIDX_QUERY_RAW, &err), 0);
	return lidx_query_describe(*q);
}

static void test_compounds(void **state)
{
	(void)state;
	lidx_query *q;
	int n;
	/* a word written joined finds the notes that write it apart, as a phrase */
	const char *d = describe("codebase", &q);
	assert_non_null(strstr(d, "\"code base\""));
	lidx_query_free(q);
	assert_string_equal(top("codebase", &n), "Cleanup");
	assert_int_equal(n, 1);
	assert_string_equal(top("How did you keep the codebase healthy?", &n), "Cleanup");
	/* two words written apart find the notes that write them as one, in both
	   groups (as the two words would score) */
	d = describe("front end", &q);
	assert_int_equal(count(d, "frontend"), 2);
	lidx_query_free(q);
	assert_string_equal(top("front end", &n), "Web");
	/* only halves the notes use, never stop words or short pieces: "rewrite"
	   is not "re write", "billing" not "bill ing" */
	d = describe("rewrite billing", &q);
	assert_string_equal(d, "[rewrit] [bill]");
	lidx_query_free(q);
	/* raw text (batch) splits but does not join */
	d = describe_raw("front end codebase", &q);
	assert_null(strstr(d, "frontend"));
	assert_non_null(strstr(d, "\"code base\""));
	lidx_query_free(q);
}

static void test_question_related_table(void **state)
{
	(void)state;
	char bad[128] = "";
	int rc = lidx__related_check(an, bad, sizeof bad);
	if (rc != 0)
		fail_msg("related.c: entry %s adds nothing (rc %d)", bad, rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_question_detect),
		cmocka_unit_test(test_question_framing_phrases),
		cmocka_unit_test(test_question_weights),
		cmocka_unit_test(test_question_parse),
		cmocka_unit_test(test_question_ranking),
		cmocka_unit_test(test_question_related_table),
		cmocka_unit_test(test_compounds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
