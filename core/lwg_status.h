/*
 * lwg_status.h - gRPC status codes: names, the grpc-status header value,
 * and the status a client synthesises from an HTTP status or an HTTP/2
 * RST_STREAM code.
 *
 * Pure functions: no I/O, no state, nothing allocated.  Everything a
 * function returns is either a copy or a pointer to a string literal that
 * lives for the whole program (in flash on a microcontroller).
 *
 * References: grpc/grpc doc/statuscodes.md (the codes),
 * doc/PROTOCOL-HTTP2.md (grpc-status syntax, RST_STREAM mapping),
 * doc/http-grpc-status-mapping.md (HTTP status mapping).
 */
#ifndef LWG_STATUS_H
#define LWG_STATUS_H

#include <stddef.h>
#include <stdint.h>

/** The gRPC status codes.  The numbers are the wire values of grpc-status
 *  and must never change. */
typedef enum lwg_status_code {
    LWG_STATUS_OK                  = 0,
    LWG_STATUS_CANCELLED           = 1,
    LWG_STATUS_UNKNOWN             = 2,
    LWG_STATUS_INVALID_ARGUMENT    = 3,
    LWG_STATUS_DEADLINE_EXCEEDED   = 4,
    LWG_STATUS_NOT_FOUND           = 5,
    LWG_STATUS_ALREADY_EXISTS      = 6,
    LWG_STATUS_PERMISSION_DENIED   = 7,
    LWG_STATUS_RESOURCE_EXHAUSTED  = 8,
    LWG_STATUS_FAILED_PRECONDITION = 9,
    LWG_STATUS_ABORTED             = 10,
    LWG_STATUS_OUT_OF_RANGE        = 11,
    LWG_STATUS_UNIMPLEMENTED       = 12,
    LWG_STATUS_INTERNAL            = 13,
    LWG_STATUS_UNAVAILABLE         = 14,
    LWG_STATUS_DATA_LOSS           = 15,
    LWG_STATUS_UNAUTHENTICATED     = 16
} lwg_status_code;

/** Not a status: what a generated unary handler returns when it answers
 *  the call itself (now or later) with lwg_call_finish(). */
#define LWG_STATUS_ASYNC (-100)

/** Bytes lwg_status_format() needs at most ("16"); no terminator. */
#define LWG_STATUS_FORMAT_MAX 2

/** The canonical upper-case name of `code` ("OK", "CANCELLED", ...,
 *  "UNAUTHENTICATED"); "UNKNOWN" for any value outside 0..16.  The
 *  string is a literal: never NULL, never freed, valid forever. */
const char *lwg_status_name(int code);

/** The status a client reports when a response carried HTTP status
 *  `http_status` and no grpc-status (doc/http-grpc-status-mapping.md):
 *    400, 431           -> INTERNAL
 *    401                -> UNAUTHENTICATED
 *    403                -> PERMISSION_DENIED
 *    404                -> UNIMPLEMENTED
 *    429, 502, 503, 504 -> UNAVAILABLE
 *    anything else      -> UNKNOWN
 *  200 also maps to UNKNOWN: a real success carries grpc-status 0, so a
 *  200 response without grpc-status is an unknown failure.  1xx responses
 *  are informational and should have been skipped by the transport; if
 *  passed here they give UNKNOWN like any other unlisted code.  Use this
 *  only when grpc-status is absent; if present it always wins. */
lwg_status_code lwg_status_from_http(uint32_t http_status);

/** The status a client reports when the server reset the stream with
 *  RST_STREAM(h2_code) (doc/PROTOCOL-HTTP2.md, "Errors"):
 *    CANCEL (0x8)              -> CANCELLED
 *    REFUSED_STREAM (0x7)      -> UNAVAILABLE (nothing was processed)
 *    ENHANCE_YOUR_CALM (0xb)   -> RESOURCE_EXHAUSTED (the caller may add
 *                                 a message saying bandwidth ran out)
 *    INADEQUATE_SECURITY (0xc) -> PERMISSION_DENIED
 *    every other code 0x0..0xd, including NO_ERROR, STREAM_CLOSED and
 *    HTTP_1_1_REQUIRED         -> INTERNAL
 *    unknown codes (> 0xd)     -> INTERNAL
 *  STREAM_CLOSED has no mapping in the spec ("implementations should
 *  log"); INTERNAL is what a call still waiting for a status gets.
 *  Unknown codes are treated like INTERNAL_ERROR as RFC 9113 §7 allows.
 *  A caller that reset the stream itself because the deadline passed
 *  reports DEADLINE_EXCEEDED instead; that is the caller's decision. */
lwg_status_code lwg_status_from_h2_error(uint32_t h2_code);

/** Parse the value of a grpc-status header: `n` bytes at `s` (no
 *  terminator needed; `s` may be NULL when n == 0), 1*DIGIT.
 *  Leading zeros are accepted.  Any number above 16 (however long) is a
 *  status this runtime does not know and becomes UNKNOWN, as the spec
 *  asks.
 *  Returns LWG_OK with *code set to 0..16, or LWG_EPROTO when the value
 *  is empty or holds anything but digits (no sign, no spaces); then
 *  *code is set to UNKNOWN as well ("error parsing returned status" is
 *  UNKNOWN, doc/statuscodes.md), so a caller may use *code either way. */
int lwg_status_parse(const uint8_t *s, size_t n, int *code);

/** Write `code` as the decimal grpc-status value ("0".."16") into buf,
 *  without a terminator.  A code outside 0..16 is written as UNKNOWN
 *  ("2"): only known codes go on the wire.  Returns the number of bytes
 *  written (1 or 2), or 0 and writes nothing when `n` is too small
 *  (LWG_STATUS_FORMAT_MAX always suffices). */
size_t lwg_status_format(int code, char *buf, size_t n);

#endif /* LWG_STATUS_H */
