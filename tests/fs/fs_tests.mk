# tests/fs/fs_tests.mk: host tests and fuzzers of the file service's pure
# metadata parts (services/fs/fsproto.c, the wire codec; fsmachine.c,
# fsread.c, fslookup.c and fssnap.c, the replicated state machine, its reads
# and its snapshots). Included by the top Makefile; also usable alone:
#   make -f tests/fs/fs_tests.mk build/host/fs_tests
#
#   $(FS_TEST_BIN) [FILTER]        the test runner (ASan/UBSan); FS_SEED=S
#   bash tests/fs/run.sh [FILTER]  builds it if needed, then runs it
#   $(BUILD)/fuzz/fuzz_fsproto, fuzz_fsmachine   libFuzzer targets

include tests/common/host.mk

FS_TEST_BIN  := $(BUILD)/host/fs_tests
FS_TEST_BINS := $(FS_TEST_BIN)
FS_PURE_SRCS := services/fs/fsproto.c services/fs/fsmachine.c services/fs/fslookup.c \
	services/fs/fsread.c services/fs/fssnap.c services/replica/dedup.c \
	services/replica/sessiontab.c lib/crc32c.c services/fs/placement.c services/fs/chunkproto.c \
	services/fs/primary/syncpick.c
FS_TEST_SRCS := tests/fs/main.c tests/common/hosttest.c tests/fs/util.c tests/fs/invariants.c \
	tests/fs/test_proto.c tests/fs/test_reply.c tests/fs/test_ops.c tests/fs/test_machine.c \
	tests/fs/test_refs.c tests/fs/test_model.c tests/fs/test_snapshot.c tests/fs/test_data.c
FS_TEST_OBJS := $(patsubst %.c,$(BUILD)/host/fs/%.o,$(FS_PURE_SRCS) $(FS_TEST_SRCS))

$(BUILD)/host/fs/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(FS_TEST_BIN): $(FS_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(FS_TEST_OBJS)

$(BUILD)/fuzz/fuzz_fsproto: tests/fuzz/fuzz_fsproto.c services/fs/fsproto.c
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_fsproto.d -MT $@ \
		-o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_fsmachine: tests/fuzz/fuzz_fsmachine.c tests/fs/invariants.c $(FS_PURE_SRCS)
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_fsmachine.d -MT $@ \
		-o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_chunkproto: tests/fuzz/fuzz_chunkproto.c services/fs/chunkproto.c
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_chunkproto.d -MT $@ \
		-o $@ $(filter %.c,$^)

FUZZ_BINS += $(BUILD)/fuzz/fuzz_fsproto $(BUILD)/fuzz/fuzz_fsmachine $(BUILD)/fuzz/fuzz_chunkproto

.PHONY: fs-test
fs-test: $(FS_TEST_BIN)
	$(FS_TEST_BIN) $(T)

-include $(FS_TEST_OBJS:.o=.d) $(BUILD)/fuzz-obj/fuzz_fsproto.d $(BUILD)/fuzz-obj/fuzz_chunkproto.d \
	$(BUILD)/fuzz-obj/fuzz_fsmachine.d
