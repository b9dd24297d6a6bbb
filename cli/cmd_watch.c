/*
 * cmd_watch.c -- `cvsearch watch`: keep the index of the notes folder fresh
 * in the foreground (lidx_watch_*, Linux inotify), so that every other
 * command skips the folder check while it runs; `watch status` asks a
 * running watcher, `watch stop` ends it.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

static lidx_watcher *volatile running; /* for the signal handler */
static volatile sig_atomic_t asked;

/* The first Ctrl-C ends the watcher once its update, if one runs, is done
   (an update is crash-safe, but a half-made one is work lost); a second
   one ends it at once. */
static void on_stop_signal(int sig)
{
	if (asked) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	asked = 1;
	lidx_watch_stop(running); /* async-signal-safe: a write to a pipe */
}

static void stamp(FILE *f)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	if (localtime_r(&t, &tm) && strftime(when, sizeof when, "%H:%M:%S", &tm))
		fprintf(f, "%s ", when);
}

/* After each of the watcher's syncs: one line when the index changed or could not be brought up to date. */
static void watch_log(void *ctx, int rc, const lidx_sync_report *rep, const char *msg)
{
	cli *c = ctx;
	cli_warn_summary(c);
	if (!rep) { /* about the watching itself */
		if (!c->quiet) {
			stamp(stderr);
			fprintf(stderr, "%s watch: ", c->prog);
			out_text(stderr, msg, strlen(msg));
			fputc('\n', stderr);
		}
		return;
	}
	if (rc < 0 || rep->stale) {
		stamp(stderr);
		fprintf(stderr, "%s watch: %s: ", c->prog, rc < 0 ? "error" : "the index could not be updated");
		out_text(stderr, msg ? msg : "", msg ? strlen(msg) : 0);
		fprintf(stderr, "; searches check the folder themselves until it can\n");
		return;
	}
	if (rep->rebuilt && !c->quiet) {
		stamp(stderr);
		fprintf(stderr, "%s watch: %s the index: %u added, %u changed, %u deleted; %u stories", c->prog,
		        rep->updated ? "updated" : "rebuilt", rep->n_added, rep->n_changed, rep->n_deleted, rep->n_stories);
		if (rep->n_runs) /* over --memory: written in parts, merged */
			fprintf(stderr, ", merged from %u runs", rep->n_runs);
		fprintf(stderr, " (%.3f s)\n", rep->seconds);
	}
}

static int watch_status(cli *c, int stop)
{
	lidx_err err = { 0 };
	lidx_watch_status st;
	if (lidx_watch_query(c->corpus, c->index_path, stop, &st, &err) < 0) {
		cli_error(c, "%s%s", err.msg, cli_corpus_origin(c));
		return EXIT_USAGE;
	}
	if (!st.live) {
		printf("no watcher: every command checks the notes folder itself\n");
		return EXIT_NONE;
	}
	if (stop) {
		printf("asked the watcher (pid %ld) to stop\n", st.pid);
		return EXIT_RESULTS;
	}
	if (st.fresh) {
		printf("the watcher (pid %ld) keeps the index fresh: commands skip the folder check\n", st.pid);
		return EXIT_RESULTS;
	}
	printf("the watcher (pid %ld) cannot vouch for the index now (", st.pid);
	out_text(stdout, st.why, strlen(st.why));
	printf("): commands check the notes folder themselves\n");
	return EXIT_NONE;
}

int cmd_watch(cli *c)
{
	if (!c->corpus) {
		cli_error(c, "watch needs the notes folder: cvsearch watch --corpus DIR");
		return EXIT_USAGE;
	}
	int op = 0; /* 0 watch, 1 status, 2 stop */
	if (c->argc == 1 && !strcmp(c->argv[0], "status"))
		op = 1;
	else if (c->argc == 1 && !strcmp(c->argv[0], "stop"))
		op = 2;
	else if (c->argc) {
		cli_error(c, "watch takes 'status', 'stop' or nothing, not '%s'", c->argv[0]);
		return EXIT_USAGE;
	}
	int rc = cli_index_path(c);
	if (rc)
		return rc;
	if (op)
		return watch_status(c, op == 2);
	lidx_watch_opts wo;
	memset(&wo, 0, sizeof wo);
	wo.sync.max_memory = c->memory; /* --memory, CVSEARCH_MEMORY_MB: as `cvsearch index` */
	wo.sync.progress = cli_progress;
	wo.sync.warn = cli_warn;
	wo.sync.ctx = c;
	wo.log = watch_log;
	lidx_err err = { 0 };
	lidx_watcher *w;
	if ((rc = lidx_watch_open(&w, c->corpus, c->index_path, &wo, &err)) < 0) {
		cli_warn_summary(c);
		cli_error(c, "%s%s", err.msg, cli_corpus_origin(c));
		return EXIT_USAGE;
	}
	running = w;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!c->quiet) {
		stamp(stderr);
		fprintf(stderr, "%s watch: watching %zu folders of ", c->prog, lidx_watch_folders(w));
		out_text(stderr, c->corpus, strlen(c->corpus));
		fprintf(stderr, " (pid %ld); other commands skip the folder check while this runs; Ctrl-C or "
		        "'cvsearch watch stop' ends it\n", (long)getpid());
	}
	rc = lidx_watch_run(w, &err);
	/* no stop signal from here on: the handler must not use the watcher
	   while (or after) it is closed; a pending one stays pending and the
	   command ends anyway */
	sigset_t stop_sigs;
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_sigs, NULL);
	running = NULL;
	lidx_watch_close(w);
	if (rc < 0) {
		cli_error(c, "watch: %s", err.msg);
		return EXIT_USAGE;
	}
	if (!c->quiet) {
		stamp(stderr);
		fprintf(stderr, "%s watch: stopped\n", c->prog);
	}
	return EXIT_RESULTS;
}
