# tests/tests.mk -- `make test`: unit tests (cmocka) and CLI tests, all built
# with AddressSanitizer and UBSan. Other fragments add targets to TEST_EXTRA.

TEST_CFLAGS = $(SAN_CFLAGS) -Ilibindex/src $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS = $(SAN)/libindex.a $(LIBS) $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(SAN)/tests/%)

.PHONY: test test-unit test-tsan test-cli test-header

$(SAN)/tests/%: tests/unit/%.c $(SAN)/libindex.a
	@mkdir -p $(dir $@)
	@echo "  CC test $<"
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(TEST_LIBS)

test-header:
	@echo "  HEADER  libindex.h compiles alone (-std=c11 -pedantic -Werror)"
	$(Q)printf '#include "libindex.h"\nint main(void){return 0;}\n' | \
	  $(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Ilibindex/include -x c -o /dev/null -

test-unit: check-deps $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done

# every tests/cli/*.sh script, each ending with "N passed, N failed"
test-cli: check-deps $(SAN)/cvsearch
	@set -e; for t in tests/cli/*.sh; do echo "== $$t"; CVSEARCH=$(SAN)/cvsearch sh $$t; done

# The store writer deflates on a worker thread, and the freshness check
# stats a big folder on two: the index and corpus tests again under
# ThreadSanitizer (one compile of the library and the test each, no ASan).
TSAN = build/tsan
TSAN_BIN = $(TSAN)/test_index $(TSAN)/test_corpus
$(TSAN)/test_%: tests/unit/test_%.c $(LIB_SRC) $(wildcard libindex/src/*.h) libindex/include/libindex.h | check-deps
	@mkdir -p $(dir $@)
	@echo "  CC tsan $<"
	$(Q)$(CC) $(STD) $(WARN) -O1 -g -fsanitize=thread -DLIDX_TESTING $(DEP_CFLAGS) -Ilibindex/include -Ilibindex/src \
	  $(shell pkg-config --cflags cmocka 2>/dev/null) -o $@ $< $(LIB_SRC) $(LIBS) \
	  $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

test-tsan: check-deps $(TSAN_BIN)
	@set -e; for t in $(TSAN_BIN); do echo "== $$t (ThreadSanitizer)"; TSAN_OPTIONS=halt_on_error=1 $$t; done

test: test-header test-unit test-tsan test-cli $(TEST_EXTRA)
	@echo "make test: all tests passed"

# the arithmetic and the JSON reader of `cvsearch eval` live in the CLI: the test links those objects
EVAL_TEST_OBJ = $(SAN)/cli/eval_metrics.o $(SAN)/cli/jsonr.o
$(SAN)/tests/test_eval: tests/unit/test_eval.c $(EVAL_TEST_OBJ) $(SAN)/libindex.a
	@mkdir -p $(dir $@)
	@echo "  CC test $<"
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(EVAL_TEST_OBJ) $(TEST_LIBS)
