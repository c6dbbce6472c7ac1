/*
 * lwg_timeout.c - grpc-timeout encode and parse.  See lwg_timeout.h.
 */
#include "core/lwg_timeout.h"

#include "port/lwg_err.h"

#define MAX_VALUE 99999999u /* 8 digits */

/* Units we encode, coarsest first, with their length in milliseconds. */
typedef struct timeout_unit {
    char letter;
    uint32_t ms;
} timeout_unit;

static const timeout_unit encode_units[] = {
    { 'H', 3600000u },
    { 'M', 60000u },
    { 'S', 1000u },
    { 'm', 1u },
};

#define UNIT_COUNT (sizeof encode_units / sizeof encode_units[0])

/* Write value (<= MAX_VALUE) and the unit letter; room checked here. */
static int put_value(uint32_t value, char letter, char *out, size_t out_size)
{
    char digits[LWG_TIMEOUT_MAX_DIGITS];
    size_t n = 0, i;

    do {
        digits[n++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0);
    if (out_size < n + 1)
        return LWG_ENOMEM;
    for (i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = letter;
    return (int)(n + 1);
}

int lwg_timeout_encode(uint32_t ms, char *out, size_t out_size)
{
    size_t i;

    if (ms == 0)
        return put_value(1, 'n', out, out_size);
    /* Coarsest exact representation (always found for ms <= MAX_VALUE). */
    for (i = 0; i < UNIT_COUNT; i++) {
        const timeout_unit *u = &encode_units[i];
        if (ms % u->ms == 0 && ms / u->ms <= MAX_VALUE)
            return put_value(ms / u->ms, u->letter, out, out_size);
    }
    /* Finest unit that fits, rounded up so the deadline is never earlier. */
    for (i = UNIT_COUNT; i-- > 0;) {
        const timeout_unit *u = &encode_units[i];
        uint32_t value = ms / u->ms + (ms % u->ms != 0);
        if (value <= MAX_VALUE)
            return put_value(value, u->letter, out, out_size);
    }
    return LWG_ENOMEM; /* unreachable: 2^32-1 ms is 4294968 S */
}

int lwg_timeout_parse(const uint8_t *s, size_t n, uint64_t *ms)
{
    uint64_t value = 0;
    size_t digits, i;

    if (n < 2 || n - 1 > LWG_TIMEOUT_MAX_DIGITS)
        return LWG_EPROTO;
    digits = n - 1;
    for (i = 0; i < digits; i++) {
        if (s[i] < '0' || s[i] > '9')
            return LWG_EPROTO;
        value = value * 10u + (uint64_t)(s[i] - '0');
    }
    switch (s[digits]) {
    case 'H': value *= 3600000u; break;
    case 'M': value *= 60000u; break;
    case 'S': value *= 1000u; break;
    case 'm': break;
    case 'u': value = (value + 999u) / 1000u; break;
    case 'n': value = (value + 999999u) / 1000000u; break;
    default: return LWG_EPROTO;
    }
    *ms = value;
    return LWG_OK;
}
