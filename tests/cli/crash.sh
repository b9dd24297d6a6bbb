#!/bin/sh
# tests/cli/crash.sh -- kill -9 of `cvsearch index` at random moments of a
# large build (Project Gutenberg books): the previous index must still open
# and answer exactly as before, and the next run must complete the build and
# leave no temporary file behind. `make test` runs a small variant;
# `make test-crash` the whole corpus (CRASH_BOOKS, CRASH_ITERS).
# Closing line: "N passed, N failed". Needs CVSEARCH, python3.
set -u
BIN=${CVSEARCH:-./cvsearch}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
BOOKS=${CRASH_BOOKS:-16}
ITERS=${CRASH_ITERS:-8}
SRC=${GUTENBERG:-$(pwd)/../shared/data/gutenberg}
TMP=$(mktemp -d /tmp/cvsearch-crash.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
unset CVSEARCH_CORPUS
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }

N="$TMP/notes"
mkdir -p "$N"
if [ -d "$SRC" ]; then
	find "$SRC" -type f -name '*.txt' | LC_ALL=C sort | head -n "$BOOKS" | while IFS= read -r f; do
		cp "$f" "$N/$(basename "$f" | tr -c 'A-Za-z0-9.\n' _)"
	done
else
	echo "no Gutenberg books at $SRC: using generated notes"
	python3 -c '
import random, sys
random.seed(7)
words = open("corpus/interview-prep.txt").read().split()
for i in range(int(sys.argv[2])):
    with open("%s/gen%03d.md" % (sys.argv[1], i), "w") as f:
        for s in range(400):
            # the words of the queries below, so that their postings are read
            f.write("## Story %d\n%s\nThe old house by the sea, she said; the captain of the ship.\n\n"
                    % (s, " ".join(random.choice(words) for _ in range(300))))
' "$N" "$BOOKS"
fi
echo "notes: $(ls "$N" | wc -l) files, $(du -sh "$N" | cut -f1)"

Q1="the old house by the sea"; Q2='"she said" -war'; Q3="captain* OR ship"
answers() { # the answers of the current index, without updating it
	for q in "$Q1" "$Q2" "$Q3"; do
		"$BIN" --corpus "$N" --no-update --json --limit 20 "$q" || echo "exit $?"
	done 2>&1
}

t0=$(date +%s.%N)
"$BIN" --corpus "$N" -q index >/dev/null 2>"$TMP/err" && ok "the first build completes" || bad "the first build" "$(cat "$TMP/err")"
t1=$(date +%s.%N)
build_ms=$(python3 -c "print(int(($t1 - $t0) * 1000))")
echo "a build takes $build_ms ms"
answers >"$TMP/base"
grep -q '"results":\[{' "$TMP/base" && ok "the index answers" || bad "the index answers" "$(head -c 300 "$TMP/base")"
IX=$(ls "$TMP"/cache/*.cvx)

killed=0; finished=0; i=0
while [ $i -lt "$ITERS" ]; do
	i=$((i+1))
	# every other kill late in the build, while the temporary file is written
	lo=0.02; [ $((i % 2)) = 0 ] && lo=0.8
	delay=$(python3 -c "import random; print('%.3f' % (random.uniform($lo, 1.05) * $build_ms / 1000))")
	"$BIN" --corpus "$N" -q index >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	if kill -9 $pid 2>/dev/null; then killed=$((killed+1)); else finished=$((finished+1)); fi
	wait $pid 2>/dev/null
	answers >"$TMP/now"
	if cmp -s "$TMP/base" "$TMP/now"; then
		ok "kill -9 #$i after ${delay}s: the index answers as before"
	else
		bad "kill -9 #$i after ${delay}s: the index answers as before" "$(diff "$TMP/base" "$TMP/now" | head -c 400)"
	fi
done
echo "kill -9: $ITERS builds, $killed killed mid-build, $finished had finished"
# (slow builds, e.g. under valgrind, may all finish first: the kill below is certain)
[ $killed -gt 0 ] || echo "note: no random kill landed mid-build"

# and one kill for sure while the new index is being written (a small build
# may write it in a few ms: try again until a kill lands in that window). The
# builder writes into an unnamed file (O_TMPFILE: /proc/PID/fd shows it as
# "cache/#N (deleted)") and names it only when complete, so a kill leaves
# nothing; where O_TMPFILE is missing it writes PATH.tmp.XXXXXX instead.
writing() { # sets unnamed=1 when the file being written is an O_TMPFILE one
	if ls -l "/proc/$1/fd" 2>/dev/null | grep -q "$TMP/cache/#"; then unnamed=1; return 0; fi
	ls "$TMP/cache" | grep -q '\.tmp\.'
}
landed=0; unnamed=0
for attempt in 1 2 3 4 5 6 7 8 9 10; do
	"$BIN" --corpus "$N" -q index >/dev/null 2>&1 &
	pid=$!
	k=0
	while [ $k -lt 2000 ] && ! writing $pid && kill -0 $pid 2>/dev/null; do k=$((k+1)); sleep 0.002; done
	writing $pid && landed=1
	kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
	[ $landed = 1 ] && break
done
answers >"$TMP/now"
cmp -s "$TMP/base" "$TMP/now" && ok "kill -9 while the new index is written: the index answers as before"   || bad "kill -9 while writing" "$(diff "$TMP/base" "$TMP/now" | head -c 400)"
[ $landed = 1 ] && ok "a kill landed while the new index was written" || echo "note: no kill landed while the index was written"
left=$(ls "$TMP/cache" | grep -c '\.tmp\.')
echo "temporary files left by killed builds: $left"
if [ $landed = 1 ] && [ "$unnamed" = 1 ]; then
	[ "$left" = 0 ] && ok "a build killed while writing leaves no temporary file (O_TMPFILE)" \
	  || bad "a kill while writing left a temporary file" "$(ls "$TMP/cache")"
fi
# the next run completes the build and sweeps what killed builds left
printf '# Crash test\nzyzzyvacrashword after the kills\n' >"$N/zz-new.md"
"$BIN" --corpus "$N" zyzzyvacrashword >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && ok "the next run rebuilds and finds a new note" || bad "the next run rebuilds" "$(cat "$TMP/err")"
left=$(ls "$TMP/cache" | grep -c '\.tmp\.' || true)
[ "$left" = 0 ] && ok "no temporary files are left after the next build" || bad "no temporary files left" "$(ls "$TMP/cache")"
rm "$N/zz-new.md"
"$BIN" --corpus "$N" -q index >/dev/null 2>&1
answers >"$TMP/now"
cmp -s "$TMP/base" "$TMP/now" && ok "after the kills the rebuilt index answers as the first" || bad "rebuilt index answers" "$(diff "$TMP/base" "$TMP/now" | head -c 400)"

# a damaged postings list in a big index (only checked when read): the
# search says "corrupt", and with the notes at hand the index is rebuilt
sz=$(stat -c %s "$IX")
python3 - "$IX" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = struct.unpack_from("<I", b, 12)[0]
for i in range(n):
    sid, crc, off, ln = struct.unpack_from("<IIQQ", b, 64 + 24 * i)
    if sid == 8:                     # POST: damage the whole section
        for k in range(off, off + ln, 7):
            b[k] ^= 0x55
open(p, "wb").write(b)
PY
"$BIN" --corpus "$N" --no-update "$Q1" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 2 ] && grep -q "corrupt" "$TMP/err" && [ "$(wc -l <"$TMP/err")" = 1 ] \
  && ok "a damaged postings list gives one 'corrupt' line ($sz-byte index)" \
  || bad "damaged postings: one 'corrupt' line" "exit $rc: $(cat "$TMP/err")"
"$BIN" --corpus "$N" "$Q1" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 0 ] && grep -q "rebuil" "$TMP/err" && ok "with the notes at hand the damaged index is rebuilt" \
  || bad "damaged index rebuilt from the notes" "exit $rc: $(cat "$TMP/err")"
answers >"$TMP/now"
cmp -s "$TMP/base" "$TMP/now" && ok "the rebuilt index answers as the first" || bad "answers after rebuild" "$(diff "$TMP/base" "$TMP/now" | head -c 400)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
