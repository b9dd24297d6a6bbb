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
#include <fcntl.h>
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

/* ---- every kind of change is seen (issue #10: the check was made cheaper) ---- */

#define BIG 120 /* files in tree/big: more than PAR_MIN, so two threads stat them */

/* Write notes/rel (in place if it exists) with an mtime of 2020, so that it is not racy. */
static void put_old(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", notes, rel);
	FILE *f = fopen(p, "r+");
	if (!f)
		f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	struct timespec ts[2] = { { 1577880000, 123456789 }, { 1577880000, 123456789 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void mkdir_rel(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", notes, rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

/* Set the mtime of notes/rel (a folder) to 2020 + sec: not racy, so a scan keeps its names. */
static void age(const char *rel, long sec)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", notes, rel);
	struct timespec ts[2] = { { 1577880000 + sec, 0 }, { 1577880000 + sec, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* every folder under notes, and notes */
static void age_dirs(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "find '%s' -type d -exec touch -d '2020-01-01 12:00:00' {} +", notes);
	assert_int_equal(system(cmd), 0);
	/* their ctime is now: a scan keeps their names once two (20 ms) ticks have passed */
	struct timespec ts = { 0, 60000000 };
	nanosleep(&ts, NULL);
}

/* Sync; the check must have seen exactly these differences (and rebuilt if any). */
static void expect_sync(uint32_t added, uint32_t changed, uint32_t deleted, int line)
{
	lidx_sync_report rep;
	assert_int_equal(sync_notes(&rep), 0);
	if (rep.n_added != added || rep.n_changed != changed || rep.n_deleted != deleted ||
	    rep.rebuilt != (added || changed || deleted))
		fail_msg("line %d: %u added, %u changed, %u deleted, rebuilt %d; expected %u, %u, %u", line,
		         rep.n_added, rep.n_changed, rep.n_deleted, rep.rebuilt, added, changed, deleted);
}
#define EXPECT_SYNC(a, c, d) expect_sync(a, c, d, __LINE__)

static void test_corpus_sees_every_change(void **state)
{
	(void)state;
	char rel[256], text[64];
	mkdir_rel("tree");
	mkdir_rel("tree/big");
	mkdir_rel("tree/a");
	mkdir_rel("tree/a-b");
	mkdir_rel("tree/a/deep");
	for (int i = 0; i < BIG; i++) {
		snprintf(rel, sizeof rel, "tree/big/n%03d.md", i);
		snprintf(text, sizeof text, "# N%03d\nnote body %03d\n", i, i);
		put_old(rel, text);
	}
	/* names whose paths sort around a folder's: "a.md" < "a/..." < "a-b/..." is strcmp's order
	   of the paths, not of the names */
	put_old("tree/a.md", "# a.md\n");
	put_old("tree/a/x.md", "# x\n");
	put_old("tree/a-b/y.md", "# y\n");
	put_old("tree/a0.md", "# a0\n");
	put_old("tree/a b.md", "# a b\n");
	put_old("tree/a/deep/z.md", "# z\n");
	age_dirs();
	lidx_sync_report rep;
	assert_int_equal(sync_notes(&rep), 0);
	lidx__test_dir_hits();
	lidx__test_par_folders();
	EXPECT_SYNC(0, 0, 0); /* the scan's order is the index's: nothing seen as added or deleted */
	/* the folders' names came from the cache, tree/big was stat'ed on two threads */
	assert_true(lidx__test_dir_hits() >= 6);
	assert_true(lidx__test_par_folders() >= 1);

	/* an in-place edit of the same size, its mtime put back: the ctime tells */
	put_old("tree/big/n077.md", "# N077\nnote BODY 077\n");
	EXPECT_SYNC(0, 1, 0);
	put_old("tree/big/n000.md", "# N000\nnote BODY 000\n");
	put_old("tree/big/n119.md", "# N119\nnote BODY 119\n");
	put_old("tree/a/deep/z.md", "# Z\n");
	EXPECT_SYNC(0, 3, 0);
	/* an added file in a sub-folder, deep and in the big one */
	put_old("tree/a/deep/new.md", "# new\n");
	put_old("tree/big/n500.md", "# N500\n");
	EXPECT_SYNC(2, 0, 0);
	/* a removed file */
	snprintf(rel, sizeof rel, "%s/tree/big/n050.md", notes);
	assert_int_equal(unlink(rel), 0);
	EXPECT_SYNC(0, 0, 1);
	/* a renamed folder: its files are gone under the old name, new under the new one */
	char from[512], to[512];
	snprintf(from, sizeof from, "%s/tree/a", notes);
	snprintf(to, sizeof to, "%s/tree/c", notes);
	assert_int_equal(rename(from, to), 0);
	EXPECT_SYNC(3, 0, 3);
	/* a file replaced by another of the same size and mtime (a new inode) */
	snprintf(from, sizeof from, "%s/tree/big/n010.md", notes);
	snprintf(to, sizeof to, "%s/tree/big/n010.md.tmp", notes);
	put_old("tree/big/n010.md.tmp", "# N010\nnote BODY 010\n");
	assert_int_equal(rename(to, from), 0);
	EXPECT_SYNC(0, 1, 0);
	/* a permission change (chmod changes the ctime only) */
	snprintf(rel, sizeof rel, "%s/tree/big/n020.md", notes);
	assert_int_equal(chmod(rel, 0400), 0);
	EXPECT_SYNC(0, 1, 0);
	/* a file replaced by a folder of the same name, and back */
	assert_int_equal(unlink(rel), 0);
	assert_int_equal(mkdir(rel, 0700), 0);
	put_old("tree/big/n020.md/inner.md", "# inner\n");
	EXPECT_SYNC(1, 0, 1);
	/* a folder that cannot be read (not for root, who reads it all the same) */
	if (geteuid() != 0) {
		snprintf(rel, sizeof rel, "%s/tree/c/deep", notes);
		assert_int_equal(chmod(rel, 0), 0);
		lidx_sync_report r2;
		assert_int_equal(sync_notes(&r2), 0);
		assert_int_equal(r2.rebuilt, 1);
		assert_int_equal(chmod(rel, 0700), 0);
		assert_int_equal(sync_notes(&r2), 0);
		assert_int_equal(r2.rebuilt, 1);
	}
	EXPECT_SYNC(0, 0, 0);
	assert_int_equal(system("true"), 0);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s/tree'", notes);
	assert_int_equal(system(cmd), 0);
}

/*
 * The folder cache (INDEX.dirs): a folder's names are reused only while its
 * inode, mtime and ctime are those recorded, and never when it changed in
 * the tick before it was read.
 */
static void test_corpus_dir_cache(void **state)
{
	(void)state;
	char p[512], cache[160];
	snprintf(cache, sizeof cache, "%s.dirs", ixpath);
	mkdir_rel("dc");
	mkdir_rel("dc/sub");
	put_old("dc/one.md", "# one\n");
	put_old("dc/sub/two.md", "# two\n");
	put_old("dc/sub/three.md", "# three\n");
	age_dirs();
	lidx_sync_report rep;
	assert_int_equal(sync_notes(&rep), 0);
	lidx__test_dir_hits();
	EXPECT_SYNC(0, 0, 0);
	assert_true(lidx__test_dir_hits() >= 3);
	struct stat st;
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);

	/* a note added, the folder's mtime put back as it was (rsync -t, tar x): its ctime tells */
	put_old("dc/sub/four.md", "# four\n");
	age("dc/sub", 0);
	EXPECT_SYNC(1, 0, 0);
	age_dirs();
	EXPECT_SYNC(0, 0, 0);
	/* a note removed, likewise */
	snprintf(p, sizeof p, "%s/dc/sub/four.md", notes);
	assert_int_equal(unlink(p), 0);
	age_dirs();
	EXPECT_SYNC(0, 0, 1);

	/* a damaged cache is not used: a name changed in it (two.md -> twX.md) would hide a note
	   and show one that is not there */
	EXPECT_SYNC(0, 0, 0);
	FILE *f = fopen(cache, "r+b");
	assert_non_null(f);
	char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf, f);
	assert_true(n > 24 && n < sizeof buf);
	char *at = memmem(buf, n, "two.md", 6);
	assert_non_null(at);
	at[2] = 'X';
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	lidx__test_dir_hits();
	EXPECT_SYNC(0, 0, 0);
	assert_int_equal(lidx__test_dir_hits(), 0);
	EXPECT_SYNC(0, 0, 0); /* ... and written again whole */
	assert_true(lidx__test_dir_hits() >= 3);
	/* cut short, or garbage */
	assert_int_equal(truncate(cache, 40), 0);
	EXPECT_SYNC(0, 0, 0);
	f = fopen(cache, "wb");
	assert_non_null(f);
	fputs("CVXDIRS\1 not a cache at all, but long enough to be read as one..........", f);
	assert_int_equal(fclose(f), 0);
	EXPECT_SYNC(0, 0, 0);
	put_old("dc/sub/five.md", "# five\n");
	EXPECT_SYNC(1, 0, 0);

	/* 1-second mtimes and no ctime: a folder read in the second it changed is read again
	   next time, so a note added in that same second is seen */
	lidx__test_coarse_times(1);
	lidx__test_settle_wait_ms(0);
	int caught = 0;
	mkdir_rel("dc/co");
	for (int tries = 0; tries < 20 && !caught; tries++) {
		snprintf(p, sizeof p, "%s/dc/co/late.md", notes);
		unlink(p);
		put("dc/co/early.md", "# early\n");
		assert_int_equal(sync_notes(&rep), 0);
		time_t t0 = time(NULL);
		assert_int_equal(sync_notes(&rep), 0); /* lists dc/co in the second it changed */
		put("dc/co/late.md", "# late\n");
		if (time(NULL) != t0)
			continue;
		assert_int_equal(sync_notes(&rep), 0);
		assert_int_equal(rep.n_added, 1);
		caught = 1;
	}
	assert_true(caught);
	lidx__test_settle_wait_ms(30);
	lidx__test_coarse_times(0);
	snprintf(p, sizeof p, "rm -rf '%s/dc'", notes);
	assert_int_equal(system(p), 0);
}

/*
 * A build over its memory budget reports its runs (lidx_sync_report.n_runs),
 * a segment of changed files as well as a whole build (a segment reported 0).
 */
static void test_corpus_runs_reported(void **state)
{
	(void)state;
	char name[32], text[600];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "r%02d.md", i);
		snprintf(text, sizeof text, "# Note %d\n\nkafka q%dx migration q%dy latency q%dz\n", i, i, i, i);
		put(name, text);
	}
	lidx_sync_opts so = { 0 };
	so.max_memory = 1; /* a run after every story */
	lidx_sync_report rep;
	lidx_err err = { 0 };
	memset(&rep, 0, sizeof rep);
	assert_int_equal(lidx_corpus_sync(notes, ixpath, &so, &rep, &err), 0);
	assert_int_equal(rep.rebuilt, 1);
	assert_int_equal(rep.updated, 0);
	assert_true(rep.n_runs >= 2);
	put("added.md", "# Added\n\nfirst words here\n\n## Second\n\nmore words there\n");
	memset(&rep, 0, sizeof rep);
	assert_int_equal(lidx_corpus_sync(notes, ixpath, &so, &rep, &err), 0);
	assert_int_equal(rep.updated, 1); /* a segment */
	assert_int_equal(rep.n_added, 1);
	assert_true(rep.n_runs >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_racy_same_size_edit),
		cmocka_unit_test(test_corpus_runs_reported),
		cmocka_unit_test(test_corpus_skip_reason),
		cmocka_unit_test(test_corpus_settle_fine),
		cmocka_unit_test(test_corpus_settle_sees_edit),
		cmocka_unit_test(test_corpus_sees_every_change),
		cmocka_unit_test(test_corpus_dir_cache),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
