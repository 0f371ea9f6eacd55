# tests/fuzz/fuzz.mk: libFuzzer targets for the parsers of untrusted input in
# lib/. Included by the top Makefile. Each fuzzer links its lib/ module only.
# Run them with `bash tests/fuzz/run.sh short|long [FILTER]` (`make fuzz` runs
# them long); seeds live in tests/fuzz/corpus/<fuzzer>/.
# Other fragments add their own fuzzers to FUZZ_BINS with +=; run.sh runs every
# executable it finds in $(BUILD)/fuzz/.

FUZZ_LIB_NAMES := fdt elf ramdisk bootargs inet rpcwire kreqwire disklabel migwire
FUZZ_LIB_BINS  := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_LIB_NAMES))
FUZZ_BINS      += $(FUZZ_LIB_BINS)

$(FUZZ_LIB_BINS): $(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c lib/%.c
	@mkdir -p $(dir $@) $(BUILD)/fuzz-obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(BUILD)/fuzz-obj/$(notdir $@).d -MT $@ \
		-o $@ $(filter %.c,$^)

# A fuzzer whose module uses another lists it as an extra prerequisite.
$(BUILD)/fuzz/fuzz_rpcwire: lib/blake2s.c
$(BUILD)/fuzz/fuzz_disklabel: lib/crc32c.c

-include $(patsubst $(BUILD)/fuzz/%,$(BUILD)/fuzz-obj/%.d,$(FUZZ_LIB_BINS))
