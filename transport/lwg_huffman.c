/*
 * lwg_huffman.c - HPACK Huffman codec (RFC 7541 §5.2, Appendix B).
 *
 * Encoding looks each byte up in lwg_huff_code/lwg_huff_len.
 *
 * Decoding uses the fact that the HPACK code is canonical (see
 * transport/gen/gen_hpack_tables.py): input bits are gathered into a 64-bit
 * register; the next 32 bits, left-aligned, are compared against the
 * per-length limits lwg_huff_dec_max[] (shortest first).  The first length
 * whose limit is not below them is the length of the next code, and the
 * distance to that limit gives the symbol's place in the sorted symbol
 * list.  Codes of 8 bits or less, which cover letters, digits and the
 * usual punctuation, are first looked up directly in a 256-entry table on
 * the next 8 input bits.  About 900 bytes of tables in all (see
 * lwg_hpack_tables.c), instead of a multi-KiB state machine.
 */
#include "transport/lwg_hpack.h"
#include "transport/lwg_hpack_tables.h"

size_t lwg_huff_encoded_len(const uint8_t *in, size_t len)
{
    size_t bytes = 0;
    unsigned bits = 0;

    for (size_t i = 0; i < len; i++) {
        bits += lwg_huff_len[in[i]];
        bytes += bits >> 3;
        bits &= 7u;
    }
    return bytes + (bits != 0);
}

int lwg_huff_encode(const uint8_t *in, size_t len, uint8_t *out,
                    size_t out_size)
{
    uint32_t acc = 0;    /* pending bits in the low `nbits` bits */
    unsigned nbits = 0;  /* < 8 between symbols */
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        uint32_t code = lwg_huff_code[in[i]];
        unsigned n = lwg_huff_len[in[i]];

        /* At most 7 + 24 bits fit the 32-bit register at once; longer
         * codes go in two pieces. */
        while (n > 0) {
            unsigned take = n > 24 ? n - 24 : n;

            n -= take;
            acc = (acc << take) | ((code >> n) & ((1u << take) - 1u));
            nbits += take;
            while (nbits >= 8) {
                if (o >= out_size)
                    return LWG_ENOMEM;
                nbits -= 8;
                out[o++] = (uint8_t)(acc >> nbits);
            }
        }
    }
    if (nbits > 0) {
        /* Pad with the most significant bits of EOS (all ones). */
        if (o >= out_size)
            return LWG_ENOMEM;
        out[o++] = (uint8_t)((acc << (8 - nbits)) | (0xffu >> nbits));
    }
    return (int)o;
}

/* Decode into out[0..out_size), or only count and validate (count_only). */
static inline int huff_decode(const uint8_t *in, size_t len, uint8_t *out,
                              size_t out_size, int count_only)
{
    uint64_t acc = 0;    /* input bits not yet decoded: the low `nbits` */
    unsigned nbits = 0;
    size_t i = 0, o = 0;

    for (;;) {
        uint32_t peek;
        unsigned row, n;
        size_t sym;

        /* whole input bytes while they fit the register */
        if (nbits <= 56 && i < len) {
            size_t k = (64u - nbits) >> 3;

            if (k > len - i)
                k = len - i;
            nbits += 8u * (unsigned)k;
            while (k-- > 0)
                acc = (acc << 8) | in[i++];
        }
        /* codes of up to 8 bits (most text), one lookup each, for as long
         * as the register holds 8 bits */
        while (nbits >= 8) {
            unsigned e = lwg_huff_dec_fast[(uint8_t)(acc >> (nbits - 8))];

            if (e == 0)
                break;
            if (!count_only) {
                if (o >= out_size)
                    return LWG_ETOOBIG;
                out[o] = (uint8_t)e;
            }
            o++;
            nbits -= e >> 8;
        }
        /* a longer code is looked at with all its bits in the register */
        if (i < len && nbits < LWG_HUFF_MAX_BITS)
            continue;
        if (nbits == 0)
            break;
        /* The next 32 bits, left-aligned; past the end of the input the
         * register reads as ones, so padding looks like a prefix of EOS. */
        if (nbits >= 32)
            peek = (uint32_t)(acc >> (nbits - 32));
        else
            peek = ((uint32_t)acc << (32 - nbits)) | (0xffffffffu >> nbits);
        /* Fewer than 8 bits left, all ones: that is the padding. */
        if (i == len && nbits < 8 && peek == 0xffffffffu)
            break;

        row = 0;
        while (peek > lwg_huff_dec_max[row])   /* last row is 0xffffffff */
            row++;
        n = row + LWG_HUFF_MIN_BITS;
        /* A code longer than the bits left: a truncated code, padding of
         * 8 or more bits, or padding that is not a prefix of EOS. */
        if (n > nbits)
            return LWG_EPROTO;
        sym = (size_t)lwg_huff_dec_end[row] - 1u -
              (size_t)((lwg_huff_dec_max[row] - peek) >> (32 - n));
        if (sym == LWG_HUFF_EOS)
            return LWG_EPROTO;
        if (!count_only) {
            if (o >= out_size)
                return LWG_ETOOBIG;
            out[o] = lwg_huff_dec_sym[sym];
        }
        o++;
        nbits -= n;
    }
    return (int)o;
}

int lwg_huff_decode(const uint8_t *in, size_t len, uint8_t *out,
                    size_t out_size)
{
    return huff_decode(in, len, out, out_size, 0);
}

int lwg_huff_decoded_len(const uint8_t *in, size_t len)
{
    return huff_decode(in, len, NULL, 0, 1);
}
