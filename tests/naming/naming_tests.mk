# tests/naming/naming_tests.mk: host tests and fuzzers of the naming service's
# pure parts (services/naming/nsproto.c, the wire codec; nsmachine.c, the
# replicated state machine, and nssnap.c, its snapshots). Included by the top Makefile; also usable alone:
#   make -f tests/naming/naming_tests.mk build/host/naming_tests
#
#   $(NAMING_TEST_BIN) [FILTER]     the test runner (ASan/UBSan); NAMING_SEED=S
#   bash tests/naming/run.sh [FILTER] builds it if needed, then runs it
#   $(BUILD)/fuzz/fuzz_nsproto, fuzz_nsmachine   libFuzzer targets

include tests/common/host.mk

NAMING_TEST_BIN  := $(BUILD)/host/naming_tests
NAMING_TEST_BINS := $(NAMING_TEST_BIN)
NAMING_PURE_SRCS := services/naming/nsproto.c services/naming/nsmachine.c services/naming/nssnap.c lib/crc32c.c \
	services/replica/dedup.c services/replica/sessiontab.c
NAMING_TEST_SRCS := tests/naming/main.c tests/common/hosttest.c tests/naming/machine_util.c \
	tests/naming/test_proto.c tests/naming/test_machine.c tests/naming/test_snapshot.c
NAMING_TEST_OBJS := $(patsubst %.c,$(BUILD)/host/naming/%.o,$(NAMING_PURE_SRCS) $(NAMING_TEST_SRCS))

$(BUILD)/host/naming/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(NAMING_TEST_BIN): $(NAMING_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(NAMING_TEST_OBJS)

$(BUILD)/fuzz/fuzz_nsproto: tests/fuzz/fuzz_nsproto.c services/naming/nsproto.c
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_nsproto.d -MT $@ \
		-o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_nsmachine: tests/fuzz/fuzz_nsmachine.c $(NAMING_PURE_SRCS)
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_nsmachine.d -MT $@ \
		-o $@ $(filter %.c,$^)

FUZZ_BINS += $(BUILD)/fuzz/fuzz_nsproto $(BUILD)/fuzz/fuzz_nsmachine

.PHONY: naming-test
naming-test: $(NAMING_TEST_BIN)
	$(NAMING_TEST_BIN) $(T)

-include $(NAMING_TEST_OBJS:.o=.d) $(BUILD)/fuzz-obj/fuzz_nsproto.d \
	$(BUILD)/fuzz-obj/fuzz_nsmachine.d
