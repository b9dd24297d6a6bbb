/*
 * bench_common.h -- what the three bench drivers share (bench_cvsearch.c,
 * bench_fts5.c, bench_xapian.cc): TSV reading, clocks, getrusage, latency
 * percentiles and the JSON they print. Header-only so that each driver is
 * one compile.
 *
 * Every driver has the same command line:
 *   DRIVER index DOCS.tsv INDEX          build INDEX from docid<TAB>text lines
 *   DRIVER query INDEX QUERIES.tsv [--limit K] [--run RUN.trec] [--reps N]
 *                [--warmup 0|1] [--budget SECONDS]
 * and prints one JSON object on stdout. The query loop is
 *   for rep in (warmup ? -1 : 0) .. reps-1, for each query: time it;
 * the run file is written on the first pass; timing stops early (and
 * "queries" says how many were timed) once --budget seconds are spent.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>

typedef struct bench_row {
	char *id;
	char *text;
	size_t len;
} bench_row;

/* Calls fn(ctx, row) for each docid<TAB>text line; returns rows read or -1. */
static long bench_each_row(const char *path, int (*fn)(void *, const bench_row *), void *ctx,
                           unsigned long long *text_bytes)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long rows = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		char *tab = (char *)memchr(line, '\t', (size_t)n);
		if (!tab)
			continue;
		*tab = '\0';
		bench_row r = { line, tab + 1, (size_t)(n - (tab + 1 - line)) };
		if (text_bytes)
			*text_bytes += r.len;
		if (fn(ctx, &r) != 0) {
			rows = -1;
			break;
		}
		rows++;
	}
	free(line);
	fclose(f);
	return rows;
}

/* All rows of a small TSV file in memory (queries). */
typedef struct bench_table {
	bench_row *rows;
	size_t n, cap;
} bench_table;

static int bench_table_add(void *ctx, const bench_row *r)
{
	bench_table *t = (bench_table *)ctx;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = (bench_row *)realloc(t->rows, t->cap * sizeof *t->rows);
		if (!t->rows)
			return -1;
	}
	bench_row *d = &t->rows[t->n++];
	d->id = strdup(r->id);
	d->text = strdup(r->text);
	d->len = r->len;
	return d->id && d->text ? 0 : -1;
}

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * Peak resident set of this process image, in KiB: VmHWM of /proc/self/status.
 * Not getrusage's ru_maxrss: Linux carries that over execve, so a driver
 * started by bench/run.py would report at least the Python parent's RSS
 * (every engine showed the same figure). ru_maxrss only where /proc is absent.
 */
static long bench_peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6)) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	if (kb < 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		kb = ru.ru_maxrss;
	}
	return kb;
}

/* Bytes on disk of a file, or of every file under a folder. */
static unsigned long long bench_disk_bytes(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return (unsigned long long)st.st_size;
	unsigned long long sum = 0;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		sum += bench_disk_bytes(sub);
	}
	if (d)
		closedir(d);
	return sum;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v. */
static double bench_pct(const double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* Print {"engine":..,"queries":n,"p50_ms":..,...,"lat_ms":[...]} */
static void bench_print_latency(const char *engine, double *ms, size_t n, double hits_mean)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += ms[i];
	printf("{\"engine\":\"%s\",\"queries\":%zu,\"mean_hits\":%.2f,\"mean_ms\":%.4f,", engine, n,
	       hits_mean, n ? sum / (double)n : 0);
	printf("\"lat_ms\":[");
	for (size_t i = 0; i < n; i++)
		printf("%s%.4f", i ? "," : "", ms[i]);
	qsort(ms, n, sizeof *ms, bench_cmp_double);
	printf("],\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f}\n",
	       bench_pct(ms, n, 50), bench_pct(ms, n, 95), bench_pct(ms, n, 99), n ? ms[n - 1] : 0);
}

static void bench_print_index(const char *engine, long docs, unsigned long long text_bytes,
                              double wall, double cpu, unsigned long long index_bytes,
                              unsigned long long postings)
{
	printf("{\"engine\":\"%s\",\"docs\":%ld,\"text_bytes\":%llu,\"wall_s\":%.4f,\"cpu_s\":%.4f,"
	       "\"peak_rss_kb\":%ld,\"index_bytes\":%llu,\"postings\":%llu,\"mb_per_s\":%.3f,"
	       "\"docs_per_s\":%.1f,\"bytes_per_posting\":%.3f}\n",
	       engine, docs, text_bytes, wall, cpu, bench_peak_rss_kb(), index_bytes, postings,
	       wall > 0 ? (double)text_bytes / 1e6 / wall : 0, wall > 0 ? (double)docs / wall : 0,
	       postings ? (double)index_bytes / (double)postings : 0);
}

/* Options after the positional arguments of `query`. */
typedef struct bench_qopts {
	size_t limit;
	const char *run;
	int reps;
	int warmup;    /* 1: an untimed pass first (default) */
	double budget; /* stop timing once this many seconds are spent (0: none) */
} bench_qopts;

static int bench_parse_qopts(int argc, char **argv, int first, bench_qopts *o)
{
	o->limit = 10;
	o->run = NULL;
	o->reps = 1;
	o->warmup = 1;
	o->budget = 0;
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			o->limit = (size_t)atol(argv[++i]);
		else if (!strcmp(argv[i], "--run") && i + 1 < argc)
			o->run = argv[++i];
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			o->reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			o->warmup = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--budget") && i + 1 < argc)
			o->budget = atof(argv[++i]);
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -1;
		}
	}
	if (o->limit < 1 || o->reps < 1)
		return -1;
	return 0;
}

#define BENCH_USAGE(prog) \
	fprintf(stderr, "usage: %s index DOCS.tsv INDEX\n       %s query INDEX QUERIES.tsv " \
	        "[--limit K] [--run RUN.trec] [--reps N] [--warmup 0|1] [--budget SECONDS]\n", prog, prog)

#endif
