/*
 * cli.h -- what the cvsearch commands share: parsed options, the opened
 * index, and output helpers (terminal escaping, colors, JSON). The CLI uses
 * only the public libindex.h.
 */
#ifndef CVSEARCH_CLI_H
#define CVSEARCH_CLI_H

#include <stdio.h>
#include "libindex.h"

/* Exit codes */
enum { EXIT_RESULTS = 0, EXIT_NONE = 1, EXIT_USAGE = 2 };

/* Where c->corpus came from */
enum { CORPUS_FROM_NONE, CORPUS_FROM_ARGS, CORPUS_FROM_ENV, CORPUS_FROM_CONFIG };

typedef struct cli {
	const char *prog;
	const char *corpus;       /* --corpus, $CVSEARCH_CORPUS or the config file */
	int corpus_from;          /* CORPUS_FROM_* */
	const char *index_opt;    /* --index FILE */
	int json;
	int color;                /* resolved: 1 to color stdout */
	int explain;
	int quiet;
	int no_update;            /* --no-update: use the index as it is */
	size_t limit;
	size_t memory;            /* --memory MB or $CVSEARCH_MEMORY_MB for a build, in bytes
	                             (0: the library's default; SIZE_MAX: no bound) */
	int limit_given;            /* 1 if --limit was on the command line */
	size_t n_warnings;        /* cli_warn calls of this sync */
	int rebuilt_damaged;      /* cli_rebuild_damaged() ran (once per command) */
	lidx_search_opts so;
	int coverage, pick;       /* match */
	const char *docs, *topics, *run; /* batch (topics: eval too) */
	const char *qrels;        /* eval */
	int argc;                 /* positional arguments after the command */
	char **argv;
	/* opened by cli_open */
	char *index_path;
	lidx_index *ix;
	lidx_analyzer *an;
} cli;

typedef struct command {
	const char *name;
	int (*run)(cli *c);
	const char *usage;
	const char *summary;
} command;

int cmd_search(cli *c);
int cmd_index(cli *c);
int cmd_stats(cli *c);
int cmd_stories(cli *c);
int cmd_show(cli *c);
int cmd_match(cli *c);
int cmd_batch(cli *c);
int cmd_eval(cli *c);
int cmd_watch(cli *c);
/* More for 'cvsearch help eval': the file formats and the metrics (cmd_eval.c). */
extern const char cmd_eval_help[];

/* The config file (config.c): its path ($XDG_CONFIG_HOME/cvsearch/config, else
   ~/.config/cvsearch/config; NULL without a home), and its `corpus = DIR`
   (malloc'd, or NULL). cli_config_parse() reads the setting from the text. */
const char *cli_config_path(void);
char *cli_config_corpus(void);
char *cli_config_parse(const char *text, size_t len, const char *home);

/* Load the user alias file, if any (cmd_match.c); -1 after an error message. */
int cli_load_aliases(cli *c);

/* Set c->index_path: --index FILE, else the cache file of the corpus. 0 or an exit code. */
int cli_index_path(cli *c);
/* " (the notes folder comes from ...)" for messages, or "" when it was --corpus. */
const char *cli_corpus_origin(cli *c);

/*
 * Damage found after open -- postings, or story text of a big index, are
 * checked when first read -- is rebuilt from the notes, as damage found at
 * open is, when the notes are at hand (--corpus, no --no-update or --index)
 * and only once: 0 when the index was rebuilt and reopened (try again), -1
 * when it cannot be (say err and exit 2), or an exit code (said already).
 */
int cli_rebuild_damaged(cli *c, const lidx_err *err);
/* Read the story of every hit (the checks of its store block): 0 or a LIDX_E* code. */
int cli_check_stories(cli *c, const lidx_results *r, lidx_err *err);

/* Bring the corpus index up to date (unless --no-update) and open it. */
int cli_open(cli *c, int force);
void cli_close(cli *c);

/* Sync callbacks: progress on a terminal, one warning line per skipped file. */
void cli_progress(void *ctx, size_t done, size_t total, const char *path);
void cli_warn(void *ctx, const char *path, const char *what);
/* After a sync: how many warnings past the first 20 were not shown. */
void cli_warn_summary(cli *c);

/* One-line error on stderr: "cvsearch: ..." */
void cli_error(cli *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* The path of a story's file as the user should see it (corpus/rel). */
void cli_story_path(cli *c, const char *rel, char *out, size_t n);

/* Text from notes to a terminal, one line: control characters (newlines too)
   and bad UTF-8 escaped. */
void out_text(FILE *f, const char *s, size_t n);
/* Same, with marked spans in bold color (or [..] without color). */
void out_marked(FILE *f, const char *s, size_t n, const lidx_span *marks, size_t n_marks, int color);
/* Same, inside text printed in another color: restore (an escape) after each mark. */
void out_marked_in(FILE *f, const char *s, size_t n, const lidx_span *marks, size_t n_marks, int color,
                   const char *restore);
/* A JSON string (quotes included); invalid UTF-8 becomes U+FFFD. */
void json_str(FILE *f, const char *s, size_t n);
void json_cstr(FILE *f, const char *s);
/* Where byte off of s lands in the string json_str(s, n) encodes (U+FFFD is 3 bytes). */
size_t json_offset(const char *s, size_t n, size_t off);

/* Color escapes, empty when color is off. */
const char *col(cli *c, const char *code);
#define C_RESET "0"
#define C_BOLD "1"
#define C_DIM "2"
#define C_TITLE "1;36"
#define C_MARK "1;33"
#define C_PATH "32"

/* Print the results of a search or match (human or JSON). */
int cli_print_results(cli *c, lidx_query *q, const lidx_results *r, const char *query_text,
                      const char *extra_json_key, void (*extra_json)(cli *, void *), void *extra_ctx);

#endif
