# Cortex-M4F (ARMv7E-M, Thumb-2, single-precision FPU): arm-none-eabi-gcc
# with newlib-nano.
CROSS   := arm-none-eabi-
CC      := $(CROSS)gcc
AR      := $(CROSS)ar
NM      := $(CROSS)nm
SIZE    := $(CROSS)size
ARCH_CFLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
OPT_CFLAGS  := -Os -ffunction-sections -fdata-sections
PORT_DIRS   :=
SIZE_LDFLAGS := -specs=nano.specs -specs=nosys.specs -Wl,--gc-sections
