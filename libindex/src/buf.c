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

char *lidx__utf16_to_utf8(const uint8_t *p, size_t n, size_t *out_len)
{
	int be = n >= 2 && p[0] == 0xfe && p[1] == 0xff;
	char *o = lidx__malloc(lidx__mul(n / 2 + 1, 3) + 1);
	if (!o)
		return NULL;
	size_t w = 0;
	for (size_t i = 2; i + 1 < n; i += 2) {
		uint32_t u = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
		if (u >= 0xd800 && u < 0xdc00 && i + 3 < n) {
			uint32_t v = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3]) : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
			if (v >= 0xdc00 && v < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
				i += 2;
			} else {
				u = 0xfffd;
			}
		} else if (u >= 0xd800 && u < 0xe000) {
			u = 0xfffd;
		}
		if (u < 0x80) {
			o[w++] = (char)u;
		} else if (u < 0x800) {
			o[w++] = (char)(0xc0 | u >> 6);
			o[w++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			o[w++] = (char)(0xe0 | u >> 12);
			o[w++] = (char)(0x80 | ((u >> 6) & 0x3f));
			o[w++] = (char)(0x80 | (u & 0x3f));
		} else {
			o[w++] = (char)(0xf0 | u >> 18);
			o[w++] = (char)(0x80 | ((u >> 12) & 0x3f));
			o[w++] = (char)(0x80 | ((u >> 6) & 0x3f));
			o[w++] = (char)(0x80 | (u & 0x3f));
		}
	}
	o[w] = 0;
	*out_len = w;
	return o;
}
