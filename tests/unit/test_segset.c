/*
 * test_segset.c -- updates by segments (segset.c, corpus.c's update()):
 * after random edits, additions and deletions of notes, the index updated
 * by segments ranks every query exactly as an index built afresh from the
 * same notes (the same stories, scores within float rounding, the same
 * totals), with each search algorithm, and folds the same near-duplicates
 * (copies of shared paragraphs, edited, added and deleted across segments); the on-disk set is what the policy
 * says (segments, a merge, a full rebuild); a damaged manifest or segment
 * is found and rebuilt; a stale manifest and orphan segments are ignored
 * and removed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "libindex.h"
#include "segset.h" /* the manifest, to damage its groups */

static char dir[64], notes[96], ixpath[128], fresh[128];
static lidx_analyzer *an;

static const char *words[] = {
	"kafka", "postgres", "migration", "latency", "mentor", "incident", "cache", "deploy",
	"billing", "search", "index", "review", "rollout", "schema", "queue", "budget",
	"hiring", "oncall", "roadmap", "customer", "outage", "throughput", "design", "team",
	"platform", "terraform", "kubernetes", "alerting", "backlog", "estimate",
};
#define NW (sizeof words / sizeof *words)

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) & 0xffffff;
}

/* the near-duplicate copies' own stream: the edits are those of the plain notes */
static unsigned rnd2_state = 777;
static unsigned rnd2(void)
{
	rnd2_state = rnd2_state * 1103515245u + 12345u;
	return (rnd2_state >> 8) & 0xffffff;
}

/* Shared paragraphs: a note may hold a copy of one, a few words changed
   (near-duplicates of each other), or many changed (linked only through
   closer copies, if at all). */
#define POOLS 6
#define POOL_WORDS 60
static int pool[POOLS][POOL_WORDS];

static void make_pools(void)
{
	for (int p = 0; p < POOLS; p++)
		for (int w = 0; w < POOL_WORDS; w++)
			pool[p][w] = (int)(rnd2() % NW);
}

static void write_copy(FILE *f)
{
	int p = (int)(rnd2() % POOLS), changes = (int)(rnd2() % 4);
	if (changes == 3)
		changes = 6 + (int)(rnd2() % 6);
	int w_[POOL_WORDS];
	memcpy(w_, pool[p], sizeof w_);
	for (int c = 0; c < changes; c++)
		w_[rnd2() % POOL_WORDS] = (int)(rnd2() % NW);
	for (int w = 0; w < POOL_WORDS; w++)
		fprintf(f, "%s%s", words[w_[w]], w % 12 == 11 ? ".\n" : " ");
}

static void write_note(int i)
{
	char p[256];
	snprintf(p, sizeof p, "%s/d%d", notes, i % 4);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/d%d/n%03d.md", notes, i % 4, i);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	int sections = 1 + (int)(rnd() % 3);
	for (int s = 0; s < sections; s++) {
		fprintf(f, "# %s %s %d\n\n", words[rnd() % NW], words[rnd() % NW], s);
		if (rnd2() % 3 == 0) {
			write_copy(f);
		} else {
			int n = 5 + (int)(rnd() % 40);
			for (int w = 0; w < n; w++)
				fprintf(f, "%s%s", words[rnd() % NW], w % 12 == 11 ? ".\n" : " ");
		}
		fprintf(f, "\n\n");
	}
	assert_int_equal(fclose(f), 0);
}

static void remove_note(int i)
{
	char p[256];
	snprintf(p, sizeof p, "%s/d%d/n%03d.md", notes, i % 4, i);
	unlink(p);
}

static void sync_to(const char *path, int force, lidx_sync_report *rep)
{
	lidx_sync_opts so;
	memset(&so, 0, sizeof so);
	so.force = force;
	lidx_err err = { 0 };
	int rc = lidx_corpus_sync(notes, path, &so, rep, &err);
	if (rc < 0)
		fail_msg("sync %s: %s", path, err.msg);
}

static int n_segments(void)
{
	lidx_index *ix;
	lidx_stats st;
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), 0);
	lidx_index_stats(ix, &st);
	lidx_index_close(ix);
	return (int)st.n_segments;
}

typedef struct row {
	char key[160];
	double score;
} row;

static int row_cmp(const void *a, const void *b)
{
	const row *x = a, *y = b;
	return strcmp(x->key, y->key);
}

/* Every hit of q on ix, as "path:lines" -> score, sorted by key; *total. */
static size_t hits(lidx_index *ix, const char *q, int algo, row *out, size_t max, uint64_t *total)
{
	lidx_query *qq;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&qq, ix, an, q, strlen(q), 0, &err);
	if (rc == LIDX_EEMPTY) {
		*total = 0;
		return 0;
	}
	if (rc != 0)
		fail_msg("parse \"%s\": %s", q, err.msg);
	lidx_search_opts o;
	lidx_search_defaults(&o);
	o.limit = max;
	o.algo = algo;
	lidx_results r;
	rc = lidx_search(ix, qq, &o, &r, &err);
	if (rc != 0)
		fail_msg("search \"%s\": %s", q, err.msg);
	for (size_t i = 0; i < r.n_hits; i++) {
		lidx_story s;
		assert_int_equal(lidx_index_story(ix, r.hits[i].story, &s, NULL), 0);
		snprintf(out[i].key, sizeof out[i].key, "%s:%u-%u", s.path, s.line_start, s.line_end);
		out[i].score = r.hits[i].score;
		lidx_story_clear(&s);
	}
	size_t n = r.n_hits;
	*total = r.total;
	lidx_results_clear(&r);
	lidx_query_free(qq);
	qsort(out, n, sizeof *out, row_cmp);
	return n;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *story_key(lidx_index *ix, uint32_t id)
{
	lidx_story s;
	assert_int_equal(lidx_index_story(ix, id, &s, NULL), 0);
	char *k = malloc(160);
	assert_non_null(k);
	snprintf(k, 160, "%s:%u-%u", s.path, s.line_start, s.line_end);
	lidx_story_clear(&s);
	return k;
}

/*
 * The near-duplicate groups of every live story, as "key <- first key of
 * its group" lines sorted (which story holds a group's id does not
 * matter, only who is in it); *n_grouped: the stories not alone.
 */
static char *partition(lidx_index *ix, size_t *n_grouped)
{
	lidx_stats st;
	lidx_index_stats(ix, &st);
	/* ids of a segmented index run past the live count (deleted stories keep theirs) */
	uint32_t n = 0;
	for (uint32_t id = 0, live = 0; live < st.n_stories; id++) {
		lidx_story s;
		if (lidx_index_story(ix, id, &s, NULL) == 0)
			live++;
		lidx_story_clear(&s);
		n = id + 1;
	}
	char **key = calloc(n, sizeof *key), **lines = calloc(n, sizeof *lines);
	uint32_t *grp = calloc(n, sizeof *grp);
	assert_true(key && lines && grp);
	for (uint32_t id = 0; id < n; id++) {
		lidx_story s;
		if (lidx_index_story(ix, id, &s, NULL) != 0)
			continue;
		grp[id] = s.group;
		lidx_story_clear(&s);
		key[id] = story_key(ix, id);
	}
	size_t nl = 0, out_len = 1;
	*n_grouped = 0;
	for (uint32_t id = 0; id < n; id++) {
		if (!key[id])
			continue;
		/* the smallest key of its group */
		const char *min = key[id];
		for (uint32_t o = 0; o < n; o++)
			if (key[o] && grp[o] == grp[id] && strcmp(key[o], min) < 0)
				min = key[o];
		*n_grouped += grp[id] != id;
		assert_non_null(key[grp[id]]); /* a group's id is a live story of it */
		lines[nl] = malloc(strlen(key[id]) + strlen(min) + 8);
		assert_non_null(lines[nl]);
		sprintf(lines[nl], "%s <- %s", key[id], min);
		out_len += strlen(lines[nl++]) + 1;
	}
	qsort(lines, nl, sizeof *lines, str_cmp);
	char *out = malloc(out_len);
	assert_non_null(out);
	out[0] = 0;
	for (size_t i = 0; i < nl; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
		free(lines[i]);
	}
	for (uint32_t id = 0; id < n; id++)
		free(key[id]);
	free(key);
	free(lines);
	free(grp);
	return out;
}

/*
 * lidx_search_dedup() of q: each hit with the near-duplicates reported
 * beside it, as one line "hit | dup dup ..." (all sorted by key; which copy
 * of a group ranks first among equal scores is not compared), the lines
 * sorted.
 */
static char *folded(lidx_index *ix, const char *q)
{
	lidx_query *qq;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&qq, ix, an, q, strlen(q), 0, &err);
	if (rc == LIDX_EEMPTY) {
		char *e = malloc(1);
		assert_non_null(e);
		e[0] = 0;
		return e;
	}
	if (rc != 0)
		fail_msg("parse \"%s\": %s", q, err.msg);
	lidx_search_opts o;
	lidx_search_defaults(&o);
	o.limit = 512;
	lidx_results r;
	if (lidx_search_dedup(ix, qq, &o, &r, &err) != 0)
		fail_msg("search \"%s\": %s", q, err.msg);
	char **lines = calloc(r.n_hits ? r.n_hits : 1, sizeof *lines);
	assert_non_null(lines);
	size_t out_len = 1;
	for (size_t i = 0; i < r.n_hits; i++) {
		char *m[512];
		size_t nm = 0;
		m[nm++] = story_key(ix, r.hits[i].story);
		for (size_t d = 0; d < r.n_dups && nm < 512; d++)
			if (r.dup_of[d] == i)
				m[nm++] = story_key(ix, r.dups[d].story);
		qsort(m, nm, sizeof *m, str_cmp);
		size_t len = 4;
		for (size_t k = 0; k < nm; k++)
			len += strlen(m[k]) + 3;
		lines[i] = malloc(len);
		assert_non_null(lines[i]);
		lines[i][0] = 0;
		for (size_t k = 0; k < nm; k++) {
			strcat(lines[i], m[k]);
			strcat(lines[i], k ? " " : nm > 1 ? " | " : "");
			free(m[k]);
		}
		out_len += strlen(lines[i]) + 1;
	}
	qsort(lines, r.n_hits, sizeof *lines, str_cmp);
	char *out = malloc(out_len);
	assert_non_null(out);
	out[0] = 0;
	for (size_t i = 0; i < r.n_hits; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
		free(lines[i]);
	}
	free(lines);
	lidx_results_clear(&r);
	lidx_query_free(qq);
	return out;
}

static size_t total_grouped;

/* The updated index answers as a fresh build of the same notes. */
static void same_as_fresh(const char *when)
{
	lidx_sync_report rep;
	unlink(fresh);
	sync_to(fresh, 1, &rep);
	lidx_index *a, *b;
	assert_int_equal(lidx_index_open(&a, ixpath, 0, NULL), 0);
	assert_int_equal(lidx_index_open(&b, fresh, 0, NULL), 0);
	lidx_stats sa, sb;
	lidx_index_stats(a, &sa);
	lidx_index_stats(b, &sb);
	assert_int_equal(sa.n_stories, sb.n_stories);
	assert_int_equal(sa.n_files, sb.n_files);
	assert_true(fabs(sa.avg_body_len - sb.avg_body_len) < 1e-9);
	assert_true(fabs(sa.avg_title_len - sb.avg_title_len) < 1e-9);
	assert_int_equal(lidx_index_verify(a, NULL), 0);
	size_t ga, gb;
	char *pa = partition(a, &ga), *pb = partition(b, &gb);
	if (strcmp(pa, pb) != 0 || ga != gb)
		fail_msg("%s: near-duplicate groups differ (%zu grouped, fresh %zu):\nupdated:\n%s\nfresh:\n%s",
		         when, ga, gb, pa, pb);
	total_grouped += gb;
	free(pa);
	free(pb);
	static row ra[512], rb[512];
	char q[128];
	for (int k = 0; k < 40; k++) {
		switch (k % 5) {
		case 0: snprintf(q, sizeof q, "%s", words[rnd() % NW]); break;
		case 1: snprintf(q, sizeof q, "%s %s", words[rnd() % NW], words[rnd() % NW]); break;
		case 2: snprintf(q, sizeof q, "\"%s %s\"", words[rnd() % NW], words[rnd() % NW]); break;
		case 3: snprintf(q, sizeof q, "%.3s* %s", words[rnd() % NW], words[rnd() % NW]); break;
		default:
			snprintf(q, sizeof q, "%s %s %s -%s", words[rnd() % NW], words[rnd() % NW],
			         words[rnd() % NW], words[rnd() % NW]);
		}
		char *fa = folded(a, q), *fb = folded(b, q);
		if (strcmp(fa, fb) != 0)
			fail_msg("%s: \"%s\" folds other near-duplicates:\nupdated:\n%s\nfresh:\n%s", when, q, fa, fb);
		free(fa);
		free(fb);
		for (int algo = LIDX_ALGO_MAXSCORE; algo <= LIDX_ALGO_EXHAUSTIVE; algo++) {
			uint64_t ta, tb;
			size_t na = hits(a, q, algo, ra, 512, &ta), nb = hits(b, q, algo, rb, 512, &tb);
			if (na != nb || ta != tb)
				fail_msg("%s: \"%s\" (algo %d): %zu hits of %llu, fresh %zu of %llu", when, q, algo,
				         na, (unsigned long long)ta, nb, (unsigned long long)tb);
			for (size_t i = 0; i < na; i++)
				if (strcmp(ra[i].key, rb[i].key) || fabs(ra[i].score - rb[i].score) > 1e-9 * (1 + rb[i].score))
					fail_msg("%s: \"%s\": %s %.12f, fresh %s %.12f", when, q, ra[i].key, ra[i].score,
					         rb[i].key, rb[i].score);
		}
	}
	lidx_index_close(a);
	lidx_index_close(b);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cvsearch-tseg.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(notes, sizeof notes, "%s/notes", dir);
	snprintf(ixpath, sizeof ixpath, "%s/notes.cvx", dir);
	snprintf(fresh, sizeof fresh, "%s/fresh.cvx", dir);
	assert_int_equal(mkdir(notes, 0700), 0);
	make_pools();
	return lidx_analyzer_new(&an);
}

static int teardown(void **state)
{
	(void)state;
	lidx_analyzer_free(an);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define NOTES 200

static void test_segset_random_updates(void **state)
{
	(void)state;
	lidx_sync_report rep;
	for (int i = 0; i < NOTES; i++)
		write_note(i);
	sync_to(ixpath, 1, &rep);
	int present[NOTES + 40];
	for (int i = 0; i < NOTES + 40; i++)
		present[i] = i < NOTES;
	int next = NOTES, saw_merge = 0, max_segs = 1;
	for (int round = 0; round < 12; round++) {
		/* 1-3 edits: rewrite, delete or add a note */
		int n = 1 + (int)(rnd() % 3);
		for (int e = 0; e < n; e++) {
			int what = (int)(rnd() % 3), i = (int)(rnd() % NOTES);
			if (what == 0 && present[i]) {
				write_note(i);
			} else if (what == 1 && present[i]) {
				remove_note(i);
				present[i] = 0;
			} else if (next < NOTES + 40) {
				present[next] = 1;
				write_note(next++);
			}
		}
		int before = n_segments();
		sync_to(ixpath, 0, &rep);
		assert_int_equal(rep.rebuilt, 1);
		assert_int_equal(rep.updated, 1); /* at most 36 notes of 200 changed: under a fifth, never a full rebuild */
		int after = n_segments();
		if (after < before)
			saw_merge = 1;
		if (after > max_segs)
			max_segs = after;
		char when[32];
		snprintf(when, sizeof when, "round %d", round);
		same_as_fresh(when);
	}
	assert_true(max_segs >= 3);
	assert_true(max_segs <= 5); /* the main file and at most 4 small segments */
	assert_true(saw_merge);
	assert_true(total_grouped >= 12 * 20); /* the fixture has near-duplicates to fold */
	/* unchanged: nothing written */
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.rebuilt, 0);
}

static void test_segset_large_change_rebuilds(void **state)
{
	(void)state;
	lidx_sync_report rep;
	for (int i = 0; i < NOTES; i += 3) /* 67 of 200 notes */
		write_note(i);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.rebuilt, 1);
	assert_int_equal(rep.updated, 0);
	assert_int_equal(n_segments(), 1);
	char p[256];
	snprintf(p, sizeof p, "%s.live", ixpath);
	assert_int_not_equal(access(p, F_OK), 0); /* the manifest went with the old main file */
	same_as_fresh("after a full rebuild");
}

static void test_segset_damage(void **state)
{
	(void)state;
	lidx_sync_report rep;
	write_note(1);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.updated, 1);
	/* a damaged manifest: the index is corrupt, and the next sync rebuilds it */
	char mp[256];
	snprintf(mp, sizeof mp, "%s.live", ixpath);
	FILE *f = fopen(mp, "r+");
	assert_non_null(f);
	fseek(f, 20, SEEK_SET);
	fputc(0x5a, f);
	fclose(f);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), LIDX_ECORRUPT);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.rebuilt, 1);
	assert_int_equal(rep.was_corrupt, 1);
	assert_int_equal(n_segments(), 1);
	same_as_fresh("after a damaged manifest");
	/* a segment swapped for another file: refused */
	write_note(2);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.updated, 1);
	char sp[1024], other[256];
	int gen = 0;
	for (int g = 1; g < 64 && !gen; g++) {
		snprintf(sp, sizeof sp, "%s.seg.%d", ixpath, g);
		if (access(sp, F_OK) == 0)
			gen = g;
	}
	assert_true(gen > 0);
	write_note(3);
	sync_to(fresh, 1, &rep); /* any other valid index file */
	snprintf(other, sizeof other, "%s", fresh);
	assert_int_equal(rename(other, sp), 0);
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), LIDX_ECORRUPT);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.was_corrupt, 1);
	same_as_fresh("after a swapped segment");
	/* a manifest of an older main file is ignored; orphans are removed */
	write_note(4);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.updated, 1);
	char saved[256];
	snprintf(saved, sizeof saved, "%s/saved.live", dir);
	snprintf(sp, sizeof sp, "cp '%s' '%s'", mp, saved);
	assert_int_equal(system(sp), 0);
	sync_to(ixpath, 1, &rep); /* a full rebuild */
	snprintf(sp, sizeof sp, "cp '%s' '%s'; echo junk > '%s.seg.77'", saved, mp, ixpath);
	assert_int_equal(system(sp), 0);
	same_as_fresh("with a stale manifest");
	write_note(5);
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.updated, 1);
	snprintf(sp, sizeof sp, "%s.seg.77", ixpath);
	assert_int_not_equal(access(sp, F_OK), 0);
	same_as_fresh("after the orphans were removed");
}

/* ---- block-max on segments ---------------------------------------------------------- */

/* A note of n stories over a skewed vocabulary w0..w299 (low ids common),
   lengths uneven (some stories long), some words in the titles. */
static void write_big_note(const char *name, int n)
{
	char p[256];
	snprintf(p, sizeof p, "%s/big", notes);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/big/%s.md", notes, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	for (int s = 0; s < n; s++) {
		fprintf(f, "# s%d", s);
		for (int k = (int)(rnd() % 3); k > 0; k--)
			fprintf(f, " w%u", rnd() % 300);
		fprintf(f, "\n\n");
		int nw = rnd() % 8 ? 3 + (int)(rnd() % 30) : 100 + (int)(rnd() % 400);
		for (int k = 0; k < nw; k++)
			fprintf(f, "w%u%s", rnd() % 5 ? rnd() % (1 + rnd() % 300) : (unsigned)s % 7,
			        k % 14 == 13 ? ".\n" : " ");
		fprintf(f, "\n\n");
	}
	assert_int_equal(fclose(f), 0);
}

typedef struct krow {
	char key[160];
	double score;
} krow;

/* The hits of q on ix in rank order, as "path:lines" and score; *r the results. */
static size_t ranked(lidx_index *ix, const char *q, const lidx_search_opts *o, krow *out, lidx_results *r)
{
	lidx_query *qq;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&qq, ix, an, q, strlen(q), LIDX_QUERY_RAW, &err);
	if (rc == LIDX_EEMPTY) {
		memset(r, 0, sizeof *r);
		return 0;
	}
	if (rc != 0)
		fail_msg("parse \"%.40s\": %s", q, err.msg);
	rc = lidx_search(ix, qq, o, r, &err);
	if (rc != 0)
		fail_msg("search \"%.40s\": %s", q, err.msg);
	for (size_t i = 0; i < r->n_hits; i++) {
		lidx_story s;
		assert_int_equal(lidx_index_story(ix, r->hits[i].story, &s, NULL), 0);
		snprintf(out[i].key, sizeof out[i].key, "%s:%u-%u", s.path, s.line_start, s.line_end);
		out[i].score = r->hits[i].score;
		lidx_story_clear(&s);
	}
	lidx_query_free(qq);
	return r->n_hits;
}

/* Two top-k lists agree: the same scores rank by rank, and every story
   scored above the k-th best (outside the tie the cut may split) in both. */
static void same_top(const char *what, const char *q, const krow *a, size_t na, const krow *b, size_t nb)
{
	if (na != nb)
		fail_msg("%s: \"%.60s\": %zu hits vs %zu", what, q, na, nb);
	for (size_t i = 0; i < na; i++)
		if (fabs(a[i].score - b[i].score) > 1e-9 * (1 + b[i].score))
			fail_msg("%s: \"%.60s\" rank %zu: %s %.12f vs %s %.12f", what, q, i, a[i].key, a[i].score,
			         b[i].key, b[i].score);
	for (size_t i = 0; i < na; i++) {
		if (fabs(a[i].score - a[na - 1].score) <= 1e-9 * (1 + a[i].score))
			continue;
		size_t j = 0;
		while (j < nb && strcmp(a[i].key, b[j].key))
			j++;
		if (j == nb || fabs(a[i].score - b[j].score) > 1e-9 * (1 + a[i].score))
			fail_msg("%s: \"%.60s\": %s (%.12f) missing", what, q, a[i].key, a[i].score);
	}
}

/*
 * Block-max on an index of several segments with deleted stories: notes
 * long enough that a term's list has many blocks in the main file and
 * several in each segment, stories rewritten (deleted in the middle of
 * blocks of the main file and of a segment) and added. The window scorer
 * with block-max skipping (WINDOWS, AUTO) must find the top k of the
 * exhaustive walk on the same index and of a fresh one-file build of the
 * same notes, under four BM25F parameter sets; and some one-word queries
 * must have passed blocks by their bound (a lower-bound total).
 */
static void test_segset_block_max(void **state)
{
	(void)state;
	lidx_sync_report rep;
	char name[32];
	for (int i = 0; i < 100; i++) { /* 4,000 stories: two windows of the scorer */
		snprintf(name, sizeof name, "m%03d", i);
		write_big_note(name, 40);
	}
	sync_to(ixpath, 1, &rep);
	/* three updates: each rewrites notes of the main file (and from round 1
	   one of an earlier segment) and adds two long ones */
	for (int round = 0; round < 3; round++) {
		snprintf(name, sizeof name, "m%03d", 7 + 30 * round);
		write_big_note(name, 40);
		snprintf(name, sizeof name, "m%03d", 13 + 30 * round);
		write_big_note(name, 30);
		if (round) {
			snprintf(name, sizeof name, "a%d0", round - 1);
			write_big_note(name, 150);
		}
		for (int k = 0; k < 2; k++) {
			snprintf(name, sizeof name, "a%d%d", round, k);
			write_big_note(name, 150);
		}
		sync_to(ixpath, 0, &rep);
		assert_int_equal(rep.updated, 1);
	}
	assert_true(n_segments() >= 3);
	lidx_sync_report frep;
	unlink(fresh);
	sync_to(fresh, 1, &frep);
	lidx_index *a, *b;
	assert_int_equal(lidx_index_open(&a, ixpath, 0, NULL), 0);
	assert_int_equal(lidx_index_open(&b, fresh, 0, NULL), 0);
	assert_int_equal(lidx_index_verify(a, NULL), 0);
	static const double params[][4] = { /* k1, b, b_title, w_title */
		{ 1.2, 0.75, 0.5, 2.5 }, { 0.5, 1.0, 1.0, 10 }, { 2.0, 0.0, 0.0, 0.0 }, { 1.2, 0.3, 0.9, 1.0 },
	};
	static krow rw[64], rx[64], rf[64], rfx[64];
	static char q[4096];
	int n_lower = 0;
	for (int t = 0; t < 80; t++) {
		size_t n = 0;
		int nq = t % 3 ? 1 + (int)(rnd() % 3) : 20 + (int)(rnd() % 60);
		for (int k = 0; k < nq; k++)
			n += (size_t)snprintf(q + n, sizeof q - n, "%sw%u", k ? " " : "",
			                      rnd() % (1 + rnd() % (nq > 3 ? 300 : 40)));
		lidx_search_opts o;
		lidx_search_defaults(&o);
		const double *pr = params[t % 4];
		o.k1 = pr[0], o.b = pr[1], o.b_title = pr[2], o.w_title = pr[3];
		o.coord = 0;
		o.limit = t % 2 ? 10 : 1 + rnd() % 40;
		lidx_results w, x, au, f, fx;
		o.algo = LIDX_ALGO_WINDOWS;
		size_t nw = ranked(a, q, &o, rw, &w);
		o.algo = LIDX_ALGO_EXHAUSTIVE;
		size_t nx = ranked(a, q, &o, rx, &x);
		size_t nfx = ranked(b, q, &o, rfx, &fx);
		o.algo = LIDX_ALGO_AUTO;
		size_t nf = ranked(b, q, &o, rf, &f);
		same_top("segments: windows vs exhaustive", q, rw, nw, rx, nx);
		same_top("segments vs fresh, exhaustive", q, rx, nx, rfx, nfx);
		same_top("segments windows vs fresh auto", q, rw, nw, rf, nf);
		assert_int_equal(x.total, fx.total);
		assert_true(w.total <= x.total);
		if (w.total_exact)
			assert_int_equal(w.total, x.total);
		size_t na = ranked(a, q, &o, rw, &au); /* AUTO on segments */
		same_top("segments auto vs fresh auto", q, rw, na, rf, nf);
		lidx_results_clear(&au);
		o.algo = LIDX_ALGO_MAXSCORE; /* document at a time: seeks to other terms' stories */
		na = ranked(a, q, &o, rw, &au);
		same_top("segments maxscore vs fresh exhaustive", q, rw, na, rfx, nfx);
		n_lower += nq == 1 && !w.total_exact;
		lidx_results_clear(&w);
		lidx_results_clear(&x);
		lidx_results_clear(&au);
		lidx_results_clear(&f);
		lidx_results_clear(&fx);
	}
	if (n_lower == 0)
		fail_msg("no one-word query passed a block by its bound");
	lidx_index_close(a);
	lidx_index_close(b);
}

/* The manifest's near-duplicate groups are checked: a CRC-valid manifest
   whose groups name a deleted story, or a member as a group, is refused. */
static void test_segset_manifest_groups(void **state)
{
	(void)state;
	lidx_sync_report rep;
	for (int i = 0; i < 3; i++)
		write_note(300 + i);
	sync_to(ixpath, 1, &rep);
	write_note(301); /* into a segment: its old stories deleted */
	sync_to(ixpath, 0, &rep);
	assert_int_equal(rep.updated, 1);
	same_as_fresh("before damaging the groups");
	lidx_manifest m;
	assert_int_equal(lidx__manifest_read(ixpath, &m, NULL), 0);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), 0);
	uint32_t dead = UINT32_MAX, a = UINT32_MAX, b = UINT32_MAX;
	for (uint32_t id = 0; dead == UINT32_MAX || b == UINT32_MAX; id++) {
		lidx_story st;
		assert_true(id < 100000);
		if (lidx_index_story(ix, id, &st, NULL) != 0) {
			if (dead == UINT32_MAX)
				dead = id;
			continue;
		}
		lidx_story_clear(&st);
		if (a == UINT32_MAX)
			a = id;
		else if (b == UINT32_MAX)
			b = id;
	}
	lidx_index_close(ix);
	lidx_manifest keep = m;
	uint32_t story[2], group[2];
	const uint32_t cases[3][4] = {
		{ a, dead, 0, 0 },  /* a deleted story as a group */
		{ dead, a, 0, 0 },  /* a deleted story in a group */
		{ a, b, b, a },     /* a group whose id is not its own */
	};
	for (int c = 0; c < 3; c++) {
		m.n_grouped = cases[c][2] == cases[c][3] ? 1 : 2;
		story[0] = cases[c][0] < cases[c][2] || m.n_grouped == 1 ? cases[c][0] : cases[c][2];
		group[0] = story[0] == cases[c][0] ? cases[c][1] : cases[c][3];
		story[1] = story[0] == cases[c][0] ? cases[c][2] : cases[c][0];
		group[1] = story[0] == cases[c][0] ? cases[c][3] : cases[c][1];
		m.gstory = story;
		m.ggroup = group;
		assert_int_equal(lidx__manifest_write(ixpath, &m, NULL), 0);
		assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), LIDX_ECORRUPT);
	}
	m = keep;
	assert_int_equal(lidx__manifest_write(ixpath, &m, NULL), 0); /* as it was */
	assert_int_equal(lidx_index_open(&ix, ixpath, 0, NULL), 0);
	lidx_index_close(ix);
	lidx__manifest_clear(&m);
	same_as_fresh("with the groups restored");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segset_random_updates),
		cmocka_unit_test(test_segset_large_change_rebuilds),
		cmocka_unit_test(test_segset_damage),
		cmocka_unit_test(test_segset_block_max),
		cmocka_unit_test(test_segset_manifest_groups),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
