#!/bin/sh
# tests/cli/format.sh -- an index of another format version (the one before
# this build's LIDX_FORMAT_VERSION, read from format.h) is never read as this one: with
# --no-update the command stops with a clear "rebuild" message, otherwise it
# is rebuilt from the notes and answers as before. Each check prints "ok" or
# "FAIL"; the closing line is "N passed, N failed". Needs: CVSEARCH, python3.
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-format.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
CUR=$(sed -n 's/^#define LIDX_FORMAT_VERSION \([0-9]*\).*/\1/p' "$(dirname "$0")/../../libindex/src/format.h")
[ -n "$CUR" ] || { echo "FAIL cannot read LIDX_FORMAT_VERSION from libindex/src/format.h"; exit 1; }
OLD=$((CUR - 1))
export XDG_CONFIG_HOME="$TMP/config"
unset CVSEARCH_CORPUS CVSEARCH_ALIASES

C="$TMP/notes"
cp -R corpus "$C"
run "$BIN" --corpus "$C" --limit 5 "kafka team project"
expect_rc 0 "a fresh index answers"
first=$out
IX=$(ls "$CVSEARCH_INDEX_DIR"/*.cvx)
# set_version FILE N: the header's version field, with a header CRC that passes
set_version() {
	python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
p, v = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
struct.pack_into("<I", b, 8, v)
struct.pack_into("<I", b, 60, zlib.crc32(bytes(b[:60])) & 0xffffffff)
open(p, "wb").write(b)
PY
}
version() { python3 -c "import struct,sys; print(struct.unpack_from('<I', open(sys.argv[1],'rb').read(), 8)[0])" "$1"; }
[ "$(version "$IX")" = "$CUR" ] && ok "the index is format version $CUR" || bad "format version $CUR" "$(version "$IX")"

set_version "$IX" "$OLD"
run "$BIN" --corpus "$C" --no-update --limit 5 "kafka team project"
expect_rc 2 "a version $OLD index with --no-update: exit 2"
err_contains "format version $OLD" "... naming the version found"
err_contains "to rebuild it" "... and saying how to rebuild it"

run "$BIN" --corpus "$C" --limit 5 "kafka team project"
expect_rc 0 "without --no-update it is rebuilt"
err_contains "from another version; rebuilt it" "... saying so"
[ "$out" = "$first" ] && ok "... and answers as the fresh index did" || bad "same answers after the rebuild" "$out"
[ "$(version "$IX")" = "$CUR" ] && ok "... as format version $CUR" || bad "rebuilt as version $CUR" "$(version "$IX")"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
