# Test, cross-matrix and fuzz rules.  Included by the top-level Makefile.
#
# Unit tests are built with the host compiler under AddressSanitizer and
# UBSan, against the runtime sources compiled the same way and the fake
# port in tests/fake (a clock the test sets).  Peer tests (tests/peer/) use
# the real POSIX port and talk to independent implementations over
# loopback.

TEST_CC     ?= gcc
TEST_CONFIG ?= host
TEST_BUILD  := build/test/$(TEST_CONFIG)
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
TEST_CFLAGS := -std=c11 -g -O1 $(SAN_FLAGS) -Wall -Wextra -Wshadow -Werror \
               -D_GNU_SOURCE -I. -Itests -Iexamples/config/$(TEST_CONFIG)
TEST_LDFLAGS := $(SAN_FLAGS)
# nanopb: Debian libnanopb-dev
TEST_LIBS := -lprotobuf-nanopb

# The protocol runtime without any port (the fake port or port/posix is
# linked by each binary).
TEST_RT_SRCS  := $(wildcard port/*.c transport/*.c core/*.c)
TEST_RT_OBJS  := $(TEST_RT_SRCS:%.c=$(TEST_BUILD)/obj/%.o)
TEST_FAKE_OBJS := $(patsubst %.c,$(TEST_BUILD)/obj/%.o,$(wildcard tests/fake/*.c) tests/lwg_test.c)
TEST_POSIX_OBJS := $(patsubst %.c,$(TEST_BUILD)/obj/%.o,$(wildcard port/posix/*.c) tests/lwg_test.c)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(TEST_BUILD)/bin/%)
PEER_SRCS := $(wildcard tests/peer/*_driver.c)
PEER_BINS := $(PEER_SRCS:tests/peer/%.c=$(TEST_BUILD)/bin/%)

$(TEST_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

-include $(TEST_RT_OBJS:.o=.d) $(TEST_FAKE_OBJS:.o=.d) $(TEST_POSIX_OBJS:.o=.d) \
         $(UNIT_SRCS:tests/unit/%.c=$(TEST_BUILD)/obj/tests/unit/%.d) \
         $(PEER_SRCS:tests/peer/%.c=$(TEST_BUILD)/obj/tests/peer/%.d)

$(TEST_BUILD)/bin/test_%: $(TEST_BUILD)/obj/tests/unit/test_%.o $(TEST_RT_OBJS) $(TEST_FAKE_OBJS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TEST_LDFLAGS) $^ $(TEST_LIBS) -o $@

$(TEST_BUILD)/bin/%_driver: $(TEST_BUILD)/obj/tests/peer/%_driver.o $(TEST_RT_OBJS) $(TEST_POSIX_OBJS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TEST_LDFLAGS) $^ $(TEST_LIBS) -o $@

# test_hpack_enc_off: the encoder's table off changes lwg_hpack_enc's
# layout, so the HPACK sources are compiled into it with the same setting
# instead of linking the runtime objects.
ENC_OFF_SRCS := tests/unit/test_hpack_enc_off.c transport/lwg_hpack.c transport/lwg_hpack_enc.c \
                transport/lwg_hpack_names.c \
                transport/lwg_hpack_tables.c transport/lwg_huffman.c tests/lwg_test.c \
                $(wildcard tests/fake/*.c)
$(TEST_BUILD)/bin/test_hpack_enc_off: $(ENC_OFF_SRCS) tests/unit/test_hpack_enc.c \
                                      transport/lwg_hpack.h port/lwg_opt.h
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TEST_CFLAGS) -DLWG_HPACK_ENC_TABLE_SIZE=0 $(ENC_OFF_SRCS) $(TEST_LDFLAGS) -o $@

# test_rx_room: a call's receive buffer larger than one message
# (LWG_CALL_RX_BUF) changes lwg_call's layout, so the runtime is compiled
# into it with that test's own options file.
RX_ROOM_SRCS := tests/unit/test_rx_room.c $(TEST_RT_SRCS) $(wildcard tests/fake/*.c) tests/lwg_test.c
$(TEST_BUILD)/bin/test_rx_room: $(RX_ROOM_SRCS) tests/unit/rx_room_opts.h \
                                $(wildcard port/*.h transport/*.h core/*.h)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TEST_CFLAGS) -DLWG_CONFIG_FILE='"tests/unit/rx_room_opts.h"' \
	    $(RX_ROOM_SRCS) $(TEST_LDFLAGS) $(TEST_LIBS) -o $@

.SECONDARY:
.PHONY: unit-bins peer-bins
unit-bins: $(UNIT_BINS)
peer-bins: $(PEER_BINS) interop-bins

# ---- fuzzing (clang libFuzzer) -------------------------------------------
FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# invariant checks are not instrumented (tests/fuzz/no_coverage.txt)
FUZZ_IGNORE  := tests/fuzz/no_coverage.txt
FUZZ_CFLAGS  := -std=c11 $(FUZZ_FLAGS) -Wall -Wextra -Werror -D_GNU_SOURCE \
                -fsanitize-coverage-ignorelist=$(FUZZ_IGNORE) \
                -I. -Itests -Iexamples/config/host
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_RT_SRCS := $(TEST_RT_SRCS) $(wildcard tests/fake/*.c)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_RT_SRCS) $(FUZZ_IGNORE)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) $(TEST_LIBS) -o $@

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)

fuzz: fuzz-bins
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-smoke: fuzz-bins
	@tests/fuzz/run.sh smoke $(FUZZ_BINS)

# ---- the whole test suite -------------------------------------------------
test:
	@tests/run_all.sh

# ---- TLS unit tests (own build of the runtime with LWG_TLS 1 + mbedTLS) ----
include toolchain/mbedtls_test.mk
