#!/bin/sh
# tests/cli/totals.sh -- the count of matching stories is exact or says it
# is a lower bound ("at least N", "total_is_lower_bound"), for search and
# match on the sample corpus. Each check prints "ok" or "FAIL"; the closing
# line is "N passed, N failed". Needs: CVSEARCH, python3.
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-totals.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
export XDG_CONFIG_HOME="$TMP/config"
unset CVSEARCH_CORPUS CVSEARCH_ALIASES
# field FIELD: a top-level field of the JSON on stdout
field() { printf '%s' "$out" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['$1']))"; }

C="$TMP/notes"
cp -R corpus "$C"

# every story of the query, counted exactly: the true number of matches
run "$BIN" --corpus "$C" --limit 100000 --json "team project"
all=$(field total)
[ "$(field total_is_lower_bound)" = false ] && ok "all results shown: the total is exact" || bad "all results shown: exact" "$out"
[ "$all" -gt 5 ] && ok "'team project' matches $all stories" || bad "'team project' matches several stories" "$all"

# one result: the stories that have only the weaker word are skipped
run "$BIN" --corpus "$C" --limit 1 --json "team project"
[ "$(field total_is_lower_bound)" = true ] && ok "--limit 1: total_is_lower_bound is true" \
	|| bad "--limit 1: total_is_lower_bound is true" "$out"
lb=$(field total)
[ "$lb" -ge 1 ] && [ "$lb" -lt "$all" ] && ok "the lower bound ($lb) is below the true total ($all)" \
	|| bad "the lower bound is below the true total" "$lb vs $all"
run "$BIN" --corpus "$C" --limit 1 "team project"
contains "1 of at least $lb matching stories" "human output says 'at least'"

# exact: one word, and a query whose matches fit in the limit
run "$BIN" --corpus "$C" --limit 1 --json "team"
[ "$(field total_is_lower_bound)" = false ] && ok "one word: exact" || bad "one word: exact" "$out"
run "$BIN" --corpus "$C" "kong plugin"
contains "1 of 1 matching stories" "exact count printed without 'at least'"
lacks "at least" "no 'at least' when exact"

# match: the requirements' searches are cut at a few stories each: a lower bound
run "$BIN" --corpus "$C" match --json - <<'JD'
- Kong plugins, rate limiting and circuit breakers
- Kafka event streaming
JD
[ "$(field total_is_lower_bound)" = true ] && ok "match: total_is_lower_bound" || bad "match: total_is_lower_bound" "$out"
run "$BIN" --corpus "$C" match - <<'JD'
- Kong plugins, rate limiting and circuit breakers
- Kafka event streaming
JD
contains "of at least" "match: human output says 'at least'"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
