#!/bin/sh
# index-seeds.sh check|make CVSEARCH -- the index reader's fuzz seeds
# (tests/fuzz/seeds/index: one mode byte, then an index file) must be indexes
# of this format version, or the fuzzer starts from files the reader refuses
# at the header and never reaches the sections. 'check' opens each one with
# 'cvsearch stats' (exit 1 naming the first stale seed); 'make' rebuilds them
# from two notes of corpus/ and a one-line note (after a format change).
set -eu
mode=$1; bin=$2
S=tests/fuzz/seeds/index
t=$(mktemp -d "${TMPDIR:-/tmp}/cvs-seeds-XXXXXX")
trap 'rm -rf "$t"' EXIT
case $mode in
check)
	for f in "$S"/*; do
		tail -c +2 "$f" >"$t/x.cvx"; chmod 600 "$t/x.cvx"
		if ! "$bin" stats --index "$t/x.cvx" --no-update >/dev/null 2>"$t/err"; then
			echo "fuzz seed $f is not a readable index of this build: $(cat "$t/err")"
			echo "rebuild the seeds: sh tests/fuzz/index-seeds.sh make ./cvsearch"
			exit 1
		fi
	done
	echo "index fuzz seeds: $(ls "$S" | wc -l) readable at this format version";;
make)
	mkdir "$t/a" "$t/b"
	cp corpus/star-stories.md corpus/logseq-architect-outline.md "$t/a/"
	printf '# Tiny\n\nKafka on-call.\n' >"$t/b/t.md"
	CVSEARCH_INDEX_DIR=$t "$bin" index --corpus "$t/a" --index "$t/a.cvx" >/dev/null
	CVSEARCH_INDEX_DIR=$t "$bin" index --corpus "$t/b" --index "$t/b.cvx" >/dev/null
	for m in 00 01 03; do { printf "\\$(printf %o 0x$m)"; cat "$t/a.cvx"; } >"$S/star_logseq_$m"; done
	for m in 00 01; do { printf "\\$(printf %o 0x$m)"; cat "$t/b.cvx"; } >"$S/tiny_$m"; done
	echo "index fuzz seeds rebuilt in $S";;
*) echo "usage: index-seeds.sh check|make CVSEARCH" >&2; exit 2;;
esac
