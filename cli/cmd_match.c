/*
 * cmd_match.c -- `cvsearch match [FILE|-]`: rank the stories against a
 * pasted job description, then report requirement by requirement what the
 * notes cover (--coverage; a one-line summary otherwise) and which K stories
 * to prepare (--pick K). The engine is libindex's lidx_match_* (match.c).
 * Also loads the user alias file for every command (cli_load_aliases).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"

#define EVIDENCE_BYTES 200
#define REQ_SHOW 110        /* characters of a requirement shown per line */

/* ---- the alias file ------------------------------------------------------------------ */

/*
 * $CVSEARCH_ALIASES, else $XDG_CONFIG_HOME/cvsearch/aliases, else
 * ~/.config/cvsearch/aliases. A missing default file is fine; a missing
 * file named by $CVSEARCH_ALIASES is an error.
 */
int cli_load_aliases(cli *c)
{
	char path[4096];
	const char *env = getenv("CVSEARCH_ALIASES"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int explicit_path = env && *env;
	if (explicit_path)
		snprintf(path, sizeof path, "%s", env);
	else if (xdg && *xdg)
		snprintf(path, sizeof path, "%s/cvsearch/aliases", xdg);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/cvsearch/aliases", home);
	else
		return 0;
	struct stat st;
	if (!explicit_path && stat(path, &st) != 0)
		return 0;
	lidx_err err = { 0 };
	if (lidx_aliases_load(c->an, path, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* ---- input ------------------------------------------------------------------------------ */

/* Read all of f, refusing more than LIDX_MATCH_MAX_BYTES. */
static int read_all(cli *c, FILE *f, const char *name, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	*out = NULL;
	if (!buf) {
		cli_error(c, "out of memory");
		return -1;
	}
	for (;;) {
		if (n == cap) {
			if (cap > LIDX_MATCH_MAX_BYTES) {
				free(buf);
				cli_error(c, "%s is over %zu KiB: paste the job description itself", name,
				          (size_t)LIDX_MATCH_MAX_BYTES >> 10);
				return -1;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				cli_error(c, "out of memory");
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		cli_error(c, "cannot read %s", name);
		return -1;
	}
	if (n > LIDX_MATCH_MAX_BYTES) {
		free(buf);
		cli_error(c, "%s is over %zu KiB: paste the job description itself", name,
		          (size_t)LIDX_MATCH_MAX_BYTES >> 10);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* ---- output ----------------------------------------------------------------------------- */

typedef struct mctx {
	lidx_match *m;
	uint32_t *picks;
	size_t n_picks;
	int coverage;         /* the report was computed */
} mctx;

static const char *label_name(int l)
{
	return l == LIDX_COVER_STRONG ? "strong" : l == LIDX_COVER_WEAK ? "weak" : "none";
}

/* One line of text: newlines and runs of blanks become one space. */
static void flat(FILE *f, const char *s, size_t n, size_t max, int json)
{
	char *b = malloc(n + 4);
	if (!b)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
		if (ch == ' ' && (k == 0 || b[k - 1] == ' '))
			continue;
		b[k++] = ch;
	}
	while (k && b[k - 1] == ' ')
		k--;
	if (max && k > max) {
		k = max;
		while (k > 0 && ((unsigned char)b[k] & 0xc0) == 0x80)
			k--; /* do not cut a UTF-8 sequence */
		memcpy(b + k, "...", 3);
		k += 3;
	}
	if (json)
		json_str(f, b, k);
	else
		out_text(f, b, k);
	free(b);
}

static int req_story(cli *c, const lidx_requirement *r, lidx_story *s, lidx_snippet *sn, char *path, size_t n)
{
	lidx_err err = { 0 };
	if (lidx_index_story(c->ix, r->story, s, &err) < 0)
		return -1;
	if (lidx_snippet_make(c->ix, c->an, r->query, s, EVIDENCE_BYTES, sn) < 0) {
		lidx_story_clear(s);
		return -1;
	}
	cli_story_path(c, s->path, path, n);
	return 0;
}

static void json_words(const char **w, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			printf(",");
		json_cstr(stdout, w[i]);
	}
	printf("]");
}

static void print_json(cli *c, mctx *x)
{
	lidx_match *m = x->m;
	printf("{\"terms\":[");
	for (size_t i = 0; i < lidx_match_term_count(m); i++) {
		const lidx_match_term *t = lidx_match_term_at(m, i);
		printf("%s{\"term\":", i ? "," : "");
		json_cstr(stdout, t->label);
		printf(",\"weight\":%.4f,\"tf\":%u,\"df\":%u,\"phrase\":%s}", t->weight, t->tf, t->df,
		       t->phrase ? "true" : "false");
	}
	printf("]");
	if (x->coverage) {
		size_t n = lidx_match_req_count(m), cnt[3] = { 0, 0, 0 };
		for (size_t i = 0; i < n; i++)
			cnt[lidx_match_req(m, i)->label]++;
		printf(",\"coverage\":{\"share\":%.4f,\"requirements_total\":%zu,\"strong\":%zu,\"weak\":%zu,"
		       "\"none\":%zu,\"requirements\":[",
		       lidx_match_coverage_share(m), n, cnt[2], cnt[1], cnt[0]);
		for (size_t i = 0; i < n; i++) {
			const lidx_requirement *r = lidx_match_req(m, i);
			printf("%s{\"n\":%zu,\"text\":", i ? "," : "", i + 1);
			flat(stdout, r->text, r->len, 0, 1);
			printf(",\"section\":");
			json_str(stdout, r->section, r->section_len);
			printf(",\"label\":\"%s\",\"coverage\":%.4f", label_name(r->label), r->coverage);
			/* the story is named without line_start/line_end keys, so that tools
			   that collect ranked results (eval-stories.py) see only the ranking */
			if (r->has_story) {
				lidx_story s;
				lidx_snippet sn;
				char path[4096];
				if (req_story(c, r, &s, &sn, path, sizeof path) == 0) {
					printf(",\"story\":{\"id\":%u,\"title\":", s.id);
					json_cstr(stdout, s.title);
					char where[4200];
					snprintf(where, sizeof where, "%s:%u-%u", path, s.line_start, s.line_end);
					printf(",\"location\":");
					json_cstr(stdout, where);
					printf(",\"score\":%.4f},\"evidence\":", r->score);
					flat(stdout, sn.text, sn.len, 0, 1);
					printf(",\"evidence_line\":%u", sn.line);
					lidx_snippet_clear(&sn);
					lidx_story_clear(&s);
				}
			}
			printf(",\"matched\":");
			json_words(r->matched, r->n_matched);
			printf(",\"missing\":");
			json_words(r->missing, r->n_missing);
			printf("}");
		}
		printf("],\"uncovered\":[");
		int first = 1;
		for (size_t i = 0; i < n; i++) {
			const lidx_requirement *r = lidx_match_req(m, i);
			if (r->label != LIDX_COVER_NONE)
				continue;
			if (!first)
				printf(",");
			first = 0;
			flat(stdout, r->text, r->len, 0, 1);
		}
		printf("]}");
	}
	if (c->pick) {
		printf(",\"pick\":[");
		for (size_t p = 0; p < x->n_picks; p++) {
			lidx_story s;
			lidx_err err = { 0 };
			printf("%s{\"id\":%u", p ? "," : "", x->picks[p]);
			if (lidx_index_story(c->ix, x->picks[p], &s, &err) == 0) {
				char path[4096], where[4200];
				cli_story_path(c, s.path, path, sizeof path);
				snprintf(where, sizeof where, "%s:%u-%u", path, s.line_start, s.line_end);
				printf(",\"title\":");
				json_cstr(stdout, s.title);
				printf(",\"location\":");
				json_cstr(stdout, where);
				lidx_story_clear(&s);
			}
			printf(",\"covers\":[");
			int first = 1;
			for (size_t i = 0; i < lidx_match_req_count(m); i++) {
				int l = lidx_match_story_label(m, i, x->picks[p]);
				if (l == LIDX_COVER_NONE)
					continue;
				printf("%s{\"n\":%zu,\"label\":\"%s\"}", first ? "" : ",", i + 1, label_name(l));
				first = 0;
			}
			printf("]}");
		}
		printf("]");
	}
	printf("}");
}

static void print_human(cli *c, mctx *x)
{
	lidx_match *m = x->m;
	size_t n = lidx_match_req_count(m), cnt[3] = { 0, 0, 0 };
	if (c->explain) {
		printf("%sjob description terms (weight, times in the ad, stories with it):%s\n", col(c, C_DIM),
		       col(c, C_RESET));
		for (size_t i = 0; i < lidx_match_term_count(m); i++) {
			const lidx_match_term *t = lidx_match_term_at(m, i);
			printf("  %-28s %.2f  tf %u", t->label, t->weight, t->tf);
			if (t->phrase)
				printf("  (phrase)\n");
			else
				printf("  df %u\n", t->df);
		}
		printf("\n");
	}
	if (!x->coverage)
		return;
	for (size_t i = 0; i < n; i++)
		cnt[lidx_match_req(m, i)->label]++;
	if (!c->coverage) {
		printf("%scoverage: %.0f%% of %zu requirements (%zu strong, %zu weak, %zu none); "
		       "--coverage for the report%s\n\n",
		       col(c, C_BOLD), 100 * lidx_match_coverage_share(m), n, cnt[2], cnt[1], cnt[0], col(c, C_RESET));
	} else {
		printf("%sCoverage: %.0f%% of %zu requirements: %zu strong, %zu weak, %zu none%s\n\n", col(c, C_BOLD),
		       100 * lidx_match_coverage_share(m), n, cnt[2], cnt[1], cnt[0], col(c, C_RESET));
		for (size_t i = 0; i < n; i++) {
			const lidx_requirement *r = lidx_match_req(m, i);
			const char *lc = r->label == LIDX_COVER_STRONG ? "1;32" : r->label == LIDX_COVER_WEAK ? "1;33" : "1;31";
			printf("%s%2zu. [%s]%s ", col(c, lc), i + 1, label_name(r->label), col(c, C_RESET));
			flat(stdout, r->text, r->len, REQ_SHOW, 0);
			if (r->section_len) {
				printf("  %s(", col(c, C_DIM));
				flat(stdout, r->section, r->section_len, 40, 0);
				printf(")%s", col(c, C_RESET));
			}
			printf("\n");
			if (r->has_story && r->label != LIDX_COVER_NONE) {
				lidx_story s;
				lidx_snippet sn;
				char path[4096];
				if (req_story(c, r, &s, &sn, path, sizeof path) == 0) {
					printf("    best: %s", col(c, C_TITLE));
					out_text(stdout, s.title, strlen(s.title));
					printf("%s  %s", col(c, C_RESET), col(c, C_PATH));
					out_text(stdout, path, strlen(path));
					printf(":%u-%u%s\n", s.line_start, s.line_end, col(c, C_RESET));
					if (sn.len) {
						printf("    evidence: ");
						out_marked(stdout, sn.text, sn.len, sn.marks, sn.n_marks, c->color);
						printf("\n");
					}
					lidx_snippet_clear(&sn);
					lidx_story_clear(&s);
				}
			}
			printf("    %smatched:%s", col(c, C_DIM), col(c, C_RESET));
			for (size_t k = 0; k < r->n_matched; k++)
				printf("%s %s", k ? "," : "", r->matched[k]);
			printf(r->n_matched ? "" : " -");
			printf("   %smissing:%s", col(c, C_DIM), col(c, C_RESET));
			for (size_t k = 0; k < r->n_missing; k++)
				printf("%s %s", k ? "," : "", r->missing[k]);
			printf(r->n_missing ? "\n" : " -\n");
		}
		printf("\n%sUncovered requirements:%s", col(c, C_BOLD), col(c, C_RESET));
		if (!cnt[0])
			printf(" none\n");
		else
			printf("\n");
		for (size_t i = 0; i < n; i++) {
			const lidx_requirement *r = lidx_match_req(m, i);
			if (r->label != LIDX_COVER_NONE)
				continue;
			printf("  - ");
			flat(stdout, r->text, r->len, REQ_SHOW, 0);
			printf("\n");
		}
		printf("\n");
	}
	if (c->pick) {
		printf("%sStories to prepare (--pick %d):%s\n", col(c, C_BOLD), c->pick, col(c, C_RESET));
		if (!x->n_picks)
			printf("  none: no story covers a requirement\n");
		for (size_t p = 0; p < x->n_picks; p++) {
			lidx_story s;
			lidx_err err = { 0 };
			if (lidx_index_story(c->ix, x->picks[p], &s, &err) < 0)
				continue;
			char path[4096];
			cli_story_path(c, s.path, path, sizeof path);
			printf("%2zu. %s", p + 1, col(c, C_TITLE));
			out_text(stdout, s.title, strlen(s.title));
			printf("%s  %s", col(c, C_RESET), col(c, C_PATH));
			out_text(stdout, path, strlen(path));
			printf(":%u-%u%s\n    covers:", s.line_start, s.line_end, col(c, C_RESET));
			for (size_t i = 0; i < n; i++) {
				int l = lidx_match_story_label(m, i, x->picks[p]);
				if (l != LIDX_COVER_NONE)
					printf(" #%zu%s", i + 1, l == LIDX_COVER_WEAK ? " (weak)" : "");
			}
			printf("\n");
			lidx_story_clear(&s);
		}
		printf("\n");
	}
}

static void print_extra(cli *c, void *ctx)
{
	if (c->json)
		print_json(c, ctx);
	else
		print_human(c, ctx);
}

/* ---- the command ------------------------------------------------------------------------ */

int cmd_match(cli *c)
{
	if (c->argc > 1) {
		cli_error(c, "match takes one job description: a FILE, or - (or nothing) for standard input");
		return EXIT_USAGE;
	}
	const char *name = c->argc ? c->argv[0] : "-";
	int from_stdin = !strcmp(name, "-");
	if (from_stdin && !c->argc && isatty(0)) {
		fprintf(stderr, "usage: cvsearch match [--coverage] [--pick K] [--json] [--explain] [FILE|-]\n"
		                "Paste or pipe a job description: cvsearch match job.txt, or pbpaste | cvsearch match\n");
		return EXIT_USAGE;
	}
	FILE *f = from_stdin ? stdin : fopen(name, "rb");
	if (!f) {
		cli_error(c, "cannot open %s: %s", name, strerror(errno));
		return EXIT_USAGE;
	}
	char *text;
	size_t len;
	int rc = read_all(c, f, from_stdin ? "the standard input" : name, &text, &len);
	if (!from_stdin)
		fclose(f);
	if (rc < 0)
		return EXIT_USAGE;
	size_t k = 0;
	while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t'))
		k++;
	if (k == len) {
		free(text);
		cli_error(c, "the job description is empty");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(c, 0)) != 0) {
		free(text);
		return rc;
	}
	lidx_err err = { 0 };
	lidx_match *m = NULL;
	lidx_match_opts mo;
	lidx_match_defaults(&mo);
	if (!c->pick)
		mo.req_hits = 5; /* enough for each requirement's best story and the ranking */
	lidx_results r = { 0 };
	mctx x = { 0 };
	for (int attempt = 0;; attempt++) {
		rc = lidx_match_new(&m, c->ix, c->an, text, len, &mo, &err);
		/* the description's query, diversified over its requirements (xQuAD),
		   and the story text of the hits, checked before a line is printed */
		if (rc == 0 && (rc = lidx_match_search(m, &c->so, &r, &err)) == 0 &&
		    (rc = cli_check_stories(c, &r, &err)) == 0)
			break;
		lidx_results_clear(&r);
		lidx_match_free(m);
		m = NULL;
		int r2 = rc == LIDX_ECORRUPT && attempt == 0 ? cli_rebuild_damaged(c, &err) : -1;
		if (r2 == 0)
			continue; /* damage found when read: rebuilt from the notes */
		if (r2 < 0)
			cli_error(c, "%s", err.msg);
		rc = r2 > 0 ? r2 : EXIT_USAGE;
		goto done;
	}
	x.m = m;
	/* lidx_match_search() has scored every requirement: the report is ready */
	x.coverage = !c->json || c->coverage;
	if (c->pick) {
		if (!(x.picks = calloc((size_t)c->pick, sizeof *x.picks)) ||
		    lidx_match_pick(m, (size_t)c->pick, x.picks, &x.n_picks) < 0) {
			cli_error(c, "out of memory");
			rc = EXIT_USAGE;
			goto done;
		}
	}
	rc = cli_print_results(c, lidx_match_query(m), &r, from_stdin ? "-" : name, "match", print_extra, &x);
done:
	free(x.picks);
	lidx_results_clear(&r);
	lidx_match_free(m);
	free(text);
	return rc;
}
