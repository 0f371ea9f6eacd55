# Top-level build. `make` builds the kernel image (with the user programs packed
# into its ramdisk); `make run` boots it; `make test` runs every test part.
# Each part of the tree owns a fragment (included below) that adds its rules.

BUILD        := build
NODES        ?= 3
T            ?=

# ---- toolchains ------------------------------------------------------------
CROSS        := riscv64-unknown-elf-
CC           := $(CROSS)gcc
OBJCOPY      := $(CROSS)objcopy
OBJDUMP      := $(CROSS)objdump
QEMU         := qemu-system-riscv64
PYTHON       := $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

# Kernel: freestanding, no FP (user FP state is saved by kernel/fpu.S, which is
# assembled with the D extension enabled on its own).
KERNEL_ARCH  := -march=rv64imac_zicsr_zifencei -mabi=lp64
KERNEL_CFLAGS := $(KERNEL_ARCH) -mcmodel=medany -ffreestanding -fno-common -nostdlib \
	-fno-builtin -fno-stack-protector -fno-pie -no-pie -O2 -g -std=gnu11 \
	-Wall -Wextra -Werror -Wno-unused-parameter -I. -MMD -MP
# Host builds of pure code run under ASan/UBSan: HOST_CC, HOST_CFLAGS, FUZZ_*.
include tests/common/host.mk

.DEFAULT_GOAL := all
.PHONY: all deps run gdb test test-skewed bench fuzz soak mutants clean host-bins lab-check

# ---- fragments owned by each part of the tree ------------------------------
include user/user.mk
include kernel/kernel.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include tests/storage/storage.mk
include tests/chunkstore/chunkstore.mk
include services/raft/raft.mk
include tools/netswitch/netswitch.mk
# The naming service (issue 7): the guest program, its host tests, and the
# linearizability checker used on histories recorded from QEMU clusters.
include services/replica/replica.mk
include services/naming/naming.mk
# The file service (issue 13): metadata (Raft), chunk stores and primaries.
include services/fs/fs.mk
# The global scheduler (issue 15).
include services/sched/sched.mk
-include tests/naming/naming_tests.mk
-include tests/fs/fs_tests.mk
-include tests/sched/sched_tests.mk
-include tests/lincheck/lincheck.mk

all: $(KERNEL_ELF)

deps:
	@bash tools/deps.sh

# Every host-side binary that `make test` runs.
host-bins: $(UNIT_BIN) $(FUZZ_BINS) $(RAFT_BINS) $(NETSWITCH_BIN) $(NETSWITCH_ASAN_BIN) \
	$(STORAGE_BIN) $(CHUNKSTORE_TEST_BIN) $(NAMING_TEST_BINS) $(FS_TEST_BINS) $(SCHED_TEST_BINS) \
	$(LINCHECK_BINS) $(RAFT_MUTANT_BINS)

# The test parts, in order; tests/run_parts.py times each, sums the results and
# prints the final `N passed, N failed`. T=NAME runs only tests matching NAME.
test: deps
	@$(MAKE) --no-print-directory all host-bins
	@$(PYTHON) tests/run_parts.py $(if $(T),--filter '$(T)')

# Every QEMU scenario with every node's clock skewed (+-10 s) and drifting
# (+-1000 ppm): correctness must not rest on clocks (docs/trace.md, "Clocks").
# make test runs a few scenarios so; this runs them all (about 10 minutes).
test-skewed: deps
	@$(MAKE) --no-print-directory all host-bins
	@CLUSTER_SKEW=1 $(PYTHON) tests/run_parts.py --parts net,naming,fs,migrate,sched,trace-cluster \
		$(if $(T),--filter '$(T)')

# A lab's grader on this tree (labs/README.md): make lab-check LAB=NAME
lab-check:
	@test -n "$(LAB)" -a -x "labs/$(LAB)/check" || \
		{ echo "usage: make lab-check LAB=NAME, NAME one of: $$(ls labs | grep -v README)"; exit 2; }
	@labs/$(LAB)/check

run: deps
	@$(MAKE) --no-print-directory all $(NETSWITCH_BIN)
	@$(PYTHON) tools/run.py --nodes $(NODES) $(if $(GDB),--gdb)

gdb:
	gdb-multiarch -q -ex 'target remote localhost:$(or $(GDBPORT),1234)' $(KERNEL_ELF)

bench: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tests/bench/bench.py

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@bash tests/fuzz/run.sh long $(T)

clean:
	rm -rf $(BUILD)
