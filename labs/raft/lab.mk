# labs/raft/lab.mk: the Raft lab's two simulators (labs/raft/check), built
# from the tree they run in: the core as it is, and with the lab's break
# switched on (-DLAB_RAFT_BREAK):
#   make -j2 -f labs/raft/lab.mk build/labs/raft/raft_sim build/labs/raft/raft_sim_break

include tests/common/host.mk

LAB_RAFT_SRCS  := $(wildcard services/raft/*.c) tests/sim/sim.c tests/sim/check.c \
	tests/sim/kv.c tests/sim/lin.c tests/lincheck/search.c tests/sim/scenarios.c
LAB_RAFT_DEPS  := $(LAB_RAFT_SRCS) $(wildcard services/raft/*.h tests/sim/*.h) tests/lincheck/lincheck.h
LAB_RAFT_FLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -I.

$(BUILD)/labs/raft/raft_sim: $(LAB_RAFT_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(LAB_RAFT_FLAGS) -o $@ $(LAB_RAFT_SRCS)

$(BUILD)/labs/raft/raft_sim_break: $(LAB_RAFT_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(LAB_RAFT_FLAGS) -DLAB_RAFT_BREAK -o $@ $(LAB_RAFT_SRCS)
