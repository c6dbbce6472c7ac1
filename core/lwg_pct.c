/*
 * lwg_pct.c - grpc-message percent-encoding.  See lwg_pct.h.
 */
#include "core/lwg_pct.h"

#include <limits.h>

#include "port/lwg_err.h"

static const char hex_upper[] = "0123456789ABCDEF";

static int needs_escape(uint8_t c)
{
    return c < 0x20 || c > 0x7e || c == '%';
}

/* Value of a hex digit, or -1. */
static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

size_t lwg_pct_encoded_len(const uint8_t *in, size_t n)
{
    size_t len = n, i;

    for (i = 0; i < n; i++)
        if (needs_escape(in[i]))
            len += 2;
    return len;
}

int lwg_pct_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    size_t len = lwg_pct_encoded_len(in, n), i, o = 0;

    if (len > out_size || len > (size_t)INT_MAX)
        return LWG_ENOMEM;
    for (i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (needs_escape(c)) {
            out[o++] = '%';
            out[o++] = hex_upper[c >> 4];
            out[o++] = hex_upper[c & 0x0f];
        } else {
            out[o++] = (char)c;
        }
    }
    return (int)len;
}

/* One step of decoding at in[i]: the decoded byte in *c, and the number
 * of input bytes it used (3 for a valid escape, else 1). */
static size_t decode_step(const uint8_t *in, size_t n, size_t i, uint8_t *c)
{
    if (in[i] == '%' && n - i >= 3) {
        int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi >= 0 && lo >= 0) {
            *c = (uint8_t)(hi << 4 | lo);
            return 3;
        }
    }
    *c = in[i];
    return 1;
}

size_t lwg_pct_decoded_len(const uint8_t *in, size_t n)
{
    size_t len = 0, i = 0;
    uint8_t c;

    while (i < n) {
        i += decode_step(in, n, i, &c);
        len++;
    }
    return len;
}

int lwg_pct_decode(const uint8_t *in, size_t n, uint8_t *out, size_t out_size)
{
    size_t len = lwg_pct_decoded_len(in, n), i = 0, o = 0;

    if (len > out_size || len > (size_t)INT_MAX)
        return LWG_ENOMEM;
    while (i < n) {
        uint8_t c;
        i += decode_step(in, n, i, &c);
        out[o++] = c; /* o < i here, so in-place decoding is safe */
    }
    return (int)len;
}
