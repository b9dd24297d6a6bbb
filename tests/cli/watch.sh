#!/bin/sh
# tests/cli/watch.sh -- `cvsearch watch` end to end (issue #10): with a
# watcher running in the background, each search sees at once a note added,
# edited in place, renamed, removed, a folder made with notes in it, a folder
# renamed and removed; the searches skip the folder walk (a write through a
# hard link from outside the notes, which inotify does not report, is not
# seen while the watcher runs: the documented limit, and the proof that no
# note was stat'ed); `watch status` and `watch stop`; a second watcher is
# refused; after kill -9 the searches check the folder themselves again; an
# index kept inside the notes is no note, and an idle watcher stays idle,
# also with a link in the notes to the index's folder; a parent of the notes
# renamed and the folder made anew is watched anew; --memory and
# CVSEARCH_MEMORY_MB bound the watcher's builds.
# Closing line "N passed, N failed".
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-watch.XXXXXX)
WPID=
cleanup() { [ -n "$WPID" ] && kill -9 "$WPID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
unset CVSEARCH_CORPUS
C="$TMP/notes"
mkdir -p "$C/work/deep" "$C/misc"
printf '# Deep\n\nthe quokka story\n' > "$C/work/deep/q.md"
printf '# Misc\n\nthe wombat story\n' > "$C/misc/w.md"
printf '# Linked\n\nthe first version\n' > "$C/linked.md"
ln "$C/linked.md" "$TMP/outside.md"

# hits COUNT WORD MSG: the search for WORD lists COUNT stories
hits() { run "$BIN" --corpus "$C" --json "$2"; n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))' 2>/dev/null || echo 0); [ "$n" = "$1" ] && ok "$3" || bad "$3" "$n results for '$2', want $1: $err"; }

run "$BIN" --help
contains "watch" "--help lists the watch command"
run "$BIN" watch status --corpus "$C"
expect_rc 1 "watch status without a watcher: exit 1"
contains "no watcher" "... and says so"

"$BIN" watch --corpus "$C" > "$TMP/watch.log" 2>&1 &
WPID=$!
i=0
while [ $i -lt 100 ]; do
	"$BIN" watch status --corpus "$C" >/dev/null 2>&1 && break
	sleep 0.1; i=$((i+1))
done
run "$BIN" watch status --corpus "$C"
expect_rc 0 "watch status with a watcher: exit 0"
contains "pid $WPID" "... and names its pid"
grep -q "watching" "$TMP/watch.log" && ok "the watcher says what it watches" || bad "watch log" "$(cat "$TMP/watch.log")"
ls "$CVSEARCH_INDEX_DIR"/*.cvx.sock >/dev/null 2>&1 && ok "the socket is beside the index" || bad "no .sock" "$(ls -la "$CVSEARCH_INDEX_DIR")"
m=$(stat -c %a "$CVSEARCH_INDEX_DIR"/*.cvx.sock 2>/dev/null)
[ "$m" = 600 ] && ok "... usable by the user alone" || bad "socket mode $m"

run "$BIN" watch --corpus "$C"
expect_rc 2 "a second watcher of the same index is refused"
err_contains "already watches" "... saying another one watches"

hits 1 quokka "a search with the watcher running"
printf '# Echidna\n\nthe echidna story\n' > "$C/misc/e.md"
hits 1 echidna "a note added is seen at once"
printf '# Misc\n\nthe platypus story\n' > "$TMP/new"
cat "$TMP/new" > "$C/misc/w.md"
hits 1 platypus "a note edited in place is seen at once"
hits 0 wombat "... its old words gone"
mv "$C/misc/e.md" "$C/misc/echidna.md"
run "$BIN" --corpus "$C" --json echidna
contains "misc/echidna.md" "a note renamed is seen at once"
rm "$C/misc/echidna.md"
hits 0 echidna "a note removed is seen at once"
mkdir -p "$C/new/sub"; printf '# Numbat\n\nthe numbat story\n' > "$C/new/sub/n.md"
hits 1 numbat "a folder made with a note in it is seen at once"
printf '# Bilby\n\nthe bilby story\n' > "$C/new/sub/b.md"
hits 1 bilby "a note added to the new folder is seen at once"
mv "$C/work" "$C/job"
run "$BIN" --corpus "$C" --json quokka
contains "job/deep/q.md" "a folder renamed is seen at once"
printf '# Dingo\n\nthe dingo story\n' > "$C/job/deep/d.md"
hits 1 dingo "a note added under the renamed folder is seen at once"
rm -rf "$C/new"
hits 0 numbat "a folder removed is seen at once"
printf 'job/\n' > "$C/.cvsearchignore"
hits 0 dingo ".cvsearchignore is seen at once"
rm "$C/.cvsearchignore"
hits 1 dingo "... and its removal"
grep -q "index:" "$TMP/watch.log" && ok "the watcher logs its updates" || bad "no update in the log" "$(cat "$TMP/watch.log")"

# a write through a hard link from outside the notes raises no event in
# the notes folder: the search trusts the watcher and does not stat the note
printf 'the kookaburra line\n' >> "$TMP/outside.md"
hits 0 kookaburra "with the watcher, the search does not walk the folder (an edit inotify cannot see is not seen)"

# killed: its socket stays, nobody listens; searches check the folder again
kill -9 "$WPID"; wait "$WPID" 2>/dev/null; WPID=
ls "$CVSEARCH_INDEX_DIR"/*.cvx.sock >/dev/null 2>&1 && ok "(the killed watcher's socket is left)" || bad "socket gone?"
hits 1 kookaburra "after kill -9, the search checks the folder itself"
printf '# Emu\n\nthe emu story\n' > "$C/misc/emu.md"
hits 1 emu "... and sees new notes"
run "$BIN" watch status --corpus "$C"
expect_rc 1 "watch status after kill -9: no watcher"

# a new watcher takes the old socket's place; watch stop ends it
"$BIN" watch -q --corpus "$C" > "$TMP/watch2.log" 2>&1 &
WPID=$!
i=0
while [ $i -lt 100 ]; do
	"$BIN" watch status --corpus "$C" >/dev/null 2>&1 && break
	sleep 0.1; i=$((i+1))
done
printf '# Koala\n\nthe koala story\n' > "$C/misc/k.md"
hits 1 koala "a new watcher after a killed one"
run "$BIN" watch stop --corpus "$C"
expect_rc 0 "watch stop"
i=0
while [ $i -lt 50 ] && kill -0 "$WPID" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
kill -0 "$WPID" 2>/dev/null && bad "the watcher did not stop" || ok "... the watcher exits"
wait "$WPID"; wrc=$?; WPID=
[ "$wrc" = 0 ] && ok "... with status 0" || bad "watcher exit $wrc" "$(cat "$TMP/watch2.log")"
ls "$CVSEARCH_INDEX_DIR"/*.cvx.sock >/dev/null 2>&1 && bad "socket left after stop" || ok "... and removes its socket"
[ -s "$TMP/watch2.log" ] && bad "-q: the watcher printed" "$(cat "$TMP/watch2.log")" || ok "watch -q prints nothing"

# an index kept inside the notes folder: the watcher's own writes of it
# (and of the files beside it) are no change of the notes
IX="$C/misc/my.cvx"
"$BIN" watch --corpus "$C" --index "$IX" > "$TMP/watch3.log" 2>&1 &
WPID=$!
i=0
while [ $i -lt 100 ]; do
	"$BIN" watch status --corpus "$C" --index "$IX" >/dev/null 2>&1 && break
	sleep 0.1; i=$((i+1))
done
printf '# Wallaby\n\nthe wallaby story\n' > "$C/misc/wallaby.md"
run "$BIN" --corpus "$C" --index "$IX" --json wallaby
contains "misc/wallaby.md" "index inside the notes: a note added is seen at once"
lacks "my.cvx" "... and the index is no note"
# CPU time (utime + stime, clock ticks) of the watcher over a second of quiet
cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$WPID/stat"; }
sleep 0.5
c1=$(cpu)
sleep 1
c2=$(cpu)
[ $((c2 - c1)) -le 5 ] && ok "... and its own writes do not make it check again (idle: $((c2 - c1)) ticks in 1 s)" || bad "the watcher keeps working: $((c2 - c1)) ticks of CPU in 1 s of quiet" "$(cat "$TMP/watch3.log")"
"$BIN" watch stop --corpus "$C" --index "$IX" >/dev/null
wait "$WPID"; WPID=

# waitw ARGS...: wait until `watch status ARGS` says fresh
waitw() { i=0; while [ $i -lt 100 ]; do "$BIN" watch status "$@" >/dev/null 2>&1 && break; sleep 0.1; i=$((i+1)); done; }

# ... and a link in the notes to the index's folder: through it the index
# is still no note, and its writes still wake nobody (it rebuilt ~30 times a second)
ln -s misc "$C/ixlink"
mkdir -p "$C/deep2"; ln -s ../misc "$C/deep2/l"
"$BIN" watch --corpus "$C" --index "$IX" > "$TMP/watch4.log" 2>&1 &
WPID=$!
waitw --corpus "$C" --index "$IX"
printf '# Quoll\n\nthe quoll story\n' > "$C/misc/quoll.md"
run "$BIN" --corpus "$C" --index "$IX" --json --limit 50 quoll
contains "misc/quoll.md" "index inside the notes, a link to its folder: a note added is seen"
lacks "my.cvx" "... and the index is no note through the link"
sleep 0.5
c1=$(cpu)
sleep 1
c2=$(cpu)
[ $((c2 - c1)) -le 5 ] && ok "... and its own writes seen through the link do not wake it ($((c2 - c1)) ticks in 1 s)" || bad "the watcher keeps rebuilding: $((c2 - c1)) ticks of CPU in 1 s of quiet" "$(tail -5 "$TMP/watch4.log")"
"$BIN" watch stop --corpus "$C" --index "$IX" >/dev/null
wait "$WPID"; WPID=
rm "$C/ixlink" "$C/deep2/l"

# a parent of the notes folder renamed, and the folder made anew at its path
P="$TMP/par/notes"
mkdir -p "$P"; printf '# A\n\nthe apple story\n' > "$P/a.md"
"$BIN" watch --corpus "$P" > "$TMP/watch5.log" 2>&1 &
WPID=$!
waitw --corpus "$P"
mv "$TMP/par" "$TMP/par-old"; mkdir -p "$P"; printf '# F\n\nbanana\n' > "$P/b.md"
run "$BIN" --corpus "$P" --json banana
contains "b.md" "a parent renamed and the notes folder made anew: the new notes are searched"
run "$BIN" watch status --corpus "$P"
contains "keeps the index fresh" "... and the watcher watches the new folder"
printf '# C\n\ncherry\n' > "$P/c.md"
run "$BIN" --corpus "$P" --json cherry
contains "c.md" "... a note added to it is seen"
"$BIN" watch stop --corpus "$P" >/dev/null
wait "$WPID"; WPID=

# --memory (and CVSEARCH_MEMORY_MB) bound the watcher's builds as `cvsearch index`'s
M="$TMP/big"
python3 - "$M" <<'PY'
import os, random, sys
r = random.Random(7)
words = ["w%x" % r.getrandbits(24) for _ in range(30000)]
os.makedirs(sys.argv[1])
for i in range(20):
    open(os.path.join(sys.argv[1], "n%02d.md" % i), "w").write("# N %d\n\n%s\n" % (i, " ".join(r.choice(words) for _ in range(2500))))
PY
"$BIN" watch --corpus "$M" --memory 1 > "$TMP/watch6.log" 2>&1 &
WPID=$!
waitw --corpus "$M"
"$BIN" watch stop --corpus "$M" >/dev/null
wait "$WPID"; WPID=
grep -q "merged from [0-9]* runs" "$TMP/watch6.log" && ok "watch --memory 1: the watcher's build wrote runs" || bad "watch --memory ignored" "$(cat "$TMP/watch6.log")"
rm -f "$CVSEARCH_INDEX_DIR"/big-*
CVSEARCH_MEMORY_MB=1 "$BIN" watch --corpus "$M" > "$TMP/watch7.log" 2>&1 &
WPID=$!
waitw --corpus "$M"
"$BIN" watch stop --corpus "$M" >/dev/null
wait "$WPID"; WPID=
grep -q "merged from [0-9]* runs" "$TMP/watch7.log" && ok "CVSEARCH_MEMORY_MB=1: so did the watcher's" || bad "CVSEARCH_MEMORY_MB ignored by watch" "$(cat "$TMP/watch7.log")"

run "$BIN" watch bogus --corpus "$C"
expect_rc 2 "watch with an unknown argument: usage error"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
