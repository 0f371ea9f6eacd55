# services/replica/replica.mk: how a replicated service is built on the
# runtime (services/replica/replica.h). Included by the top Makefile before
# the services' own fragments.
#
# A service's program links its own objects, the runtime, the Raft core and
# the log store. Raft entries hold whole requests, so each service builds the
# core and the runtime with its own RAFT_MAX_DATA (and snapshot capacity):
# their objects live in the service's own directory, so builds never mix.
#
#   $(call replica_service,NAME,DATA_MAX,SNAP_CAP[,PROGRAM])
# defines $(BUILD)/user/PROGRAM (default NAME) from services/NAME/*.c.

REPLICA_SRCS := $(wildcard services/replica/*.c)
REPLICA_LIBOBJS := $(BUILD)/user/obj/lib_logstore.o $(BUILD)/user/obj/lib_logstore_io.o \
	$(BUILD)/user/obj/lib_crc32c.o $(BUILD)/user/obj/lib_disklabel.o $(BUILD)/user/obj/diskdev.o

define replica_service
$(1)_SRCS   := $$(wildcard services/$(1)/*.c)
$(1)_OBJS   := $$(patsubst services/$(1)/%.c,$$(BUILD)/user/$(1)-obj/%.o,$$($(1)_SRCS)) \
	$$(patsubst services/replica/%.c,$$(BUILD)/user/$(1)-obj/replica_%.o,$$(REPLICA_SRCS)) \
	$$(patsubst services/raft/%.c,$$(BUILD)/user/$(1)-obj/raft_%.o,$$(RAFT_SRCS)) \
	$$(REPLICA_LIBOBJS)
$(1)_CFLAGS := $$(USER_CFLAGS) -DRAFT_MAX_DATA=$(2) -DRAFT_MAX_NODES=17 -DREPLICA_SNAP_CAP=$(3) \
	$$(if $$(REPLICA_TIMING),-DREPLICA_TIMING)

$$(BUILD)/user/$(1)-obj/%.o: services/$(1)/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(1)_CFLAGS) -c $$< -o $$@

$$(BUILD)/user/$(1)-obj/replica_%.o: services/replica/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(1)_CFLAGS) -c $$< -o $$@

$$(BUILD)/user/$(1)-obj/raft_%.o: services/raft/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(1)_CFLAGS) -c $$< -o $$@

$$(BUILD)/user/$(or $(4),$(1)): $$($(1)_OBJS) $$($(1)_LIBOBJS) user/user.ld
	$$(CC) $$(USER_LDFLAGS) -o $$@ $$($(1)_OBJS) $$($(1)_LIBOBJS)

-include $$(wildcard $$(BUILD)/user/$(1)-obj/*.d)
endef
