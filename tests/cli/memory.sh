#!/bin/sh
# tests/cli/memory.sh -- a build over its memory budget (--memory MB,
# $CVSEARCH_MEMORY_MB) writes runs to unnamed temporary files and merges
# them: the index is the same bytes as a build in memory (but META's build
# time), answers the same, and leaves no file behind; a temporary run file
# a killed build left (NAME.run.XXXXXX, where O_TMPFILE is missing) is
# swept by the next build; a temporary file that cannot be written is
# said to be one, with its folder and errno (not blamed on the note being
# indexed); bad values are usage errors. Each check prints
# "ok" or "FAIL"; the closing line is "N passed, N failed". Needs: CVSEARCH, python3.
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-memory.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
export XDG_CONFIG_HOME="$TMP/config"
unset CVSEARCH_CORPUS CVSEARCH_ALIASES CVSEARCH_MEMORY_MB

C="$TMP/notes"
cp -R corpus "$C"
# about 6 MB of notes with many distinct words (identifiers, versions), and near-copies
python3 - "$C" <<'PY'
import os, random, sys
r = random.Random(7)
words = ["w%x" % r.getrandbits(24) for _ in range(60000)] + ["kafka", "migration", "latency", "mentoring"]
os.makedirs(os.path.join(sys.argv[1], "gen"))
for i in range(300):
    secs = []
    for k in range(4):
        body = " ".join(r.choice(words) for _ in range(700))
        secs.append("## Section %d of %d\n%s v%d.%d.%d\n" % (k, i, body, i, k, r.randrange(99)))
    text = "# Generated %d\n\n%s" % (i, "\n".join(secs))
    open(os.path.join(sys.argv[1], "gen", "n%03d.md" % i), "w").write(text)
    if i % 50 == 0:
        open(os.path.join(sys.argv[1], "gen", "n%03d-copy.md" % i), "w").write(text)
PY

A="$TMP/ix/a.cvx"; B="$TMP/ix/b.cvx"
mkdir -p "$TMP/ix"
run "$BIN" index --corpus "$C" --index "$A" --memory 0 --json
expect_rc 0 "a build without a bound"
case $out in *'"runs":0'*) ok "no bound: no runs" ;; *) bad "no bound: no runs" "$out" ;; esac
run "$BIN" index --corpus "$C" --index "$B" --memory 1
expect_rc 0 "a build in 1 MB"
contains "merged from" "1 MB: the build wrote runs and merged them"
runs=$(printf '%s\n' "$out" | sed -n 's/.*merged from \([0-9]*\) runs.*/\1/p')
[ "${runs:-0}" -ge 3 ] && ok "1 MB: several runs ($runs)" || bad "1 MB: several runs" "$out"

# same_index A B: every section the same, but META's build time and duration
same_index() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
def secs(p):
    d = open(p, "rb").read()
    n = struct.unpack_from("<I", d, 12)[0]
    out = {}
    for i in range(n):
        sid, crc, off, ln = struct.unpack_from("<IIQQ", d, 64 + 24 * i)
        s = d[off:off + ln]
        out[sid] = s[:56] + s[72:] if sid == 1 else s
    return out
a, b = secs(sys.argv[1]), secs(sys.argv[2])
bad = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
print("differ:", bad) if bad else None
sys.exit(1 if bad or 10 not in a else 0)
PY
}
same_index "$A" "$B" && ok "runs merged: the same index as in memory (SIGS too)" || bad "runs merged: the same index"
for q in "kafka migration" "mentoring latency" "\"section 2 of 17\"" "w1a*"; do
	"$BIN" --index "$A" --no-update --json --limit 20 -- "$q" >"$TMP/a.json" 2>&1
	"$BIN" --index "$B" --no-update --json --limit 20 -- "$q" >"$TMP/b.json" 2>&1
	sed 's|"index":"[^"]*"||' "$TMP/a.json" >"$TMP/a2.json"
	sed 's|"index":"[^"]*"||' "$TMP/b.json" >"$TMP/b2.json"
	cmp -s "$TMP/a2.json" "$TMP/b2.json" && ok "same results: $q" || bad "same results: $q" "$(diff "$TMP/a2.json" "$TMP/b2.json" | head -3 | cut -c1-200)"
done
left=$(ls -A "$TMP/ix" | grep -v -e '^[ab]\.cvx$' -e '^[ab]\.cvx\.dirs$' -e '^[ab]\.cvx\.lock$')
[ -z "$left" ] && ok "no temporary file left beside the index" || bad "no temporary file left" "$left"

# the environment variable, and a run file left by a killed build (no O_TMPFILE) is swept
: >"$B.run.Ab12Cd"
CVSEARCH_MEMORY_MB=1 run "$BIN" index --corpus "$C" --index "$B"
expect_rc 0 "CVSEARCH_MEMORY_MB=1 build"
contains "merged from" "CVSEARCH_MEMORY_MB=1: runs"
[ ! -e "$B.run.Ab12Cd" ] && ok "a stale run file is swept" || bad "a stale run file is swept"
same_index "$A" "$B" && ok "CVSEARCH_MEMORY_MB: the same index" || bad "CVSEARCH_MEMORY_MB: the same index"

# a temporary file that cannot be written is said to be one (with errno), not blamed on a note
O="$TMP/odd"
mkdir -p "$O"
python3 - "$O" <<'PY'
import random, sys
r = random.Random(5)
open(sys.argv[1] + "/huge.md", "w").write("# Huge\n\n" + "\n\n".join("## S%d\n" % k + " ".join("y%07x" % r.getrandbits(28) for _ in range(3000)) for k in range(100)))
PY
(trap '' XFSZ; ulimit -f 1024; exec "$BIN" index --corpus "$O" --index "$TMP/ix/c.cvx" --memory 1) >"$TMP/out" 2>"$TMP/err"
rc=$?; err=$(cat "$TMP/err")
[ "$rc" != 0 ] && ok "a temporary file over the file size limit fails the build" || bad "a temporary file over the file size limit fails the build" "exit $rc"
err_contains "a temporary file in $TMP/ix: File too large" "the message names the temporary file's folder and errno"
case $err in *"while indexing"*) bad "the note is not blamed" "$err" ;; *) ok "the note is not blamed" ;; esac
[ ! -e "$TMP/ix/c.cvx" ] && ok "no index written" || bad "no index written"

run "$BIN" index --corpus "$C" --index "$B" --memory lots
expect_rc 2 "--memory lots is a usage error"
err_contains "--memory wants megabytes" "--memory: the message says what it wants"
CVSEARCH_MEMORY_MB=-3 run "$BIN" index --corpus "$C" --index "$B"
expect_rc 2 "CVSEARCH_MEMORY_MB=-3 is a usage error"
run "$BIN" --help
contains "--memory MB" "--help lists --memory"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
