/*
 * bench_fts5.c -- the SQLite FTS5 bench driver (peer; only the bench links
 * sqlite3). Configuration, chosen to match cvsearch and stated in
 * RESULTS.md: CREATE VIRTUAL TABLE t USING fts5(docid UNINDEXED, body,
 * tokenize='porter unicode61'); all rows in one transaction, then
 * 'optimize' (merges the segments, counted in the index time); queries are
 * the OR of their distinct words (case-insensitive), each word quoted so that nothing is an operator,
 * ranked by ORDER BY bm25(t) LIMIT K. Command line: see bench_common.h.
 */
#include <ctype.h>
#include <strings.h>
#include <unistd.h>
#include <sqlite3.h>
#include "bench_common.h"

static int check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench_fts5: %s: %s\n", what, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int add_doc(void *ctx, const bench_row *r)
{
	sqlite3_stmt *st = (sqlite3_stmt *)ctx;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->text, (int)r->len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int do_index(const char *docs, const char *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	unsigned long long bytes = 0, postings = 0;
	unlink(out);
	double t0 = bench_now(), c0 = bench_cpu();
	if (check(db, sqlite3_open(out, &db), "open") ||
	    check(db, sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=NORMAL;"
	                               "CREATE VIRTUAL TABLE t USING fts5(docid UNINDEXED, body,"
	                               " tokenize='porter unicode61'); BEGIN;", 0, 0, 0), "create") ||
	    check(db, sqlite3_prepare_v2(db, "INSERT INTO t(docid, body) VALUES(?, ?)", -1, &st, 0), "insert"))
		return 1;
	long n = bench_each_row(docs, add_doc, st, &bytes);
	sqlite3_finalize(st);
	if (n < 0 && check(db, SQLITE_ERROR, "insert"))
		return 1;
	if (check(db, sqlite3_exec(db, "COMMIT; INSERT INTO t(t) VALUES('optimize');", 0, 0, 0), "commit"))
		return 1;
	sqlite3_close(db);
	double wall = bench_now() - t0, cpu = bench_cpu() - c0;
	/* (term, document) pairs, from the fts5vocab 'row' table (not timed). */
	if (sqlite3_open(out, &db) == SQLITE_OK &&
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, row)", 0, 0, 0) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT sum(doc) FROM temp.v", -1, &st, 0) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		postings = (unsigned long long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	bench_print_index("fts5", n, bytes, wall, cpu, bench_disk_bytes(out), postings);
	return 0;
}

/* "w1" OR "w2" ... : every run of letters/digits (and any non-ASCII byte) is
 * one quoted word, so AND, OR, NOT, -, * and quotes in the text stay text. */
static char *or_query(const char *s, size_t len)
{
	char *q = (char *)malloc(len * 6 + 8), *p = q;
	size_t i = 0, n_seen = 0;
	int first = 1;
	struct { const char *p; size_t len; } *seen = malloc((len + 1) * sizeof *seen);
	if (!q || !seen) {
		free(q);
		free(seen);
		return NULL;
	}
	while (i < len) {
		while (i < len && !(isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
			i++;
		size_t st = i;
		while (i < len && (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
			i++;
		int dup = 0; /* a repeated word adds nothing to an OR but work */
		for (size_t j = 0; j < n_seen && !dup; j++)
			dup = seen[j].len == i - st && !strncasecmp(seen[j].p, s + st, i - st);
		if (i > st && !dup) {
			if (n_seen < len)
				seen[n_seen].p = s + st, seen[n_seen++].len = i - st;
			if (!first)
				p += sprintf(p, " OR ");
			*p++ = '"';
			memcpy(p, s + st, i - st);
			p += i - st;
			*p++ = '"';
			first = 0;
		}
	}
	*p = '\0';
	free(seen);
	return q;
}

static int do_query(const char *index, const char *queries, const bench_qopts *o)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bench_table qs = { 0 };
	FILE *run = NULL;
	if (check(db, sqlite3_open_v2(index, &db, SQLITE_OPEN_READONLY, 0), "open") ||
	    check(db, sqlite3_prepare_v2(db, "SELECT docid, -bm25(t) FROM t WHERE t MATCH ?"
	                                     " ORDER BY bm25(t) LIMIT ?", -1, &st, 0), "prepare"))
		return 1;
	if (bench_each_row(queries, bench_table_add, &qs, NULL) < 0)
		return 1;
	if (o->run && !(run = fopen(o->run, "w"))) {
		perror(o->run);
		return 1;
	}
	size_t n = qs.n * (size_t)o->reps, k = 0;
	double *ms = (double *)calloc(n ? n : 1, sizeof *ms), hits = 0;
	double t_start = bench_now();
	for (int rep = o->warmup ? -1 : 0; rep < o->reps; rep++) {
		for (size_t i = 0; i < qs.n; i++) {
			if (o->budget > 0 && bench_now() - t_start > o->budget && k > 0)
				goto out;
			double t0 = bench_now();
			char *q = or_query(qs.rows[i].text, qs.rows[i].len);
			size_t got = 0;
			if (q && *q) {
				sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(st, 2, (sqlite3_int64)o->limit);
				int rc;
				while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
					got++;
					if (run && rep == (o->warmup ? -1 : 0))
						fprintf(run, "%s Q0 %s %zu %.6f fts5\n", qs.rows[i].id,
						        (const char *)sqlite3_column_text(st, 0), got,
						        sqlite3_column_double(st, 1));
				}
				sqlite3_reset(st);
				if (check(db, rc, qs.rows[i].id))
					return 1;
			}
			double t = (bench_now() - t0) * 1e3;
			free(q);
			if (rep >= 0) {
				ms[k++] = t;
				hits += (double)got;
			}
		}
	}
	if (run)
		fclose(run);
out:
	bench_print_latency("fts5", ms, k, k ? hits / (double)k : 0);
	free(ms);
	sqlite3_finalize(st);
	sqlite3_close(db);
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
