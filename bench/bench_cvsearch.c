/*
 * bench_cvsearch.c -- the cvsearch bench driver: indexes a TSV collection
 * and times top-K BM25 queries in process, through the public libindex.h
 * only (linked against build/rel/libindex.a). One story per document, no
 * title; queries are raw text (LIDX_QUERY_RAW) ranked as a plain BM25 OR
 * (coord off), as `cvsearch batch` does. Command line: see bench_common.h.
 * Ranked runs for evaluation come from `cvsearch batch`, not from here.
 * The build's memory budget is the library's default (64 MiB), or
 * $CVSEARCH_MEMORY_MB as the CLI reads it (0: none); its runs go beside OUT.
 */
#include "bench_common.h"
#include "libindex.h"

static int add_doc(void *ctx, const bench_row *r)
{
	return lidx_builder_add_story((lidx_builder *)ctx, "", "", 1, 1, r->text, r->len) < 0;
}

static int do_index(const char *docs, const char *out)
{
	lidx_builder *b = NULL;
	lidx_err err = { 0 };
	unsigned long long bytes = 0;
	double t0 = bench_now(), c0 = bench_cpu();
	/* memory bound: CVSEARCH_MEMORY_MB as the CLI reads it (0: none), runs beside out */
	const char *mem = getenv("CVSEARCH_MEMORY_MB");
	size_t budget = mem && *mem ? (size_t)strtoull(mem, NULL, 10) << 20 : LIDX_BUILD_MEMORY;
	if (lidx_builder_new(&b) < 0 || lidx_builder_set_memory(b, budget, out) < 0 ||
	    lidx_builder_add_file(b, docs, 0, 0, 0) < 0)
		return 1;
	long n = bench_each_row(docs, add_doc, b, &bytes);
	if (n < 0)
		return 1;
	int rc = lidx_builder_write(b, out, &err);
	lidx_builder_free(b);
	if (rc < 0) {
		fprintf(stderr, "bench_cvsearch: %s\n", err.msg);
		return 1;
	}
	double wall = bench_now() - t0, cpu = bench_cpu() - c0;
	lidx_index *ix = NULL;
	lidx_stats st = { 0 };
	if (lidx_index_open(&ix, out, 0, &err) < 0 || lidx_index_stats(ix, &st) < 0) {
		fprintf(stderr, "bench_cvsearch: %s\n", err.msg);
		return 1;
	}
	lidx_index_close(ix);
	bench_print_index("cvsearch", n, bytes, wall, cpu, bench_disk_bytes(out), st.n_postings);
	return 0;
}

static int do_query(const char *index, const char *queries, const bench_qopts *o)
{
	lidx_index *ix = NULL;
	lidx_analyzer *an = NULL;
	lidx_err err = { 0 };
	bench_table qs = { 0 };
	if (o->run) {
		fprintf(stderr, "bench_cvsearch: ranked runs come from 'cvsearch batch'\n");
		return 1;
	}
	if (lidx_index_open(&ix, index, 0, &err) < 0 || lidx_analyzer_new(&an) < 0) {
		fprintf(stderr, "bench_cvsearch: %s\n", err.msg);
		return 1;
	}
	if (bench_each_row(queries, bench_table_add, &qs, NULL) < 0)
		return 1;
	lidx_search_opts so;
	lidx_search_defaults(&so);
	so.coord = 0;
	so.limit = o->limit;
	size_t n = qs.n * (size_t)o->reps, k = 0;
	double *ms = (double *)calloc(n ? n : 1, sizeof *ms), hits = 0;
	double t_start = bench_now();
	for (int rep = o->warmup ? -1 : 0; rep < o->reps; rep++) { /* rep -1 warms the page cache */
		for (size_t i = 0; i < qs.n; i++) {
			if (o->budget > 0 && bench_now() - t_start > o->budget && k > 0)
				goto out;
			lidx_query *q = NULL;
			lidx_results r = { 0 };
			double t0 = bench_now();
			int rc = lidx_query_parse(&q, ix, an, qs.rows[i].text, qs.rows[i].len, LIDX_QUERY_RAW, &err);
			if (rc == 0)
				rc = lidx_search(ix, q, &so, &r, &err);
			double t = (bench_now() - t0) * 1e3;
			if (rc < 0 && rc != LIDX_EEMPTY) {
				fprintf(stderr, "bench_cvsearch: query %s: %s\n", qs.rows[i].id, err.msg);
				return 1;
			}
			if (rep >= 0) {
				ms[k++] = t;
				hits += (double)r.n_hits;
			}
			lidx_results_clear(&r);
			lidx_query_free(q);
		}
	}
out:
	bench_print_latency("cvsearch", ms, k, k ? hits / (double)k : 0);
	free(ms);
	lidx_analyzer_free(an);
	lidx_index_close(ix);
	return 0;
}

int main(int argc, char **argv)
{
	bench_qopts o;
	if (argc == 4 && !strcmp(argv[1], "index"))
		return do_index(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "query") && bench_parse_qopts(argc, argv, 4, &o) == 0)
		return do_query(argv[2], argv[3], &o);
	BENCH_USAGE(argv[0]);
	return 2;
}
