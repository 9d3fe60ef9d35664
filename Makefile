# pyprof-bench build. `make` builds ./pyprof-bench; `make test` sets up and runs
# every test; `make run` sets up and runs configs/all.yaml. SANITIZE=address,undefined
# builds everything with those sanitizers (objects go to a separate folder).

# The pinned CPython, by version (tests/pinned-python.sh): Debian's 3.11 where
# Debian packages it (12), else Debian's python3 (13: 3.13, no 3.11 there);
# named explicitly (python-X.Y-embed, pythonX.Y-dev), never as `python3`.
# PY_VER=X.Y overrides.
ifeq ($(origin PY_VER),undefined)
PY_VER    := $(shell sh tests/pinned-python.sh)
endif
PKGS      := python-$(PY_VER)-embed yaml-0.1
# Debian packages the project needs; `make deps` installs the missing ones,
# then makes the virtual environment of the profilers (VENV, below).
DEB_PKGS  := gcc libc6-dev make pkg-config procps python$(PY_VER) python$(PY_VER)-dev \
             python$(PY_VER)-venv libyaml-dev gnuplot-nox libcmocka-dev python3-numpy valgrind
# The real profilers, from PyPI at the versions pinned in REQUIREMENTS, in a
# virtual environment of Debian's pythonX.Y (not `python3` on PATH, which
# may be another interpreter). The worker's embedded interpreter uses it as
# its prefix and the launched tools run from its bin/ (harness/venv.h);
# PYPROF_BENCH_VENV overrides the path at run time ("" for none).
VENV      := $(CURDIR)/build/venv
REQUIREMENTS := backends/requirements.txt

ifeq ($(origin CC),default)
CC        := gcc
endif
OPT       ?= -O2
WARN      := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wvla \
             -Wshadow -Wpointer-arith -Wformat=2 -Wundef
CFLAGS    := -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) -MMD -MP
# pkg-config's python-3.11-embed (not python-3.11) is what adds -lpython3.11.
# PY_PC_DIR (set by the per-interpreter build, below) is searched first. The
# headers are system headers (-isystem): 3.13's internal ones (mimalloc) do
# not pass -Wundef.
PKG_CONFIG_CMD = $(if $(PY_PC_DIR),PKG_CONFIG_PATH=$(PY_PC_DIR)$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH} )pkg-config
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG_CMD) --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   := $(shell $(PKG_CONFIG_CMD) --libs $(PKGS) 2>/dev/null)
LDLIBS     = $(PKG_LIBS) -lm -lpthread

BUILD     := build
ifneq ($(SANITIZE),)
BUILD     := build/san
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif

GIT_REV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION   := 0.1.0
CFLAGS    += -DPB_VERSION='"$(VERSION)"' -DPB_GIT_REV='"$(GIT_REV)"'
# The embedded interpreter is told it is Debian's python3.X so that its prefix,
# sys.executable and site-packages (/usr/lib/python3/dist-packages) are
# Debian's, whatever `python3` on PATH is.
PY_PREFIX := $(shell $(PKG_CONFIG_CMD) --variable=exec_prefix python-$(PY_VER)-embed 2>/dev/null)
PY_EXE    := $(or $(PY_PREFIX),/usr)/bin/python$(PY_VER)
CFLAGS    += -DPB_PYTHON_EXE='"$(PY_EXE)"' -DPB_VENV='"$(VENV)"'
# The interpreter axis (harness/interpreter.h): other interpreters' workers
# are $(BUILD)/interp/X.Y/pyprof-bench; harness/py/ holds the script that
# asks an interpreter what it is.
CFLAGS    += -DPB_INTERP_DIR='"$(CURDIR)/$(BUILD)/interp"'

# backends/faulty.c holds the test-only misbehaving backends: test build only.
TEST_ONLY_SRC := backends/faulty.c
LIB_SRC   := $(filter-out harness/main.c $(TEST_ONLY_SRC),$(wildcard harness/*.c) $(wildcard backends/*.c))
# The Python half of the harness (harness/py, pypkg.h), embedded as a
# generated C file; harness/py/embed.py itself is the build step.
PY_EMBED  := $(sort $(wildcard harness/py/*.py harness/py/pyprof_bench/*.py \
                               harness/py/pyprof_bench/*/*.py))
PY_EMBED  := $(filter-out harness/py/embed.py,$(PY_EMBED))
GEN_PYSRC := $(BUILD)/gen/pysrc.c
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/pysrc.o
MAIN_OBJ  := $(BUILD)/harness/main.o
TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_SUPPORT := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)

BIN       := pyprof-bench
ifneq ($(SANITIZE),)
BIN       := $(BUILD)/pyprof-bench
# Workers inherit these: leaks in the harness's allocations fail the tests,
# CPython's own unfreed memory at exit is suppressed (tests/lsan.supp).
# symbolize=0 by default: matching CPython's leaks against the suppressions
# made every sanitized process symbolize their stacks at exit (libasan's
# libbacktrace reading debug info), about 40% of the sanitized tests' time.
# Reports then give module+offset; tests/san-symbolize.sh turns those into
# function, file and line, or SAN_SYMBOLIZE=1 has the process do it.
SAN_SYMBOLIZE ?= 0
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1:symbolize=$(SAN_SYMBOLIZE)
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
endif

# ------------------------------------------------ the interpreter axis
# The same sources built against each other CPython found (tests/interpreters.sh:
# the newest pyenv build X.Y.* under PYENV_ROOT, or pkg-config's own
# python-X.Y-embed): $(BUILD)/interp/X.Y/pyprof-bench, its objects and unit
# tests beside it, linked with an rpath to that interpreter's libdir, its
# profilers' venv build/venv-X.Y. A missing interpreter is not an error;
# `make interpreters` says what was found and why the others were not built.
# INTERP_VERSIONS= (empty) builds the pinned interpreter only.
INTERP_VERSIONS ?= 3.9 3.10 3.11 3.12 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
ifeq ($(INTERP_SUB),)
# X.Y=DIR per interpreter found (DIR: its lib/pkgconfig, or "system").
INTERP_FOUND := $(shell sh tests/interpreters.sh $(PYENV_ROOT) $(filter-out $(PY_VER),$(INTERP_VERSIONS)))
INTERP_BUILT := $(foreach e,$(INTERP_FOUND),$(firstword $(subst =, ,$(e))))
else
INTERP_BUILT :=
# A per-interpreter build (the sub-make below): its libpython by rpath.
LDFLAGS   += -Wl,-rpath,$(shell $(PKG_CONFIG_CMD) --variable=libdir python-$(PY_VER)-embed 2>/dev/null)
endif
# The sub-make of interpreter X.Y, given X.Y; the targets follow the call.
interp_make = $(MAKE) --no-print-directory INTERP_SUB=1 PY_VER=$(1) BUILD=$(BUILD)/interp/$(1) \
    BIN=$(BUILD)/interp/$(1)/pyprof-bench VENV=$(CURDIR)/build/venv-$(1) \
    PY_PC_DIR=$(filter-out system,$(patsubst $(1)=%,%,$(filter $(1)=%,$(INTERP_FOUND))))

.SECONDEXPANSION:
# The test build (sqlite style): the same sources with fault injection
# (harness/fault.h, PB_FAULT=...) and the test-only backends compiled in, as
# build/test/pyprof-bench-test. The e2e tests drive it; it is never `make run`.
TBUILD    := $(BUILD)/test
TEST_BIN_FAULT := $(TBUILD)/pyprof-bench-test
TLIB_OBJ  := $(LIB_SRC:%.c=$(TBUILD)/%.o) $(TEST_ONLY_SRC:%.c=$(TBUILD)/%.o) $(BUILD)/gen/pysrc.o

.PHONY: all deps deps-pinned run test unit e2e clean check-pkgs fuzz fuzz-bins valgrind lint interpreters FORCE
all: $(BIN) $(INTERP_BUILT:%=interp-bin-%)

interp-bin-%: FORCE
	@+$(call interp_make,$*) $(BUILD)/interp/$*/pyprof-bench

interpreters:
	@echo "CPython $(PY_VER): pinned, ./$(BIN)"
	@sh tests/interpreters.sh --explain=$(BUILD)/interp $(PYENV_ROOT) \
	    $(filter-out $(PY_VER),$(INTERP_VERSIONS))

$(BIN): $(MAIN_OBJ) $(BUILD)/libpb.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libpb.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The objects that embed the git revision are rebuilt when it changes (a
# stamp file per revision), so results.json never names a stale commit.
REV_STAMP := $(BUILD)/git-rev-$(GIT_REV)
$(REV_STAMP):
	@mkdir -p $(dir $@) && rm -f $(BUILD)/git-rev-* && touch $@
$(MAIN_OBJ) $(BUILD)/harness/json_writer.o: $(REV_STAMP)

$(GEN_PYSRC): harness/py/embed.py $(PY_EMBED)
	@mkdir -p $(dir $@)
	$(PY_EXE) harness/py/embed.py $@ harness/py $(PY_EMBED)

$(BUILD)/gen/pysrc.o: $(GEN_PYSRC)
	$(CC) $(CFLAGS) -I harness -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(TBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DPB_FAULT_INJECTION $(PKG_CFLAGS) -c -o $@ $<

$(TBUILD)/harness/main.o $(TBUILD)/harness/json_writer.o: $(REV_STAMP)

$(TEST_BIN_FAULT): $(TBUILD)/harness/main.o $(TLIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# Install what is missing (root), or print the exact command and stop:
# deps-pinned is what the pinned interpreter's runs need (the Debian
# packages and build/venv); deps adds the other interpreters' venvs.
deps-pinned:
	@sh tests/deps.sh $(DEB_PKGS)
	@sh tests/venv.sh $(PY_EXE) $(VENV) $(REQUIREMENTS)

deps: deps-pinned
	@sh tests/interp-venvs.sh $(PY_VER) $(VENV) $(REQUIREMENTS)

# Exit status 1 means some runs failed and are reported as failed rows (a
# real tool that cannot profile a workload, such as scalene on one long C
# call); the job itself completed, so make does not fail on it.
# configs/all.yaml runs on the pinned interpreter only: neither the other
# interpreters' venvs nor their builds (`make all`) are made for it.
run: deps-pinned
	$(MAKE) $(BIN)
	./$(BIN) configs/all.yaml; rc=$$?; [ $$rc -le 1 ] || exit $$rc

# Every test: the cmocka unit tests, then the end-to-end tests on the real
# binary. `all` first: the e2e tests of the other interpreters run their
# builds (build/interp/X.Y/pyprof-bench), which `unit` alone does not make.
test: deps
	$(MAKE) all
	$(MAKE) unit e2e

# The unit tests of the pinned build, then of every other interpreter built
# (a line names each one that is missing).
unit: $(TEST_BIN)
	@echo "unit tests on CPython $(PY_VER)$(if $(INTERP_SUB),, (pinned))"
	@sh tests/run-unit.sh $(TEST_BIN)
	@$(foreach v,$(filter-out $(INTERP_BUILT) $(PY_VER),$(if $(INTERP_SUB),,$(INTERP_VERSIONS))),\
	    echo "unit tests on CPython $(v): skipped (not found; see make interpreters)";) true
	@+$(foreach v,$(INTERP_BUILT),$(call interp_make,$(v)) unit &&) true

# With SANITIZE, the tests of measured figures are left out (--no-figures,
# common.figures in tests/e2e): under the sanitizers the harness's figures
# are not the product's; the plain build's pass checks them.
e2e: $(BIN) $(TEST_BIN_FAULT)
	/usr/bin/python3 tests/e2e/run.py --binary ./$(BIN) --test-binary ./$(TEST_BIN_FAULT) \
	    $(if $(SANITIZE),--no-figures)

# libFuzzer targets (clang), one per parser: the config loader, the worker
# protocol, the results.json reader of `compare`, the launcher's timings file,
# the real tools' files (viztracer's Chrome trace JSON, scalene's JSON), a
# paper table's data file (paper.h).
# Each runs FUZZ_SECONDS on a corpus in build/fuzz/corpus-NAME seeded from
# the real configs and fixtures and the seeds in tests/fuzz/seeds/ (the
# corpus grows across runs; `make clean` starts over).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := config protocol results timings tools paper
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_LEN_config := 4096
FUZZ_LEN_protocol := 1024
FUZZ_LEN_results := 16384
FUZZ_LEN_timings := 1024
FUZZ_LEN_tools := 8192
FUZZ_SRC_config := harness/config.c harness/option.c harness/util.c harness/category.c \
                   harness/report.c harness/json.c harness/json_parse.c harness/paper.c \
                   harness/stats.c tests/fuzz/registry_stub.c
FUZZ_SRC_protocol := harness/protocol.c harness/run_codec.c harness/accuracy.c harness/stats.c \
                     harness/report.c harness/category.c harness/util.c
FUZZ_SRC_results := harness/json_parse.c harness/compare.c harness/overhead.c harness/stats.c \
                    harness/util.c harness/venv.c
FUZZ_SRC_timings := harness/launch.c harness/pypkg.c harness/util.c build/gen/pysrc.c
FUZZ_SRC_paper := harness/paper.c harness/stats.c harness/util.c
FUZZ_SRC_tools := backends/chrome_trace.c backends/scalene_json.c backends/profile_agg.c \
                  harness/json_parse.c harness/report.c harness/category.c harness/util.c
FUZZ_DEFS_results := -DBOOTSTRAP_RESAMPLES=40
FUZZ_LIBS_config := $(shell pkg-config --libs yaml-0.1 2>/dev/null) -lm
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
fuzz-bins: $(FUZZ_BINS)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(wildcard harness/*.h)
	@sh tests/deps.sh clang
	@# libFuzzer's runtime is versioned like clang (14 on Debian 12, 19 on 13)
	@sh tests/deps.sh libclang-rt-$$(clang -dumpversion | cut -d. -f1)-dev
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -I harness $(shell pkg-config --cflags yaml-0.1 2>/dev/null) $(FUZZ_DEFS_$*) -o $@ $< \
	    $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*) -lm

build/fuzz/corpus-%: FORCE
	@mkdir -p $@
	@case $* in \
	config) for f in configs/*.yaml configs/examples/*.yaml tests/configs/*.yaml \
	                 tests/configs/bad/*.yaml tests/e2e/configs/*.yaml; do \
	            cp "$$f" "$@/$$(echo "$$f" | tr / _)"; done ;; \
	protocol) printf 'phase index=0 wall=0.1 user=0.09 sys=0\n' > $@/phase; \
	          printf 'error stage=phase text=ValueError:%%20boom\n' > $@/error ;; \
	*) cp tests/fuzz/seeds/$*/* $@/ ;; \
	esac

fuzz: $(FUZZ_BINS) $(FUZZ_TARGETS:%=build/fuzz/corpus-%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    ./build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -max_len=$$(case $$t in config) echo $(FUZZ_LEN_config);; \
	            protocol) echo $(FUZZ_LEN_protocol);; results) echo $(FUZZ_LEN_results);; \
            tools) echo $(FUZZ_LEN_tools);; \
	            *) echo $(FUZZ_LEN_timings);; esac) \
	        -print_final_stats=1 -artifact_prefix=build/fuzz/ build/fuzz/corpus-$$t \
	        2>build/fuzz/fuzz_$$t.log || { tail -40 build/fuzz/fuzz_$$t.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss' build/fuzz/fuzz_$$t.log; \
	done

FORCE:

# Memcheck over every unit test program: zero errors, and leaks (definite,
# indirect, possible) are errors. CPython allocates with malloc here so that
# valgrind sees its blocks; tests/valgrind.supp may hide only CPython's own
# (it says why for each entry). PB_VALGRIND tells timing-sensitive
# assertions that code runs ~50x slower. Not with SANITIZE (two tools on one
# heap do not mix). Each program is killed after VALGRIND_TIMEOUT seconds
# (test_sampling, the slowest, takes about a minute): a test that starves
# under valgrind's one lock fails instead of stalling CI.
VALGRIND_FLAGS := --tool=memcheck -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
                  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
                  --num-callers=30 --suppressions=tests/valgrind.supp
VALGRIND_TIMEOUT ?= 600
valgrind: deps
	@if [ -n "$(SANITIZE)" ]; then echo "make valgrind: not with SANITIZE" >&2; exit 2; fi
	$(MAKE) $(TEST_BIN)
	@PYTHONMALLOC=malloc PB_VALGRIND=1 sh tests/run-unit.sh --timeout $(VALGRIND_TIMEOUT) \
	    --wrap "valgrind $(VALGRIND_FLAGS)" $(TEST_BIN)

# Static analysis of the C sources (harness/, backends/, tests/fuzz/,
# tests/bench/): cppcheck and clang-tidy with the reviewed checks in
# .clang-tidy; any warning fails.
# Both see the test build's configuration (PB_FAULT_INJECTION), which is the
# real one plus the fault hooks and backends/faulty.c. One clang-tidy stamp
# per file, so `make -j2 lint` runs two at a time and reruns only what changed.
LINT_SRC  := $(wildcard harness/*.c backends/*.c tests/fuzz/*.c tests/bench/*.c)
LINT_FLAGS = -std=c11 -D_GNU_SOURCE -DPB_FAULT_INJECTION -DPB_VERSION='"0"' -DPB_GIT_REV='"0"' \
             -DPB_PYTHON_EXE='"$(PY_EXE)"' -DPB_VENV='"$(VENV)"' $(PKG_CFLAGS)
CPPCHECK_FLAGS := --quiet --enable=warning,performance,portability --std=c11 --inline-suppr \
                  --error-exitcode=1 --suppress=missingIncludeSystem -D_GNU_SOURCE \
                  -DPB_FAULT_INJECTION -DPY_VERSION_HEX=0x030B02F0 "-DPy_RETURN_NONE=return Py_None" \
                  -I harness
lint: $(LINT_SRC:%.c=build/lint/%.tidy)
	@sh tests/deps.sh cppcheck clang-tidy
	cppcheck $(CPPCHECK_FLAGS) harness backends tests/fuzz tests/bench
	@echo "lint: cppcheck and clang-tidy clean ($(words $(LINT_SRC)) files)"

build/lint/%.tidy: %.c .clang-tidy $(wildcard harness/*.h backends/*.h)
	@sh tests/deps.sh clang-tidy
	@mkdir -p $(dir $@)
	clang-tidy --quiet $< -- $(LINT_FLAGS) 2>/dev/null
	@touch $@

clean:
	rm -rf build pyprof-bench

-include $(shell find build -name '*.d' 2>/dev/null)
