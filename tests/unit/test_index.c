/*
 * test_index.c -- the postings codec and the index file: varint and
 * postings round trips against the grammar of format.h, a builder -> file
 * -> reader round trip (stats, lexicon, cursors, seeks across blocks,
 * positions, stored stories, files, prefix lookup), corruption (flipped
 * bytes, truncation, another version) and the atomic write.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#include <cmocka.h>
#include "dedup.h"
#include "libindex.h"
#include "index.h"
#include "merge.h"

#define N_STORIES 300
#define N_FILE0 200

static char tmpdir[64];
static char ixpath[128];

/* ---- helpers ----------------------------------------------------------------------- */

static int first_term(void *ctx, const lidx_token *t)
{
	char *o = ctx;
	if (!o[0] && t->term_len < 63)
		memcpy(o, t->term, t->term_len + 1);
	return 0;
}

/* The term the analyzer makes of one word (stemmed). */
static const char *term_of(const char *word)
{
	static char out[64];
	out[0] = 0;
	lidx_analyzer *a;
	assert_int_equal(lidx_analyzer_new(&a), 0);
	assert_int_equal(lidx_analyze(a, word, strlen(word), 0, 0, first_term, out, NULL), 0);
	lidx_analyzer_free(a);
	assert_true(out[0] != 0);
	return out;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void spit(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
}

/* story i: which words, in which order (see build_main) */
static int has_redis(uint32_t i) { return i % 2 == 0; }
static uint32_t n_extra(uint32_t i) { return i % 3; }
static uint32_t kafka_title(uint32_t i) { return i % 5 == 0; }

static void story_text(uint32_t i, char *buf, size_t cap)
{
	/* "the" is a stop word: it takes position 1 */
	size_t n = (size_t)snprintf(buf, cap, "kafka the %sw%u", has_redis(i) ? "redis " : "", i);
	for (uint32_t k = 0; k < n_extra(i); k++)
		n += (size_t)snprintf(buf + n, cap - n, " kafka");
	snprintf(buf + n, cap - n, "\n================================================\n");
}

static void story_title(uint32_t i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%sStory %u", kafka_title(i) ? "Kafka " : "", i);
}

static uint32_t story_line(uint32_t i)
{
	return (i < N_FILE0 ? i : i - N_FILE0) * 10 + 1;
}

/*
 * 300 stories in two files with a skipped file between them:
 *   title  "Kafka Story <i>" (i % 5 == 0) or "Story <i>"
 *   crumb  "Section A" in the first file, "" in the second
 *   text   "kafka the [redis ]w<i>" + " kafka" * (i % 3), and a rule line
 * kafka is in every story (3 postings blocks), redis in 150 (2 blocks),
 * w<i> and <i> in one each (600 terms: many lexicon blocks).
 */
static void build_main(const char *path)
{
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_set_root(b, "/home/me/notes"), 0);
	assert_int_equal(lidx_builder_add_file(b, "a/notes.md", 1234, 5678, 0), 0);
	for (uint32_t i = 0; i < N_STORIES; i++) {
		if (i == N_FILE0) {
			assert_int_equal(lidx_builder_add_file(b, "b/scan.pdf", 99, 1, 1), 0);
			assert_int_equal(lidx_builder_add_file(b, "b/log.txt", 4321, 8765, 0), 0);
		}
		char text[256], title[64];
		story_text(i, text, sizeof text);
		story_title(i, title, sizeof title);
		assert_int_equal(lidx_builder_add_story(b, title, i < N_FILE0 ? "Section A" : "",
		                                        story_line(i), story_line(i) + 4, text,
		                                        strlen(text)),
		                 0);
	}
	lidx_err err = { 0 };
	if (lidx_builder_write(b, path, &err) != 0)
		fail_msg("write: %s", err.msg);
	lidx_builder_free(b);
}

static lidx_index *open_ok(const char *path)
{
	lidx_index *ix;
	lidx_err err = { 0 };
	int rc = lidx_index_open(&ix, path, 0, &err);
	if (rc != 0)
		fail_msg("open %s: %d %s", path, rc, err.msg);
	return ix;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_index.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(ixpath, sizeof ixpath, "%s/main.cvx", tmpdir);
	build_main(ixpath);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
	return 0;
}

/* ---- varints and the postings grammar --------------------------------------------- */

static void test_index_varint_roundtrip(void **state)
{
	(void)state;
	static const uint64_t vals[] = { 0, 1, 127, 128, 255, 300, 16383, 16384, UINT32_MAX,
	                                 (uint64_t)UINT32_MAX + 1, UINT64_MAX / 2, UINT64_MAX };
	static const size_t sizes[] = { 1, 1, 1, 2, 2, 2, 2, 3, 5, 5, 9, 10 };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		lidx_buf b = { 0 };
		assert_int_equal(lidx_buf_varint(&b, vals[i]), 0);
		assert_int_equal(b.len, sizes[i]);
		const uint8_t *p = b.p;
		uint64_t v;
		assert_int_equal(lidx_get_varint(&p, b.p + b.len, &v), 0);
		assert_true(v == vals[i]);
		assert_ptr_equal(p, b.p + b.len);
		/* one byte short: an error, not a read past the end */
		p = b.p;
		assert_true(lidx_get_varint(&p, b.p + b.len - 1, &v) < 0);
		uint32_t v32;
		p = b.p;
		assert_int_equal(lidx_get_varint32(&p, b.p + b.len, &v32) < 0, vals[i] > UINT32_MAX);
		lidx_buf_free(&b);
	}
	/* 11 continuation bytes: too long */
	uint8_t bad[12];
	memset(bad, 0x80, sizeof bad);
	const uint8_t *p = bad;
	uint64_t v;
	assert_true(lidx_get_varint(&p, bad + sizeof bad, &v) < 0);
}

/* Encode docs per format.h's postings grammar (independently of the builder);
   the block bounds from the writer's function, for made-up field lengths. */
#define TEST_TL(doc) (1 + (doc) % 7)
#define TEST_BL(doc) (3 + ((doc) * 2654435761u >> 7) % 300)
typedef struct pdoc {
	uint32_t doc, tft, tfb;
	uint32_t pos[4];
} pdoc;

static void encode_postings(const pdoc *d, size_t n, lidx_buf *out)
{
	uint32_t prev_last = 0;
	for (size_t i = 0; i < n; i += LIDX_POST_BLOCK) {
		size_t m = n - i < LIDX_POST_BLOCK ? n - i : LIDX_POST_BLOCK;
		lidx_buf docs = { 0 }, pos = { 0 };
		uint32_t prev = prev_last;
		for (size_t k = i; k < i + m; k++) {
			assert_int_equal(lidx_buf_varint(&docs, d[k].doc - prev), 0);
			assert_int_equal(lidx_buf_varint(&docs, d[k].tft), 0);
			assert_int_equal(lidx_buf_varint(&docs, d[k].tfb), 0);
			prev = d[k].doc;
			uint32_t pp = 0;
			for (uint32_t j = 0; j < d[k].tfb; j++) {
				assert_int_equal(lidx_buf_varint(&pos, d[k].pos[j] - pp), 0);
				pp = d[k].pos[j];
			}
		}
		uint32_t last = d[i + m - 1].doc;
		uint32_t tft[LIDX_POST_BLOCK], tfb[LIDX_POST_BLOCK], tl[LIDX_POST_BLOCK], bl[LIDX_POST_BLOCK];
		for (size_t k = 0; k < m; k++) {
			tft[k] = d[i + k].tft;
			tfb[k] = d[i + k].tfb;
			tl[k] = TEST_TL(d[i + k].doc);
			bl[k] = TEST_BL(d[i + k].doc);
		}
		assert_int_equal(lidx_buf_varint(out, m), 0);
		assert_int_equal(lidx_buf_varint(out, last - prev_last), 0);
		assert_int_equal(lidx_buf_varint(out, docs.len), 0);
		assert_int_equal(lidx_buf_varint(out, pos.len), 0);
		assert_int_equal(lidx__post_bound_put(out, tft, tfb, tl, bl, (uint32_t)m), 0);
		assert_int_equal(lidx_buf_put(out, docs.p, docs.len), 0);
		assert_int_equal(lidx_buf_put(out, pos.p, pos.len), 0);
		lidx_buf_free(&docs);
		lidx_buf_free(&pos);
		prev_last = last;
	}
}

/*
 * The block bound as first written (an insertion sort of the points), kept
 * here as the reference: lidx__post_bound_put must give the same bytes.
 */
static void ref_bound_put(lidx_buf *out, const uint32_t *tft, const uint32_t *tfb, const uint32_t *tl,
                          const uint32_t *bl, uint32_t n)
{
	uint32_t pt[LIDX_POST_BLOCK], pl[LIDX_POST_BLOCK], np = 0, mt = 0, ml = UINT32_MAX;
	for (uint32_t k = 0; k < n; k++) {
		if (tft[k] > mt)
			mt = tft[k];
		if (tft[k] && tl[k] < ml)
			ml = tl[k];
		if (!tfb[k])
			continue;
		uint32_t j = np++;
		while (j && (pl[j - 1] > bl[k] || (pl[j - 1] == bl[k] && pt[j - 1] < tfb[k]))) {
			pt[j] = pt[j - 1];
			pl[j] = pl[j - 1];
			j--;
		}
		pt[j] = tfb[k];
		pl[j] = bl[k];
	}
	uint32_t m = 0;
	for (uint32_t k = 0; k < np; k++)
		if (!m || pt[k] > pt[m - 1]) {
			pt[m] = pt[k];
			pl[m] = pl[k];
			m++;
		}
	while (m > LIDX_BOUND_PTS) {
		uint32_t best = 0;
		for (uint32_t k = 1; k + 1 < m; k++)
			if ((uint64_t)(pl[k + 1] + 1) * (pl[best] + 1) < (uint64_t)(pl[best + 1] + 1) * (pl[k] + 1))
				best = k;
		pt[best] = pt[best + 1];
		for (uint32_t k = best + 1; k + 1 < m; k++) {
			pt[k] = pt[k + 1];
			pl[k] = pl[k + 1];
		}
		m--;
	}
	lidx_buf tmp = { 0 };
	assert_int_equal(lidx_buf_varint(&tmp, m), 0);
	for (uint32_t k = 0; k < m; k++) {
		assert_int_equal(lidx_buf_varint(&tmp, pt[k]), 0);
		assert_int_equal(lidx_buf_varint(&tmp, pl[k]), 0);
	}
	assert_int_equal(lidx_buf_varint(&tmp, mt), 0);
	if (mt)
		assert_int_equal(lidx_buf_varint(&tmp, ml), 0);
	assert_int_equal(lidx_buf_varint(out, tmp.len), 0);
	assert_int_equal(lidx_buf_put(out, tmp.p, tmp.len), 0);
	lidx_buf_free(&tmp);
}

/* Block bounds of random blocks (every size up to a full block; few
   distinct values, so ties of length and tf are common) as the reference. */
static void test_index_bound_sorted(void **state)
{
	(void)state;
	uint32_t tft[LIDX_POST_BLOCK], tfb[LIDX_POST_BLOCK], tl[LIDX_POST_BLOCK], bl[LIDX_POST_BLOCK];
	uint64_t seed = 42;
	for (int round = 0; round < 4000; round++) {
		uint32_t n = (uint32_t)(round % LIDX_POST_BLOCK) + 1;
		uint32_t spread = round % 3 == 0 ? 4 : round % 3 == 1 ? 40 : 100000;
		for (uint32_t k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint32_t r = (uint32_t)(seed >> 33);
			tft[k] = r % 3 ? 0 : r % 5;
			tfb[k] = (r >> 3) % 7 ? (r >> 6) % spread + 1 : 0;
			tl[k] = (r >> 9) % 9;
			bl[k] = (r >> 12) % spread * 13 + (round & 1 ? 0 : 0x7fffffu);
		}
		lidx_buf got = { 0 }, want = { 0 };
		assert_int_equal(lidx__post_bound_put(&got, tft, tfb, tl, bl, n), 0);
		ref_bound_put(&want, tft, tfb, tl, bl, n);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.p, want.p, want.len);
		lidx_buf_free(&got);
		lidx_buf_free(&want);
	}
}

/* An index handle that only carries what a cursor needs. */
typedef struct fake {
	lidx_index ix;
	uint8_t checked[8];
} fake;

static int open_raw(fake *f, const uint8_t *p, size_t len, uint32_t df, lidx_cursor *c)
{
	memset(f, 0, sizeof *f);
	f->ix.post_checked = f->checked;
	lidx_term t = { .df = df, .post = p, .post_len = len, .post_crc = (uint32_t)crc32_z(0, p, len) };
	return lidx__cursor_open(&f->ix, &t, c);
}

/* The block's bound covers doc d: some point has at least its tf_body at
   most its body length; the title part at least its tf_title, at most its title length. */
static void check_bound(lidx_cursor *c, const pdoc *d)
{
	lidx_bound b;
	assert_int_equal(lidx__cursor_bound(c, &b), 0);
	assert_true(b.known);
	assert_true(b.n >= 1 || d->tfb == 0);
	assert_true(b.n <= LIDX_BOUND_PTS);
	int covered = d->tfb == 0;
	for (uint32_t k = 0; k < b.n; k++) {
		covered |= b.tfb[k] >= d->tfb && b.bl[k] <= TEST_BL(d->doc);
		if (k) /* the front: longer bodies only with more tf */
			assert_true(b.bl[k] > b.bl[k - 1] && b.tfb[k] > b.tfb[k - 1]);
	}
	if (!covered)
		fail_msg("doc %u (tf_body %u, length %u) is not under the block's bound", d->doc, d->tfb,
		         TEST_BL(d->doc));
	assert_true(lidx__bound_covers(&b, d->tft, d->tfb, TEST_TL(d->doc), TEST_BL(d->doc)));
	assert_true(b.tft >= d->tft);
	if (d->tft)
		assert_true(b.tl <= TEST_TL(d->doc));
}

static void test_index_postings_codec_roundtrip(void **state)
{
	(void)state;
	/* doc 0 first, big gaps, many blocks, a doc with title-only hits */
	static const size_t counts[] = { 1, 2, 127, 128, 129, 300, 1000 };
	for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
		size_t n = counts[ci];
		pdoc *d = calloc(n, sizeof *d);
		assert_non_null(d);
		uint32_t doc = 0, x = 7;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			d[i].doc = doc;
			d[i].tft = (x >> 8) % 3;
			d[i].tfb = d[i].tft ? (x >> 12) % 5 : 1 + (x >> 12) % 4;
			uint32_t p = (x >> 16) % 7;
			for (uint32_t j = 0; j < d[i].tfb; j++, p += 1 + j * 3)
				d[i].pos[j] = p;
			doc += 1 + (x >> 20) % (i % 50 == 49 ? 100000 : 5);
		}
		lidx_buf b = { 0 };
		encode_postings(d, n, &b);
		fake f;
		lidx_cursor c;
		/* walk every doc, decoding the positions of every other one */
		assert_int_equal(open_raw(&f, b.p, b.len, (uint32_t)n, &c), 0);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(c.doc, d[i].doc);
			assert_int_equal(c.tf_title, d[i].tft);
			assert_int_equal(c.tf_body, d[i].tfb);
			check_bound(&c, &d[i]);
			if (i % 2 == 0) {
				uint32_t pos[4] = { 0 };
				assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
				assert_memory_equal(pos, d[i].pos, d[i].tfb * sizeof *pos);
			}
			assert_int_equal(lidx__cursor_next(&c), 0);
		}
		assert_int_equal(c.doc, UINT32_MAX);
		assert_int_equal(lidx__cursor_next(&c), 0);
		assert_int_equal(c.doc, UINT32_MAX);
		/* seeks: to each doc, to one past it, with positions after a jump */
		for (size_t i = 0; i < n; i += 1 + i / 3) {
			assert_int_equal(open_raw(&f, b.p, b.len, (uint32_t)n, &c), 0);
			assert_int_equal(lidx__cursor_seek(&c, d[i].doc), 0);
			assert_int_equal(c.doc, d[i].doc);
			uint32_t pos[4] = { 0 };
			assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
			assert_memory_equal(pos, d[i].pos, d[i].tfb * sizeof *pos);
			assert_int_equal(lidx__cursor_seek(&c, d[i].doc + 1), 0);
			assert_int_equal(c.doc, i + 1 < n ? d[i + 1].doc : UINT32_MAX);
			if (i + 1 < n) {
				assert_int_equal(c.tf_body, d[i + 1].tfb);
				assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
				assert_memory_equal(pos, d[i + 1].pos, d[i + 1].tfb * sizeof *pos);
			}
			/* a seek backwards stays put */
			uint32_t here = c.doc;
			assert_int_equal(lidx__cursor_seek(&c, 0), 0);
			assert_int_equal(c.doc, here);
		}
		/* shallow moves: the block that could hold the target, by headers; the
		   doc stays; its bound covers the target; the seek that follows finds it */
		for (size_t step = 1; step < 200; step *= 3) {
			assert_int_equal(open_raw(&f, b.p, b.len, (uint32_t)n, &c), 0);
			for (size_t i = 0; i < n; i += step) {
				uint32_t before = c.doc;
				assert_int_equal(lidx__cursor_shallow(&c, d[i].doc), 0);
				assert_true(c.block_last >= d[i].doc);
				assert_true(c.prev_last < d[i].doc || (c.blk_first && d[i].doc == 0) ||
				            (c.decoded && c.docs[0] <= d[i].doc));
				if (!c.decoded)
					assert_int_equal(c.doc, before);
				check_bound(&c, &d[i]);
				assert_int_equal(lidx__cursor_seek(&c, d[i].doc), 0);
				assert_int_equal(c.doc, d[i].doc);
				assert_int_equal(c.tf_body, d[i].tfb);
				if (i % 2) { /* positions after a shallow move */
					uint32_t pos[4] = { 0 };
					assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
					assert_memory_equal(pos, d[i].pos, d[i].tfb * sizeof *pos);
				}
			}
			/* past the last doc: exhausted */
			assert_int_equal(lidx__cursor_shallow(&c, d[n - 1].doc + 1), 0);
			assert_int_equal(c.doc, UINT32_MAX);
		}
		lidx_buf_free(&b);
		free(d);
	}
}

/* Malformed postings are LIDX_ECORRUPT, never a crash or a wrong doc. */
static void test_index_postings_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint8_t bytes[20];
		size_t len;
	} cases[] = {
		{ "zero docs in a block", { 0, 0, 0, 0, 0 }, 5 },
		{ "129 docs in a block", { 0x81, 0x01, 5, 3, 0, 0 }, 6 },
		{ "doc bytes past the end", { 1, 5, 9, 0, 0, 5, 0, 1 }, 8 },
		{ "bound bytes past the end", { 1, 5, 3, 1, 9, 5, 0, 1, 0 }, 9 },
		{ "gap past the block's last doc", { 1, 5, 3, 1, 0, 6, 0, 1, 0 }, 9 },
		{ "tf_title and tf_body both 0", { 1, 5, 3, 0, 0, 5, 0, 0 }, 8 },
		{ "last doc differs from the header", { 1, 5, 3, 1, 0, 4, 0, 1, 0 }, 9 },
		{ "doc bytes left over", { 1, 5, 4, 1, 0, 5, 0, 1, 0, 0 }, 10 },
		{ "a gap of 0 after the first doc", { 2, 5, 6, 2, 0, 5, 0, 1, 0, 0, 1, 0, 0 }, 13 },
		{ "a block that does not advance", { 1, 5, 3, 1, 0, 5, 0, 1, 0, 1, 0, 3, 1, 0, 0, 0, 1, 0 }, 18 },
		{ "truncated varint", { 0x81 }, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		fake f;
		lidx_cursor c;
		int rc = open_raw(&f, cases[i].bytes, cases[i].len, 1, &c);
		/* walk to the end, asking for positions on the way */
		for (int k = 0; rc == 0 && c.doc != UINT32_MAX && k < 10; k++) {
			uint32_t pos[8];
			rc = lidx__cursor_positions(&c, pos, 8);
			if (rc == 0)
				rc = lidx__cursor_next(&c);
		}
		if (rc != LIDX_ECORRUPT)
			fail_msg("case \"%s\": rc %d, doc %u", cases[i].name, rc, c.doc);
		assert_int_equal(c.doc, UINT32_MAX);
	}
	/* a malformed block bound is LIDX_ECORRUPT when read (the docs decode) */
	static const struct {
		const char *name;
		uint8_t bytes[16];
		size_t len;
	} bounds[] = {
		{ "5 points", { 1, 5, 3, 1, 3, 5, 1, 1, 5, 0, 1, 0 }, 12 },
		{ "a point with tf 0", { 1, 5, 3, 1, 4, 1, 0, 7, 0, 5, 0, 1, 0 }, 13 },
		{ "bytes left over", { 1, 5, 3, 1, 5, 1, 1, 7, 0, 9, 5, 0, 1, 0 }, 14 },
		{ "cut short", { 1, 5, 3, 1, 3, 1, 1, 7, 5, 0, 1, 0 }, 12 },
	};
	for (size_t i = 0; i < sizeof bounds / sizeof *bounds; i++) {
		fake f;
		lidx_cursor c;
		lidx_bound bd;
		assert_int_equal(open_raw(&f, bounds[i].bytes, bounds[i].len, 1, &c), 0);
		assert_int_equal(c.doc, 5);
		if (lidx__cursor_bound(&c, &bd) != LIDX_ECORRUPT)
			fail_msg("bound \"%s\" read without an error", bounds[i].name);
		assert_int_equal(c.doc, UINT32_MAX);
	}
	{ /* and a good one, for contrast: (tf 1, length 7), no title */
		fake f;
		lidx_cursor c;
		lidx_bound bd;
		static const uint8_t good[] = { 1, 5, 3, 1, 4, 1, 1, 7, 0, 5, 0, 1, 0 };
		assert_int_equal(open_raw(&f, good, sizeof good, 1, &c), 0);
		assert_int_equal(lidx__cursor_bound(&c, &bd), 0);
		assert_true(bd.known && bd.n == 1 && bd.tfb[0] == 1 && bd.bl[0] == 7 && bd.tft == 0);
	}
	/* what a bound covers (lidx_index_verify checks every doc against its block's) */
	lidx_bound bd = { 1, 2, { 2, 5 }, { 10, 40 }, 3, 4 };
	static const struct { uint32_t tft, tfb, tl, bl; int in; } cov[] = {
		{ 0, 2, 9, 10, 1 }, { 0, 3, 9, 10, 0 }, { 0, 3, 9, 40, 1 }, { 0, 5, 9, 39, 0 },
		{ 0, 6, 9, 100, 0 }, { 3, 1, 4, 50, 1 }, { 4, 1, 4, 50, 0 }, { 2, 1, 3, 50, 0 },
		{ 1, 0, 4, 0, 1 },
	};
	for (size_t i = 0; i < sizeof cov / sizeof *cov; i++)
		if (lidx__bound_covers(&bd, cov[i].tft, cov[i].tfb, cov[i].tl, cov[i].bl) != cov[i].in)
			fail_msg("bound covers case %zu: want %d", i, cov[i].in);
	bd.known = 0;
	assert_true(lidx__bound_covers(&bd, 99, 99, 0, 0));
	/* a wrong checksum is caught before decoding */
	fake f;
	lidx_cursor c;
	uint8_t ok[] = { 1, 5, 3, 1, 0, 5, 0, 1, 0 };
	memset(&f, 0, sizeof f);
	f.ix.post_checked = f.checked;
	lidx_term t = { .df = 1, .post = ok, .post_len = sizeof ok,
	                .post_crc = (uint32_t)crc32_z(0, ok, sizeof ok) ^ 1 };
	assert_int_equal(lidx__cursor_open(&f.ix, &t, &c), LIDX_ECORRUPT);
	t.post_crc ^= 1;
	assert_int_equal(lidx__cursor_open(&f.ix, &t, &c), 0);
	assert_int_equal(c.doc, 5);
}

/* ---- builder -> file -> reader ------------------------------------------------------- */

static void test_index_stats(void **state)
{
	(void)state;
	lidx_index *ix = open_ok(ixpath);
	lidx_stats st;
	assert_int_equal(lidx_index_stats(ix, &st), 0);
	assert_int_equal(st.n_stories, N_STORIES);
	assert_int_equal(st.n_files, 2);
	assert_int_equal(st.n_skipped, 1);
	/* kafka, redis, stori, section, w0..w299, 0..299 */
	assert_int_equal(st.n_terms, 4 + 2 * N_STORIES);
	/* 300 kafka + 150 redis + 300 stori + 200 section + 300 w<i> + 300 <i> */
	assert_int_equal(st.n_postings, 1550);
	/* body words: kafka 300 + 300 extra, redis 150, w<i> 300 */
	assert_int_equal(st.n_positions, 1050);
	/* title: "Story <i>" 2, "Kafka " +1 (60 stories), "Section A" +1 (200) */
	assert_float_equal(st.avg_title_len, 860.0 / 300.0, 1e-12);
	assert_float_equal(st.avg_body_len, 1050.0 / 300.0, 1e-12);
	assert_true(st.index_bytes > st.postings_bytes + st.store_bytes);
	assert_true(st.built_at > 1600000000);
	assert_string_equal(lidx_index_root(ix), "/home/me/notes");
	assert_int_equal(lidx_index_story_count(ix), N_STORIES);

	static const struct { const char *path; uint64_t size; int64_t mtime; int skipped; uint32_t first, n; }
	files[] = {
		{ "a/notes.md", 1234, 5678, 0, 0, N_FILE0 },
		{ "b/scan.pdf", 99, 1, 1, N_FILE0, 0 },
		{ "b/log.txt", 4321, 8765, 0, N_FILE0, N_STORIES - N_FILE0 },
	};
	assert_int_equal(lidx_index_file_count(ix), 3);
	for (uint32_t i = 0; i < 3; i++) {
		lidx_file_info fi;
		assert_int_equal(lidx_index_file(ix, i, &fi), 0);
		assert_string_equal(fi.path, files[i].path);
		assert_int_equal(fi.size, files[i].size);
		assert_int_equal(fi.mtime_ns, files[i].mtime);
		assert_int_equal(fi.skipped, files[i].skipped);
		assert_int_equal(fi.first_story, files[i].first);
		assert_int_equal(fi.n_stories, files[i].n);
	}
	lidx_file_info fi;
	assert_int_equal(lidx_index_file(ix, 3, &fi), LIDX_EINVAL);
	lidx_err err = { 0 };
	assert_int_equal(lidx_index_verify(ix, &err), 0);
	lidx_index_close(ix);
	lidx_index_close(NULL);
}

static void test_index_lexicon(void **state)
{
	(void)state;
	lidx_index *ix = open_ok(ixpath);
	lidx_term t;
	struct { const char *word; uint32_t df; } cases[] = {
		{ "kafka", N_STORIES }, { "redis", N_STORIES / 2 }, { "story", N_STORIES },
		{ "section", N_FILE0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *term = term_of(cases[i].word);
		assert_int_equal(lidx__term_find(ix, term, strlen(term), &t), 0);
		assert_int_equal(t.df, cases[i].df);
	}
	uint64_t prev_ord = 0;
	for (uint32_t i = 0; i < N_STORIES; i++) {
		char w[16];
		snprintf(w, sizeof w, "w%u", i);
		assert_int_equal(lidx__term_find(ix, w, strlen(w), &t), 0);
		assert_int_equal(t.df, 1);
		lidx_cursor c;
		assert_int_equal(lidx__cursor_open(ix, &t, &c), 0);
		assert_int_equal(c.doc, i);
		assert_int_equal(c.tf_title, 0);
		assert_int_equal(c.tf_body, 1);
		uint32_t pos;
		assert_int_equal(lidx__cursor_positions(&c, &pos, 1), 0);
		assert_int_equal(pos, has_redis(i) ? 3 : 2);
		assert_int_equal(lidx__cursor_next(&c), 0);
		assert_int_equal(c.doc, UINT32_MAX);
		snprintf(w, sizeof w, "%u", i);
		assert_int_equal(lidx__term_find(ix, w, strlen(w), &t), 0);
		assert_int_equal(t.df, 1);
		assert_true(i == 0 || t.ord != prev_ord);
		prev_ord = t.ord;
	}
	/* absent terms: before the first, between, after the last, prefixes */
	static const char *const absent[] = { "", "0a", "kafk", "kafkaa", "w3000", "w", "zzzz", "aaa" };
	for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
		assert_int_equal(lidx__term_find(ix, absent[i], strlen(absent[i]), &t), LIDX_ENOTFOUND);
	lidx_index_close(ix);
}

static void test_index_cursor_walk(void **state)
{
	(void)state;
	lidx_index *ix = open_ok(ixpath);
	lidx_term t;
	lidx_cursor c;
	const char *kafka = term_of("kafka");
	assert_int_equal(lidx__term_find(ix, kafka, strlen(kafka), &t), 0);
	assert_int_equal(lidx__cursor_open(ix, &t, &c), 0);
	for (uint32_t i = 0; i < N_STORIES; i++) {
		assert_int_equal(c.doc, i);
		assert_int_equal(c.tf_title, kafka_title(i));
		assert_int_equal(c.tf_body, 1 + n_extra(i));
		uint32_t pos[4] = { 0 }, w = has_redis(i) ? 3 : 2;
		assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
		assert_int_equal(pos[0], 0);
		for (uint32_t k = 0; k < n_extra(i); k++)
			assert_int_equal(pos[1 + k], w + 1 + k);
		assert_int_equal(lidx__cursor_next(&c), 0);
	}
	assert_int_equal(c.doc, UINT32_MAX);

	const char *redis = term_of("redis");
	assert_int_equal(lidx__term_find(ix, redis, strlen(redis), &t), 0);
	assert_int_equal(lidx__cursor_open(ix, &t, &c), 0);
	for (uint32_t i = 0; i < N_STORIES; i += 2) {
		assert_int_equal(c.doc, i);
		assert_int_equal(c.tf_title, 0);
		assert_int_equal(c.tf_body, 1);
		assert_int_equal(lidx__cursor_next(&c), 0); /* positions left unread */
	}
	assert_int_equal(c.doc, UINT32_MAX);
	lidx_index_close(ix);
}

/*
 * A cursor over segments (as segset.c opens it): two chained lists, the
 * first with deleted stories, the second offset by its base. A block whose
 * docs are all deleted is stepped over; ids are global, block_last and
 * prev_last too; a deleted doc's positions are passed; a shallow move
 * crosses into the next segment; a block past its segment's stories is
 * corrupt.
 */
static void test_index_cursor_segments(void **state)
{
	(void)state;
	/* block A: docs 0, 1 (tf_body 1: positions 3, 5); block B: docs 2 (7), 4 (1, 2) */
	static const uint8_t list[] = {
		2, 1, 6, 2, 0, 0, 0, 1, 1, 0, 1, 3, 2,
		2, 3, 6, 3, 0, 1, 0, 1, 2, 0, 2, 7, 1, 1,
	};
	uint8_t dead[1] = { 0x07 }; /* stories 0, 1, 2 of segment 0 */
	static lidx_cursor c;
	uint32_t pos[4];
	for (int n_ids = 5; n_ids >= 4; n_ids--) {
		memset(&c, 0, offsetof(lidx_cursor, docs));
		c.parts[0].p = list, c.parts[0].end = list + sizeof list, c.parts[0].dead = dead;
		c.parts[0].base = 0, c.parts[0].n_ids = 5;
		c.parts[1].p = list, c.parts[1].end = list + sizeof list, c.parts[1].dead = NULL;
		c.parts[1].base = 10, c.parts[1].n_ids = (uint32_t)n_ids;
		c.n_parts = 2;
		c.p = c.parts[0].p, c.end = c.parts[0].end, c.dead = dead, c.base = 0, c.n_ids = 5;
		c.doc = 0;
		assert_int_equal(lidx__cursor_seek(&c, 0), 0);
		/* block A kept nothing: the cursor is on doc 4 of block B */
		assert_int_equal(c.doc, 4);
		assert_int_equal(c.n_in_block, 1);
		assert_int_equal(c.block_last, 4);
		assert_int_equal(c.prev_last, 1);
		assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
		assert_int_equal(pos[0], 1);
		assert_int_equal(pos[1], 2);
		/* a shallow move into the next segment: global ids */
		assert_int_equal(lidx__cursor_shallow(&c, 11), 0); /* (segment 1's block B not read yet) */
		assert_int_equal(c.blk_first, 1);
		assert_int_equal(c.prev_last, 10);
		assert_int_equal(c.block_last, 11);
		assert_int_equal(c.doc, 4); /* unchanged until a seek */
		assert_int_equal(lidx__cursor_seek(&c, 11), 0);
		assert_int_equal(c.doc, 11);
		if (n_ids == 5) {
			assert_int_equal(lidx__cursor_next(&c), 0);
			assert_int_equal(c.doc, 12);
			assert_int_equal(c.block_last, 14);
			assert_int_equal(lidx__cursor_seek(&c, 13), 0);
			assert_int_equal(c.doc, 14);
			assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
			assert_int_equal(pos[1], 2);
			assert_int_equal(lidx__cursor_next(&c), 0);
			assert_int_equal(c.doc, UINT32_MAX);
		} else {
			/* block B of segment 1 ends at its story 4, past its 4 stories */
			assert_int_equal(lidx__cursor_seek(&c, 12), LIDX_ECORRUPT);
		}
	}
}

static void test_index_cursor_seek(void **state)
{
	(void)state;
	lidx_index *ix = open_ok(ixpath);
	/* kafka: blocks [0,127] [128,255] [256,299]; redis: [0,254] [256,298] */
	static const struct {
		const char *word;
		uint32_t targets[6];
		uint32_t want[6];
	} cases[] = {
		{ "kafka", { 5, 5, 250, 256, 299, 300 }, { 5, 5, 250, 256, 299, UINT32_MAX } },
		{ "kafka", { 270, 271, 272, 400, 0, 0 }, { 270, 271, 272, UINT32_MAX, UINT32_MAX, UINT32_MAX } },
		{ "kafka", { 128, 127, 129, 255, 256, 257 }, { 128, 128, 129, 255, 256, 257 } },
		{ "redis", { 1, 129, 255, 256, 297, 299 }, { 2, 130, 256, 256, 298, UINT32_MAX } },
		{ "redis", { 254, 255, 298, 0, 0, 0 }, { 254, 256, 298, 298, 298, 298 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *term = term_of(cases[i].word);
		lidx_term t;
		lidx_cursor c;
		assert_int_equal(lidx__term_find(ix, term, strlen(term), &t), 0);
		assert_int_equal(lidx__cursor_open(ix, &t, &c), 0);
		uint32_t read_doc = UINT32_MAX; /* positions can be read once per doc */
		for (int k = 0; k < 6; k++) {
			assert_int_equal(lidx__cursor_seek(&c, cases[i].targets[k]), 0);
			if (c.doc != cases[i].want[k])
				fail_msg("%s seek %u: doc %u, want %u", cases[i].word, cases[i].targets[k], c.doc,
				         cases[i].want[k]);
			if (c.doc == UINT32_MAX)
				continue;
			/* the fields and positions belong to the doc landed on */
			uint32_t d = c.doc;
			if (!strcmp(cases[i].word, "kafka")) {
				assert_int_equal(c.tf_title, kafka_title(d));
				assert_int_equal(c.tf_body, 1 + n_extra(d));
				if (k % 2 == 0 && d != read_doc) {
					read_doc = d;
					uint32_t pos[4];
					assert_int_equal(lidx__cursor_positions(&c, pos, 4), 0);
					assert_int_equal(pos[0], 0);
					if (n_extra(d))
						assert_int_equal(pos[n_extra(d)], (has_redis(d) ? 3 : 2) + n_extra(d));
				}
			} else {
				uint32_t pos;
				assert_int_equal(c.tf_body, 1);
				if (k % 2 == 1 && d != read_doc) {
					read_doc = d;
					assert_int_equal(lidx__cursor_positions(&c, &pos, 1), 0);
					assert_int_equal(pos, 2);
				}
			}
		}
	}
	lidx_index_close(ix);
}

struct acc {
	char last[64];
	size_t n;
	const char *pfx;
};

/* prefix callback: terms start with the prefix, come in byte order, resolve */
static int cb(void *ctx, const char *term, size_t len, const lidx_term *t)
{
	struct acc *a = ctx;
	assert_int_equal(strlen(term), len);
	assert_int_equal(strncmp(term, a->pfx, strlen(a->pfx)), 0);
	assert_true(a->n == 0 || strcmp(a->last, term) < 0);
	assert_true(t->df >= 1);
	snprintf(a->last, sizeof a->last, "%s", term);
	a->n++;
	return 0;
}

static void test_index_prefix(void **state)
{
	(void)state;
	lidx_index *ix = open_ok(ixpath);
	static const struct { const char *prefix; size_t max, want; } cases[] = {
		{ "w1", 1000, 111 },  /* w1, w10..w19, w100..w199 */
		{ "w29", 1000, 11 },  /* w29, w290..w299 */
		{ "w1", 5, 5 },
		{ "kafka", 10, 1 },
		{ "zz", 10, 0 },
		{ "w300", 10, 0 },
		{ "0", 10, 1 },
		{ "w", 1000, 300 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct acc acc = { "", 0, cases[i].prefix };
		assert_int_equal(lidx__term_prefix(ix, cases[i].prefix, strlen(cases[i].prefix),
		                                   cases[i].max, cb, &acc), 0);
		if (acc.n != cases[i].want)
			fail_msg("prefix %s: %zu terms, want %zu", cases[i].prefix, acc.n, cases[i].want);
	}
	lidx_index_close(ix);
}

static void test_index_stories(void **state)
{
	(void)state;
	lidx_index *ix = open_ok(ixpath);
	/* out of order, so that store blocks are reloaded */
	static const uint32_t ids[] = { 0, 299, 1, 150, 200, 199, 42, 298, 0 };
	for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
		uint32_t i = ids[k];
		lidx_story s;
		lidx_err err = { 0 };
		assert_int_equal(lidx_index_story(ix, i, &s, &err), 0);
		char text[256], title[64];
		story_text(i, text, sizeof text);
		story_title(i, title, sizeof title);
		assert_int_equal(s.id, i);
		assert_int_equal(s.file_id, i < N_FILE0 ? 0 : 2);
		assert_string_equal(s.path, i < N_FILE0 ? "a/notes.md" : "b/log.txt");
		assert_string_equal(s.title, title);
		assert_string_equal(s.breadcrumb, i < N_FILE0 ? "Section A" : "");
		assert_int_equal(s.text_len, strlen(text));
		assert_memory_equal(s.text, text, s.text_len);
		assert_int_equal(s.line_start, story_line(i));
		assert_int_equal(s.line_end, story_line(i) + 4);
		lidx_story_clear(&s);
	}
	lidx_story s;
	lidx_err err = { 0 };
	assert_int_equal(lidx_index_story(ix, N_STORIES, &s, &err), LIDX_ENOTFOUND);
	assert_true(err.msg[0] != 0);
	lidx_story_clear(NULL);

	static const struct { const char *path; uint32_t line; int rc; uint32_t id; } finds[] = {
		{ "a/notes.md", 11, 0, 1 },
		{ "a/notes.md", 15, 0, 1 },
		{ "a/notes.md", 16, LIDX_ENOTFOUND, 0 }, /* between stories */
		{ "notes.md", 1991, 0, 199 },            /* a suffix at a '/' */
		{ "otes.md", 11, LIDX_ENOTFOUND, 0 },    /* not at a '/' */
		{ "b/log.txt", 1, 0, 200 },
		{ "log.txt", 995, 0, 299 },
		{ "b/log.txt", 0, 0, 200 },              /* line 0: the first story */
		{ "b/scan.pdf", 1, LIDX_ENOTFOUND, 0 },
		{ "c/none.md", 1, LIDX_ENOTFOUND, 0 },
	};
	for (size_t k = 0; k < sizeof finds / sizeof *finds; k++) {
		uint32_t id = UINT32_MAX;
		int rc = lidx_index_find_story(ix, finds[k].path, finds[k].line, &id);
		if (rc != finds[k].rc || (rc == 0 && id != finds[k].id))
			fail_msg("find %s:%u = %d/%u, want %d/%u", finds[k].path, finds[k].line, rc, id,
			         finds[k].rc, finds[k].id);
	}
	lidx_index_close(ix);
}

/* An empty builder writes an index that opens and finds nothing. */
static void test_index_empty(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof path, "%s/empty.cvx", tmpdir);
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	lidx_builder_free(NULL);
	lidx_index *ix = open_ok(path);
	lidx_stats st;
	assert_int_equal(lidx_index_stats(ix, &st), 0);
	assert_int_equal(st.n_stories, 0);
	assert_int_equal(st.n_terms, 0);
	lidx_term t;
	assert_int_equal(lidx__term_find(ix, "kafka", 5, &t), LIDX_ENOTFOUND);
	assert_int_equal(lidx_index_verify(ix, &err), 0);
	lidx_index_close(ix);
	unlink(path);
}

/* ---- corruption ---------------------------------------------------------------------- */

/* Read everything: verify, every story, every postings list of the test terms. */
static int read_all(const char *path, unsigned flags)
{
	lidx_index *ix;
	lidx_err err = { 0 };
	int rc = lidx_index_open(&ix, path, flags, &err);
	if (rc < 0) {
		assert_true(err.msg[0] != 0);
		assert_null(ix);
		return rc;
	}
	rc = lidx_index_verify(ix, &err);
	for (uint32_t i = 0; rc == 0 && i < lidx_index_story_count(ix); i++) {
		lidx_story s;
		rc = lidx_index_story(ix, i, &s, &err);
		if (rc == 0)
			lidx_story_clear(&s);
	}
	static const char *const words[] = { "kafka", "redi", "w7", "stori" };
	for (size_t k = 0; rc == 0 && k < 4; k++) {
		lidx_term t;
		lidx_cursor c;
		rc = lidx__term_find(ix, words[k], strlen(words[k]), &t);
		if (rc == LIDX_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = lidx__cursor_open(ix, &t, &c);
		while (rc == 0 && c.doc != UINT32_MAX) {
			uint32_t pos[8];
			rc = lidx__cursor_positions(&c, pos, 8);
			if (rc == 0)
				rc = lidx__cursor_next(&c);
		}
	}
	lidx_index_close(ix);
	return rc;
}

/* Which bytes of the file the header, the section table or a section cover. */
static uint8_t *coverage(const uint8_t *m, size_t len)
{
	uint8_t *cov = calloc(len, 1);
	assert_non_null(cov);
	uint32_t n_sec = lidx_rd32(m + 12);
	size_t table = LIDX_HEADER_SIZE + (size_t)n_sec * LIDX_ENTRY_SIZE;
	assert_true(table <= len);
	memset(cov, 1, table);
	for (uint32_t i = 0; i < n_sec; i++) {
		const uint8_t *e = m + LIDX_HEADER_SIZE + i * LIDX_ENTRY_SIZE;
		uint64_t off = lidx_rd64(e + 8), l = lidx_rd64(e + 16);
		assert_true(off + l <= len);
		memset(cov + off, 1, (size_t)l);
	}
	return cov;
}

static void small_index(const char *path)
{
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_add_file(b, "x.md", 1, 2, 0), 0);
	static const char *const texts[] = { "kafka the redis w7", "kafka stori", "redis redis" };
	for (int i = 0; i < 3; i++)
		assert_int_equal(lidx_builder_add_story(b, "Kafka", "A", (uint32_t)i + 1, (uint32_t)i + 1,
		                                        texts[i], strlen(texts[i])),
		                 0);
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
}

/* Every single flipped byte that belongs to the file's structure is caught. */
static void test_index_corrupt_flip_every_byte(void **state)
{
	(void)state;
	char path[160], bad[160];
	snprintf(path, sizeof path, "%s/small.cvx", tmpdir);
	snprintf(bad, sizeof bad, "%s/bad.cvx", tmpdir);
	small_index(path);
	assert_int_equal(read_all(path, 0), 0);
	size_t len;
	uint8_t *m = slurp(path, &len);
	uint8_t *cov = coverage(m, len);
	size_t n_caught = 0;
	for (size_t i = 0; i < len; i++) {
		for (int v = 0; v < 2; v++) {
			uint8_t x = v ? 0xff : 0x01;
			m[i] ^= x;
			spit(bad, m, len);
			m[i] ^= x;
			int rc = read_all(bad, v ? LIDX_OPEN_VERIFY : 0);
			if (cov[i] && rc != LIDX_ECORRUPT)
				fail_msg("byte %zu ^ 0x%02x (of %zu): rc %d, want LIDX_ECORRUPT", i, x, len, rc);
			if (!cov[i] && rc != 0)
				fail_msg("padding byte %zu: rc %d", i, rc);
			n_caught += rc == LIDX_ECORRUPT;
		}
	}
	assert_true(n_caught > len);
	free(cov);
	free(m);
	unlink(bad);
	unlink(path);
}

/* The big index: a flip in the middle of each section, and truncations. */
static void test_index_corrupt_sections_truncate(void **state)
{
	(void)state;
	char bad[160];
	snprintf(bad, sizeof bad, "%s/bad.cvx", tmpdir);
	size_t len;
	uint8_t *m = slurp(ixpath, &len);
	uint32_t n_sec = lidx_rd32(m + 12);
	/* every section but SIGS: stories added one by one have no signature */
	assert_int_equal(n_sec, SEC_MAX - 1);
	for (uint32_t i = 0; i < n_sec; i++) {
		const uint8_t *e = m + LIDX_HEADER_SIZE + i * LIDX_ENTRY_SIZE;
		uint64_t off = lidx_rd64(e + 8), l = lidx_rd64(e + 16);
		assert_int_not_equal(lidx_rd32(e), SEC_SIGS);
		for (uint64_t at = off; at < off + l; at += l / 3 + 1) {
			m[at] ^= 0x5a;
			spit(bad, m, len);
			m[at] ^= 0x5a;
			int rc = read_all(bad, 0);
			if (rc != LIDX_ECORRUPT)
				fail_msg("section %u byte %llu: rc %d", lidx_rd32(e), (unsigned long long)at, rc);
		}
	}
	static const size_t cuts[] = { 0, 1, 8, 63, 64, 100 };
	for (size_t k = 0; k < sizeof cuts / sizeof *cuts + 3; k++) {
		size_t n = k < 6 ? cuts[k] : k == 6 ? len / 2 : k == 7 ? len - 1 : len - 8;
		spit(bad, m, n);
		int rc = read_all(bad, 0);
		if (rc != LIDX_ECORRUPT)
			fail_msg("truncated to %zu of %zu bytes: rc %d", n, len, rc);
	}
	/* a file grown by garbage is not silently accepted either */
	uint8_t *big = malloc(len + 8);
	assert_non_null(big);
	memcpy(big, m, len);
	memset(big + len, 0, 8);
	spit(bad, big, len + 8);
	assert_int_equal(read_all(bad, 0), LIDX_ECORRUPT);
	free(big);
	free(m);
	unlink(bad);
}

static void test_index_version_magic(void **state)
{
	(void)state;
	char bad[160];
	snprintf(bad, sizeof bad, "%s/bad.cvx", tmpdir);
	size_t len;
	uint8_t *m = slurp(ixpath, &len);
	/* another format version, with a correct header CRC */
	lidx_wr32(m + 8, LIDX_FORMAT_VERSION + 1);
	lidx_wr32(m + 60, (uint32_t)crc32_z(0, m, 60));
	spit(bad, m, len);
	lidx_index *ix;
	lidx_err err = { 0 };
	assert_int_equal(lidx_index_open(&ix, bad, 0, &err), LIDX_EVERSION);
	assert_null(ix);
	assert_non_null(strstr(err.msg, "version"));
	/* a text file is not an index */
	spit(bad, (const uint8_t *)"# notes\nnot an index at all, just text that is long enough\n", 60);
	assert_int_equal(lidx_index_open(&ix, bad, 0, &err), LIDX_ECORRUPT);
	/* no file; a folder */
	assert_int_equal(lidx_index_open(&ix, "/nonexistent/x.cvx", 0, &err), LIDX_ENOTFOUND);
	assert_int_equal(lidx_index_open(&ix, tmpdir, 0, &err), LIDX_EIO);
	free(m);
	unlink(bad);
}

/* ---- atomic write -------------------------------------------------------------------- */

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_index_write_atomic(void **state)
{
	(void)state;
	char sub[160], path[200];
	snprintf(sub, sizeof sub, "%s/wdir", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);
	/* a missing folder: LIDX_EIO, nothing created */
	snprintf(path, sizeof path, "%s/missing/ix.cvx", sub);
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_add_story(b, "T", "", 1, 1, "kafka", 5), 0);
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_write(b, path, &err), LIDX_EIO);
	assert_true(err.msg[0] != 0);
	assert_int_equal(count_entries(sub), 0);

	/* a good write replaces the file; mode 0600 */
	snprintf(path, sizeof path, "%s/ix.cvx", sub);
	spit(path, (const uint8_t *)"old", 3);
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	assert_int_equal(count_entries(sub), 1);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	size_t len;
	uint8_t *good = slurp(path, &len);

	/* a write that fails half-way (out of memory) leaves the old file as it was */
	lidx_builder *b2;
	assert_int_equal(lidx_builder_new(&b2), 0);
	assert_int_equal(lidx_builder_add_story(b2, "Other", "", 1, 1, "redis redis", 11), 0);
	int failed = 0;
	for (long n = 1; n < 200; n++) {
		lidx_alloc_fail_at(n);
		int rc = lidx_builder_write(b2, path, &err);
		lidx_alloc_fail_at(0);
		if (rc == 0)
			break;
		failed++;
		assert_int_equal(rc, LIDX_ENOMEM);
		assert_int_equal(count_entries(sub), 1);
		size_t l2;
		uint8_t *now = slurp(path, &l2);
		assert_int_equal(l2, len);
		assert_memory_equal(now, good, len);
		free(now);
	}
	assert_true(failed > 0);
	assert_int_equal(count_entries(sub), 1);
	/* the write after the failed ones is a good index */
	assert_int_equal(read_all(path, LIDX_OPEN_VERIFY), 0);
	lidx_index *ix = open_ok(path);
	assert_int_equal(lidx_index_story_count(ix), 1);
	lidx_index_close(ix);

	/* a builder writes again, also after more stories */
	assert_int_equal(lidx_builder_write(b2, path, &err), 0);
	assert_int_equal(read_all(path, LIDX_OPEN_VERIFY), 0);
	assert_int_equal(lidx_builder_add_story(b2, "Third", "", 2, 2, "kafka w7", 8), 0);
	assert_int_equal(lidx_builder_write(b2, path, &err), 0);
	assert_int_equal(read_all(path, LIDX_OPEN_VERIFY), 0);
	ix = open_ok(path);
	assert_int_equal(lidx_index_story_count(ix), 2);
	lidx_story s;
	assert_int_equal(lidx_index_story(ix, 1, &s, &err), 0);
	assert_string_equal(s.title, "Third");
	lidx_story_clear(&s);
	lidx_index_close(ix);
	free(good);
	lidx_builder_free(b2);
	lidx_builder_free(b);
	unlink(path);
	rmdir(sub);
}

/*
 * Many store blocks: more than the writer's ring of blocks in flight (they
 * are deflated on a worker thread), written twice from one builder with
 * stories added in between; every story comes back byte for byte.
 */
static void big_text(uint32_t i, char *out, size_t cap)
{
	uint32_t x = i * 2654435761u + 1;
	size_t n = 0;
	out[0] = 0;
	while (n + 16 < cap) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		n += (size_t)snprintf(out + n, cap - n, "w%u ", x % 5000);
	}
	n += (size_t)snprintf(out + n, cap - n, "s%u", i);
}

static void check_big(const char *path, uint32_t n)
{
	assert_int_equal(read_all(path, LIDX_OPEN_VERIFY), 0);
	lidx_index *ix = open_ok(path);
	assert_int_equal(lidx_index_story_count(ix), n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = (i * 7919) % n; /* out of order: blocks are reloaded */
		char want[3000], title[32];
		big_text(id, want, sizeof want);
		snprintf(title, sizeof title, "Story %u", id);
		lidx_story s;
		lidx_err err = { 0 };
		assert_int_equal(lidx_index_story(ix, id, &s, &err), 0);
		assert_string_equal(s.title, title);
		assert_int_equal(s.text_len, strlen(want));
		assert_memory_equal(s.text, want, s.text_len);
		lidx_story_clear(&s);
	}
	lidx_index_close(ix);
}

static void test_index_store_many_blocks(void **state)
{
	(void)state;
	char path[200];
	snprintf(path, sizeof path, "%s/big.cvx", tmpdir);
	lidx_builder *b;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&b), 0);
	char text[3000], title[32];
	for (uint32_t i = 0; i < 600; i++) {
		if (i == 300) { /* 300 stories of ~2.9 KB: ~55 blocks of 16 KiB */
			assert_int_equal(lidx_builder_write(b, path, &err), 0);
			check_big(path, 300);
		}
		big_text(i, text, sizeof text);
		snprintf(title, sizeof title, "Story %u", i);
		assert_int_equal(lidx_builder_add_story(b, title, "", i + 1, i + 1, text, strlen(text)), 0);
	}
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	check_big(path, 600);
	unlink(path);
}


/*
 * The builder's postings stage on a thread of its own (from the first
 * story) writes the same bytes as on the caller's thread, with many token
 * batches in flight (more than its ring), stories with title words, and a
 * write in the middle; only META's build time and duration may differ.
 */
static uint8_t *slurp_unstamped(const char *path, size_t *len)
{
	uint8_t *p = slurp(path, len);
	assert_true(*len >= 64);
	uint32_t n_sec = lidx_rd32(p + 12);
	for (uint32_t i = 0; i < n_sec; i++) {
		uint8_t *e = p + 64 + (size_t)i * 24;
		if (lidx_rd32(e) != 1) /* SEC_META */
			continue;
		uint64_t off = lidx_rd64(e + 8), n = lidx_rd64(e + 16);
		assert_true(off + n <= *len && n >= 72);
		memset(e + 4, 0, 4);            /* its CRC */
		memset(p + off + 56, 0, 16);    /* build time, build duration */
	}
	return p;
}

static void build_threaded(const char *path, const char *mid, size_t thread_min)
{
	lidx_builder *b;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&b), 0);
	lidx__builder_thread_min(b, thread_min);
	char text[3000], title[32];
	for (uint32_t i = 0; i < 700; i++) {
		if (i == 350)
			assert_int_equal(lidx_builder_write(b, mid, &err), 0);
		big_text(i, text, sizeof text);
		snprintf(title, sizeof title, "Story w%u t%u", i % 50, i);
		assert_int_equal(lidx_builder_add_story(b, title, i % 3 ? "" : "Crumb w7", i + 1, i + 1, text,
		                                        strlen(text)), 0);
	}
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
}

static void test_index_postings_thread(void **state)
{
	(void)state;
	char p1[200], p2[200], m1[200], m2[200];
	snprintf(p1, sizeof p1, "%s/inline.cvx", tmpdir);
	snprintf(p2, sizeof p2, "%s/thread.cvx", tmpdir);
	snprintf(m1, sizeof m1, "%s/inline-mid.cvx", tmpdir);
	snprintf(m2, sizeof m2, "%s/thread-mid.cvx", tmpdir);
	build_threaded(p1, m1, SIZE_MAX);
	build_threaded(p2, m2, 0);
	const char *pairs[2][2] = { { p1, p2 }, { m1, m2 } };
	for (int k = 0; k < 2; k++) {
		size_t la, lb;
		uint8_t *a = slurp_unstamped(pairs[k][0], &la), *b = slurp_unstamped(pairs[k][1], &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
		assert_int_equal(read_all(pairs[k][1], LIDX_OPEN_VERIFY), 0);
		unlink(pairs[k][0]);
		unlink(pairs[k][1]);
	}
}

/* An allocation failing on either thread: ENOMEM from an add or the write,
   nothing leaked (ASan), no race (TSan); the counts are not deterministic
   with two threads allocating, so about 60 of them are failed, one a build. */
static void test_index_postings_thread_alloc_fail(void **state)
{
	(void)state;
	char path[200];
	snprintf(path, sizeof path, "%s/fail.cvx", tmpdir);
	char text[3000];
	long total = 0, failed = 0, step = 1;
	for (long n = 0; n == 0 || n <= total; n += step) {
		lidx_alloc_fail_at(n);
		lidx_builder *b;
		lidx_err err = { 0 };
		int rc = lidx_builder_new(&b);
		if (rc == 0) {
			lidx__builder_thread_min(b, 0);
			for (uint32_t i = 0; i < 120 && rc == 0; i++) {
				big_text(i, text, sizeof text);
				rc = lidx_builder_add_story(b, "T", "", i + 1, i + 1, text, strlen(text));
			}
			if (rc == 0)
				rc = lidx_builder_write(b, path, &err);
			lidx_builder_free(b);
		}
		long made = lidx_alloc_fail_at(0);
		if (n == 0) {
			assert_int_equal(rc, 0);
			total = made;
			step = total / 60 + 1;
			n = 1 - step; /* then 1, 1 + step, ... */
			continue;
		}
		if (rc != 0) {
			assert_int_equal(rc, LIDX_ENOMEM);
			failed++;
		}
	}
	assert_true(total > 100);
	assert_true(failed > 0);
	unlink(path);
}

/*
 * A bounded-memory build (runs written past the budget, merged when the
 * index is written) writes the same bytes as one in memory: a run after
 * every story or every few, the runs merged into one on the way (a run
 * limit of 3), the postings on either thread, a write in the middle, notes
 * with near-duplicates (SIGS, SINF groups) and several files.
 */
static size_t build_bounded(const char *path, const char *mid, size_t budget, size_t thread_min)
{
	lidx_builder *b;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_set_memory(b, budget, path), 0);
	lidx__builder_thread_min(b, thread_min);
	lidx__builder_max_runs(b, 3);
	char text[3000], title[32], note[6200];
	size_t runs = 0;
	for (uint32_t i = 0; i < 300; i++) {
		if (i == 150) {
			assert_int_equal(lidx_builder_write(b, mid, &err), 0);
			runs = lidx__builder_n_runs(b);
		}
		if (i % 40 == 0) {
			/* a note and its copy: signatures, a near-duplicate group */
			big_text(i, text, sizeof text);
			snprintf(note, sizeof note, "# Note %u\n\n## Kafka migration w%u\n%s\n", i, i % 7, text);
			for (int c = 0; c < 2; c++) {
				snprintf(title, sizeof title, "dir/note%03u%s.md", i, c ? "-copy" : "");
				assert_int_equal(lidx_builder_add_file(b, title, i, i, 0), 0);
				assert_int_equal(lidx_builder_add_text(b, note, strlen(note), title, &err), 0);
			}
		}
		big_text(i, text, sizeof text);
		snprintf(title, sizeof title, "Story w%u t%u", i % 50, i);
		assert_int_equal(lidx_builder_add_story(b, title, i % 3 ? "" : "Crumb w7", i + 1, i + 1, text,
		                                        strlen(text)), 0);
	}
	if (lidx__builder_n_runs(b) > runs)
		runs = lidx__builder_n_runs(b);
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	return runs;
}

static void test_index_bounded_runs(void **state)
{
	(void)state;
	char p0[200], m0[200], p[200], m[200];
	snprintf(p0, sizeof p0, "%s/memory.cvx", tmpdir);
	snprintf(m0, sizeof m0, "%s/memory-mid.cvx", tmpdir);
	snprintf(p, sizeof p, "%s/runs.cvx", tmpdir);
	snprintf(m, sizeof m, "%s/runs-mid.cvx", tmpdir);
	int before = count_entries(tmpdir);
	assert_int_equal(build_bounded(p0, m0, 0, SIZE_MAX), 0); /* no bound: no run */
	const struct { size_t budget, thread_min; } cases[] = {
		{ 1, SIZE_MAX },         /* a run after every story */
		{ 1, 0 },                /* the same, postings on their thread */
		{ 200 << 10, SIZE_MAX }, /* a run every few stories */
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		size_t runs = build_bounded(p, m, cases[k].budget, cases[k].thread_min);
		assert_true(runs >= 2);
		const char *pairs[2][2] = { { p0, p }, { m0, m } };
		for (int j = 0; j < 2; j++) {
			size_t la, lb;
			uint8_t *a = slurp_unstamped(pairs[j][0], &la), *b = slurp_unstamped(pairs[j][1], &lb);
			assert_int_equal(la, lb);
			assert_memory_equal(a, b, la);
			free(a);
			free(b);
		}
		assert_int_equal(read_all(p, LIDX_OPEN_VERIFY), 0);
		/* the runs and the store's spill were unnamed: nothing is left beside */
		assert_int_equal(count_entries(tmpdir), before + 4);
	}
	lidx_index *ix = open_ok(p);
	lidx_stats st;
	assert_int_equal(lidx_index_stats(ix, &st), 0);
	assert_int_equal(st.n_stories, 300 + 8 * 2);
	lidx_story sto;
	lidx_err err = { 0 };
	assert_int_equal(lidx_index_story(ix, 1, &sto, &err), 0); /* the first note's copy */
	assert_int_equal(sto.group, 0);
	lidx_story_clear(&sto);
	lidx_index_close(ix);
	unlink(p0);
	unlink(m0);
	unlink(p);
	unlink(m);
}

/* Two builds of the same notes give the same bytes (but META's stamps). */
static void assert_same_index(const char *a_path, const char *b_path)
{
	size_t la, lb;
	uint8_t *a = slurp_unstamped(a_path, &la), *b = slurp_unstamped(b_path, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

/*
 * Notes that are maps of links (stories with no terms, only stored text):
 * the store goes to its spill file past a quarter of the budget though no
 * run is ever written (it spilled only with the first run: 64 MB of maps
 * in --memory 4 held 56 MB). Same bytes as a build in memory.
 */
static size_t build_links(const char *path, size_t budget, size_t *peak)
{
	lidx_builder *b;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_set_memory(b, budget, path), 0);
	size_t cap = 200 * 40 + 64;
	char *note = malloc(cap);
	assert_non_null(note);
	uint32_t x = 99;
	*peak = 0;
	for (int i = 0; i < 200; i++) { /* 200 notes of 10 maps of 200 links: 14 MB */
		char name[32];
		snprintf(name, sizeof name, "maps/m%03d.md", i);
		assert_int_equal(lidx_builder_add_file(b, name, 1, 1, 0), 0);
		for (int k = 0; k < 10; k++) {
			size_t n = (size_t)snprintf(note, cap, "# Map %d\n\n", k);
			for (int l = 0; l < 200; l++) {
				n += (size_t)snprintf(note + n, cap - n, "- [[");
				for (int c = 0; c < 30; c++) {
					x ^= x << 13, x ^= x >> 17, x ^= x << 5;
					note[n++] = "abcdefghijklmnopqrstuvwxyz0123456789"[x % 36];
				}
				n += (size_t)snprintf(note + n, cap - n, "]]\n");
			}
			assert_int_equal(lidx_builder_add_text(b, note, n, name, &err), 0);
			size_t m = lidx__builder_store_mem(b);
			if (m > *peak)
				*peak = m;
		}
	}
	free(note);
	size_t runs = lidx_builder_runs(b);
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	return runs;
}

static void test_index_bounded_store_without_terms(void **state)
{
	(void)state;
	char p0[200], p[200];
	snprintf(p0, sizeof p0, "%s/links0.cvx", tmpdir);
	snprintf(p, sizeof p, "%s/links.cvx", tmpdir);
	int before = count_entries(tmpdir);
	size_t peak0, peak;
	assert_int_equal(build_links(p0, 0, &peak0), 0);
	assert_true(peak0 > (6u << 20)); /* deflated, the maps are over 6 MB */
	/* 4 MB: what a run would free stays under a quarter of it */
	assert_int_equal(build_links(p, 4u << 20, &peak), 0); /* no terms: no run */
	assert_true(peak <= 4u << 20); /* it was all of it */
	assert_same_index(p0, p);
	assert_int_equal(read_all(p, LIDX_OPEN_VERIFY), 0);
	lidx_index *ix = open_ok(p);
	lidx_stats st;
	assert_int_equal(lidx_index_stats(ix, &st), 0);
	assert_true(lidx_index_story_count(ix) >= 200 * 10);
	assert_int_equal(st.n_terms, 0); /* maps only: nothing searched */
	lidx_index_close(ix);
	assert_int_equal(count_entries(tmpdir), before + 2); /* the spill file was unnamed */
	unlink(p0);
	unlink(p);
}

/*
 * Many runs (one a story) are merged in tiers: each entry is rewritten
 * about once per level, not with the whole first run every time the run
 * limit is reached (that rewrote 7.2 times the entries here, now 1.7);
 * the index is the same bytes.
 */
static uint64_t build_many_runs(const char *path, size_t budget, size_t *held)
{
	lidx_builder *b;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_set_memory(b, budget, path), 0);
	char text[400];
	*held = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		size_t n = 0;
		for (uint32_t k = 0; k < 20; k++) /* words of this story only, and one shared */
			n += (size_t)snprintf(text + n, sizeof text - n, "u%ux%u ", i, k);
		snprintf(text + n, sizeof text - n, "common");
		assert_int_equal(lidx_builder_add_story(b, "T", "", i + 1, i + 1, text, strlen(text)), 0);
		if (lidx__builder_n_runs(b) > *held)
			*held = lidx__builder_n_runs(b);
	}
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	uint64_t merged = lidx__builder_merged(b);
	if (budget)
		assert_int_equal(lidx_builder_runs(b), 1000);
	lidx_builder_free(b);
	return merged;
}

static void test_index_bounded_tiered_merge(void **state)
{
	(void)state;
	char p0[200], p[200];
	snprintf(p0, sizeof p0, "%s/tiers0.cvx", tmpdir);
	snprintf(p, sizeof p, "%s/tiers.cvx", tmpdir);
	size_t held;
	assert_int_equal(build_many_runs(p0, 0, &held), 0);
	uint64_t merged = build_many_runs(p, 1, &held);
	uint64_t fresh = 1000 * 21; /* entries written as runs from memory */
	assert_true(merged > 0);
	assert_true(merged < 3 * fresh);
	assert_true(held <= 64);
	assert_same_index(p0, p);
	unlink(p0);
	unlink(p);
}

/*
 * The merge's checks: a run whose lists name a story past the build's
 * (a damaged temporary file) is LIDX_ECORRUPT, never a read out of
 * bounds; a run's read buffers do not keep the size of its longest list.
 */
static FILE *run_of(const lidx_mterm *t, size_t n)
{
	int fd = lidx__tmpfile(NULL);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w+b");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lidx__run_put(f, &t[i]), 0);
	return f;
}

static void test_index_merge_checks(void **state)
{
	(void)state;
	/* "a": docs 2 and 5 (gaps 2, 3; tf 0/1 each), no positions... */
	static const uint8_t docs_a[] = { 2, 0, 1, 3, 0, 1 }, pos1[] = { 1, 1 };
	/* "b": one long list (70,000 docs, gap 1), to be given back */
	size_t nb = 70000;
	uint8_t *docs_b = malloc(nb * 3), *pos_b = malloc(nb);
	assert_non_null(docs_b);
	assert_non_null(pos_b);
	for (size_t i = 0; i < nb; i++) {
		docs_b[3 * i] = 1, docs_b[3 * i + 1] = 0, docs_b[3 * i + 2] = 1;
		pos_b[i] = 1;
	}
	lidx_mterm t[3] = {
		{ (const uint8_t *)"a", 1, 2, 5, docs_a, pos1, sizeof docs_a, sizeof pos1 },
		{ (const uint8_t *)"b", 1, (uint32_t)nb, (uint32_t)nb, docs_b, pos_b, nb * 3, nb },
		{ (const uint8_t *)"c", 1, 2, 5, docs_a, pos1, sizeof docs_a, sizeof pos1 },
	};
	for (int k = 1; k >= 0; k--) {
		lidx_run r;
		lidx__run_open(&r, run_of(t, 3), 3);
		lidx_merge m;
		/* n_docs: room for every doc; or only 5 stories, "a" names story 5 */
		uint32_t n_docs = k ? 5 : (uint32_t)nb + 1;
		int rc = lidx__merge_init(&m, &r, 1, n_docs);
		assert_int_equal(rc, 0);
		lidx_mterm out;
		rc = lidx__merge_next(&m, &out);
		if (k) {
			assert_int_equal(rc, LIDX_ECORRUPT);
		} else {
			assert_int_equal(rc, 1);
			assert_int_equal(lidx__merge_next(&m, &out), 1);
			assert_int_equal(out.df, nb);
			assert_true(r.docs.cap >= nb * 3);
			assert_int_equal(lidx__merge_next(&m, &out), 1); /* "c": b's buffers given back */
			assert_memory_equal(out.term, "c", 1);
			assert_true(r.docs.cap <= 64 << 10);
			assert_true(r.pos.cap <= 64 << 10);
			assert_int_equal(lidx__merge_next(&m, &out), 0);
		}
		lidx__merge_free(&m);
		lidx__run_close(&r);
	}
	free(docs_b);
	free(pos_b);
}

/*
 * A section over 16 MB (here STORE: 22 MB of text that deflate cannot
 * shrink much) is CRC-checked in chunks given back as they are read: the
 * check still passes on a good file and fails on one byte changed in its
 * middle.
 */
static void test_index_verify_large_section(void **state)
{
	(void)state;
	char path[200];
	snprintf(path, sizeof path, "%s/large.cvx", tmpdir);
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = 64 << 10;
	char *text = malloc(len + 1);
	assert_non_null(text);
	uint32_t x = 12345;
	lidx_builder *b;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&b), 0);
	for (int i = 0; i < 350; i++) {
		for (size_t k = 0; k < len; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			text[k] = k % 101 == 100 ? ' ' : b64[x & 63];
		}
		assert_int_equal(lidx_builder_add_story(b, "T", "", 1, 1, text, len), 0);
	}
	free(text);
	assert_int_equal(lidx_builder_write(b, path, &err), 0);
	lidx_builder_free(b);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, LIDX_OPEN_VERIFY, &err), 0);
	lidx_stats st;
	assert_int_equal(lidx_index_stats(ix, &st), 0);
	assert_true(st.store_bytes > (32u << 20) / 2);
	lidx_index_close(ix);
	/* one byte of STORE's middle changed: VERIFY refuses the file */
	size_t n;
	uint8_t *p = slurp(path, &n);
	uint32_t n_sec = lidx_rd32(p + 12);
	for (uint32_t i = 0; i < n_sec; i++) {
		uint8_t *e = p + 64 + (size_t)i * 24;
		if (lidx_rd32(e) == 5) /* SEC_STORE */
			p[lidx_rd64(e + 8) + lidx_rd64(e + 16) / 2] ^= 0x20;
	}
	spit(path, p, n);
	free(p);
	ix = NULL;
	assert_int_equal(lidx_index_open(&ix, path, LIDX_OPEN_VERIFY, &err), LIDX_ECORRUPT);
	assert_null(ix);
	unlink(path);
}

/* Near-duplicates: found at build time, collapsed by lidx_search_dedup();
   not-searched stories (only links, templates) are stored without postings. */
/*
 * The signature estimates Jaccard similarity: over 200 pairs of 100-term
 * sequences that share their first 80 terms (3-shingles: 78 shared of
 * 118, J = 0.66), the share of the 32 places where the two signatures
 * agree averages J within 0.05.
 */
static void test_index_minhash_estimate(void **state)
{
	(void)state;
	double sum = 0;
	int pairs = 200;
	for (int p = 0; p < pairs; p++) {
		lidx_sig a, b;
		lidx_mh_state sa = { 0, 0, 0 }, sb = { 0, 0, 0 };
		lidx__mh_init(&a, 0);
		lidx__mh_init(&b, 1);
		for (uint32_t t = 0; t < 100; t++) {
			uint32_t base = (uint32_t)p * 1000 + t;
			lidx__mh_add(&a, &sa, t < 80 ? base : base + 500000);
			lidx__mh_add(&b, &sb, t < 80 ? base : base + 900000);
		}
		int agree = 0;
		for (int k = 0; k < LIDX_MH_K; k++)
			agree += a.h[k] == b.h[k];
		sum += (double)agree / LIDX_MH_K;
	}
	double mean = sum / pairs, j = 78.0 / 118.0;
	if (mean < j - 0.05 || mean > j + 0.05)
		fail_msg("mean agreement %.3f, Jaccard %.3f", mean, j);
}

/*
 * MinHash on many copies: a 60-word block and 40 copies of it, each with
 * one word replaced (estimated Jaccard about 0.9), are one group; 20
 * blocks of other words group with nothing.
 */
static void test_index_near_duplicates_many(void **state)
{
	(void)state;
	enum { WORDS = 60, COPIES = 40, OTHERS = 20 };
	char path[160];
	snprintf(path, sizeof path, "%s/dupmany.cvx", tmpdir);
	lidx_builder *bl;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&bl), 0);
	assert_int_equal(lidx_builder_add_file(bl, "many.md", 1, 0, 0), 0);
	srand(7);
	char text[WORDS * 16 + 64];
	for (int d = 0; d < 1 + COPIES + OTHERS; d++) {
		size_t o = (size_t)snprintf(text, sizeof text, "# Block %d\n", d);
		int swap = d >= 1 && d <= COPIES ? rand() % WORDS : -1;
		for (int w = 0; w < WORDS; w++) {
			if (d > COPIES)
				o += (size_t)snprintf(text + o, sizeof text - o, "other%dx%d ", d, w);
			else if (w == swap)
				o += (size_t)snprintf(text + o, sizeof text - o, "changed%d ", d);
			else
				o += (size_t)snprintf(text + o, sizeof text - o, "word%dq ", w);
		}
		text[o++] = '\n';
		text[o++] = '\n';
		assert_int_equal(lidx_builder_add_text(bl, text, o, "many.md", &err), 0);
	}
	assert_int_equal(lidx_builder_write(bl, path, &err), 0);
	lidx_builder_free(bl);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, LIDX_OPEN_VERIFY, &err), 0);
	assert_int_equal(lidx_index_story_count(ix), 1 + COPIES + OTHERS);
	for (uint32_t i = 0; i < 1 + COPIES + OTHERS; i++) {
		lidx_story st;
		assert_int_equal(lidx_index_story(ix, i, &st, &err), 0);
		uint32_t group = st.group;
		lidx_story_clear(&st);
		if (group != (i <= COPIES ? 0 : i))
			fail_msg("story %u: group %u, want %u", i, group, i <= COPIES ? 0 : i);
	}
	lidx_index_close(ix);
	unlink(path);
}

static void test_index_near_duplicates(void **state)
{
	(void)state;
	static const char a[] =
		"# Kafka cutover\n"
		"Moved the billing event pipeline off a single RabbitMQ broker that paged us\n"
		"twice a week. Consumer lag during the invoice run went from three hours to\n"
		"under two minutes, and the on-call pages for the queue stopped.\n";
	static const char b[] = /* the same block, pasted and edited a little */
		"# STAR: billing cutover\n"
		"Moved the billing event pipeline off a single RabbitMQ broker that paged us\n"
		"twice a week. Consumer lag during the invoice run went from three hours to\n"
		"under two minutes, and the on-call pages for that queue stopped.\n";
	static const char c[] =
		"# Onboarding\n"
		"Paired with Dana on the invoice service for six weeks; she now runs the\n"
		"onboarding sessions for new hires and reviews the billing pull requests.\n";
	static const char d[] = "# Reading list\n- [[Kafka cutover]]\n- https://example.com/invoice-billing\n";
	static const char t[] = "# {{title}}\nInvoice billing notes for {{date}}\n";
	char path[160];
	snprintf(path, sizeof path, "%s/dup.cvx", tmpdir);
	lidx_builder *bl;
	lidx_err err = { 0 };
	assert_int_equal(lidx_builder_new(&bl), 0);
	const char *texts[] = { a, b, c, d, t };
	const char *names[] = { "a.md", "b.md", "c.md", "d.md", "t.md" };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(lidx_builder_add_file(bl, names[i], 1, 0, 0), 0);
		assert_int_equal(lidx_builder_add_text(bl, texts[i], strlen(texts[i]), names[i], &err), 0);
	}
	assert_int_equal(lidx_builder_write(bl, path, &err), 0);
	lidx_builder_free(bl);
	lidx_index *ix;
	assert_int_equal(lidx_index_open(&ix, path, LIDX_OPEN_VERIFY, &err), 0);
	assert_int_equal(lidx_index_story_count(ix), 5);
	lidx_story s;
	uint32_t want_group[] = { 0, 0, 2, 3, 4 };
	unsigned want_flags[] = { 0, 0, 0, LIDX_STORY_LINKS, LIDX_STORY_TEMPLATE };
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(lidx_index_story(ix, i, &s, &err), 0);
		assert_int_equal(s.group, want_group[i]);
		assert_int_equal(s.flags, want_flags[i]);
		lidx_story_clear(&s);
	}
	lidx_analyzer *an;
	assert_int_equal(lidx_analyzer_new(&an), 0);
	lidx_query *q;
	assert_int_equal(lidx_query_parse(&q, ix, an, "invoice billing", 15, 0, &err), 0);
	lidx_results r;
	assert_int_equal(lidx_search(ix, q, NULL, &r, &err), 0);
	assert_int_equal(r.n_hits, 3); /* a, b, c: not the link list, not the template */
	assert_int_equal(r.n_dups, 0);
	lidx_results_clear(&r);
	assert_int_equal(lidx_search_dedup(ix, q, NULL, &r, &err), 0);
	assert_int_equal(r.n_hits, 2);
	assert_int_equal(r.n_dups, 1);
	assert_int_equal(r.hits[r.dup_of[0]].story + r.dups[0].story, 1); /* a and b */
	assert_true(r.hits[r.dup_of[0]].score >= r.dups[0].score);
	lidx_results_clear(&r);
	/* a limit of 1: the best of a and b, and the other one beside it */
	lidx_search_opts o;
	lidx_search_defaults(&o);
	o.limit = 1;
	assert_int_equal(lidx_search_dedup(ix, q, &o, &r, &err), 0);
	assert_int_equal(r.n_hits, 1);
	assert_true(r.hits[0].story <= 1);
	assert_int_equal(r.n_dups, 1);
	assert_int_equal(r.dups[0].story, 1 - r.hits[0].story);
	lidx_results_clear(&r);
	/* an excluded word or a file: filter leaves the duplicate out */
	lidx_query_free(q);
	assert_int_equal(lidx_query_parse(&q, ix, an, "invoice -star", 13, 0, &err), 0);
	assert_int_equal(lidx_search_dedup(ix, q, NULL, &r, &err), 0);
	for (size_t i = 0; i < r.n_hits; i++)
		assert_int_not_equal(r.hits[i].story, 1);
	assert_int_equal(r.n_dups, 0);
	lidx_results_clear(&r);
	lidx_query_free(q);
	lidx_analyzer_free(an);
	lidx_index_close(ix);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_varint_roundtrip),
		cmocka_unit_test(test_index_postings_codec_roundtrip),
		cmocka_unit_test(test_index_postings_malformed),
		cmocka_unit_test(test_index_bound_sorted),
		cmocka_unit_test(test_index_stats),
		cmocka_unit_test(test_index_lexicon),
		cmocka_unit_test(test_index_cursor_walk),
		cmocka_unit_test(test_index_cursor_seek),
		cmocka_unit_test(test_index_cursor_segments),
		cmocka_unit_test(test_index_prefix),
		cmocka_unit_test(test_index_stories),
		cmocka_unit_test(test_index_empty),
		cmocka_unit_test(test_index_corrupt_flip_every_byte),
		cmocka_unit_test(test_index_corrupt_sections_truncate),
		cmocka_unit_test(test_index_version_magic),
		cmocka_unit_test(test_index_write_atomic),
		cmocka_unit_test(test_index_store_many_blocks),
		cmocka_unit_test(test_index_postings_thread),
		cmocka_unit_test(test_index_postings_thread_alloc_fail),
		cmocka_unit_test(test_index_bounded_runs),
		cmocka_unit_test(test_index_bounded_store_without_terms),
		cmocka_unit_test(test_index_bounded_tiered_merge),
		cmocka_unit_test(test_index_merge_checks),
		cmocka_unit_test(test_index_verify_large_section),
		cmocka_unit_test(test_index_near_duplicates),
		cmocka_unit_test(test_index_near_duplicates_many),
		cmocka_unit_test(test_index_minhash_estimate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
