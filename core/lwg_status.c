/*
 * lwg_status.c - gRPC status names, grpc-status parsing and formatting,
 * HTTP and HTTP/2 error mappings.  See lwg_status.h.
 */
#include "core/lwg_status.h"

#include "port/lwg_err.h"

/* Indexed by code; const pointers to literals so the table lives in flash. */
static const char *const status_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

#define STATUS_COUNT ((int)(sizeof status_names / sizeof status_names[0]))

const char *lwg_status_name(int code)
{
    if (code < 0 || code >= STATUS_COUNT)
        return status_names[LWG_STATUS_UNKNOWN];
    return status_names[code];
}

lwg_status_code lwg_status_from_http(uint32_t http_status)
{
    switch (http_status) {
    case 400: /* Bad Request */
    case 431: /* Request Header Fields Too Large */
        return LWG_STATUS_INTERNAL;
    case 401: /* Unauthorized */
        return LWG_STATUS_UNAUTHENTICATED;
    case 403: /* Forbidden */
        return LWG_STATUS_PERMISSION_DENIED;
    case 404: /* Not Found */
        return LWG_STATUS_UNIMPLEMENTED;
    case 429: /* Too Many Requests */
    case 502: /* Bad Gateway */
    case 503: /* Service Unavailable */
    case 504: /* Gateway Timeout */
        return LWG_STATUS_UNAVAILABLE;
    default:  /* including 200 without grpc-status */
        return LWG_STATUS_UNKNOWN;
    }
}

/* HTTP/2 error codes are written as numbers (RFC 9113 §7): core/ takes
 * nothing from transport/. */
lwg_status_code lwg_status_from_h2_error(uint32_t h2_code)
{
    switch (h2_code) {
    case 0x7: /* REFUSED_STREAM */
        return LWG_STATUS_UNAVAILABLE;
    case 0x8: /* CANCEL */
        return LWG_STATUS_CANCELLED;
    case 0xb: /* ENHANCE_YOUR_CALM */
        return LWG_STATUS_RESOURCE_EXHAUSTED;
    case 0xc: /* INADEQUATE_SECURITY */
        return LWG_STATUS_PERMISSION_DENIED;
    default:  /* NO_ERROR .. HTTP_1_1_REQUIRED, and unknown codes */
        return LWG_STATUS_INTERNAL;
    }
}

int lwg_status_parse(const uint8_t *s, size_t n, int *code)
{
    unsigned value = 0;
    size_t i;

    *code = LWG_STATUS_UNKNOWN;
    if (n == 0)
        return LWG_EPROTO;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return LWG_EPROTO;
        /* Saturate just above the last code: stays small, never wraps. */
        if (value < (unsigned)STATUS_COUNT)
            value = value * 10u + (unsigned)(s[i] - '0');
    }
    *code = value < (unsigned)STATUS_COUNT ? (int)value : LWG_STATUS_UNKNOWN;
    return LWG_OK;
}

size_t lwg_status_format(int code, char *buf, size_t n)
{
    size_t len;

    if (code < 0 || code >= STATUS_COUNT)
        code = LWG_STATUS_UNKNOWN;
    len = code >= 10 ? 2u : 1u;
    if (n < len)
        return 0;
    if (len == 2) {
        buf[0] = (char)('0' + code / 10);
        buf[1] = (char)('0' + code % 10);
    } else {
        buf[0] = (char)('0' + code);
    }
    return len;
}
