/*
 * eval_metrics.h -- scoring one ranking against graded judgments of
 * passages, for `cvsearch eval` (cmd_eval.c): which result earns which
 * judgment, then nDCG, P@1, average precision and reciprocal rank. Plain
 * arithmetic, no libindex: tests/unit/test_eval.c checks it by hand.
 */
#ifndef CVSEARCH_EVAL_METRICS_H
#define CVSEARCH_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* A result longer than this many lines earns nothing (as in eval-stories.py):
   a story is a section a person can read, not a whole file. */
#define EV_MAX_LINES 80

/* A judged line: file (any id the caller uses consistently) and 1-based line. */
typedef struct ev_loc {
	uint32_t file, line;
} ev_loc;

/* One judged passage: its grade (> 0 relevant) and where it is in the notes
   (every occurrence of its phrase; none when it was not found). */
typedef struct ev_judgment {
	double grade;
	const ev_loc *locs;
	size_t n_locs;
} ev_judgment;

/* One ranked result: a story's file and inclusive line range. */
typedef struct ev_result {
	uint32_t file, line_start, line_end;
} ev_result;

/*
 * Which judgment each result earns. A result earns a judged passage when
 * its lines hold a line where the passage is and no earlier result's lines
 * held that line; of those passages not yet credited to an earlier result
 * it earns the one of highest grade (the first on a tie). So each passage
 * is credited once and each result earns at most one. A result longer than
 * EV_MAX_LINES earns nothing.
 * @param[out] gains   n_r grades earned (0 for none)
 * @param[out] judged  n_r flags: 1 if the result's lines hold any judged
 *                     passage (of any grade, credited or not), 0 if no
 *                     judgment speaks of it
 * @return 0, or -1 when out of memory.
 */
int ev_credit(const ev_judgment *j, size_t n_j, const ev_result *r, size_t n_r, double *gains, int *judged);

/* DCG@k of gains over DCG@k of ideal (grades, best first): gain g at rank i
   counts g / log2(i + 1). 0 when the ideal has no gain. */
double ev_ndcg(const double *gains, size_t n, const double *ideal, size_t n_ideal, size_t k);

typedef struct ev_scores {
	size_t n_relevant;   /* judgments with grade > 0; 0: the query cannot be scored */
	double ndcg5, ndcg10;
	double p1;           /* 1 if the first result earned a grade > 0 */
	double ap;           /* sum over ranks i earning > 0 of (such ranks up to i) / i, over n_relevant */
	double rr;           /* 1 / rank of the first result earning > 0, or 0 */
	size_t unjudged;     /* results that no judgment speaks of */
} ev_scores;

/*
 * Score a ranking: gains and judged from ev_credit() for its n_r results,
 * grades the grade of every judgment of the query (any order, any sign).
 * @return 0, or -1 when out of memory.
 */
int ev_score(const double *gains, const int *judged, size_t n_r, const double *grades, size_t n_grades,
             ev_scores *out);

#endif
