/*
 * test_tls_util.h - shared by the TLS unit tests (tests/unit/test_tls_*.c):
 * test certificates (made by tests/certs/make_certs.sh into build/certs,
 * or $LWG_CERTS_DIR), config set-up, a wall clock, the arena.
 */
#ifndef TEST_TLS_UTIL_H
#define TEST_TLS_UTIL_H

#include "lwg_test.h"
#include "transport/lwg_tls.h"
#include "mbedtls/memory_buffer_alloc.h"

#include <stdlib.h>
#include <time.h>

/* one certificate or key file, NUL-terminated (PEM wants its NUL) */
typedef struct cert_file {
    char name[32];
    uint8_t *data;
    size_t len;                /* including the NUL */
} cert_file;

#define CERT_FILES_MAX 32
static cert_file cert_files[CERT_FILES_MAX];
static const char *certs_dir;

static inline void certs_make(void)
{
    char cmd[512];

    certs_dir = getenv("LWG_CERTS_DIR");
    if (certs_dir == NULL)
        certs_dir = "build/certs";
    snprintf(cmd, sizeof cmd, "tests/certs/make_certs.sh '%s'", certs_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make test certificates (%s)\n", cmd);
        exit(2);
    }
}

/* Contents of certs_dir/name (cached; the program's lifetime). */
static inline const cert_file *cert(const char *name)
{
    char path[512];
    FILE *f;
    long n;
    int i;

    for (i = 0; i < CERT_FILES_MAX && cert_files[i].data != NULL; i++)
        if (strcmp(cert_files[i].name, name) == 0)
            return &cert_files[i];
    if (i == CERT_FILES_MAX) {
        fprintf(stderr, "too many certificate files\n");
        exit(2);
    }
    snprintf(path, sizeof path, "%s/%s", certs_dir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    cert_files[i].data = calloc(1, (size_t)n + 1);
    if (cert_files[i].data == NULL || fread(cert_files[i].data, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    snprintf(cert_files[i].name, sizeof cert_files[i].name, "%s", name);
    /* DER has no NUL; PEM is counted with it */
    cert_files[i].len = (size_t)n + (strstr(name, ".der") ? 0 : 1);
    return &cert_files[i];
}

static inline int64_t wall_clock(void)
{
    return (int64_t)time(NULL);
}

/* A client config trusting `ca` (NULL: none), with an optional client
 * certificate `own` (+ ".key"). */
static inline void client_config(lwg_tls_config *cfg, const char *ca, const char *own)
{
    char pem[64], key[64];

    CHECK_EQ(lwg_tls_config_init(cfg, LWG_TLS_CLIENT), LWG_OK);
    lwg_tls_config_set_time(cfg, wall_clock);
    if (ca) {
        const cert_file *f = cert(ca);
        CHECK_EQ(lwg_tls_config_add_ca(cfg, f->data, f->len), LWG_OK);
    }
    if (own) {
        snprintf(pem, sizeof pem, "%s.pem", own);
        snprintf(key, sizeof key, "%s.key", own);
        CHECK_EQ(lwg_tls_config_set_own_cert(cfg, cert(pem)->data, cert(pem)->len,
                                             cert(key)->data, cert(key)->len), LWG_OK);
    }
}

/* A server config with certificate `own` (+ ".pem"/".key"), trusting
 * `ca` for client certificates (NULL: none), asking for them per `mode`. */
static inline void server_config(lwg_tls_config *cfg, const char *own, const char *ca, int mode)
{
    char pem[64], key[64];

    CHECK_EQ(lwg_tls_config_init(cfg, LWG_TLS_SERVER), LWG_OK);
    lwg_tls_config_set_time(cfg, wall_clock);
    snprintf(pem, sizeof pem, "%s.pem", own);
    snprintf(key, sizeof key, "%s.key", own);
    CHECK_EQ(lwg_tls_config_set_own_cert(cfg, cert(pem)->data, cert(pem)->len,
                                         cert(key)->data, cert(key)->len), LWG_OK);
    if (ca) {
        const cert_file *f = cert(ca);
        CHECK_EQ(lwg_tls_config_add_ca(cfg, f->data, f->len), LWG_OK);
    }
    CHECK_EQ(lwg_tls_config_set_client_cert(cfg, mode), LWG_OK);
}

/* Bytes and blocks allocated in the arena now. */
static inline size_t arena_used(size_t *blocks)
{
    lwg_tls_arena_info a;

    lwg_tls_arena_stats(&a);
    if (blocks)
        *blocks = a.blocks;
    return a.used;
}

/* ---- an inner link standing in for HTTP/2: a source or an echo --------------- */

#define INNER_OBUF 8192

typedef struct inner {
    int echo;                  /* input goes back out                   */
    size_t accept_max;         /* take at most this per input() (0: all)*/
    const uint8_t *src;        /* bytes to send                         */
    size_t src_len, src_pos;
    uint8_t obuf[INNER_OBUF];  /* output waiting                        */
    size_t olen;
    uint8_t *rx;               /* what came in                          */
    size_t rx_cap, rx_len;
    unsigned input_calls;
    int want_close;
    int closed_calls, closed_err;
} inner;

static inline int in_input(void *ctx, const uint8_t *d, size_t n, uint32_t now)
{
    inner *in = ctx;

    (void)now;
    in->input_calls++;
    if (in->accept_max && n > in->accept_max)
        n = in->accept_max;
    if (in->echo && n > INNER_OBUF - in->olen)
        n = INNER_OBUF - in->olen;
    if (in->rx) {
        if (n > in->rx_cap - in->rx_len)
            return LWG_ECONN;
        memcpy(in->rx + in->rx_len, d, n);
        in->rx_len += n;
    }
    if (in->echo) {
        memcpy(in->obuf + in->olen, d, n);
        in->olen += n;
    }
    return (int)n;
}

static inline const uint8_t *in_output(void *ctx, size_t *len)
{
    inner *in = ctx;

    if (in->src && in->src_pos < in->src_len && in->olen < INNER_OBUF) {
        size_t k = in->src_len - in->src_pos;
        if (k > INNER_OBUF - in->olen)
            k = INNER_OBUF - in->olen;
        memcpy(in->obuf + in->olen, in->src + in->src_pos, k);
        in->olen += k;
        in->src_pos += k;
    }
    *len = in->olen;
    return in->obuf;
}

static inline void in_output_done(void *ctx, size_t n)
{
    inner *in = ctx;

    memmove(in->obuf, in->obuf + n, in->olen - n);
    in->olen -= n;
}

static inline void in_tick(void *ctx, uint32_t now) { (void)ctx; (void)now; }
static inline uint32_t in_next_timeout(void *ctx, uint32_t now) { (void)ctx; (void)now; return LWG_NO_TIMEOUT; }

static inline int in_wants_close(void *ctx)
{
    inner *in = ctx;
    return in->want_close && in->olen == 0 && (!in->src || in->src_pos == in->src_len);
}

static inline void in_closed(void *ctx, int err)
{
    inner *in = ctx;
    in->closed_calls++;
    in->closed_err = err;
}

static const lwg_link_ops inner_ops __attribute__((unused)) = {
    in_input, in_output, in_output_done, in_tick, in_next_timeout, in_wants_close, in_closed,
};

#endif /* TEST_TLS_UTIL_H */
