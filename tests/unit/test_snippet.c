/*
 * test_snippet.c -- snippets: the line with the matched terms is chosen,
 * marks cover the matched words, long lines are windowed with "..." and a
 * window never cuts a UTF-8 sequence; lidx_highlight marks every match.
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

static char tmpdir[64];
static lidx_index *ix;
static lidx_analyzer *an;
static char long_line[2048], long_utf8[4096], no_space[4096];

static const char *texts[] = {
	"# Kafka migration\n"
	"We moved billing to new servers.\n"
	"- Tuned the kafka consumer lag alerts\n"
	"Other notes about kafka.\n",
	long_line,
	long_utf8,
	"Built the Node.js gateway\r\nand the CI/CD pipeline\r\n",
	no_space,
};

static int setup(void **state)
{
	(void)state;
	/* 60 filler words, "needle", 40 more */
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(long_line + n, sizeof long_line - n, "%s%s", i ? " " : "",
		                      i == 60 ? "needle" : "filler");
	/* the same with two-byte letters */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(long_utf8 + n, sizeof long_utf8 - n, "%s%s", i ? " " : "",
		                      i == 60 ? "needle" : "caf\xc3\xa9\xc3\xa9");
	/* a long line without spaces: "é" x 400, ",needle,", "é" x 100 */
	n = 0;
	for (int i = 0; i < 400; i++)
		n += (size_t)snprintf(no_space + n, sizeof no_space - n, "\xc3\xa9");
	n += (size_t)snprintf(no_space + n, sizeof no_space - n, ",needle,");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(no_space + n, sizeof no_space - n, "\xc3\xa9");

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_snippet.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char path[160];
	snprintf(path, sizeof path, "%s/s.cvx", tmpdir);
	lidx_builder *b;
	lidx_err err = { 0 };
	if (lidx_builder_new(&b) < 0 || lidx_builder_add_file(b, "notes.md", 1, 1, 0) < 0)
		return -1;
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		if (lidx_builder_add_story(b, "Story", "", (uint32_t)(10 * i + 10), (uint32_t)(10 * i + 14),
		                           texts[i], strlen(texts[i])) < 0)
			return -1;
	if (lidx_builder_write(b, path, &err) < 0)
		return -1;
	lidx_builder_free(b);
	if (lidx_index_open(&ix, path, 0, &err) < 0)
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

/* 1 if p[0..n) is whole UTF-8 sequences */
static int utf8_whole(const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if (((unsigned char)p[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

static void snip(uint32_t story, const char *query, size_t max, lidx_snippet *sn)
{
	lidx_query *q;
	lidx_err err = { 0 };
	assert_int_equal(lidx_query_parse(&q, ix, an, query, strlen(query), 0, &err), 0);
	lidx_story s;
	assert_int_equal(lidx_index_story(ix, story, &s, &err), 0);
	assert_int_equal(lidx_snippet_make(ix, an, q, &s, max, sn), 0);
	assert_int_equal(strlen(sn->text), sn->len);
	for (size_t m = 0; m < sn->n_marks; m++) {
		assert_true(sn->marks[m].start < sn->marks[m].end);
		assert_true(sn->marks[m].end <= sn->len);
		assert_true(m == 0 || sn->marks[m].start >= sn->marks[m - 1].end);
	}
	lidx_story_clear(&s);
	lidx_query_free(q);
}

/* the marked words, space-separated */
static const char *marked(const lidx_snippet *sn)
{
	static char buf[256];
	buf[0] = 0;
	for (size_t m = 0; m < sn->n_marks; m++) {
		size_t l = strlen(buf);
		snprintf(buf + l, sizeof buf - l, "%s%.*s", m ? " " : "",
		         (int)(sn->marks[m].end - sn->marks[m].start), sn->text + sn->marks[m].start);
	}
	return buf;
}

static void test_snippet_best_line(void **state)
{
	(void)state;
	static const struct {
		uint32_t story;
		const char *q;
		const char *text, *marks;
		uint32_t line;
	} cases[] = {
		/* the line with both words, without its bullet */
		{ 0, "kafka lag", "Tuned the kafka consumer lag alerts", "kafka lag", 12 },
		{ 0, "lag", "Tuned the kafka consumer lag alerts", "lag", 12 },
		/* stems match: migrations -> migration, in the heading (the only line with it) */
		{ 0, "migrations", "Kafka migration", "migration", 10 },
		/* kafka alone: a body line beats the heading */
		{ 0, "billing servers", "We moved billing to new servers.", "billing servers", 11 },
		/* compounds: the whole word is marked; CRLF is not part of the line */
		{ 3, "nodejs", "Built the Node.js gateway", "Node.js", 40 },
		{ 3, "ci/cd", "and the CI/CD pipeline", "CI/CD", 41 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		lidx_snippet sn;
		snip(cases[i].story, cases[i].q, 200, &sn);
		if (strcmp(sn.text, cases[i].text) || strcmp(marked(&sn), cases[i].marks) || sn.line != cases[i].line)
			fail_msg("\"%s\": \"%s\" [%s] line %u, want \"%s\" [%s] line %u", cases[i].q, sn.text,
			         marked(&sn), sn.line, cases[i].text, cases[i].marks, cases[i].line);
		lidx_snippet_clear(&sn);
	}
	lidx_snippet_clear(NULL);
}

static void test_snippet_long_line(void **state)
{
	(void)state;
	for (size_t max = 40; max <= 200; max += 7) {
		for (uint32_t story = 1; story <= 2; story++) {
			lidx_snippet sn;
			snip(story, "needle", max, &sn);
			/* a window with "..." on both sides, about max bytes, whole words */
			if (sn.len > max + 6 || sn.len < max / 2 || strncmp(sn.text, "...", 3) ||
			    strcmp(sn.text + sn.len - 3, "..."))
				fail_msg("story %u max %zu: \"%s\" (%zu bytes)", story, max, sn.text, sn.len);
			assert_true(sn.text[3] != ' ' && sn.text[sn.len - 4] != ' ');
			assert_true(utf8_whole(sn.text, sn.len));
			assert_string_equal(marked(&sn), "needle");
			/* whole words: every word is a filler or the needle */
			char *copy = strndup(sn.text + 3, sn.len - 6);
			assert_non_null(copy);
			for (char *save, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
				if (strcmp(w, "filler") && strcmp(w, "needle") && strcmp(w, "caf\xc3\xa9\xc3\xa9"))
					fail_msg("story %u max %zu: a cut word \"%s\" in \"%s\"", story, max, w, sn.text);
			free(copy);
			lidx_snippet_clear(&sn);
		}
	}
}

/* No spaces to cut at: the window still shows the match and whole characters. */
static void test_snippet_no_spaces(void **state)
{
	(void)state;
	for (size_t max = 40; max <= 120; max += 9) {
		lidx_snippet sn;
		snip(4, "needle", max, &sn);
		assert_true(utf8_whole(sn.text, sn.len));
		assert_true(sn.len <= max + 8);
		if (strcmp(marked(&sn), "needle"))
			fail_msg("max %zu: the match is outside the window: \"%s\"", max, sn.text);
		lidx_snippet_clear(&sn);
	}
}

static void test_snippet_highlight(void **state)
{
	(void)state;
	lidx_query *q;
	lidx_err err = { 0 };
	const char *qs = "kafka -billing";
	assert_int_equal(lidx_query_parse(&q, ix, an, qs, strlen(qs), 0, &err), 0);
	const char *t = texts[0];
	lidx_span *m;
	size_t n;
	assert_int_equal(lidx_highlight(an, q, t, strlen(t), &m, &n), 0);
	/* every kafka, any case; never the excluded word */
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(m[i].end - m[i].start, 5);
		assert_true(!strncmp(t + m[i].start, "kafka", 5) || !strncmp(t + m[i].start, "Kafka", 5));
	}
	assert_int_equal(m[0].start, 2);
	lidx_free(m);
	assert_int_equal(lidx_highlight(an, q, "nothing here", 12, &m, &n), 0);
	assert_int_equal(n, 0);
	assert_null(m);
	lidx_query_free(q);
}

/* A phrase marks its words where they stand together, not one by one. */
static void test_snippet_phrase_marks(void **state)
{
	(void)state;
	lidx_query *q;
	lidx_err err = { 0 };
	const char *qs = "\"rate limiting\"";
	assert_int_equal(lidx_query_parse(&q, ix, an, qs, strlen(qs), 0, &err), 0);
	const char *t = "the rate was high; limiting it by rate limiting at the edge";
	lidx_span *m;
	size_t n;
	assert_int_equal(lidx_highlight(an, q, t, strlen(t), &m, &n), 0);
	assert_int_equal(n, 2); /* "rate" "limiting" of the phrase; not the lone ones */
	assert_int_equal(m[0].start, (uint32_t)(strstr(t, "rate limiting") - t));
	assert_int_equal(m[1].start, m[0].start + 5);
	lidx_free(m);
	lidx_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snippet_best_line),
		cmocka_unit_test(test_snippet_long_line),
		cmocka_unit_test(test_snippet_no_spaces),
		cmocka_unit_test(test_snippet_highlight),
		cmocka_unit_test(test_snippet_phrase_marks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
