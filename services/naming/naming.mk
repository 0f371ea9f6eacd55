# services/naming/naming.mk: the naming server, a user program started at boot
# on every node (services=naming). Included by the top Makefile.
#
# It links the Raft core and the log store (both freestanding, shared with the
# host tests). Raft entries hold whole naming requests, so the core is built
# here with a larger RAFT_MAX_DATA than the simulator uses; its objects live
# in their own directory so the two builds never mix.

NAMING_DATA_MAX := 704
NAMING_SRCS     := $(wildcard services/naming/*.c)
NAMING_OBJS     := $(patsubst services/naming/%.c,$(BUILD)/user/naming-obj/%.o,$(NAMING_SRCS)) \
	$(patsubst services/raft/%.c,$(BUILD)/user/naming-obj/raft_%.o,$(RAFT_SRCS)) \
	$(BUILD)/user/obj/lib_logstore.o $(BUILD)/user/obj/lib_logstore_io.o \
	$(BUILD)/user/obj/lib_crc32c.o $(BUILD)/user/obj/diskdev.o
NAMING_CFLAGS   := $(USER_CFLAGS) -DRAFT_MAX_DATA=$(NAMING_DATA_MAX) -DRAFT_MAX_NODES=17

$(BUILD)/user/naming-obj/%.o: services/naming/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NAMING_CFLAGS) -c $< -o $@

$(BUILD)/user/naming-obj/raft_%.o: services/raft/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NAMING_CFLAGS) -c $< -o $@

# (its own nsproto object replaces the one in USER_LIBOBJS)
NAMING_LIBOBJS  := $(filter-out %/ns_nsproto.o,$(USER_LIBOBJS))
$(BUILD)/user/naming: $(NAMING_OBJS) $(NAMING_LIBOBJS) user/user.ld
	$(CC) $(USER_LDFLAGS) -o $@ $(NAMING_OBJS) $(NAMING_LIBOBJS)

-include $(wildcard $(BUILD)/user/naming-obj/*.d)

# The linearizability scenario (tests/naming/cluster.py) over RUNS seeds,
# each a fresh 3-node cluster under partitions, loss, duplication and kills:
#   make naming-soak RUNS=20        (about a minute per run)
.PHONY: naming-soak
naming-soak: all $(BUILD)/host/netswitch
	@bash tests/naming/soak.sh $(or $(RUNS),10)
