# bench/bench.mk -- `make bench` (full, about 15 minutes) and `make bench-quick`
# (under a minute): cvsearch beside SQLite FTS5 and Xapian on the same data,
# written to bench/RESULTS.md and bench/plots/*.png (quick mode: to
# bench/out/RESULTS-quick.md and bench/out/plots, untracked). Data: BENCH_DATA=DIR
# (default ../shared/data); a missing collection is skipped with one line.
# The peers (libsqlite3-dev, libxapian-dev) link only the bench drivers, which wait
# (order-only) for bench-deps, so `make -j2 bench` on a fresh machine compiles
# them after the packages are installed.

BENCH_DATA ?= ../shared/data
BENCH_BIN = build/bench
CXX ?= c++
SQLITE_CFLAGS := $(shell pkg-config --cflags sqlite3 2>/dev/null)
SQLITE_LIBS := $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)
XAPIAN_CFLAGS := $(shell pkg-config --cflags xapian-core 2>/dev/null)
XAPIAN_LIBS := $(shell pkg-config --libs xapian-core 2>/dev/null || echo -lxapian)
BENCH_CFLAGS = $(STD) $(WARN) -O2 -g -Ilibindex/include
BENCH_DRIVERS = $(BENCH_BIN)/bench_cvsearch $(BENCH_BIN)/bench_fts5 $(BENCH_BIN)/bench_xapian

$(BENCH_BIN)/bench_cvsearch: bench/bench_cvsearch.c bench/bench_common.h $(REL)/libindex.a | bench-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $< $(REL)/libindex.a $(LIBS)

$(BENCH_BIN)/bench_fts5: bench/bench_fts5.c bench/bench_common.h | bench-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BENCH_CFLAGS) $(SQLITE_CFLAGS) -o $@ $< $(SQLITE_LIBS)

$(BENCH_BIN)/bench_xapian: bench/bench_xapian.cc bench/bench_common.h | bench-deps
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	$(Q)$(CXX) -std=c++17 -O2 -g -Wall $(XAPIAN_CFLAGS) -o $@ $< $(XAPIAN_LIBS)

bench-deps:
	@sh tools/check-deps.sh libsqlite3-dev libxapian-dev gnuplot-nox hyperfine manpages manpages-dev

bench: all bench-deps $(BENCH_DRIVERS)
	BENCH_COMMAND="make bench" python3 bench/run.py --data $(BENCH_DATA) $(if $(BENCH_SCALES),--scales $(BENCH_SCALES))

bench-quick: all bench-deps $(BENCH_DRIVERS)
	BENCH_COMMAND="make bench-quick" python3 bench/run.py --quick --data $(BENCH_DATA)

.PHONY: bench bench-quick bench-deps
