# tools/netswitch/netswitch.mk: the host L2 switch joining a cluster's QEMU nodes.
# Included by the top Makefile; also usable on its own:
#   make -f tools/netswitch/netswitch.mk build/host/netswitch build/host/netswitch-asan
#
#   $(NETSWITCH_BIN)       the switch tools/cluster runs (optimized, no sanitizers)
#   $(NETSWITCH_ASAN_BIN)  the same under ASan/UBSan, run by tests/netswitch/run.sh

BUILD    ?= build
HOST_CC  ?= gcc

NETSWITCH_BIN      := $(BUILD)/host/netswitch
NETSWITCH_ASAN_BIN := $(BUILD)/host/netswitch-asan
NETSWITCH_SRCS     := $(addprefix tools/netswitch/,main.c port.c fabric.c ctl.c pcap.c) lib/rand.c
NETSWITCH_DEPS     := $(NETSWITCH_SRCS) tools/netswitch/netswitch.h tools/netswitch/netswitch.mk \
	lib/rand.h
NETSWITCH_CFLAGS   := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I.
NETSWITCH_ASAN_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined

$(NETSWITCH_BIN): $(NETSWITCH_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(NETSWITCH_CFLAGS) -o $@ $(NETSWITCH_SRCS) -lm

$(NETSWITCH_ASAN_BIN): $(NETSWITCH_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(NETSWITCH_ASAN_CFLAGS) -o $@ $(NETSWITCH_SRCS) -lm

.PHONY: netswitch
netswitch: $(NETSWITCH_BIN) $(NETSWITCH_ASAN_BIN)
