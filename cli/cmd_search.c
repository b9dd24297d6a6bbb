/*
 * cmd_search.c -- `cvsearch [search] QUERY...`: parse the query, rank the
 * stories, print them with their evidence. Also the shared result printer
 * used by `match`.
 */
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define SNIPPET_BYTES 220

static void print_explain(cli *c, lidx_query *q, const lidx_results *r)
{
	(void)r;
	printf("%squery:%s %s\n", col(c, C_DIM), col(c, C_RESET), lidx_query_describe(q));
}

/* --explain: each group's share of a story's score, largest first */
static void explain_hit(cli *c, lidx_query *q, uint32_t story, double shown)
{
	size_t n = lidx_query_group_count(q);
	double *pg = calloc(n ? n : 1, sizeof *pg), total = 0;
	size_t *order = calloc(n ? n : 1, sizeof *order);
	if (!pg || !order || lidx_explain(c->ix, q, &c->so, story, pg, &total) < 0) {
		free(pg);
		free(order);
		return;
	}
	for (size_t g = 0; g < n; g++)
		order[g] = g;
	for (size_t a = 1; a < n; a++) /* insertion sort: queries are short */
		for (size_t b = a; b > 0 && pg[order[b]] > pg[order[b - 1]]; b--) {
			size_t t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	printf("    %swhy:%s", col(c, C_DIM), col(c, C_RESET));
	size_t listed = 0;
	double sum = 0, rest = 0;
	for (size_t k = 0; k < n; k++) {
		if (pg[order[k]] <= 0)
			break;
		sum += pg[order[k]];
		if (listed < 12) {
			printf(" %s %.2f", lidx_query_group_label(q, order[k]), pg[order[k]]);
			listed++;
		} else {
			rest += pg[order[k]];
		}
	}
	if (rest > 0)
		printf(" others %.2f", rest);
	/* the shares add up to the sum; coord scales it to the BM25 total */
	if (sum > 0 && (total < sum - 0.005 || total > sum + 0.005))
		printf("  = %.2f x coord %.2f (share of the query's words matched)", sum, total / sum);
	printf("  (BM25 %.2f", total);
	if (shown < total - 0.005 || shown > total + 0.005)
		printf("; the rank score %.2f also weighs the story's length, its words' proximity (and a job's requirements)", shown);
	printf(")\n");
	free(pg);
	free(order);
}

/*
 * A title or breadcrumb: with color, the query's words in it are marked too
 * (a story found by its heading alone shows why); without color it is
 * printed as it is, since [..] would be taken for the note's own brackets.
 */
static void out_heading(cli *c, lidx_query *q, const char *text, const char *code)
{
	lidx_span *m = NULL;
	size_t n = 0;
	if (c->color && lidx_highlight(c->an, q, text, strlen(text), &m, &n) == 0 && n) {
		out_marked_in(stdout, text, strlen(text), m, n, 1, col(c, code));
		lidx_free(m);
		return;
	}
	lidx_free(m);
	out_text(stdout, text, strlen(text));
}

/*
 * The near-duplicates of hit i that lidx_search_dedup() left out: human
 * output "+1 near-duplicate: path:lines (id N)" (the best 3, then "and N
 * more"), JSON "duplicates":[...] (all of them).
 */
#define DUPS_SHOWN 3
static void print_dups(cli *c, const lidx_results *r, size_t i)
{
	size_t n = 0;
	for (size_t d = 0; d < r->n_dups; d++)
		n += r->dup_of[d] == i;
	if (c->json)
		printf(",\"duplicates\":[");
	else if (n)
		printf("    %s+%zu near-duplicate%s:", col(c, C_DIM), n, n > 1 ? "s" : "");
	size_t k = 0;
	for (size_t d = 0; d < r->n_dups; d++) {
		lidx_story s;
		lidx_err err = { 0 };
		if (r->dup_of[d] != i)
			continue;
		if (!c->json && k == DUPS_SHOWN) {
			printf(" and %zu more", n - k);
			break;
		}
		if (lidx_index_story(c->ix, r->dups[d].story, &s, &err) < 0)
			continue;
		char path[4096];
		cli_story_path(c, s.path, path, sizeof path);
		if (c->json) {
			printf("%s{\"id\":%u,\"score\":%.4f,\"title\":", k ? "," : "", s.id, r->dups[d].score);
			json_cstr(stdout, s.title);
			printf(",\"path\":");
			json_cstr(stdout, path);
			printf(",\"line_start\":%u,\"line_end\":%u}", s.line_start, s.line_end);
		} else {
			printf("%s ", k ? "," : "");
			out_text(stdout, path, strlen(path));
			printf(":%u-%u (id %u)", s.line_start, s.line_end, s.id);
		}
		k++;
		lidx_story_clear(&s);
	}
	if (c->json)
		printf("]");
	else if (n)
		printf("%s\n", col(c, C_RESET));
}

int cli_print_results(cli *c, lidx_query *q, const lidx_results *r, const char *query_text,
                      const char *extra_key, void (*extra)(cli *, void *), void *extra_ctx)
{
	lidx_err err = { 0 };
	if (c->json) {
		printf("{\"query\":");
		json_cstr(stdout, query_text);
		printf(",\"parsed\":");
		json_cstr(stdout, lidx_query_describe(q));
		printf(",\"total\":%llu,\"total_is_lower_bound\":%s,\"results\":[", (unsigned long long)r->total,
		       r->total_exact ? "false" : "true");
	} else if (c->explain) {
		print_explain(c, q, r);
	}
	for (size_t i = 0; i < r->n_hits; i++) {
		lidx_story s;
		if (lidx_index_story(c->ix, r->hits[i].story, &s, &err) < 0) {
			if (c->json)
				printf("]}\n");
			cli_error(c, "%s; run 'cvsearch index' to rebuild it", err.msg);
			return EXIT_USAGE;
		}
		lidx_snippet sn;
		int rc = lidx_snippet_make(c->ix, c->an, q, &s, SNIPPET_BYTES, &sn);
		if (rc < 0) {
			lidx_story_clear(&s);
			cli_error(c, "%s", lidx_strerror(rc));
			return EXIT_USAGE;
		}
		char path[4096];
		cli_story_path(c, s.path, path, sizeof path);
		if (c->json) {
			printf("%s{\"rank\":%zu,\"id\":%u,\"score\":%.4f,\"title\":", i ? "," : "", i + 1, s.id,
			       r->hits[i].score);
			json_cstr(stdout, s.title);
			printf(",\"breadcrumb\":");
			json_cstr(stdout, s.breadcrumb);
			printf(",\"path\":");
			json_cstr(stdout, path);
			printf(",\"file\":");
			json_cstr(stdout, s.path);
			printf(",\"line_start\":%u,\"line_end\":%u,\"snippet_line\":%u,\"snippet\":", s.line_start,
			       s.line_end, sn.line);
			json_str(stdout, sn.text, sn.len);
			printf(",\"highlights\":[");
			for (size_t k = 0; k < sn.n_marks; k++)
				printf("%s[%zu,%zu]", k ? "," : "", json_offset(sn.text, sn.len, sn.marks[k].start),
				       json_offset(sn.text, sn.len, sn.marks[k].end));
			printf("]");
			print_dups(c, r, i);
			printf("}");
		} else {
			printf("%s%2zu.%s %s", col(c, C_BOLD), i + 1, col(c, C_RESET), col(c, C_TITLE));
			out_heading(c, q, s.title, C_TITLE);
			printf("%s  %s%.2f%s\n", col(c, C_RESET), col(c, C_DIM), r->hits[i].score, col(c, C_RESET));
			if (s.breadcrumb[0]) {
				printf("    %s", col(c, C_DIM));
				out_heading(c, q, s.breadcrumb, C_DIM);
				printf("%s\n", col(c, C_RESET));
			}
			printf("    %s", col(c, C_PATH));
			out_text(stdout, path, strlen(path));
			printf(":%u-%u%s  (id %u)\n", s.line_start, s.line_end, col(c, C_RESET), s.id);
			if (sn.len) {
				printf("    ");
				out_marked(stdout, sn.text, sn.len, sn.marks, sn.n_marks, c->color);
				printf("\n");
			}
			print_dups(c, r, i);
			if (c->explain)
				explain_hit(c, q, s.id, r->hits[i].score);
			printf("\n");
		}
		lidx_snippet_clear(&sn);
		lidx_story_clear(&s);
	}
	if (c->json) {
		printf("]");
		if (extra_key && extra) {
			printf(",");
			json_cstr(stdout, extra_key);
			printf(":");
			extra(c, extra_ctx);
		}
		printf("}\n");
	} else {
		if (extra)
			extra(c, extra_ctx);
		if (r->n_hits && r->n_dups)
			printf("%s%zu of %s%llu matching stories (and %zu near-duplicate%s of them, folded)%s\n",
			       col(c, C_DIM), r->n_hits, r->total_exact ? "" : "at least ",
			       (unsigned long long)r->total, r->n_dups, r->n_dups == 1 ? "" : "s", col(c, C_RESET));
		else if (r->n_hits)
			printf("%s%zu of %s%llu matching stories%s\n", col(c, C_DIM), r->n_hits,
			       r->total_exact ? "" : "at least ", (unsigned long long)r->total, col(c, C_RESET));
		else
			printf("no stories match\n");
	}
	return r->n_hits ? EXIT_RESULTS : EXIT_NONE;
}

int cmd_search(cli *c)
{
	if (c->argc < 1) {
		cli_error(c, "search needs a query, as in: cvsearch search \"distributed systems\"");
		return EXIT_USAGE;
	}
	/* the query is the positional arguments joined by spaces */
	size_t n = 0;
	for (int i = 0; i < c->argc; i++)
		n += strlen(c->argv[i]) + 1;
	if (n > (1u << 20)) {
		cli_error(c, "the query is over 1 MiB; for a job description use 'cvsearch match FILE'");
		return EXIT_USAGE;
	}
	char *text = malloc(n + 1);
	if (!text) {
		cli_error(c, "out of memory");
		return EXIT_USAGE;
	}
	/* appended at the end, not with strcat: 100,000 arguments stay linear */
	size_t at = 0;
	for (int i = 0; i < c->argc; i++) {
		size_t l = strlen(c->argv[i]);
		if (i)
			text[at++] = ' ';
		memcpy(text + at, c->argv[i], l);
		at += l;
	}
	text[at] = 0;
	int rc = cli_open(c, 0);
	if (rc) {
		free(text);
		return rc;
	}
	lidx_err err = { 0 };
	lidx_query *q;
	lidx_results r;
	for (int attempt = 0;; attempt++) {
		rc = lidx_query_parse(&q, c->ix, c->an, text, strlen(text), 0, &err);
		if (rc == 0) {
			rc = lidx_search_dedup(c->ix, q, &c->so, &r, &err);
			/* the hits' story text too, before a line is printed */
			if (rc == 0 && (rc = cli_check_stories(c, &r, &err)) < 0)
				lidx_results_clear(&r);
			if (rc < 0)
				lidx_query_free(q);
		}
		if (rc == 0)
			break;
		/*
		 * Postings and story text of a big index are checked when first
		 * read, not at open: damage found now is rebuilt from the notes,
		 * like damage found at open, when the notes are at hand.
		 */
		if (rc == LIDX_ECORRUPT && attempt == 0) {
			int r2 = cli_rebuild_damaged(c, &err);
			if (r2 > 0) {
				free(text);
				return r2;
			}
			if (r2 == 0)
				continue;
		}
		cli_error(c, "%s", err.msg);
		free(text);
		return EXIT_USAGE;
	}
	rc = cli_print_results(c, q, &r, text, NULL, NULL, NULL);
	lidx_results_clear(&r);
	lidx_query_free(q);
	free(text);
	return rc;
}
