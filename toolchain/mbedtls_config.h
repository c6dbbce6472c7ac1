/*
 * toolchain/mbedtls_config.h - lwgrpc's mbedTLS 2.28 configuration.
 *
 * Used as MBEDTLS_CONFIG_FILE for the mbedTLS library built from Debian's
 * source package (toolchain/mbedtls.mk -> $(BUILD)/libmbedtls_lwg.a) and
 * for transport/lwg_tls.c, which includes mbedTLS headers.  Both MUST see
 * the same file: mbedTLS structures and buffer sizes depend on it.
 *
 * What it gives, and why:
 *   - TLS 1.2 client and server, stream transport only (no DTLS).
 *     mbedTLS 2.28 has no production TLS 1.3 (its 1.3 code is an
 *     experimental prototype), so 1.3 is not enabled.
 *   - Key exchanges gRPC peers negotiate: ECDHE-ECDSA and ECDHE-RSA, with
 *     AES-GCM (128/256) and CHACHA20-POLY1305.  Those are what BoringSSL
 *     (gRPC C-core, grpcio), OpenSSL (grpc-js/Node, grpc-java's tcnative)
 *     and Go offer for TLS 1.2.  Curves: X25519, P-256, P-384.  RSA
 *     certificates up to 4096 bits, ECDSA P-256/P-384 certificates.
 *   - X.509 chain verification, PEM and DER, SNI, ALPN (gRPC needs "h2"),
 *     max_fragment_length (a client may ask for smaller records).
 *   - MEMORY: every allocation comes from a static arena
 *     (MBEDTLS_MEMORY_BUFFER_ALLOC_C); MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
 *     keeps the library from referencing calloc/free (or printf, exit,
 *     time) at all.  lwg_tls_init() hands the arena to mbedTLS.
 *   - No threads, no file system, no sockets, no clock (MBEDTLS_HAVE_TIME
 *     off): certificate validity is checked by lwg_tls.c against the time
 *     source the application gives (lwg_tls_config_set_time()).
 *   - No entropy module: lwg_tls.c seeds CTR_DRBG from the port's
 *     lwg_port_random() hook.
 *   - Small RAM choices: AES tables in flash and fewer of them, RSA and ECP
 *     window sizes 2, no fixed-point ECP tables, peer certificates not kept
 *     after the handshake (lwg_tls.c copies the identity it needs).
 *
 * Record buffers come from lwgrpc's options (port/lwg_opt.h):
 *   MBEDTLS_SSL_IN_CONTENT_LEN  = LWG_TLS_RECORD_IN
 *   MBEDTLS_SSL_OUT_CONTENT_LEN = LWG_TLS_RECORD_OUT
 * so the library is built per lwgrpc configuration (into $(BUILD)).
 */
#ifndef LWG_MBEDTLS_CONFIG_H
#define LWG_MBEDTLS_CONFIG_H

#include "port/lwg_opt.h"

/* ---- system support -------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
/* no MBEDTLS_HAVE_TIME / MBEDTLS_HAVE_TIME_DATE: see the header comment */

#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* 8, not the default 4: arena blocks hold pointers and 64-bit limbs on
 * 64-bit hosts; on 32-bit targets it costs at most 4 bytes a block. */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8
#if LWG_TLS_ARENA_STATS
#define MBEDTLS_MEMORY_DEBUG        /* peak-use counters (test builds)   */
#endif
/* The arena allocator calls exit() when it finds its own bookkeeping
 * corrupted; there is no exit() on a device: trap (a fault, a reset). */
#define MBEDTLS_PLATFORM_EXIT_MACRO(status) __builtin_trap()
/* ... and prints why with fprintf(stderr): nowhere to print to. */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...) ((void)0)
/* snprintf is only used by text formatters lwgrpc does not call
 * (mbedtls_x509_dn_gets, *_info, mbedtls_strerror); --gc-sections drops
 * them.  lwg_tls.c formats names itself. */
#include <stdio.h>
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO  snprintf
#define MBEDTLS_PLATFORM_VSNPRINTF_MACRO vsnprintf

/* ---- crypto feature choices --------------------------------------------- */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
/* no MBEDTLS_CIPHER_MODE_CBC: no CBC suites, no encrypted PEM keys */
#define MBEDTLS_REMOVE_ARC4_CIPHERSUITES
#define MBEDTLS_REMOVE_3DES_CIPHERSUITES
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_LEGACY_CONTEXT
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED

/* ---- TLS feature choices ------------------------------------------------- */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
/* no renegotiation, session tickets, session cache, DTLS, CID, context
 * serialisation; MBEDTLS_SSL_KEEP_PEER_CERTIFICATE off (lwg_tls.c keeps
 * the verified peer's subject and SANs in its own fixed buffer) */
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

/* ---- modules ------------------------------------------------------------ */
#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C        /* ECDSA signatures                  */
#define MBEDTLS_BASE64_C            /* PEM                               */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_RSA_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C            /* SHA-384 suites and signatures     */
#if LWG_TLS_CLIENT_ROLE
#define MBEDTLS_SSL_CLI_C
#endif
#if LWG_TLS_SERVER_ROLE
#define MBEDTLS_SSL_SRV_C
#endif
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- sizes ---------------------------------------------------------------- */
#define MBEDTLS_SSL_IN_CONTENT_LEN  LWG_TLS_RECORD_IN
#define MBEDTLS_SSL_OUT_CONTENT_LEN LWG_TLS_RECORD_OUT
#define MBEDTLS_MPI_MAX_SIZE        512     /* RSA-4096                  */
#define MBEDTLS_MPI_WINDOW_SIZE     2       /* RAM over speed            */
#define MBEDTLS_ECP_MAX_BITS        384
#define MBEDTLS_ECP_WINDOW_SIZE     2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 4

/* What we offer, best first: AEAD only, forward secrecy only. */
#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

#include "mbedtls/check_config.h"

#endif /* LWG_MBEDTLS_CONFIG_H */
