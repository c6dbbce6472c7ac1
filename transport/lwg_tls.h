/*
 * lwg_tls.h - TLS (mbedTLS) as a byte-pipe filter between a port driver
 * and any lwg_link, in fixed memory.
 *
 * WHAT IT IS
 *   An lwg_tls_conn wraps an INNER link (plaintext: the lwg_link of a
 *   channel connection or of a server connection, i.e. an HTTP/2
 *   connection) and presents an OUTER link (ciphertext) that the port
 *   driver pumps exactly like any other link (port/lwg_port.h):
 *
 *     driver                 lwg_tls_conn                      inner link
 *     ------                 ------------                      ----------
 *     outer.input(cipher) -> mbedTLS BIO recv reads it in place;
 *                            handshake / mbedtls_ssl_read   -> inner.input(plain)
 *                            plaintext the inner link did not take
 *                            waits in pt[]; no more ciphertext is
 *                            consumed until it does (backpressure)
 *     outer.output()      <- tx[] (ciphertext)  <- BIO send <- mbedtls_ssl_write
 *                                                  <- inner.output(plain)
 *     outer.output_done(n)   frees n bytes of tx[]
 *     outer.tick/next_timeout   forwarded (+ the handshake timeout)
 *     outer.wants_close      TLS failed, peer sent close_notify, or the
 *                            inner link wants to close (our close_notify
 *                            is queued first)
 *     outer.closed(err)   -> the mbedTLS session is freed (its arena memory
 *                            returns), then inner.closed(err) - once
 *
 *   The inner link sees no byte before the handshake has completed and
 *   ALPN selected "h2"; its output (the HTTP/2 preface and SETTINGS) waits
 *   in the inner link until then.  After a failed handshake it never sees
 *   any: outer.input() returns LWG_ECONN, wants_close turns true once the
 *   alert is flushed, and lwg_tls_error() tells why, with a short reason
 *   ("ALPN: peer did not negotiate h2", "certificate verify failed:
 *   expired", "peer alert: unknown_ca", ...).
 *
 * PROTOCOL
 *   TLS 1.2 only: mbedTLS 2.28 (Debian 12) has no production TLS 1.3.
 *   ECDHE-ECDSA / ECDHE-RSA with AES-128/256-GCM and CHACHA20-POLY1305
 *   (toolchain/mbedtls_config.h), what gRPC peers (BoringSSL, OpenSSL, Go)
 *   negotiate.  ALPN "h2" on both sides; a handshake without it fails.
 *   Client: SNI and host name verification against the CA certificates of
 *   the config; server_name_override replaces the name for both (gRPC's
 *   grpc.ssl_target_name_override).  An IP address target sends no SNI
 *   and is matched against the certificate's iPAddress SANs (by lwgrpc:
 *   mbedTLS 2.28 matches DNS names only).  Server: certificate and key
 *   from memory; client certificates none, optional (verified when sent)
 *   or required.
 *   Certificate validity dates are checked against the config's time
 *   source (lwg_tls_config_set_time()); with none, they are not checked -
 *   a device without a clock cannot tell an expired certificate.
 *
 * MEMORY
 *   lwg_tls_conn and lwg_tls_config are placed by the caller (fixed
 *   size).  Everything mbedTLS allocates comes from ONE static arena of
 *   LWG_TLS_ARENA_SIZE bytes inside lwg_tls.c, handed to mbedTLS by
 *   lwg_tls_init() (mbedtls_memory_buffer_alloc_init); nothing calls
 *   malloc.  The arena holds:
 *     - per config: the parsed CA chain, own certificate and key;
 *     - per open connection: the record buffers (LWG_TLS_RECORD_IN and
 *       LWG_TLS_RECORD_OUT) with the cipher state and session, from
 *       lwg_tls_conn_init() until closed()/lwg_tls_conn_free();
 *     - per HANDSHAKING connection, until the handshake ends: the
 *       handshake state, ECDHE and signature temporaries and the peer's
 *       parsed certificate chain.
 *   When the arena is short, lwg_tls_conn_init() returns LWG_ENOMEM or
 *   the handshake fails with "out of TLS memory"; nothing else breaks, and
 *   later handshakes work again (see lwg_tls_config_repair()).
 *
 *   MEASURED (test_tls_filter prints it; x86-64 host, records 16384 in /
 *   4096 out; bytes allocated, plus a 64-byte header per block here, 32
 *   on 32-bit targets, whose pointers also make the blocks a little
 *   smaller):
 *                               peak (blocks)   held after the handshake
 *     RSA-2048     client      27.9 KB (33)      22.4 KB
 *                  server      27.2 KB (30)      22.3 KB
 *     ECDSA P-256  client      25.6 KB (45)      22.4 KB
 *                  server      24.5 KB (37)      22.3 KB
 *     RSA-2048 mTLS client     28.7 KB (39),  server 29.7 KB (33)
 *     ECDSA mTLS   client      26.0 KB (45),  server 26.6 KB (54)
 *   so a connection costs its two record buffers (LWG_TLS_RECORD_IN +
 *   LWG_TLS_RECORD_OUT + ~2 KiB: record overhead, cipher state, session)
 *   for its life and 3-7 KiB more while it handshakes.  Configs (a server
 *   with its key and certificate plus a client with one CA, both): RSA
 *   7.5 KB (the RSA caches are made at set-up), ECDSA 2.6 KB; with client
 *   certificates 15 KB and 5.4 KB.  The smallest arena (by
 *   bisection, headers and fragmentation included) holding the configs
 *   of both roles plus a client and a server handshaking at once: RSA
 *   63 KB, ECDSA 57 KB, RSA with mTLS 78 KB.
 *   The verified peer's identity (subject and DNS SANs) is copied into
 *   the connection (LWG_TLS_PEER_ID_MAX bytes); mbedTLS does not keep the
 *   peer certificate after the handshake.
 *
 * THREADS: none.  One arena and one DRBG per config, used from the one
 *   thread that pumps every connection.
 *
 * Compiled only when LWG_TLS is 1 (port/lwg_opt.h).
 */
#ifndef LWG_TLS_H
#define LWG_TLS_H

#include "port/lwg_port.h"

#if LWG_TLS

#ifndef MBEDTLS_CONFIG_FILE
#define MBEDTLS_CONFIG_FILE "toolchain/mbedtls_config.h"
#endif
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

/* roles */
#define LWG_TLS_CLIENT 0
#define LWG_TLS_SERVER 1

/* server: what to ask of clients */
#define LWG_TLS_CLIENT_CERT_NONE     0  /* not requested                  */
#define LWG_TLS_CLIENT_CERT_OPTIONAL 1  /* requested; verified if sent    */
#define LWG_TLS_CLIENT_CERT_REQUIRED 2  /* no valid certificate: fail     */

/** Seconds since 1970-01-01 UTC, or a negative value while unknown
 *  (e.g. before SNTP answered). */
typedef int64_t (*lwg_tls_time_fn)(void);

/** Shared, read-only after setup: one per role (a client config can serve
 *  every channel, a server config every server connection).  Must outlive
 *  every connection that uses it. */
typedef struct lwg_tls_config {
    mbedtls_ssl_config ssl;
    mbedtls_ctr_drbg_context drbg;   /* seeded from lwg_port_random()   */
    mbedtls_x509_crt ca;             /* trusted CAs (peer verification) */
    mbedtls_x509_crt own_cert;       /* our chain (leaf first)          */
    mbedtls_pk_context own_key;
    const char *server_name_override; /* client; borrowed               */
    lwg_tls_time_fn unix_time;       /* NULL: validity dates unchecked  */
    uint8_t role;                    /* LWG_TLS_CLIENT / LWG_TLS_SERVER */
    uint8_t client_cert;             /* server: LWG_TLS_CLIENT_CERT_*   */
    uint8_t have_ca;
    uint8_t have_own;
    uint8_t inited;
    uint8_t rsa_rewarm;              /* own RSA key's blinding to remake */
} lwg_tls_config;

/* connection states */
#define LWG_TLS_ST_IDLE      0  /* not initialised or freed             */
#define LWG_TLS_ST_HANDSHAKE 1
#define LWG_TLS_ST_OPEN      2  /* inner link connected                 */
#define LWG_TLS_ST_FAILED    3  /* error set; flushing the alert        */
#define LWG_TLS_ST_CLOSED    4  /* transport closed, session freed      */

#define LWG_TLS_REASON_MAX 64

/** One TLS connection.  Caller-placed; the outer link (lwg_tls_conn_link)
 *  is what the driver pumps.  Fields are private. */
typedef struct lwg_tls_conn {
    lwg_link link;                   /* outer: ops = lwg_tls_link_ops   */
    const lwg_link *inner;
    const lwg_tls_config *cfg;
    mbedtls_ssl_context ssl;
    uint8_t state;                   /* LWG_TLS_ST_*                    */
    uint8_t session;                 /* ssl holds arena memory          */
    uint8_t inner_closed;            /* inner.closed() was called       */
    uint8_t inner_failed;            /* inner.input() returned < 0      */
    uint8_t notify_sent;             /* our close_notify is queued      */
    uint8_t peer_notify;             /* the peer's close_notify arrived */
    uint8_t stalled;                 /* inner refused plaintext; wait   */
    uint8_t peer_verified;           /* peer certificate chain verified */
    uint8_t peer_id_cut;             /* some of the identity was dropped*/
    uint8_t alert_sent;              /* last plaintext alert we sent    */
    uint8_t sniff_len;
    uint8_t sniff[4];                /* first bytes from the peer       */
    uint8_t ip_len;                  /* client: target is an IP literal */
    uint8_t ip[16];                  /* ... matched to iPAddress SANs   */
    int error;                       /* first fatal LWG_E... (0: none)  */
    int mbedtls_error;               /* mbedTLS's code for it, if any   */
    uint32_t now_ms;                 /* last time we were told          */
    uint32_t deadline_ms;            /* handshake must end by then      */
    /* the input() call in progress: BIO recv reads from here */
    const uint8_t *in_data;
    size_t in_len;
    size_t in_used;
    size_t wr_pending;               /* mbedtls_ssl_write to complete   */
    size_t max_payload;              /* per record, after handshake     */
    size_t expansion;                /* record overhead                 */
    /* ciphertext for the driver: [tx_off, tx_off + tx_len) */
    size_t tx_off;
    size_t tx_len;
    /* plaintext for the inner link: [pt_off, pt_off + pt_len) */
    size_t pt_off;
    size_t pt_len;
    uint16_t peer_id_len;            /* bytes used in peer_id           */
    uint8_t peer_sans;               /* DNS SANs kept                   */
    char reason[LWG_TLS_REASON_MAX];
#if LWG_TLS_PEER_ID_MAX > 0
    char peer_id[LWG_TLS_PEER_ID_MAX]; /* subject\0 san\0 san\0 ...     */
#endif
    uint8_t pt[LWG_TLS_PLAIN_BUF];
    uint8_t tx[LWG_TLS_TX_BUF];
} lwg_tls_conn;

/* ---- set-up ------------------------------------------------------------- */

/** Hand the static arena to mbedTLS.  Idempotent; lwg_tls_config_init()
 *  calls it.  Returns LWG_OK. */
int lwg_tls_init(void);

/** Initialise a config for `role` (LWG_TLS_CLIENT or LWG_TLS_SERVER, if
 *  compiled in: LWG_TLS_CLIENT_ROLE / LWG_TLS_SERVER_ROLE):
 *  TLS 1.2, our cipher suites, ALPN "h2", CTR_DRBG seeded from
 *  lwg_port_random().  Client: the peer must present a chain to one of the
 *  CAs added and a name matching the connection's server name.  Returns
 *  LWG_OK, LWG_EINVAL (bad role), LWG_EIO (no entropy), LWG_ENOMEM. */
int lwg_tls_config_init(lwg_tls_config *cfg, int role);

/** Add trusted CA certificate(s): PEM (one or more certificates; the
 *  text must end with its NUL and `len` must count it - or pass len 0
 *  for a NUL-terminated string) or one DER certificate.  Parsed into the
 *  arena; `data` is not kept.  LWG_OK, LWG_EINVAL (does not parse),
 *  LWG_ENOMEM (arena full). */
int lwg_tls_config_add_ca(lwg_tls_config *cfg, const uint8_t *data, size_t len);

/** Our certificate (PEM chain, leaf first, or one DER certificate) and
 *  its private key (PEM or DER, PKCS#1/SEC1/PKCS#8, not encrypted); same
 *  length rules as above.  Required for a server; for a client it enables
 *  mutual TLS.  LWG_EINVAL if either does not parse or the key does not
 *  belong to the certificate; LWG_ENOMEM. */
int lwg_tls_config_set_own_cert(lwg_tls_config *cfg,
                                const uint8_t *cert, size_t cert_len,
                                const uint8_t *key, size_t key_len);

/** Server: LWG_TLS_CLIENT_CERT_NONE (default), _OPTIONAL or _REQUIRED.
 *  Client certificates are verified against the config's CAs.
 *  LWG_EINVAL on a client config or a bad mode. */
int lwg_tls_config_set_client_cert(lwg_tls_config *cfg, int mode);

/** Client: verify the server (and send SNI) as `name` instead of each
 *  connection's server name (gRPC's server_host_override, for tests and
 *  IP address targets).  Borrowed: must outlive the config.  NULL: off. */
void lwg_tls_config_set_server_name_override(lwg_tls_config *cfg, const char *name);

/** Time source for certificate validity (NULL: not checked). */
void lwg_tls_config_set_time(lwg_tls_config *cfg, lwg_tls_time_fn unix_time);

/** Release the config's arena memory.  No connection may use it. */
void lwg_tls_config_free(lwg_tls_config *cfg);

/* ---- connections -------------------------------------------------------- */

/** Start a TLS connection over a transport the driver just opened
 *  (client) or accepted (server).  `inner` is the plaintext link (e.g.
 *  lwg_channel_connect()'s or lwg_server_accept()'s), borrowed for the
 *  connection's life.  `server_name` (client; copied) is sent as SNI and
 *  checked against the server's certificate, unless the config has an
 *  override; a server passes NULL.  Allocates the record buffers from the
 *  arena.  Then pump lwg_tls_conn_link(c) instead of `inner`; a client's
 *  ClientHello is ready at once in output().
 *  Returns LWG_OK, LWG_EINVAL (no server name for a client),
 *  LWG_ENOMEM (arena full: close the transport; `inner` was not touched,
 *  call its closed() to release it). */
int lwg_tls_conn_init(lwg_tls_conn *c, const lwg_tls_config *cfg,
                      const lwg_link *inner, const char *server_name,
                      uint32_t now_ms);

/** The outer (ciphertext) link the driver pumps. */
static inline const lwg_link *lwg_tls_conn_link(const lwg_tls_conn *c)
{
    return &c->link;
}

/** Free the mbedTLS session (arena memory) without telling the inner
 *  link.  closed() does this; call it only to abandon a connection that
 *  the driver will never report closed.  Idempotent. */
void lwg_tls_conn_free(lwg_tls_conn *c);

/** The first fatal error: 0 while none, else LWG_EPROTO (handshake or
 *  record failure, verification, ALPN, peer alert, not TLS), LWG_ETIMEOUT
 *  (handshake timeout), LWG_ENOMEM (arena), LWG_ECLOSED/LWG_EIO (the
 *  transport closed during the handshake).  *reason (if reason is not
 *  NULL) gets a short text, "" when none; it lives as long as `c`. */
int lwg_tls_error(const lwg_tls_conn *c, const char **reason);

/** Non-zero once the handshake completed with ALPN h2 (the inner link is
 *  connected). */
int lwg_tls_handshake_done(const lwg_tls_conn *c);

/** The negotiated cipher suite name ("" before the handshake). */
const char *lwg_tls_ciphersuite(const lwg_tls_conn *c);

/** Non-zero when the peer presented a certificate chain that verified
 *  (always, on a client after the handshake; on a server when the client
 *  sent a valid certificate). */
int lwg_tls_peer_verified(const lwg_tls_conn *c);

/** Copy the verified peer's subject, RFC 4514 style like gRPC's
 *  x509_subject ("CN=client,O=Example,C=US"), NUL-terminated, into buf.
 *  Returns its length, LWG_ECLOSED when there is no verified peer,
 *  LWG_ENOMEM when buf is too small (or the subject did not fit
 *  LWG_TLS_PEER_ID_MAX; then nothing is copied). */
int lwg_tls_peer_subject(const lwg_tls_conn *c, char *buf, size_t size);

/** Copy the index-th DNS subject alternative name of the verified peer
 *  into buf.  Returns its length, LWG_EINVAL past the last one,
 *  LWG_ECLOSED when there is no verified peer, LWG_ENOMEM when buf is too
 *  small.  lwg_tls_peer_san_count() says how many were kept;
 *  lwg_tls_peer_id_truncated() whether some did not fit. */
int lwg_tls_peer_san(const lwg_tls_conn *c, unsigned index, char *buf, size_t size);
unsigned lwg_tls_peer_san_count(const lwg_tls_conn *c);
int lwg_tls_peer_id_truncated(const lwg_tls_conn *c);

/** The outer link's operations (ctx = the lwg_tls_conn). */
extern const lwg_link_ops lwg_tls_link_ops;

/* ---- the arena ---------------------------------------------------------- */

typedef struct lwg_tls_arena_info {
    size_t size;         /* LWG_TLS_ARENA_SIZE                           */
    size_t used;         /* bytes allocated now (payload)                */
    size_t blocks;       /* allocations now                              */
    size_t peak;         /* most bytes allocated at once since reset     */
    size_t peak_blocks;
} lwg_tls_arena_info;

/** Arena use.  LWG_OK, or LWG_EINVAL when built without
 *  LWG_TLS_ARENA_STATS (then only `size` is set).  Each block also costs
 *  a header (8 words: 32 bytes on 32-bit targets, 64 on 64-bit hosts). */
int lwg_tls_arena_stats(lwg_tls_arena_info *info);

/** Restart the peak counters (LWG_TLS_ARENA_STATS only). */
void lwg_tls_arena_peak_reset(void);

#endif /* LWG_TLS */
#endif /* LWG_TLS_H */
