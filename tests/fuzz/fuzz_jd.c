/*
 * fuzz_jd.c -- libFuzzer target: the job description parser behind
 * `cvsearch match`, on arbitrary bytes against a small real index:
 * lidx_jd_split(), lidx_jd_boilerplate(), lidx_match_new(), the built
 * query through search and snippets, coverage, the pick, and labels.
 * Checks item ranges and requirement texts against the input.
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
	const char *text = (const char *)data;
	lidx_jd_item *items;
	size_t n_items;
	if (lidx_jd_split(text, size, &items, &n_items) == 0) {
		for (size_t i = 0; i < n_items; i++) {
			if (items[i].start > items[i].end || items[i].end > size ||
			    items[i].section >= (long)n_items || items[i].section < -1)
				abort(); /* an item outside the text */
			(void)lidx_jd_boilerplate(text + items[i].start, items[i].end - items[i].start);
		}
		lidx_free(items);
	}
	lidx_match *m;
	lidx_err err = { 0 };
	lidx_match_opts mo;
	memset(&mo, 0, sizeof mo);
	lidx_match_defaults(&mo);
	int rc = lidx_match_new(&m, ix, an, text, size, &mo, &err);
	if (rc < 0) {
		if (!err.msg[0] || m)
			abort(); /* every refusal explains itself and leaves nothing */
		return 0;
	}
	for (size_t i = 0; i < lidx_match_term_count(m); i++)
		if (!lidx_match_term_at(m, i)->label)
			abort();
	fuzz_run_query(ix, an, lidx_match_query(m));
	lidx_search_opts so;
	memset(&so, 0, sizeof so);
	lidx_search_defaults(&so);
	if (lidx_match_coverage(m, &so, &err) == 0) {
		for (size_t i = 0; i < lidx_match_req_count(m); i++) {
			const lidx_requirement *r = lidx_match_req(m, i);
			if (!r->text || !r->section || r->coverage < 0 || r->coverage > 1.000001)
				abort();
			if (r->has_story)
				(void)lidx_match_story_label(m, i, r->story);
		}
		(void)lidx_match_coverage_share(m);
		uint32_t pick[3];
		size_t np;
		(void)lidx_match_pick(m, 3, pick, &np);
	}
	lidx_match_free(m);
	return 0;
}
