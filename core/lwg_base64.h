/*
 * lwg_base64.h - base64 (RFC 4648 §4, standard alphabet A-Z a-z 0-9 + /)
 * for -bin metadata values (doc/PROTOCOL-HTTP2.md: "Implementations MUST
 * accept padded and un-padded values and should emit un-padded values").
 *
 * Pure functions: no I/O, no state, nothing allocated; the caller
 * supplies every buffer.  Encoded text is written without a terminator.
 *
 * Decoding rules (what is accepted, what is LWG_EPROTO):
 *   - strict on the alphabet: only A-Z a-z 0-9 + / and trailing '='.
 *     Whitespace, line breaks, the URL-safe '-' and '_', and '=' anywhere
 *     but at the end are rejected;
 *   - unpadded input: any length except 4k+1 (a lone sixth of a byte);
 *   - padded input: one or two '=' that complete the last group to 4
 *     characters ("QQ==", "QUI="); other padding ("QQ=", "QUJD=", "=")
 *     is rejected;
 *   - lenient on trailing bits: the unused low bits of the last character
 *     ("QR" has 4 of them) are ignored, not required to be zero, as most
 *     decoders do; so more than one text decodes to the same bytes.
 */
#ifndef LWG_BASE64_H
#define LWG_BASE64_H

#include <stddef.h>
#include <stdint.h>

/** Length of the unpadded encoding of `n` bytes: ceil(4 * n / 3).  The
 *  caller guarantees the result does not overflow size_t. */
size_t lwg_base64_encoded_len(size_t n);

/** Encode `n` bytes at `in` (may be NULL when n == 0) into `out`
 *  (`out_size` bytes), unpadded, standard alphabet.  `in` and `out` must
 *  not overlap.  Returns the encoded length, or LWG_ENOMEM and writes
 *  nothing when it does not fit in out_size (or in an int). */
int lwg_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/** Most bytes `n` characters of base64 can decode to: 3 * (n / 4) plus
 *  2 for a remainder of 3, 1 for a remainder of 2.  For sizing a buffer
 *  before the input is seen; the exact length is lwg_base64_decoded_len(). */
size_t lwg_base64_decoded_max(size_t n);

/** Validate `n` characters at `in` (padded or not) by the rules above and
 *  return the exact number of bytes they decode to, or LWG_EPROTO.
 *  Returns LWG_ENOMEM if the length does not fit in an int. */
int lwg_base64_decoded_len(const uint8_t *in, size_t n);

/** Decode `n` characters at `in` (padded or not; `in` may be NULL when
 *  n == 0) into `out` (`out_size` bytes).  `in` and `out` must not
 *  overlap.  Returns the decoded length, LWG_EPROTO for input the rules
 *  above reject, or LWG_ENOMEM when the result does not fit in out_size.
 *  On any error nothing is written. */
int lwg_base64_decode(const uint8_t *in, size_t n, uint8_t *out,
                      size_t out_size);

#endif /* LWG_BASE64_H */
