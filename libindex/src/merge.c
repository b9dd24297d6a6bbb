/*
 * merge.c -- the runs of a bounded-memory build: writing a run entry,
 * reading runs back, and the k-way merge of their sorted terms that
 * index_write.c turns into the index's lexicon and postings (the grammar
 * is in merge.h). Also the unnamed temporary files the runs and the story
 * store's spill live in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <unistd.h>
#include "merge.h"

int lidx__tmpfile(const char *beside)
{
	const char *dir = NULL;
	char *copy = NULL;
	if (beside) {
		copy = lidx__strndup(beside, strlen(beside));
		if (!copy)
			return LIDX_ENOMEM;
		dir = dirname(copy);
	} else {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	int fd = -1;
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (fd < 0) {
		/* no O_TMPFILE here: a named file, unnamed at once */
		size_t n = beside ? strlen(beside) + 16 : strlen(dir) + 32;
		char *tmp = lidx__malloc(n);
		if (!tmp) {
			lidx__free(copy);
			return LIDX_ENOMEM;
		}
		if (beside)
			snprintf(tmp, n, "%s.run.XXXXXX", beside);
		else
			snprintf(tmp, n, "%s/cvsearch-run.XXXXXX", dir);
		fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
		if (fd >= 0)
			unlink(tmp);
		int e = errno;
		lidx__free(tmp);
		errno = e;
	}
	int e = errno;
	lidx__free(copy);
	errno = e;
	return fd < 0 ? LIDX_EIO : fd;
}

/* ---- writing ------------------------------------------------------------------------ */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

int lidx__run_put(FILE *f, const lidx_mterm *t)
{
	uint8_t h[60];
	size_t n = put_varint(h, t->term_len);
	if (fwrite(h, 1, n, f) != n || (t->term_len && fwrite(t->term, 1, t->term_len, f) != t->term_len))
		return LIDX_EIO;
	n = put_varint(h, t->df);
	n += put_varint(h + n, t->last);
	n += put_varint(h + n, t->docs_len);
	n += put_varint(h + n, t->pos_len);
	if (fwrite(h, 1, n, f) != n || (t->docs_len && fwrite(t->docs, 1, t->docs_len, f) != t->docs_len) ||
	    (t->pos_len && fwrite(t->pos, 1, t->pos_len, f) != t->pos_len))
		return LIDX_EIO;
	return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

static int get_varint(FILE *f, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		int c = getc_unlocked(f);
		if (c == EOF)
			return ferror(f) ? LIDX_EIO : LIDX_ECORRUPT;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return LIDX_ECORRUPT;
}

/*
 * A read buffer of a run (or of the merge) is given back when it holds more
 * than this and the next entry needs no more: else each of up to MAX_RUNS
 * runs would keep the size of the longest list it ever read until the end.
 */
#define RUN_BUF_KEEP ((size_t)64 << 10)

static void buf_shrink(lidx_buf *b, uint64_t need)
{
	if (b->cap > RUN_BUF_KEEP && need <= RUN_BUF_KEEP)
		lidx_buf_free(b);
}

static int get_bytes(FILE *f, lidx_buf *b, uint64_t n)
{
	b->len = 0;
	if (n > UINT32_MAX) /* a term's list is cut at 4 GiB as it is gathered */
		return LIDX_ECORRUPT;
	buf_shrink(b, n);
	int rc = lidx_buf_reserve(b, (size_t)n ? (size_t)n : 1);
	if (rc < 0)
		return rc;
	if (n && fread(b->p, 1, (size_t)n, f) != (size_t)n)
		return ferror(f) ? LIDX_EIO : LIDX_ECORRUPT;
	b->len = (size_t)n;
	return 0;
}

/* Read the run's next entry (r->have 0 at its end). */
static int run_next(lidx_run *r)
{
	r->have = 0;
	if (!r->left)
		return 0;
	uint64_t tl, df, last, dl, pl;
	int rc;
	if ((rc = get_varint(r->f, &tl)) < 0 || (rc = get_bytes(r->f, &r->term, tl)) < 0 ||
	    (rc = get_varint(r->f, &df)) < 0 || (rc = get_varint(r->f, &last)) < 0 ||
	    (rc = get_varint(r->f, &dl)) < 0 || (rc = get_varint(r->f, &pl)) < 0)
		return rc;
	if (!df || df > UINT32_MAX || last > UINT32_MAX || dl < 3 * df)
		return LIDX_ECORRUPT;
	if ((rc = get_bytes(r->f, &r->docs, dl)) < 0 || (rc = get_bytes(r->f, &r->pos, pl)) < 0)
		return rc;
	r->df = (uint32_t)df;
	r->last = (uint32_t)last;
	r->left--;
	r->have = 1;
	return 0;
}

void lidx__run_open(lidx_run *r, FILE *f, uint64_t n)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->n_entries = n;
}

/* Rewind the run and read its first entry. */
static int run_start(lidx_run *r)
{
	r->left = r->n_entries;
	r->have = 0;
	if (fflush(r->f) != 0 || fseek(r->f, 0, SEEK_SET) != 0)
		return LIDX_EIO;
	return run_next(r);
}

void lidx__run_close(lidx_run *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
	lidx_buf_free(&r->term);
	lidx_buf_free(&r->docs);
	lidx_buf_free(&r->pos);
}

/* ---- the merge ---------------------------------------------------------------------- */

int lidx__merge_init(lidx_merge *m, lidx_run *runs, size_t n, uint32_t n_docs)
{
	memset(m, 0, sizeof *m);
	m->runs = runs;
	m->n = n;
	m->n_docs = n_docs;
	m->took = lidx__malloc(lidx__mul(n ? n : 1, sizeof *m->took));
	if (!m->took)
		return LIDX_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = run_start(&runs[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void lidx__merge_free(lidx_merge *m)
{
	lidx__free(m->took);
	lidx_buf_free(&m->docs);
	lidx_buf_free(&m->pos);
	memset(m, 0, sizeof *m);
}

static int term_cmp(const lidx_buf *a, const lidx_buf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->p, b->p, n) : 0;
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

int lidx__merge_next(lidx_merge *m, lidx_mterm *out)
{
	int rc;
	for (size_t i = 0; i < m->n_took; i++)
		if ((rc = run_next(&m->runs[m->took[i]])) < 0)
			return rc;
	/* the smallest term, and every run that has it, in run (story) order;
	   a linear scan: there are at most a few dozen runs (MAX_RUNS) */
	m->n_took = 0;
	for (size_t i = 0; i < m->n; i++) {
		lidx_run *r = &m->runs[i];
		if (!r->have)
			continue;
		int c = m->n_took ? term_cmp(&r->term, &m->runs[m->took[0]].term) : -1;
		if (c < 0)
			m->n_took = 0;
		if (c <= 0)
			m->took[m->n_took++] = i;
	}
	if (!m->n_took)
		return 0;
	lidx_run *r0 = &m->runs[m->took[0]];
	*out = (lidx_mterm){ r0->term.p, r0->term.len, r0->df, r0->last, r0->docs.p, r0->pos.p, r0->docs.len, r0->pos.len };
	/* a doc id past the build's stories would index DOCS out of bounds
	   (index_write.c write_postings checks each doc; this the lists' ends) */
	if (m->runs[m->took[m->n_took - 1]].last >= m->n_docs)
		return LIDX_ECORRUPT;
	if (m->n_took == 1)
		return 1;
	/* concatenate: each later list's first gap (its first doc) becomes
	   relative to the list before it */
	buf_shrink(&m->docs, 0);
	buf_shrink(&m->pos, 0);
	m->docs.len = m->pos.len = 0;
	uint64_t df = 0;
	uint32_t last = 0;
	for (size_t k = 0; k < m->n_took; k++) {
		lidx_run *r = &m->runs[m->took[k]];
		const uint8_t *p = r->docs.p, *end = r->docs.p + r->docs.len;
		uint32_t first;
		if (lidx_get_varint32(&p, end, &first) < 0 || (k && first <= last) || r->last < first)
			return LIDX_ECORRUPT;
		if ((rc = lidx_buf_varint(&m->docs, first - last)) < 0 ||
		    (p < end && (rc = lidx_buf_put(&m->docs, p, (size_t)(end - p))) < 0) ||
		    (r->pos.len && (rc = lidx_buf_put(&m->pos, r->pos.p, r->pos.len)) < 0))
			return rc;
		df += r->df;
		last = r->last;
	}
	if (df > UINT32_MAX || m->docs.len > UINT32_MAX || m->pos.len > UINT32_MAX)
		return LIDX_ETOOBIG;
	out->df = (uint32_t)df;
	out->last = last;
	out->docs = m->docs.p;
	out->docs_len = m->docs.len;
	out->pos = m->pos.p;
	out->pos_len = m->pos.len;
	return 1;
}
