#!/bin/sh
# tests/cli/batch.sh -- `cvsearch batch` on a hand-made collection: TREC run
# format, ranks, --limit, raw topics, and exit 2 with one line for bad input.
# Closing line: "N passed, N failed". Needs: CVSEARCH (the binary).
set -u
BIN=${CVSEARCH:-./cvsearch}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
TMP=$(mktemp -d /tmp/cvsearch-batch.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export TMPDIR="$TMP"
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; err=$(cat "$TMP/err"); }
expect_rc() { [ "$rc" = "$1" ] && ok "$2" || bad "$2" "exit $rc, want $1; stderr: $err"; }

T=$(printf '\t')
cat >"$TMP/docs.tsv" <<EOF2
D1${T}The kafka cluster lost messages during a broker upgrade; kafka kafka.
D2${T}We migrated the payment service to kubernetes.
D3${T}
D4${T}A kafka consumer lag alert in the payment pipeline.
D5${T}Gardening notes: tomatoes and basil.
EOF2
cat >"$TMP/topics.tsv" <<EOF2
101${T}kafka
102${T}payment KAFKA
103${T}the and of
104${T}"tomatoes" OR -basil
EOF2

run "$BIN" batch --docs "$TMP/docs.tsv" --topics "$TMP/topics.tsv" --run "$TMP/run.trec"
expect_rc 0 "batch exits 0"
[ -z "$err" ] && ok "batch is quiet on success" || bad "batch is quiet on success" "$err"
awk 'NF != 6 || $2 != "Q0" || $6 != "cvsearch" || $5 !~ /^-?[0-9.]+$/ { bad = 1 } END { exit bad }' "$TMP/run.trec" \
	&& ok "every line is 'qid Q0 docid rank score cvsearch'" || bad "TREC format" "$(cat "$TMP/run.trec")"
q101=$(awk '$1 == 101 { printf "%s:%s ", $3, $4 }' "$TMP/run.trec")
[ "$q101" = "D1:1 D4:2 " ] && ok "kafka: D1 (three mentions) before D4, ranks from 1" || bad "kafka ranking" "$q101"
q102=$(awk '$1 == 102 { printf "%s ", $3 }' "$TMP/run.trec")
case $q102 in "D4 "*) ok "a document with both words ranks first (upper case is a word)" ;;
	*) bad "payment KAFKA ranking" "$q102" ;; esac
[ "$(awk '$1 == 102' "$TMP/run.trec" | wc -l)" -eq 3 ] && ok "OR semantics: any word matches" \
	|| bad "OR semantics" "$(cat "$TMP/run.trec")"
awk '$1 == 102 { if (seen && $5 > prev) bad = 1; prev = $5; seen = 1 } END { exit bad }' "$TMP/run.trec" \
	&& ok "scores do not increase down the ranking" || bad "scores descending" "$(cat "$TMP/run.trec")"
[ "$(awk '$1 == 103' "$TMP/run.trec" | wc -l)" -eq 0 ] && ok "a topic of stop words writes no lines" \
	|| bad "stop-word topic" "$(cat "$TMP/run.trec")"
q104=$(awk '$1 == 104 { printf "%s ", $3 }' "$TMP/run.trec")
[ "$q104" = "D5 " ] && ok "quotes, OR and - are text, not operators" || bad "raw topic" "$q104"

run "$BIN" batch --docs "$TMP/docs.tsv" --topics "$TMP/topics.tsv" --run "$TMP/run1.trec" --limit 1
expect_rc 0 "batch --limit 1 exits 0"
[ "$(awk '$1 == 102' "$TMP/run1.trec" | wc -l)" -eq 1 ] && ok "--limit caps each topic" \
	|| bad "--limit" "$(cat "$TMP/run1.trec")"
[ "$(ls "$TMP" | grep -c cvsearch-batch)" -eq 0 ] && ok "the temporary index is removed" \
	|| bad "temporary index left" "$(ls "$TMP")"

# --- bad input: one line on stderr, exit 2 ------------------------------------
one_line_error() { # name
	if [ "$rc" = 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok "$1"; else bad "$1" "exit $rc; stderr: $err"; fi
}
printf 'D1 no tab here\n' >"$TMP/notab.tsv"
run "$BIN" batch --docs "$TMP/notab.tsv" --topics "$TMP/topics.tsv" --run "$TMP/x.trec"
one_line_error "a docs line without a tab: exit 2, one line"
case $err in *"notab.tsv line 1"*) ok "the error names the file and line" ;; *) bad "error names file:line" "$err" ;; esac
printf '1\tkafka\nbroken\n' >"$TMP/badtopics.tsv"
run "$BIN" batch --docs "$TMP/docs.tsv" --topics "$TMP/badtopics.tsv" --run "$TMP/x.trec"
one_line_error "a topics line without a tab: exit 2, one line"
: >"$TMP/empty.tsv"
run "$BIN" batch --docs "$TMP/empty.tsv" --topics "$TMP/topics.tsv" --run "$TMP/x.trec"
one_line_error "empty docs: exit 2, one line"
run "$BIN" batch --docs "$TMP/docs.tsv" --topics "$TMP/empty.tsv" --run "$TMP/x.trec"
one_line_error "empty topics: exit 2, one line"
run "$BIN" batch --docs "$TMP/missing.tsv" --topics "$TMP/topics.tsv" --run "$TMP/x.trec"
one_line_error "missing docs file: exit 2, one line"
run "$BIN" batch --topics "$TMP/topics.tsv" --run "$TMP/x.trec"
one_line_error "no --docs: exit 2, one line"
run "$BIN" batch --docs "$TMP/docs.tsv" --topics "$TMP/topics.tsv"
one_line_error "no --run: exit 2, one line"
printf 'D1\tkafka\nD2\tredis\nD1\tagain\n' >"$TMP/dup.tsv"
run "$BIN" batch --docs "$TMP/dup.tsv" --topics "$TMP/topics.tsv" --run "$TMP/x.trec"
one_line_error "a document id twice: exit 2, one line"
case $err in *"lines 1 and 3"*) ok "the error names both lines" ;; *) bad "dup lines" "$err" ;; esac
run "$BIN" batch --docs "$TMP/docs.tsv" --topics "$TMP/topics.tsv" --run "$TMP/nodir/x.trec"
one_line_error "unwritable run file: exit 2, one line"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
