# RISC-V RV32IMAC (ilp32): Debian's bare riscv64-unknown-elf-gcc has no
# libc of its own; picolibc (picolibc-riscv64-unknown-elf) provides one.
CROSS   := riscv64-unknown-elf-
CC      := $(CROSS)gcc
AR      := $(CROSS)ar
NM      := $(CROSS)nm
SIZE    := $(CROSS)size
ARCH_CFLAGS := -march=rv32imac -mabi=ilp32 -specs=picolibc.specs
OPT_CFLAGS  := -Os -ffunction-sections -fdata-sections
PORT_DIRS   :=
SIZE_LDFLAGS := -Wl,--gc-sections -Wl,--defsym=__flash=0x20000000 -Wl,--defsym=__flash_size=0x100000 -Wl,--defsym=__ram=0x80000000 -Wl,--defsym=__ram_size=0x100000
