/*
 * cmd_index.c -- the commands about the index itself: `index` (rebuild now
 * and report), `stats` (what is in it), `stories` (how the notes were split,
 * for a person to check) and `show` (one whole story).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"

int cmd_index(cli *c)
{
	if (!c->corpus) {
		cli_error(c, "index needs the notes folder: cvsearch index --corpus DIR");
		return EXIT_USAGE;
	}
	if (c->argc) {
		cli_error(c, "index takes no arguments, not '%s' (the folder goes in --corpus DIR)", c->argv[0]);
		return EXIT_USAGE;
	}
	c->no_update = 1; /* we sync here, forcing a build */
	lidx_err err = { 0 };
	int rc = cli_index_path(c); /* --index FILE, else the cache */
	if (rc)
		return rc;
	lidx_sync_opts so = { 0 };
	so.force = 1;
	so.max_memory = c->memory;
	so.progress = cli_progress;
	so.warn = cli_warn;
	so.ctx = c;
	lidx_sync_report rep;
	int src = lidx_corpus_sync(c->corpus, c->index_path, &so, &rep, &err);
	cli_warn_summary(c);
	if (src < 0) {
		cli_error(c, "%s%s", err.msg, cli_corpus_origin(c));
		return EXIT_USAGE;
	}
	lidx_index *ix;
	if (lidx_index_open(&ix, c->index_path, LIDX_OPEN_VERIFY, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return EXIT_USAGE;
	}
	lidx_stats st;
	lidx_index_stats(ix, &st);
	lidx_index_close(ix);
	if (c->json) {
		printf("{\"index\":");
		json_cstr(stdout, c->index_path);
		printf(",\"files\":%u,\"skipped\":%u,\"stories\":%u,\"terms\":%llu,\"postings\":%llu,"
		       "\"bytes\":%llu,\"seconds\":%.4f,\"added\":%u,\"changed\":%u,\"deleted\":%u,\"runs\":%u}\n",
		       st.n_files, st.n_skipped, st.n_stories, (unsigned long long)st.n_terms,
		       (unsigned long long)st.n_postings, (unsigned long long)st.index_bytes, rep.seconds,
		       rep.n_added, rep.n_changed, rep.n_deleted, rep.n_runs);
	} else {
		printf("indexed %u files (%u skipped) into %u stories, %llu terms, %llu postings\n",
		       st.n_files, st.n_skipped, st.n_stories, (unsigned long long)st.n_terms,
		       (unsigned long long)st.n_postings);
		printf("since the last index: %u added, %u changed, %u deleted\n", rep.n_added, rep.n_changed,
		       rep.n_deleted);
		printf("index: %s (%.1f KiB) in %.3f s", c->index_path, st.index_bytes / 1024.0, rep.seconds);
		if (rep.n_runs) /* over --memory: written in parts, merged */
			printf(", merged from %u runs", rep.n_runs);
		printf("\n");
	}
	return EXIT_RESULTS;
}

int cmd_stats(cli *c)
{
	if (c->argc) {
		cli_error(c, "stats takes no arguments, not '%s'", c->argv[0]);
		return EXIT_USAGE;
	}
	int rc = cli_open(c, 0);
	if (rc)
		return rc;
	lidx_stats st;
	lidx_index_stats(c->ix, &st);
	char when[64] = "?";
	time_t t = (time_t)st.built_at;
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	if (c->json) {
		printf("{\"index\":");
		json_cstr(stdout, c->index_path);
		printf(",\"stories\":%u,\"files\":%u,\"skipped\":%u,\"terms\":%llu,\"postings\":%llu,"
		       "\"positions\":%llu,\"index_bytes\":%llu,\"postings_bytes\":%llu,\"store_bytes\":%llu,"
		       "\"build_seconds\":%.4f,\"built_at\":%lld,\"avg_story_tokens\":%.1f}\n",
		       st.n_stories, st.n_files, st.n_skipped, (unsigned long long)st.n_terms,
		       (unsigned long long)st.n_postings, (unsigned long long)st.n_positions,
		       (unsigned long long)st.index_bytes, (unsigned long long)st.postings_bytes,
		       (unsigned long long)st.store_bytes, st.build_seconds, (long long)st.built_at,
		       st.avg_body_len);
		return EXIT_RESULTS;
	}
	printf("index        %s\n", c->index_path);
	printf("stories      %u\n", st.n_stories);
	printf("files        %u indexed, %u skipped\n", st.n_files, st.n_skipped);
	printf("terms        %llu\n", (unsigned long long)st.n_terms);
	printf("postings     %llu (%llu positions)\n", (unsigned long long)st.n_postings,
	       (unsigned long long)st.n_positions);
	printf("index size   %.1f KiB (postings %.1f KiB, story text %.1f KiB)\n", st.index_bytes / 1024.0,
	       st.postings_bytes / 1024.0, st.store_bytes / 1024.0);
	printf("build time   %.3f s, at %s\n", st.build_seconds, when);
	if (st.n_segments > 1) /* updates written beside the index (segments) */
		printf("segments     %u (the index and %u updates; terms and postings count them all)\n",
		       st.n_segments, st.n_segments - 1);
	printf("story size   %.1f words on average\n", st.avg_body_len);
	return EXIT_RESULTS;
}

int cmd_stories(cli *c)
{
	if (c->argc > 1) {
		cli_error(c, "stories takes one file name (or part of one), not '%s'", c->argv[1]);
		return EXIT_USAGE;
	}
	int rc = cli_open(c, 0);
	if (rc)
		return rc;
	const char *only = c->argc ? c->argv[0] : NULL;
	lidx_err err = { 0 };
	/* damage in the story text of a big index (checked when read) is rebuilt
	   from the notes before a line is printed: every story is listed, so
	   the whole store's CRC is checked (instead of decompressing it twice);
	   for some files only, their stories are read first */
	if (!only && (rc = lidx_index_check_stories(c->ix, &err)) < 0) {
		int r2 = rc == LIDX_ECORRUPT ? cli_rebuild_damaged(c, &err) : -1;
		if (r2 < 0)
			cli_error(c, "%s", err.msg);
		if (r2 != 0)
			return r2 > 0 ? r2 : EXIT_USAGE;
	}
	for (uint32_t f = 0; only && f < lidx_index_file_count(c->ix); f++) {
		lidx_file_info fi;
		lidx_index_file(c->ix, f, &fi);
		if (only && !strstr(fi.path, only))
			continue;
		for (uint32_t k = 0; k < fi.n_stories; k++) {
			lidx_story s;
			if ((rc = lidx_index_story(c->ix, fi.first_story + k, &s, &err)) == 0) {
				lidx_story_clear(&s);
				continue;
			}
			int r2 = rc == LIDX_ECORRUPT ? cli_rebuild_damaged(c, &err) : -1;
			if (r2 < 0)
				cli_error(c, "%s", err.msg);
			if (r2 != 0)
				return r2 > 0 ? r2 : EXIT_USAGE;
			f = UINT32_MAX; /* rebuilt: read the new index from the start */
			break;
		}
	}
	if (c->json)
		printf("[");
	int first = 1;
	uint32_t shown = 0;
	for (uint32_t f = 0; f < lidx_index_file_count(c->ix); f++) {
		lidx_file_info fi;
		lidx_index_file(c->ix, f, &fi);
		if (only && !strstr(fi.path, only))
			continue;
		char path[4096];
		cli_story_path(c, fi.path, path, sizeof path);
		if (!c->json) {
			printf("%s", col(c, C_PATH));
			out_text(stdout, path, strlen(path));
			printf("%s", col(c, C_RESET));
			if (fi.skipped)
				printf("  (skipped: %s)", lidx_skip_name(fi.skip_reason));
			printf("\n");
		}
		for (uint32_t k = 0; k < fi.n_stories; k++) {
			lidx_story s;
			if (lidx_index_story(c->ix, fi.first_story + k, &s, &err) < 0) {
				cli_error(c, "%s", err.msg);
				return EXIT_USAGE;
			}
			if (c->json) {
				printf("%s{\"id\":%u,\"path\":", first ? "" : ",", s.id);
				json_cstr(stdout, path);
				printf(",\"line_start\":%u,\"line_end\":%u,\"title\":", s.line_start, s.line_end);
				json_cstr(stdout, s.title);
				printf(",\"breadcrumb\":");
				json_cstr(stdout, s.breadcrumb);
				printf(",\"searched\":%s", s.flags ? "false" : "true");
				if (s.flags)
					printf(",\"not_searched\":\"%s\"",
					       s.flags & LIDX_STORY_TEMPLATE ? "template" : "only links");
				if (s.group != s.id)
					printf(",\"near_duplicate_of\":%u", s.group);
				printf("}");
			} else {
				printf("  %4u-%-4u %s", s.line_start, s.line_end, col(c, C_DIM));
				if (s.breadcrumb[0]) {
					out_text(stdout, s.breadcrumb, strlen(s.breadcrumb));
					printf(" > ");
				}
				printf("%s%s", col(c, C_RESET), col(c, C_TITLE));
				out_text(stdout, s.title, strlen(s.title));
				printf("%s  (%u lines, id %u", col(c, C_RESET), s.line_end - s.line_start + 1, s.id);
				if (s.flags)
					printf("; not searched: %s",
					       s.flags & LIDX_STORY_TEMPLATE ? "a template" : "only links");
				if (s.group != s.id)
					printf("; near-duplicate of id %u", s.group);
				printf(")\n");
			}
			first = 0;
			shown++;
			lidx_story_clear(&s);
		}
	}
	if (c->json)
		printf("]\n");
	if (!shown && only && !c->quiet)
		cli_error(c, "no indexed file's path contains '%s'", only);
	return shown ? EXIT_RESULTS : EXIT_NONE;
}

/* No story holds rel:line: say so, and name the nearest story of that file. */
static void show_nearest(cli *c, const char *arg, const char *rel, uint32_t line)
{
	size_t rl = strlen(rel);
	for (uint32_t f = 0; f < lidx_index_file_count(c->ix); f++) {
		lidx_file_info fi;
		lidx_index_file(c->ix, f, &fi);
		size_t pl = strlen(fi.path);
		if (pl < rl || strcmp(fi.path + pl - rl, rel) || (pl > rl && fi.path[pl - rl - 1] != '/'))
			continue;
		uint32_t best = UINT32_MAX, best_d = UINT32_MAX, bs = 0, be = 0;
		for (uint32_t k = 0; k < fi.n_stories; k++) {
			lidx_story s;
			lidx_err err = { 0 };
			if (lidx_index_story(c->ix, fi.first_story + k, &s, &err) < 0)
				break;
			uint32_t d = line < s.line_start ? s.line_start - line : line > s.line_end ? line - s.line_end : 0;
			if (d < best_d)
				best_d = d, best = s.id, bs = s.line_start, be = s.line_end;
			lidx_story_clear(&s);
		}
		if (best == UINT32_MAX)
			break;
		char path[4096];
		cli_story_path(c, fi.path, path, sizeof path);
		cli_error(c, "no story holds %s (a blank or skipped line?); the nearest is %s:%u-%u, "
		          "id %u", arg, path, bs, be, best);
		return;
	}
	cli_error(c, "no story at %s (see 'cvsearch stories' for the list)", arg);
}

int cmd_show(cli *c)
{
	if (c->argc != 1) {
		cli_error(c, "show needs one story: cvsearch show PATH:LINE (as printed by search) or an id");
		return EXIT_USAGE;
	}
	int rc = cli_open(c, 0);
	if (rc)
		return rc;
again:;
	const char *arg = c->argv[0];
	uint32_t id;
	char *end;
	unsigned long v = strtoul(arg, &end, 10);
	if (*arg && !*end) {
		id = (uint32_t)v;
		if (v >= lidx_index_story_count(c->ix)) {
			cli_error(c, "no story with id %s (ids run from 0 to %u)", arg,
			          lidx_index_story_count(c->ix) ? lidx_index_story_count(c->ix) - 1 : 0);
			return EXIT_USAGE;
		}
	} else {
		/* PATH:LINE or PATH:LINE-LINE; PATH may carry the corpus folder in front */
		char *p = strdup(arg);
		if (!p)
			return EXIT_USAGE;
		char *colon = strrchr(p, ':');
		uint32_t line = 0;
		if (colon) {
			*colon = 0;
			char *lend;
			errno = 0;
			unsigned long l = strtoul(colon + 1, &lend, 10);
			if (errno || lend == colon + 1 || (*lend && *lend != '-') || l < 1 || l > UINT32_MAX) {
				cli_error(c, "'%s' is not PATH:LINE (lines are numbered from 1)", arg);
				free(p);
				return EXIT_USAGE;
			}
			line = (uint32_t)l;
		}
		const char *rel = p;
		size_t cl = c->corpus ? strlen(c->corpus) : 0;
		if (cl && c->corpus[cl - 1] == '/')
			cl--;
		if (cl && !strncmp(p, c->corpus, cl) && p[cl] == '/')
			rel = p + cl + 1;
		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		rc = lidx_index_find_story(c->ix, rel, line, &id);
		if (rc < 0) {
			show_nearest(c, arg, rel, line);
			free(p);
			return EXIT_USAGE;
		}
		free(p);
	}
	lidx_err err = { 0 };
	lidx_story s;
	if ((rc = lidx_index_story(c->ix, id, &s, &err)) < 0) {
		int r2 = rc == LIDX_ECORRUPT ? cli_rebuild_damaged(c, &err) : -1;
		if (r2 == 0)
			goto again; /* damaged story text, rebuilt from the notes */
		if (r2 < 0)
			cli_error(c, "%s", err.msg);
		return r2 > 0 ? r2 : EXIT_USAGE;
	}
	char path[4096];
	cli_story_path(c, s.path, path, sizeof path);
	if (c->json) {
		printf("{\"id\":%u,\"title\":", s.id);
		json_cstr(stdout, s.title);
		printf(",\"breadcrumb\":");
		json_cstr(stdout, s.breadcrumb);
		printf(",\"path\":");
		json_cstr(stdout, path);
		printf(",\"line_start\":%u,\"line_end\":%u,\"text\":", s.line_start, s.line_end);
		json_str(stdout, s.text, s.text_len);
		printf("}\n");
	} else {
		printf("%s", col(c, C_TITLE));
		out_text(stdout, s.title, strlen(s.title));
		printf("%s\n", col(c, C_RESET));
		if (s.breadcrumb[0]) {
			printf("%s", col(c, C_DIM));
			out_text(stdout, s.breadcrumb, strlen(s.breadcrumb));
			printf("%s\n", col(c, C_RESET));
		}
		printf("%s", col(c, C_PATH));
		out_text(stdout, path, strlen(path));
		printf(":%u-%u%s\n\n", s.line_start, s.line_end, col(c, C_RESET));
		/* the text with its file line numbers */
		uint32_t ln = s.line_start;
		size_t a = 0;
		while (a < s.text_len) {
			size_t b = a;
			while (b < s.text_len && s.text[b] != '\n')
				b++;
			printf("%s%5u%s  ", col(c, C_DIM), ln++, col(c, C_RESET));
			out_text(stdout, s.text + a, b - a);
			printf("\n");
			a = b + 1;
		}
	}
	lidx_story_clear(&s);
	return EXIT_RESULTS;
}
