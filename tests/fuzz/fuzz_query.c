/*
 * fuzz_query.c -- libFuzzer target: the query parser (operators on) on
 * arbitrary bytes, against a small real index, then search, explain,
 * snippets and highlights for what it parsed.
 */
#include <stdint.h>
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lidx_index *ix;
	static lidx_analyzer *an;
	if (!ix) {
		char *path = fuzz_build_index();
		if (!path || lidx_index_open(&ix, path, 0, NULL) < 0 || lidx_analyzer_new(&an) < 0)
			abort();
		unlink(path); /* the map stays valid */
	}
	lidx_query *q;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&q, ix, an, (const char *)data, size, 0, &err);
	if (rc < 0) {
		if (!memchr(err.msg, 0, sizeof err.msg) || !err.msg[0])
			abort(); /* every refusal explains itself */
		return 0;
	}
	fuzz_run_query(ix, an, q);
	lidx_query_free(q);
	return 0;
}
