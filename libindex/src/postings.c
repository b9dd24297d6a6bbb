/*
 * postings.c -- reading one term's postings list: a cursor that walks doc
 * ids in order, skips whole 128-doc blocks by their last doc id, decodes
 * the block it stops in at once (doc ids and frequencies into arrays), and
 * decodes positions only when asked (phrases, snippets), passing the
 * earlier docs' positions in one byte scan. Used by search.c. The
 * layout is in format.h; every read is bounds-checked. For an index of
 * several segments (segset.c) a cursor chains the segments' lists, their
 * doc ids offset by each segment's first story, and leaves deleted stories
 * out of the blocks it decodes.
 */
#include <stddef.h>
#include <zlib.h>
#include "index.h"

int lidx__cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c)
{
	if (ix->segs)
		return lidx__segs_cursor_open(ix, t, c);
	memset(c, 0, offsetof(lidx_cursor, parts)); /* the rest is filled when used */
	c->doc = UINT32_MAX;
	uint8_t bit = (uint8_t)(1u << (t->ord & 7));
	if (!(ix->post_checked[t->ord >> 3] & bit)) {
		uint32_t crc = t->post_len ? (uint32_t)crc32_z(0, t->post, t->post_len) : 0;
		if (crc != t->post_crc)
			return LIDX_ECORRUPT;
		ix->post_checked[t->ord >> 3] |= bit;
	}
	c->p = t->post;
	c->end = t->post + t->post_len;
	c->df = t->df;
	c->doc = 0;
	/* position on the first doc */
	return lidx__cursor_seek(c, 0);
}

/* Move to the next chained list (segments): 1 if there is none. */
static int next_part(lidx_cursor *c)
{
	if (c->part + 1 >= c->n_parts)
		return 1;
	c->part++;
	c->p = c->parts[c->part].p;
	c->end = c->parts[c->part].end;
	c->dead = c->parts[c->part].dead;
	c->base = c->parts[c->part].base;
	c->have_block = 0;
	c->block_last = c->prev_last = 0;
	return 0;
}

/* Read the next block's header (its docs are not decoded); 1 if there is none. */
static int enter_block(lidx_cursor *c)
{
	uint32_t n, delta;
	uint64_t db, pb;
	if (c->p >= c->end)
		return 1;
	if (lidx_get_varint32(&c->p, c->end, &n) < 0 || n == 0 || n > LIDX_POST_BLOCK ||
	    lidx_get_varint32(&c->p, c->end, &delta) < 0 ||
	    lidx_get_varint(&c->p, c->end, &db) < 0 || lidx_get_varint(&c->p, c->end, &pb) < 0 ||
	    db > (uint64_t)(c->end - c->p) || pb > (uint64_t)(c->end - c->p) - db ||
	    (uint64_t)c->prev_last + delta >= UINT32_MAX)
		return LIDX_ECORRUPT;
	c->n_in_block = n;
	c->i = 0;
	c->block_last = c->prev_last + delta;
	c->pp = c->p + db;          /* docs are [p, pp), positions [pp, pend) */
	c->pend = c->pp + pb;
	return 0;
}

/*
 * Decode the entered block's docs into the arrays, checking them: doc ids
 * rise (a gap of 0 only for doc 0 of the first block), stay within the
 * block's last doc and end on it, every doc has a frequency, and the doc
 * bytes are used exactly.
 */
static int decode_block(lidx_cursor *c, int first)
{
	const uint8_t *dp = c->p, *dend = c->pp;
	uint32_t doc = c->prev_last, last = c->block_last, n = c->n_in_block;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t gap, tft, tfb;
		if (lidx_get_varint32(&dp, dend, &gap) < 0 || lidx_get_varint32(&dp, dend, &tft) < 0 ||
		    lidx_get_varint32(&dp, dend, &tfb) < 0 || (gap == 0 && (k || !first)) ||
		    (uint64_t)doc + gap > last || (tft == 0 && tfb == 0))
			return LIDX_ECORRUPT;
		doc += gap;
		c->docs[k] = doc;
		c->tft[k] = tft;
		c->tfb[k] = tfb;
	}
	if (dp != dend || doc != last)
		return LIDX_ECORRUPT;
	c->p = c->pend;
	c->pos_i = 0;
	if (c->n_parts) { /* a segment: global ids, deleted stories left out */
		uint32_t kept = 0, skip = 0;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t d = c->docs[k];
			if (c->dead && (c->dead[d >> 3] >> (d & 7) & 1)) {
				skip += c->tfb[k];
				continue;
			}
			c->docs[kept] = d + c->base;
			c->tft[kept] = c->tft[k];
			c->tfb[kept] = c->tfb[k];
			c->pskip[kept++] = skip;
			skip = 0;
		}
		c->n_in_block = kept;
	}
	return 0;
}

int lidx__cursor_seek(lidx_cursor *c, uint32_t target)
{
	if (c->corrupt)
		return LIDX_ECORRUPT;
	if (c->doc == UINT32_MAX || (c->started && c->doc >= target))
		return 0;
	uint32_t k = c->i + 1;
	if (!c->started || k >= c->n_in_block || c->docs[c->n_in_block - 1] < target) {
		/* enter the next block, skipping those that end before target */
		for (;;) {
			int first = !c->have_block;
			c->prev_last = c->have_block ? c->block_last : 0;
			int r = enter_block(c);
			if (r == 1) {
				if (next_part(c) == 0)
					continue;
				c->doc = UINT32_MAX;
				return 0;
			}
			if (r < 0 || (c->have_block && c->block_last <= c->prev_last))
				goto corrupt;
			c->have_block = 1;
			c->started = 1; /* a skipped block's docs count as seen */
			if ((uint64_t)c->block_last + c->base >= target) {
				if (decode_block(c, first) < 0)
					goto corrupt;
				/* a segment's block may keep no doc >= target (deleted) */
				if (c->n_in_block && c->docs[c->n_in_block - 1] >= target)
					break;
				continue;
			}
			c->p = c->pend;
		}
		k = 0;
	}
	/* the block's last doc is >= target: the scan stops inside it */
	while (c->docs[k] < target)
		k++;
	c->i = k;
	c->doc = c->docs[k];
	c->tf_title = c->tft[k];
	c->tf_body = c->tfb[k];
	return 0;
corrupt:
	c->corrupt = 1;
	c->doc = UINT32_MAX;
	return LIDX_ECORRUPT;
}

int lidx__cursor_positions(lidx_cursor *c, uint32_t *out, uint32_t max)
{
	if (c->doc == UINT32_MAX || c->pos_i > c->i)
		return LIDX_EINVAL; /* asked twice, or past the end: a caller bug */
	/* pass the earlier docs' positions: count varint ends (a byte scan) */
	uint64_t owed = 0;
	for (uint32_t k = c->pos_i; k < c->i; k++)
		owed += c->tfb[k];
	if (c->n_parts) /* the positions of deleted docs (segments) */
		for (uint32_t k = c->pos_i; k <= c->i; k++)
			owed += c->pskip[k];
	const uint8_t *pp = c->pp, *pend = c->pend;
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
