# TLS unit tests (tests/unit/test_tls_*.c).  Included at the end of
# toolchain/test.mk.
#
# The other unit tests use the host configuration, where LWG_TLS is 0.
# The TLS tests need the same runtime with LWG_TLS 1, so they get their
# own build of it under $(TEST_BUILD)/tls/ (same compiler, sanitizers and
# warnings as every unit test) plus mbedTLS from Debian's source package
# built for the host with the same options and arena statistics on
# (LWG_TLS_ARENA_STATS: the tests print the arena's peak use).
#
#   build/test/host/bin/test_tls_<name>   one per tests/unit/test_tls_<name>.c
#   build/test/host/mbedtls/libmbedtls_lwg.a
#
# The tests make their certificates with tests/certs/make_certs.sh into
# build/certs when they start (quick when they are already there).

TLS_TEST_DEFS   := -DLWG_TLS=1 -DLWG_TLS_ARENA_STATS=1 -DLWG_TLS_ARENA_SIZE=262144
TLS_TEST_DIR    := $(TEST_BUILD)/tls
TLS_TEST_MBEDTLS_DIR := $(TEST_BUILD)/mbedtls
TLS_TEST_MBEDTLS_LIB := $(TLS_TEST_MBEDTLS_DIR)/libmbedtls_lwg.a
TLS_TEST_CFLAGS := $(TEST_CFLAGS) $(TLS_TEST_DEFS) $(MBEDTLS_INC) \
                   -DLWG_TEST_MBEDTLS_LIB='"$(TLS_TEST_MBEDTLS_LIB)"'
# mbedTLS itself: optimised (RSA under ASan at -O1 is slow), sanitized too,
# except UBSan's nonnull-attribute check: with a mutated certificate (an
# empty name) mbedTLS 2.28.3's x509_name_cmp() calls memcmp(NULL, NULL, 0)
# (x509_crt.c:330) - undefined by the letter of C, harmless in every libc
# (test_tls_filter's flipped-bytes case found it).
TLS_TEST_MBEDTLS_CFLAGS := -std=c99 -O2 -g $(SAN_FLAGS) -fno-sanitize=nonnull-attribute -Wall -I. \
                   -Iexamples/config/$(TEST_CONFIG) -I$(MBEDTLS_SRC)/library \
                   $(MBEDTLS_INC) $(TLS_TEST_DEFS)

TLS_TEST_RT_OBJS := $(patsubst %.c,$(TLS_TEST_DIR)/%.o,$(TEST_RT_SRCS) \
                      $(wildcard tests/fake/*.c) tests/lwg_test.c)
TLS_TEST_MBEDTLS_OBJS := $(patsubst $(MBEDTLS_SRC)/library/%.c,$(TLS_TEST_MBEDTLS_DIR)/%.o,\
                           $(MBEDTLS_LIB_SRCS))

# The flags are kept in a file rewritten when they change (as the
# Makefile does for $(BUILD)), so a change rebuilds.
TLS_TEST_FLAGS_FILE := $(TLS_TEST_DIR)/flags.txt
TLS_TEST_FLAGS_NOW  := $(TEST_CC) $(TLS_TEST_CFLAGS) | $(TLS_TEST_MBEDTLS_CFLAGS)
ifneq ($(filter-out clean distclean deps test print-%,$(or $(MAKECMDGOALS),all)),)
ifneq ($(TLS_TEST_FLAGS_NOW),$(if $(wildcard $(TLS_TEST_FLAGS_FILE)),$(file <$(TLS_TEST_FLAGS_FILE))))
$(shell mkdir -p $(TLS_TEST_DIR))
$(file >$(TLS_TEST_FLAGS_FILE),$(TLS_TEST_FLAGS_NOW))
endif
endif

$(TLS_TEST_DIR)/%.o: %.c $(TLS_TEST_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TLS_TEST_CFLAGS) -MMD -MP -c $< -o $@

$(TLS_TEST_MBEDTLS_DIR)/%.o: $(MBEDTLS_SRC)/library/%.c $(MBEDTLS_CFG) $(TLS_TEST_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TLS_TEST_MBEDTLS_CFLAGS) -MMD -MP -c $< -o $@

$(TLS_TEST_MBEDTLS_LIB): $(TLS_TEST_MBEDTLS_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

-include $(TLS_TEST_RT_OBJS:.o=.d) $(TLS_TEST_MBEDTLS_OBJS:.o=.d) \
         $(patsubst tests/unit/%.c,$(TLS_TEST_DIR)/tests/unit/%.d,$(wildcard tests/unit/test_tls_*.c))

# (a more specific pattern than test.mk's $(TEST_BUILD)/bin/test_%)
$(TEST_BUILD)/bin/test_tls_%: $(TLS_TEST_DIR)/tests/unit/test_tls_%.o $(TLS_TEST_RT_OBJS) \
                              $(TLS_TEST_MBEDTLS_LIB)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TEST_LDFLAGS) $^ $(TEST_LIBS) -o $@

.PHONY: tls-test-bins
tls-test-bins: $(patsubst tests/unit/%.c,$(TEST_BUILD)/bin/%,$(wildcard tests/unit/test_tls_*.c))
