#!/bin/sh
# valgrind-wrap.sh -- run $VG_BIN under valgrind, one log per run in $VG_LOGDIR
# (used by `make valgrind` as CVSEARCH for the tests in tests/cli).
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
  --log-file="${VG_LOGDIR:-/tmp}/vg.%p.log" "${VG_BIN:-./cvsearch}" "$@"
