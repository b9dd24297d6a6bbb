/*
 * test_alloc_fail.c -- fail every allocation in turn (curl's "torture"
 * tests, SQLite's fts5fault tests): an index build through
 * lidx_corpus_sync(), and open + parse + search + stories + snippets +
 * highlight + explain + verify, and the same on an index updated by a
 * segment, and the update itself. For each N the operation must either
 * succeed or return LIDX_ENOMEM with a message, leave nothing allocated
 * (LeakSanitizer checks at exit) and leave the index file as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "libindex.h"

static char tmpdir[64], notes[96], ixpath[128];

static const char *const files[][2] = {
	{ "star.md",
	  "# STAR stories\n\n## Led the Kafka migration\nSituation: RabbitMQ queues backed up.\n"
	  "Action: a dual-write bridge in Node.js and C#; CI/CD on-call.\n"
	  "Result: p99 latency down 40%, $20m/year protected.\n\n"
	  "## Mentored a junior engineer\nPaired weekly on code review and circuit breakers.\n" },
	{ "journal/outline.md",
	  "- Architecture\n  - GraphQL gateway\n    - caching with Redis\n    collapsed:: true\n"
	  "  - Observability\n    - tracing, kafka consumers\n" },
	{ "plain.txt", "Distributed systems reliability.\r\nRate limiting, kafka, mentoring.\r\n" },
	{ "utf16.txt", "\xff\xfek\0a\0f\0k\0a\0 \0m\0e\0n\0t\0o\0r\0" },
	{ "image.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR" },
	/* front matter, and a near-duplicate of star.md: lidx_search_dedup collapses it */
	{ "copy.md",
	  "---\ntitle: STAR copy\ntags: [kafka]\n---\n# STAR stories\n\n## Led the Kafka migration\n"
	  "Situation: RabbitMQ queues backed up.\n"
	  "Action: a dual-write bridge in Node.js and C#; CI/CD on-call.\n"
	  "Result: p99 latency down 40%, $20m/year protected.\n\n"
	  "## Mentored a junior engineer\nPaired every week on code review and circuit breakers.\n" },
};
static const size_t file_len[] = { 0, 0, 0, 26, 16, 0 };

static void write_notes(void)
{
	char p[256];
	snprintf(p, sizeof p, "%s/journal", notes);
	assert_int_equal(system("true"), 0);
	assert_true(mkdir(notes, 0700) == 0 && mkdir(p, 0700) == 0);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(p, sizeof p, "%s/%s", notes, files[i][0]);
		FILE *f = fopen(p, "wb");
		assert_non_null(f);
		size_t n = file_len[i] ? file_len[i] : strlen(files[i][1]);
		assert_int_equal(fwrite(files[i][1], 1, n, f), n);
		fclose(f);
	}
}

static size_t max_memory; /* lidx_sync_opts.max_memory of sync_once */

static int sync_once(int force, lidx_err *err)
{
	lidx_sync_opts so = { 0 };
	so.force = force;
	so.max_memory = max_memory;
	lidx_sync_report rep;
	return lidx_corpus_sync(notes, ixpath, &so, &rep, err);
}

static const char *const queries[] = {
	"kafka mentoring", "\"circuit breakers\" -redis", "kafk* OR graphql", "node.js c# file:star",
	/* a question: framing, weights, an idiom's topic, related words (question.c, related.c) */
	"How did you make sure a large migration didn't break things? And the way your team works?",
	"Tell me about a time you led a migration",
	/* over 10 words: the window scorer of long queries */
	"kafka migration graphql schema registry circuit breakers redis cache mentoring oncall rotation tooling",
};

/* Everything a search does; 0 or the first error. */
static int search_all(lidx_err *err)
{
	lidx_index *ix = NULL;
	lidx_analyzer *an = NULL;
	int rc = lidx_index_open(&ix, ixpath, 0, err);
	if (rc < 0)
		goto done;
	if ((rc = lidx_analyzer_new(&an)) < 0)
		goto done;
	for (size_t k = 0; k < sizeof queries / sizeof *queries; k++) {
		lidx_query *q;
		rc = lidx_query_parse(&q, ix, an, queries[k], strlen(queries[k]), k >= 5 ? LIDX_QUERY_RAW : 0, err);
		if (rc < 0)
			goto done;
		lidx_search_opts o;
		memset(&o, 0, sizeof o);
		lidx_search_defaults(&o);
		lidx_results r;
		rc = lidx_search_dedup(ix, q, &o, &r, err); /* lidx_search, then the collapse */
		for (size_t i = 0; rc == 0 && i < r.n_hits; i++) {
			lidx_story s;
			if ((rc = lidx_index_story(ix, r.hits[i].story, &s, err)) < 0)
				break;
			lidx_snippet sn;
			if ((rc = lidx_snippet_make(ix, an, q, &s, 160, &sn)) == 0)
				lidx_snippet_clear(&sn);
			lidx_span *m = NULL;
			size_t nm;
			if (rc == 0 && (rc = lidx_highlight(an, q, s.text, s.text_len, &m, &nm)) == 0)
				lidx_free(m);
			double per[16], total;
			if (rc == 0 && lidx_query_group_count(q) <= 16)
				rc = lidx_explain(ix, q, &o, s.id, per, &total);
			lidx_story_clear(&s);
		}
		lidx_results_clear(&r); /* zeroed by lidx_search on failure */
		lidx_query_free(q);
		if (rc < 0)
			goto done;
	}
	rc = lidx_index_verify(ix, err);
done:
	lidx_analyzer_free(an);
	lidx_index_close(ix);
	return rc;
}

/* `cvsearch match`: a job description to a query, coverage and a pick */
static int match_all(lidx_err *err)
{
	static const char jd[] =
	    "Senior Backend Engineer\n\nRequirements:\n- Kafka or RabbitMQ in production\n"
	    "- Mentoring junior engineers\n- GraphQL and Redis caching\n\nBenefits:\n- 401(k) match\n";
	lidx_index *ix = NULL;
	lidx_analyzer *an = NULL;
	lidx_match *m = NULL;
	lidx_results r = { 0 };
	int rc = lidx_index_open(&ix, ixpath, 0, err);
	if (rc < 0)
		goto done;
	if ((rc = lidx_analyzer_new(&an)) < 0)
		goto done;
	lidx_match_opts mo;
	memset(&mo, 0, sizeof mo);
	lidx_match_defaults(&mo);
	if ((rc = lidx_match_new(&m, ix, an, jd, sizeof jd - 1, &mo, err)) < 0)
		goto done;
	lidx_search_opts o;
	memset(&o, 0, sizeof o);
	lidx_search_defaults(&o);
	if ((rc = lidx_search(ix, lidx_match_query(m), &o, &r, err)) < 0)
		goto done;
	if ((rc = lidx_match_coverage(m, &o, err)) < 0)
		goto done;
	uint32_t pick[3];
	size_t np;
	rc = lidx_match_pick(m, 3, pick, &np);
done:
	lidx_results_clear(&r);
	lidx_match_free(m);
	lidx_analyzer_free(an);
	lidx_index_close(ix);
	return rc;
}

typedef int (*op_fn)(lidx_err *err);
static int op_build(lidx_err *err) { return sync_once(1, err); }
/* a budget of one byte: a run after every story, merged when written */
static int op_build_bounded(lidx_err *err)
{
	max_memory = 1;
	int rc = sync_once(1, err);
	max_memory = 0;
	return rc;
}

/* Run op failing allocation 1, 2, ... until it needs no more. */
static void torture(const char *name, op_fn op)
{
	lidx_err err = { 0 };
	assert_int_equal(op(&err), 0); /* warm up process-wide tables (aliases) */
	lidx_alloc_fail_at(0);
	assert_int_equal(op(&err), 0);
	long total = lidx_alloc_fail_at(0);
	assert_true(total > 10);
	assert_int_equal(op(&err), 0);
	assert_int_equal(lidx_alloc_fail_at(0), total); /* deterministic */
	long failed = 0, tolerated = 0;
	for (long n = 1; n <= total; n++) {
		memset(&err, 0, sizeof err);
		lidx_alloc_fail_at(n);
		int rc = op(&err);
		long made = lidx_alloc_fail_at(0);
		if (made < n)
			fail_msg("%s: only %ld allocations with failure at %ld of %ld (rc %d: %s)", name, made, n, total, rc, err.msg);
		if (rc == 0) {
			tolerated++; /* e.g. a cache that is rebuilt, or stories counted afterwards */
		} else if (rc == LIDX_ENOMEM) {
			failed++;
		} else {
			fail_msg("%s: allocation %ld failed gave %d (%s): %s", name, n, rc, lidx_strerror(rc), err.msg);
		}
		/* the index file is never damaged by a failed build */
		lidx_index *ix;
		lidx_err e2 = { 0 };
		if (lidx_index_open(&ix, ixpath, LIDX_OPEN_VERIFY, &e2) < 0)
			fail_msg("%s: index unreadable after failing allocation %ld: %s", name, n, e2.msg);
		lidx_index_close(ix);
	}
	printf("%s: %ld allocations, each failed in turn: %ld gave ENOMEM, %ld recovered\n", name, total,
	       failed, tolerated);
	assert_true(failed > total / 2);
}

static void test_alloc_fail_build(void **state)
{
	(void)state;
	torture("index build", op_build);
}

static void test_alloc_fail_build_bounded(void **state)
{
	(void)state;
	torture("index build in runs", op_build_bounded);
}

static void test_alloc_fail_search(void **state)
{
	(void)state;
	torture("search", search_all);
}

static void test_alloc_fail_match(void **state)
{
	(void)state;
	torture("match", match_all);
}

/* ---- an update written as a segment (segset.c, corpus.c) ---- */

/* Write notes/name with an mtime in 2020: changed (size, ctime), never racy,
   so every run reads the same files (the allocation count is deterministic). */
static void put_old(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", notes, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
	struct timespec ts[2] = { { 1577836800, 0 }, { 1577836800, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* the index before the update, restored before each try */
static int op_update(lidx_err *err)
{
	char cmd[4096];
	/* the folder cache (INDEX.dirs) too: a try that fails before writing it
	   must not change what the next try allocates */
	int cl = snprintf(cmd, sizeof cmd, "rm -f '%s'.live '%s'.seg.* '%s'.dirs && cp '%s/saved.cvx' '%s'", ixpath,
	         ixpath, ixpath, tmpdir, ixpath);
	assert_true(cl > 0 && (size_t)cl < sizeof cmd);
	assert_int_equal(system(cmd), 0);
	lidx_sync_opts so = { 0 };
	lidx_sync_report rep;
	int rc = lidx_corpus_sync(notes, ixpath, &so, &rep, err);
	if (rc == 0 && !rep.updated)
		fail_msg("the change was not written as a segment (rebuilt %d, %u added, %u changed, %u deleted)", rep.rebuilt, rep.n_added, rep.n_changed, rep.n_deleted);
	return rc;
}

static void test_alloc_fail_update(void **state)
{
	(void)state;
	lidx_err err = { 0 };
	/* enough notes that two changed ones are a segment, not a rebuild */
	for (int i = 0; i < 16; i++) {
		char name[32], text[96];
		snprintf(name, sizeof name, "fill%02d.md", i);
		snprintf(text, sizeof text, "# Note %d\n\nOn-call week %d: a kafka lag alert, a redis restart.\n", i, i);
		put_old(name, text);
	}
	assert_int_equal(sync_once(1, &err), 0);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s/saved.cvx'", ixpath, tmpdir);
	assert_int_equal(system(cmd), 0);
	put_old("star.md", "# STAR stories\n\n## Led the Kafka migration\nSituation: queues backed up.\n"
	                   "Action: a bridge; on-call.\n\n## Mentored two engineers\nWeekly code review.\n");
	put_old("new.md", "# Redis caching\n\nA GraphQL gateway with a Redis cache, kafka consumers.\n");
	/* past two timestamp ticks of the folder's new mtime, so every try
	   records it in the folder cache the same way (corpus.c, dcache) */
	struct timespec nap = { 0, 100 * 1000000L };
	nanosleep(&nap, NULL);
	torture("update by a segment", op_update);
	/* and everything a search does, on the index of several segments */
	torture("search with segments", search_all);
	torture("match with segments", match_all);
}

static void test_alloc_fail_segment(void **state)
{
	(void)state;
	const char *t = files[0][1];
	long total = 0;
	for (long n = 0; n == 0 || n <= total; n++) {
		lidx_alloc_fail_at(n);
		lidx_segments s;
		lidx_err err = { 0 };
		int rc = lidx_segment(t, strlen(t), "star.md", &s, &err);
		long made = lidx_alloc_fail_at(0);
		if (n == 0)
			total = made;
		if (rc == 0)
			lidx_segments_free(&s);
		else
			assert_int_equal(rc, LIDX_ENOMEM);
		if (n > 0 && n <= total)
			assert_int_equal(rc, LIDX_ENOMEM);
	}
	printf("segment: %ld allocations, each failed in turn\n", total);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/cvsearch-alloc.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(notes, sizeof notes, "%s/notes", tmpdir);
	snprintf(ixpath, sizeof ixpath, "%s/notes.cvx", tmpdir);
	write_notes();
	/* the folders' ctime two ticks (40 ms) in the past, so that the first scan keeps their names in
	   INDEX.dirs and every later scan takes them from there: the same allocations each time */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	lidx_err err = { 0 };
	assert_int_equal(sync_once(0, &err), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_fail_segment),
		cmocka_unit_test(test_alloc_fail_build),
		cmocka_unit_test(test_alloc_fail_build_bounded),
		cmocka_unit_test(test_alloc_fail_search),
		cmocka_unit_test(test_alloc_fail_match),
		cmocka_unit_test(test_alloc_fail_update),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
