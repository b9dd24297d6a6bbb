/*
 * cmd_eval.c -- `cvsearch eval`: measure the ranking on your own notes.
 * Judged queries, in the JSON form of eval-stories.py or as TREC topics and
 * qrels, are run through the library calls `search` and `match` make
 * (lidx_search, lidx_match_search) and each ranking is scored by
 * eval_metrics.c: nDCG@5, nDCG@10, P@1, AP and RR per query, their means
 * per kind and overall, and the results no judgment speaks of.
 *
 * A judged passage is a line of the notes: in JSON a phrase copied from
 * that line, in qrels PATH:LINE. A story is relevant to it when the story's
 * line range holds that line, so judgments survive a rebuild (story ids do
 * not) and a change of how the notes are split into stories.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "eval_metrics.h"
#include "jsonr.h"

#define EVAL_MAX_FILE ((size_t)256 << 20) /* a judgment or topics file */

typedef struct ejudg {
	double grade;
	char *phrase;          /* JSON form: verbatim text of one line of the notes */
	size_t phrase_len;
	char *path;            /* TREC form: the PATH of PATH:LINE */
	uint32_t line;
	size_t src_line;       /* where the judgment is in its file */
	ev_loc *locs;          /* where the passage is in the notes */
	size_t n_locs, cap_locs;
} ejudg;

typedef struct equery {
	char *id;
	char *kind;            /* "jd" runs match on file; anything else runs search on text */
	char *text;
	char *file;
	size_t src_line;
	ejudg *j;
	size_t n_j, cap_j;
	/* after the run */
	uint32_t *stories;
	ev_result *res;
	double *gains;
	int *judged;
	size_t n_res;
	int failed;            /* the query could not run: scored as no results */
	ev_scores sc;
} equery;

typedef struct espec {
	const char *name;      /* the judgment file (JSON) or qrels (TREC) */
	equery *q;
	size_t n_q, cap_q;
} espec;

/* ---- small helpers ------------------------------------------------------------------ */

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	size_t nc = *cap ? *cap * 2 : 8;
	void *np = realloc(p, nc * size);
	if (np)
		*cap = nc;
	return np;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int nomem(cli *c)
{
	cli_error(c, "out of memory");
	return -1;
}

/* A whole file, NUL-terminated; -1 after a message. */
static int slurp(cli *c, const char *path, size_t max, char **out, size_t *len_out)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_error(c, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int rc = -1;
	while (buf) {
		if (cap - len < 2) {
			char *nb = cap > max ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				if (cap > max)
					cli_error(c, "%s is over %zu MiB", path, max >> 20);
				else
					nomem(c);
				goto done;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (len > max) {
			cli_error(c, "%s is over %zu MiB", path, max >> 20);
			goto done;
		}
		if (got == 0)
			break;
	}
	if (!buf) {
		nomem(c);
		goto done;
	}
	if (ferror(f)) {
		cli_error(c, "cannot read %s: %s", path, strerror(errno));
		goto done;
	}
	buf[len] = 0;
	*out = buf;
	*len_out = len;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	fclose(f);
	return rc;
}

static void spec_free(espec *sp)
{
	for (size_t i = 0; i < sp->n_q; i++) {
		equery *q = &sp->q[i];
		for (size_t k = 0; k < q->n_j; k++) {
			free(q->j[k].phrase);
			free(q->j[k].path);
			free(q->j[k].locs);
		}
		free(q->j);
		free(q->id);
		free(q->kind);
		free(q->text);
		free(q->file);
		free(q->stories);
		free(q->res);
		free(q->gains);
		free(q->judged);
	}
	free(sp->q);
	memset(sp, 0, sizeof *sp);
}

static equery *add_query(cli *c, espec *sp, const char *id, const char *kind, size_t src_line)
{
	equery *nq = grow(sp->q, &sp->cap_q, sp->n_q, sizeof *nq);
	if (!nq) {
		nomem(c);
		return NULL;
	}
	sp->q = nq;
	equery *q = &sp->q[sp->n_q];
	memset(q, 0, sizeof *q);
	q->src_line = src_line;
	if (!(q->id = strdup(id)) || !(q->kind = strdup(kind))) {
		free(q->id);
		free(q->kind);
		nomem(c);
		return NULL;
	}
	sp->n_q++;
	return q;
}

static ejudg *add_judgment(cli *c, equery *q, double grade, size_t src_line)
{
	ejudg *nj = grow(q->j, &q->cap_j, q->n_j, sizeof *nj);
	if (!nj) {
		nomem(c);
		return NULL;
	}
	q->j = nj;
	ejudg *j = &q->j[q->n_j++];
	memset(j, 0, sizeof *j);
	j->grade = grade;
	j->src_line = src_line;
	return j;
}

static equery *find_query(espec *sp, const char *id)
{
	for (size_t i = 0; i < sp->n_q; i++)
		if (!strcmp(sp->q[i].id, id))
			return &sp->q[i];
	return NULL;
}

static int add_loc(ejudg *j, uint32_t file, uint32_t line)
{
	for (size_t i = 0; i < j->n_locs; i++)
		if (j->locs[i].file == file && j->locs[i].line == line)
			return 0;
	ev_loc *nl = grow(j->locs, &j->cap_locs, j->n_locs, sizeof *nl);
	if (!nl)
		return -1;
	j->locs = nl;
	j->locs[j->n_locs++] = (ev_loc){ file, line };
	return 0;
}

/* ---- the JSON form -------------------------------------------------------------------- */

/*
 * {"queries": [{"id": "d01", "kind": "short", "text": "circuit breakers",
 *               "rel": [["a phrase copied from one line", 2], ...]},
 *              {"id": "j1", "kind": "jd", "file": "job.txt", "rel": [...]}]}
 * A jd file is found beside the JSON file. Other members are ignored.
 */
static int load_json(cli *c, const char *path, espec *sp)
{
	char *text = NULL, msg[300];
	size_t len;
	jsonr doc;
	int rc = -1;
	memset(&doc, 0, sizeof doc);
	if (slurp(c, path, EVAL_MAX_FILE, &text, &len) < 0)
		return -1;
	if (jsonr_parse(text, len, &doc, msg, sizeof msg) < 0) {
		cli_error(c, "%s:%s", path, msg);
		goto done;
	}
	const jsonr *qs = doc.type == JSONR_ARR ? &doc : jsonr_get(&doc, "queries");
	if (!qs || qs->type != JSONR_ARR) {
		cli_error(c, "%s:%zu: want an object with a \"queries\" array (see cvsearch help eval)", path,
		          qs ? qs->line : doc.line);
		goto done;
	}
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	for (size_t i = 0; i < qs->n; i++) {
		const jsonr *qv = &qs->items[i];
		if (qv->type != JSONR_OBJ) {
			cli_error(c, "%s:%zu: a query is %s; want an object", path, qv->line, jsonr_type_name(qv->type));
			goto done;
		}
		const jsonr *id = jsonr_get(qv, "id"), *kind = jsonr_get(qv, "kind"), *rel = jsonr_get(qv, "rel");
		char idbuf[64];
		if (id && id->type == JSONR_NUM && id->num == floor(id->num) && fabs(id->num) < 1e15)
			snprintf(idbuf, sizeof idbuf, "%.0f", id->num);
		else if (!id || id->type != JSONR_STR || !id->len || strlen(id->str) != id->len) {
			cli_error(c, "%s:%zu: a query needs an \"id\" (a string or a whole number)", path, qv->line);
			goto done;
		}
		const char *qid = id->type == JSONR_STR ? id->str : idbuf;
		if (find_query(sp, qid)) {
			cli_error(c, "%s:%zu: the query id '%s' is used twice (ids must be unique)", path, id->line, qid);
			goto done;
		}
		if (kind && (kind->type != JSONR_STR || !kind->len)) {
			cli_error(c, "%s:%zu: \"kind\" wants a string (short, question, jd, ...)", path, kind->line);
			goto done;
		}
		equery *q = add_query(c, sp, qid, kind ? kind->str : "short", qv->line);
		if (!q)
			goto done;
		int jd = !strcmp(q->kind, "jd");
		const jsonr *t = jsonr_get(qv, jd ? "file" : "text");
		if (!t || t->type != JSONR_STR || !t->len) {
			cli_error(c, "%s:%zu: query '%s' needs a \"%s\" string%s", path, t ? t->line : qv->line, qid,
			          jd ? "file" : "text", jd ? " (the job description, beside the JSON file)" : "");
			goto done;
		}
		if (jd) {
			size_t d = t->str[0] == '/' ? 0 : dir_len;
			if (!(q->file = malloc(d + t->len + 1)))
				goto oom;
			memcpy(q->file, path, d);
			memcpy(q->file + d, t->str, t->len + 1);
			q->text = strdup(t->str);
		} else {
			q->text = dup_n(t->str, t->len);
		}
		if (!q->text)
			goto oom;
		if (!rel || rel->type != JSONR_ARR) {
			cli_error(c, "%s:%zu: query '%s' needs a \"rel\" array of [\"phrase\", grade] pairs", path,
			          rel ? rel->line : qv->line, qid);
			goto done;
		}
		for (size_t k = 0; k < rel->n; k++) {
			const jsonr *p = &rel->items[k];
			if (p->type != JSONR_ARR || p->n != 2 || p->items[0].type != JSONR_STR ||
			    p->items[1].type != JSONR_NUM) {
				cli_error(c, "%s:%zu: query '%s': a judgment is [\"phrase\", grade], as "
				             "[\"Implemented circuit breakers\", 2]", path, p->line, qid);
				goto done;
			}
			const jsonr *ph = &p->items[0];
			if (!ph->len || memchr(ph->str, '\n', ph->len) || memchr(ph->str, '\r', ph->len)) {
				cli_error(c, "%s:%zu: query '%s': a judged phrase is %s", path, ph->line, qid,
				          ph->len ? "copied from one line of the notes (this one has a line break)"
				                  : "empty");
				goto done;
			}
			ejudg *j = add_judgment(c, q, p->items[1].num, p->line);
			if (!j)
				goto done;
			if (!(j->phrase = dup_n(ph->str, ph->len)))
				goto oom;
			j->phrase_len = ph->len;
		}
	}
	if (sp->n_q == 0) {
		cli_error(c, "%s: no queries", path);
		goto done;
	}
	rc = 0;
	goto done;
oom:
	nomem(c);
done:
	jsonr_free(&doc);
	free(text);
	return rc;
}

/* ---- the TREC form ------------------------------------------------------------------- */

static size_t line_of(const char *text, const char *p)
{
	size_t n = 1;
	for (const char *s = text; s < p; s++)
		n += *s == '\n';
	return n;
}

/* Trimmed copy of [a, b), blanks (newlines too) folded to one space. */
static char *squeeze(const char *a, const char *b)
{
	char *out = malloc((size_t)(b - a) + 1), *o = out;
	if (!out)
		return NULL;
	int space = 0;
	for (; a < b; a++) {
		if (isspace((unsigned char)*a)) {
			space = o > out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = *a;
	}
	*o = 0;
	return out;
}

/* The text after tag up to the next '<' (within [p, end)), without the label. */
static char *trec_field(const char *p, const char *end, const char *tag, const char *label)
{
	const char *s = memmem(p, (size_t)(end - p), tag, strlen(tag));
	if (!s)
		return NULL;
	s += strlen(tag);
	const char *e = memchr(s, '<', (size_t)(end - s));
	if (!e)
		e = end;
	while (s < e && isspace((unsigned char)*s))
		s++;
	if ((size_t)(e - s) >= strlen(label) && !strncasecmp(s, label, strlen(label)))
		s += strlen(label);
	return squeeze(s, e);
}

/*
 * Topics: ID<TAB>QUERY lines, or TREC topics (<top> <num> Number: 301
 * <title> the query ... </top>; the title is the query, else the
 * description).
 */
static int load_topics(cli *c, const char *path, espec *sp)
{
	char *text;
	size_t len;
	int rc = -1;
	if (slurp(c, path, EVAL_MAX_FILE, &text, &len) < 0)
		return -1;
	if (memmem(text, len, "<top>", 5)) {
		const char *p = text, *end = text + len;
		while ((p = memmem(p, (size_t)(end - p), "<top>", 5))) {
			size_t ln = line_of(text, p);
			const char *e = memmem(p, (size_t)(end - p), "</top>", 6);
			if (!e) {
				cli_error(c, "%s:%zu: a <top> without its </top>", path, ln);
				goto done;
			}
			char *num = trec_field(p, e, "<num>", "Number:");
			char *title = trec_field(p, e, "<title>", "Topic:");
			char *desc = trec_field(p, e, "<desc>", "Description:");
			const char *qt = title && *title ? title : desc && *desc ? desc : NULL;
			equery *q = NULL;
			if (!num || !*num)
				cli_error(c, "%s:%zu: a topic without a <num>", path, ln);
			else if (!qt)
				cli_error(c, "%s:%zu: topic %s has no <title> (nor <desc>) text", path, ln, num);
			else if (find_query(sp, num))
				cli_error(c, "%s:%zu: the topic number %s is used twice", path, ln, num);
			else if ((q = add_query(c, sp, num, "short", ln)) && !(q->text = strdup(qt)))
				q = NULL, nomem(c);
			free(num);
			free(title);
			free(desc);
			if (!q)
				goto done;
			p = e + 6;
		}
	} else {
		size_t ln = 0;
		for (char *p = text, *end = text + len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
			ln++;
			if (eol > p && eol[-1] == '\r')
				eol--;
			*eol = 0;
			char *s = p;
			p = nl ? nl + 1 : end;
			while (*s == ' ')
				s++;
			if (!*s)
				continue;
			char *tab = strchr(s, '\t');
			if (!tab || tab == s) {
				cli_error(c, "%s:%zu: want ID<TAB>QUERY (or TREC <top> topics), got %s", path, ln,
				          tab ? "an empty id" : "no tab");
				goto done;
			}
			*tab = 0;
			if (find_query(sp, s)) {
				cli_error(c, "%s:%zu: the topic id '%s' is used twice", path, ln, s);
				goto done;
			}
			equery *q = add_query(c, sp, s, "short", ln);
			if (!q)
				goto done;
			if (!(q->text = squeeze(tab + 1, eol))) {
				nomem(c);
				goto done;
			}
			if (!*q->text) {
				cli_error(c, "%s:%zu: topic '%s' has no query text", path, ln, s);
				goto done;
			}
		}
	}
	if (sp->n_q == 0) {
		cli_error(c, "%s: no topics", path);
		goto done;
	}
	rc = 0;
done:
	free(text);
	return rc;
}

/*
 * Qrels: QID ITER PATH:LINE GRADE, blank-separated. PATH is a notes file
 * (as cvsearch prints it, or relative to the notes folder); LINE a line of
 * the judged passage (PATH:START-END is read as its first line). PATH may
 * hold blanks: it is what stands between the second field and the last.
 */
static int load_qrels(cli *c, const char *path, espec *sp)
{
	char *text;
	size_t len, ln = 0;
	int rc = -1;
	if (slurp(c, path, EVAL_MAX_FILE, &text, &len) < 0)
		return -1;
	char **unknown = NULL; /* qids without a topic, warned about once */
	size_t n_unknown = 0, cap_unknown = 0;
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
		ln++;
		*eol = 0;
		char *s = p;
		p = nl ? nl + 1 : end;
		char *f[3], *last, *e;
		size_t nf = 0;
		while (nf < 3) { /* qid, iter, the start of the document */
			while (isspace((unsigned char)*s))
				s++;
			if (!*s)
				break;
			f[nf++] = s;
			if (nf < 3) {
				while (*s && !isspace((unsigned char)*s))
					s++;
				if (*s)
					*s++ = 0;
			}
		}
		if (nf == 0)
			continue;
		e = nf == 3 ? f[2] + strlen(f[2]) : NULL;
		while (e && e > f[2] && isspace((unsigned char)e[-1]))
			*--e = 0;
		last = e ? e : NULL;
		while (last && last > f[2] && !isspace((unsigned char)last[-1]))
			last--;
		if (nf < 3 || last == f[2]) {
			cli_error(c, "%s:%zu: want QID ITER PATH:LINE GRADE (four fields)", path, ln);
			goto done;
		}
		char *doc_end = last;
		while (doc_end > f[2] && isspace((unsigned char)doc_end[-1]))
			doc_end--;
		*doc_end = 0;
		char *gend;
		errno = 0;
		double grade = strtod(last, &gend);
		if (errno || *gend || gend == last || !isfinite(grade)) {
			cli_error(c, "%s:%zu: the grade '%s' is not a number", path, ln, last);
			goto done;
		}
		char *colon = strrchr(f[2], ':');
		char *lend = NULL;
		unsigned long line = 0;
		if (colon && colon > f[2] && isdigit((unsigned char)colon[1])) {
			errno = 0;
			line = strtoul(colon + 1, &lend, 10);
			if (*lend == '-' && isdigit((unsigned char)lend[1])) {
				unsigned long hi = strtoul(lend + 1, &lend, 10);
				if (hi < line)
					lend = NULL;
			}
		}
		if (!lend || *lend || errno || line < 1 || line > UINT32_MAX) {
			cli_error(c, "%s:%zu: the document '%s' is not PATH:LINE (a notes file and a line of the "
			             "judged passage, as perf-review-log.md:202)", path, ln, f[2]);
			goto done;
		}
		*colon = 0;
		equery *q = find_query(sp, f[0]);
		if (!q) {
			int seen = 0;
			for (size_t i = 0; i < n_unknown && !seen; i++)
				seen = !strcmp(unknown[i], f[0]);
			if (!seen) {
				if (!c->quiet)
					fprintf(stderr, "%s: warning: %s:%zu: no topic '%s'; its judgments are left out\n",
					        c->prog, path, ln, f[0]);
				char **nu = grow(unknown, &cap_unknown, n_unknown, sizeof *nu);
				if (!nu || !(nu[n_unknown] = strdup(f[0]))) {
					unknown = nu ? nu : unknown;
					nomem(c);
					goto done;
				}
				unknown = nu;
				n_unknown++;
			}
			continue;
		}
		ejudg *j = NULL;
		for (size_t k = 0; k < q->n_j; k++) /* the same document again: the last grade counts */
			if (q->j[k].line == line && !strcmp(q->j[k].path, f[2]))
				j = &q->j[k];
		if (j) {
			j->grade = grade;
			j->src_line = ln;
			continue;
		}
		if (!(j = add_judgment(c, q, grade, ln)))
			goto done;
		j->line = (uint32_t)line;
		if (!(j->path = strdup(f[2]))) {
			nomem(c);
			goto done;
		}
	}
	rc = 0;
done:
	for (size_t i = 0; i < n_unknown; i++)
		free(unknown[i]);
	free(unknown);
	free(text);
	return rc;
}

/* ---- where the judged passages are ----------------------------------------------------- */

/* Every line of the notes where a judged phrase starts (the stories' text is the notes' lines). */
static int locate_phrases(cli *c, espec *sp)
{
	int any = 0;
	for (size_t i = 0; i < sp->n_q && !any; i++)
		for (size_t k = 0; k < sp->q[i].n_j && !any; k++)
			any = sp->q[i].j[k].phrase != NULL;
	if (!any)
		return 0;
	uint32_t n = lidx_index_story_count(c->ix);
	lidx_err err = { 0 };
	for (uint32_t id = 0; id < n; id++) {
		lidx_story s;
		int r = lidx_index_story(c->ix, id, &s, &err);
		if (r == LIDX_ENOTFOUND)
			continue; /* deleted (an index updated by segments) */
		if (r < 0) {
			cli_error(c, "%s; run 'cvsearch index' to rebuild it", err.msg);
			return -1;
		}
		for (size_t i = 0; i < sp->n_q; i++)
			for (size_t k = 0; k < sp->q[i].n_j; k++) {
				ejudg *j = &sp->q[i].j[k];
				if (!j->phrase)
					continue;
				const char *t = s.text, *end = s.text + s.text_len, *at = t;
				uint32_t line = s.line_start;
				const char *hit;
				while ((hit = memmem(at, (size_t)(end - at), j->phrase, j->phrase_len))) {
					for (const char *x = t; x < hit; x++)
						line += *x == '\n';
					t = hit;
					if (add_loc(j, s.file_id, line) < 0) {
						lidx_story_clear(&s);
						return nomem(c);
					}
					at = hit + 1;
				}
			}
		lidx_story_clear(&s);
	}
	return 0;
}

/* PATH as a notes file: the index's path, the path cvsearch prints, or a suffix at a '/'. */
static int resolve_file(cli *c, const char *path, uint32_t *file, const char **rel)
{
	uint32_t nf = lidx_index_file_count(c->ix), found = UINT32_MAX;
	size_t n_suffix = 0, pl = strlen(path);
	for (int pass = 0; pass < 2 && found == UINT32_MAX; pass++)
		for (uint32_t f = 0; f < nf; f++) {
			lidx_file_info fi;
			if (lidx_index_file(c->ix, f, &fi) < 0 || fi.skipped)
				continue;
			size_t fl = strlen(fi.path);
			if (pass == 0) {
				char shown[4096];
				cli_story_path(c, fi.path, shown, sizeof shown);
				if (!strcmp(fi.path, path) || !strcmp(shown, path)) {
					found = f;
					*rel = fi.path;
					break;
				}
			} else if ((fl > pl && fi.path[fl - pl - 1] == '/' && !strcmp(fi.path + fl - pl, path)) ||
			           (pl > fl && path[pl - fl - 1] == '/' && !strcmp(path + pl - fl, fi.path))) {
				found = f;
				*rel = fi.path;
				n_suffix++;
			}
		}
	if (n_suffix > 1)
		return 2;
	*file = found;
	return found == UINT32_MAX;
}

static int locate_paths(cli *c, espec *sp)
{
	for (size_t i = 0; i < sp->n_q; i++)
		for (size_t k = 0; k < sp->q[i].n_j; k++) {
			ejudg *j = &sp->q[i].j[k];
			if (!j->path)
				continue;
			uint32_t file, story;
			const char *rel;
			int r = resolve_file(c, j->path, &file, &rel);
			if (r == 2) {
				cli_error(c, "%s:%zu: '%s' names more than one notes file; give more of its path",
				          c->qrels, j->src_line, j->path);
				return -1;
			}
			if (r == 1) {
				if (!c->quiet)
					fprintf(stderr, "%s: warning: %s:%zu: no notes file '%s'\n", c->prog, c->qrels,
					        j->src_line, j->path);
				continue;
			}
			if (lidx_index_find_story(c->ix, rel, j->line, &story) < 0 && !c->quiet)
				fprintf(stderr, "%s: warning: %s:%zu: no story holds line %u of %s\n", c->prog,
				        c->qrels, j->src_line, j->line, rel);
			if (add_loc(j, file, j->line) < 0)
				return nomem(c);
		}
	return 0;
}

/* ---- running and scoring ---------------------------------------------------------------- */

/* Input errors of one query are warnings (it scores as no results); others end the run. */
static int soft_error(int rc)
{
	return rc == LIDX_ESYNTAX || rc == LIDX_EEMPTY || rc == LIDX_EINVAL || rc == LIDX_ETOOBIG;
}

static int run_query(cli *c, equery *q, lidx_results *r)
{
	lidx_err err = { 0 };
	int rc;
	memset(r, 0, sizeof *r);
	if (q->file) { /* as `cvsearch match FILE` */
		char *text;
		size_t len;
		if (slurp(c, q->file, LIDX_MATCH_MAX_BYTES, &text, &len) < 0)
			return -1; /* the judgments name a file that is not there: fix them */
		lidx_match *m = NULL;
		lidx_match_opts mo;
		lidx_match_defaults(&mo);
		mo.req_hits = 5; /* what cmd_match uses without --pick */
		rc = lidx_match_new(&m, c->ix, c->an, text, len, &mo, &err);
		if (rc == 0)
			rc = lidx_match_search(m, &c->so, r, &err);
		lidx_match_free(m);
		free(text);
	} else { /* as `cvsearch search TEXT` */
		lidx_query *lq = NULL;
		rc = lidx_query_parse(&lq, c->ix, c->an, q->text, strlen(q->text), 0, &err);
		if (rc == 0)
			rc = lidx_search_dedup(c->ix, lq, &c->so, r, &err); /* as search ranks */
		lidx_query_free(lq);
	}
	if (rc < 0 && soft_error(rc)) {
		if (!c->quiet)
			fprintf(stderr, "%s: warning: query '%s': %s; scored as no results\n", c->prog, q->id, err.msg);
		q->failed = 1;
		return 0;
	}
	if (rc < 0)
		cli_error(c, "query '%s': %s", q->id, err.msg);
	return rc < 0 ? -1 : 0;
}

static int score_query(cli *c, equery *q)
{
	lidx_results r;
	if (run_query(c, q, &r) < 0)
		return -1;
	size_t n = r.n_hits;
	ev_judgment *ej = malloc((q->n_j ? q->n_j : 1) * sizeof *ej);
	double *grades = malloc((q->n_j ? q->n_j : 1) * sizeof *grades);
	q->stories = malloc((n ? n : 1) * sizeof *q->stories);
	q->res = malloc((n ? n : 1) * sizeof *q->res);
	q->gains = malloc((n ? n : 1) * sizeof *q->gains);
	q->judged = malloc((n ? n : 1) * sizeof *q->judged);
	int rc = -1;
	if (!ej || !grades || !q->stories || !q->res || !q->gains || !q->judged) {
		nomem(c);
		goto done;
	}
	lidx_err err = { 0 };
	for (size_t i = 0; i < n; i++) {
		lidx_story s;
		if (lidx_index_story(c->ix, r.hits[i].story, &s, &err) < 0) {
			cli_error(c, "%s; run 'cvsearch index' to rebuild it", err.msg);
			goto done;
		}
		q->stories[i] = s.id;
		q->res[i] = (ev_result){ s.file_id, s.line_start, s.line_end };
		lidx_story_clear(&s);
	}
	q->n_res = n;
	for (size_t k = 0; k < q->n_j; k++) {
		ej[k] = (ev_judgment){ q->j[k].grade, q->j[k].locs, q->j[k].n_locs };
		grades[k] = q->j[k].grade;
	}
	if (ev_credit(ej, q->n_j, q->res, n, q->gains, q->judged) < 0 ||
	    ev_score(q->gains, q->judged, n, grades, q->n_j, &q->sc) < 0) {
		nomem(c);
		goto done;
	}
	rc = 0;
done:
	free(ej);
	free(grades);
	lidx_results_clear(&r);
	return rc;
}

/* ---- output ------------------------------------------------------------------------------- */

typedef struct means {
	size_t n, n_runs;
	double ndcg5, ndcg10, p1, ap, rr, unjudged;
} means;

static void add_mean(means *m, const equery *q)
{
	m->n_runs++;
	m->unjudged += (double)q->sc.unjudged;
	if (!q->sc.n_relevant)
		return;
	m->n++;
	m->ndcg5 += q->sc.ndcg5;
	m->ndcg10 += q->sc.ndcg10;
	m->p1 += q->sc.p1;
	m->ap += q->sc.ap;
	m->rr += q->sc.rr;
}

static void finish_mean(means *m)
{
	double n = m->n ? (double)m->n : 1;
	m->ndcg5 /= n;
	m->ndcg10 /= n;
	m->p1 /= n;
	m->ap /= n;
	m->rr /= n;
	m->unjudged /= m->n_runs ? (double)m->n_runs : 1;
}

static size_t n_found(const equery *q)
{
	size_t n = 0;
	for (size_t k = 0; k < q->n_j; k++)
		n += q->j[k].n_locs > 0;
	return n;
}

static void json_means(const means *m)
{
	printf("{\"queries\":%zu,\"ndcg@5\":%.6f,\"ndcg@10\":%.6f,\"p@1\":%.6f,\"map\":%.6f,\"mrr\":%.6f,"
	       "\"unjudged\":%.6f}",
	       m->n, m->ndcg5, m->ndcg10, m->p1, m->ap, m->rr, m->unjudged);
}

static void human_means(cli *c, const char *label, const means *m)
{
	printf("%s%-9s%s n=%-3zu nDCG@5 %.3f  nDCG@10 %.3f  P@1 %.3f  MAP %.3f  MRR %.3f  unjudged %.1f/%zu\n",
	       col(c, C_BOLD), label, col(c, C_RESET), m->n, m->ndcg5, m->ndcg10, m->p1, m->ap, m->rr,
	       m->unjudged, c->limit);
}

/* one character per rank: the grade earned, 0 judged but earned nothing, . unjudged */
static void gain_char(const equery *q, size_t i, char *out)
{
	double g = q->gains[i];
	if (g > 0 && g < 10 && g == floor(g))
		*out = (char)('0' + (int)g);
	else if (g > 0)
		*out = '+';
	else
		*out = q->judged[i] ? '0' : '.';
}

static int print_json(cli *c, const char *name, espec *sp, means *kinds, char **kind_names, size_t n_kinds,
                      const means *all)
{
	lidx_err err = { 0 };
	printf("{\"judgments\":");
	json_cstr(stdout, name);
	printf(",\"depth\":%zu,\"queries\":[", c->limit);
	for (size_t i = 0; i < sp->n_q; i++) {
		equery *q = &sp->q[i];
		printf("%s{\"id\":", i ? "," : "");
		json_cstr(stdout, q->id);
		printf(",\"kind\":");
		json_cstr(stdout, q->kind);
		printf(",\"query\":");
		json_cstr(stdout, q->text);
		printf(",\"judged\":%zu,\"relevant\":%zu,\"found_in_notes\":%zu,\"failed\":%s", q->n_j,
		       q->sc.n_relevant, n_found(q), q->failed ? "true" : "false");
		if (q->sc.n_relevant)
			printf(",\"ndcg@5\":%.6f,\"ndcg@10\":%.6f,\"p@1\":%.0f,\"map\":%.6f,\"mrr\":%.6f", q->sc.ndcg5,
			       q->sc.ndcg10, q->sc.p1, q->sc.ap, q->sc.rr);
		else
			printf(",\"ndcg@5\":null,\"ndcg@10\":null,\"p@1\":null,\"map\":null,\"mrr\":null");
		printf(",\"unjudged\":%zu,\"results\":[", q->sc.unjudged);
		for (size_t r = 0; r < q->n_res; r++) {
			lidx_story s;
			if (lidx_index_story(c->ix, q->stories[r], &s, &err) < 0) {
				printf("]}]}\n");
				cli_error(c, "%s", err.msg);
				return -1;
			}
			char path[4096];
			cli_story_path(c, s.path, path, sizeof path);
			printf("%s{\"rank\":%zu,\"id\":%u,\"title\":", r ? "," : "", r + 1, s.id);
			json_cstr(stdout, s.title);
			printf(",\"path\":");
			json_cstr(stdout, path);
			printf(",\"line_start\":%u,\"line_end\":%u,\"gain\":%g,\"judged\":%s}", s.line_start, s.line_end,
			       q->gains[r], q->judged[r] ? "true" : "false");
			lidx_story_clear(&s);
		}
		printf("]}");
	}
	printf("],\"kinds\":{");
	for (size_t k = 0; k < n_kinds; k++) {
		printf("%s", k ? "," : "");
		json_cstr(stdout, kind_names[k]);
		printf(":");
		json_means(&kinds[k]);
	}
	printf("},\"overall\":");
	json_means(all);
	printf("}\n");
	return 0;
}

static int print_human(cli *c, espec *sp, means *kinds, char **kind_names, size_t n_kinds, const means *all)
{
	lidx_err err = { 0 };
	int w = 5;
	for (size_t i = 0; i < sp->n_q; i++)
		if ((int)strlen(sp->q[i].id) > w)
			w = strlen(sp->q[i].id) > 24 ? 24 : (int)strlen(sp->q[i].id);
	printf("%s%-*s %-9s %6s %7s %3s %6s %6s %8s  gains%s\n", col(c, C_DIM), w, "query", "kind", "nDCG@5",
	       "nDCG@10", "P@1", "AP", "RR", "unjudged", col(c, C_RESET));
	size_t n_unscored = 0;
	for (size_t i = 0; i < sp->n_q; i++) {
		equery *q = &sp->q[i];
		printf("%-*.*s %-9.9s ", w, w, q->id, q->kind);
		if (q->sc.n_relevant)
			printf("%6.3f %7.3f %3.0f %6.3f %6.3f", q->sc.ndcg5, q->sc.ndcg10, q->sc.p1, q->sc.ap, q->sc.rr);
		else
			printf("%6s %7s %3s %6s %6s", "-", "-", "-", "-", "-"), n_unscored++;
		char g[64];
		size_t n = q->n_res < sizeof g - 1 ? q->n_res : sizeof g - 1;
		for (size_t r = 0; r < n; r++)
			gain_char(q, r, &g[r]);
		g[n] = 0;
		printf(" %5zu/%-2zu  %s%s\n", q->sc.unjudged, q->n_res, g, q->failed ? "  (the query failed)" : "");
		if (!c->explain)
			continue;
		for (size_t r = 0; r < q->n_res; r++) {
			lidx_story s;
			if (lidx_index_story(c->ix, q->stories[r], &s, &err) < 0) {
				cli_error(c, "%s", err.msg);
				return -1;
			}
			char path[4096], ch;
			cli_story_path(c, s.path, path, sizeof path);
			gain_char(q, r, &ch);
			printf("    %2zu  %c  %s", r + 1, ch, col(c, C_PATH));
			out_text(stdout, path, strlen(path));
			printf(":%u-%u%s  ", s.line_start, s.line_end, col(c, C_RESET));
			out_text(stdout, s.title, strlen(s.title));
			printf("\n");
			lidx_story_clear(&s);
		}
		for (size_t k = 0; k < q->n_j; k++)
			if (!q->j[k].n_locs) {
				printf("    not in the notes (line %zu): ", q->j[k].src_line);
				if (q->j[k].phrase)
					out_text(stdout, q->j[k].phrase, q->j[k].phrase_len);
				else
					printf("%s:%u", q->j[k].path, q->j[k].line);
				printf("\n");
			}
	}
	printf("\n");
	if (n_kinds > 1)
		for (size_t k = 0; k < n_kinds; k++)
			human_means(c, kind_names[k], &kinds[k]);
	human_means(c, "all", all);
	printf("%sgains: the grade each result earned, best first (0: judged, earned nothing; .: no judgment "
	       "in it).\nnDCG: gain / log2(rank + 1) over the ideal order of every relevant judgment.%s\n",
	       col(c, C_DIM), col(c, C_RESET));
	if (n_unscored)
		printf("%zu quer%s with no relevant judgment (-) left out of the means.\n", n_unscored,
		       n_unscored == 1 ? "y" : "ies");
	return 0;
}

/* ---- the command ---------------------------------------------------------------------- */

const char cmd_eval_help[] =
	"Judged passages are lines of your notes. A result (a story) earns a passage's grade\n"
	"when its lines hold that line; each passage counts once, each result earns one (the\n"
	"highest grade left); a story over 80 lines earns nothing.\n"
	"JUDGMENTS.json: {\"queries\": [{\"id\": \"q1\", \"kind\": \"short\", \"text\": \"kafka\",\n"
	"  \"rel\": [[\"a phrase copied from one line of the notes\", 2], ...]}, ...]}\n"
	"  kind \"jd\" with \"file\": \"job.txt\" (beside the JSON) runs match; others run search.\n"
	"TOPICS: ID<TAB>QUERY lines, or TREC <top> topics (<num>, <title>).\n"
	"QRELS:  QID ITER PATH:LINE GRADE, PATH a notes file as cvsearch prints it (or from the\n"
	"  notes folder), LINE a line of the passage; grade > 0 is relevant, 0 judged not.\n"
	"Per query and averaged (per kind, overall): nDCG@5 and nDCG@10 (gain = grade, divided\n"
	"by log2(rank + 1), over the ideal order of every relevant judgment), P@1, AP (MAP),\n"
	"RR (MRR), and how many of the top N (--limit, 10) no judgment speaks of.\n";

int cmd_eval(cli *c)
{
	espec sp;
	memset(&sp, 0, sizeof sp);
	const char *name;
	if (c->qrels || c->topics) {
		if (!c->qrels || !c->topics || c->argc) {
			cli_error(c, "eval takes JUDGMENTS.json, or --topics FILE with --qrels FILE (see cvsearch help eval)");
			return EXIT_USAGE;
		}
		name = c->qrels;
		if (load_topics(c, c->topics, &sp) < 0 || load_qrels(c, c->qrels, &sp) < 0)
			goto fail;
	} else {
		if (c->argc != 1) {
			cli_error(c, "eval takes one judgments file: cvsearch eval JUDGMENTS.json, or "
			             "--topics FILE --qrels FILE (see cvsearch help eval)");
			return EXIT_USAGE;
		}
		name = c->argv[0];
		if (load_json(c, name, &sp) < 0)
			goto fail;
	}
	int rc = cli_open(c, 0);
	if (rc) {
		spec_free(&sp);
		return rc;
	}
	if (locate_phrases(c, &sp) < 0 || locate_paths(c, &sp) < 0)
		goto fail;
	if (!c->quiet)
		for (size_t i = 0; i < sp.n_q; i++)
			for (size_t k = 0; k < sp.q[i].n_j; k++)
				if (sp.q[i].j[k].phrase && !sp.q[i].j[k].n_locs) {
					fprintf(stderr, "%s: warning: %s:%zu: query '%s': phrase not in the notes: '", c->prog, name,
					        sp.q[i].j[k].src_line, sp.q[i].id);
					out_text(stderr, sp.q[i].j[k].phrase,
					         sp.q[i].j[k].phrase_len > 60 ? 60 : sp.q[i].j[k].phrase_len);
					fprintf(stderr, "'\n");
				}
	for (size_t i = 0; i < sp.n_q; i++)
		if (score_query(c, &sp.q[i]) < 0)
			goto fail;
	/* means per kind (in order of first appearance) and overall */
	means *kinds = calloc(sp.n_q, sizeof *kinds), all = { 0 };
	char **kind_names = calloc(sp.n_q, sizeof *kind_names);
	size_t n_kinds = 0;
	if (!kinds || !kind_names) {
		free(kinds);
		free(kind_names);
		nomem(c);
		goto fail;
	}
	for (size_t i = 0; i < sp.n_q; i++) {
		size_t k = 0;
		while (k < n_kinds && strcmp(kind_names[k], sp.q[i].kind))
			k++;
		if (k == n_kinds)
			kind_names[n_kinds++] = sp.q[i].kind;
		add_mean(&kinds[k], &sp.q[i]);
		add_mean(&all, &sp.q[i]);
	}
	for (size_t k = 0; k < n_kinds; k++)
		finish_mean(&kinds[k]);
	finish_mean(&all);
	rc = c->json ? print_json(c, name, &sp, kinds, kind_names, n_kinds, &all)
	             : print_human(c, &sp, kinds, kind_names, n_kinds, &all);
	free(kinds);
	free(kind_names);
	spec_free(&sp);
	return rc < 0 ? EXIT_USAGE : EXIT_RESULTS;
fail:
	spec_free(&sp);
	return EXIT_USAGE;
}
