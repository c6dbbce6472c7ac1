/*
 * nghttp2_config.h - the config.h nghttp2's library sources read
 * (HAVE_CONFIG_H) when bench/footprint/footprint.sh builds them for a
 * Cortex-M (newlib, no sockets headers) or the host.
 */
#ifndef BENCH_NGHTTP2_CONFIG_H
#define BENCH_NGHTTP2_CONFIG_H

#include <stdint.h>
#include <sys/types.h>

#define HAVE_TIME_H 1

#if defined(__linux__)
#define HAVE_ARPA_INET_H 1
#define HAVE_NETINET_IN_H 1
#define HAVE_CLOCK_GETTIME 1
#else
/* byte order helpers nghttp2 uses (little-endian Cortex-M / RISC-V) */
static inline uint32_t htonl(uint32_t v) { return __builtin_bswap32(v); }
static inline uint16_t htons(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t ntohl(uint32_t v) { return __builtin_bswap32(v); }
static inline uint16_t ntohs(uint16_t v) { return __builtin_bswap16(v); }
#endif

#endif
