/*
 * lwg_tls_peer.c - what lwg_tls says about its peer: certificate validity
 * dates (mbedTLS is built without a clock), the verified identity
 * (subject + DNS SANs, copied into the connection because mbedTLS does not
 * keep the peer certificate), and short reasons for failures.
 *
 * Formatting is done here by hand (no snprintf): the subject is written
 * RFC 4514 style, most significant RDN last, like gRPC's x509_subject
 * property ("CN=client,O=Example,C=US").
 */
#include "transport/lwg_tls_priv.h"

#if LWG_TLS

#include <string.h>

#include "mbedtls/oid.h"

/* ---- a bounded string writer ------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t size;
    size_t len;
    int ok;                  /* 0 once something did not fit */
} sbuf;

static void put_bytes(sbuf *b, const void *s, size_t n)
{
    if (!b->ok || n > b->size - b->len) {
        b->ok = 0;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_char(sbuf *b, char ch)
{
    put_bytes(b, &ch, 1);
}

static void put_str(sbuf *b, const char *s)
{
    put_bytes(b, s, strlen(s));
}

static void put_uint(sbuf *b, uint32_t v)
{
    char digits[10];
    size_t n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        put_char(b, digits[--n]);
}

static void put_hex_byte(sbuf *b, uint8_t v)
{
    static const char hex[] = "0123456789abcdef";

    put_char(b, hex[v >> 4]);
    put_char(b, hex[v & 15]);
}

/* ---- validity dates ------------------------------------------------------ */

/* Seconds since 1970 to a UTC calendar date (proleptic Gregorian; days
 * to civil date after H. Hinnant's public-domain algorithm). */
static void unix_to_x509_time(int64_t t, mbedtls_x509_time *out)
{
    int64_t days = t / 86400;
    int64_t rem = t % 86400;
    int64_t era, y;
    uint32_t doe, yoe, doy, mp, d, m;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    out->hour = (int)(rem / 3600);
    out->min = (int)(rem % 3600 / 60);
    out->sec = (int)(rem % 60);
    days += 719468;                       /* from 0000-03-01 */
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = (uint32_t)(days - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    out->year = (int)(y + (m <= 2));
    out->mon = (int)m;
    out->day = (int)d;
}

static int x509_time_cmp(const mbedtls_x509_time *a, const mbedtls_x509_time *b)
{
    const int ka[6] = { a->year, a->mon, a->day, a->hour, a->min, a->sec };
    const int kb[6] = { b->year, b->mon, b->day, b->hour, b->min, b->sec };

    for (int i = 0; i < 6; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

/* ---- the subject, RFC 4514 style ----------------------------------------- */

/* most attributes of one name we format; more are dropped (and the
 * identity is marked truncated) */
#define DN_MAX_ATTRS 16

static void put_oid_dotted(sbuf *b, const mbedtls_asn1_buf *oid)
{
    uint32_t v = 0;
    int first = 1;

    for (size_t i = 0; i < oid->len; i++) {
        if (v > (UINT32_MAX >> 7)) {
            b->ok = 0;           /* absurd component: refuse */
            return;
        }
        v = (v << 7) | (oid->p[i] & 0x7f);
        if (oid->p[i] & 0x80)
            continue;
        if (first) {
            uint32_t arc1 = v < 80 ? v / 40 : 2;
            put_uint(b, arc1);
            put_char(b, '.');
            put_uint(b, v - arc1 * 40);
            first = 0;
        } else {
            put_char(b, '.');
            put_uint(b, v);
        }
        v = 0;
    }
}

static int is_string_tag(int tag)
{
    return tag == MBEDTLS_ASN1_UTF8_STRING || tag == MBEDTLS_ASN1_PRINTABLE_STRING ||
           tag == MBEDTLS_ASN1_IA5_STRING || tag == MBEDTLS_ASN1_T61_STRING;
}

static void put_attr(sbuf *b, const mbedtls_x509_name *n)
{
    const char *short_name = NULL;
    const uint8_t *v = n->val.p;
    size_t len = n->val.len;

    if (mbedtls_oid_get_attr_short_name(&n->oid, &short_name) == 0 && short_name)
        put_str(b, short_name);
    else
        put_oid_dotted(b, &n->oid);
    put_char(b, '=');
    if (!is_string_tag(n->val.tag)) {
        /* BMPString and friends: the value bytes as #hex */
        put_char(b, '#');
        for (size_t i = 0; i < len; i++)
            put_hex_byte(b, v[i]);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = v[i];
        if (ch < 0x20 || ch == 0x7f) {
            put_char(b, '\\');
            put_hex_byte(b, ch);
            continue;
        }
        if (strchr(",+\"\\<>;", ch) != NULL || (i == 0 && (ch == ' ' || ch == '#')) ||
            (i + 1 == len && ch == ' '))
            put_char(b, '\\');
        put_char(b, (char)ch);
    }
}

/* Most significant RDN last; attributes of one multi-valued RDN joined
 * with '+'.  Returns 0 if some attributes were dropped. */
static int put_dn(sbuf *b, const mbedtls_x509_name *dn)
{
    const mbedtls_x509_name *items[DN_MAX_ATTRS];
    size_t n = 0;
    int all = 1;

    for (const mbedtls_x509_name *p = dn; p != NULL; p = p->next) {
        if (p->oid.p == NULL)
            continue;
        if (n == DN_MAX_ATTRS) {
            all = 0;
            break;
        }
        items[n++] = p;
    }
    for (size_t end = n; end > 0;) {
        size_t start = end - 1;
        while (start > 0 && items[start - 1]->next_merged)
            start--;
        if (end != n)
            put_char(b, ',');
        for (size_t k = start; k < end; k++) {
            if (k > start)
                put_char(b, '+');
            put_attr(b, items[k]);
        }
        end = start;
    }
    return all;
}

/* ---- identity kept in the connection --------------------------------------- */

void lwg_tls_peer_clear(lwg_tls_conn *c)
{
    c->peer_id_len = 0;
    c->peer_sans = 0;
    c->peer_id_cut = 0;
    c->peer_verified = 0;
}

static void keep_identity(lwg_tls_conn *c, const mbedtls_x509_crt *crt)
{
    lwg_tls_peer_clear(c);
#if LWG_TLS_PEER_ID_MAX > 0
    sbuf b = { c->peer_id, sizeof c->peer_id, 0, 1 };
    const uint8_t dns_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME;

    if (!put_dn(&b, &crt->subject))
        c->peer_id_cut = 1;
    put_char(&b, '\0');
    if (!b.ok) {
        c->peer_id_cut = 1;   /* not even the subject: keep nothing */
        return;
    }
    c->peer_id_len = (uint16_t)b.len;
    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s != NULL; s = s->next) {
        size_t len = s->buf.len;
        if (s->buf.p == NULL || s->buf.tag != dns_tag || len == 0)
            continue;
        /* a name with a NUL in it is no name: skip it */
        if (memchr(s->buf.p, 0, len) != NULL)
            continue;
        if (len + 1 > sizeof c->peer_id - c->peer_id_len || c->peer_sans == UINT8_MAX) {
            c->peer_id_cut = 1;
            continue;
        }
        memcpy(c->peer_id + c->peer_id_len, s->buf.p, len);
        c->peer_id[c->peer_id_len + len] = '\0';
        c->peer_id_len = (uint16_t)(c->peer_id_len + len + 1);
        c->peer_sans++;
    }
#else
    (void)crt;
    c->peer_id_cut = 1;
#endif
}

int lwg_tls_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    lwg_tls_conn *c = ctx;
    lwg_tls_time_fn clock = c->cfg->unix_time;

    if (clock != NULL) {
        int64_t t = clock();
        if (t >= 0) {
            mbedtls_x509_time now;
            unix_to_x509_time(t, &now);
            if (x509_time_cmp(&now, &crt->valid_to) > 0)
                *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
            if (x509_time_cmp(&now, &crt->valid_from) < 0)
                *flags |= MBEDTLS_X509_BADCERT_FUTURE;
        }
    }
    /* the leaf: keep who it is (cleared again if the chain fails) */
    if (depth == 0)
        keep_identity(c, crt);
    if (depth == 0 && c->ip_len) {
        const mbedtls_x509_sequence *san = &crt->subject_alt_names;
        int match = 0;
        if (crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) {
            for (; san != NULL && !match; san = san->next)
                match = san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                         MBEDTLS_X509_SAN_IP_ADDRESS) &&
                        san->buf.len == c->ip_len &&
                        memcmp(san->buf.p, c->ip, c->ip_len) == 0;
        }
        if (!match)
            *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int parse_ipv4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10u + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return 0;
        out[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.')
            return 0;
    }
    return *s == '\0' ? 4 : 0;
}

static int parse_ipv6(const char *s, uint8_t out[16])
{
    uint16_t words[8];
    int n = 0, gap = -1;

    if (s[0] == ':' && s[1] == ':') {
        gap = 0;
        s += 2;
    }
    while (*s != '\0') {
        unsigned v = 0;
        int digits = 0, d;
        while ((d = hex_digit(*s)) >= 0 && digits < 5) {
            v = (v << 4) | (unsigned)d;
            s++;
            digits++;
        }
        if (digits == 0 || digits > 4 || n == 8)
            return 0;
        words[n++] = (uint16_t)v;
        if (*s == '\0')
            break;
        if (*s++ != ':')
            return 0;
        if (*s == ':') {
            if (gap >= 0)
                return 0; /* "::" twice */
            gap = n;
            s++;
            if (*s == '\0')
                break;
        }
    }
    if ((gap < 0 && n != 8) || (gap >= 0 && n > 7))
        return 0;
    memset(out, 0, 16);
    for (int i = 0, o = 0; i < n; i++) {
        if (i == gap)
            o += (8 - n) * 2;
        out[o++] = (uint8_t)(words[i] >> 8);
        out[o++] = (uint8_t)words[i];
    }
    return 16; /* with "::" at the end the zeros are already there */
}

int lwg_tls_parse_ip(const char *s, uint8_t out[16])
{
    if (s == NULL)
        return 0;
    if (strchr(s, ':') != NULL)
        return parse_ipv6(s, out);
    return parse_ipv4(s, out);
}

/* the index-th string of peer_id: 0 = subject, 1.. = SANs */
static int peer_string(const lwg_tls_conn *c, unsigned index, char *buf, size_t size)
{
#if LWG_TLS_PEER_ID_MAX > 0
    size_t off = 0, len;

    if (!c->peer_verified || c->peer_id_len == 0)
        return LWG_ECLOSED;
    if (index > c->peer_sans)
        return LWG_EINVAL;
    for (unsigned i = 0; i < index; i++)
        off += strlen(c->peer_id + off) + 1;
    len = strlen(c->peer_id + off);
    if (buf == NULL || size <= len)
        return LWG_ENOMEM;
    memcpy(buf, c->peer_id + off, len + 1);
    return (int)len;
#else
    (void)c;
    (void)index;
    (void)buf;
    (void)size;
    return LWG_ECLOSED;
#endif
}

int lwg_tls_peer_subject(const lwg_tls_conn *c, char *buf, size_t size)
{
    if (c->peer_verified && c->peer_id_len == 0)
        return LWG_ENOMEM;   /* verified, but the subject did not fit */
    return peer_string(c, 0, buf, size);
}

int lwg_tls_peer_san(const lwg_tls_conn *c, unsigned index, char *buf, size_t size)
{
    if (!c->peer_verified)
        return LWG_ECLOSED;
    if (index >= c->peer_sans)
        return LWG_EINVAL;
    return peer_string(c, index + 1, buf, size);
}

unsigned lwg_tls_peer_san_count(const lwg_tls_conn *c)
{
    return c->peer_verified ? c->peer_sans : 0;
}

int lwg_tls_peer_id_truncated(const lwg_tls_conn *c)
{
    return c->peer_id_cut;
}

int lwg_tls_peer_verified(const lwg_tls_conn *c)
{
    return c->peer_verified;
}

/* ---- reasons ------------------------------------------------------------------ */

void lwg_tls_set_reason(lwg_tls_conn *c, const char *a, const char *b)
{
    sbuf s = { c->reason, sizeof c->reason - 1, 0, 1 };

    if (a)
        put_bytes(&s, a, strlen(a) < s.size ? strlen(a) : s.size);
    if (b) {
        size_t n = strlen(b);
        put_bytes(&s, b, n < s.size - s.len ? n : s.size - s.len);
    }
    c->reason[s.len] = '\0';
}

/* append " (mbedTLS -0x1234)" to the reason */
static void reason_code(lwg_tls_conn *c, int err)
{
    size_t len = strlen(c->reason);
    sbuf s = { c->reason, sizeof c->reason - 1, len, 1 };
    uint32_t v = err < 0 ? (uint32_t)-err : (uint32_t)err;
    static const char hex[] = "0123456789abcdef";

    put_str(&s, " (mbedTLS -0x");
    for (int shift = 12; shift >= 0; shift -= 4)
        put_char(&s, hex[(v >> shift) & 15]);
    put_char(&s, ')');
    if (s.ok)
        c->reason[s.len] = '\0';
    else
        c->reason[len] = '\0';
}

const char *lwg_tls_verify_flag_text(uint32_t f)
{
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return "not trusted (unknown CA)";
    if (f & MBEDTLS_X509_BADCERT_EXPIRED)
        return "expired";
    if (f & MBEDTLS_X509_BADCERT_FUTURE)
        return "not yet valid";
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return "host name mismatch";
    if (f & MBEDTLS_X509_BADCERT_MISSING)
        return "no certificate";
    if (f & MBEDTLS_X509_BADCERT_REVOKED)
        return "revoked";
    if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
             MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
        return "key usage does not allow this use";
    if (f & MBEDTLS_X509_BADCERT_BAD_MD)
        return "weak signature hash";
    if (f & MBEDTLS_X509_BADCERT_BAD_PK)
        return "unsupported key type";
    if (f & MBEDTLS_X509_BADCERT_BAD_KEY)
        return "key too weak";
    if (f & MBEDTLS_X509_BADCERT_SKIP_VERIFY)
        return "not verified";
    return "rejected";
}

const char *lwg_tls_alert_name(unsigned desc)
{
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}

int lwg_tls_is_alloc_error(int err)
{
    uint32_t v = err < 0 ? (uint32_t)-err : 0;
    uint32_t low = v & 0x7f, high = v & ~(uint32_t)0x7f;

    return low == 0x10 /* MPI */ || low == 0x6a /* ASN1 */ ||
           high == 0x7f00 /* SSL */ || high == 0x2880 /* X509 */ ||
           high == 0x4d80 /* ECP */ || high == 0x3f80 /* PK */ ||
           high == 0x6180 /* CIPHER */ || high == 0x5180 /* MD */ ||
           high == 0x1180 /* PEM */;
}

/* Did the peer's first bytes look like TLS at all?  A TLS record starts
 * with a content type 20..23 and version major 3. */
static const char *not_tls_reason(const lwg_tls_conn *c)
{
    if (c->sniff_len == 0)
        return NULL;
    if (c->sniff_len >= 4 && memcmp(c->sniff, "PRI ", 4) == 0)
        return "peer is not speaking TLS (plaintext HTTP/2 preface)";
    if (c->sniff[0] < 20 || c->sniff[0] > 23 || (c->sniff_len >= 2 && c->sniff[1] != 3))
        return "peer is not speaking TLS (plaintext peer?)";
    return NULL;
}

int lwg_tls_explain(lwg_tls_conn *c, int err)
{
    const char *why;

    c->mbedtls_error = err;
    if (lwg_tls_is_alloc_error(err)) {
        lwg_tls_set_reason(c, "out of TLS memory (LWG_TLS_ARENA_SIZE)", NULL);
        return LWG_ENOMEM;
    }
    if (err != MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && (why = not_tls_reason(c)) != NULL) {
        lwg_tls_set_reason(c, why, NULL);
        return LWG_EPROTO;
    }
    if (c->alert_sent == LWG_TLS_ALERT_NO_APP_PROTOCOL) {
        lwg_tls_set_reason(c, "ALPN: peer did not negotiate h2", NULL);
        return LWG_EPROTO;
    }
    switch (err) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: {
        unsigned desc = c->ssl.in_msg != NULL ? c->ssl.in_msg[1] : 255;
        const char *name = lwg_tls_alert_name(desc);
        lwg_tls_set_reason(c, "peer alert: ", name ? name : "unknown");
        if (!name) {
            sbuf s = { c->reason, sizeof c->reason - 1, strlen(c->reason), 1 };
            put_char(&s, ' ');
            put_uint(&s, desc);
            c->reason[s.ok ? s.len : strlen(c->reason)] = '\0';
        }
        return LWG_EPROTO;
    }
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE: {
        uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
        if (flags != 0 && flags != (uint32_t)-1) {
            lwg_tls_set_reason(c, "certificate verify failed: ",
                               lwg_tls_verify_flag_text(flags));
            return LWG_EPROTO;
        }
        lwg_tls_set_reason(c, "bad peer certificate", NULL);
        break;
    }
    case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
        lwg_tls_set_reason(c, "client certificate required but not sent", NULL);
        return LWG_EPROTO;
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
        lwg_tls_set_reason(c, "no CA certificate configured", NULL);
        return LWG_EPROTO;
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
        lwg_tls_set_reason(c, "no shared cipher suite", NULL);
        return LWG_EPROTO;
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
        lwg_tls_set_reason(c, "peer does not speak TLS 1.2", NULL);
        return LWG_EPROTO;
    case MBEDTLS_ERR_SSL_CONN_EOF:
        lwg_tls_set_reason(c, "connection closed during the handshake", NULL);
        return LWG_ECLOSED;
    case MBEDTLS_ERR_SSL_INVALID_MAC:
        lwg_tls_set_reason(c, "bad record MAC", NULL);
        break;
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
        lwg_tls_set_reason(c, "invalid TLS record", NULL);
        break;
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
    case MBEDTLS_ERR_SSL_UNEXPECTED_RECORD:
        lwg_tls_set_reason(c, "unexpected TLS message", NULL);
        break;
    default:
        lwg_tls_set_reason(c, c->state == LWG_TLS_ST_HANDSHAKE ? "handshake failed"
                                                                 : "TLS failure", NULL);
        break;
    }
    reason_code(c, err);
    return LWG_EPROTO;
}

#else
typedef int lwg_tls_peer_unused; /* ISO C: no empty translation unit */
#endif /* LWG_TLS */
