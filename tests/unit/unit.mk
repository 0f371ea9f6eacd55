# tests/unit/unit.mk: host unit tests of the pure lib/ code (and of the pure
# user/ modules), and the proof that the same code is freestanding. Included by
# the top Makefile.
#
#   make build/host/unit_tests     build the runner (and its test data)
#   build/host/unit_tests [FILTER] run the tests whose name contains FILTER
#   make cross-check-lib           compile lib/*.c for the kernel target only
#
# Test data the runner reads (paths relative to the repo root):
#   tests/unit/data/*.dtb          small committed QEMU virt device trees
#   $(BUILD)/host/dtb/*.dtb        device trees dumped by QEMU at build time
#   $(BUILD)/host/elf/start.elf    a static RISC-V program built by the cross gcc
#   $(BUILD)/host/ramdisk/test.img an archive packed by tools/mkramdisk.py

UNIT_BIN      := $(BUILD)/host/unit_tests

# The lib/ modules this fragment owns and tests (only those present are built,
# so the list can run ahead of the tree).
UNIT_LIB_NAMES := fmt fdt bootargs elf pagealloc heap rand ramdisk inet blake2s rpcwire kreqwire \
	crc32c disklabel migwire
UNIT_LIB_SRCS := $(wildcard $(addprefix lib/,$(addsuffix .c,$(UNIT_LIB_NAMES))))
# Pure user/ modules, tested and cross-checked the same way as lib/ ones.
UNIT_USER_NAMES := fspath
UNIT_LIB_SRCS += $(wildcard $(addprefix user/,$(addsuffix .c,$(UNIT_USER_NAMES))))
UNIT_SRCS     := tests/unit/runner.c tests/common/hosttest.c $(wildcard tests/unit/test_*.c) $(UNIT_LIB_SRCS)
UNIT_OBJS     := $(patsubst %.c,$(BUILD)/host/unit/%.o,$(UNIT_SRCS))

# ---- device trees from QEMU ------------------------------------------------
UNIT_DTB_DIR  := $(BUILD)/host/dtb
UNIT_DTBS     := $(addprefix $(UNIT_DTB_DIR)/,virt-64m.dtb virt-1g.dtb virt-nosstc.dtb \
	virt-args.dtb virt-net.dtb)
# QEMU reports the dump on stderr; keep its output only when it fails.
UNIT_QEMU_DTB  = $(QEMU) -machine virt,dumpdtb=$@ -nographic -display none
UNIT_QUIET     = >$@.log 2>&1 || { cat $@.log; rm -f $@; exit 1; }
# -append and -initrd need a -kernel; the dump happens before it would run.
$(UNIT_DTB_DIR)/dummy.bin:
	@mkdir -p $(dir $@)
	head -c 4096 /dev/zero > $@
$(UNIT_DTB_DIR)/virt-64m.dtb:
	@mkdir -p $(dir $@)
	$(UNIT_QEMU_DTB) -m 64M $(UNIT_QUIET)
$(UNIT_DTB_DIR)/virt-1g.dtb:
	@mkdir -p $(dir $@)
	$(UNIT_QEMU_DTB) -m 1G -smp 4 $(UNIT_QUIET)
$(UNIT_DTB_DIR)/virt-nosstc.dtb:
	@mkdir -p $(dir $@)
	$(UNIT_QEMU_DTB) -m 64M -cpu rv64,sstc=off $(UNIT_QUIET)
$(UNIT_DTB_DIR)/virt-args.dtb: $(UNIT_DTB_DIR)/dummy.bin
	$(UNIT_QEMU_DTB) -m 128M -smp 2 -kernel $< -initrd $< -append "node=2 nodes=3" $(UNIT_QUIET)
$(UNIT_DTB_DIR)/virt-net.dtb:
	@mkdir -p $(dir $@)
	$(UNIT_QEMU_DTB) -m 64M -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
		-device virtio-rng-device $(UNIT_QUIET)

# ---- a real static RISC-V program for the ELF tests ------------------------
# The default GNU ld layout for -nostdlib -static already gives one R-X segment
# (headers + text + rodata) and one RW- segment (data + bss); see lib/elf.h.
UNIT_ELF      := $(BUILD)/host/elf/start.elf
$(UNIT_ELF): tests/unit/data/start.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ARCH) -mcmodel=medany -O2 -nostdlib -static -ffreestanding \
		-Wl,-Ttext=0x1000010000 -o $@ $<

# ---- an archive packed by tools/mkramdisk.py -------------------------------
UNIT_RAMDISK  := $(BUILD)/host/ramdisk/test.img
$(UNIT_RAMDISK): tools/mkramdisk.py tests/unit/data/start.c tests/unit/data/virt-64m.dtb
	@mkdir -p $(dir $@)
	$(PYTHON) tools/mkramdisk.py $@ tests/unit/data/start.c virt.dtb=tests/unit/data/virt-64m.dtb

# ---- freestanding proof ----------------------------------------------------
# Each lib/ module compiles for the kernel with no libc headers at all (only the
# compiler's own stdint/stddef/stdbool/stdarg), and references no symbol other
# than its own and the four the kernel provides (memcpy memset memmove memcmp).
UNIT_XCFLAGS  := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -ffreestanding \
	-fno-builtin -O2 -Wall -Wextra -Werror -Wno-unused-parameter -std=c11 -I. \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include 2>/dev/null)
UNIT_XOBJS    := $(patsubst %.c,$(BUILD)/cross-check/%.o,$(UNIT_LIB_SRCS))
UNIT_NM       := $(CROSS)nm
UNIT_EMPTY    :=
UNIT_SPACE    := $(UNIT_EMPTY) $(UNIT_EMPTY)
$(UNIT_XOBJS): $(BUILD)/cross-check/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_XCFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp
	@bad=$$($(UNIT_NM) -u $@.tmp | awk '{print $$2}' \
		| grep -vxE 'memcpy|memset|memmove|memcmp|crc32c|($(subst $(UNIT_SPACE),|,$(UNIT_LIB_NAMES) $(UNIT_USER_NAMES)))_[a-z0-9_]+' \
		|| true); \
	if [ -n "$$bad" ]; then echo "$<: not freestanding, calls: $$bad" >&2; rm -f $@.tmp; exit 1; fi
	@mv $@.tmp $@

.PHONY: cross-check-lib
cross-check-lib: $(UNIT_XOBJS)

# ---- the runner ------------------------------------------------------------
$(UNIT_OBJS): $(BUILD)/host/unit/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(UNIT_BIN): $(UNIT_OBJS) $(UNIT_XOBJS) $(UNIT_DTBS) $(UNIT_ELF) $(UNIT_RAMDISK)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(UNIT_OBJS)

-include $(UNIT_OBJS:.o=.d) $(UNIT_XOBJS:.o=.d)
