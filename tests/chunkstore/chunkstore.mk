# tests/chunkstore/chunkstore.mk: host tests and fuzzer of the chunk store
# (services/fs/chunkstore.c). Usable on its own:
#   make -f tests/chunkstore/chunkstore.mk build/host/chunkstore_tests
# and meant to be included by the top Makefile (after tests/fuzz/fuzz.mk).
#
#   $(CHUNKSTORE_TEST_BIN) [FILTER]   the test runner (ASan/UBSan); SOAK=1 for long sweeps,
#                                     CHUNKSTORE_SEED=N to replay the random test
#   $(BUILD)/fuzz/fuzz_chunkstore     libFuzzer target over open, read, verify, iterate
# The simulated disk is the log store's (tests/storage/simdisk.c).

include tests/common/host.mk

CHUNKSTORE_TEST_BIN   := $(BUILD)/host/chunkstore_tests
CHUNKSTORE_LIB_SRCS   := services/fs/chunkstore.c lib/crc32c.c lib/disklabel.c
CHUNKSTORE_TEST_SRCS  := tests/chunkstore/main.c tests/common/hosttest.c tests/chunkstore/model.c \
	tests/chunkstore/test_basic.c tests/chunkstore/test_fault.c tests/chunkstore/test_crash.c \
	tests/chunkstore/corpus.c tests/storage/simdisk.c
CHUNKSTORE_OBJS       := $(patsubst %.c,$(BUILD)/host/chunkstore/%.o,\
	$(CHUNKSTORE_LIB_SRCS) $(CHUNKSTORE_TEST_SRCS))

$(BUILD)/host/chunkstore/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -D_POSIX_C_SOURCE=200809L -c -o $@ $<

$(CHUNKSTORE_TEST_BIN): $(CHUNKSTORE_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(CHUNKSTORE_OBJS)

$(BUILD)/fuzz/fuzz_chunkstore: tests/fuzz/fuzz_chunkstore.c services/fs/chunkstore.c lib/crc32c.c
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_chunkstore.d -MT $@ \
		-o $@ tests/fuzz/fuzz_chunkstore.c services/fs/chunkstore.c lib/crc32c.c

FUZZ_BINS += $(BUILD)/fuzz/fuzz_chunkstore

.PHONY: chunkstore-test
chunkstore-test: $(CHUNKSTORE_TEST_BIN)
	$(CHUNKSTORE_TEST_BIN) $(T)

-include $(CHUNKSTORE_OBJS:.o=.d) $(BUILD)/fuzz-obj/fuzz_chunkstore.d
