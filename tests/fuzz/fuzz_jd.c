/*
 * fuzz_jd.c -- libFuzzer target: job descriptions. Until the job description
 * parser (lidx_match, issue #3) is in libindex.h this drives what `match`
 * builds on: a whole pasted document through lidx_query_parse() in
 * LIDX_QUERY_RAW mode, then search and snippets.
 * TODO(issue #3): switch to the lidx_match API once it is public.
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
		unlink(path);
	}
	lidx_query *q;
	lidx_err err = { 0 };
	int rc = lidx_query_parse(&q, ix, an, (const char *)data, size, LIDX_QUERY_RAW, &err);
	if (rc < 0) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	fuzz_run_query(ix, an, q);
	lidx_query_free(q);
	return 0;
}
