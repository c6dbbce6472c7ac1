/*
 * test_tls_small_records.c - test_tls_peers.c again, built with 4 KiB
 * records both ways (LWG_TLS_RECORD_IN/OUT 4096, see
 * toolchain/mbedtls_test.mk): our client asks for max_fragment_length
 * 4096, OpenSSL and Debian's grpcio (C-core on OpenSSL) honour it, and a
 * 100 KB gRPC message comes back in 4 KiB records.  A connection then
 * holds ~10 KiB of arena instead of ~22 KiB.  (Our server cannot ask a
 * client for small records: servers keep LWG_TLS_RECORD_IN 16384.)
 */
#include "test_tls_peers.c"

#if LWG_TLS_RECORD_IN >= 16384
#error "test_tls_small_records is built with LWG_TLS_RECORD_IN 4096 (toolchain/mbedtls_test.mk)"
#endif
