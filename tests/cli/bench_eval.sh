#!/bin/sh
# tests/cli/bench_eval.sh -- bench/trec_eval.py against a collection small
# enough to score by hand. Closing line: "N passed, N failed". Needs python3.
set -u
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d /tmp/cvsearch-eval.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }

# q1: relevant d1 (gain 3), d2 (1), d3 (2); d4 judged non-relevant (0).
# q2: relevant d9 (1). q3: relevant d5 (2), absent from the run.
# q4: nothing relevant -> not counted.
cat >"$TMP/qrels" <<'Q'
q1 0 d1 3
q1 0 d2 1
q1 0 d3 2
q1 0 d4 0
q2 0 d9 1
q3 0 d5 2
q4 0 d6 0
Q
# The run's ranks are wrong on purpose: the evaluator sorts by score.
cat >"$TMP/run" <<'R'
q1 Q0 d5 4 1.0 t
q1 Q0 d3 1 2.0 t
q1 Q0 d4 3 3.0 t
q1 Q0 d1 2 4.0 t
q2 Q0 d9 2 1.0 t
q2 Q0 d7 1 2.0 t
q4 Q0 d6 1 1.0 t
R
# By hand (ranked q1: d1 d4 d3 d5; q2: d7 d9):
#  q1  P@10 2/10   R@100 2/3  MRR 1    AP (1/1 + 2/3)/3 = 5/9
#      DCG 3/log2(2) + 2/log2(4) = 4; IDCG 3 + 2/log2(3) + 1/log2(4) = 4.761860
#      nDCG 0.840007
#  q2  P@10 1/10   R@100 1    MRR 1/2  AP 1/2   nDCG (1/log2 3)/1 = 0.630930
#  q3  all 0
#  means over 3 queries: nDCG 0.490312  MAP 0.351852  P@10 0.1  R@100 0.555556  MRR 0.5
python3 bench/trec_eval.py "$TMP/qrels" "$TMP/run" --json --per-query >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && ok "evaluator runs" || bad "evaluator runs" "$(cat "$TMP/err")"
check() { # name python-expression
	if python3 -c "
import json,sys
d=json.load(open('$TMP/out'))
close=lambda a,b: abs(a-b) < 1e-5
sys.exit(0 if ($2) else 1)" 2>>"$TMP/err"; then ok "$1"; else bad "$1" "$(cat "$TMP/out" | tr '\n' ' ')"; fi
}
check "counts only queries with a relevant document" 'd["queries"] == 3'
check "q1 nDCG@10 = 0.840007 (graded gains)" 'close(d["per_query"]["q1"]["ndcg@10"], 4/(3+2/1.5849625007+0.5))'
check "q1 AP = 5/9" 'close(d["per_query"]["q1"]["map"], 5/9)'
check "q1 P@10 = 0.2, R@100 = 2/3, MRR = 1" 'close(d["per_query"]["q1"]["p@10"], .2) and close(d["per_query"]["q1"]["r@100"], 2/3) and close(d["per_query"]["q1"]["mrr"], 1)'
check "q2 MRR = 1/2, nDCG = 0.630930" 'close(d["per_query"]["q2"]["mrr"], .5) and close(d["per_query"]["q2"]["ndcg@10"], 0.6309298)'
check "a query missing from the run scores 0" 'all(v == 0 for v in d["per_query"]["q3"].values())'
check "mean nDCG@10 = 0.490312" 'close(d["ndcg@10"], 0.4903123)'
check "MAP = 0.351852" 'close(d["map"], 0.3518519)'
check "P@10 = 0.1, R@100 = 0.555556, MRR = 0.5" 'close(d["p@10"], .1) and close(d["r@100"], 5/9) and close(d["mrr"], .5)'

printf 'q1 Q0 d1\n' >"$TMP/badrun"
python3 bench/trec_eval.py "$TMP/qrels" "$TMP/badrun" >/dev/null 2>"$TMP/err"
[ $? != 0 ] && grep -q "badrun:1" "$TMP/err" && ok "a malformed run line is an error naming the line" \
	|| bad "a malformed run line is an error" "$(cat "$TMP/err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
