#!/bin/sh
# tests/cli/eval.sh -- end-to-end tests of `cvsearch eval` on the sample
# corpus: figures worked out by hand, the JSON and TREC forms agreeing,
# the arithmetic of the JSON output, malformed judgment files (exit 2 with
# file:line), and -- when ../shared/eval is there -- the same figures as
# eval-stories.py on a few of its queries. Each check prints "ok" or
# "FAIL"; the closing line is "N passed, N failed". Needs: CVSEARCH, python3.
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-eval.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
export XDG_CONFIG_HOME="$TMP/config"
unset CVSEARCH_CORPUS CVSEARCH_ALIASES
# py EXPR: evaluate a Python expression over the JSON on stdout (bound to d)
py() { printf '%s' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

C="$TMP/notes"
cp -R corpus "$C"

# --- by hand --------------------------------------------------------------------
# "Kong plugin" matches one story, which holds the grade-2 line; the grade-1
# phrase is nowhere in the notes. Gains 2; ideal 2 1:
#   nDCG@5 = 2 / (2 + 1/log2(3)) = 2 / 2.630930 = 0.7602; AP = (1/1) / 2 = 0.5; RR = 1
cat >"$TMP/hand.json" <<'EOF2'
{"queries": [
 {"id": "k", "kind": "short", "text": "Kong plugin",
  "rel": [["Developed Kong plugin that executed billions of times per day", 2],
          ["a phrase that is in no note at all", 1]]}
]}
EOF2
run "$BIN" --corpus "$C" eval --json "$TMP/hand.json"
expect_rc 0 "eval JSON form runs"
[ "$(py 'round(d["queries"][0]["ndcg@5"], 4), d["queries"][0]["p@1"], d["queries"][0]["map"], d["queries"][0]["mrr"], d["queries"][0]["unjudged"]')" = "0.7602 1 0.5 1.0 0" ] \
	&& ok "hand-computed nDCG@5 0.7602, P@1 1, AP 0.5, RR 1, 0 unjudged" || bad "hand-computed figures" "$out"
[ "$(py 'd["queries"][0]["relevant"], d["queries"][0]["found_in_notes"], d["overall"]["queries"]')" = "2 1 1" ] \
	&& ok "two relevant judgments, one found in the notes" || bad "judgment counts" "$out"
err_contains "phrase not in the notes" "a phrase not in the notes is a warning"
err_contains "hand.json:4" "... naming its line"

# the same judgments in TREC form (perf-review-log.md:202 is the grade-2 line)
printf 'k\tKong plugin\n' >"$TMP/topics.tsv"
printf 'k 0 perf-review-log.md:202 2\nk 0 nowhere.md:1 1\n' >"$TMP/qrels"
run "$BIN" --corpus "$C" eval --json --topics "$TMP/topics.tsv" --qrels "$TMP/qrels"
expect_rc 0 "eval TREC form runs"
[ "$(py 'round(d["queries"][0]["ndcg@5"], 4), d["queries"][0]["map"]')" = "0.7602 0.5" ] \
	&& ok "TREC form: the same figures" || bad "TREC form: the same figures" "$out"
err_contains "no notes file 'nowhere.md'" "an unknown file in qrels is a warning"

# human output
run "$BIN" --corpus "$C" eval --explain "$TMP/hand.json"
contains "0.760" "human output: the nDCG"
contains "perf-review-log.md:201-206" "--explain lists the results"
contains "not in the notes" "--explain lists the passages not found"

# --- JSON and TREC forms agree, and the arithmetic of the output -----------------
cat >"$TMP/three.json" <<'EOF2'
{"queries": [
 {"id": "a", "kind": "short", "text": "redis cache",
  "rel": [["we chose a single source of truth (the registry DB) with a Redis cache", 2],
          ["Redis in goodleap", 1], ["- All could fit in a Redis cache", 1]]},
 {"id": "b", "kind": "short", "text": "circuit breakers",
  "rel": [["**Circuit Breakers:** Implemented circuit breakers to prevent cascading failures", 2]]},
 {"id": "c", "kind": "question", "text": "Tell me about a time you mentored a junior engineer",
  "rel": [["Tanium: Code refactor with junior Engineer", 2]]}
]}
EOF2
# the TREC form of the same: the line of each phrase
python3 - "$C" "$TMP/three.json" "$TMP/three.topics" "$TMP/three.qrels" <<'EOF2'
import json, os, sys
corpus, spec, topics, qrels = sys.argv[1:]
s = json.load(open(spec))
with open(topics, "w") as t, open(qrels, "w") as q:
    for x in s["queries"]:
        t.write(f"{x['id']}\t{x['text']}\n")
        for phrase, grade in x["rel"]:
            for name in sorted(os.listdir(corpus)):
                text = open(os.path.join(corpus, name), encoding="utf-8", errors="replace").read()
                i = text.find(phrase)
                if i >= 0:
                    q.write(f"{x['id']} 0 {name}:{text.count(chr(10), 0, i) + 1} {grade}\n")
EOF2
run "$BIN" --corpus "$C" eval --json "$TMP/three.json"
j1=$out
run "$BIN" --corpus "$C" eval --json --topics "$TMP/three.topics" --qrels "$TMP/three.qrels"
j2=$out
same=$(printf '%s\n%s\n' "$j1" "$j2" | python3 -c "
import json, sys
a, b = (json.loads(l) for l in sys.stdin.read().splitlines())
keys = ('ndcg@5', 'ndcg@10', 'p@1', 'map', 'mrr', 'unjudged')
print(all(x[k] == y[k] for x, y in zip(a['queries'], b['queries']) for k in keys))")
[ "$same" = True ] && ok "JSON phrases and TREC PATH:LINE give the same figures" || bad "JSON and TREC agree" "$j1 / $j2"
# recompute every figure from the gains the output lists
out=$j1
check=$(py '
all(abs(q["ndcg@5"] - (sum(g / __import__("math").log2(i + 2) for i, g in enumerate([r["gain"] for r in q["results"]][:5])) /
    sum(g / __import__("math").log2(i + 2) for i, g in enumerate(sorted([2, 1, 1] if q["id"] == "a" else [2], reverse=True)[:5])))) < 1e-6
    and q["p@1"] == (1 if q["results"] and q["results"][0]["gain"] > 0 else 0)
    and q["unjudged"] == sum(1 for r in q["results"] if not r["judged"])
    for q in d["queries"])')
[ "$check" = True ] && ok "nDCG@5, P@1 and unjudged follow from the listed gains" || bad "figures follow from the gains" "$out"
[ "$(py 'sorted(d["kinds"]), d["overall"]["queries"]')" = "['question', 'short'] 3" ] \
	&& ok "means per kind and overall" || bad "means per kind and overall" "$out"

# TREC topic format
cat >"$TMP/topics.trec" <<'EOF2'
<top>
<num> Number: 7
<title> Kong plugin
<desc> Description:
Stories about the gateway.
</top>
EOF2
printf '7 0 perf-review-log.md:202 2\n' >"$TMP/qrels7"
run "$BIN" --corpus "$C" eval --json --topics "$TMP/topics.trec" --qrels "$TMP/qrels7"
[ "$(py 'd["queries"][0]["id"], d["queries"][0]["query"], d["queries"][0]["ndcg@5"]')" = "7 Kong plugin 1.0" ] \
	&& ok "TREC <top> topics" || bad "TREC <top> topics" "$out"

# --- malformed files: exit 2, file and line ---------------------------------------
bad_json() { # NAME CONTENT WANT
	printf '%s' "$2" >"$TMP/$1"
	run "$BIN" --corpus "$C" eval "$TMP/$1"
	[ "$rc" = 2 ] && case $err in *"$1:$3"*) true ;; *) false ;; esac && ok "malformed: $1 ($3)" \
		|| bad "malformed: $1" "exit $rc, stderr: $err"
}
bad_json syntax.json '{"queries": [
 {"id": "a", "text": "x", "rel": []}
 {"id": "b", "text": "y", "rel": []}]}' "3: expected ','"
bad_json pair.json '{"queries": [
 {"id": "a", "text": "x",
  "rel": [["only a phrase"]]}]}' "3: query 'a': a judgment is"
bad_json notext.json '{"queries": [
 {"id": "a", "rel": []}]}' "2: query 'a' needs a \"text\""
bad_json twice.json '{"queries": [{"id": "a", "text": "x", "rel": []},
 {"id": "a", "text": "y", "rel": []}]}' "2: the query id 'a' is used twice"
bad_json noqueries.json '{"q": []}' "1: want an object with a \"queries\" array"
bad_json unclosed.json '{"queries": [{"id": "a", "text": "x
"}]}' "1: a string is not closed"
bad_qrels() { # NAME CONTENT WANT
	printf '%s' "$2" >"$TMP/$1"
	run "$BIN" --corpus "$C" eval --topics "$TMP/topics.tsv" --qrels "$TMP/$1"
	[ "$rc" = 2 ] && case $err in *"$1:$3"*) true ;; *) false ;; esac && ok "malformed: $1 ($3)" \
		|| bad "malformed: $1" "exit $rc, stderr: $err"
}
bad_qrels fields.qrels 'k 0 perf-review-log.md:202 2
k 0 perf-review-log.md:202
' "2: want QID ITER PATH:LINE GRADE"
bad_qrels grade.qrels 'k 0 perf-review-log.md:202 high
' "1: the grade 'high' is not a number"
bad_qrels noline.qrels 'k 0 perf-review-log.md 2
' "1: the document 'perf-review-log.md' is not PATH:LINE"
printf 'k Kong plugin\n' >"$TMP/notab.tsv"
run "$BIN" --corpus "$C" eval --topics "$TMP/notab.tsv" --qrels "$TMP/qrels"
[ "$rc" = 2 ] && case $err in *"notab.tsv:1: want ID<TAB>QUERY"*) true ;; *) false ;; esac \
	&& ok "malformed topics: file and line" || bad "malformed topics" "exit $rc: $err"
run "$BIN" --corpus "$C" eval --topics "$TMP/topics.tsv"
expect_rc 2 "--topics without --qrels is a usage error"
run "$BIN" --corpus "$C" search --qrels "$TMP/qrels" kong
expect_rc 2 "--qrels belongs to eval"
run "$BIN" help eval
contains "log2(rank + 1)" "help eval states the gain formula"

# --- the same figures as eval-stories.py ---------------------------------------------
EVAL=../shared/eval
if [ -f "$EVAL/eval-stories.py" ] && [ -f "$EVAL/dev-queries.json" ]; then
	mkdir "$TMP/ev"
	# a few queries of each kind; the job description files beside the JSON
	python3 - "$EVAL" "$TMP/ev" <<'EOF2'
import json, shutil, sys, os
src, dst = sys.argv[1:]
spec = json.load(open(os.path.join(src, "dev-queries.json")))
want = {"short": 3, "question": 2, "jd": 2}
keep = []
for q in spec["queries"]:
    if want.get(q["kind"], 0) > 0:
        want[q["kind"]] -= 1
        keep.append(q)
        if q["kind"] == "jd":
            shutil.copy(os.path.join(src, q["file"]), dst)
json.dump({"queries": keep}, open(os.path.join(dst, "few.json"), "w"))
EOF2
	python3 "$EVAL/eval-stories.py" --cvsearch "$BIN" --corpus "$C" --verbose "$TMP/ev/few.json" >"$TMP/py.txt" 2>"$TMP/py.err"
	run "$BIN" --corpus "$C" eval --json "$TMP/ev/few.json"
	cmp=$(printf '%s' "$out" | python3 -c "
import json, re, sys
d = json.load(sys.stdin)
py = open('$TMP/py.txt').read().splitlines()
rows = {}
for l in py:
    m = re.match(r'(\S+)\s+\S+\s+nDCG@5=([\d.]+) P@1=(\d) R@5=[\d.]+ gains=\[(.*)\]', l)
    if m:
        rows[m.group(1)] = (m.group(2), int(m.group(3)), [float(g) for g in m.group(4).split(',') if g.strip()])
bad = []
for q in d['queries']:
    r = rows.get(q['id'])
    mine = ('%.3f' % q['ndcg@5'], q['p@1'], [float(x['gain']) for x in q['results'][:5]])
    if r != mine:
        bad.append('%s: eval-stories %s, cvsearch eval %s' % (q['id'], r, mine))
summ = [l for l in py if l.startswith('nDCG@5=')][0]
m = re.match(r'nDCG@5=([\d.]+) P@1=([\d.]+) R@5=[\d.]+ MRR=([\d.]+)', summ)
o = d['overall']
if m.groups() != ('%.3f' % o['ndcg@5'], '%.3f' % o['p@1'], '%.3f' % o['mrr']):
    bad.append('overall: eval-stories %s, cvsearch eval %s' % (m.groups(), (o['ndcg@5'], o['p@1'], o['mrr'])))
print(len(d['queries']), len(rows), '; '.join(bad) or 'same')")
	case $cmp in
	"7 7 same") ok "the same nDCG@5, P@1, gains and MRR as eval-stories.py on 7 queries" ;;
	*) bad "the same figures as eval-stories.py" "$cmp" ;;
	esac
else
	echo "skip the comparison with eval-stories.py: no $EVAL"
fi

# --- near-duplicates are folded as search folds them ------------------------------
R="$TMP/real"
cp -R tests/fixtures/real-notes "$R"
printf 'q1\tkafka\n' >"$TMP/dup.tsv"
printf 'q1 0 obsidian/Weekly 1-1 with Sam.md:1 2\n' >"$TMP/dup.qrels"
run "$BIN" --corpus "$R" --json --limit 10 kafka
n_search=$(py 'len(d["results"])')
run "$BIN" --corpus "$R" eval --json --topics "$TMP/dup.tsv" --qrels "$TMP/dup.qrels"
n_eval=$(py 'len(d["queries"][0]["results"])')
[ -n "$n_search" ] && [ "$n_search" = "$n_eval" ] && ok "eval scores the $n_search results search shows (near-duplicates folded)" \
	|| bad "eval ranks as search" "search $n_search results, eval $n_eval"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
