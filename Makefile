# pyprof-bench build. `make` builds ./pyprof-bench; `make test` sets up and runs
# every test; `make run` sets up and runs configs/all.yaml. SANITIZE=address,undefined
# builds everything with those sanitizers (objects go to a separate folder).

PKGS      := python3-embed yaml-0.1
# Debian packages the project needs; `make deps` installs the missing ones.
DEB_PKGS  := gcc libc6-dev make pkg-config procps python3-dev libyaml-dev gnuplot-nox libcmocka-dev \
             python3-yappi python3-scalene python3-numpy austin valgrind

ifeq ($(origin CC),default)
CC        := gcc
endif
OPT       ?= -O2
WARN      := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wvla \
             -Wshadow -Wpointer-arith -Wformat=2 -Wundef
CFLAGS    := -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) -MMD -MP
# pkg-config's python3-embed (not python3) is what adds -lpython3.11 since 3.8.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
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
PY_EXE    := $(shell pkg-config --variable=exec_prefix python3-embed 2>/dev/null)/bin/python$(shell pkg-config --modversion python3-embed 2>/dev/null)
CFLAGS    += -DPB_PYTHON_EXE='"$(PY_EXE)"'

LIB_SRC   := $(filter-out harness/main.c,$(wildcard harness/*.c)) $(wildcard backends/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
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
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:halt_on_error=1
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
endif

.PHONY: all deps run test unit e2e clean check-pkgs fuzz
all: $(BIN)

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

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# Install what is missing (root), or print the exact command and stop.
deps:
	@sh tests/deps.sh $(DEB_PKGS)

# Exit status 1 means some runs failed and are reported as failed rows (a
# real tool that cannot profile a workload, such as scalene on one long C
# call); the job itself completed, so make does not fail on it.
run: deps
	$(MAKE) all
	./$(BIN) configs/all.yaml; rc=$$?; [ $$rc -le 1 ] || exit $$rc

# Every test: the cmocka unit tests, then the end-to-end tests on the real binary.
test: deps
	$(MAKE) unit e2e

unit: $(TEST_BIN)
	@sh tests/run-unit.sh $(TEST_BIN)

e2e: $(BIN)
	/usr/bin/python3 tests/e2e/run.py --binary ./$(BIN)

# libFuzzer targets (clang): the config loader and the worker protocol, each
# run for FUZZ_SECONDS on a corpus seeded from tests/configs and configs/.
FUZZ_SECONDS ?= 60
FUZZ_SRC  := harness/config.c harness/option.c harness/util.c harness/category.c \
             harness/report.c harness/protocol.c backends/registry.c backends/none.c
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
fuzz:
	@sh tests/deps.sh clang libclang-rt-14-dev
	@mkdir -p build/fuzz/corpus-config build/fuzz/corpus-protocol
	@cp configs/*.yaml tests/configs/*.yaml tests/configs/bad/*.yaml tests/e2e/configs/*.yaml \
	    build/fuzz/corpus-config/
	@printf 'phase index=0 wall=0.1 user=0.09 sys=0\n' > build/fuzz/corpus-protocol/phase
	@printf 'error stage=phase text=ValueError:%%20boom\n' > build/fuzz/corpus-protocol/error
	clang $(FUZZ_FLAGS) $(shell pkg-config --cflags yaml-0.1) \
	    -o build/fuzz/fuzz_config tests/fuzz/fuzz_config.c harness/config.c harness/option.c \
	    harness/util.c harness/category.c harness/report.c tests/fuzz/registry_stub.c \
	    $(shell pkg-config --libs yaml-0.1) -lm
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_protocol tests/fuzz/fuzz_protocol.c \
	    harness/protocol.c harness/util.c -lm
	./build/fuzz/fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	    -print_final_stats=1 build/fuzz/corpus-config
	./build/fuzz/fuzz_protocol -max_total_time=$(FUZZ_SECONDS) -max_len=1024 \
	    -print_final_stats=1 build/fuzz/corpus-protocol

clean:
	rm -rf build pyprof-bench

-include $(shell find build -name '*.d' 2>/dev/null)
