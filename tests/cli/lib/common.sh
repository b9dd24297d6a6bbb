# tests/cli/lib/common.sh -- the checks every tests/cli script shares, sourced
# after `set -u`. A script sets TMP (its scratch folder) before its first
# `run`; it prints "$pass passed, $fail failed" at the end. Not a test itself
# (make test runs tests/cli/*.sh only).
BIN=${CVSEARCH:-./cvsearch}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
pass=0; fail=0
ok()   { pass=$((pass+1)); echo "ok   $1"; }
bad()  { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }
# run CMD...: sets $out, $err, $rc
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; out=$(cat "$TMP/out"); err=$(cat "$TMP/err"); }
expect_rc() { [ "$rc" = "$1" ] && ok "$2" || bad "$2" "exit $rc, want $1; stderr: $err"; }
contains() { case $out in *"$1"*) ok "$2" ;; *) bad "$2" "output lacks '$1'" ;; esac; }
lacks() { case $out in *"$1"*) bad "$2" "output has '$1'" ;; *) ok "$2" ;; esac; }
err_contains() { case $err in *"$1"*) ok "$2" ;; *) bad "$2" "stderr lacks '$1': $err" ;; esac; }
