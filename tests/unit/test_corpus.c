/*
 * test_corpus.c -- the freshness data of lidx_corpus_sync() (issue #11):
 * the content hash of a "racy" note (modified within a timestamp tick of
 * the build) catches a same-size edit that keeps size, mtime and inode, on
 * a file system with 1-second timestamps and no ctime (simulated with the
 * LIDX_TESTING hook lidx__test_coarse_times(), where only the hash can tell);
 * a skipped file records its reason; an unchanged folder is not rebuilt.
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
#include <sys/stat.h>
#include <cmocka.h>
#include "libindex.h"
#include "common.h"

static char dir[64], notes[96], ixpath[128];

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", notes, name);
	FILE *f = fopen(p, "r+"); /* in place: the same inode */
	if (!f)
		f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static int sync_notes(lidx_sync_report *rep)
{
	lidx_sync_opts so = { 0 };
	lidx_err err = { 0 };
	int rc = lidx_corpus_sync(notes, ixpath, &so, rep, &err);
	if (rc < 0)
		print_error("sync: %s\n", err.msg);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cvsearch-tcorpus.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(notes, sizeof notes, "%s/notes", dir);
	snprintf(ixpath, sizeof ixpath, "%s/notes.cvx", dir);
	assert_int_equal(mkdir(notes, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* 1-second mtimes, no ctime: a same-size edit in the build's second is seen by the hash. */
static void test_corpus_racy_same_size_edit(void **state)
{
	(void)state;
	lidx__test_coarse_times(1);
	lidx_sync_report rep;
	int caught = 0, tries = 0;
	/* the edit must fall in the same second as the build: try again when the clock turned */
	for (; tries < 20 && !caught; tries++) {
		put("a.md", "# A\nalpha111 here\n");
		time_t t0 = time(NULL);
		assert_int_equal(sync_notes(&rep), 0);
		put("a.md", "# A\nalpha222 here\n"); /* same size, same inode */
		if (time(NULL) != t0)
			continue;
		assert_int_equal(sync_notes(&rep), 0);
		assert_int_equal(rep.rebuilt, 1);
		assert_int_equal(rep.n_changed, 1);
		caught = 1;
	}
	assert_true(caught);
	/* nothing changed since: no rebuild (the hash matches) */
	assert_int_equal(sync_notes(&rep), 0);
	assert_int_equal(rep.rebuilt, 0);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), 0);
	lidx_file_info fi;
	assert_int_equal(lidx_index_file(ix, 0, &fi), 0);
	assert_int_equal(fi.hashed, 1);
	lidx_index_close(ix);
	lidx__test_coarse_times(0);
}

/* A skipped file keeps its reason; a file written long ago is not hashed. */
static void test_corpus_skip_reason(void **state)
{
	(void)state;
	char p[256];
	snprintf(p, sizeof p, "%s/bin.md", notes);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fwrite("bin\0\0ary", 1, 8, f);
	fclose(f);
	put("old.md", "# Old\nolder note\n");
	snprintf(p, sizeof p, "touch -d '2020-01-01 00:00:00' '%s/old.md'", notes);
	assert_int_equal(system(p), 0);
	lidx_sync_report rep;
	assert_int_equal(sync_notes(&rep), 0);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), 0);
	int seen = 0;
	for (uint32_t i = 0; i < lidx_index_file_count(ix); i++) {
		lidx_file_info fi;
		assert_int_equal(lidx_index_file(ix, i, &fi), 0);
		if (!strcmp(fi.path, "bin.md")) {
			assert_int_equal(fi.skipped, 1);
			assert_int_equal(fi.skip_reason, LIDX_SKIP_BINARY);
			seen++;
		} else if (!strcmp(fi.path, "old.md")) {
			assert_int_equal(fi.skipped, 0);
			assert_int_equal(fi.hashed, 0);
			assert_true(fi.ctime_ns > 0 && fi.ino > 0);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	lidx_index_close(ix);
	assert_string_equal(lidx_skip_name(LIDX_SKIP_BINARY), "binary, not text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_racy_same_size_edit),
		cmocka_unit_test(test_corpus_skip_reason),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
