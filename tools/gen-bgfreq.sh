#!/bin/sh
# gen-bgfreq.sh -- regenerate libindex/src/bgfreq.c, the general-English
# document frequencies match.c weighs job-description words with, from the
# Gutenberg books (BENCH_DATA, default ../shared/data): every book split into
# passages of three paragraphs (bench/prep.py), indexed by this revision's
# analyzer, terms in at least MIN_DF passages written out. Run it after a
# change to the analyzer (stemming, stop words) and commit the result.
set -e
cd "$(dirname "$0")/.."
DATA=${BENCH_DATA:-../shared/data}
MIN_DF=${MIN_DF:-75}
OUT=build/bgfreq
[ -d "$DATA/gutenberg" ] || { echo "gen-bgfreq: no $DATA/gutenberg" >&2; exit 1; }
make -s all build/bench/bench_cvsearch
mkdir -p $OUT
python3 bench/prep.py --data "$DATA" --out $OUT --scales "" >/dev/null
build/bench/bench_cvsearch index $OUT/gutenberg.tsv $OUT/gutenberg.cvx >/dev/null
${CC:-cc} -std=c11 -D_GNU_SOURCE -O1 -Ilibindex/include -Ilibindex/src tools/gen-bgfreq.c \
	build/rel/libindex.a $(pkg-config --libs libutf8proc zlib) -lstemmer -lm -pthread -o $OUT/gen-bgfreq
$OUT/gen-bgfreq $OUT/gutenberg.cvx "$MIN_DF" > libindex/src/bgfreq.c.tmp
mv libindex/src/bgfreq.c.tmp libindex/src/bgfreq.c
echo "gen-bgfreq: wrote libindex/src/bgfreq.c ($(grep -c '^	{' libindex/src/bgfreq.c) terms)"
