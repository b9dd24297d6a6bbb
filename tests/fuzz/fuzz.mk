# tests/fuzz/fuzz.mk -- fuzzing (libFuzzer, clang) and the valgrind pass.
#
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="analyze query"]
#        build build/fuzz/fuzz_<target> (clang -fsanitize=fuzzer,address,undefined)
#        and run each for FUZZ_TIME seconds; new inputs go to build/fuzz/corpus/,
#        crashes to build/fuzz/artifacts/ (copy them to tests/fuzz/regress/<target>/)
#   make test-fuzz-smoke   (part of `make test`) replays tests/fuzz/seeds and
#        tests/fuzz/regress through every target under ASan+UBSan with the
#        ordinary compiler, then fuzzes each target FUZZ_SMOKE_TIME seconds
#        when clang's libFuzzer works (skipped with a message otherwise)
#   make valgrind          the CLI tests with the release binary under valgrind
#   make test-crash        kill -9 during a large build (Gutenberg corpus)

FUZZ = build/fuzz
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 6
FUZZ_TARGETS ?= analyze segment query jd index config aliases
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = $(STD) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) $(DEP_CFLAGS) \
              -Ilibindex/include -Ilibindex/src -DLIDX_TESTING
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ)/%.o)
FUZZ_BIN = $(FUZZ_TARGETS:%=$(FUZZ)/fuzz_%)
# the same targets with standalone.c as main(), built by $(CC) into build/san
REPLAY_BIN = $(FUZZ_TARGETS:%=$(SAN)/fuzz/replay_%)

TEST_EXTRA += test-fuzz-smoke
# tests.mk expands TEST_EXTRA when it is read, before this file: say it again
test: test-fuzz-smoke

.PHONY: fuzz fuzz-build test-fuzz-smoke test-fuzz-replay valgrind test-crash

# (No exceptions: match.c's qsort(NULL, 0, ...) is guarded since issue #3,
# so every object is fuzzed with the full sanitizer set.)

$(FUZZ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_EXCEPT) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ)/libindex.a: $(FUZZ_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ)/libindex.a
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ)/libindex.a $(LIBS)

$(SAN)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/standalone.c tests/fuzz/fuzz_common.h $(SAN)/libindex.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(SAN_CFLAGS) -Ilibindex/src -o $@ $< tests/fuzz/standalone.c $(SAN)/libindex.a $(LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: check-deps fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

test-fuzz-replay: $(REPLAY_BIN) cvsearch
	@sh tests/fuzz/index-seeds.sh check ./cvsearch
	@set -e; for t in $(FUZZ_TARGETS); do \
	  ASAN_OPTIONS=detect_leaks=1 $(SAN)/fuzz/replay_$$t tests/fuzz/seeds/$$t \
	    $$(test -d tests/fuzz/regress/$$t && echo tests/fuzz/regress/$$t); done

# libFuzzer present? (clang installed and able to link -fsanitize=fuzzer)
FUZZ_OK = $(shell printf 'int LLVMFuzzerTestOneInput(const unsigned char*d,unsigned long n){return 0;}\n' | \
            $(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null && echo yes)

test-fuzz-smoke: test-fuzz-replay
ifeq ($(FUZZ_OK),yes)
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SMOKE_TIME) $(FUZZ_TARGETS)
else
	@echo "fuzz smoke: skipped, $(FUZZ_CC) cannot link -fsanitize=fuzzer (install clang and libclang-rt-dev)"
endif

# The CLI tests again, with the release binary under valgrind: any error or
# definite leak makes the wrapped command exit 99 and the log says where.
valgrind: check-deps cvsearch
	@command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }
	@rm -rf build/valgrind && mkdir -p build/valgrind && chmod 1777 build/valgrind # hostile.sh runs one case as nobody
	@set -e; for t in tests/cli/*.sh; do echo "== valgrind $$t"; \
	  VG_LOGDIR=$$(pwd)/build/valgrind VG_BIN=$$(pwd)/cvsearch CVSEARCH=$$(pwd)/tests/fuzz/valgrind-wrap.sh \
	  HOSTILE_SMALL=1 HOSTILE_TIMEOUT=600 HOSTILE_SLOW_MS=120000 CRASH_BOOKS=4 CRASH_ITERS=3 sh $$t; done
	@if grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' build/valgrind/*.log 2>/dev/null; then \
	  echo "valgrind: errors, see the logs above"; exit 1; fi
	@echo "valgrind: $$(ls build/valgrind | wc -l) runs, 0 errors"

# kill -9 at random moments of a large build (a Gutenberg corpus)
test-crash: check-deps $(SAN)/cvsearch cvsearch
	CVSEARCH=cvsearch CRASH_BOOKS=$${CRASH_BOOKS:-307} CRASH_ITERS=$${CRASH_ITERS:-40} sh tests/cli/crash.sh

-include $(FUZZ_LIB_OBJ:.o=.d)
