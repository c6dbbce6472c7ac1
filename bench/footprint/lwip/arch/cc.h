/* arch/cc.h - lwIP's compiler/platform header for the footprint image
 * (bench/footprint/lwip/lwipopts.h): no diagnostics, little endian. */
#ifndef BENCH_LWIP_ARCH_CC_H
#define BENCH_LWIP_ARCH_CC_H
#include <stdint.h>
#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { for (;;) { } } while (0)
#define LWIP_NO_UNISTD_H        1
#endif
