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

/* 1 if the index lists name with a content hash (-1: not listed) */
static int file_hashed(const char *name)
{
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), 0);
	int h = -1;
	for (uint32_t i = 0; i < lidx_index_file_count(ix); i++) {
		lidx_file_info fi;
		assert_int_equal(lidx_index_file(ix, i, &fi), 0);
		if (!strcmp(fi.path, name))
			h = fi.hashed;
	}
	lidx_index_close(ix);
	return h;
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
	lidx__test_settle_wait_ms(0); /* see test_corpus_settle_* */
	lidx_sync_report rep;
	int caught = 0, tries = 0;
	time_t t_edit = 0;
	/* the edit must fall in the same second as the build: try again when the clock turned */
	for (; tries < 20 && !caught; tries++) {
		put("a.md", "# A\nalpha111 here\n");
		time_t t0 = time(NULL);
		assert_int_equal(sync_notes(&rep), 0);
		put("a.md", "# A\nalpha222 here\n"); /* same size, same inode */
		if ((t_edit = time(NULL)) != t0)
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
	/* the rebuild ran in the edit's second (unless the clock turned since)
	   and did not wait for the second to pass: the hash is kept */
	if (time(NULL) == t_edit)
		assert_int_equal(file_hashed("a.md"), 1);
	lidx__test_settle_wait_ms(30);
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

/*
 * Fine timestamps: a note written just before the build is racy, but the
 * build waits out its 20 ms tick and reads it again, so the index keeps no
 * hash and no later check reads the note; a same-size edit after that
 * still changes its mtime and is seen.
 */
static void test_corpus_settle_fine(void **state)
{
	(void)state;
	lidx_sync_report rep;
	put("s.md", "# S\nsigma111 here\n");
	assert_int_equal(sync_notes(&rep), 0);
	assert_int_equal(rep.rebuilt, 1);
	assert_int_equal(file_hashed("s.md"), 0);
	put("s.md", "# S\nsigma222 here\n"); /* same size, same inode */
	assert_int_equal(sync_notes(&rep), 0);
	assert_int_equal(rep.rebuilt, 1);
	assert_int_equal(rep.n_changed, 1);
	assert_int_equal(sync_notes(&rep), 0);
	assert_int_equal(rep.rebuilt, 0);
}

/* Edits t.md in place (same size) when the build has read every note. */
static time_t t_progress_edit;
static void edit_when_read(void *ctx, size_t done, size_t total, const char *path)
{
	(void)ctx, (void)path;
	if (done == total && total) {
		put("t.md", "# T\ntau222 here\n");
		t_progress_edit = time(NULL);
	}
}

/*
 * Coarse timestamps (1 s, no ctime), and a build allowed to wait out the
 * second: a same-size edit made after the build read the note, in the same
 * second, is what the second reading finds different -- the hash is kept
 * and the next check rebuilds. Without an edit the hash is dropped.
 */
static void test_corpus_settle_sees_edit(void **state)
{
	(void)state;
	lidx__test_coarse_times(1);
	lidx__test_settle_wait_ms(1100);
	lidx_sync_report rep;
	int caught = 0;
	for (int tries = 0; tries < 10 && !caught; tries++) {
		put("t.md", "# T\ntau111 here\n");
		time_t t0 = time(NULL);
		lidx_sync_opts so = { 0 };
		so.progress = edit_when_read;
		lidx_err err = { 0 };
		t_progress_edit = 0;
		assert_int_equal(lidx_corpus_sync(notes, ixpath, &so, &rep, &err), 0);
		if (!rep.rebuilt || t_progress_edit != t0)
			continue; /* the clock turned: the edit has another mtime */
		assert_int_equal(file_hashed("t.md"), 1);
		assert_int_equal(sync_notes(&rep), 0);
		assert_int_equal(rep.rebuilt, 1);
		assert_int_equal(rep.n_changed, 1);
		caught = 1;
	}
	assert_true(caught);
	/* that rebuild waited out the second and found t.md as it read it */
	assert_int_equal(file_hashed("t.md"), 0);
	assert_int_equal(sync_notes(&rep), 0);
	assert_int_equal(rep.rebuilt, 0);
	lidx__test_settle_wait_ms(30);
	lidx__test_coarse_times(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_racy_same_size_edit),
		cmocka_unit_test(test_corpus_skip_reason),
		cmocka_unit_test(test_corpus_settle_fine),
		cmocka_unit_test(test_corpus_settle_sees_edit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
