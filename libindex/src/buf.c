/*
 * buf.c -- growable byte buffers with a hard cap, and the varint/integer
 * encoders used by every on-disk writer (index_write, postings, store).
 */
#include "common.h"

int lidx_buf_reserve(lidx_buf *b, size_t extra)
{
	if (extra > LIDX_BUF_MAX - b->len)
		return LIDX_ETOOBIG;
	size_t need = b->len + extra;
	if (need <= b->cap)
		return 0;
	size_t nc = b->cap ? b->cap : 64;
	while (nc < need)
		nc *= 2;
	uint8_t *p = lidx__realloc(b->p, nc);
	if (!p)
		return LIDX_ENOMEM;
	b->p = p;
	b->cap = nc;
	return 0;
}

int lidx_buf_put(lidx_buf *b, const void *p, size_t n)
{
	if (!n)
		return 0;
	int rc = lidx_buf_reserve(b, n);
	if (rc < 0)
		return rc;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void lidx_buf_free(lidx_buf *b)
{
	lidx__free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int lidx_buf_varint_slow(lidx_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	return lidx_buf_put(b, tmp, n);
}

int lidx_buf_u32(lidx_buf *b, uint32_t v)
{
	uint8_t tmp[4];
	lidx_wr32(tmp, v);
	return lidx_buf_put(b, tmp, 4);
}

int lidx_buf_u64(lidx_buf *b, uint64_t v)
{
	uint8_t tmp[8];
	lidx_wr64(tmp, v);
	return lidx_buf_put(b, tmp, 8);
}

int lidx_buf_str(lidx_buf *b, const char *s, size_t n)
{
	int rc = lidx_buf_varint(b, n);
	return rc < 0 ? rc : lidx_buf_put(b, s, n);
}
