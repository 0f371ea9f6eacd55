# tests/common/host.mk: the host compilers and flags (pure code is tested on
# the host under ASan/UBSan; fuzzers are built with clang). Included by the
# top Makefile and by each test fragment that also works on its own
# (make -f tests/X/X.mk ...), so there is one definition of each.

BUILD       ?= build
HOST_CC     := gcc
FUZZ_CC     := clang
HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -I. -MMD -MP
FUZZ_CFLAGS := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -I.
