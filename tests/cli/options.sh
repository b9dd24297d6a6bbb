#!/bin/sh
# tests/cli/options.sh -- the command line itself: query words that start
# with '-', unknown options named as typed, --index FILE semantics (never
# rebuilt from a folder the command line did not name, never overwriting a
# file that is not ours or another folder's index), per-command arguments,
# show PATH:LINE edge cases, the config file, an empty notes folder, JSON
# highlights over invalid UTF-8, file names with newlines.
set -u
BIN=${CVSEARCH:-./cvsearch}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
TMP=$(mktemp -d /tmp/cvsearch-opt.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
export HOME="$TMP/home"
unset CVSEARCH_CORPUS XDG_CONFIG_HOME
mkdir -p "$HOME"
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; out=$(cat "$TMP/out"); err=$(cat "$TMP/err"); }
expect_rc() { [ "$rc" = "$1" ] && ok "$2" || bad "$2" "exit $rc, want $1; stderr: $err"; }
contains() { case $out in *"$1"*) ok "$2" ;; *) bad "$2" "output lacks '$1': $out" ;; esac; }
lacks() { case $out in *"$1"*) bad "$2" "output has '$1'" ;; *) ok "$2" ;; esac; }
err_contains() { case $err in *"$1"*) ok "$2" ;; *) bad "$2" "stderr lacks '$1': $err" ;; esac; }

cp -R corpus "$TMP/notes"
C="$TMP/notes"

# --- query words that start with '-' ---------------------------------------------
run "$BIN" -c "$C" kafka
with=$(printf '%s\n' "$out" | grep -c 'interview-prep.txt')
run "$BIN" -c "$C" kafka -file:interview
expect_rc 0 "kafka -file:interview runs as a query, not as options"
lacks "interview-prep.txt" "-file: after a word leaves that file out"
[ "$with" -gt 0 ] && ok "(the same query without it has that file)" || bad "control" "$with"
run "$BIN" -c "$C" -n3 kafka -legacy
expect_rc 0 "-n3 and a -word in one command line"
run "$BIN" -c "$C" -jqn2 kafka
expect_rc 0 "a bundle of short options (-jqn2)"
case $out in '{"query":"kafka"'*) ok "the bundle's -j gives JSON" ;; *) bad "-jqn2" "$out" ;; esac
run "$BIN" -jqc "$C" kafka
expect_rc 0 "a bundle ending in -c takes the next argument"
run "$BIN" "-c$C" -j kafka
expect_rc 0 "-c/path, attached"
run "$BIN" -c "$C" --json=1 kafka
expect_rc 2 "--json=1 exits 2"
err_contains "'--json=1'" "and names the argument as typed"
run "$BIN" -c "$C" kafka --bogus
expect_rc 2 "an unknown long option exits 2"
err_contains "'--bogus'" "the unknown option is named as typed"
run "$BIN" -c "$C" kafka --limit
expect_rc 2 "an option without its value exits 2"
err_contains "--limit needs a value" "the option missing a value is named"
run "$BIN" help match
contains "usage: cvsearch match" "help COMMAND prints that command's usage"

# --- options of other commands ------------------------------------------------------
run "$BIN" -c "$C" --coverage kafka
expect_rc 2 "--coverage with search is refused"
run "$BIN" -c "$C" --docs x.tsv kafka
expect_rc 2 "--docs with search is refused"
run "$BIN" -c "$C" stats extra
expect_rc 2 "stats with an argument is refused"
run "$BIN" -c "$C" index extra
expect_rc 2 "index with an argument is refused"
run "$BIN" -c "$C" stories star extra
expect_rc 2 "stories with two arguments is refused"
run "$BIN" -c "$C" stories zzzz
expect_rc 1 "stories of no file exits 1"
err_contains "no indexed file" "stories of no file says so"

# --- --index FILE -----------------------------------------------------------------------
mkdir -p "$TMP/h1"
printf '# Alpha\nkafka streams\n' > "$TMP/h1/a.md"
run "$BIN" -q -c "$TMP/h1" --index "$TMP/own.cvx" stats
expect_rc 0 "--corpus with --index builds that file"
contains "stories      1" "it holds the folder's stories"
CVSEARCH_CORPUS="$C" "$BIN" --index "$TMP/own.cvx" stats >"$TMP/out" 2>&1
out=$(cat "$TMP/out")
contains "stories      1" "\$CVSEARCH_CORPUS never rebuilds a bare --index FILE"
run "$BIN" -c "$C" --index "$TMP/own.cvx" kafka
expect_rc 2 "--index of another folder is not overwritten"
err_contains "holds the notes of" "the refusal says whose index it is"
run "$BIN" --index "$TMP/own.cvx" stats
contains "stories      1" "the other folder's index is intact"
printf 'my precious notes\n' > "$TMP/precious.txt"
run "$BIN" -c "$C" --index "$TMP/precious.txt" kafka
expect_rc 2 "--index on a file that is not an index is refused"
[ "$(cat "$TMP/precious.txt")" = "my precious notes" ] && ok "that file is untouched" || bad "precious"
run "$BIN" -q -c "$TMP/h1" --index "$TMP/forced.cvx" index
expect_rc 0 "index --index FILE"
[ -s "$TMP/forced.cvx" ] && ok "index writes the --index file" || bad "index ignores --index"
run "$BIN" --index "$TMP/missing.cvx" kafka
expect_rc 2 "a missing --index file exits 2"
err_contains "build it with --corpus DIR" "and says how to build it"

# --- show PATH:LINE -----------------------------------------------------------------------
run "$BIN" -c "$C" show star-stories.md:0
expect_rc 2 "show FILE:0 is refused"
err_contains "numbered from 1" "line numbers start at 1"
run "$BIN" -c "$C" show ./star-stories.md:20
expect_rc 0 "show ./FILE:LINE"
run "$BIN" -c "$C" show "$C/star-stories.md:20"
expect_rc 0 "show CORPUS/FILE:LINE"
line=$(awk 'NF == 0 { print NR; exit }' "$C/perf-review-log.md")
run "$BIN" -c "$C" stories perf-review
run "$BIN" -c "$C" --json stories perf-review
gap=$(printf '%s' "$out" | python3 -c '
import json,sys
s=json.load(sys.stdin); held=set()
for x in s: held.update(range(x["line_start"], x["line_end"]+1))
print(next(i for i in range(1, max(held)) if i not in held))')
run "$BIN" -c "$C" show "perf-review-log.md:$gap"
expect_rc 2 "show of a line between stories exits 2"
err_contains "the nearest is" "and names the nearest story"

# --- config file -----------------------------------------------------------------------------
mkdir -p "$HOME/.config/cvsearch" "$HOME/mynotes"
cp "$TMP/h1/a.md" "$HOME/mynotes/"
printf 'corpus = mynotes   \n' > "$HOME/.config/cvsearch/config"
run "$BIN" kafka
expect_rc 0 "config: a relative folder is taken from HOME, trailing blanks ignored"
printf 'corpus = ~/nowhere\n' > "$HOME/.config/cvsearch/config"
run "$BIN" kafka
expect_rc 2 "config: a missing folder exits 2"
err_contains "comes from $HOME/.config/cvsearch/config" "the error names the config file"
rm -f "$HOME/.config/cvsearch/config"

# --- an empty folder, invalid UTF-8 in snippets, odd file names --------------------------------
mkdir -p "$TMP/empty"
run "$BIN" -c "$TMP/empty" kafka
expect_rc 1 "an empty notes folder: no results"
err_contains "no notes to search" "and a warning that says why"
mkdir -p "$TMP/bad"
printf '# Off\n\377\377\377\377 x kafka zeta\n' > "$TMP/bad/off.md"
run "$BIN" -c "$TMP/bad" --json zeta
printf '%s' "$out" | python3 -c '
import json,sys
r=json.load(sys.stdin)["results"][0]; b=r["snippet"].encode()
assert [b[a:e].decode() for a,e in r["highlights"]] == ["zeta"], r' 2>"$TMP/pyerr" \
	&& ok "JSON highlights index the snippet as printed (bad bytes as U+FFFD)" || bad "highlights" "$(cat "$TMP/pyerr")"
mkdir -p "$TMP/nl"
printf '# Odd\nkafka\n' > "$TMP/nl/bad
name.md"
run "$BIN" -c "$TMP/nl" kafka
expect_rc 0 "a file name with a newline is searchable"
contains "bad^Jname.md" "its newline is escaped in the output"

# --- .cvsearchignore, read as .gitignore reads a line -------------------------------------
mkdir -p "$TMP/ig/drafts" "$TMP/ig/sub/drafts" "$TMP/ig/keep"
for d in drafts sub/drafts keep; do printf '# T\nkafka\n' > "$TMP/ig/$d/n.md"; done
printf '# T\nkafka\n' > "$TMP/ig/drafts.md"
ig() {
	printf '%s\n' "$1" > "$TMP/ig/.cvsearchignore"
	got=$("$BIN" -q -c "$TMP/ig" --json stories | python3 -c '
import json,sys; print(" ".join(sorted(x["path"].split("/ig/")[1] for x in json.load(sys.stdin))))')
	[ "$got" = "$2" ] && ok "ignore '$1'" || bad "ignore '$1'" "indexed: $got; want: $2"
}
ig 'drafts/' 'drafts.md keep/n.md'
ig '/drafts' 'drafts.md keep/n.md sub/drafts/n.md'
ig 'drafts' 'drafts.md keep/n.md'
ig 'sub/drafts' 'drafts.md drafts/n.md keep/n.md'
ig '*.md  ' ''
ig '/*.md' 'drafts/n.md keep/n.md sub/drafts/n.md'
ig 'keep/*' 'drafts.md drafts/n.md sub/drafts/n.md'
ig 'd*.md' 'drafts/n.md keep/n.md sub/drafts/n.md'
ig '**/drafts' 'drafts.md keep/n.md'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
