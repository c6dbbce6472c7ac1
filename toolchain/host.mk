# Host build (Linux, gcc or clang): the runtime plus the POSIX port.
CC      ?= gcc
AR      := ar
NM      := nm
SIZE    := size
ARCH_CFLAGS :=
OPT_CFLAGS  := -O2 -g
PORT_DIRS   := port/posix
# Linking a size image on the host uses the normal C runtime.
SIZE_LDFLAGS := -Wl,--gc-sections
