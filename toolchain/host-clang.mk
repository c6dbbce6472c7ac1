# Host build with clang: same flags and POSIX port as host.mk, its own
# target name so both compilers' builds live side by side
# (build/host-clang/, build/cfg/host-clang/<config>/).
CC      := clang
include toolchain/host.mk
