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
# mbedTLS itself: optimised (RSA under ASan at -O1 is slow), sanitized too
TLS_TEST_MBEDTLS_CFLAGS := -std=c99 -O2 -g $(SAN_FLAGS) -Wall -I. \
                   -Iexamples/config/$(TEST_CONFIG) -I$(MBEDTLS_SRC)/library \
                   $(MBEDTLS_INC) $(TLS_TEST_DEFS)

TLS_TEST_RT_OBJS := $(patsubst %.c,$(TLS_TEST_DIR)/%.o,$(TEST_RT_SRCS) \
                      $(wildcard tests/fake/*.c) tests/lwg_test.c)
TLS_TEST_MBEDTLS_OBJS := $(patsubst $(MBEDTLS_SRC)/library/%.c,$(TLS_TEST_MBEDTLS_DIR)/%.o,\
                           $(MBEDTLS_LIB_SRCS))

$(TLS_TEST_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(TEST_CC) $(TLS_TEST_CFLAGS) -MMD -MP -c $< -o $@

$(TLS_TEST_MBEDTLS_DIR)/%.o: $(MBEDTLS_SRC)/library/%.c $(MBEDTLS_CFG)
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
