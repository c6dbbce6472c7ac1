# lwgrpc - top-level GNU make build.  Out of tree, under build/<target>/.
#
#   make                        host runtime: build/host/liblwgrpc.a
#   make TARGET=cortex-m4       cross runtime (also cortex-m0plus, rv32imac)
#   make TARGET=host-clang      host runtime built with clang
#   make CONFIG=tiny-client     use examples/config/<CONFIG>/lwgrpc_opts.h
#   make configs                every sample config x every target, into
#                               build/cfg/<target>/<config>/liblwgrpc.a
#   make noheap                 no built archive references malloc & co.
#   make test                   everything CI checks (see README)
#   make size                   flash/RAM table, also in build/size.md
#   make fuzz FUZZ_SECONDS=60   run the libFuzzer targets
#   make deps                   install what is missing (toolchain/deps.sh)

TARGET  ?= host
TARGETS := host host-clang cortex-m0plus cortex-m4 rv32imac
HOST_TARGETS  := host host-clang
CROSS_TARGETS := cortex-m0plus cortex-m4 rv32imac
CONFIGS := tiny-client server host

ifeq ($(filter $(TARGET),$(TARGETS)),)
$(error unknown TARGET '$(TARGET)'; use one of: $(TARGETS))
endif
include toolchain/$(TARGET).mk

# The host builds the interop-grade config by default; cross targets the
# device server config.
ifneq ($(filter $(TARGET),$(HOST_TARGETS)),)
CONFIG ?= host
else
CONFIG ?= server
endif
BUILD  ?= build/$(TARGET)

ifeq ($(wildcard examples/config/$(CONFIG)/lwgrpc_opts.h),)
$(error unknown CONFIG '$(CONFIG)'; use one of: $(CONFIGS))
endif

WARN_CFLAGS := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Wpointer-arith -Wcast-align -Werror
# nanopb: the host uses Debian's libnanopb-dev (headers in /usr/include);
# cross targets compile it from Debian's source package, fetched into
# build/deps/src by toolchain/deps.sh srcpkgs.
NANOPB_SRC := $(patsubst %/pb.h,%,$(firstword $(wildcard build/deps/src/nanopb-*/pb.h)))
ifneq ($(filter $(TARGET),$(HOST_TARGETS)),)
NANOPB_CFLAGS :=
else
NANOPB_CFLAGS := -I$(NANOPB_SRC)
endif
CFLAGS_RT   := $(ARCH_CFLAGS) $(OPT_CFLAGS) $(WARN_CFLAGS) \
               -I. -Iexamples/config/$(CONFIG) $(NANOPB_CFLAGS) $(EXTRA_CFLAGS)

RT_DIRS := port transport core $(PORT_DIRS)
RT_SRCS := $(foreach d,$(RT_DIRS),$(wildcard $(d)/*.c))
RT_OBJS := $(RT_SRCS:%.c=$(BUILD)/obj/%.o)
RT_LIB  := $(BUILD)/liblwgrpc.a

# The compiler and flags used for $(BUILD) are kept in $(BUILD)/flags.txt,
# rewritten only when they change (another CONFIG, CC, EXTRA_CFLAGS), and
# every object depends on it: `make CONFIG=x` after `make CONFIG=y` into the
# same directory rebuilds instead of mixing configurations.
RT_FLAGS_FILE := $(BUILD)/flags.txt
RT_FLAGS_NOW  := $(CC) $(CFLAGS_RT)
RT_FLAGS_OLD  := $(if $(wildcard $(RT_FLAGS_FILE)),$(file <$(RT_FLAGS_FILE)))
ifneq ($(filter-out clean distclean deps test print-%,$(or $(MAKECMDGOALS),all)),)
ifneq ($(RT_FLAGS_NOW),$(RT_FLAGS_OLD))
$(shell mkdir -p $(BUILD))
$(file >$(RT_FLAGS_FILE),$(RT_FLAGS_NOW))
endif
endif

.PHONY: all lib deps test unit cross configs size noheap fuzz fuzz-smoke \
        demo clean distclean interop h2peer
all: lib
lib: $(RT_LIB)
include toolchain/mbedtls.mk

$(RT_LIB): $(RT_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# nanopb for the target (cross builds and size images link it; it is the
# application's message library, not part of liblwgrpc.a)
NANOPB_LIB  := $(BUILD)/libnanopb.a
NANOPB_OBJS := $(addprefix $(BUILD)/nanopb/,pb_common.o pb_encode.o pb_decode.o)
$(BUILD)/nanopb/%.o: $(NANOPB_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ARCH_CFLAGS) $(OPT_CFLAGS) -I$(NANOPB_SRC) -c $< -o $@
$(NANOPB_LIB): $(NANOPB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
nanopb: $(NANOPB_LIB)

$(BUILD)/obj/%.o: %.c $(RT_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_RT) -MMD -MP -c $< -o $@

-include $(RT_OBJS:.o=.d)

deps:
	@toolchain/deps.sh

# ---- every sample config x every target ----------------------------------
CFG_TARGETS := $(TARGETS)
CFG_PAIRS   := $(foreach t,$(CFG_TARGETS),$(foreach c,$(CONFIGS),cfg/$(t)/$(c)))
.PHONY: $(CFG_PAIRS)
configs: $(CFG_PAIRS)
$(CFG_PAIRS): cfg/%:
	@$(MAKE) --no-print-directory TARGET=$(firstword $(subst /, ,$*)) \
	    CONFIG=$(lastword $(subst /, ,$*)) BUILD=build/cfg/$* lib

# ---- no heap: no object in any built archive references malloc & co. -----
# The nm of an archive's target comes from that target's toolchain file.
NOHEAP_LIBS = $(wildcard $(foreach t,$(TARGETS),build/$(t)/liblwgrpc.a build/cfg/$(t)/*/liblwgrpc.a))
noheap:
	@fail=0; n=0; \
	for lib in $(NOHEAP_LIBS); do \
	    t=$${lib#build/}; t=$${t#cfg/}; t=$${t%%/*}; \
	    cross=$$(sed -n 's/^CROSS *:= *//p' toolchain/$$t.mk); \
	    toolchain/check_noheap.sh $$lib $${cross}nm || fail=1; n=$$((n+1)); \
	done; \
	[ $$n -gt 0 ] || echo "noheap: no archive built yet (make lib / make configs)"; \
	exit $$fail

# `make -s print-VAR` prints a variable (tests/run_all.sh reads the lists)
print-%:
	@echo $($*)

clean:
	rm -rf build/host build/host-clang build/cortex-* build/rv32* build/cfg \
	       build/test build/fuzz build/size* build/logs
# also the fetched source packages and node modules (toolchain/deps.sh)
distclean:
	rm -rf build

include toolchain/test.mk
include toolchain/size.mk
include toolchain/apps.mk
include bench/bench.mk
