# Cortex-M0+ (ARMv6-M, Thumb-1): arm-none-eabi-gcc with newlib-nano.
CROSS   := arm-none-eabi-
CC      := $(CROSS)gcc
AR      := $(CROSS)ar
NM      := $(CROSS)nm
SIZE    := $(CROSS)size
ARCH_CFLAGS := -mcpu=cortex-m0plus -mthumb
OPT_CFLAGS  := -Os -ffunction-sections -fdata-sections
PORT_DIRS   :=
SIZE_LDFLAGS := -specs=nano.specs -specs=nosys.specs -Wl,--gc-sections
