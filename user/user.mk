# user/user.mk: user programs, built against Debian's picolibc with our own
# crt0 (user/crt0.S), syscall glue (user/syscalls.c), POSIX file calls
# (user/posix_fs.c) and layout (user/user.ld). Included by the top Makefile.
# Defines USER_PROGS: the ELF files packed into the ramdisk (a program is
# spawned by its basename).
#
# Adding a program is dropping user/NAME.c into the tree: every user/*.c
# with a line that starts `int main(` (a definition, not a declaration
# ending in `;`) is a program named NAME; every other user/*.c is library
# code, linked into programs only when listed in USER_LIBOBJS below.
# user/include/ holds the standard headers picolibc lacks or leaves short
# (<dirent.h>; lstat in <sys/stat.h>).

USER_ARCH    := -march=rv64imafdc_zicsr -mabi=lp64d -mcmodel=medany
USER_CFLAGS  := $(USER_ARCH) --specs=picolibc.specs -std=gnu11 -O2 -g \
	-Wall -Wextra -Werror -fno-common -ffunction-sections -fdata-sections \
	-I. -Iuser/include -MMD -MP
USER_LDFLAGS := $(USER_ARCH) --specs=picolibc.specs -nostartfiles -T user/user.ld \
	-Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments

USER_MAINS   := $(shell grep -lE '^int main\(.*\)( *\{.*)?$$' user/*.c)
USER_NAMES   := $(sort $(basename $(notdir $(USER_MAINS))))
# The file service's client library; whatever objects it needs besides
# fsclient.o belong in this list too (every program links it: any program's
# stdout may be a file).
USER_FSCLIENT_OBJS := $(BUILD)/user/obj/fsclient.o $(BUILD)/user/obj/fsmeta.o \
	$(BUILD)/user/obj/fs_fsproto.o $(BUILD)/user/obj/fs_chunkproto.o $(BUILD)/user/obj/fs_placement.o
# The global scheduler's client library and the codecs it shares with the
# service (user/schedclient.c).
USER_SCHEDCLIENT_OBJS := $(BUILD)/user/obj/schedclient.o \
	$(addprefix $(BUILD)/user/obj/sched_,schedproto.o schedreply.o schedwire.o spectext.o view.o)
USER_LIBOBJS := $(BUILD)/user/obj/crt0.o $(BUILD)/user/obj/syscalls.o $(BUILD)/user/obj/lib_inet.o \
	$(BUILD)/user/obj/ipc.o $(BUILD)/user/obj/leadercall.o $(BUILD)/user/obj/nsclient.o $(BUILD)/user/obj/ns_nsproto.o \
	$(BUILD)/user/obj/posix_fs.o $(BUILD)/user/obj/posix_dir.o $(BUILD)/user/obj/fspath.o \
	$(BUILD)/user/obj/spawnfiles.o $(USER_FSCLIENT_OBJS) $(USER_SCHEDCLIENT_OBJS)
# badelf: a copy of `true` with a corrupted header, so that spawning it must
# fail cleanly in the kernel's ELF loader.
# The system services built by their own fragments (services/*/*.mk).
USER_PROGS   := $(addprefix $(BUILD)/user/,$(USER_NAMES)) $(BUILD)/user/badelf $(BUILD)/user/naming \
	$(BUILD)/user/fs $(BUILD)/user/chunkd $(BUILD)/user/primaryd $(BUILD)/user/repaird \
	$(BUILD)/user/schedd

# Programs from outside user/, for a lab's grader (labs/*/check builds with
# `make LAB_PROGS=labs/NAME/PROG.c`): built and packed like the others.
LAB_PROG_NAMES := $(basename $(notdir $(LAB_PROGS)))
USER_PROGS   += $(addprefix $(BUILD)/user/,$(LAB_PROG_NAMES))
define lab_prog_rule
$$(BUILD)/user/obj/$(basename $(notdir $(1))).o: $(1)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(USER_CFLAGS) -c $$< -o $$@
endef
$(foreach f,$(LAB_PROGS),$(eval $(call lab_prog_rule,$(f))))

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

# The scheduler's codecs, for its client library (user/schedclient.c).
$(BUILD)/user/obj/sched_%.o: services/sched/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

# The file service's codecs and placement, for its client library (user/fsclient.c).
$(BUILD)/user/obj/fs_%.o: services/fs/%.c
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
# (Stripped first, as every program in the ramdisk is: it cannot be later.)
$(BUILD)/user/badelf: $(BUILD)/user/true
	$(CROSS)strip -o $@.tmp $<
	printf '\377\377\377\377' | dd of=$@.tmp bs=1 seek=32 conv=notrunc status=none
	mv $@.tmp $@

.PHONY: user
user: $(USER_PROGS)

-include $(wildcard $(BUILD)/user/obj/*.d)
