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

static void certs_make(void)
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
static const cert_file *cert(const char *name)
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

static int64_t wall_clock(void)
{
    return (int64_t)time(NULL);
}

/* A client config trusting `ca` (NULL: none), with an optional client
 * certificate `own` (+ ".key"). */
static void client_config(lwg_tls_config *cfg, const char *ca, const char *own)
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
static void server_config(lwg_tls_config *cfg, const char *own, const char *ca, int mode)
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
static size_t arena_used(size_t *blocks)
{
    lwg_tls_arena_info a;

    lwg_tls_arena_stats(&a);
    if (blocks)
        *blocks = a.blocks;
    return a.used;
}

#endif /* TEST_TLS_UTIL_H */
