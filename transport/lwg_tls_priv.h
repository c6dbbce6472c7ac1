/*
 * lwg_tls_priv.h - internals shared by lwg_tls.c (the filter),
 * lwg_tls_config.c (arena, configs) and lwg_tls_peer.c (verification,
 * identity, error reasons).  Not for users.
 */
#ifndef LWG_TLS_PRIV_H
#define LWG_TLS_PRIV_H

#include "transport/lwg_tls.h"

#if LWG_TLS

/* TLS alert descriptions we send ourselves (RFC 5246 7.2) */
#define LWG_TLS_ALERT_HANDSHAKE_FAILURE 40
#define LWG_TLS_ALERT_BAD_CERTIFICATE   42
#define LWG_TLS_ALERT_NO_APP_PROTOCOL  120

/** mbedTLS verify callback (per connection, ctx = lwg_tls_conn): checks
 *  validity dates against the config's clock, matches an IP address
 *  target against the leaf's iPAddress SANs, and keeps the leaf's
 *  subject and DNS SANs in c->peer_id. */
int lwg_tls_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

/** Forget the peer identity kept so far. */
void lwg_tls_peer_clear(lwg_tls_conn *c);

/** c->reason = a + b (each may be NULL), cut to fit. */
void lwg_tls_set_reason(lwg_tls_conn *c, const char *a, const char *b);

/** Why verification failed, from mbedTLS verify flags ("expired", ...). */
const char *lwg_tls_verify_flag_text(uint32_t flags);

/** Name of a TLS alert description ("unknown_ca"); NULL if unknown. */
const char *lwg_tls_alert_name(unsigned desc);

/** Explain a failed handshake or record operation: sets c->reason and
 *  returns the LWG_E... class for the mbedTLS error `err`. */
int lwg_tls_explain(lwg_tls_conn *c, int err);

/** After a handshake failed for lack of memory (or in an RSA operation):
 *  the RSA blinding values cached in the config's own key may be
 *  inconsistent.  mbedTLS 2.28 updates them in place (Vi, then Vf); an
 *  allocation failure in between leaves them so, and every later
 *  signature fails its own check (MBEDTLS_ERR_RSA_VERIFY_FAILED): one
 *  exhausted arena would disable an RSA server (or mTLS client) until its
 *  config is rebuilt.  repair() marks the key; rewarm() - called when a
 *  connection frees its buffers and before a new one takes them - makes
 *  a fresh pair on temporaries and copies it into the existing blocks, so
 *  nothing lasting moves in the arena. */
void lwg_tls_config_repair(const lwg_tls_config *cfg);
void lwg_tls_config_rewarm(const lwg_tls_config *cfg);

/** Non-zero for mbedTLS errors that mean "the arena is full". */
int lwg_tls_is_alloc_error(int err);

/** Parse an IPv4 dotted quad or an IPv6 address (with "::", no zone)
 *  into out; returns 4, 16, or 0 when `s` is not an IP literal. */
int lwg_tls_parse_ip(const char *s, uint8_t out[16]);

#endif /* LWG_TLS */

#endif /* LWG_TLS_PRIV_H */
