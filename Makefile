# posix-labs - top-level Makefile.
#
#   make                 build every lab, capstone, benchmark and test fixture
#   make test            build, then run the whole bats suite (T=tests/x.bats runs one file)
#   make check           the suite against an ASan+UBSan build (build/asan), then the
#                        threaded labs' tests (tagged `tsan`) against a TSan build (build/tsan)
#   make repeat N=20     run the suite N times in a row and report every flaky test
#   make lint            shellcheck on every shell script and .bats file
#   make figures         regenerate every fig/*.svg from its fig/*.dot or fig/*.seq source
#   make demo            a short guided tour of the labs
#   make bench           run the benchmarks in bench/ (never part of make test); it says
#                        first how long it will take (over 10 minutes on 2 cores);
#                        QUICK=1: the class run, about a tenth of the work and 2 runs
#                        each (about 2 minutes); results in bench/results/
#   make fuzz            run every libFuzzer target (FUZZERS in a folder's Makefile) for
#                        FUZZ_SECONDS each (default 60); needs clang
#   make handout         the students' copy: build/handout/posix-labs/ and a tarball, every
#                        exercise region replaced by a stub (CONTRIBUTING.md, "Exercises")
#   make grade [LAB=04]  build and score the exercises, task by task (scripts/grade.sh);
#                        GRADE_TIMEOUT_SCALE=N gives slow machines N times longer bounds
#   make clean           remove everything that was built
#
# Variables: V=1 (full commands), CC=clang, WERROR= (warnings stay warnings), T=..., N=...,
#            QUICK=1 (make bench)
# Each folder builds on its own too: make -C labs/01-fork-wait-zombie (see mk/lab.mk).

SHELL := /bin/bash
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# Every folder with a Makefile is a unit of the build; adding a lab is adding a folder.
SUBDIRS := tests/fixtures $(patsubst %/Makefile,%,$(wildcard labs/*/Makefile project/*/Makefile bench/*/Makefile))
T ?= tests
N ?= 20

.PHONY: all test check check-asan check-tsan repeat lint figures demo bench fuzz clean common handout grade $(SUBDIRS)

all: $(SUBDIRS)
# common/ first, once: the library every folder links (see mk/lab.mk). Then the folders,
# in parallel with -j, each finding the library up to date.
$(SUBDIRS): common
	@$(MAKE) -C $@
common:
	@$(MAKE) -C common

test: all
	@BIN=$(CURDIR) tests/run.sh $(T)

# The sanitizer builds are separate trees (build/asan, build/tsan): they never mix with
# the default build next to the sources.
check:
	@$(MAKE) check-asan
	@$(MAKE) check-tsan

check-asan:
	@$(MAKE) BUILD=asan all
	@BIN=$(CURDIR)/build/asan tests/run.sh $(T)

# TSan only matters for threaded code: test files tagged `# bats file_tags=tsan` run here.
check-tsan:
	@files=$$(grep -l '^# bats file_tags=.*\btsan\b' $$(find $(T) -name '*.bats' | sort) 2>/dev/null); \
	if [ -z "$$files" ]; then echo "check-tsan: no test file is tagged tsan yet; nothing to run"; \
	else $(MAKE) BUILD=tsan all && BIN=$(CURDIR)/build/tsan tests/run.sh --filter-tags tsan $$files; fi

repeat: all
	@BIN=$(CURDIR) tests/repeat.sh $(N) $(T)

lint:
	@scripts/lint.sh

figures:
	@scripts/figures.sh

# The tour, after a quiet build (one line instead of one per file; errors still show).
demo:
	@echo "building… (make -s all: a minute the first time, a moment after)"
	@$(MAKE) -s all
	@scripts/demo.sh

QUICK ?=
bench: all
	@if [ -x bench/run.sh ]; then bench/run.sh $(if $(filter 1 yes,$(QUICK)),-c); else echo "bench: no benchmarks yet"; fi

FUZZ_DIRS := $(patsubst %/Makefile,%,$(shell grep -l '^FUZZERS' $(addsuffix /Makefile,$(SUBDIRS)) 2>/dev/null))
fuzz:
	@if [ -z "$(FUZZ_DIRS)" ]; then echo "fuzz: no fuzz targets yet"; fi
	@for d in $(FUZZ_DIRS); do $(MAKE) -C $$d fuzz || exit 1; done

handout:
	@scripts/handout.sh

grade:
	@scripts/grade.sh $(LAB)

clean:
	@for d in $(SUBDIRS); do $(MAKE) -C $$d clean >/dev/null || exit 1; done
	rm -rf build
