/*
 * lwg_pct.h - percent-encoding of the grpc-message value
 * (doc/PROTOCOL-HTTP2.md, "Status-Message"):
 *
 *     Percent-Encoded        -> 1*(Percent-Byte-Unencoded / Percent-Byte-Encoded)
 *     Percent-Byte-Unencoded -> %x20-24 / %x26-7E   (printable ASCII but '%')
 *     Percent-Byte-Encoded   -> "%" 2HEXDIGIT
 *
 * The message is UTF-8; every byte outside 0x20..0x7E, and '%' itself,
 * travels as %XX.  Pure functions: no I/O, no state, nothing allocated;
 * the caller supplies every buffer.  No function writes a terminator.
 */
#ifndef LWG_PCT_H
#define LWG_PCT_H

#include <stddef.h>
#include <stdint.h>

/** Length of the percent-encoding of `n` bytes at `in` (in may be NULL
 *  when n == 0): n plus 2 for every byte that needs escaping, so at most
 *  3 * n.  The caller guarantees 3 * n does not overflow size_t. */
size_t lwg_pct_encoded_len(const uint8_t *in, size_t n);

/** Percent-encode `n` bytes at `in` into `out` (`out_size` bytes), with
 *  upper-case hex digits ("%25" for '%', "%C3%A9" for U+00E9).  `in` and
 *  `out` must not overlap.  Returns the encoded length, or LWG_ENOMEM
 *  and writes nothing when it does not fit in out_size (or in an int):
 *  size the buffer with lwg_pct_encoded_len(), or 3 * n. */
int lwg_pct_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/** Length of the decoding of `n` bytes at `in`: never more than n. */
size_t lwg_pct_decoded_len(const uint8_t *in, size_t n);

/** Percent-decode `n` bytes at `in` into `out` (`out_size` bytes).
 *  Hex digits are accepted in either case.  Decoding never fails on bad
 *  input, as the spec requires ("MUST NOT error or throw away the
 *  message"): a '%' not followed by two hex digits is copied literally
 *  with whatever follows it ("100%" stays "100%", "%zz" stays "%zz"),
 *  and every other byte is copied as is.
 *  Decoding in place (out == in) is allowed, since output never runs
 *  ahead of input; other overlaps are not.  Returns the decoded length
 *  (<= n), or LWG_ENOMEM and writes nothing when it does not fit in
 *  out_size (or in an int); out_size >= n always suffices. */
int lwg_pct_decode(const uint8_t *in, size_t n, uint8_t *out, size_t out_size);

#endif /* LWG_PCT_H */
