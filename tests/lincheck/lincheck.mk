# tests/lincheck/lincheck.mk: the linearizability checker for naming-service
# histories (docs/lincheck.md). Included by the top Makefile; also usable on
# its own:
#   make -f tests/lincheck/lincheck.mk build/host/lincheck
#
#   $(LINCHECK_BIN) HISTORY_FILE   the checker (ASan/UBSan, like the other host tools)
#   bash tests/lincheck/run.sh     its tests

include tests/common/host.mk

LINCHECK_BIN  := $(BUILD)/host/lincheck
LINCHECK_SRCS := tests/lincheck/lincheck.c tests/lincheck/parse.c tests/lincheck/search.c
# objects beside, not under, the binary's own path
LINCHECK_OBJS := $(patsubst %.c,$(BUILD)/host/lincheck-obj/%.o,$(LINCHECK_SRCS))
LINCHECK_BINS := $(LINCHECK_BIN)

$(BUILD)/host/lincheck-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -D_POSIX_C_SOURCE=200809L -c -o $@ $<

$(LINCHECK_BIN): $(LINCHECK_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(LINCHECK_OBJS)

.PHONY: lincheck-test
lincheck-test:
	bash tests/lincheck/run.sh $(T)

-include $(LINCHECK_OBJS:.o=.d)
