/*
 * test_corrupt.c -- damaged index files (SQLite's fts5corrupt tests): a real
 * index of corpus/ truncated at every section boundary and at random
 * points, with random bytes flipped, and garbage behind a valid magic
 * number. Every case must give LIDX_ECORRUPT (or LIDX_EVERSION) with a
 * one-line message, or answer exactly as the undamaged index does: never a
 * crash, a hang or a silently different result. Then lidx_corpus_sync()
 * must see the damage and rebuild from the notes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>
#include "libindex.h"
#include "common.h"
#include "format.h"

#define N_QUERIES 5
static const char *const queries[N_QUERIES] = {
	"kafka", "distributed systems reliability", "\"circuit breakers\"", "mentor*",
	"Tell me about a time you disagreed with your manager",
};

/* what a search answers: hit ids, scores and the first hit's text */
typedef struct answer {
	int rc;
	size_t n;
	uint32_t ids[10];
	double scores[10];
	uint32_t text_crc;
} answer;

static char tmpdir[64], ixpath[128], probe[128];
static uint8_t *orig;
static size_t orig_len;
static answer base[N_QUERIES];
static lidx_analyzer *an;
static unsigned n_cases, n_rejected, n_same;

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static int ask(lidx_index *ix, const char *qs, answer *a)
{
	memset(a, 0, sizeof *a);
	lidx_query *q;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&q, ix, an, qs, strlen(qs), 0, &err);
	if (rc < 0)
		return a->rc = rc;
	lidx_search_opts o;
	memset(&o, 0, sizeof o);
	lidx_search_defaults(&o);
	lidx_results r;
	rc = lidx_search(ix, q, &o, &r, &err);
	if (rc == 0) {
		a->n = r.n_hits;
		for (size_t i = 0; i < r.n_hits && i < 10; i++)
			a->ids[i] = r.hits[i].story, a->scores[i] = r.hits[i].score;
		lidx_story s;
		if (r.n_hits) {
			rc = lidx_index_story(ix, r.hits[0].story, &s, &err);
			if (rc == 0) {
				a->text_crc = (uint32_t)crc32(0, (const Bytef *)s.text, (uInt)s.text_len);
				lidx_snippet sn;
				rc = lidx_snippet_make(ix, an, q, &s, 200, &sn);
				if (rc == 0)
					lidx_snippet_clear(&sn);
				lidx_story_clear(&s);
			}
		}
		lidx_results_clear(&r);
	}
	lidx_query_free(q);
	return a->rc = rc;
}

static void expect_error(int rc, const lidx_err *err, const char *what)
{
	if (rc != LIDX_ECORRUPT && rc != LIDX_EVERSION)
		fail_msg("%s: got %d (%s), want corrupt", what, rc, lidx_strerror(rc));
	if (!err->msg[0] || strchr(err->msg, '\n'))
		fail_msg("%s: message is not one line: '%s'", what, err->msg);
	if (rc == LIDX_ECORRUPT && !strstr(err->msg, "corrupt") && !strstr(err->msg, "not a cvsearch index"))
		fail_msg("%s: message does not say corrupt: '%s'", what, err->msg);
}

/* Open the damaged bytes both ways; any answer must be the original one. */
static void check(const uint8_t *p, size_t n, const char *what)
{
	n_cases++;
	write_file(probe, p, n);
	for (int verify = 0; verify < 2; verify++) {
		lidx_index *ix;
		lidx_err err = { 0 };
		int rc = lidx_index_open(&ix, probe, verify ? LIDX_OPEN_VERIFY : 0, &err);
		if (rc < 0) {
			expect_error(rc, &err, what);
			assert_null(ix);
			if (verify)
				n_rejected++;
			continue;
		}
		int bad = 0;
		for (int k = 0; k < N_QUERIES; k++) {
			answer a;
			rc = ask(ix, queries[k], &a);
			if (rc < 0) {
				if (rc != LIDX_ECORRUPT)
					fail_msg("%s: query '%s' gave %d, want 0 or corrupt", what, queries[k], rc);
				bad = 1;
			} else if (a.n != base[k].n || memcmp(a.ids, base[k].ids, sizeof a.ids) ||
			           memcmp(a.scores, base[k].scores, sizeof a.scores) || a.text_crc != base[k].text_crc) {
				bad = 2;
			}
		}
		memset(&err, 0, sizeof err);
		rc = lidx_index_verify(ix, &err);
		if (rc < 0)
			expect_error(rc, &err, what);
		else if (bad == 2)
			fail_msg("%s: verify passes but a search answers differently (silently wrong)", what);
		if (verify) {
			if (rc < 0 || bad)
				n_rejected++;
			else
				n_same++;
		}
		lidx_index_close(ix);
	}
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/cvsearch-corrupt.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(ixpath, sizeof ixpath, "%s/corpus.cvx", tmpdir);
	snprintf(probe, sizeof probe, "%s/probe.cvx", tmpdir);
	lidx_sync_opts so = { 0 };
	lidx_sync_report rep;
	lidx_err err = { 0 };
	assert_int_equal(lidx_corpus_sync("corpus", ixpath, &so, &rep, &err), 0);
	FILE *f = fopen(ixpath, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	orig_len = (size_t)ftell(f);
	rewind(f);
	orig = malloc(orig_len);
	assert_int_equal(fread(orig, 1, orig_len, f), orig_len);
	fclose(f);
	assert_int_equal(lidx_analyzer_new(&an), 0);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, ixpath, LIDX_OPEN_VERIFY, &err), 0);
	for (int k = 0; k < N_QUERIES; k++) {
		assert_int_equal(ask(ix, queries[k], &base[k]), 0);
		assert_true(base[k].n > 0);
	}
	lidx_index_close(ix);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(orig);
	lidx_analyzer_free(an);
	printf("corrupt: %u damaged files, %u rejected as corrupt, %u answered as the original\n",
	       n_cases, n_rejected, n_same);
	return 0;
}

static void test_corrupt_undamaged(void **state)
{
	(void)state;
	check(orig, orig_len, "undamaged");
	assert_int_equal(n_same, 1);
}

static void test_corrupt_truncate_sections(void **state)
{
	(void)state;
	uint32_t n_sec = lidx_rd32(orig + 12);
	char what[64];
	size_t cuts[] = { 0, 1, 7, 8, 12, 16, 24, 59, 60, 63, LIDX_HEADER_SIZE };
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		snprintf(what, sizeof what, "truncated at %zu", cuts[i]);
		check(orig, cuts[i], what);
	}
	for (uint32_t s = 0; s < n_sec; s++) {
		const uint8_t *e = orig + LIDX_HEADER_SIZE + s * LIDX_ENTRY_SIZE;
		uint64_t off = lidx_rd64(e + 8), len = lidx_rd64(e + 16);
		uint64_t at[] = { LIDX_HEADER_SIZE + (uint64_t)s * LIDX_ENTRY_SIZE, off - 1, off, off + 1,
		                  off + len / 2, off + len - 1, off + len };
		for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
			if (at[i] >= orig_len)
				continue;
			snprintf(what, sizeof what, "section %u truncated at %llu", lidx_rd32(e),
			         (unsigned long long)at[i]);
			check(orig, (size_t)at[i], what);
		}
	}
	/* and a truncated file whose header is patched to the new size */
	uint8_t *cp = malloc(orig_len);
	memcpy(cp, orig, orig_len);
	size_t n = orig_len / 2;
	for (int i = 0; i < 8; i++)
		cp[16 + i] = (uint8_t)((uint64_t)n >> (8 * i));
	uint32_t c = (uint32_t)crc32(0, cp, 60);
	for (int i = 0; i < 4; i++)
		cp[60 + i] = (uint8_t)(c >> (8 * i));
	check(cp, n, "truncated, header size patched");
	free(cp);
}

static void test_corrupt_truncate_random(void **state)
{
	(void)state;
	char what[64];
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(rnd() % orig_len);
		snprintf(what, sizeof what, "truncated at %zu", n);
		check(orig, n, what);
	}
}

static void test_corrupt_flip_bytes(void **state)
{
	(void)state;
	uint8_t *cp = malloc(orig_len);
	char what[96];
	for (int i = 0; i < 1500; i++) {
		memcpy(cp, orig, orig_len);
		int nflip = 1 + (int)(rnd() % 3);
		size_t at = 0;
		for (int k = 0; k < nflip; k++) {
			at = (size_t)(rnd() % orig_len);
			cp[at] ^= (uint8_t)(1 + rnd() % 255);
		}
		snprintf(what, sizeof what, "flip #%d (%d bytes, last at %zu)", i, nflip, at);
		check(cp, orig_len, what);
	}
	free(cp);
}

static void test_corrupt_garbage_with_magic(void **state)
{
	(void)state;
	size_t sizes[] = { 8, 64, 65, 1000, 4096, 100000 };
	char what[64];
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		for (int variant = 0; variant < 3; variant++) {
			size_t n = sizes[s];
			uint8_t *g = malloc(n);
			for (size_t i = 0; i < n; i++)
				g[i] = (uint8_t)rnd();
			memcpy(g, LIDX_MAGIC, 8);
			if (variant >= 1 && n >= LIDX_HEADER_SIZE) {
				/* a header that passes: version, size, CRC; garbage behind it */
				uint32_t v = LIDX_FORMAT_VERSION, nsec = variant == 2 ? SEC_MAX : (uint32_t)(rnd() % 70);
				for (int i = 0; i < 4; i++)
					g[8 + i] = (uint8_t)(v >> (8 * i)), g[12 + i] = (uint8_t)(nsec >> (8 * i));
				for (int i = 0; i < 8; i++)
					g[16 + i] = (uint8_t)((uint64_t)n >> (8 * i));
				uint32_t c = (uint32_t)crc32(0, g, 60);
				for (int i = 0; i < 4; i++)
					g[60 + i] = (uint8_t)(c >> (8 * i));
			}
			snprintf(what, sizeof what, "garbage %zu bytes, variant %d", n, variant);
			check(g, n, what);
			free(g);
		}
	}
	/* another format version with a valid header CRC */
	uint8_t *cp = malloc(orig_len);
	memcpy(cp, orig, orig_len);
	cp[8] = LIDX_FORMAT_VERSION + 1;
	uint32_t c = (uint32_t)crc32(0, cp, 60);
	for (int i = 0; i < 4; i++)
		cp[60 + i] = (uint8_t)(c >> (8 * i));
	write_file(probe, cp, orig_len);
	lidx_index *ix;
	lidx_err err = { 0 };
	assert_int_equal(lidx_index_open(&ix, probe, 0, &err), LIDX_EVERSION);
	free(cp);
}

/* The notes are there: a damaged index is noticed and rebuilt. */
static void test_corrupt_sync_rebuilds(void **state)
{
	(void)state;
	uint8_t *cp = malloc(orig_len);
	for (int i = 0; i < 6; i++) {
		memcpy(cp, orig, orig_len);
		size_t n = orig_len;
		if (i == 0)
			n = orig_len / 3; /* truncated */
		else if (i == 1)
			memset(cp + LIDX_HEADER_SIZE, 0, 256); /* section table wiped */
		else
			cp[(size_t)(rnd() % (orig_len - 200)) + 100] ^= 0x5a; /* one byte anywhere */
		write_file(ixpath, cp, n);
		lidx_sync_opts so = { 0 };
		lidx_sync_report rep;
		lidx_err err = { 0 };
		assert_int_equal(lidx_corpus_sync("corpus", ixpath, &so, &rep, &err), 0);
		lidx_index *ix;
		assert_int_equal(lidx_index_open(&ix, ixpath, LIDX_OPEN_VERIFY, &err), 0);
		if (i < 2) {
			assert_int_equal(rep.rebuilt, 1);
			assert_int_equal(rep.was_corrupt, 1);
		}
		/* a flip in the big sections is only seen by verify; the CLI then
		   says "corrupt" and the next sync must rebuild: check that path */
		if (lidx_index_verify(ix, &err) < 0) {
			lidx_index_close(ix);
			fail_msg("sync left a corrupt index in place (case %d)", i);
		}
		for (int k = 0; k < N_QUERIES; k++) {
			answer a;
			assert_int_equal(ask(ix, queries[k], &a), 0);
			assert_int_equal(a.n, base[k].n);
			assert_memory_equal(a.ids, base[k].ids, sizeof a.ids);
		}
		lidx_index_close(ix);
	}
	free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corrupt_undamaged),
		cmocka_unit_test(test_corrupt_truncate_sections),
		cmocka_unit_test(test_corrupt_truncate_random),
		cmocka_unit_test(test_corrupt_flip_bytes),
		cmocka_unit_test(test_corrupt_garbage_with_magic),
		cmocka_unit_test(test_corrupt_sync_rebuilds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
