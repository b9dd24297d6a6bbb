/*
 * eval_metrics.c -- the arithmetic of `cvsearch eval` (see eval_metrics.h).
 * Definitions follow NIST trec_eval and bench/trec_eval.py: linear gains
 * g / log2(rank + 1) over the ideal ordering of every judged passage, AP
 * over every relevant judgment (retrieved or not), RR of the first relevant
 * result; the crediting of passages to stories follows eval-stories.py.
 */
#include <math.h>
#include <stdlib.h>
#include "eval_metrics.h"

static int holds(const ev_result *r, const ev_loc *l)
{
	return l->file == r->file && r->line_start <= l->line && l->line <= r->line_end;
}

/* l is in r and in no result before r */
static int fresh(const ev_result *r, size_t i, const ev_loc *l)
{
	if (!holds(&r[i], l))
		return 0;
	for (size_t p = 0; p < i; p++)
		if (holds(&r[p], l))
			return 0;
	return 1;
}

int ev_credit(const ev_judgment *j, size_t n_j, const ev_result *r, size_t n_r, double *gains, int *judged)
{
	char *credited = calloc(n_j ? n_j : 1, 1);
	if (!credited)
		return -1;
	for (size_t i = 0; i < n_r; i++) {
		gains[i] = 0;
		judged[i] = 0;
		for (size_t k = 0; k < n_j && !judged[i]; k++)
			for (size_t l = 0; l < j[k].n_locs && !judged[i]; l++)
				judged[i] = holds(&r[i], &j[k].locs[l]);
		if (r[i].line_end < r[i].line_start || r[i].line_end - r[i].line_start + 1 > EV_MAX_LINES)
			continue;
		size_t best = n_j;
		for (size_t k = 0; k < n_j; k++) {
			if (credited[k] || !(j[k].grade > 0) || (best < n_j && !(j[k].grade > j[best].grade)))
				continue;
			for (size_t l = 0; l < j[k].n_locs; l++)
				if (fresh(r, i, &j[k].locs[l])) {
					best = k;
					break;
				}
		}
		if (best < n_j) {
			credited[best] = 1;
			gains[i] = j[best].grade;
		}
	}
	free(credited);
	return 0;
}

static double dcg(const double *g, size_t n, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < n && i < k; i++)
		if (g[i] > 0)
			s += g[i] / log2((double)i + 2);
	return s;
}

double ev_ndcg(const double *gains, size_t n, const double *ideal, size_t n_ideal, size_t k)
{
	double id = dcg(ideal, n_ideal, k);
	return id > 0 ? dcg(gains, n, k) / id : 0;
}

static int desc(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? 1 : a > b ? -1 : 0;
}

int ev_score(const double *gains, const int *judged, size_t n_r, const double *grades, size_t n_grades,
             ev_scores *out)
{
	*out = (ev_scores){ 0 };
	for (size_t i = 0; i < n_r; i++)
		out->unjudged += !judged[i];
	double *ideal = malloc((n_grades ? n_grades : 1) * sizeof *ideal);
	if (!ideal)
		return -1;
	for (size_t k = 0; k < n_grades; k++)
		if (grades[k] > 0)
			ideal[out->n_relevant++] = grades[k];
	qsort(ideal, out->n_relevant, sizeof *ideal, desc);
	if (out->n_relevant) {
		out->ndcg5 = ev_ndcg(gains, n_r, ideal, out->n_relevant, 5);
		out->ndcg10 = ev_ndcg(gains, n_r, ideal, out->n_relevant, 10);
		out->p1 = n_r && gains[0] > 0;
		size_t hits = 0;
		for (size_t i = 0; i < n_r; i++)
			if (gains[i] > 0) {
				hits++;
				out->ap += (double)hits / (double)(i + 1);
				if (!out->rr)
					out->rr = 1.0 / (double)(i + 1);
			}
		out->ap /= (double)out->n_relevant;
	}
	free(ideal);
	return 0;
}
