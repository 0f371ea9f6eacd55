# services/raft/raft.mk: the Raft core, its simulator, checker, bench, fuzz
# target and mutants. Included by the top-level Makefile. See docs/raft.md.
#
#   make build/host/raft_sim   sanitized simulator (replays a seed with -v)
#   make raft-bench            core throughput, bytes/entry, messages/entry
#   make soak SEEDS=N          every scenario over N seeds (default 10000)
#   make mutants               each named bug must be caught by the simulator
#   make raft-freestanding     cross-compile the core and check its symbols

RAFT_SRCS    := $(wildcard services/raft/*.c)
RAFT_SIM_SRCS := tests/sim/sim.c tests/sim/check.c tests/sim/kv.c tests/sim/lin.c \
	tests/lincheck/search.c tests/sim/scenarios.c
RAFT_O2FLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -I. -MMD -MP
RAFT_MUTANTS := VOTE_TWICE NO_UPTODATE_CHECK COMMIT_OLD_TERM SKIP_LOG_MATCH \
	NO_PERSIST_VOTE ACK_BEFORE_PERSIST APPLY_BEFORE_COMMIT READ_NO_HEARTBEAT \
	LEASE_FROM_ACK LEASE_NO_DRIFT LEASE_NO_BOOT_QUIET FOLLOWER_READ_OWN_COMMIT \
	FOLLOWER_READ_LOCAL
SEEDS        ?= 10000
RAFT_MUTANT_BINS := $(patsubst %,$(BUILD)/host/mutants/raft_sim_%,$(RAFT_MUTANTS))

RAFT_ASAN_OBJS := $(patsubst %.c,$(BUILD)/host/raft-asan/%.o,$(RAFT_SRCS) $(RAFT_SIM_SRCS))
RAFT_O2_OBJS   := $(patsubst %.c,$(BUILD)/host/raft-o2/%.o,$(RAFT_SRCS) $(RAFT_SIM_SRCS))
RAFT_RV_OBJS   := $(patsubst services/raft/%.c,$(BUILD)/raft-rv/%.o,$(RAFT_SRCS))

RAFT_BINS := $(BUILD)/host/raft_sim $(BUILD)/host/raft_sim_fast $(BUILD)/host/raft_lin_test \
	$(BUILD)/host/raft_codec_test $(BUILD)/host/raft_api_test $(BUILD)/raft-rv/raft_core.a
FUZZ_BINS += $(BUILD)/fuzz/raft_decode

.PHONY: raft-bench raft-freestanding soak mutants

$(BUILD)/host/raft-asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/raft-o2/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(RAFT_O2FLAGS) -c $< -o $@

$(BUILD)/host/raft_sim: $(RAFT_ASAN_OBJS)
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

$(BUILD)/host/raft_sim_fast: $(RAFT_O2_OBJS)
	$(HOST_CC) $(RAFT_O2FLAGS) $^ -o $@

$(BUILD)/host/raft_lin_test: tests/sim/lin_test.c tests/sim/lin.c tests/sim/lin.h \
		tests/lincheck/search.c tests/lincheck/lincheck.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) tests/sim/lin_test.c tests/sim/lin.c tests/lincheck/search.c -o $@

$(BUILD)/host/raft_codec_test: tests/sim/codec_test.c $(RAFT_SRCS) services/raft/raft.h \
		services/raft/internal.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) tests/sim/codec_test.c $(RAFT_SRCS) -o $@

$(BUILD)/host/raft_api_test: tests/sim/api_test.c $(RAFT_SRCS) services/raft/raft.h \
		services/raft/internal.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) tests/sim/api_test.c $(RAFT_SRCS) -o $@

$(BUILD)/host/raft_bench: tests/sim/bench.c $(filter-out %/scenarios.o,$(RAFT_O2_OBJS))
	$(HOST_CC) $(RAFT_O2FLAGS) $^ -o $@

# Mutants: the core compiled with one deliberate bug each (-DMUTANT_x).
$(BUILD)/host/mutants/raft_sim_%: $(RAFT_SRCS) $(RAFT_SIM_SRCS) services/raft/raft.h \
		services/raft/internal.h tests/sim/sim.h tests/sim/lin.h tests/lincheck/lincheck.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c11 -O2 -w -I. -DMUTANT_$* $(RAFT_SRCS) $(RAFT_SIM_SRCS) -o $@

# The core cross-compiled for the guest: proves it is freestanding.
$(BUILD)/raft-rv/%.o: services/raft/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/raft-rv/raft_core.a: $(RAFT_RV_OBJS)
	rm -f $@
	$(CROSS)ar rcs $@ $^

$(BUILD)/fuzz/raft_decode: tests/fuzz/raft_decode.c $(RAFT_SRCS) services/raft/raft.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/raft_decode.c $(RAFT_SRCS) -o $@

raft-freestanding: $(BUILD)/raft-rv/raft_core.a
	@bash tests/sim/run.sh freestanding

raft-bench: $(BUILD)/host/raft_bench
	@$(BUILD)/host/raft_bench

soak: $(BUILD)/host/raft_sim_fast
	@bash tests/sim/soak.sh $(SEEDS)

mutants: $(RAFT_MUTANT_BINS)
	@bash tests/sim/mutants.sh $(RAFT_MUTANTS)

-include $(RAFT_ASAN_OBJS:.o=.d) $(RAFT_O2_OBJS:.o=.d) $(RAFT_RV_OBJS:.o=.d)
