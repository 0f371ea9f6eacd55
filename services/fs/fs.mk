# services/fs/fs.mk: the file service's three programs, started at boot on
# every node (docs/fs.md, "Processes"). Included by the top Makefile after
# user/user.mk and services/replica/replica.mk.
#
#   fs        the metadata server, on the replicated-service runtime:
#             services/fs/*.c (RAFT_MAX_DATA: a whole request, FS_REQUEST_MAX
#             600; snapshot: the whole machine, fsm_snapshot_max)
#   chunkd    the chunk store server: services/fs/store/*.c
#   primaryd  the chunk primary: services/fs/primary/*.c
#   repaird   anti-entropy between chunk stores: services/fs/repair/*.c

# (its own fsproto object replaces the client library's in USER_LIBOBJS)
fs_LIBOBJS := $(filter-out %/fs_fsproto.o %/fs_chunkproto.o %/fs_placement.o,$(USER_LIBOBJS))
$(eval $(call replica_service,fs,608,1048576))

FS_STORE_OBJS := $(patsubst services/fs/store/%.c,$(BUILD)/user/fsd-obj/store_%.o,$(wildcard services/fs/store/*.c)) \
	$(BUILD)/user/fsd-obj/chunkstore.o $(BUILD)/user/obj/lib_disklabel.o \
	$(BUILD)/user/obj/lib_crc32c.o $(BUILD)/user/obj/diskdev.o
FS_PRIMARY_OBJS := $(patsubst services/fs/primary/%.c,$(BUILD)/user/fsd-obj/primary_%.o,$(wildcard services/fs/primary/*.c))
FS_REPAIR_OBJS := $(patsubst services/fs/repair/%.c,$(BUILD)/user/fsd-obj/repair_%.o,$(wildcard services/fs/repair/*.c))

$(BUILD)/user/fsd-obj/store_%.o: services/fs/store/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(BUILD)/user/fsd-obj/primary_%.o: services/fs/primary/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(BUILD)/user/fsd-obj/repair_%.o: services/fs/repair/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@
$(BUILD)/user/fsd-obj/chunkstore.o: services/fs/chunkstore.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/chunkd: $(FS_STORE_OBJS) $(USER_LIBOBJS) user/user.ld
	$(CC) $(USER_LDFLAGS) -o $@ $(FS_STORE_OBJS) $(USER_LIBOBJS)
$(BUILD)/user/primaryd: $(FS_PRIMARY_OBJS) $(USER_LIBOBJS) user/user.ld
	$(CC) $(USER_LDFLAGS) -o $@ $(FS_PRIMARY_OBJS) $(USER_LIBOBJS)
$(BUILD)/user/repaird: $(FS_REPAIR_OBJS) $(USER_LIBOBJS) user/user.ld
	$(CC) $(USER_LDFLAGS) -o $@ $(FS_REPAIR_OBJS) $(USER_LIBOBJS)

-include $(wildcard $(BUILD)/user/fsd-obj/*.d)
