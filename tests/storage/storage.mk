# tests/storage/storage.mk: host tests, fuzzer and micro-benchmark of the log
# store (lib/logstore*.c, lib/crc32c.c). Included by the top Makefile after
# tests/fuzz/fuzz.mk; also usable on its own:
#   make -f tests/storage/storage.mk build/host/storage_tests
#
#   $(STORAGE_BIN) [FILTER]   the test runner (ASan/UBSan); SOAK=1 for long sweeps
#   make storage-bench        appends/s over a RAM disk with a simulated flush cost
#   $(BUILD)/fuzz/fuzz_logstore   libFuzzer target over the recovery path

include tests/common/host.mk

STORAGE_BIN       := $(BUILD)/host/storage_tests
STORAGE_BENCH_BIN := $(BUILD)/host/storage_bench
STORAGE_LIB_SRCS  := lib/crc32c.c lib/logstore.c lib/logstore_io.c
STORAGE_TEST_SRCS := tests/storage/main.c tests/common/hosttest.c tests/storage/simdisk.c \
	tests/storage/test_basic.c tests/storage/test_crash.c tests/storage/corpus.c
STORAGE_OBJS      := $(patsubst %.c,$(BUILD)/host/storage/%.o,$(STORAGE_LIB_SRCS) $(STORAGE_TEST_SRCS))
# The benchmark measures the store, not the sanitizers.
STORAGE_BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -I.

$(BUILD)/host/storage/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -D_POSIX_C_SOURCE=200809L -c -o $@ $<

$(STORAGE_BIN): $(STORAGE_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(STORAGE_OBJS)

$(STORAGE_BENCH_BIN): tests/storage/bench.c tests/storage/simdisk.c $(STORAGE_LIB_SRCS) \
		$(wildcard lib/logstore*.h lib/crc32c.h tests/storage/simdisk.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(STORAGE_BENCH_CFLAGS) -D_POSIX_C_SOURCE=200809L -o $@ \
		tests/storage/bench.c tests/storage/simdisk.c $(STORAGE_LIB_SRCS)

$(BUILD)/fuzz/fuzz_logstore: tests/fuzz/fuzz_logstore.c $(STORAGE_LIB_SRCS)
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_logstore.d -MT $@ \
		-o $@ tests/fuzz/fuzz_logstore.c $(STORAGE_LIB_SRCS)

FUZZ_BINS += $(BUILD)/fuzz/fuzz_logstore

.PHONY: storage-bench storage-test
storage-bench: $(STORAGE_BENCH_BIN)
	$(STORAGE_BENCH_BIN)

storage-test: $(STORAGE_BIN)
	$(STORAGE_BIN) $(T)

-include $(STORAGE_OBJS:.o=.d) $(BUILD)/fuzz-obj/fuzz_logstore.d
