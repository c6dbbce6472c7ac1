/*
 * mbedtls_size.c - minimal programs `make tls-size` links to measure what
 * TLS costs (toolchain/mbedtls.mk).  Like size_main.c, each image keeps
 * only the code its main() reaches (--gc-sections):
 *   tls_client.elf  -DLWG_SIZE_TLS_CLIENT: a client config (CA from PEM,
 *                   optional client certificate) and one lwg_tls_conn
 *                   around an inner link, pumped like a driver does
 *   tls_server.elf  -DLWG_SIZE_TLS_SERVER: a server config (certificate
 *                   and key from PEM, client CAs) and one lwg_tls_conn,
 *                   peer identity read
 *   tls_base.elf    neither: the inner link pumped directly
 * image - base = lwg_tls + the mbedTLS objects it pulls in (flash), and
 * the arena + config + connection (RAM).
 */
#include <stddef.h>
#include <stdint.h>

#include "port/lwg_port.h"
#include "toolchain/size_port.h"

#if defined(LWG_SIZE_TLS_CLIENT) || defined(LWG_SIZE_TLS_SERVER)
#include "transport/lwg_tls.h"
#endif

/* read through a volatile so nothing can be optimised away */
static const char *volatile size_pem = "";

/* ---- a stand-in for the HTTP/2 connection ---------------------------------- */

static int in_input(void *ctx, const uint8_t *d, size_t n, uint32_t now)
{
    (void)ctx;
    (void)now;
    size_sink += n ? d[0] : 0u;
    return (int)n;
}
static const uint8_t *in_output(void *ctx, size_t *len)
{
    (void)ctx;
    *len = size_input_len;
    return size_input;
}
static void in_output_done(void *ctx, size_t n) { (void)ctx; size_sink += (uint32_t)n; }
static void in_tick(void *ctx, uint32_t now) { (void)ctx; size_sink += now; }
static uint32_t in_next_timeout(void *ctx, uint32_t now) { (void)ctx; return now; }
static int in_wants_close(void *ctx) { (void)ctx; return (int)(size_sink & 1u); }
static void in_closed(void *ctx, int err) { (void)ctx; size_sink += (uint32_t)err; }

static const lwg_link_ops inner_ops = {
    in_input, in_output, in_output_done, in_tick, in_next_timeout, in_wants_close, in_closed,
};
static const lwg_link inner = { &inner_ops, NULL };

#if defined(LWG_SIZE_TLS_CLIENT) || defined(LWG_SIZE_TLS_SERVER)
static lwg_tls_config config;
static lwg_tls_conn conn;
static const uint8_t *pem(void) { return (const uint8_t *)size_pem; }

int main(void)
{
    const char *reason;

#if defined(LWG_SIZE_TLS_CLIENT)
    lwg_tls_config_init(&config, LWG_TLS_CLIENT);
    lwg_tls_config_add_ca(&config, pem(), 0);
    lwg_tls_config_set_own_cert(&config, pem(), 0, pem(), 0);
    lwg_tls_config_set_server_name_override(&config, size_pem);
    lwg_tls_conn_init(&conn, &config, &inner, "device.example", lwg_port_now_ms());
    size_drive(lwg_tls_conn_link(&conn));
#else
    char id[64];
    lwg_tls_config_init(&config, LWG_TLS_SERVER);
    lwg_tls_config_set_own_cert(&config, pem(), 0, pem(), 0);
    lwg_tls_config_add_ca(&config, pem(), 0);
    lwg_tls_config_set_client_cert(&config, LWG_TLS_CLIENT_CERT_OPTIONAL);
    lwg_tls_conn_init(&conn, &config, &inner, NULL, lwg_port_now_ms());
    size_drive(lwg_tls_conn_link(&conn));
    if (lwg_tls_peer_subject(&conn, id, sizeof id) > 0)
        size_sink += (uint32_t)id[0];
    if (lwg_tls_peer_san(&conn, 0, id, sizeof id) > 0)
        size_sink += (uint32_t)id[0];
#endif
    size_sink += (uint32_t)lwg_tls_error(&conn, &reason);
    size_sink += (uint32_t)reason[0];
    lwg_tls_conn_free(&conn);
    lwg_tls_config_free(&config);
    return (int)(size_sink & 1u);
}
#else /* baseline: the inner link alone */
int main(void)
{
    size_drive(&inner);
    return (int)(size_sink & 1u);
}
#endif
