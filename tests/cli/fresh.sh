#!/bin/sh
# tests/cli/fresh.sh -- the freshness check end to end (issue #10): every kind
# of change made after a search is seen by the next one, with the folder
# cache (INDEX.dirs) in use and a big folder stat'ed on two threads: an edit
# in place of the same size whose mtime is put back, a note added to a
# sub-folder whose mtime is put back, a note removed, a folder renamed, a
# chmod; a damaged cache is ignored. Closing line "N passed, N failed".
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-fresh.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
unset CVSEARCH_CORPUS
C="$TMP/notes"
mkdir -p "$C/big" "$C/work/deep" "$C/misc"
i=0
while [ $i -lt 70 ]; do
	printf '# Note %03d\n\nordinary words number n%03d here\n' $i $i > "$C/big/n$(printf %03d $i).md"
	i=$((i+1))
done
printf '# Deep\n\nthe quokka story\n' > "$C/work/deep/q.md"
printf '# Misc\n\nthe wombat story\n' > "$C/misc/w.md"
# old folder mtimes, and a tick of wall time: the folders' names are kept
age() { find "$C" -type d -exec touch -d '2020-01-01 12:00:00' {} +; sleep 0.1; }
age
# hits COUNT WORD: the search for WORD lists COUNT stories
hits() { run "$BIN" --corpus "$C" --json "$2"; n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))' 2>/dev/null || echo 0); [ "$n" = "$1" ] && ok "$3" || bad "$3" "$n results for '$2', want $1: $err"; }

hits 1 quokka "first search builds the index"
hits 1 wombat "second search: the folder listings are kept"
ls "$CVSEARCH_INDEX_DIR"/*.cvx.dirs >/dev/null 2>&1 && ok "the folder cache is written beside the index" || bad "no .dirs file" "$(ls -la "$CVSEARCH_INDEX_DIR")"
m=$(stat -c %a "$CVSEARCH_INDEX_DIR"/*.cvx.dirs 2>/dev/null)
[ "$m" = 600 ] && ok "... readable by the user alone" || bad "mode $m"

# an edit in place, same size, mtime put back (only the ctime changes)
f="$C/big/n042.md"
cp -p "$f" "$TMP/ref"
printf '# Note 042\n\nplatypus words number x042 here\n' > "$TMP/new"
[ "$(wc -c < "$TMP/new")" = "$(wc -c < "$f")" ] || bad "test setup: sizes differ"
cat "$TMP/new" > "$f"
touch -r "$TMP/ref" "$f"
hits 1 platypus "an edit in place of the same size, mtime put back, is seen"
hits 0 n042 "... and the old words are gone"

# a note added in a sub-folder whose mtime is put back
touch -r "$C/misc" "$TMP/ref"
printf '# Echidna\n\nthe echidna story\n' > "$C/work/deep/e.md"
touch -r "$TMP/ref" "$C/work/deep"
hits 1 echidna "a note added to a sub-folder is seen (its folder's mtime put back)"

# a note removed
age
hits 1 wombat "(listings kept again)"
rm "$C/misc/w.md"
hits 0 wombat "a removed note is no longer found"

# a folder renamed
mv "$C/work" "$C/job"
run "$BIN" --corpus "$C" --json quokka
contains '"path":' "a renamed folder's note is found"
contains "job/deep/q.md" "... under its new path"
lacks "work/deep/q.md" "... not the old one"

# a permission change: a note nobody may read (root reads it all the same)
chmod 000 "$C/big/n007.md"
run "$BIN" --corpus "$C" n007
if [ "$(id -u)" = 0 ]; then
	expect_rc 0 "a chmod'ed note is still read by root"
else
	err_contains "n007.md" "a note that can no longer be read is seen (warned about)"
	expect_rc 1 "... and no longer found"
fi
chmod 644 "$C/big/n007.md"
hits 1 n007 "readable again: found"

# a damaged cache is ignored (and written again)
age
hits 1 quokka "(listings kept again)"
printf 'CVXDIRS\001 damaged damaged damaged damaged damaged' > "$TMP/junk"
cp "$TMP/junk" "$CVSEARCH_INDEX_DIR"/*.cvx.dirs
printf '# Koala\n\nthe koala story\n' > "$C/misc/k.md"
hits 1 koala "with a damaged cache a new note is seen"
hits 1 quokka "... and the others still"
s=$(stat -c %s "$CVSEARCH_INDEX_DIR"/*.cvx.dirs)
[ "$s" -gt 100 ] && ok "the cache was written again" || bad "cache size $s"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
