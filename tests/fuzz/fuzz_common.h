/*
 * fuzz_common.h -- shared by the libFuzzer targets in tests/fuzz: a small
 * real index built once per process (so that queries meet real terms,
 * postings and stories), and the work a search does with a parsed query.
 */
#ifndef CVSEARCH_FUZZ_COMMON_H
#define CVSEARCH_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libindex.h"

static const char *const fuzz_notes[][2] = {
	{ "star-stories.md",
	  "# STAR stories\n\n## Led the Kafka migration\nSituation: RabbitMQ queues backed up during peak.\n"
	  "Task: migrate 40 services to Kafka. Action: built a dual-write bridge in Node.js and C#.\n"
	  "Result: p99 latency down 40%, $20m/year in revenue protected.\n\n"
	  "## Mentored a junior engineer\nPaired weekly on code review, on-call rotation and CI/CD.\n" },
	{ "notes.txt",
	  "Distributed systems reliability\n\nCircuit breakers and rate limiting for the payments API.\n"
	  "Moved to .NET 8 and MySQL 8; Kubernetes (k8s) with OAuth2.\n" },
	{ "graph.md",
	  "- Architecture\n  - GraphQL gateway\n    - caching with Redis\n  - Observability\n"
	  "    - tracing with OpenTelemetry\n    collapsed:: true\n" },
};

/* Build the sample index at a fresh temporary path; NULL on failure. */
static inline char *fuzz_build_index(void)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/cvsearch-fuzz-%ld.cvx", (long)getpid());
	lidx_builder *b;
	if (lidx_builder_new(&b) < 0)
		return NULL;
	int rc = 0;
	for (size_t i = 0; i < sizeof fuzz_notes / sizeof *fuzz_notes && rc == 0; i++) {
		const char *t = fuzz_notes[i][1];
		rc = lidx_builder_add_file(b, fuzz_notes[i][0], strlen(t), 1, 0);
		if (rc == 0)
			rc = lidx_builder_add_text(b, t, strlen(t), fuzz_notes[i][0], NULL);
	}
	if (rc == 0)
		rc = lidx_builder_write(b, path, NULL);
	lidx_builder_free(b);
	return rc == 0 ? path : NULL;
}

/* What the CLI does with a query: search, explain, snippets, highlights. */
static inline void fuzz_run_query(lidx_index *ix, lidx_analyzer *an, lidx_query *q)
{
	lidx_search_opts o;
	memset(&o, 0, sizeof o);
	lidx_search_defaults(&o);
	o.limit = 5;
	lidx_results r;
	lidx_err err;
	(void)lidx_query_describe(q);
	for (size_t g = 0; g < lidx_query_group_count(q); g++)
		(void)lidx_query_group_label(q, g);
	if (lidx_search(ix, q, &o, &r, &err) < 0)
		return;
	for (size_t i = 0; i < r.n_hits; i++) {
		lidx_story s;
		if (lidx_index_story(ix, r.hits[i].story, &s, &err) < 0)
			continue;
		lidx_snippet sn;
		if (lidx_snippet_make(ix, an, q, &s, 200, &sn) == 0) {
			for (size_t k = 0; k < sn.n_marks; k++)
				if (sn.marks[k].start > sn.marks[k].end || sn.marks[k].end > sn.len)
					abort(); /* a mark outside its snippet */
			lidx_snippet_clear(&sn);
		}
		lidx_span *m;
		size_t nm;
		if (lidx_highlight(an, q, s.text, s.text_len, &m, &nm) == 0) {
			for (size_t k = 0; k < nm; k++)
				if (m[k].start > m[k].end || m[k].end > s.text_len)
					abort();
			lidx_free(m);
		}
		size_t ng = lidx_query_group_count(q);
		double *pg = calloc(ng ? ng : 1, sizeof *pg), total;
		if (pg)
			(void)lidx_explain(ix, q, &o, s.id, pg, &total);
		free(pg);
		lidx_story_clear(&s);
	}
	lidx_results_clear(&r);
}

#endif
