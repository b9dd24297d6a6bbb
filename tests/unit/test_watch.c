/*
 * test_watch.c -- `cvsearch watch` (watch.c, issue #10): with a watcher
 * running (a child process), every change made before a sync -- a note
 * added, edited in place with its mtime put back, renamed, removed,
 * chmod'ed, a folder made with a note in it at once, a folder renamed,
 * .cvsearchignore written -- is in the index the sync hands back without
 * walking the folder (rep.watched), and a full check then finds nothing to
 * do; a change inotify cannot see (a write through a hard link from outside
 * the notes) shows that the walk was skipped, and a lost event
 * (IN_Q_OVERFLOW) makes the watcher check the folder whole; a watcher that
 * cannot watch every folder, a killed one and a stopped one are not
 * believed; a second watcher of one index is refused. Also: a parent of
 * the notes renamed and the folder made anew, an index inside the notes
 * reached through links (no note, no rebuild loop), a linked
 * .cvsearchignore edited outside the notes, folders moved out or hidden
 * (watched no longer), a folder that cannot be opened (EMFILE: the watcher
 * says no), a stale index written just after the watcher's check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "libindex.h"
#include "watch.h"

void lidx__test_watch_overflow(void);
void lidx__test_watch_limit(long n);
void lidx__test_watch_after_sync(void (*f)(void));

static char dir[64], notes[96], ixpath[128];
static pid_t child = -1;
static int child_exit_folders; /* the child's exit status is 10 + the folders it watched at the end */
static int child_swap;         /* the child's second check is followed by a stale index put in place */

static void path_of(char *p, size_t n, const char *name)
{
	snprintf(p, n, "%s/%s", notes, name);
}

static void put(const char *name, const char *text)
{
	char p[256];
	path_of(p, sizeof p, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void on_usr1(int sig)
{
	(void)sig;
	lidx__test_watch_overflow();
}

static void on_usr2(int sig)
{
	(void)sig;
	lidx__test_watch_limit(0);
}

/* After the watcher's second check: an index of the notes as they were
   (ixpath.old) put in place, as a search that scanned before the change and
   waited for the build lock would write it when the watcher lets it go. */
static void swap_in_stale(void)
{
	static int n;
	char old[160];
	snprintf(old, sizeof old, "%s.old", ixpath);
	if (++n == 2 && rename(old, ixpath) != 0)
		_exit(5);
}

/* A watcher in a child process; returns once it vouches for the index. */
static void start_watcher(void)
{
	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		signal(SIGUSR1, on_usr1);
		signal(SIGUSR2, on_usr2);
		if (child_swap)
			lidx__test_watch_after_sync(swap_in_stale);
		lidx_watcher *w;
		lidx_err err;
		if (lidx_watch_open(&w, notes, ixpath, NULL, &err) < 0) {
			fprintf(stderr, "watch_open: %s\n", err.msg);
			_exit(3);
		}
		int rc = lidx_watch_run(w, &err);
		size_t n = lidx_watch_folders(w);
		lidx_watch_close(w);
		if (child_exit_folders)
			_exit(rc < 0 ? 4 : 10 + (int)(n < 100 ? n : 100));
		_exit(rc < 0 ? 4 : 0);
	}
	for (int i = 0; i < 200; i++) {
		lidx_watch_status st;
		assert_int_equal(lidx_watch_query(notes, ixpath, 0, &st, NULL), 0);
		if (st.live && st.fresh) {
			assert_int_equal(st.pid, child);
			return;
		}
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("the watcher did not start");
}

static void stop_watcher(void)
{
	if (child <= 0)
		return;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = -1;
}

/* The sync a search makes: 1 if a watcher vouched for the index. */
static int search_sync(void)
{
	lidx_sync_opts so = { 0 };
	lidx_sync_report rep;
	lidx_err err = { 0 };
	lidx_index *ix = NULL;
	int rc = lidx_corpus_sync_open(notes, ixpath, &so, &rep, &ix, &err);
	if (rc < 0)
		fail_msg("sync: %s", err.msg);
	if (rep.watched)
		assert_non_null(ix); /* vouched for: the index is handed over */
	lidx_index_close(ix);
	return rep.watched;
}

/* A full check without asking the watcher: the changes it finds (0: the index held the notes). */
static unsigned full_check_changes(void)
{
	lidx_sync_opts so = { 0 };
	lidx_sync_report rep;
	lidx_err err = { 0 };
	if (lidx__corpus_sync_open(notes, ixpath, &so, &rep, NULL, 0, NULL, &err) < 0)
		fail_msg("sync: %s", err.msg);
	return rep.n_added + rep.n_changed + rep.n_deleted;
}

/* A search right after the change: the watcher vouched, and the index it vouched for was up to date. */
static void seen(const char *what)
{
	if (!search_sync())
		fail_msg("%s: the watcher did not vouch for the index", what);
	unsigned n = full_check_changes();
	if (n)
		fail_msg("%s: the watched index missed %u changes", what, n);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cvsearch-twatch.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(notes, sizeof notes, "%s/notes", dir);
	snprintf(ixpath, sizeof ixpath, "%s/ix/notes.cvx", dir);
	assert_int_equal(mkdir(notes, 0700), 0);
	char ixd[160];
	snprintf(ixd, sizeof ixd, "%s/ix", dir);
	assert_int_equal(mkdir(ixd, 0700), 0);
	put("a.md", "# Alpha\n\nthe kafka story\n");
	sh("mkdir -p '%s/work/deep' && printf '# Deep\\n\\nthe quokka story\\n' > '%s/work/deep/q.md'", notes, notes);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_watcher();
	char cmd[256];
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_watch_sees_every_change(void **state)
{
	(void)state;
	start_watcher();
	seen("no change");
	put("b.md", "# Beta\n\nthe wombat story\n");
	seen("a note added");
	put("b.md", "# Beta\n\nthe dingos story\n"); /* same size */
	sh("touch -d '2020-01-01' '%s/b.md' '%s'", notes, notes);
	seen("an edit of the same size, mtime put back");
	sh("mkdir -p '%s/new/sub' && printf '# N\\n\\nnumbat\\n' > '%s/new/sub/n.md'", notes, notes);
	seen("a folder made with a note in it at once");
	put("new/sub/m.md", "# M\n\nmarsupial\n");
	seen("a note added to the new folder");
	sh("mv '%s/work' '%s/job'", notes, notes);
	seen("a folder renamed");
	put("job/deep/r.md", "# R\n\nin the renamed folder\n");
	seen("a note added under the renamed folder");
	sh("mv '%s/b.md' '%s/new/b2.md'", notes, notes);
	seen("a note moved to another folder");
	sh("rm '%s/a.md'", notes);
	seen("a note removed");
	sh("chmod 000 '%s/new/b2.md'", notes);
	seen("a chmod");
	sh("chmod 644 '%s/new/b2.md'", notes);
	put(".cvsearchignore", "job/\n");
	seen(".cvsearchignore written");
	put(".hidden.md", "# H\n\nhidden\n");
	seen("a hidden file");
	sh("rm -rf '%s/new'", notes);
	seen("a folder removed");
	/* edits of the same size in quick succession, each searched at once:
	   within one timestamp tick of the watcher's last check (racy notes) */
	for (int i = 0; i < 30; i++) {
		char text[64];
		snprintf(text, sizeof text, "# Quick\n\nversion %02d of the note\n", i);
		put("quick.md", text);
		seen("a quick same-size edit");
	}
	stop_watcher();
}

static void test_watch_overflow_checks_all(void **state)
{
	(void)state;
	/* a note linked from outside the notes: a write through that link is
	   no event of the notes folder (inotify's limit, as git's fsmonitor's) */
	char out[256];
	snprintf(out, sizeof out, "%s/outside.md", dir);
	put("linked.md", "# Linked\n\nfirst version\n");
	sh("ln '%s/linked.md' '%s'", notes, out);
	start_watcher();
	sh("printf 'more words here\\n' >> '%s'", out);
	assert_int_equal(search_sync(), 1);
	/* the watched sync did not walk: the full check finds the change */
	assert_int_equal(full_check_changes(), 1);
	sh("printf 'and again\\n' >> '%s'", out);
	kill(child, SIGUSR1); /* the next read of the queue says events were lost */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	seen("after lost events");
	stop_watcher();
}

static void test_watch_limit_falls_back(void **state)
{
	(void)state;
	start_watcher();
	seen("before the limit");
	kill(child, SIGUSR2); /* inotify refuses any more watches */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	sh("mkdir '%s/more' && printf '# More\\n\\nmore\\n' > '%s/more/x.md'", notes, notes);
	assert_int_equal(search_sync(), 0); /* not believed: the search walked */
	assert_int_equal(full_check_changes(), 0);
	lidx_watch_status st;
	assert_int_equal(lidx_watch_query(notes, ixpath, 0, &st, NULL), 0);
	assert_int_equal(st.live, 1);
	assert_int_equal(st.fresh, 0);
	assert_non_null(strstr(st.why, "max_user_watches"));
	stop_watcher();
	/* a folder with more folders than the limit: refused at the start */
	lidx__test_watch_limit(1);
	lidx_watcher *w = NULL;
	lidx_err err;
	assert_true(lidx_watch_open(&w, notes, ixpath, NULL, &err) < 0);
	assert_null(w);
	assert_non_null(strstr(err.msg, "max_user_watches"));
	lidx__test_watch_limit(-1);
}

static void test_watch_dead_or_stopped(void **state)
{
	(void)state;
	start_watcher();
	/* a second watcher of the same index is refused */
	lidx_watcher *w = NULL;
	lidx_err err;
	assert_int_equal(lidx_watch_open(&w, notes, ixpath, NULL, &err), LIDX_ELOCKED);
	/* stopped: not waited for (the search would wait up to 10 s for an answer) */
	kill(child, SIGSTOP);
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
	put("c.md", "# Gamma\n\nwhile stopped\n");
	time_t t0 = time(NULL);
	assert_int_equal(search_sync(), 0);
	assert_true(time(NULL) - t0 < 3);
	assert_int_equal(full_check_changes(), 0);
	kill(child, SIGCONT);
	seen("after SIGCONT");
	/* killed: its socket stays, nobody listens */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = -1;
	char sp[160];
	snprintf(sp, sizeof sp, "%s.sock", ixpath);
	struct stat st;
	assert_int_equal(lstat(sp, &st), 0);
	put("d.md", "# Delta\n\nafter the kill\n");
	assert_int_equal(search_sync(), 0);
	assert_int_equal(full_check_changes(), 0);
	/* a new watcher takes over the socket */
	start_watcher();
	put("e.md", "# Epsilon\n\nnew watcher\n");
	seen("a new watcher");
	/* the index replaced behind the watcher's back (a copy put back):
	   the watcher checks it again before vouching */
	sh("cp -p '%s' '%s.copy' && mv '%s.copy' '%s'", ixpath, ixpath, ixpath, ixpath);
	seen("the index replaced");
	lidx_watch_status ws;
	assert_int_equal(lidx_watch_query(notes, ixpath, 1, &ws, NULL), 0);
	assert_int_equal(ws.live, 1);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	child = -1;
	assert_int_equal(lstat(sp, &st), -1); /* a watcher that stops removes its socket */
	assert_int_equal(lidx_watch_query(notes, ixpath, 0, &ws, NULL), 0);
	assert_int_equal(ws.live, 0);
}

/* A parent of the notes folder renamed and a folder made anew at the old
   path: no event reaches the folder watched, yet the notes at the path are
   others; the watcher watches the new folder and checks it. */
static void test_watch_parent_renamed(void **state)
{
	(void)state;
	snprintf(notes, sizeof notes, "%s/a/notes", dir);
	sh("mkdir -p '%s' && printf '# A\\n\\nthe kafka story\\n' > '%s/a.md'", notes, notes);
	start_watcher();
	seen("no change");
	sh("mv '%s/a' '%s/a-old' && mkdir -p '%s' && printf '# F\\n\\nbanana\\n' > '%s/b.md'", dir, dir, notes,
	   notes);
	seen("the parent renamed, the notes folder made anew");
	put("c.md", "# C\n\ncherry\n");
	seen("a note added to the new folder");
	stop_watcher();
}

/* The index kept inside the notes with a link in the notes to its folder:
   the scan does not index the index through the link, and the watcher is
   not woken by the index's own writes (it rebuilt ~30 times a second). */
static void test_watch_index_through_link(void **state)
{
	(void)state;
	snprintf(ixpath, sizeof ixpath, "%s/ixd/i.cvx", notes);
	sh("mkdir '%s/ixd' && ln -s ixd '%s/ixlink' && ln -s ../ixd '%s/work/l'", notes, notes, notes);
	lidx_sync_opts so = { 0 };
	lidx_sync_report rep;
	lidx_err err = { 0 };
	assert_int_equal(lidx__corpus_sync_open(notes, ixpath, &so, &rep, NULL, 0, NULL, &err), 0);
	assert_int_equal(rep.n_files, 2); /* a.md, work/deep/q.md: nothing under ixlink/ or work/l/ */
	assert_int_equal(full_check_changes(), 0);
	assert_int_equal(full_check_changes(), 0);
	start_watcher();
	seen("no change");
	put("b.md", "# B\n\nthe wombat story\n");
	seen("a note added");
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	lidx__ixid a, b;
	lidx__index_identity(ixpath, &a);
	nanosleep(&ts, NULL);
	lidx__index_identity(ixpath, &b);
	assert_memory_equal(&a, &b, sizeof a); /* idle: no rebuild */
	seen("idle");
	stop_watcher();
}

/* .cvsearchignore a link to a file outside the notes: an edit of it is no
   event of the notes, but a watched search agrees with an unwatched one. */
static void test_watch_linked_ignore(void **state)
{
	(void)state;
	sh("printf '# nothing\\n' > '%s/ign' && ln -s ../ign '%s/.cvsearchignore'", dir, notes);
	start_watcher();
	seen("no change");
	sh("printf 'work/\\n' > '%s/ign'", dir);
	seen("the linked ignore file edited");
	sh("printf '# all back\\n' > '%s/ign'", dir);
	seen("the linked ignore file edited again");
	stop_watcher();
}

/* Folders moved out of the notes, or into a hidden folder, are watched no
   longer (each edit there made a check, and their watches piled up). */
static void test_watch_moved_out_unwatched(void **state)
{
	(void)state;
	sh("mkdir -p '%s/gone/x/y' '%s/job' && printf '# G\\n\\ngnu\\n' > '%s/gone/x/y/g.md'", notes, notes, notes);
	child_exit_folders = 1;
	start_watcher(); /* notes, work, work/deep, gone, gone/x, gone/x/y, job */
	sh("mv '%s/gone' '%s/gone-away'", notes, dir);
	seen("a folder moved out");
	sh("mv '%s/work' '%s/.attic'", notes, notes);
	seen("a folder moved into a hidden name");
	sh("mv '%s/gone-away' '%s/job/back'", dir, notes);
	seen("a folder moved in");
	sh("printf '# G\\n\\ngnu again\\n' > '%s/job/back/x/y/g.md'", notes);
	seen("a note edited in the folder moved in");
	lidx_watch_status ws;
	assert_int_equal(lidx_watch_query(notes, ixpath, 1, &ws, NULL), 0);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	child = -1;
	child_exit_folders = 0;
	assert_true(WIFEXITED(status));
	/* notes, job, job/back, job/back/x, job/back/x/y */
	assert_int_equal(WEXITSTATUS(status), 10 + 5);
}

/* A folder the watcher cannot open for a passing reason (too many open
   files) is not left unwatched silently: the watcher says no (here: it
   refuses to start, as when the watch limit is reached). */
static void test_watch_emfile_degrades(void **state)
{
	(void)state;
	char deep[1024];
	int n = snprintf(deep, sizeof deep, "%s", notes);
	for (int i = 0; i < 40; i++)
		n += snprintf(deep + n, sizeof deep - (size_t)n, "/d");
	sh("mkdir -p '%s' && printf '# D\\n\\ndeep\\n' > '%s/deep.md'", deep, deep);
	assert_int_equal(full_check_changes(), 3); /* built: the watcher's first check only compares */
	int top = dup(0); /* the lowest free descriptor */
	assert_true(top >= 0);
	close(top);
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)top + 24; /* the watcher's own files and ~15 folders deep */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	lidx_watcher *w = NULL;
	lidx_err err = { 0 };
	int rc = lidx_watch_open(&w, notes, ixpath, NULL, &err);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	if (rc == 0)
		lidx_watch_close(w);
	assert_true(rc < 0);
	assert_null(w);
	assert_non_null(strstr(err.msg, "Too many open files"));
}

/* A stale index written by another process just after the watcher's check
   (a search that scanned before the change and waited for the build lock):
   the watcher vouches only for the index its check found or wrote. */
static void test_watch_index_swapped_after_check(void **state)
{
	(void)state;
	assert_int_equal(full_check_changes(), 2);
	sh("cp -p '%s' '%s.old'", ixpath, ixpath);
	child_swap = 1;
	start_watcher();
	child_swap = 0;
	/* the second check (idle, or for the question) takes it in, then the old index is put back */
	put("b.md", "# B\n\nthe wombat story\n");
	seen("a stale index put in place after the check");
	char old[160];
	snprintf(old, sizeof old, "%s.old", ixpath);
	struct stat st;
	assert_int_equal(lstat(old, &st), -1); /* it was */
	stop_watcher();
}

/* Every allocation of lidx_watch_open (and of its first check) failed in turn: an error, never a crash or a leak. */
static void test_watch_alloc_fail(void **state)
{
	(void)state;
	assert_int_equal(full_check_changes(), 2); /* the index built: the watcher's check only compares */
	long n_fail = 0;
	for (long n = 1;; n++) {
		lidx_alloc_fail_at(n);
		lidx_watcher *w = NULL;
		lidx_err err = { 0 };
		int rc = lidx_watch_open(&w, notes, ixpath, NULL, &err);
		long made = lidx_alloc_fail_at(0);
		if (rc == 0) {
			assert_non_null(w);
			lidx_watch_close(w);
			if (made < n)
				break; /* the n-th allocation was never reached: all tried */
			continue;
		}
		assert_null(w);
		assert_int_equal(rc, LIDX_ENOMEM);
		n_fail++;
	}
	assert_true(n_fail > 0);
	print_message("watch open: %ld allocations, each failed in turn: all gave ENOMEM\n", n_fail);
	/* and the index is still whole and fresh */
	assert_int_equal(full_check_changes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_sees_every_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_overflow_checks_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_limit_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_dead_or_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_alloc_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_parent_renamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_index_through_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_linked_ignore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_moved_out_unwatched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_emfile_degrades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_index_swapped_after_check, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
