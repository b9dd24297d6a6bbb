#!/bin/sh
# tests/cli/concurrency.sh -- searches while another process rebuilds the
# index see the old or the new index, never a torn one; builders started
# together serialize on the lock and corrupt nothing; the index, its lock
# and its temporary files are private to the user (0600, folder 0700) even
# under umask 000. Closing line: "N passed, N failed". Needs CVSEARCH.
set -u
BIN=${CVSEARCH:-./cvsearch}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=${GUTENBERG:-$(pwd)/../shared/data/gutenberg}
TMP=$(mktemp -d /tmp/cvsearch-conc.XXXXXX)
trap 'kill $bg 2>/dev/null; rm -rf "$TMP"' EXIT
bg=
export CVSEARCH_INDEX_DIR="$TMP/cache/sub"
export NO_COLOR=1
unset CVSEARCH_CORPUS
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }

N="$TMP/notes"
mkdir -p "$N"
cp corpus/*.md corpus/*.txt "$N/"
if [ -d "$SRC" ]; then # a few books make each build last long enough to overlap
	find "$SRC" -type f -name '*.txt' | LC_ALL=C sort | head -n 4 | while IFS= read -r f; do
		cp "$f" "$N/$(basename "$f" | tr -c 'A-Za-z0-9.\n' _)"
	done
fi
Q="distributed systems reliability"
answer() { "$BIN" --corpus "$N" --no-update --json --limit 5 "$Q" 2>&1; echo "exit $?"; }

# state A: the notes as they are; state B: one more note
umask 000
"$BIN" --corpus "$N" -q index >/dev/null 2>&1
answer >"$TMP/A"
printf '# Reliability\ndistributed systems reliability, distributed systems reliability\n' >"$N/zz-extra.md"
"$BIN" --corpus "$N" -q index >/dev/null 2>&1
answer >"$TMP/B"
umask 022
grep -q '"results":\[{' "$TMP/A" && ok "state A answers" || bad "state A answers" "$(head -c 300 "$TMP/A")"
cmp -s "$TMP/A" "$TMP/B" && bad "the two states answer differently" || ok "the two states answer differently"

# ---- permissions (the index was written under umask 000) --------------------------
IX=$(ls "$CVSEARCH_INDEX_DIR"/*.cvx)
[ "$(stat -c %a "$IX")" = 600 ] && ok "the index file is 0600 under umask 000" || bad "index mode" "$(stat -c %a "$IX")"
[ "$(stat -c %a "$IX.lock")" = 600 ] && ok "the lock file is 0600 under umask 000" || bad "lock mode" "$(stat -c %a "$IX.lock")"
[ "$(stat -c %a "$CVSEARCH_INDEX_DIR")" = 700 ] && [ "$(stat -c %a "$TMP/cache")" = 700 ] \
  && ok "the index folders are created 0700" || bad "folder modes" "$(stat -c %a "$TMP/cache" "$CVSEARCH_INDEX_DIR")"
ww=$(find "$TMP/cache" -perm -o+w | wc -l)
[ "$ww" = 0 ] && ok "nothing in the cache is world-writable" || bad "world-writable files" "$(find "$TMP/cache" -perm -o+w)"
# the cache lives under $XDG_CACHE_HOME or ~/.cache when not overridden
X=$(env -u CVSEARCH_INDEX_DIR XDG_CACHE_HOME="$TMP/xdg" "$BIN" --corpus "$N" -q index 2>&1 | sed -n 's/^index: \([^ ]*\) .*/\1/p')
case $X in "$TMP/xdg/cvsearch/"*) ok "the index goes to \$XDG_CACHE_HOME/cvsearch" ;; *) bad "XDG cache" "$X" ;; esac
X=$(env -u CVSEARCH_INDEX_DIR -u XDG_CACHE_HOME HOME="$TMP/home" "$BIN" --corpus "$N" -q index 2>&1 | sed -n 's/^index: \([^ ]*\) .*/\1/p')
case $X in "$TMP/home/.cache/cvsearch/"*) ok "else to ~/.cache/cvsearch" ;; *) bad "home cache" "$X" ;; esac

# ---- searches while another process rebuilds, A and B in turn -------------------
(
	while :; do
		rm -f "$N/zz-extra.md"
		"$BIN" --corpus "$N" -q index >/dev/null 2>&1
		printf '# Reliability\ndistributed systems reliability, distributed systems reliability\n' >"$N/zz-extra.md"
		"$BIN" --corpus "$N" -q index >/dev/null 2>&1
	done
) &
bg=$!
seen_a=0; seen_b=0; torn=0; i=0
while [ $i -lt 40 ]; do
	i=$((i+1))
	answer >"$TMP/now"
	if cmp -s "$TMP/now" "$TMP/A"; then seen_a=$((seen_a+1))
	elif cmp -s "$TMP/now" "$TMP/B"; then seen_b=$((seen_b+1))
	else torn=$((torn+1)); cp "$TMP/now" "$TMP/torn"; fi
done
kill $bg; wait $bg 2>/dev/null; bg=
echo "40 searches during rebuilds: $seen_a saw A, $seen_b saw B, $torn neither"
[ $torn = 0 ] && ok "every search during rebuilds saw the old or the new index" || bad "a torn read" "$(head -c 400 "$TMP/torn")"
[ $((seen_a + seen_b)) = 40 ] && [ $seen_a -gt 0 ] && [ $seen_b -gt 0 ] && ok "searches saw both states" \
  || echo "note: the searches saw only one state ($seen_a A, $seen_b B)"

# ---- builders at once -------------------------------------------------------------------
rm -f "$N/zz-extra.md"
pids=
for k in 1 2 3 4; do
	"$BIN" --corpus "$N" -q index >"$TMP/b$k.out" 2>&1 &
	pids="$pids $!"
done
failed=0
for p in $pids; do wait $p || failed=$((failed+1)); done
[ $failed = 0 ] && ok "four builders at once all succeed" || bad "four builders" "$(cat "$TMP"/b*.out | head -c 400)"
answer >"$TMP/now"
cmp -s "$TMP/now" "$TMP/A" && ok "after four builders at once the index answers as it should" || bad "after concurrent builders" "$(diff "$TMP/A" "$TMP/now" | head -c 400)"
left=$(ls "$CVSEARCH_INDEX_DIR" | grep -c '\.tmp\.')
[ "$left" = 0 ] && ok "no temporary files after concurrent builders" || bad "temporary files left" "$(ls "$CVSEARCH_INDEX_DIR")"
# two builders on a changed corpus: both see it, one builds, the index is fresh
printf '# New\nquuxconcurrentword\n' >"$N/new.md"
"$BIN" --corpus "$N" quuxconcurrentword >"$TMP/s1" 2>&1 & p1=$!
"$BIN" --corpus "$N" quuxconcurrentword >"$TMP/s2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && ok "two searches that both find the notes changed both answer" || bad "two updating searches" "exit $r1 $r2: $(cat "$TMP/s1" "$TMP/s2" | head -c 300)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
