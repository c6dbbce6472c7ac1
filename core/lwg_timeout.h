/*
 * lwg_timeout.h - the grpc-timeout header value (doc/PROTOCOL-HTTP2.md):
 *
 *     Timeout      -> "grpc-timeout" TimeoutValue TimeoutUnit
 *     TimeoutValue -> positive integer as ASCII string of at most 8 digits
 *     TimeoutUnit  -> "H" / "M" / "S" / "m" / "u" / "n"
 *                     (hour, minute, second, milli-, micro-, nanosecond)
 *
 * Pure functions: no I/O, no state, nothing allocated.  The runtime keeps
 * time in milliseconds (port/lwg_port.h), so both directions convert
 * to and from milliseconds.
 */
#ifndef LWG_TIMEOUT_H
#define LWG_TIMEOUT_H

#include <stddef.h>
#include <stdint.h>

/** Most digits a TimeoutValue may have. */
#define LWG_TIMEOUT_MAX_DIGITS 8

/** Bytes lwg_timeout_encode() writes at most: 8 digits + unit.  No
 *  terminator is written. */
#define LWG_TIMEOUT_ENCODE_MAX (LWG_TIMEOUT_MAX_DIGITS + 1)

/** Encode a timeout of `ms` milliseconds as a grpc-timeout value into
 *  `out` (`out_size` bytes; no terminator is written).
 *
 *  The unit is chosen so the header is short and the deadline the server
 *  sees is never earlier than ours:
 *    - the coarsest unit that represents `ms` exactly within 8 digits
 *      (60000 -> "1M", 1500 -> "1500m", 7200000 -> "2H");
 *    - when no unit is exact within 8 digits (only above 99,999,999 ms
 *      and not a whole number of seconds), the finest unit that fits,
 *      rounded UP (100,000,001 -> "100001S").  Every uint32_t fits in
 *      seconds, so M and H are only used when exact.
 *  0 ms (a deadline already due) is encoded as "1n", the smallest
 *  positive value the grammar allows; the caller decides whether to send
 *  a call whose deadline has passed.
 *
 *  Returns the length written (2..9), or LWG_ENOMEM and writes nothing
 *  when out_size is too small (LWG_TIMEOUT_ENCODE_MAX always suffices). */
int lwg_timeout_encode(uint32_t ms, char *out, size_t out_size);

/** Parse a grpc-timeout value: `n` bytes at `s` (no terminator needed;
 *  `s` may be NULL when n == 0), 1..8 ASCII digits then one unit letter
 *  (H M S m u n, case-sensitive).  On success sets *ms to the timeout in
 *  milliseconds and returns LWG_OK:
 *    - sub-millisecond units round UP ("1n" and "999u" are 1 ms, "1001u"
 *      is 2 ms), so a positive timeout never becomes 0;
 *    - "0" with any unit is accepted as 0 ms, a deadline already due
 *      (the grammar says positive, but grpc-go sends "0n" for an expired
 *      deadline, and failing it with DEADLINE_EXCEEDED is the right end);
 *    - the largest value, "99999999H", is 359,999,996,400,000 ms and fits
 *      in uint64_t, so nothing overflows.  The caller clamps to what its
 *      32-bit clock can represent (lwg_time_diff() spans 2^31-1 ms, about
 *      24.8 days; longer is as good as no deadline).
 *  Returns LWG_EPROTO (and leaves *ms unchanged) when the value is empty,
 *  has no digits, more than 8 digits, any non-digit before the unit
 *  (sign, space, dot), an unknown unit, or anything after the unit. */
int lwg_timeout_parse(const uint8_t *s, size_t n, uint64_t *ms);

#endif /* LWG_TIMEOUT_H */
