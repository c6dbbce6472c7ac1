# TLS unit tests (tests/unit/test_tls_*.c).  Included at the end of
# toolchain/test.mk.
#
# The other unit tests use the host configuration, where LWG_TLS is 0.
# The TLS tests need the same runtime with LWG_TLS 1, so they get their
# own build of it (same compiler, sanitizers and warnings as every unit
# test) plus mbedTLS from Debian's source package built for the host with
# the same options and arena statistics on (LWG_TLS_ARENA_STATS: the tests
# print the arena's peak use).  Two flavours, each in its own directories:
#
#   tls         records of 16 KiB in, 4 KiB out (the defaults)
#               build/test/host/bin/test_tls_<name>   (tests/unit/test_tls_<name>.c)
#   tls-small   records of 4 KiB both ways: the client asks for
#               max_fragment_length 4096
#               build/test/host/bin/test_tls_small_<name>
#
# The tests make their certificates with tests/certs/make_certs.sh into
# build/certs when they start (quick when they are already there).

TLS_TEST_BASE_DEFS := -DLWG_TLS=1 -DLWG_TLS_ARENA_STATS=1 -DLWG_TLS_ARENA_SIZE=262144
TLS_TEST_RT_SRCS   := $(TEST_RT_SRCS) $(wildcard tests/fake/*.c) tests/lwg_test.c

# mbedTLS itself is optimised (RSA under ASan at -O1 is slow) and sanitized
# too, except UBSan's nonnull-attribute check: with a mutated certificate
# (an empty name) mbedTLS 2.28.3's x509_name_cmp() calls memcmp(NULL, NULL,
# 0) (x509_crt.c:330) - undefined by the letter of C, harmless in every
# libc (test_tls_filter's flipped-bytes case found it).
TLS_TEST_MBEDTLS_BASE := -std=c99 -O2 -g $(SAN_FLAGS) -fno-sanitize=nonnull-attribute -Wall -I. \
                         -Iexamples/config/$(TEST_CONFIG) -I$(MBEDTLS_SRC)/library $(MBEDTLS_INC)

# $(call tls_test_flavor,NAME,DEFS,BIN_PREFIX,SOURCES)
define tls_test_flavor
$(1)_DIR      := $(TEST_BUILD)/$(1)
$(1)_MBED_DIR := $(TEST_BUILD)/$(1)-mbedtls
$(1)_MBED_LIB := $$($(1)_MBED_DIR)/libmbedtls_lwg.a
$(1)_CFLAGS   := $(TEST_CFLAGS) $(2) $(MBEDTLS_INC) -DLWG_TEST_MBEDTLS_LIB='"$$($(1)_MBED_LIB)"'
$(1)_MBED_CFLAGS := $(TLS_TEST_MBEDTLS_BASE) $(2)
$(1)_RT_OBJS  := $$(patsubst %.c,$$($(1)_DIR)/%.o,$(TLS_TEST_RT_SRCS))
$(1)_MBED_OBJS := $$(patsubst $(MBEDTLS_SRC)/library/%.c,$$($(1)_MBED_DIR)/%.o,$(MBEDTLS_LIB_SRCS))
$(1)_BINS     := $$(patsubst tests/unit/%.c,$(TEST_BUILD)/bin/%,$(4))

# the flags are kept in a file rewritten when they change (as the
# Makefile does for $$(BUILD)), so a change rebuilds
$(1)_FLAGS_FILE := $$($(1)_DIR)/flags.txt
$(1)_FLAGS_NOW  := $(TEST_CC) $$($(1)_CFLAGS) | $$($(1)_MBED_CFLAGS)
ifneq ($$(filter-out clean distclean deps test print-%,$$(or $$(MAKECMDGOALS),all)),)
ifneq ($$($(1)_FLAGS_NOW),$$(if $$(wildcard $$($(1)_FLAGS_FILE)),$$(file <$$($(1)_FLAGS_FILE))))
$$(shell mkdir -p $$($(1)_DIR))
$$(file >$$($(1)_FLAGS_FILE),$$($(1)_FLAGS_NOW))
endif
endif

$$($(1)_DIR)/%.o: %.c $$($(1)_FLAGS_FILE)
	@mkdir -p $$(dir $$@)
	$(TEST_CC) $$($(1)_CFLAGS) -MMD -MP -c $$< -o $$@

$$($(1)_MBED_DIR)/%.o: $(MBEDTLS_SRC)/library/%.c $(MBEDTLS_CFG) $$($(1)_FLAGS_FILE)
	@mkdir -p $$(dir $$@)
	$(TEST_CC) $$($(1)_MBED_CFLAGS) -MMD -MP -c $$< -o $$@

$$($(1)_MBED_LIB): $$($(1)_MBED_OBJS)
	@rm -f $$@
	$(AR) rcs $$@ $$^

-include $$($(1)_RT_OBJS:.o=.d) $$($(1)_MBED_OBJS:.o=.d) \
         $$(patsubst tests/unit/%.c,$$($(1)_DIR)/tests/unit/%.d,$(4))

# (more specific patterns than test.mk's $(TEST_BUILD)/bin/test_%)
$(TEST_BUILD)/bin/$(3)%: $$($(1)_DIR)/tests/unit/$(3)%.o $$($(1)_RT_OBJS) $$($(1)_MBED_LIB)
	@mkdir -p $$(dir $$@)
	$(TEST_CC) $(TEST_LDFLAGS) $$^ $(TEST_LIBS) -o $$@
endef

TLS_SMALL_SRCS := $(wildcard tests/unit/test_tls_small_*.c)
TLS_MAIN_SRCS  := $(filter-out $(TLS_SMALL_SRCS),$(wildcard tests/unit/test_tls_*.c))

ifneq ($(MBEDTLS_SRC),)
$(eval $(call tls_test_flavor,tls,$(TLS_TEST_BASE_DEFS),test_tls_,$(TLS_MAIN_SRCS)))
$(eval $(call tls_test_flavor,tls-small,$(TLS_TEST_BASE_DEFS) -DLWG_TLS_RECORD_IN=4096 \
              -DLWG_TLS_RECORD_OUT=4096,test_tls_small_,$(TLS_SMALL_SRCS)))
else
$(TEST_BUILD)/bin/test_tls_%:
	@echo "$@: mbedTLS sources missing: run toolchain/deps.sh srcpkgs" >&2; exit 1
endif

.PHONY: tls-test-bins
tls-test-bins: $(tls_BINS) $(tls-small_BINS)
