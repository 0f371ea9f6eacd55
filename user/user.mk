# user/user.mk: user programs, built against Debian's picolibc with our own
# crt0 (user/crt0.S), syscall glue (user/syscalls.c) and layout (user/user.ld).
# Included by the top Makefile. Defines USER_PROGS: the ELF files packed into
# the ramdisk (a program is spawned by its basename).

USER_ARCH    := -march=rv64imafdc_zicsr -mabi=lp64d -mcmodel=medany
USER_CFLAGS  := $(USER_ARCH) --specs=picolibc.specs -std=gnu11 -O2 -g \
	-Wall -Wextra -Werror -fno-common -ffunction-sections -fdata-sections \
	-I. -MMD -MP
USER_LDFLAGS := $(USER_ARCH) --specs=picolibc.specs -nostartfiles -T user/user.ld \
	-Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments

USER_NAMES   := sh args echo ps kill sleep uptime true false exitcode mem burn memtouch \
	fault badptr fpu spawnmany failalloc limits bench ping netstat udpecho rawecho disktool \
	echod ipcping rpcstat calcd calc ipctest ipcstress storetest counterd counter sinkd ipcflood ns nodes nsbench tell clockcheck
USER_LIBOBJS := $(BUILD)/user/obj/crt0.o $(BUILD)/user/obj/syscalls.o $(BUILD)/user/obj/lib_inet.o \
	$(BUILD)/user/obj/ipc.o $(BUILD)/user/obj/nsclient.o $(BUILD)/user/obj/ns_nsproto.o
# badelf: a copy of `true` with a corrupted header, so that spawning it must
# fail cleanly in the kernel's ELF loader.
USER_PROGS   := $(addprefix $(BUILD)/user/,$(USER_NAMES)) $(BUILD)/user/badelf $(BUILD)/user/naming

USER_OBJS    := $(addprefix $(BUILD)/user/obj/,$(addsuffix .o,$(USER_NAMES))) $(USER_LIBOBJS)
.SECONDARY: $(USER_OBJS)

$(BUILD)/user/obj/%.o: user/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

# Freestanding lib/ code that user programs share with the kernel.
$(BUILD)/user/obj/lib_%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

# The naming service's wire codec, for its client library (user/nsclient.c).
$(BUILD)/user/obj/ns_%.o: services/naming/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/obj/%.o: user/%.S
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/%: $(BUILD)/user/obj/%.o $(USER_LIBOBJS) user/user.ld
	$(CC) $(USER_LDFLAGS) -o $@ $< $(USER_LIBOBJS)

# storetest also links the log store (lib/ code shared with host tests).
STORETEST_LIBS := $(BUILD)/user/obj/lib_logstore.o $(BUILD)/user/obj/lib_logstore_io.o \
	$(BUILD)/user/obj/lib_crc32c.o $(BUILD)/user/obj/diskdev.o
$(BUILD)/user/storetest: $(BUILD)/user/obj/storetest.o $(USER_LIBOBJS) $(STORETEST_LIBS) user/user.ld
	$(CC) $(USER_LDFLAGS) -o $@ $< $(USER_LIBOBJS) $(STORETEST_LIBS)

# e_phoff (bytes 32..39) is set to 0xffffffff: far past the end of the file.
$(BUILD)/user/badelf: $(BUILD)/user/true
	cp $< $@.tmp
	printf '\377\377\377\377' | dd of=$@.tmp bs=1 seek=32 conv=notrunc status=none
	mv $@.tmp $@

.PHONY: user
user: $(USER_PROGS)

-include $(wildcard $(BUILD)/user/obj/*.d)
