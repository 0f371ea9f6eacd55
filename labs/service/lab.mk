# labs/service/lab.mk: the host half of the service lab's grader
# (labs/service/check), built from the naming service of the tree it runs in:
#   make -f labs/service/lab.mk build/labs/service/test_count

include tests/naming/naming_tests.mk

LAB_SERVICE_BIN  := $(BUILD)/labs/service/test_count
LAB_SERVICE_SRCS := $(NAMING_PURE_SRCS) tests/common/hosttest.c tests/naming/machine_util.c \
	labs/service/test_count.c

$(LAB_SERVICE_BIN): $(LAB_SERVICE_SRCS) $(wildcard services/naming/*.h tests/naming/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -o $@ $(LAB_SERVICE_SRCS)
