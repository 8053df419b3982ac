# mk/lab.mk - the build rules every lab, capstone and benchmark folder shares.
#
# A folder's Makefile names its programs and includes this file:
#
#     PROGS := fork_basics zombie            # one program per name, built from NAME.c
#     event_demo_SRCS := event_demo.c event.c  # (optional) a program made of several files
#     PTHREAD := yes                          # (optional) compile and link with -pthread
#     LDLIBS += -lrt                          # (optional) extra libraries
#     COMMON := procstat                      # (optional) the modules from common/ it uses
#     include ../../mk/lab.mk
#
# common/ is compiled once (per BUILD) into a small static library,
# build/<BUILD>/common/libposixlabs.a (see common/Makefile), and every program is linked
# with it: the linker takes from it only the modules the program uses (die.o for die(),
# usage_error(), parse_long(); procstat.o for reading /proc/PID/stat; ...). So COMMON is
# not needed to link a program; it still names what the folder's fuzz targets (below)
# are built with, and says to the reader which helpers the folder uses.
#
# libFuzzer targets (built with clang, run by `make fuzz`):
#     FUZZERS := fuzz_request                 # each built from NAME_SRCS, which define
#     fuzz_request_SRCS := fuzz_request.c request.c   # LLVMFuzzerTestOneInput, not main
#     Seed inputs, if any, go in fuzz/NAME/ (one file per input) in the folder.
#
# Targets:  make            build this folder's programs
#           make clean      remove them
#           make test       build, then run this folder's tests (tests/<folder>.bats)
#           make check      the same tests against an ASan+UBSan build
#           make grade      score this folder's exercises (the student track)
# Variables: V=1 shows full commands; CC=clang; WERROR= to stop treating warnings as errors;
#            BUILD=default|asan|tsan (asan and tsan builds go to build/asan, build/tsan).
#
# Where things land: the default build puts each program next to its source, so that
# `cd labs/01-fork-wait-zombie && make && ./zombie` works; objects and dependency files
# go to build/default/<folder>/. Sanitizer builds put programs and objects under
# build/<BUILD>/<folder>/ so they never mix with the default build.

TOP  := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
HERE := $(patsubst $(TOP)/%,%,$(CURDIR))

# `cc` is make's built-in default for CC; `make CC=clang` overrides it.
ifeq ($(origin CC),default)
CC := cc
endif

BUILD  ?= default
V      ?= 0
WERROR ?= -Werror
# -gdwarf-4: valgrind 3.19 cannot read the DWARF 5 that clang 14 writes by default.
CFLAGS ?= -O2 -g -gdwarf-4

ifeq ($(BUILD),default)
  BINDIR := $(CURDIR)
  SAN :=
else ifeq ($(BUILD),asan)
  BINDIR := $(TOP)/build/asan/$(HERE)
  SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(BUILD),tsan)
  BINDIR := $(TOP)/build/tsan/$(HERE)
  SAN := -fsanitize=thread
else
  $(error BUILD must be default, asan or tsan, not '$(BUILD)')
endif
OBJDIR := $(TOP)/build/$(BUILD)/$(HERE)

# Flags every file needs live apart from CFLAGS/CPPFLAGS/LDFLAGS/LDLIBS, which are yours.
# _POSIX_C_SOURCE=200809L: POSIX.1-2008. A file that needs a Linux extension says so
# itself with `#define _GNU_SOURCE` (and a comment why) before its first #include.
REQ_CPPFLAGS := -D_POSIX_C_SOURCE=200809L -I$(TOP)/common
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow $(WERROR)
ifeq ($(PTHREAD),yes)
  THREADFLAG := -pthread
endif
ALL_CFLAGS  = $(REQ_CPPFLAGS) $(CPPFLAGS) $(WARN) $(THREADFLAG) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(THREADFLAG) $(SAN) $(LDFLAGS)

# Quiet by default ("  CC  zombie.c"), full commands with V=1, nothing with make -s.
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
  Q := @
  say = @:
else ifeq ($(V),1)
  Q :=
  say = @:
else
  Q := @
  say = @printf '  %-4s %s\n'
endif

.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory
.SUFFIXES:

.PHONY: all clean test check FORCE $(PROGS)
all: $(addprefix $(BINDIR)/,$(PROGS))

# `make zombie` builds just that program.
$(PROGS): %: $(BINDIR)/%

# A program is built from NAME_SRCS (default NAME.c), linked with the library of common/.
LIBPOSIXLABS := $(TOP)/build/$(BUILD)/common/libposixlabs.a
define PROGRAM
$(1)_SRCS ?= $(1).c
$(BINDIR)/$(1): $$(patsubst %.c,$(OBJDIR)/%.o,$$($(1)_SRCS)) $(LIBPOSIXLABS)
	$$(say) LINK $$(patsubst $(TOP)/%,%,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef
$(foreach p,$(PROGS),$(eval $(call PROGRAM,$(p))))

ifeq ($(HERE),common)
# This is common/ itself: every module in it goes into the library.
LIB_OBJS := $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard *.c))
all: $(LIBPOSIXLABS)
$(LIBPOSIXLABS): $(LIB_OBJS)
	$(say) AR $(patsubst $(TOP)/%,%,$@)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
else
# Any other folder asks common/ to bring the library up to date (a no-op when it is): so
# `make -C labs/01-fork-wait-zombie` works on its own, and an edit in common/ is seen.
$(LIBPOSIXLABS): FORCE
	@$(MAKE) -C $(TOP)/common
endif

# Every object depends on the flags it was compiled with: change CC, CFLAGS or BUILD and
# the folder is rebuilt (the stamp is rewritten only when the flags really change).
FLAGS_STAMP := $(OBJDIR)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) $(LDLIBS)' | cmp -s - $@ || \
	  echo '$(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) $(LDLIBS)' > $@

$(OBJDIR)/%.o: %.c $(FLAGS_STAMP)
	$(say) CC $(HERE)/$<
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

clean:
	rm -f $(addprefix $(CURDIR)/,$(PROGS))
	rm -rf $(TOP)/build/default/$(HERE) $(TOP)/build/asan/$(HERE) $(TOP)/build/tsan/$(HERE)

# This folder's tests, through the top-level Makefile (which knows how to find bats).
test check:
	$(MAKE) -C $(TOP) $@ T=tests/$(notdir $(CURDIR)).bats

# The student track: score this folder's exercises (if it has a tasks.txt).
.PHONY: grade
grade:
	$(MAKE) -C $(TOP) grade LAB=$(HERE)

# ---- libFuzzer: make fuzz [FUZZ_SECONDS=60] --------------------------------------------
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZDIR      := $(TOP)/build/fuzz/$(HERE)
FUZZ_FLAGS   := $(REQ_CPPFLAGS) -std=c11 -Wall -Wextra -Wpedantic -Wshadow $(WERROR) -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(FUZZDIR)/,$(FUZZERS))
define FUZZER
$(1)_SRCS ?= $(1).c
$(FUZZDIR)/$(1): $$($(1)_SRCS) $(patsubst %,$(TOP)/common/%.c,die $(COMMON))
	$$(say) FUZZ $$(patsubst $(TOP)/%,%,$$@)
	@mkdir -p $$(@D)
	$$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $$^ -o $$@
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZER,$(f))))
# Each fuzzer runs for FUZZ_SECONDS on its corpus (build/fuzz/..., seeded from fuzz/NAME/);
# a crash stops the run with the input saved as build/fuzz/.../crash-*.
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	  mkdir -p $(FUZZDIR)/$$f.corpus; \
	  if [ -d fuzz/$$f ]; then cp -n fuzz/$$f/* $(FUZZDIR)/$$f.corpus/ 2>/dev/null || true; fi; \
	  echo "fuzz: $(HERE)/$$f for $(FUZZ_SECONDS) s"; \
	  $(FUZZDIR)/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZDIR)/ $(FUZZDIR)/$$f.corpus || exit 1; \
	done

-include $(wildcard $(OBJDIR)/*.d)
