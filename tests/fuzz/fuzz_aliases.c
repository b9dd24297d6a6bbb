/*
 * fuzz_aliases.c -- libFuzzer target: the alias file parser
 * (lidx__aliases_parse(), one set of spellings a line) on arbitrary bytes,
 * long lines and many sets, then a query that expands aliases. The alias
 * table is process-wide and capped (MAX_FORMS): inputs add to it until it
 * is full, and from then on must be refused cleanly.
 */
#include <stdint.h>
#include "fuzz_common.h"
#include "aliases.h"

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
	lidx_err err = { 0 };
	int rc = lidx__aliases_parse(an, (const char *)data, size, "fuzz", &err);
	if (rc < 0 && (!memchr(err.msg, 0, sizeof err.msg) || !err.msg[0]))
		abort(); /* every refusal explains itself */
	lidx_query *q;
	if (lidx_query_parse(&q, ix, an, "k8s kafka oauth2 mentoring", 26, 0, NULL) == 0) {
		fuzz_run_query(ix, an, q);
		lidx_query_free(q);
	}
	return 0;
}
