/*
 * cmd_batch.c -- `cvsearch batch`: index a test collection given as TSV and
 * write a TREC run, for evaluation (bench/trec_eval.py) and for comparing
 * with other engines. Uses only the public libindex.h: one story per
 * document in a temporary index file, raw queries, plain BM25 OR (coord off).
 *
 *   DOCS.tsv    docid<TAB>text    one per line; text may be empty
 *   TOPICS.tsv  qid<TAB>text      raw text: no operators
 *   RUN.trec    qid Q0 docid rank score cvsearch
 *
 * Blank lines are ignored; a non-blank line without a tab, or with an empty
 * id, is an error (exit 2) naming the file and line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

#define BATCH_DEFAULT_LIMIT 1000

/* One TSV row: pointers into the file's buffer (NUL-terminated in place). */
typedef struct row {
	char *id;
	char *text;
	size_t len;
	size_t line;
} row;

typedef struct table {
	char *buf;
	row *rows;
	size_t n_rows;
} table;

static void table_free(table *t)
{
	free(t->buf);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

/* Read a whole file into a NUL-terminated buffer. */
static int read_file(cli *c, const char *path, char **out, size_t *len_out)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_error(c, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int rc = -1;
	if (!buf)
		goto nomem;
	for (;;) {
		if (cap - len < 2) {
			if (cap > ((size_t)-1) / 2)
				goto nomem;
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				goto nomem;
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cli_error(c, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	buf[len] = '\0';
	*out = buf;
	*len_out = len;
	buf = NULL;
	rc = 0;
	goto done;
nomem:
	cli_error(c, "out of memory reading '%s'", path);
done:
	free(buf);
	fclose(f);
	return rc;
}

static int cmp_row_id(const void *x, const void *y)
{
	const row *a = *(const row *const *)x, *b = *(const row *const *)y;
	int r = strcmp(a->id, b->id);
	return r ? r : a->line < b->line ? -1 : a->line > b->line;
}

/* Ids must be unique: a run with one id twice is not a ranking evaluators can read. */
static int check_unique(cli *c, const char *path, const table *t)
{
	const row **v = malloc(t->n_rows * sizeof *v);
	if (!v) {
		cli_error(c, "out of memory reading '%s'", path);
		return -1;
	}
	for (size_t i = 0; i < t->n_rows; i++)
		v[i] = &t->rows[i];
	qsort(v, t->n_rows, sizeof *v, cmp_row_id);
	int rc = 0;
	for (size_t i = 1; i < t->n_rows && rc == 0; i++)
		if (!strcmp(v[i - 1]->id, v[i]->id)) {
			cli_error(c, "%s: the id '%s' is on lines %zu and %zu (ids must be unique)", path,
			          v[i]->id, v[i - 1]->line, v[i]->line);
			rc = -1;
		}
	free(v);
	return rc;
}

/* Split a TSV file into rows of id<TAB>text. */
static int read_table(cli *c, const char *opt, const char *path, table *t)
{
	memset(t, 0, sizeof *t);
	if (!path) {
		cli_error(c, "batch needs %s FILE (see cvsearch --help)", opt);
		return -1;
	}
	size_t len;
	if (read_file(c, path, &t->buf, &len) < 0)
		return -1;
	size_t cap = 0, lineno = 0;
	char *p = t->buf, *end = t->buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		lineno++;
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0', eol--;
		*eol = '\0';
		if (eol > p) {
			char *tab = memchr(p, '\t', (size_t)(eol - p));
			if (!tab || tab == p) {
				cli_error(c, "%s line %zu: want id<TAB>text, got %s", path, lineno,
				          tab ? "an empty id" : "no tab");
				goto fail;
			}
			*tab = '\0';
			if (t->n_rows == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				row *nr = realloc(t->rows, ncap * sizeof *nr);
				if (!nr) {
					cli_error(c, "out of memory reading '%s'", path);
					goto fail;
				}
				t->rows = nr;
				cap = ncap;
			}
			t->rows[t->n_rows].id = p;
			t->rows[t->n_rows].text = tab + 1;
			t->rows[t->n_rows].len = (size_t)(eol - tab - 1);
			t->rows[t->n_rows].line = lineno;
			t->n_rows++;
		}
		p = nl ? nl + 1 : end;
	}
	if (t->n_rows == 0) {
		cli_error(c, "%s: no id<TAB>text lines", path);
		goto fail;
	}
	if (check_unique(c, path, t) < 0)
		goto fail;
	return 0;
fail:
	table_free(t);
	return -1;
}

/* Index docs into a fresh temporary file in $TMPDIR; *path_out is malloc'd. */
static int build_index(cli *c, const table *docs, char **path_out)
{
	*path_out = NULL;
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	size_t n = strlen(tmpdir) + 32;
	char *path = malloc(n);
	lidx_builder *b = NULL;
	lidx_err err = { 0 };
	int rc = -1;
	if (!path) {
		cli_error(c, "out of memory");
		return -1;
	}
	snprintf(path, n, "%s/cvsearch-batch.XXXXXX", tmpdir);
	int fd = mkstemp(path);
	if (fd < 0) {
		cli_error(c, "cannot create a temporary index in %s: %s", tmpdir, strerror(errno));
		goto done;
	}
	close(fd);
	int lrc = lidx_builder_new(&b);
	if (lrc == 0 && c->memory)
		lrc = lidx_builder_set_memory(b, c->memory == SIZE_MAX ? 0 : c->memory, path);
	else if (lrc == 0)
		lrc = lidx_builder_set_memory(b, LIDX_BUILD_MEMORY, path);
	if (lrc == 0)
		lrc = lidx_builder_add_file(b, c->docs, 0, 0, 0);
	/* One story per document, in order: story id i is docs->rows[i]. */
	for (size_t i = 0; lrc == 0 && i < docs->n_rows; i++)
		lrc = lidx_builder_add_story(b, "", "", (uint32_t)(i + 1), (uint32_t)(i + 1),
		                             docs->rows[i].text, docs->rows[i].len);
	if (lrc == 0)
		lrc = lidx_builder_write(b, path, &err);
	if (lrc < 0) {
		cli_error(c, "cannot index '%s': %s", c->docs, err.msg[0] ? err.msg : lidx_strerror(lrc));
		unlink(path);
		goto done;
	}
	*path_out = path;
	path = NULL;
	rc = 0;
done:
	lidx_builder_free(b);
	free(path);
	return rc;
}

/* Run every topic and write its ranked list. */
static int run_topics(cli *c, const table *docs, const table *topics, FILE *out)
{
	lidx_search_opts so = c->so;
	so.coord = 0; /* standard BM25: a sum over the terms, no coordination factor */
	so.limit = c->limit_given ? c->limit : BATCH_DEFAULT_LIMIT;
	for (size_t t = 0; t < topics->n_rows; t++) {
		const row *tp = &topics->rows[t];
		lidx_query *q = NULL;
		lidx_results r = { 0 };
		lidx_err err = { 0 };
		int rc = lidx_query_parse(&q, c->ix, c->an, tp->text, tp->len, LIDX_QUERY_RAW, &err);
		if (rc == LIDX_EEMPTY)
			continue; /* no searchable word: an empty ranking */
		if (rc == 0)
			rc = lidx_search(c->ix, q, &so, &r, &err);
		if (rc < 0) {
			cli_error(c, "topic %s: %s", tp->id, err.msg[0] ? err.msg : lidx_strerror(rc));
			lidx_query_free(q);
			return -1;
		}
		for (size_t i = 0; i < r.n_hits; i++) {
			uint32_t s = r.hits[i].story;
			if (s >= docs->n_rows) {
				cli_error(c, "topic %s: story %u is not a document", tp->id, s);
				lidx_results_clear(&r);
				lidx_query_free(q);
				return -1;
			}
			fprintf(out, "%s Q0 %s %zu %.6f cvsearch\n", tp->id, docs->rows[s].id, i + 1,
			        r.hits[i].score);
		}
		lidx_results_clear(&r);
		lidx_query_free(q);
	}
	return 0;
}

int cmd_batch(cli *c)
{
	table docs = { 0 }, topics = { 0 };
	char *ixpath = NULL;
	FILE *out = NULL;
	lidx_err err = { 0 };
	int rc = EXIT_USAGE;
	if (c->argc > 0) {
		cli_error(c, "batch takes no query words (unexpected '%s')", c->argv[0]);
		return EXIT_USAGE;
	}
	if (!c->run) {
		cli_error(c, "batch needs --run FILE (see cvsearch --help)");
		return EXIT_USAGE;
	}
	if (read_table(c, "--docs", c->docs, &docs) < 0 ||
	    read_table(c, "--topics", c->topics, &topics) < 0)
		goto done;
	if (build_index(c, &docs, &ixpath) < 0)
		goto done;
	int lrc = lidx_index_open(&c->ix, ixpath, 0, &err);
	unlink(ixpath); /* the mapping stays valid */
	if (lrc < 0) {
		cli_error(c, "cannot open the batch index: %s", err.msg[0] ? err.msg : lidx_strerror(lrc));
		goto done;
	}
	if (lidx_index_story_count(c->ix) != docs.n_rows) {
		cli_error(c, "indexed %u stories for %zu documents", lidx_index_story_count(c->ix),
		          docs.n_rows);
		goto done;
	}
	if ((lrc = lidx_analyzer_new(&c->an)) < 0) {
		cli_error(c, "cannot create the analyzer: %s", lidx_strerror(lrc));
		goto done;
	}
	out = strcmp(c->run, "-") ? fopen(c->run, "w") : stdout;
	if (!out) {
		cli_error(c, "cannot write '%s': %s", c->run, strerror(errno));
		goto done;
	}
	if (run_topics(c, &docs, &topics, out) < 0)
		goto done;
	if (out != stdout) {
		int bad = ferror(out);
		if (fclose(out) != 0 || bad) {
			out = NULL;
			cli_error(c, "cannot write '%s': %s", c->run, strerror(errno));
			goto done;
		}
		out = NULL;
	}
	rc = EXIT_RESULTS;
done:
	if (out && out != stdout)
		fclose(out);
	free(ixpath);
	table_free(&docs);
	table_free(&topics);
	return rc;
}
