# labs/policy/lab.mk: builds the policy lab's grader (labs/policy/check)
# against the scheduler of the tree it runs in:
#   make -j2 -f labs/policy/lab.mk build/labs/policy/test_most
# Every services/sched/policy_*.c is linked in, so a new policy file needs
# no edit here (it still goes into tests/sched/sched_tests.mk for the
# scheduler's own tests; services/sched/sched.mk builds every file of the
# folder into schedd).

include tests/sched/sched_tests.mk

LAB_POLICY_BIN  := $(BUILD)/labs/policy/test_most
LAB_POLICY_SRCS := $(sort $(SCHED_PURE_SRCS) $(wildcard services/sched/policy_*.c)) \
	tests/common/hosttest.c tests/sched/util.c tests/sched/sim.c tests/sched/simleader.c \
	tests/sched/simcheck.c labs/policy/test_most.c
LAB_POLICY_OBJS := $(patsubst %.c,$(BUILD)/labs/policy/obj/%.o,$(LAB_POLICY_SRCS))

$(BUILD)/labs/policy/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(LAB_POLICY_BIN): $(LAB_POLICY_OBJS)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(LAB_POLICY_OBJS)

-include $(LAB_POLICY_OBJS:.o=.d)
