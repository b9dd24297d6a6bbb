/*
 * main.c -- cvsearch's entry point: global options, the command table, the
 * default corpus (--corpus, $CVSEARCH_CORPUS, the config file), and keeping
 * the index fresh before a command reads it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const command commands[] = {
	{ "search", cmd_search, "search [OPTIONS] QUERY...", "rank stories for a query (the default command)" },
	{ "match", cmd_match, "match [OPTIONS] [FILE|-]", "rank stories against a job description, with coverage" },
	{ "show", cmd_show, "show PATH:LINE | ID", "print a whole story" },
	{ "stories", cmd_stories, "stories [FILE]", "list the stories the notes were split into" },
	{ "index", cmd_index, "index", "rebuild the index now and report what was done" },
	{ "stats", cmd_stats, "stats", "stories, terms, postings, index size, build time" },
	{ "watch", cmd_watch, "watch [status|stop]",
	  "keep the index fresh while it runs (Linux): commands then skip the folder check" },
	{ "batch", cmd_batch, "batch --docs DOCS.tsv --topics TOPICS.tsv --run RUN.trec [--limit N]",
	  "index a TSV collection and write a TREC run (evaluation)" },
	{ "eval", cmd_eval, "eval [--json] [--explain] [--limit N] JUDGMENTS.json\n"
	  "       cvsearch eval [--json] [--explain] [--limit N] --topics TOPICS --qrels QRELS",
	  "score the ranking against your judgments: nDCG@5/10, P@1, MAP, MRR, unjudged hits" },
	{ NULL, NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	fprintf(f,
	        "cvsearch %s -- find the stories in your career notes that answer a question\n"
	        "\n"
	        "Usage: cvsearch [OPTIONS] QUERY...          search (same as 'cvsearch search')\n"
	        "       cvsearch COMMAND [OPTIONS] [ARGS]\n"
	        "\n"
	        "Commands:\n", LIDX_VERSION_STRING);
	for (const command *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f,
	        "\n"
	        "Query syntax (search):\n"
	        "  kafka streaming        stories with these words (more words matched rank higher)\n"
	        "  \"rate limiting\"        an exact phrase\n"
	        "  -sequelize             leave out stories with this word (anywhere; after '--'\n"
	        "                         if it is also an option: cvsearch -- kafka -c)\n"
	        "  kafka OR rabbitmq      either word counts as the same requirement\n"
	        "  migrat*                words starting with 'migrat'\n"
	        "  file:tanium            only files whose path contains 'tanium' (-file: excludes)\n"
	        "  Plain questions work too: \"Tell me about a time you mentored a junior engineer\"\n"
	        "\n"
	        "Options:\n"
	        "  -c, --corpus DIR      folder of notes (default: $CVSEARCH_CORPUS, else 'corpus = DIR'\n"
	        "                        in $XDG_CONFIG_HOME/cvsearch/config or ~/.config/cvsearch/config)\n"
	        "  -n, --limit N         results to show (default 10)\n"
	        "  -j, --json            JSON on stdout (one document; see README)\n"
	        "      --color WHEN      auto, always or never (default auto; NO_COLOR is honored)\n"
	        "      --explain         show the parsed query and each term's share of the score\n"
	        "      --k1 X, --b X     BM25 parameters (default 1.2 and 0.75)\n"
	        "      --title-weight X  weight of title/heading words (default 2.5)\n"
	        "      --no-proximity    do not weigh how near the query's words are to each other\n"
	        "      --index FILE      use this index file instead of the cache (kept up to date\n"
	        "                        only with --corpus; never overwrites what is not an index)\n"
	        "      --no-update       do not bring the index up to date first\n"
	        "      --memory MB       memory a build may hold before it writes to temporary files\n"
	        "                        beside the index (default 64; $CVSEARCH_MEMORY_MB; 0: no bound)\n"
	        "  -q, --quiet           no progress or warnings on stderr\n"
	        "  -h, --help            this help;  --version  the version\n"
	        "\n"
	        "match:   --coverage (requirement-by-requirement report), --pick K (K stories that\n"
	        "         together cover the most requirements)\n"
	        "batch:   --docs FILE --topics FILE --run FILE (TREC run for test collections)\n"
	        "eval:    JUDGMENTS.json, or --topics FILE --qrels FILE (judged queries; see\n"
	        "         'cvsearch help eval'); --explain lists each query's results and gains\n"
	        "\n"
	        "The index lives in $CVSEARCH_INDEX_DIR or $XDG_CACHE_HOME/cvsearch (~/.cache/cvsearch)\n"
	        "and is brought up to date automatically when notes are added, changed or deleted.\n"
	        "On a large folder, 'cvsearch watch' (in the background: cvsearch watch -q &) keeps it\n"
	        "fresh as notes change, and every command then skips the check of the folder.\n"
	        "Exit status: 0 results, 1 no results, 2 usage or input error.\n");
}

/* An error or a note on stderr, "cvsearch: ...". Messages carry names from
   outside (folder names stored in an index, file names, options): escapes
   and newlines in them are shown, not obeyed. */
void cli_error(cli *c, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	fprintf(stderr, "%s: ", c->prog);
	out_text(stderr, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	fputc('\n', stderr);
}

void cli_story_path(cli *c, const char *rel, char *out, size_t n)
{
	if (c->corpus && strcmp(c->corpus, "."))
		snprintf(out, n, "%s%s%s", c->corpus,
		         c->corpus[strlen(c->corpus) - 1] == '/' ? "" : "/", rel);
	else
		snprintf(out, n, "%s", rel);
}

/* ---- keeping the index fresh ----------------------------------------------------- */

void cli_progress(void *ctx, size_t done, size_t total, const char *path)
{
	cli *c = ctx;
	(void)path;
	if (c->quiet || !isatty(2) || total < 20)
		return;
	if (done == total || done % 10 == 0)
		fprintf(stderr, "\rcvsearch: indexing %zu/%zu files%s", done, total, done == total ? "\n" : "");
}

#define MAX_WARNINGS 20 /* a folder like / has millions of unreadable files */

void cli_warn(void *ctx, const char *path, const char *what)
{
	cli *c = ctx;
	if (c->quiet)
		return;
	if (c->n_warnings++ >= MAX_WARNINGS)
		return;
	fprintf(stderr, "%s: warning: ", c->prog);
	out_text(stderr, path, strlen(path));
	fprintf(stderr, ": %s\n", what);
}

const char *cli_corpus_origin(cli *c)
{
	static char buf[4200];
	if (c->corpus_from == CORPUS_FROM_ENV)
		return " (the notes folder comes from $CVSEARCH_CORPUS)";
	if (c->corpus_from == CORPUS_FROM_CONFIG) {
		const char *cp = cli_config_path();
		snprintf(buf, sizeof buf, " (the notes folder comes from %s)", cp ? cp : "the config file");
		return buf;
	}
	return "";
}

int cli_index_path(cli *c)
{
	lidx_err err = { 0 };
	if (c->index_path)
		return 0;
	if (c->index_opt) {
		c->index_path = strdup(c->index_opt);
	} else {
		if (!c->corpus) {
			const char *cp = cli_config_path();
			cli_error(c, "no notes folder: pass --corpus DIR, set CVSEARCH_CORPUS, or put "
			             "'corpus = DIR' in %s", cp ? cp : "~/.config/cvsearch/config");
			return EXIT_USAGE;
		}
		if (lidx_corpus_index_path(c->corpus, &c->index_path, &err) < 0) {
			cli_error(c, "%s%s", err.msg, cli_corpus_origin(c));
			return EXIT_USAGE;
		}
	}
	if (!c->index_path) {
		cli_error(c, "out of memory");
		return EXIT_USAGE;
	}
	return 0;
}

void cli_warn_summary(cli *c)
{
	if (!c->quiet && c->n_warnings > MAX_WARNINGS)
		fprintf(stderr, "%s: warning: %zu more files or folders skipped (not shown)\n", c->prog,
		        c->n_warnings - MAX_WARNINGS);
	c->n_warnings = 0;
}

int cli_open(cli *c, int force)
{
	lidx_err err = { 0 };
	int rc;
	if ((rc = cli_index_path(c)) != 0)
		return rc;
	if (c->corpus && !c->no_update) {
		lidx_sync_opts so = { 0 };
		so.force = force;
		so.max_memory = c->memory;
		so.progress = cli_progress;
		so.warn = cli_warn;
		so.ctx = c;
		lidx_sync_report rep;
		rc = lidx_corpus_sync_open(c->corpus, c->index_path, &so, &rep, &c->ix, &err);
		cli_warn_summary(c);
		if (rc < 0) {
			cli_error(c, "%s%s", err.msg, cli_corpus_origin(c));
			return EXIT_USAGE;
		}
		if (rep.stale && !c->quiet) {
			/* one line: the answers come from the previous index, and why */
			fprintf(stderr, "%s: warning: the index is out of date (%u added, %u changed, %u deleted "
			        "since) and was not rebuilt: ", c->prog, rep.n_added, rep.n_changed, rep.n_deleted);
			out_text(stderr, rep.why, strlen(rep.why));
			fprintf(stderr, "; searching the previous index\n");
		}
		if (rep.was_corrupt && !c->quiet)
			fprintf(stderr, "%s: the index was corrupt or from another version; rebuilt it from the notes\n",
			        c->prog);
	}
	rc = c->ix ? 0 : lidx_index_open(&c->ix, c->index_path, 0, &err);
	if (rc < 0) {
		if (rc == LIDX_ENOTFOUND && !c->corpus)
			cli_error(c, "%s (build it with --corpus DIR)", err.msg);
		else if (rc == LIDX_ENOTFOUND)
			cli_error(c, "%s (there is no index yet: run without --no-update, or 'cvsearch index')", err.msg);
		else if (rc == LIDX_ECORRUPT || rc == LIDX_EVERSION)
			cli_error(c, "%s; run 'cvsearch index --corpus DIR%s' to rebuild it", err.msg,
			          c->index_opt ? " --index FILE" : "");
		else
			cli_error(c, "%s", err.msg);
		return EXIT_USAGE;
	}
	if (lidx_index_story_count(c->ix) == 0 && !c->quiet) {
		lidx_stats st;
		lidx_index_stats(c->ix, &st);
		fprintf(stderr, "%s: warning: there are no notes to search%s", c->prog, c->corpus ? " in " : "");
		if (c->corpus)
			out_text(stderr, c->corpus, strlen(c->corpus));
		fprintf(stderr, ": ");
		if (st.n_files + st.n_skipped == 0)
			fprintf(stderr, "no files there (hidden ones and .cvsearchignore patterns are left out)\n");
		else
			fprintf(stderr, "%u files, %u skipped (see cvsearch stories), none with text\n",
			        st.n_files + st.n_skipped, st.n_skipped);
	}
	if (lidx_analyzer_new(&c->an) < 0) {
		cli_error(c, "out of memory");
		return EXIT_USAGE;
	}
	if (cli_load_aliases(c) < 0) /* k8s = kubernetes, for search and match */
		return EXIT_USAGE;
	return 0;
}

int cli_rebuild_damaged(cli *c, const lidx_err *err)
{
	if (!c->corpus || c->no_update || c->index_opt || c->rebuilt_damaged)
		return -1;
	if (!c->quiet)
		cli_error(c, "%s; rebuilding it from the notes", err->msg);
	c->rebuilt_damaged = 1;
	cli_close(c);
	int rc = cli_open(c, 1);
	return rc ? rc : 0;
}

int cli_check_stories(cli *c, const lidx_results *r, lidx_err *err)
{
	for (size_t i = 0; i < r->n_hits; i++) {
		lidx_story s;
		int rc = lidx_index_story(c->ix, r->hits[i].story, &s, err);
		if (rc < 0)
			return rc;
		lidx_story_clear(&s);
	}
	return 0;
}

void cli_close(cli *c)
{
	lidx_analyzer_free(c->an);
	lidx_index_close(c->ix);
	free(c->index_path);
	c->an = NULL;
	c->ix = NULL;
	c->index_path = NULL;
}

/* ---- options ---------------------------------------------------------------------- */

/*
 * A query word that starts with '-' leaves stories out (`cvsearch kafka
 * -legacy`), but getopt would read "-legacy" as the options -l -e -g ...
 * Before getopt, every argument that starts with one '-' and is not a
 * bundle of our short options is swapped for a stand-in that does not start
 * with '-' (getopt leaves it, as it does any query word), and put back
 * after. A bundle is flags from "jqhv", optionally ending in -c or -n with
 * the value in the next argument, or attached: digits after n (-n5, -jn5),
 * a path after c (-c/notes, -c./notes, -c~/notes). Option values and
 * everything after "--" are left alone.
 */
#define MAX_PROTECTED 256
static char *protected_orig[MAX_PROTECTED], *protected_fake[MAX_PROTECTED];
static size_t n_protected;

/* 0: not a bundle of short options; 1: one; 2: one whose value is the next argument */
static int short_bundle(const char *a)
{
	size_t i = 1;
	while (a[i] && strchr("jqhv", a[i]))
		i++;
	if (!a[i])
		return i > 1;
	if (a[i] == 'n') {
		if (!a[i + 1])
			return 2;
		for (size_t k = i + 1; a[k]; k++)
			if (a[k] < '0' || a[k] > '9')
				return 0; /* -nginx: a word */
		return 1;
	}
	if (a[i] == 'c') {
		const char *v = a + i + 1;
		if (!*v)
			return 2;
		return *v == '/' || *v == '.' || *v == '~'; /* -cache: a word */
	}
	return 0;
}

static int takes_value(const char *a, const struct option *longopts)
{
	if (a[1] != '-')
		return short_bundle(a) == 2;
	if (strchr(a, '='))
		return 0;
	for (const struct option *o = longopts; o->name; o++)
		if (!strcmp(a + 2, o->name))
			return o->has_arg == required_argument;
	return 0;
}

static void protect_query_words(int argc, char **argv, const struct option *longopts)
{
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!strcmp(a, "--"))
			return;
		if (a[0] != '-' || !a[1])
			continue; /* a word, or "-" (standard input) */
		if (a[1] == '-' || short_bundle(a)) {
			i += takes_value(a, longopts);
			continue;
		}
		if (n_protected == MAX_PROTECTED)
			return;
		char *fake = strdup(a);
		if (!fake)
			return;
		fake[0] = '\x01';
		protected_orig[n_protected] = a;
		protected_fake[n_protected++] = fake;
		argv[i] = fake;
	}
}

static void restore_query_words(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		for (size_t k = 0; k < n_protected; k++)
			if (argv[i] == protected_fake[k]) {
				argv[i] = protected_orig[k];
				break;
			}
	for (size_t k = 0; k < n_protected; k++)
		free(protected_fake[k]);
	n_protected = 0;
}

static int parse_double(cli *c, const char *name, const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= lo && d <= hi)) {
		cli_error(c, "%s wants a number from %g to %g, not '%s'", name, lo, hi, v);
		return -1;
	}
	*out = d;
	return 0;
}

/*
 * The index is mapped (index_read.c): a program that truncates it in place
 * while a command reads it (`cp other.cvx` onto the cache file; cvsearch
 * itself only ever renames a new index over the old) makes the lost pages
 * raise SIGBUS. Rather than die with "Bus error", say what happened and
 * exit 2; the next command finds the file damaged and rebuilds it. The
 * handler only writes and exits (async-signal-safe). Chosen over reading
 * through pread() or guarding every read with sigsetjmp: reads stay plain
 * memory reads, and nothing is left half-done that a retry would depend on.
 */
static void on_sigbus(int sig)
{
	static const char msg[] = "cvsearch: the index changed underneath this command (truncated or "
	                          "overwritten in place by another program); run it again: the index is "
	                          "checked and rebuilt\n";
	(void)sig;
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	_exit(EXIT_USAGE);
}

/* A build's memory budget in MB (0: no bound) into c->memory; 1 after an error message. */
static int parse_memory(cli *c, const char *what, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	/* 1 TiB, or what a size_t holds (4095 MB where it is 32 bits) */
	unsigned long long max = SIZE_MAX >> 20 < 1u << 20 ? SIZE_MAX >> 20 : 1u << 20;
	if (errno || *end || end == s || *s == '-' || v > max) {
		cli_error(c, "%s wants megabytes, a whole number from 0 (no bound) to %llu, not '%s'", what, max, s);
		return 1;
	}
	c->memory = v ? (size_t)v << 20 : SIZE_MAX;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	cli c;
	memset(&c, 0, sizeof c);
	c.prog = "cvsearch";
	lidx_search_defaults(&c.so);
	c.limit = 10;
	const char *color = "auto";
	static const struct option longopts[] = {
		{ "corpus", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "color", required_argument, NULL, 'C' },
		{ "colour", required_argument, NULL, 'C' },
		{ "explain", no_argument, NULL, 'e' },
		{ "k1", required_argument, NULL, 'K' },
		{ "b", required_argument, NULL, 'B' },
		{ "title-weight", required_argument, NULL, 'W' },
		{ "index", required_argument, NULL, 'I' },
		{ "no-update", no_argument, NULL, 'U' },
		{ "no-proximity", no_argument, NULL, 1001 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "memory", required_argument, NULL, 'M' },
		{ "coverage", no_argument, NULL, 'V' },
		{ "pick", required_argument, NULL, 'P' },
		{ "docs", required_argument, NULL, 'D' },
		{ "topics", required_argument, NULL, 'T' },
		{ "run", required_argument, NULL, 'R' },
		{ "qrels", required_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	protect_query_words(argc, argv, longopts);
	opterr = 0;
	int o;
	double d;
	while ((o = getopt_long(argc, argv, ":c:n:jqhv", longopts, NULL)) != -1) {
		switch (o) {
		case 'c': c.corpus = optarg; c.corpus_from = CORPUS_FROM_ARGS; break;
		case 'n': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 100000) {
				cli_error(&c, "--limit wants a whole number from 1 to 100000, not '%s'", optarg);
				return EXIT_USAGE;
			}
			c.limit = (size_t)v;
			c.limit_given = 1;
			break;
		}
		case 'j': c.json = 1; break;
		case 'C': color = optarg; break;
		case 'e': c.explain = 1; break;
		case 'K': if (parse_double(&c, "--k1", optarg, 0, 100, &d)) return EXIT_USAGE; c.so.k1 = d; break;
		case 'B': if (parse_double(&c, "--b", optarg, 0, 1, &d)) return EXIT_USAGE; c.so.b = d; break;
		case 'W': if (parse_double(&c, "--title-weight", optarg, 0, 100, &d)) return EXIT_USAGE; c.so.w_title = d; break;
		case 'I': c.index_opt = optarg; break;
		case 'U': c.no_update = 1; break;
		case 1001: c.so.prox = c.so.prox_keywords = 0; break;
		case 'q': c.quiet = 1; break;
		case 'M': if (parse_memory(&c, "--memory", optarg)) return EXIT_USAGE; break;
		case 'V': c.coverage = 1; break;
		case 'P': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 100) {
				cli_error(&c, "--pick wants a whole number from 1 to 100, not '%s'", optarg);
				return EXIT_USAGE;
			}
			c.pick = (int)v;
			break;
		}
		case 'D': c.docs = optarg; break;
		case 'T': c.topics = optarg; break;
		case 'R': c.run = optarg; break;
		case 'Q': c.qrels = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'v': printf("cvsearch %s\n", LIDX_VERSION_STRING); return 0;
		case ':':
			cli_error(&c, "%s needs a value (see cvsearch --help)", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (!strncmp(argv[optind - 1], "--", 2) && strchr(argv[optind - 1], '='))
				cli_error(&c, "'%s': that option takes no value, or there is no such option "
				              "(see cvsearch --help)", argv[optind - 1]);
			else if (optopt)
				cli_error(&c, "unknown option '-%c' (see cvsearch --help; to leave out the word '%c', "
				              "put the query after '--')", optopt, optopt);
			else
				cli_error(&c, "unknown option '%s' (see cvsearch --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	restore_query_words(argc, argv);
	const char *mem = getenv("CVSEARCH_MEMORY_MB");
	if (!c.memory && mem && *mem && parse_memory(&c, "CVSEARCH_MEMORY_MB", mem))
		return EXIT_USAGE;
	if (!strcmp(color, "always"))
		c.color = 1;
	else if (!strcmp(color, "never"))
		c.color = 0;
	else if (!strcmp(color, "auto")) {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
		c.color = isatty(1) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
	} else {
		cli_error(&c, "--color wants auto, always or never, not '%s'", color);
		return EXIT_USAGE;
	}
	/*
	 * The default notes folder applies when neither --corpus nor --index is
	 * given: `--index FILE` alone opens that file as it is, and is never
	 * rebuilt from a folder the command line did not name.
	 */
	char *cfg = NULL;
	const char *env = getenv("CVSEARCH_CORPUS");
	if (!c.corpus && !c.index_opt) {
		if (env && *env) {
			c.corpus = env;
			c.corpus_from = CORPUS_FROM_ENV;
		} else if ((c.corpus = cfg = cli_config_corpus())) {
			c.corpus_from = CORPUS_FROM_CONFIG;
		}
	}
	c.so.limit = c.limit;
	c.argc = argc - optind;
	c.argv = argv + optind;
	const command *cmd = &commands[0]; /* search */
	if (c.argc == 0 || !strcmp(c.argv[0], "help")) {
		const command *k = commands;
		if (c.argc > 1)
			for (; k->name && strcmp(k->name, c.argv[1]); k++)
				;
		if (c.argc > 1 && k->name)
			printf("usage: cvsearch %s\n  %s\n%s(cvsearch --help lists the options)\n", k->usage, k->summary,
			       k->run == cmd_eval ? cmd_eval_help : "");
		else
			usage(c.argc ? stdout : stderr);
		free(cfg);
		return c.argc ? 0 : EXIT_USAGE;
	}
	for (const command *k = commands; k->name; k++)
		if (!strcmp(k->name, c.argv[0])) {
			cmd = k;
			c.argc--;
			c.argv++;
			break;
		}
	if ((c.coverage || c.pick) && cmd->run != cmd_match) {
		cli_error(&c, "--coverage and --pick are options of 'cvsearch match'");
		free(cfg);
		return EXIT_USAGE;
	}
	if ((c.docs || c.run || (c.topics && cmd->run != cmd_eval)) && cmd->run != cmd_batch) {
		cli_error(&c, "--docs, --topics and --run are options of 'cvsearch batch'");
		free(cfg);
		return EXIT_USAGE;
	}
	if (c.qrels && cmd->run != cmd_eval) {
		cli_error(&c, "--qrels is an option of 'cvsearch eval'");
		free(cfg);
		return EXIT_USAGE;
	}
	int rc = cmd->run(&c);
	cli_close(&c);
	free(cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			cli_error(&c, "cannot write the output: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return rc;
}
