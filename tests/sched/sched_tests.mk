# tests/sched/sched_tests.mk: host tests, the seeded simulator and fuzzers of
# the global scheduler's pure parts (services/sched/: the filters, placement,
# the policies and the balancer, the replicated machine and the wire codecs).
# Included by the top Makefile; also usable alone:
#   make -f tests/sched/sched_tests.mk build/host/sched_tests
#
#   $(SCHED_TEST_BIN) [FILTER]      the test runner (ASan/UBSan); SCHED_SEED=S
#   $(SCHED_TEST_BIN) --gen-corpus tests/fuzz/corpus   rewrites the fuzzers' seeds
#   bash tests/sched/run.sh [FILTER]  builds it if needed, then runs it
#   $(BUILD)/fuzz/fuzz_schedproto, fuzz_schedmachine   libFuzzer targets
#
# Everything in services/sched/ except the service's own program (main.c and
# the files beside it that talk to the runtime) is pure: SCHED_PURE_SRCS.

include tests/common/host.mk

SCHED_TEST_BIN  := $(BUILD)/host/sched_tests
SCHED_TEST_BINS := $(SCHED_TEST_BIN)
SCHED_PURE_SRCS := services/sched/view.c services/sched/filters.c services/sched/place.c \
	services/sched/balance.c services/sched/policies.c services/sched/policy_least.c \
	services/sched/policy_mosix.c services/sched/policy_random.c services/sched/policy_rr.c \
	services/sched/schedwire.c services/sched/schedproto.c services/sched/schedreply.c \
	services/sched/schedmachine.c services/sched/schedread.c services/sched/schedsnap.c \
	services/sched/spectext.c services/replica/dedup.c lib/crc32c.c
SCHED_TEST_SRCS := tests/sched/main.c tests/common/hosttest.c tests/sched/util.c \
	tests/sched/corpus.c tests/sched/test_spec.c tests/sched/test_filters.c \
	tests/sched/test_policies.c tests/sched/test_proto.c tests/sched/test_machine.c \
	tests/sched/sim.c tests/sched/simleader.c tests/sched/simcheck.c \
	tests/sched/test_sim.c
SCHED_TEST_OBJS := $(patsubst %.c,$(BUILD)/host/sched/%.o,$(SCHED_PURE_SRCS) $(SCHED_TEST_SRCS))

$(BUILD)/host/sched/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(SCHED_TEST_BIN): $(SCHED_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(SCHED_TEST_OBJS)

$(BUILD)/fuzz/fuzz_schedproto: tests/fuzz/fuzz_schedproto.c services/sched/schedwire.c \
		services/sched/schedproto.c services/sched/schedreply.c services/sched/spectext.c \
		services/sched/view.c
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_schedproto.d -MT $@ \
		-o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_schedmachine: tests/fuzz/fuzz_schedmachine.c $(SCHED_PURE_SRCS)
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/fuzz_schedmachine.d -MT $@ \
		-o $@ $(filter %.c,$^)

FUZZ_BINS += $(BUILD)/fuzz/fuzz_schedproto $(BUILD)/fuzz/fuzz_schedmachine

.PHONY: sched-test
sched-test: $(SCHED_TEST_BIN)
	$(SCHED_TEST_BIN) $(T)

-include $(SCHED_TEST_OBJS:.o=.d) $(BUILD)/fuzz-obj/fuzz_schedproto.d \
	$(BUILD)/fuzz-obj/fuzz_schedmachine.d
