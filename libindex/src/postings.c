/*
 * postings.c -- reading one term's postings list: a cursor that walks doc
 * ids in order, skips whole 128-doc blocks by their last doc id, and decodes
 * positions only when asked (phrases, snippets): a walk that never asks
 * only counts the position varints it passes (pos_owed) and never reads
 * them; the first request skips them in one byte scan. Used by search.c. The
 * layout is in format.h; every read is bounds-checked.
 */
#include <zlib.h>
#include "index.h"

int lidx__cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c)
{
	memset(c, 0, sizeof *c);
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

/* Enter the next block; 1 if there is none. */
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
	c->left_in_block = n;
	c->block_last = c->prev_last + delta;
	c->dp = c->p;
	c->dend = c->p + db;
	c->pp = c->dend;
	c->pend = c->dend + pb;
	c->p = c->pend;
	c->pos_pending = 0;
	c->pos_owed = 0;
	c->doc = c->prev_last; /* gaps are relative to the previous block's last */
	return 0;
}

/* Pass the pos_owed position varints before the current doc's (a byte scan). */
static int skip_owed_positions(lidx_cursor *c)
{
	const uint8_t *p = c->pp, *end = c->pend;
	uint64_t owed = c->pos_owed;
	while (owed && p < end)
		owed -= !(*p++ & 0x80);
	if (owed)
		return LIDX_ECORRUPT;
	c->pp = p;
	c->pos_owed = 0;
	return 0;
}

int lidx__cursor_seek(lidx_cursor *c, uint32_t target)
{
	if (c->corrupt)
		return LIDX_ECORRUPT;
	if (c->doc == UINT32_MAX || (c->started && c->doc >= target))
		return 0;
	for (;;) {
		if (c->left_in_block == 0) {
			/* enter the next block, skipping those that end before target */
			for (;;) {
				c->prev_last = c->have_block ? c->block_last : 0;
				int r = enter_block(c);
				if (r == 1) {
					c->doc = UINT32_MAX;
					return 0;
				}
				if (r < 0)
					goto corrupt;
				if (c->have_block && c->block_last <= c->prev_last)
					goto corrupt;
				c->have_block = 1;
				if (c->block_last >= target)
					break;
				c->left_in_block = 0;
				c->started = 1; /* the skipped block's docs count as seen */
			}
		} else if (c->pos_pending) {
			c->pos_owed += c->tf_body; /* not read: skipped only if a later doc's are */
			c->pos_pending = 0;
		}
		uint32_t gap;
		if (lidx_get_varint32(&c->dp, c->dend, &gap) < 0 ||
		    lidx_get_varint32(&c->dp, c->dend, &c->tf_title) < 0 ||
		    lidx_get_varint32(&c->dp, c->dend, &c->tf_body) < 0 ||
		    (gap == 0 && c->started) || (uint64_t)c->doc + gap > c->block_last ||
		    (c->tf_title == 0 && c->tf_body == 0))
			goto corrupt;
		c->doc += gap;
		c->started = 1;
		c->left_in_block--;
		c->pos_pending = 1;
		if (c->left_in_block == 0 && (c->dp != c->dend || c->doc != c->block_last))
			goto corrupt;
		if (c->doc >= target)
			return 0;
	}
corrupt:
	c->corrupt = 1;
	c->doc = UINT32_MAX;
	return LIDX_ECORRUPT;
}

int lidx__cursor_positions(lidx_cursor *c, uint32_t *out, uint32_t max)
{
	if (!c->pos_pending)
		return LIDX_EINVAL; /* asked twice: a caller bug */
	if (c->pos_owed && skip_owed_positions(c) < 0) {
		c->corrupt = 1;
		return LIDX_ECORRUPT;
	}
	uint32_t p = 0;
	for (uint32_t k = 0; k < c->tf_body; k++) {
		uint32_t v;
		if (lidx_get_varint32(&c->pp, c->pend, &v) < 0 || (uint64_t)p + v > UINT32_MAX) {
			c->corrupt = 1;
			return LIDX_ECORRUPT;
		}
		p += v;
		if (k < max)
			out[k] = p;
	}
	c->pos_pending = 0;
	return 0;
}
