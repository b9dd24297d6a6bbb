# cvsearch -- full-text search over career notes.
#
#   make run      build, then search the sample corpus for "distributed systems reliability"
#   make test     build with AddressSanitizer + UBSan and run every test
#   make          build ./cvsearch (optimized)
#   make install  PREFIX=/usr/local DESTDIR= : binary, static library, header, man page
#   make bench    benchmarks against SQLite FTS5 and Xapian (bench/)
#   make deps     install the Debian packages this needs (as root), or print the command
#
# Knobs (Redis style): OPTIMIZATION, CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR, V=1.

CC ?= cc
OPTIMIZATION ?= -O2
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
STD = -std=c11 -D_GNU_SOURCE
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man/man1

# Dependencies: pkg-config where a .pc exists; libstemmer ships none.
PKGS = libutf8proc zlib
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lutf8proc -lz)
STEMMER_LIBS ?= -lstemmer
LIBS = $(DEP_LIBS) $(STEMMER_LIBS) -lm -pthread

DEBIAN_PKGS = build-essential pkg-config libutf8proc-dev libstemmer-dev zlib1g-dev libcmocka-dev

ifeq ($(V),1)
Q =
else
Q = @
endif

LIB_SRC = $(wildcard libindex/src/*.c)
CLI_SRC = $(wildcard cli/*.c)

# Release build in build/rel, sanitizer build in build/san.
REL = build/rel
SAN = build/san
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

REL_CFLAGS = $(STD) $(WARN) $(OPTIMIZATION) -g $(DEP_CFLAGS) -Ilibindex/include $(CFLAGS)
SAN_CFLAGS = $(STD) $(WARN) $(SAN_FLAGS) $(DEP_CFLAGS) -Ilibindex/include -DLIDX_TESTING $(CFLAGS)

REL_LIB_OBJ = $(LIB_SRC:%.c=$(REL)/%.o)
REL_CLI_OBJ = $(CLI_SRC:%.c=$(REL)/%.o)
SAN_LIB_OBJ = $(LIB_SRC:%.c=$(SAN)/%.o)
SAN_CLI_OBJ = $(CLI_SRC:%.c=$(SAN)/%.o)

.PHONY: all run test check-deps deps install uninstall clean bench bench-quick asan valgrind fuzz

all: check-deps cvsearch

cvsearch: $(REL)/libindex.a $(REL_CLI_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(REL_CFLAGS) -o $@ $(REL_CLI_OBJ) $(REL)/libindex.a $(LIBS) $(LDFLAGS)

$(REL)/libindex.a: $(REL_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

# check-deps is order-only: with make -j no file compiles before the packages are in.
$(REL)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(REL_CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	$(Q)$(CC) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/libindex.a: $(SAN_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SAN)/cvsearch: $(SAN)/libindex.a $(SAN_CLI_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $(SAN_CLI_OBJ) $(SAN)/libindex.a $(LIBS) $(LDFLAGS)

asan: check-deps $(SAN)/cvsearch

# The README's first command.
run: all
	./cvsearch --corpus corpus "distributed systems reliability"

# Missing Debian packages: install them as root, else say exactly what to run.
check-deps:
	@sh tools/check-deps.sh $(DEBIAN_PKGS)

deps:
	@sh tools/check-deps.sh --install $(DEBIAN_PKGS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)
	install -m 755 cvsearch $(DESTDIR)$(BINDIR)/cvsearch
	install -m 644 $(REL)/libindex.a $(DESTDIR)$(LIBDIR)/libindex.a
	install -m 644 libindex/include/libindex.h $(DESTDIR)$(INCDIR)/libindex.h
	install -m 644 docs/cvsearch.1 $(DESTDIR)$(MANDIR)/cvsearch.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cvsearch $(DESTDIR)$(LIBDIR)/libindex.a \
	      $(DESTDIR)$(INCDIR)/libindex.h $(DESTDIR)$(MANDIR)/cvsearch.1

clean:
	rm -rf build cvsearch

-include tests/tests.mk
-include bench/bench.mk
-include tests/fuzz/fuzz.mk

-include $(REL_LIB_OBJ:.o=.d) $(REL_CLI_OBJ:.o=.d) $(SAN_LIB_OBJ:.o=.d) $(SAN_CLI_OBJ:.o=.d)
