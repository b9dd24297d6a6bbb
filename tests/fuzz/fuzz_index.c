/*
 * fuzz_index.c -- libFuzzer target: the index reader on mutated index files.
 * Input: one mode byte, then the file. With mode bit 0 set, the harness
 * first repairs every checksum (header, file size, section table CRCs and
 * each term's postings CRC), so that mutations reach the decoders behind
 * the CRCs (FILES, DOCS, lexicon, postings, store) instead of stopping at
 * "section checksum". Then: open, stats, every file, up to 64 stories,
 * queries made of the index's own terms, and a full verify.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <zlib.h>
#include "fuzz_common.h"
#include "index.h"

static uint64_t rd64(const uint8_t *p)
{
	return lidx_rd64(p);
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	return lidx_get_varint(p, end, v);
}

/* Recompute what a valid writer would have: best effort on a damaged file. */
static void fix_crcs(uint8_t *m, size_t n)
{
	if (n < LIDX_HEADER_SIZE)
		return;
	wr64(m + 16, n);
	uint32_t n_sec = lidx_rd32(m + 12);
	if (n_sec > 64 || LIDX_HEADER_SIZE + (uint64_t)n_sec * LIDX_ENTRY_SIZE > n)
		n_sec = 0;
	const uint8_t *post = NULL, *lext = NULL;
	uint64_t post_len = 0, lext_len = 0;
	for (uint32_t i = 0; i < n_sec; i++) {
		const uint8_t *e = m + LIDX_HEADER_SIZE + i * LIDX_ENTRY_SIZE;
		uint64_t off = rd64(e + 8), len = rd64(e + 16);
		if (off > n || len > n - off)
			continue;
		if (lidx_rd32(e) == SEC_POST)
			post = m + off, post_len = len;
		if (lidx_rd32(e) == SEC_LEXT)
			lext = m + off, lext_len = len;
	}
	/* each lexicon entry's post_crc, then the section CRCs over them */
	if (lext && post) {
		const uint8_t *p = lext, *end = lext + lext_len;
		while (p < end) {
			uint64_t pre, suf, df, off, len;
			if (varint(&p, end, &pre) < 0 || varint(&p, end, &suf) < 0 || suf > (uint64_t)(end - p))
				break;
			p += suf;
			if (varint(&p, end, &df) < 0 || varint(&p, end, &off) < 0 || varint(&p, end, &len) < 0 ||
			    end - p < 4)
				break;
			if (off <= post_len && len <= post_len - off)
				wr32((uint8_t *)p, lidx__post_crc(post + off, len));
			p += 4;
		}
	}
	for (uint32_t i = 0; i < n_sec; i++) {
		uint8_t *e = m + LIDX_HEADER_SIZE + i * LIDX_ENTRY_SIZE;
		uint64_t off = rd64(e + 8), len = rd64(e + 16);
		if (off <= n && len <= n - off)
			wr32(e + 4, len ? (uint32_t)crc32_z(0, m + off, len) : 0);
	}
	wr32(m + 60, (uint32_t)crc32_z(0, m, 60));
}

typedef struct terms {
	char t[4][64];
	int n;
} terms;

static int on_term(void *ctx, const char *term, size_t len, const lidx_term *t)
{
	terms *ts = ctx;
	(void)t;
	if (ts->n < 4 && len < 60 && !memchr(term, '"', len)) {
		memcpy(ts->t[ts->n], term, len);
		ts->t[ts->n][len] = 0;
		ts->n++;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *atexit_path;
static void remove_file(void)
{
	if (atexit_path)
		unlink(atexit_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static lidx_analyzer *an;
	if (fd < 0) {
		/* a real file (mode 0600): the reader refuses links such as /proc/self/fd/N */
		snprintf(path, sizeof path, "/tmp/cvsearch-fuzz-index.XXXXXX");
		fd = mkstemp(path);
		if (fd < 0 || lidx_analyzer_new(&an) < 0)
			abort();
		atexit_path = path;
		atexit(remove_file);
	}
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	size_t n = size - 1;
	uint8_t *m = malloc(n ? n : 1);
	if (!m)
		return 0;
	memcpy(m, data + 1, n);
	if (mode & 1)
		fix_crcs(m, n);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, m, n, 0) != (ssize_t)n)
		abort();
	free(m);

	lidx_index *ix;
	lidx_err err = { 0 };
	int rc = lidx_index_open(&ix, path, (mode & 2) ? LIDX_OPEN_VERIFY : 0, &err);
	if (rc < 0) {
		if (rc != LIDX_ECORRUPT && rc != LIDX_EVERSION && rc != LIDX_EIO)
			abort(); /* a damaged file is corrupt, nothing else */
		if (!err.msg[0])
			abort();
		return 0;
	}
	lidx_stats st;
	lidx_index_stats(ix, &st);
	(void)lidx_index_root(ix);
	for (uint32_t f = 0; f < lidx_index_file_count(ix); f++) {
		lidx_file_info fi;
		if (lidx_index_file(ix, f, &fi) < 0 || !fi.path)
			abort();
	}
	uint32_t ns = lidx_index_story_count(ix);
	for (uint32_t i = 0; i < ns && i < 64; i++) {
		lidx_story s;
		if (lidx_index_story(ix, i, &s, &err) == 0) {
			uint32_t id;
			(void)lidx_index_find_story(ix, s.path, s.line_start, &id);
			lidx_story_clear(&s);
		}
	}
	terms ts = { .n = 0 };
	(void)lidx__term_prefix(ix, "", 0, 64, on_term, &ts);
	char qtext[600];
	size_t ql = 0;
	for (int i = 0; i < ts.n; i++)
		ql += (size_t)snprintf(qtext + ql, sizeof qtext - ql, "%s%s", i ? " " : "", ts.t[i]);
	if (ts.n >= 2)
		ql += (size_t)snprintf(qtext + ql, sizeof qtext - ql, " \"%s %s\" %.3s*", ts.t[0], ts.t[1], ts.t[0]);
	lidx_query *q;
	if (ql && lidx_query_parse(&q, ix, an, qtext, ql, 0, &err) == 0) {
		fuzz_run_query(ix, an, q);
		lidx_query_free(q);
	}
	(void)lidx_index_verify(ix, &err);
	lidx_index_close(ix);
	return 0;
}
