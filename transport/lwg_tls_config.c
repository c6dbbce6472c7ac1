/*
 * lwg_tls_config.c - the mbedTLS arena and the shared TLS configurations
 * (mbedtls_ssl_config, DRBG, CA chain, own certificate and key).
 */
#include "transport/lwg_tls_priv.h"

#if LWG_TLS

#include <string.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "mbedtls/rsa.h"

/* ---- the arena ------------------------------------------------------------ */

/* Every mbedTLS allocation of the image comes from here (mbedTLS's
 * allocator is global by design; this is lwgrpc's one piece of global TLS
 * state besides the flag below). */
static _Alignas(8) unsigned char tls_arena[LWG_TLS_ARENA_SIZE];
static uint8_t tls_arena_ready;

int lwg_tls_init(void)
{
    if (!tls_arena_ready) {
        mbedtls_memory_buffer_alloc_init(tls_arena, sizeof tls_arena);
        tls_arena_ready = 1;
    }
    return LWG_OK;
}

int lwg_tls_arena_stats(lwg_tls_arena_info *info)
{
    memset(info, 0, sizeof *info);
    info->size = sizeof tls_arena;
#if LWG_TLS_ARENA_STATS
    if (tls_arena_ready) {
        mbedtls_memory_buffer_alloc_cur_get(&info->used, &info->blocks);
        mbedtls_memory_buffer_alloc_max_get(&info->peak, &info->peak_blocks);
    }
    return LWG_OK;
#else
    return LWG_EINVAL;
#endif
}

void lwg_tls_arena_peak_reset(void)
{
#if LWG_TLS_ARENA_STATS
    mbedtls_memory_buffer_alloc_max_reset();
#endif
}

/* ---- RSA caches, made while the arena is quiet --------------------------------
 *
 * An RSA context caches values on first use: the public operation keeps
 * R^2 mod N (RN), the private one also RP, RQ and the blinding pair
 * Vi/Vf (grown to twice their size by the second operation, which squares
 * them).  Left to the first handshakes, these ~2 KiB of lasting blocks
 * land wherever the arena is free at that moment - between connections'
 * buffers - and fragment it for good.  So they are made here, during
 * set-up, next to the config's other blocks.
 */

/* One operation on a scratch value: 2 (< N) raised to d or e. */
static int rsa_warm(mbedtls_rsa_context *rsa, int private_op, mbedtls_ctr_drbg_context *drbg)
{
    size_t len = mbedtls_rsa_get_len(rsa);
    unsigned char *in = mbedtls_calloc(2, len);
    int r;

    if (in == NULL)
        return MBEDTLS_ERR_MPI_ALLOC_FAILED;
    in[len - 1] = 2;
    r = private_op ? mbedtls_rsa_private(rsa, mbedtls_ctr_drbg_random, drbg, in, in + len)
                   : mbedtls_rsa_public(rsa, in, in + len);
    mbedtls_free(in);
    return r;
}

static int warm_own_key(lwg_tls_config *cfg)
{
    int r = 0;

    /* twice: the first makes the blinding pair, the second squares it,
     * which grows Vi and Vf to their lasting size */
    if (mbedtls_pk_get_type(&cfg->own_key) == MBEDTLS_PK_RSA) {
        r = rsa_warm(mbedtls_pk_rsa(cfg->own_key), 1, &cfg->drbg);
        if (r == 0)
            r = rsa_warm(mbedtls_pk_rsa(cfg->own_key), 1, &cfg->drbg);
    }
    if (r == 0)
        cfg->rsa_rewarm = 0;
    return r;
}

static int warm_cas(lwg_tls_config *cfg)
{
    for (mbedtls_x509_crt *c = &cfg->ca; c != NULL && c->version != 0; c = c->next) {
        if (mbedtls_pk_get_type(&c->pk) == MBEDTLS_PK_RSA) {
            mbedtls_rsa_context *rsa = mbedtls_pk_rsa(c->pk);
            int r = rsa->RN.p == NULL ? rsa_warm(rsa, 0, &cfg->drbg) : 0;
            if (r != 0)
                return r;
        }
    }
    return 0;
}

/* A fresh blinding pair for the own RSA key, written INTO the blocks Vi
 * and Vf already have (no lasting block moves).  mbedTLS makes a fresh
 * pair when Vf is empty: let it, on temporaries, then copy. */
static int reblind(lwg_tls_config *cfg)
{
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(cfg->own_key);
    mbedtls_mpi vi = rsa->Vi, vf = rsa->Vf;   /* keep the blocks */
    int r;

    mbedtls_mpi_init(&rsa->Vi);
    mbedtls_mpi_init(&rsa->Vf);
    r = rsa_warm(rsa, 1, &cfg->drbg);
    if (r == 0 && vf.p != NULL)
        r = mbedtls_mpi_copy(&vi, &rsa->Vi);
    if (r == 0 && vf.p != NULL)
        r = mbedtls_mpi_copy(&vf, &rsa->Vf);
    if (vf.p == NULL && r == 0)
        return 0;                               /* had none: keep these */
    mbedtls_mpi_free(&rsa->Vi);
    mbedtls_mpi_free(&rsa->Vf);
    rsa->Vi = vi;
    rsa->Vf = vf;
    return r;
}

void lwg_tls_config_repair(const lwg_tls_config *cfg)
{
    /* mbedTLS state lives inside the config (like the DRBG's): the
     * object itself is the caller's and writable */
    lwg_tls_config *w = (lwg_tls_config *)cfg;

    if (cfg->have_own && mbedtls_pk_get_type(&w->own_key) == MBEDTLS_PK_RSA)
        w->rsa_rewarm = 1;
}

void lwg_tls_config_rewarm(const lwg_tls_config *cfg)
{
    lwg_tls_config *w = (lwg_tls_config *)cfg;

    if (cfg->rsa_rewarm && reblind(w) == 0)
        w->rsa_rewarm = 0;      /* else: again at the next chance */
}

/* ---- configs ---------------------------------------------------------------- */

/* What we offer in ALPN (mbedTLS keeps the pointer). */
static const char *tls_alpn_h2[] = { "h2", NULL };

/* CTR_DRBG's entropy source: the port's random-bytes hook. */
static int entropy_from_port(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return lwg_port_random(out, len) == LWG_OK ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* mbedTLS result -> LWG_E... for set-up calls */
static int setup_error(int err)
{
    if (err == 0)
        return LWG_OK;
    if (lwg_tls_is_alloc_error(err))
        return LWG_ENOMEM;
    return LWG_EINVAL;
}

/* PEM must be parsed with its terminating NUL counted; 0 means "a C
 * string, count it for me". */
static size_t input_len(const uint8_t *data, size_t len)
{
    return len != 0 ? len : strlen((const char *)data) + 1;
}

/* The max_fragment_length code a client asks for when it cannot take
 * 16 KiB records.  The negotiated length bounds records both ways, and
 * mbedTLS only asks for one its buffers take both ways: the largest code
 * not above the smaller of our two record sizes. */
#define TLS_MFL_BYTES (LWG_TLS_RECORD_IN < LWG_TLS_RECORD_OUT ? LWG_TLS_RECORD_IN \
                                                               : LWG_TLS_RECORD_OUT)
static unsigned char mfl_code(void)
{
#if LWG_TLS_RECORD_IN >= 16384
    return MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
#elif TLS_MFL_BYTES >= 4096
    return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
#elif TLS_MFL_BYTES >= 2048
    return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
#elif TLS_MFL_BYTES >= 1024
    return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
#else
    return MBEDTLS_SSL_MAX_FRAG_LEN_512;
#endif
}

int lwg_tls_config_init(lwg_tls_config *cfg, int role)
{
    static const unsigned char pers[] = "lwgrpc tls";
    int endpoint, r;

    if ((role != LWG_TLS_CLIENT || !LWG_TLS_CLIENT_ROLE) &&
        (role != LWG_TLS_SERVER || !LWG_TLS_SERVER_ROLE))
        return LWG_EINVAL;            /* unknown, or compiled out */
    (void)lwg_tls_init();
    memset(cfg, 0, sizeof *cfg);
    cfg->role = (uint8_t)role;
    mbedtls_ssl_config_init(&cfg->ssl);
    mbedtls_ctr_drbg_init(&cfg->drbg);
    mbedtls_x509_crt_init(&cfg->ca);
    mbedtls_x509_crt_init(&cfg->own_cert);
    mbedtls_pk_init(&cfg->own_key);
    cfg->inited = 1;

    r = mbedtls_ctr_drbg_seed(&cfg->drbg, entropy_from_port, NULL, pers, sizeof pers - 1);
    if (r != 0) {
        lwg_tls_config_free(cfg);
        return r == MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED ? LWG_EIO : setup_error(r);
    }
    endpoint = role == LWG_TLS_SERVER ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT;
    r = mbedtls_ssl_config_defaults(&cfg->ssl, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
    if (r != 0) {
        lwg_tls_config_free(cfg);
        return setup_error(r);
    }
    mbedtls_ssl_conf_rng(&cfg->ssl, mbedtls_ctr_drbg_random, &cfg->drbg);
    mbedtls_ssl_conf_min_version(&cfg->ssl, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&cfg->ssl, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    r = mbedtls_ssl_conf_alpn_protocols(&cfg->ssl, tls_alpn_h2);
    if (r != 0) {
        lwg_tls_config_free(cfg);
        return setup_error(r);
    }
    if (role == LWG_TLS_CLIENT) {
        mbedtls_ssl_conf_authmode(&cfg->ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
        if (mfl_code() != MBEDTLS_SSL_MAX_FRAG_LEN_NONE &&
            (r = mbedtls_ssl_conf_max_frag_len(&cfg->ssl, mfl_code())) != 0) {
            lwg_tls_config_free(cfg);
            return setup_error(r);
        }
    } else {
        mbedtls_ssl_conf_authmode(&cfg->ssl, MBEDTLS_SSL_VERIFY_NONE);
    }
    /* verification runs against cfg->ca, empty until a CA is added: a
     * client without CAs trusts nobody */
    mbedtls_ssl_conf_ca_chain(&cfg->ssl, &cfg->ca, NULL);
    return LWG_OK;
}

int lwg_tls_config_add_ca(lwg_tls_config *cfg, const uint8_t *data, size_t len)
{
    int r;

    if (!cfg->inited || data == NULL)
        return LWG_EINVAL;
    r = mbedtls_x509_crt_parse(&cfg->ca, data, input_len(data, len));
    if (r > 0)
        return LWG_EINVAL;  /* some certificates of the PEM did not parse */
    if (r == 0)
        r = warm_cas(cfg);
    if (r != 0)
        return setup_error(r);
    cfg->have_ca = 1;
    return LWG_OK;
}

int lwg_tls_config_set_own_cert(lwg_tls_config *cfg, const uint8_t *cert, size_t cert_len,
                                const uint8_t *key, size_t key_len)
{
    int r;

    if (!cfg->inited || cert == NULL || key == NULL || cfg->have_own)
        return LWG_EINVAL;
    r = mbedtls_x509_crt_parse(&cfg->own_cert, cert, input_len(cert, cert_len));
    if (r == 0)
        r = mbedtls_pk_parse_key(&cfg->own_key, key, input_len(key, key_len), NULL, 0);
    if (r == 0 && mbedtls_pk_check_pair(&cfg->own_cert.pk, &cfg->own_key) != 0)
        r = MBEDTLS_ERR_PK_BAD_INPUT_DATA;   /* the key is not the certificate's */
    if (r == 0)
        r = mbedtls_ssl_conf_own_cert(&cfg->ssl, &cfg->own_cert, &cfg->own_key);
    if (r == 0)
        r = warm_own_key(cfg);
    if (r != 0) {
        mbedtls_x509_crt_free(&cfg->own_cert);
        mbedtls_pk_free(&cfg->own_key);
        mbedtls_x509_crt_init(&cfg->own_cert);
        mbedtls_pk_init(&cfg->own_key);
        return r > 0 ? LWG_EINVAL : setup_error(r);
    }
    cfg->have_own = 1;
    return LWG_OK;
}

int lwg_tls_config_set_client_cert(lwg_tls_config *cfg, int mode)
{
    static const int authmode[] = {
        [LWG_TLS_CLIENT_CERT_NONE] = MBEDTLS_SSL_VERIFY_NONE,
        [LWG_TLS_CLIENT_CERT_OPTIONAL] = MBEDTLS_SSL_VERIFY_OPTIONAL,
        [LWG_TLS_CLIENT_CERT_REQUIRED] = MBEDTLS_SSL_VERIFY_REQUIRED,
    };

    if (!cfg->inited || cfg->role != LWG_TLS_SERVER || mode < 0 ||
        mode > LWG_TLS_CLIENT_CERT_REQUIRED)
        return LWG_EINVAL;
    cfg->client_cert = (uint8_t)mode;
    mbedtls_ssl_conf_authmode(&cfg->ssl, authmode[mode]);
    return LWG_OK;
}

void lwg_tls_config_set_server_name_override(lwg_tls_config *cfg, const char *name)
{
    cfg->server_name_override = name;
}

void lwg_tls_config_set_time(lwg_tls_config *cfg, lwg_tls_time_fn unix_time)
{
    cfg->unix_time = unix_time;
}

void lwg_tls_config_free(lwg_tls_config *cfg)
{
    if (!cfg->inited)
        return;
    mbedtls_ssl_config_free(&cfg->ssl);   /* also the own-cert list node */
    mbedtls_ctr_drbg_free(&cfg->drbg);
    mbedtls_x509_crt_free(&cfg->ca);
    mbedtls_x509_crt_free(&cfg->own_cert);
    mbedtls_pk_free(&cfg->own_key);
    memset(cfg, 0, sizeof *cfg);
}

#else
typedef int lwg_tls_config_unused; /* ISO C: no empty translation unit */
#endif /* LWG_TLS */
