# Host build (Linux, gcc or clang): the runtime plus the POSIX port.
# gcc unless CC is given (make's built-in default `cc` does not count).
ifeq ($(origin CC),default)
CC      := gcc
endif
AR      := ar
NM      := nm
SIZE    := size
ARCH_CFLAGS :=
OPT_CFLAGS  := -O2 -g
PORT_DIRS   := port/posix
# Linking a size image on the host uses the normal C runtime.
SIZE_LDFLAGS := -Wl,--gc-sections
