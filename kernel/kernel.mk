# kernel/kernel.mk: the kernel image, with the user programs packed into its
# ramdisk. Included by the top Makefile.

KERNEL_ELF  := $(BUILD)/kernel.elf
RAMDISK_IMG := $(BUILD)/ramdisk.img
KERNEL_LIB  := lib/fdt.c lib/bootargs.c lib/elf.c lib/fmt.c lib/pagealloc.c lib/heap.c \
	lib/rand.c lib/ramdisk.c lib/inet.c lib/blake2s.c lib/rpcwire.c lib/kreqwire.c lib/migwire.c
KERNEL_CSRC := $(wildcard kernel/*.c) $(wildcard drivers/*.c) $(wildcard net/*.c) $(KERNEL_LIB)
KERNEL_ASRC := kernel/entry.S kernel/trapvec.S
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_CSRC)) \
	$(patsubst %.S,$(BUILD)/k/%.o,$(KERNEL_ASRC)) \
	$(BUILD)/k/kernel/fpu.o $(BUILD)/k/kernel/ramdisk_image.o

# Quiet by default; `make V=1` shows every command.
Q := $(if $(V),,@)

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.S
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  AS      $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# Only this file touches FP registers, so only it is assembled with D.
$(BUILD)/k/kernel/fpu.o: kernel/fpu.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -march=rv64imafdc_zicsr_zifencei -c $< -o $@

# Programs go into the ramdisk stripped: the loader needs only PT_LOAD.
STRIPPED_PROGS := $(patsubst $(BUILD)/user/%,$(BUILD)/user/stripped/%,$(USER_PROGS))
# (A deliberately broken ELF such as badelf cannot be stripped: copy it.)
$(BUILD)/user/stripped/%: $(BUILD)/user/%
	@mkdir -p $(dir $@)
	$(Q)$(CROSS)strip -o $@ $< 2>/dev/null || cp $< $@

$(RAMDISK_IMG): $(STRIPPED_PROGS) tools/mkramdisk.py
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  RAMDISK $@")
	$(Q)$(PYTHON) tools/mkramdisk.py $@ $(STRIPPED_PROGS)

$(BUILD)/k/kernel/ramdisk_image.o: kernel/ramdisk_image.S $(RAMDISK_IMG)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -DRAMDISK_PATH='"$(RAMDISK_IMG)"' -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) linker.ld
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(KERNEL_CFLAGS) -T linker.ld -Wl,--no-warn-rwx-segments -o $@ $(KERNEL_OBJS) -lgcc
	@$(OBJDUMP) -d $@ > $(BUILD)/kernel.asm

-include $(KERNEL_OBJS:.o=.d)
