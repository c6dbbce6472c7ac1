/*
 * lwg_base64.c - unpadded base64 encode, padded-or-not decode.  See
 * lwg_base64.h.
 */
#include "core/lwg_base64.h"

#include <limits.h>

#include "port/lwg_err.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of a base64 character, or -1.  Arithmetic instead of a 256-byte
 * reverse table: smaller in flash, and speed hardly matters for headers. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t lwg_base64_encoded_len(size_t n)
{
    static const uint8_t tail[3] = { 0, 2, 3 };

    return n / 3 * 4 + tail[n % 3];
}

int lwg_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    size_t len = lwg_base64_encoded_len(n), i = 0, o = 0;

    if (len > out_size || len > (size_t)INT_MAX)
        return LWG_ENOMEM;
    for (; n - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
    }
    return (int)len;
}

size_t lwg_base64_decoded_max(size_t n)
{
    static const uint8_t tail[4] = { 0, 0, 1, 2 };

    return n / 4 * 3 + tail[n % 4];
}

/* Characters of data once valid padding is removed, or (size_t)-1 when
 * the length or the padding is wrong.  Checks shape, not the alphabet. */
static size_t data_chars(const uint8_t *in, size_t n)
{
    size_t m = n, pad;

    while (m > 0 && n - m < 2 && in[m - 1] == '=')
        m--;
    pad = n - m;
    if (pad > 0 && (n % 4 != 0 || m % 4 == 0))
        return (size_t)-1; /* padding must complete a partial group */
    if (m % 4 == 1)
        return (size_t)-1; /* a lone character carries under one byte */
    return m;
}

int lwg_base64_decoded_len(const uint8_t *in, size_t n)
{
    size_t m = data_chars(in, n), i, len;

    if (m == (size_t)-1)
        return LWG_EPROTO;
    for (i = 0; i < m; i++)
        if (b64_value(in[i]) < 0)
            return LWG_EPROTO;
    len = lwg_base64_decoded_max(m);
    if (len > (size_t)INT_MAX)
        return LWG_ENOMEM;
    return (int)len;
}

int lwg_base64_decode(const uint8_t *in, size_t n, uint8_t *out,
                      size_t out_size)
{
    int len = lwg_base64_decoded_len(in, n);
    size_t m, i, o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;

    if (len < 0)
        return len;
    if ((size_t)len > out_size)
        return LWG_ENOMEM;
    m = data_chars(in, n);
    for (i = 0; i < m; i++) {
        acc = (acc << 6) | (uint32_t)b64_value(in[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u; /* keep only the unused bits */
        }
    }
    /* Leftover bits (< 8) are the ignored trailing bits. */
    return len;
}
