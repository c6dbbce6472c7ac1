/*
 * lwg_tls.c - the TLS filter: an outer (ciphertext) lwg_link around an
 * inner (plaintext) one, pumped through mbedTLS's BIO callbacks.  See
 * lwg_tls.h for the design.
 *
 * How the BIO callbacks stay non-blocking:
 *   recv  reads from the input() call in progress (c->in_data, in place);
 *         when it is used up, or outside input(), MBEDTLS_ERR_SSL_WANT_READ.
 *         mbedTLS keeps a partial record in its own input buffer, so the
 *         driver may feed any split, down to one byte at a time.
 *   send  appends to c->tx (the driver's view); when c->tx is full,
 *         MBEDTLS_ERR_SSL_WANT_WRITE.  During the handshake that simply
 *         pauses it until output_done() makes room.  After it, every
 *         mbedtls_ssl_write() is sized to fit (record expansion included)
 *         and mbedtls_ssl_read() runs only with room for an alert, so a
 *         send never blocks; if it still does, the write is completed by
 *         calling mbedtls_ssl_write() again with the same length, as
 *         mbedTLS requires (c->wr_pending).
 */
#include "transport/lwg_tls_priv.h"

#if LWG_TLS

#include <string.h>

#include "mbedtls/ssl_internal.h"   /* mbedtls_ssl_flush_output() */

/* room kept in tx for an alert record (2 bytes + header + AEAD overhead) */
#define ALERT_ROOM 64

/* ---- BIO ------------------------------------------------------------------ */

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    lwg_tls_conn *c = ctx;
    size_t avail = c->in_len - c->in_used;
    const uint8_t *src = c->in_data + c->in_used;

    if (c->in_data == NULL || avail == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (len > avail)
        len = avail;
    memcpy(buf, src, len);
    c->in_used += len;
    /* remember the connection's first bytes: a plaintext peer shows there */
    for (size_t i = 0; i < len && c->sniff_len < sizeof c->sniff; i++)
        c->sniff[c->sniff_len++] = src[i];
    return (int)len;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    lwg_tls_conn *c = ctx;
    size_t room;

    if (c->tx_off > 0 && sizeof c->tx - c->tx_off - c->tx_len < len) {
        /* the driver has the view only until our next call: compact */
        memmove(c->tx, c->tx + c->tx_off, c->tx_len);
        c->tx_off = 0;
    }
    room = sizeof c->tx - c->tx_off - c->tx_len;
    if (room == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    /* a plaintext alert record (before encryption starts): keep its
     * description, it names the reason of a failing handshake */
    if (len >= 7 && buf[0] == MBEDTLS_SSL_MSG_ALERT && buf[3] == 0 && buf[4] == 2)
        c->alert_sent = buf[6];
    if (len > room)
        len = room;
    memcpy(c->tx + c->tx_off + c->tx_len, buf, len);
    c->tx_len += len;
    return (int)len;
}

static size_t tx_room(const lwg_tls_conn *c)
{
    return sizeof c->tx - c->tx_len;   /* bio_send compacts when needed */
}

/* ---- failure ---------------------------------------------------------------- */

/* Fail the connection: keep the first error, drop pending plaintext.  The
 * alert (if any) is already in tx, or is sent here when mbedTLS did not. */
static void fail(lwg_tls_conn *c, int err, int alert)
{
    if (c->state == LWG_TLS_ST_FAILED || c->state == LWG_TLS_ST_CLOSED)
        return;
    if (c->error == 0)
        c->error = err;
    if (alert != 0 && c->session && tx_room(c) >= ALERT_ROOM)
        (void)mbedtls_ssl_send_alert_message(&c->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             (unsigned char)alert);
    c->state = LWG_TLS_ST_FAILED;
    c->pt_len = c->pt_off = 0;
    c->wr_pending = 0;
    LWG_LOG(LWG_LOG_WARN, "tls: %s", c->reason);
}

/* An mbedTLS call failed with `r`. */
static void fail_mbedtls(lwg_tls_conn *c, int r)
{
    int handshake = c->state == LWG_TLS_ST_HANDSHAKE;
    uint8_t sent = c->alert_sent;
    int err = lwg_tls_explain(c, r);
    int alert = 0;
    uint32_t high = (r < 0 ? (uint32_t)-r : 0) & 0x7f80;

    /* out of memory, or an RSA error (-0x4080..-0x45ff): maybe half way
     * through our own private-key operation */
    if (err == LWG_ENOMEM || (high >= 0x4080 && high <= 0x4580))
        lwg_tls_config_repair(c->cfg);

    /* answer with an alert where mbedTLS did not send one and the peer
     * is a TLS peer still listening */
    if (handshake && sent == 0 && r != MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
        err != LWG_ECLOSED && !(c->sniff_len > 0 && (c->sniff[0] < 20 || c->sniff[0] > 23)))
        alert = LWG_TLS_ALERT_HANDSHAKE_FAILURE;
    fail(c, err, alert);
}

/* ---- handshake ------------------------------------------------------------- */

static void handshake_done(lwg_tls_conn *c)
{
    const char *alpn = mbedtls_ssl_get_alpn_protocol(&c->ssl);
    uint32_t vr = mbedtls_ssl_get_verify_result(&c->ssl);
    int r;

    if (alpn == NULL || strcmp(alpn, "h2") != 0) {
        lwg_tls_set_reason(c, "ALPN: peer did not negotiate h2", NULL);
        fail(c, LWG_EPROTO, LWG_TLS_ALERT_NO_APP_PROTOCOL);
        return;
    }
    if (c->cfg->role == LWG_TLS_SERVER) {
        /* optional client certificates: absent is fine, invalid is not */
        if (c->cfg->client_cert == LWG_TLS_CLIENT_CERT_OPTIONAL && vr != 0 &&
            vr != MBEDTLS_X509_BADCERT_MISSING) {
            lwg_tls_set_reason(c, "certificate verify failed: ", lwg_tls_verify_flag_text(vr));
            fail(c, LWG_EPROTO, LWG_TLS_ALERT_BAD_CERTIFICATE);
            return;
        }
        c->peer_verified = vr == 0 && c->cfg->client_cert != LWG_TLS_CLIENT_CERT_NONE;
    } else {
        c->peer_verified = vr == 0;
    }
    if (!c->peer_verified)
        lwg_tls_peer_clear(c);
    r = mbedtls_ssl_get_record_expansion(&c->ssl);
    c->expansion = r > 0 ? (size_t)r : 64;
    r = mbedtls_ssl_get_max_out_record_payload(&c->ssl);
    c->max_payload = r > 0 ? (size_t)r : 512;
    c->state = LWG_TLS_ST_OPEN;
}

static void handshake_step(lwg_tls_conn *c)
{
    int r = mbedtls_ssl_handshake(&c->ssl);

    if (r == 0)
        handshake_done(c);
    else if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
        fail_mbedtls(c, r);
}

/* ---- after the handshake ------------------------------------------------- */

/* Plaintext from mbedTLS to the inner link.  Returns non-zero on
 * progress. */
static int deliver(lwg_tls_conn *c)
{
    const lwg_link *in = c->inner;
    int progress = 0;

    while (c->state == LWG_TLS_ST_OPEN && !c->inner_failed && !c->peer_notify) {
        int r;

        if (c->pt_len > 0) {
            r = in->ops->input(in->ctx, c->pt + c->pt_off, c->pt_len, c->now_ms);
            if (r < 0) {
                /* the inner link failed (its GOAWAY is in its output) */
                c->inner_failed = 1;
                c->pt_len = c->pt_off = 0;
                return 1;
            }
            if (r > 0)
                progress = 1;
            c->pt_off += (size_t)r;
            c->pt_len -= (size_t)r;
            if (c->pt_len > 0) {
                c->stalled = 1;       /* wait until its output drains */
                break;
            }
            c->pt_off = 0;
        }
        if (tx_room(c) < ALERT_ROOM)
            break;                    /* reading may need to answer */
        r = mbedtls_ssl_read(&c->ssl, c->pt, sizeof c->pt);
        if (r > 0) {
            c->pt_len = (size_t)r;
            progress = 1;
            continue;
        }
        if (r == 0 || r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
            break;
        if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            c->peer_notify = 1;       /* no more data; close */
            progress = 1;
            break;
        }
        fail_mbedtls(c, r);
        return 1;
    }
    return progress;
}

/* The smallest record worth writing when more plaintext is waiting:
 * half of what tx can take, at most 512 bytes (tx empties down to this
 * before a record of that size is made, so writing always resumes). */
static size_t min_record(const lwg_tls_conn *c)
{
    size_t half = (sizeof c->tx - c->expansion) / 2;

    return half < 512 ? half : 512;
}

/* Plaintext from the inner link into records.  Returns non-zero on
 * progress. */
static int encrypt(lwg_tls_conn *c)
{
    const lwg_link *in = c->inner;
    int progress = 0;

    while (c->state == LWG_TLS_ST_OPEN && !c->notify_sent) {
        size_t n, chunk, room = tx_room(c);
        const uint8_t *p;
        int r;

        if (c->wr_pending == 0 && room <= c->expansion)
            break;
        p = in->ops->output(in->ctx, &n);
        if (n == 0)
            break;
        if (c->wr_pending > 0) {
            chunk = c->wr_pending;    /* same call again, as mbedTLS asks */
        } else {
            chunk = room - c->expansion;
            if (chunk > n)
                chunk = n;
            if (chunk > c->max_payload)
                chunk = c->max_payload;
            /* no tiny records while the driver drains tx: wait for room */
            if (chunk < n && chunk < c->max_payload && chunk < min_record(c))
                break;
        }
        r = mbedtls_ssl_write(&c->ssl, p, chunk);
        if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
            c->wr_pending = chunk;
            break;
        }
        if (r < 0) {
            fail_mbedtls(c, r);
            return 1;
        }
        c->wr_pending = 0;
        in->ops->output_done(in->ctx, (size_t)r);
        progress = 1;
    }
    return progress;
}

/* The inner link is done (or the peer said close_notify): say ours once
 * the inner link's output is all out. */
static void maybe_close_notify(lwg_tls_conn *c)
{
    const lwg_link *in = c->inner;
    size_t n = 0;

    if (c->state != LWG_TLS_ST_OPEN || c->notify_sent || c->wr_pending > 0)
        return;
    if (!c->peer_notify && !in->ops->wants_close(in->ctx))
        return;
    if (!c->peer_notify)
        (void)in->ops->output(in->ctx, &n);
    if (n > 0 || tx_room(c) < ALERT_ROOM)
        return;
    if (mbedtls_ssl_close_notify(&c->ssl) == 0)
        c->notify_sent = 1;
}

/* Run everything that can run now (no new input). */
static void pump(lwg_tls_conn *c)
{
    if (c->state == LWG_TLS_ST_HANDSHAKE)
        handshake_step(c);
    if (c->state != LWG_TLS_ST_OPEN)
        return;
    /* a record left half-sent by a call that was not a write */
    if (c->wr_pending == 0 && c->ssl.out_left > 0 &&
        mbedtls_ssl_flush_output(&c->ssl) != 0)
        return;
    for (int rounds = 0; rounds < 64; rounds++) {
        int progress = encrypt(c);
        progress |= deliver(c);
        if (!progress || c->state != LWG_TLS_ST_OPEN)
            break;
    }
    maybe_close_notify(c);
}

/* ---- the outer link ---------------------------------------------------------- */

static int tls_input(void *ctx, const uint8_t *data, size_t len, uint32_t now_ms)
{
    lwg_tls_conn *c = ctx;
    size_t used;

    c->now_ms = now_ms;
    if (c->state == LWG_TLS_ST_FAILED || c->state == LWG_TLS_ST_CLOSED ||
        c->state == LWG_TLS_ST_IDLE)
        return LWG_ECONN;
    if (c->peer_notify)
        return (int)len;              /* after close_notify: nothing counts */
    c->in_data = data;
    c->in_len = len;
    c->in_used = 0;
    c->stalled = 0;
    if (c->state == LWG_TLS_ST_HANDSHAKE)
        handshake_step(c);
    if (c->state == LWG_TLS_ST_OPEN) {
        (void)deliver(c);
        /* what the inner link said in answer, while we are here */
        (void)encrypt(c);
        maybe_close_notify(c);
    }
    used = c->in_used;
    c->in_data = NULL;
    c->in_len = c->in_used = 0;
    if (c->state == LWG_TLS_ST_FAILED || c->inner_failed)
        return LWG_ECONN;
    if (c->peer_notify)
        return (int)len;
    return (int)used;
}

static const uint8_t *tls_output(void *ctx, size_t *len)
{
    lwg_tls_conn *c = ctx;

    if (c->session)
        pump(c);
    *len = c->tx_len;
    return c->tx + c->tx_off;
}

static void tls_output_done(void *ctx, size_t n)
{
    lwg_tls_conn *c = ctx;

    if (n > c->tx_len)
        n = c->tx_len;
    c->tx_off += n;
    c->tx_len -= n;
    if (c->tx_len == 0)
        c->tx_off = 0;
    if (n > 0)
        c->stalled = 0;
}

static void tls_tick(void *ctx, uint32_t now_ms)
{
    lwg_tls_conn *c = ctx;
    const lwg_link *in = c->inner;

    c->now_ms = now_ms;
#if LWG_TLS_HANDSHAKE_TIMEOUT_MS > 0
    if (c->state == LWG_TLS_ST_HANDSHAKE && lwg_time_reached(now_ms, c->deadline_ms)) {
        lwg_tls_set_reason(c, "handshake timeout", NULL);
        fail(c, LWG_ETIMEOUT, 0);
    }
#endif
    if (c->session && c->state == LWG_TLS_ST_OPEN)
        pump(c);
    if (!c->inner_closed)
        in->ops->tick(in->ctx, now_ms);
}

static uint32_t tls_next_timeout(void *ctx, uint32_t now_ms)
{
    lwg_tls_conn *c = ctx;
    const lwg_link *in = c->inner;
    uint32_t t = c->inner_closed ? LWG_NO_TIMEOUT : in->ops->next_timeout(in->ctx, now_ms);

#if LWG_TLS_HANDSHAKE_TIMEOUT_MS > 0
    if (c->state == LWG_TLS_ST_HANDSHAKE) {
        int32_t left = lwg_time_diff(c->deadline_ms, now_ms);
        uint32_t d = left > 0 ? (uint32_t)left : 0;
        if (d < t)
            t = d;
    }
#endif
    /* plaintext (or a decrypted record) waits for the inner link, and
     * something changed since it last refused: try again now */
    if (c->state == LWG_TLS_ST_OPEN && !c->stalled && !c->inner_failed &&
        (c->pt_len > 0 || mbedtls_ssl_get_bytes_avail(&c->ssl) > 0))
        t = 0;
    return t;
}

static int tls_wants_close(void *ctx)
{
    lwg_tls_conn *c = ctx;
    const lwg_link *in = c->inner;

    if (c->state == LWG_TLS_ST_FAILED || c->state == LWG_TLS_ST_CLOSED ||
        c->state == LWG_TLS_ST_IDLE || c->peer_notify)
        return 1;
    return in->ops->wants_close(in->ctx);
}

static void tls_closed(void *ctx, int err)
{
    lwg_tls_conn *c = ctx;
    const lwg_link *in = c->inner;

    if (c->state == LWG_TLS_ST_HANDSHAKE && c->error == 0) {
        lwg_tls_set_reason(c, err < 0 && err != LWG_ECLOSED
                                  ? "transport failed during the handshake"
                                  : "connection closed during the handshake", NULL);
        c->error = err < 0 && err != LWG_ECLOSED ? LWG_EIO : LWG_ECLOSED;
    }
    lwg_tls_conn_free(c);
    c->state = LWG_TLS_ST_CLOSED;
    c->tx_off = c->tx_len = 0;
    if (!c->inner_closed && in != NULL) {
        c->inner_closed = 1;
        in->ops->closed(in->ctx, c->error != 0 ? c->error : err);
    }
}

const lwg_link_ops lwg_tls_link_ops = {
    .input = tls_input,
    .output = tls_output,
    .output_done = tls_output_done,
    .tick = tls_tick,
    .next_timeout = tls_next_timeout,
    .wants_close = tls_wants_close,
    .closed = tls_closed,
};

/* ---- connections ------------------------------------------------------------- */

int lwg_tls_conn_init(lwg_tls_conn *c, const lwg_tls_config *cfg, const lwg_link *inner,
                      const char *server_name, uint32_t now_ms)
{
    int r;

    if (cfg == NULL || !cfg->inited || inner == NULL)
        return LWG_EINVAL;
    if (cfg->role == LWG_TLS_CLIENT) {
        if (cfg->server_name_override != NULL)
            server_name = cfg->server_name_override;
        if (server_name == NULL || server_name[0] == '\0')
            return LWG_EINVAL;
    }
    memset(c, 0, sizeof *c);
    c->link.ops = &lwg_tls_link_ops;
    c->link.ctx = c;
    c->inner = inner;
    c->cfg = cfg;
    c->now_ms = now_ms;
    c->deadline_ms = now_ms + LWG_TLS_HANDSHAKE_TIMEOUT_MS;
    lwg_tls_config_rewarm(cfg);
    mbedtls_ssl_init(&c->ssl);
    r = mbedtls_ssl_setup(&c->ssl, &cfg->ssl);
    if (r == 0 && cfg->role == LWG_TLS_CLIENT) {
        /* an IP address is no host name: no SNI (RFC 6066), and it is
         * matched against iPAddress SANs in the verify callback */
        c->ip_len = (uint8_t)lwg_tls_parse_ip(server_name, c->ip);
        r = mbedtls_ssl_set_hostname(&c->ssl, c->ip_len ? NULL : server_name);
    }
    if (r != 0) {
        mbedtls_ssl_free(&c->ssl);
        c->state = LWG_TLS_ST_IDLE;
        return lwg_tls_is_alloc_error(r) ? LWG_ENOMEM : LWG_EINVAL;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_verify(&c->ssl, lwg_tls_verify_cb, c);
    c->session = 1;
    c->state = LWG_TLS_ST_HANDSHAKE;
    return LWG_OK;
}

void lwg_tls_conn_free(lwg_tls_conn *c)
{
    if (c->session) {
        mbedtls_ssl_free(&c->ssl);
        c->session = 0;
        lwg_tls_config_rewarm(c->cfg);   /* now that memory is back */
    }
}

int lwg_tls_error(const lwg_tls_conn *c, const char **reason)
{
    if (reason != NULL)
        *reason = c->reason;
    return c->error;
}

int lwg_tls_handshake_done(const lwg_tls_conn *c)
{
    return c->max_payload > 0;   /* set once ALPN and verification passed */
}

const char *lwg_tls_ciphersuite(const lwg_tls_conn *c)
{
    const char *name;

    if (!c->session || c->max_payload == 0)
        return "";
    name = mbedtls_ssl_get_ciphersuite(&c->ssl);
    return name ? name : "";
}

#else
typedef int lwg_tls_unused; /* ISO C: no empty translation unit */
#endif /* LWG_TLS */
