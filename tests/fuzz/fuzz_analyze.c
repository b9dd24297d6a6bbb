/*
 * fuzz_analyze.c -- libFuzzer target: the analyzer on arbitrary bytes, with
 * every option combination. Checks each token's byte range and position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "libindex.h"

typedef struct chk {
	size_t len;
	uint32_t last_pos;
} chk;

static int on_token(void *ctx, const lidx_token *t)
{
	chk *c = ctx;
	if (t->start > t->end || t->end > c->len || !t->term || strlen(t->term) != t->term_len ||
	    t->term_len == 0 || t->pos < c->last_pos)
		abort(); /* a token the indexer would mis-store */
	c->last_pos = t->pos;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lidx_analyzer *an;
	if (!an && lidx_analyzer_new(&an) < 0)
		abort();
	unsigned opts = size ? data[0] & 3 : 0;
	const char *text = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;
	chk c = { len, 7 };
	uint32_t next = 0;
	if (lidx_analyze(an, text, len, opts, 7, on_token, &c, &next) < 0)
		return 0;
	if (next < c.last_pos)
		abort();
	(void)lidx_is_stopword(text, len < 64 ? len : 64);
	return 0;
}
