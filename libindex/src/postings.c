/*
 * postings.c -- one term's postings list: the reader (a cursor that walks
 * doc ids in order, skips whole 128-doc blocks by their last doc id, decodes
 * the block it stops in at once (doc ids and frequencies into arrays), and
 * decodes positions only when asked (phrases, snippets), passing the earlier
 * docs' positions in one scan, 8 bytes at a time), and the writer's half
 * that computes a block's score bound (block-max pruning). Used by search.c
 * and index_write.c. The layout is in format.h; every read is bounds-checked.
 * For an index of several segments (segset.c) a cursor chains the segments'
 * lists, their doc ids offset by each segment's first story, and leaves
 * deleted stories out of the blocks it decodes.
 */
#include <stddef.h>
#include <zlib.h>
#include "index.h"

/* ---- block bounds (writer) ------------------------------------------------------ */

static size_t put_varint(uint8_t *p, uint32_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * The bound of one block, for any BM25F parameters: the docs' (tf_body,
 * body_len) pairs that no other doc beats on both (higher tf, shorter
 * body; the Pareto front, at most LIDX_BOUND_PTS of them: a longer front is
 * cut down by merging neighbours into (the larger tf, the shorter length),
 * which still bounds both), and the largest tf_title with the shortest
 * title among the docs that have the term in their title. BM25F's tf part
 * rises with tf and falls with length, so a doc's score is at most the
 * best point's plus the title part (docs/FORMAT.md).
 */
/*
 * Sort n keys ascending: insertion sort of runs of 8, then bottom-up merges
 * through tmp (n <= LIDX_POST_BLOCK; an insertion sort of the whole block
 * was most of the write's time on 45,000 stories).
 */
static void sort_keys(uint64_t *a, uint64_t *tmp, uint32_t n)
{
	for (uint32_t lo = 0; lo < n; lo += 8) {
		uint32_t hi = lo + 8 < n ? lo + 8 : n;
		for (uint32_t k = lo + 1; k < hi; k++) {
			uint64_t v = a[k];
			uint32_t j = k;
			for (; j > lo && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
	}
	uint64_t *src = a, *dst = tmp;
	for (uint32_t w = 8; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			uint32_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, (size_t)n * sizeof *a);
}

int lidx__post_bound_put(lidx_buf *out, const uint32_t *tft, const uint32_t *tfb, const uint32_t *tl,
                         const uint32_t *bl, uint32_t n)
{
	uint32_t pt[LIDX_POST_BLOCK], pl[LIDX_POST_BLOCK], np = 0, mt = 0, ml = UINT32_MAX;
	/* (length, tf) points as keys sorted by length, then tf falling */
	uint64_t key[LIDX_POST_BLOCK], ktmp[LIDX_POST_BLOCK];
	if (n > LIDX_POST_BLOCK)
		return LIDX_EINVAL;
	for (uint32_t k = 0; k < n; k++) {
		if (tft[k] > mt)
			mt = tft[k];
		if (tft[k] && tl[k] < ml)
			ml = tl[k];
		if (tfb[k])
			key[np++] = (uint64_t)bl[k] << 32 | (UINT32_MAX - tfb[k]);
	}
	sort_keys(key, ktmp, np);
	for (uint32_t k = 0; k < np; k++) {
		pl[k] = (uint32_t)(key[k] >> 32);
		pt[k] = UINT32_MAX - (uint32_t)key[k];
	}
	/* the front: walking by length, keep a point only if its tf beats all shorter ones */
	uint32_t m = 0;
	for (uint32_t k = 0; k < np; k++)
		if (!m || pt[k] > pt[m - 1]) {
			pt[m] = pt[k];
			pl[m] = pl[k];
			m++;
		}
	while (m > LIDX_BOUND_PTS) {
		/* merge the neighbours whose lengths are closest (by ratio) */
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
	uint8_t tmp[5 * (3 + 2 * LIDX_BOUND_PTS)];
	size_t len = put_varint(tmp, m);
	for (uint32_t k = 0; k < m; k++) {
		len += put_varint(tmp + len, pt[k]);
		len += put_varint(tmp + len, pl[k]);
	}
	len += put_varint(tmp + len, mt);
	if (mt)
		len += put_varint(tmp + len, ml);
	int rc = lidx_buf_varint(out, len);
	return rc < 0 ? rc : lidx_buf_put(out, tmp, len);
}

/* ---- the cursor (reader) ------------------------------------------------------------ */

int lidx__cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c)
{
	if (ix->segs)
		return lidx__segs_cursor_open(ix, t, c);
	memset(c, 0, offsetof(lidx_cursor, parts)); /* the rest is filled when used */
	c->doc = UINT32_MAX;
	uint8_t bit = (uint8_t)(1u << (t->ord & 7));
	if (!(ix->post_checked[t->ord >> 3] & bit)) {
		if (lidx__post_crc(t->post, t->post_len) != t->post_crc)
			return LIDX_ECORRUPT;
		ix->post_checked[t->ord >> 3] |= bit;
	}
	c->p = t->post;
	c->end = t->post + t->post_len;
	c->n_ids = UINT32_MAX; /* one file: any id below the sentinel */
	c->df = t->df;
	c->doc = 0;
	/* position on the first doc */
	return lidx__cursor_seek(c, 0);
}

/*
 * Enter the next block of the current list: read its header and note where
 * its bound, docs and positions are (nothing is decoded). 1 if there is
 * none, LIDX_ECORRUPT if the header is bad, the block does not end after
 * the previous one, or it ends past the list's ids (n_ids: a segment's
 * stories). block_last and prev_last are global (+ base).
 */
static int enter_block(lidx_cursor *c)
{
	uint32_t n, delta;
	uint64_t db, pb, bb;
	const uint8_t *p = c->p, *end = c->end;
	if (p >= end)
		return 1;
	int first = !c->have_block;
	uint32_t prev = first ? 0 : c->block_last - c->base; /* local */
	if (lidx_get_varint32(&p, end, &n) < 0 || n == 0 || n > LIDX_POST_BLOCK ||
	    lidx_get_varint32(&p, end, &delta) < 0 || lidx_get_varint(&p, end, &db) < 0 ||
	    lidx_get_varint(&p, end, &pb) < 0 || lidx_get_varint(&p, end, &bb) < 0 ||
	    bb > (uint64_t)(end - p) || db > (uint64_t)(end - p) - bb ||
	    pb > (uint64_t)(end - p) - bb - db || (uint64_t)prev + delta >= c->n_ids ||
	    (uint64_t)prev + delta + c->base >= UINT32_MAX || (!first && delta == 0))
		return LIDX_ECORRUPT;
	c->blk_first = first;
	c->have_block = 1;
	c->decoded = 0;
	c->n_in_block = 0;
	c->blk_n = n;
	c->prev_last = prev + c->base;
	c->block_last = prev + delta + c->base;
	c->bp = p;                 /* bound [bp, dp), docs [dp, pp), positions [pp, pend) */
	c->dp = p + bb;
	c->pp = c->dp + db;
	c->pend = c->pp + pb;
	c->p = c->pend;
	return 0;
}

/* Enter the next block, of the next chained list (segments) when this one
   is done: 1 if there is none. */
static int step(lidx_cursor *c)
{
	for (;;) {
		int r = enter_block(c);
		if (r != 1 || c->part + 1 >= c->n_parts)
			return r;
		c->part++;
		c->p = c->parts[c->part].p;
		c->end = c->parts[c->part].end;
		c->dead = c->parts[c->part].dead;
		c->base = c->parts[c->part].base;
		c->n_ids = c->parts[c->part].n_ids;
		c->have_block = 0;
		c->decoded = 0;
		c->n_in_block = 0;
	}
}

/*
 * Decode the entered block's docs into the arrays, checking them: doc ids
 * rise (a gap of 0 only for doc 0 of the first block), stay within the
 * block's last doc and end on it, every doc has a frequency, and the doc
 * bytes are used exactly. The checks are gathered and judged once at the
 * end (a bad block is rejected whole, so the verdict is the same): with
 * gaps > 0 and a 64-bit sum that must end on the last doc, no doc id
 * before it can pass it or wrap. Three one-byte varints, the common case
 * (small gaps and frequencies), are read with one test, as many docs as
 * the bytes left could hold at three each with no bounds test (callgrind,
 * 30 300-word technical queries: 30 -> 25 instructions a doc). A segment's
 * ids are then made global and its deleted stories left out (n_in_block
 * may be 0), pskip[k] counting the positions of those just before doc k.
 */
static int decode_block(lidx_cursor *c)
{
	const uint8_t *dp = c->dp, *dend = c->pp;
	uint64_t doc = c->prev_last - c->base;
	uint32_t n = c->blk_n, zero_gaps = 0, zero_tfs = 0;
	uint32_t *docs = c->docs, *tfts = c->tft, *tfbs = c->tfb;
	for (uint32_t k = 0; k < n;) {
		/* three one-byte varints a doc while the bytes last: no bounds test per doc */
		size_t fit = (size_t)(dend - dp) / 3;
		uint32_t lim = fit < n - k ? k + (uint32_t)fit : n;
		for (; k < lim; k++) {
			uint32_t gap = dp[0], tft = dp[1], tfb = dp[2];
			if ((gap | tft | tfb) >= 0x80)
				break;
			zero_gaps += gap == 0;
			zero_tfs |= (uint32_t)((tft | tfb) == 0);
			dp += 3;
			doc += gap;
			docs[k] = (uint32_t)doc;
			tfts[k] = tft;
			tfbs[k] = tfb;
		}
		if (k >= n)
			break;
		uint32_t gap, tft, tfb;
		if (lidx_get_varint32(&dp, dend, &gap) < 0 || lidx_get_varint32(&dp, dend, &tft) < 0 ||
		    lidx_get_varint32(&dp, dend, &tfb) < 0)
			return LIDX_ECORRUPT;
		zero_gaps += gap == 0;
		zero_tfs |= (uint32_t)((tft | tfb) == 0);
		doc += gap;
		docs[k] = (uint32_t)doc;
		tfts[k] = tft;
		tfbs[k] = tfb;
		k++;
	}
	/* the one gap of 0 allowed: doc 0 opening the list (its first block starts at 0) */
	uint32_t zero_ok = c->blk_first && docs[0] == 0;
	if (zero_gaps > zero_ok || zero_tfs || dp != dend || doc != c->block_last - c->base)
		return LIDX_ECORRUPT;
	if (c->dead) { /* a segment with deleted stories (all ids < n_ids: enter_block) */
		uint32_t kept = 0, skip = 0;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t d = c->docs[k];
			if (c->dead[d >> 3] >> (d & 7) & 1) {
				skip += c->tfb[k];
				continue;
			}
			c->docs[kept] = d + c->base;
			c->tft[kept] = c->tft[k];
			c->tfb[kept] = c->tfb[k];
			c->pskip[kept++] = skip;
			skip = 0;
		}
		n = kept;
	} else if (c->base) {
		for (uint32_t k = 0; k < n; k++)
			c->docs[k] += c->base;
	}
	c->n_in_block = n;
	c->decoded = 1;
	c->pos_i = 0;
	return 0;
}

static int cursor_corrupt(lidx_cursor *c)
{
	c->corrupt = 1;
	c->doc = UINT32_MAX;
	return LIDX_ECORRUPT;
}

/* Enter blocks until one ends at or after target (c->doc = UINT32_MAX if none does). */
static int enter_until(lidx_cursor *c, uint32_t target)
{
	while (!c->have_block || c->block_last < target) {
		int r = step(c);
		if (r == 1) {
			c->doc = UINT32_MAX;
			return 0;
		}
		if (r < 0)
			return cursor_corrupt(c);
	}
	return 0;
}

int lidx__cursor_seek(lidx_cursor *c, uint32_t target)
{
	if (c->corrupt)
		return LIDX_ECORRUPT;
	if (c->doc == UINT32_MAX || (c->decoded && c->doc >= target))
		return 0;
	uint32_t k = 0;
	if (c->decoded && c->n_in_block && c->docs[c->n_in_block - 1] >= target) {
		k = c->i + 1; /* the scan stops inside the current block */
	} else {
		/* the block that holds target, entered by its header (skipped blocks'
		   docs count as seen); a segment's block may keep no doc >= target
		   (deleted ones): then the next */
		for (;;) {
			if (c->decoded) { /* none of its kept docs is >= target */
				int r = step(c);
				if (r == 1) {
					c->doc = UINT32_MAX;
					return 0;
				}
				if (r < 0)
					return cursor_corrupt(c);
			}
			if (enter_until(c, target) < 0)
				return LIDX_ECORRUPT;
			if (c->doc == UINT32_MAX)
				return 0;
			if (decode_block(c) < 0)
				return cursor_corrupt(c);
			if (c->n_in_block && c->docs[c->n_in_block - 1] >= target)
				break;
		}
	}
	/* the block's last kept doc is >= target: the scan stops inside it */
	while (c->docs[k] < target)
		k++;
	c->i = k;
	c->doc = c->docs[k];
	c->tf_title = c->tft[k];
	c->tf_body = c->tfb[k];
	return 0;
}

int lidx__cursor_shallow(lidx_cursor *c, uint32_t target)
{
	if (c->corrupt)
		return LIDX_ECORRUPT;
	if (c->doc == UINT32_MAX || c->block_last >= target)
		return 0;
	return enter_until(c, target);
}

int lidx__cursor_bound(lidx_cursor *c, lidx_bound *out)
{
	const uint8_t *p = c->bp, *end = c->dp;
	memset(out, 0, sizeof *out);
	if (c->corrupt)
		return LIDX_ECORRUPT;
	if (c->doc == UINT32_MAX || p == end)
		return 0; /* exhausted: no doc to bound; an empty bound: not known */
	uint32_t n;
	if (lidx_get_varint32(&p, end, &n) < 0 || n > LIDX_BOUND_PTS)
		return cursor_corrupt(c);
	for (uint32_t k = 0; k < n; k++)
		if (lidx_get_varint32(&p, end, &out->tfb[k]) < 0 || lidx_get_varint32(&p, end, &out->bl[k]) < 0 ||
		    out->tfb[k] == 0)
			return cursor_corrupt(c);
	if (lidx_get_varint32(&p, end, &out->tft) < 0 ||
	    (out->tft && lidx_get_varint32(&p, end, &out->tl) < 0) || p != end)
		return cursor_corrupt(c);
	out->n = n;
	out->known = 1;
	return 0;
}

int lidx__bound_covers(const lidx_bound *b, uint32_t tft, uint32_t tfb, uint32_t tl, uint32_t bl)
{
	if (!b->known)
		return 1;
	if (tft > b->tft || (tft && tl < b->tl))
		return 0;
	if (!tfb)
		return 1;
	for (uint32_t k = 0; k < b->n; k++)
		if (b->tfb[k] >= tfb && b->bl[k] <= bl)
			return 1;
	return 0;
}

int lidx__cursor_positions(lidx_cursor *c, uint32_t *out, uint32_t max)
{
	if (c->doc == UINT32_MAX || !c->decoded || c->pos_i > c->i)
		return LIDX_EINVAL; /* asked twice, or past the end: a caller bug */
	/* pass the earlier docs' positions: count varint ends (a byte scan) */
	uint64_t owed = 0;
	for (uint32_t k = c->pos_i; k < c->i; k++)
		owed += c->tfb[k];
	if (c->dead) /* the positions of deleted docs (segments) */
		for (uint32_t k = c->pos_i; k <= c->i; k++)
			owed += c->pskip[k];
	const uint8_t *pp = c->pp, *pend = c->pend;
	/* 8 bytes at a time while they hold fewer ends than owed (a varint ends
	   on a byte with the high bit clear), then byte by byte */
	while (owed > 8 && pend - pp >= 8) {
		uint64_t v;
		memcpy(&v, pp, 8);
		uint64_t ends = (~v & 0x8080808080808080ull) >> 7; /* a 1 per ending byte */
		uint64_t n = (ends * 0x0101010101010101ull) >> 56;  /* their count */
		if (n >= owed)
			break;
		owed -= n;
		pp += 8;
	}
	while (owed && pp < pend)
		owed -= !(*pp++ & 0x80);
	if (owed)
		goto corrupt;
	uint32_t p = 0;
	for (uint32_t k = 0; k < c->tf_body; k++) {
		uint32_t v;
		if (lidx_get_varint32(&pp, pend, &v) < 0 || (uint64_t)p + v > UINT32_MAX)
			goto corrupt;
		p += v;
		if (k < max)
			out[k] = p;
	}
	c->pp = pp;
	c->pos_i = c->i + 1;
	return 0;
corrupt:
	c->corrupt = 1;
	return LIDX_ECORRUPT;
}
