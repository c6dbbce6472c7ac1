# lwgrpc - top-level GNU make build.  Out of tree, under build/<target>/.
#
#   make                        host runtime: build/host/liblwgrpc.a
#   make TARGET=cortex-m4       cross runtime (also cortex-m0plus, rv32imac)
#   make CONFIG=tiny-client     use examples/config/<CONFIG>/lwgrpc_opts.h
#   make test                   everything CI checks (see README)
#   make size                   flash/RAM table, also in build/size.md
#   make fuzz FUZZ_SECONDS=60   run the libFuzzer targets
#   make deps                   install what is missing (toolchain/deps.sh)

TARGET  ?= host
TARGETS := host cortex-m0plus cortex-m4 rv32imac
CROSS_TARGETS := cortex-m0plus cortex-m4 rv32imac
CONFIGS := tiny-client server host

ifeq ($(filter $(TARGET),$(TARGETS)),)
$(error unknown TARGET '$(TARGET)'; use one of: $(TARGETS))
endif
include toolchain/$(TARGET).mk

# The host builds the interop-grade config by default; cross targets the
# device server config.
ifeq ($(TARGET),host)
CONFIG ?= host
BUILD  ?= build/host
else
CONFIG ?= server
BUILD  ?= build/$(TARGET)
endif

WARN_CFLAGS := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Wpointer-arith -Wcast-align -Werror
CFLAGS_RT   := $(ARCH_CFLAGS) $(OPT_CFLAGS) $(WARN_CFLAGS) \
               -I. -Iexamples/config/$(CONFIG) $(EXTRA_CFLAGS)

RT_DIRS := port transport core $(PORT_DIRS)
RT_SRCS := $(foreach d,$(RT_DIRS),$(wildcard $(d)/*.c))
RT_OBJS := $(RT_SRCS:%.c=$(BUILD)/obj/%.o)
RT_LIB  := $(BUILD)/liblwgrpc.a

.PHONY: all lib deps test unit cross configs size noheap fuzz fuzz-smoke \
        demo clean interop h2peer
all: lib
lib: $(RT_LIB)

$(RT_LIB): $(RT_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_RT) -MMD -MP -c $< -o $@

-include $(RT_OBJS:.o=.d)

deps:
	@toolchain/deps.sh

clean:
	rm -rf build/host build/cortex-* build/rv32* build/cfg build/test build/fuzz build/size*

include toolchain/test.mk
include toolchain/size.mk
