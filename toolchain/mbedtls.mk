# mbedTLS for lwgrpc's TLS layer (transport/lwg_tls.c).  Included by the
# top-level Makefile right after its `lib` rule.
#
#   make mbedtls                      $(BUILD)/libmbedtls_lwg.a for TARGET
#                                     and CONFIG (all three of mbedTLS's
#                                     libraries, crypto + x509 + tls, in one
#                                     archive)
#   make TARGET=cortex-m4 CONFIG=server-tls
#                                     a TLS configuration (LWG_TLS 1 in its
#                                     lwgrpc_opts.h, or EXTRA_CFLAGS=
#                                     -DLWG_TLS=1): `lib` then also builds
#                                     libmbedtls_lwg.a; link both
#   make tls-size TARGET=cortex-m4 CONFIG=server-tls
#                                     flash/RAM of lwg_tls.o + the mbedTLS
#                                     objects a TLS client and server pull in
#
# mbedTLS is compiled FROM DEBIAN'S SOURCE PACKAGE (build/deps/src/
# mbedtls-*, fetched by `toolchain/deps.sh srcpkgs`) with OUR configuration
# toolchain/mbedtls_config.h (MBEDTLS_CONFIG_FILE), for every target the
# same way: the host's libmbedtls-dev is not used, so the host tests run
# the code the devices run.  The configuration includes port/lwg_opt.h
# (record sizes, arena statistics), so the archive is per configuration
# and lives beside liblwgrpc.a in $(BUILD).
#
# Its objects must not reference an allocator either: the config sets
# MBEDTLS_PLATFORM_NO_STD_FUNCTIONS + MBEDTLS_PLATFORM_MEMORY, so
# mbedtls_calloc/free are function pointers into the static arena
# (mbedtls_memory_buffer_alloc_init() in lwg_tls_init()).  `make noheap`
# checks these archives too, and so does the TLS unit test.

MBEDTLS_SRC := $(patsubst %/include/mbedtls/ssl.h,%,$(firstword \
                 $(wildcard build/deps/src/mbedtls-*/include/mbedtls/ssl.h)))
MBEDTLS_CFG := toolchain/mbedtls_config.h
# (make passes the quotes through the shell to the compiler)
MBEDTLS_DEFS := -DMBEDTLS_CONFIG_FILE='"$(MBEDTLS_CFG)"'
MBEDTLS_INC  := -I$(MBEDTLS_SRC)/include $(MBEDTLS_DEFS)
MBEDTLS_LIB  := $(BUILD)/libmbedtls_lwg.a
MBEDTLS_OBJDIR := $(BUILD)/mbedtls
# Every file of library/: modules the configuration leaves out compile to
# empty objects, so enabling one in mbedtls_config.h needs no edit here.
MBEDTLS_LIB_SRCS := $(if $(MBEDTLS_SRC),$(wildcard $(MBEDTLS_SRC)/library/*.c))
MBEDTLS_OBJS := $(patsubst $(MBEDTLS_SRC)/library/%.c,$(MBEDTLS_OBJDIR)/%.o,$(MBEDTLS_LIB_SRCS))
# mbedTLS is third-party code: its own warnings are not ours to -Werror.
MBEDTLS_CFLAGS = $(ARCH_CFLAGS) $(OPT_CFLAGS) -std=c99 -Wall \
                 -I. -Iexamples/config/$(CONFIG) \
                 -I$(MBEDTLS_SRC)/library $(MBEDTLS_INC) $(EXTRA_CFLAGS)

# Is LWG_TLS on in this configuration?  Ask the preprocessor, so the
# options header and EXTRA_CFLAGS decide exactly as they do for the code.
LWG_HASH   := \#
LWG_TLS_ON := $(strip $(shell printf '$(LWG_HASH)include "port/lwg_opt.h"\nLWG_TLS\n' | \
                $(CC) $(CFLAGS_RT) -E -P -x c - 2>/dev/null | tail -n 1))

ifeq ($(LWG_TLS_ON),1)
ifeq ($(MBEDTLS_SRC),)
$(error LWG_TLS is 1 but mbedTLS sources are missing: run toolchain/deps.sh srcpkgs)
endif
CFLAGS_RT += $(MBEDTLS_INC)
lib: $(MBEDTLS_LIB)
endif

.PHONY: mbedtls tls-size
mbedtls: $(MBEDTLS_LIB)

$(MBEDTLS_OBJDIR)/%.o: $(MBEDTLS_SRC)/library/%.c $(MBEDTLS_CFG) $(RT_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(MBEDTLS_CFLAGS) -MMD -MP -c $< -o $@

$(MBEDTLS_LIB): $(MBEDTLS_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

-include $(MBEDTLS_OBJS:.o=.d)

# `make noheap` also checks every libmbedtls_lwg.a built so far (the
# archives of the runtime are checked by the Makefile's own rule).
NOHEAP_MBEDTLS_LIBS = $(wildcard $(foreach t,$(TARGETS),build/$(t)/libmbedtls_lwg.a \
                        build/cfg/$(t)/*/libmbedtls_lwg.a))
.PHONY: noheap-mbedtls
noheap: noheap-mbedtls
noheap-mbedtls:
	@fail=0; \
	for lib in $(NOHEAP_MBEDTLS_LIBS); do \
	    t=$${lib#build/}; t=$${t#cfg/}; t=$${t%%/*}; \
	    cross=$$(sed -n 's/^CROSS *:= *//p' toolchain/$$t.mk); \
	    toolchain/check_noheap.sh $$lib $${cross}nm || fail=1; \
	done; \
	exit $$fail

# The TLS sample configuration joins the matrix every target builds
# (`make configs`, tests/run_all.sh).
CONFIGS += server-tls

# ---- size of the TLS layer -------------------------------------------------
# toolchain/mbedtls_size.c links three minimal programs (see its header):
# a TLS client, a TLS server (config + one connection each, pumped like a
# driver does) and a baseline that pumps the same inner link without TLS.
# image - baseline = lwg_tls + the mbedTLS objects it pulls in (flash) and
# the arena + config + connection (RAM).  Results in
# build/size/<target>/<config>/tls_sizes.txt.
TLS_SIZE_DIR  := build/size/$(TARGET)/$(CONFIG)
TLS_SIZE_IMGS := $(addprefix $(TLS_SIZE_DIR)/,tls_client.elf tls_server.elf tls_base.elf)
$(TLS_SIZE_DIR)/tls_client.o: toolchain/mbedtls_size.c $(RT_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_RT) -DLWG_SIZE_TLS_CLIENT -c $< -o $@
$(TLS_SIZE_DIR)/tls_server.o: toolchain/mbedtls_size.c $(RT_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_RT) -DLWG_SIZE_TLS_SERVER -c $< -o $@
$(TLS_SIZE_DIR)/tls_base.o: toolchain/mbedtls_size.c $(RT_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_RT) -c $< -o $@
$(TLS_SIZE_DIR)/tls_%.elf: $(TLS_SIZE_DIR)/tls_%.o $(RT_LIB) $(MBEDTLS_LIB)
	$(CC) $(ARCH_CFLAGS) $< $(RT_LIB) $(MBEDTLS_LIB) $(SIZE_LDFLAGS) \
	    -Wl,-Map=$(@:.elf=.map) -o $@
tls-size: $(TLS_SIZE_IMGS)
	@$(SIZE) $(TLS_SIZE_IMGS) | tee $(TLS_SIZE_DIR)/tls_sizes.txt | \
	    awk '$$6 ~ /tls_base/ { bt = $$1; bd = $$2; bb = $$3 } \
	         NR > 1 { t[NR] = $$1; d[NR] = $$2; b[NR] = $$3; f[NR] = $$6 } \
	         END { for (i = 2; i <= 3; i++) \
	             printf "%s: TLS flash %d bytes (text %d + data %d), RAM %d bytes (arena + config + connection)\n", \
	                    f[i], t[i] - bt + d[i] - bd, t[i] - bt, d[i] - bd, d[i] - bd + b[i] - bb }' \
	    | tee -a $(TLS_SIZE_DIR)/tls_sizes.txt
	@for r in client server; do echo "tls_$$r.elf:"; \
	    awk -f toolchain/mbedtls_size_map.awk $(TLS_SIZE_DIR)/tls_$$r.map; done \
	    | tee -a $(TLS_SIZE_DIR)/tls_sizes.txt
	@$(NM) -S -t d $(TLS_SIZE_DIR)/tls_server.elf | \
	    awk '$$4 ~ /^(config|conn|tls_arena)$$/ { printf "  RAM %-10s %6d bytes\n", $$4, $$2 + 0 }' \
	    | tee -a $(TLS_SIZE_DIR)/tls_sizes.txt
