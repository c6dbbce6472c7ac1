#!/usr/bin/python3
"""Generate transport/lwg_hpack_tables.{c,h} from RFC 7541 data.

    /usr/bin/python3 transport/gen/gen_hpack_tables.py [OUTDIR]

OUTDIR defaults to transport/ (next to this script's parent).  The output is
deterministic; tests/check_generated.sh regenerates into a temporary
directory and compares byte for byte with the committed files.

What is generated (all `const`, so it lives in flash):

  Static table (RFC 7541 Appendix A)
    lwg_hpack_static_blob[]   every entry's name followed by its value
    lwg_hpack_static[61]      {offset into the blob, name length, value length}
    lwg_hpack_static_by_len[61], lwg_hpack_static_len_start[]
                              the indices grouped by name length, for the
                              encoder's lookup (equal names stay adjacent)

  Huffman encoder (RFC 7541 Appendix B)
    lwg_huff_code[257], lwg_huff_len[257]
                              code (right-aligned) and bit length per symbol

  Huffman decoder.  The HPACK code is canonical: within one length the codes
  are consecutive and ordered by symbol value, and the first code of length
  L+1 is (last code of length L + 1) << 1.  So a decoder needs, per length L
  (5..30), only
    lwg_huff_dec_max[L-5]     the last code of length L, left-aligned in 32
                              bits with the bits below it set to one; 32 bits
                              of input (left-aligned) hold a code of length L
                              or shorter iff they compare <= this value
    lwg_huff_dec_end[L-5]     one past the index, in the sorted symbol list,
                              of the last symbol of length L
  plus
    lwg_huff_dec_sym[256]     the symbols sorted by (length, code); index 256
                              (the last, all-ones code) is EOS and implied.
  and a shortcut for the codes of 8 bits or less (all the letters, digits
  and common punctuation):
    lwg_huff_dec_fast[256]    per value of the next 8 input bits: (code
                              length << 8) | symbol when a code of <= 8 bits
                              starts them, else 0

The data below is transcribed from the RFC; the script checks it (code
lengths give a complete prefix code, codes are exactly the canonical
assignment, EOS is thirty ones) before writing anything.
"""

import os
import sys

# ---------------------------------------------------------------------------
# RFC 7541 Appendix A: the static table, index 1..61.
STATIC_TABLE = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
]

# ---------------------------------------------------------------------------
# RFC 7541 Appendix B: "code as hex aligned to LSB" and "len in bits" for
# symbols 0..255 and EOS (256), eight symbols per line.
HUFFMAN_TABLE = """
  1ff8 13   7fffd8 23  fffffe2 28  fffffe3 28  fffffe4 28  fffffe5 28  fffffe6 28  fffffe7 28
  fffffe8 28  ffffea 24  3ffffffc 30  fffffe9 28  fffffea 28  3ffffffd 30  fffffeb 28  fffffec 28
  fffffed 28  fffffee 28  fffffef 28  ffffff0 28  ffffff1 28  ffffff2 28  3ffffffe 30  ffffff3 28
  ffffff4 28  ffffff5 28  ffffff6 28  ffffff7 28  ffffff8 28  ffffff9 28  ffffffa 28  ffffffb 28
  14 6  3f8 10  3f9 10  ffa 12  1ff9 13  15 6  f8 8  7fa 11
  3fa 10  3fb 10  f9 8  7fb 11  fa 8  16 6  17 6  18 6
  0 5  1 5  2 5  19 6  1a 6  1b 6  1c 6  1d 6
  1e 6  1f 6  5c 7  fb 8  7ffc 15  20 6  ffb 12  3fc 10
  1ffa 13  21 6  5d 7  5e 7  5f 7  60 7  61 7  62 7
  63 7  64 7  65 7  66 7  67 7  68 7  69 7  6a 7
  6b 7  6c 7  6d 7  6e 7  6f 7  70 7  71 7  72 7
  fc 8  73 7  fd 8  1ffb 13  7fff0 19  1ffc 13  3ffc 14  22 6
  7ffd 15  3 5  23 6  4 5  24 6  5 5  25 6  26 6
  27 6  6 5  74 7  75 7  28 6  29 6  2a 6  7 5
  2b 6  76 7  2c 6  8 5  9 5  2d 6  77 7  78 7
  79 7  7a 7  7b 7  7ffe 15  7fc 11  3ffd 14  1ffd 13  ffffffc 28
  fffe6 20  3fffd2 22  fffe7 20  fffe8 20  3fffd3 22  3fffd4 22  3fffd5 22  7fffd9 23
  3fffd6 22  7fffda 23  7fffdb 23  7fffdc 23  7fffdd 23  7fffde 23  ffffeb 24  7fffdf 23
  ffffec 24  ffffed 24  3fffd7 22  7fffe0 23  ffffee 24  7fffe1 23  7fffe2 23  7fffe3 23
  7fffe4 23  1fffdc 21  3fffd8 22  7fffe5 23  3fffd9 22  7fffe6 23  7fffe7 23  ffffef 24
  3fffda 22  1fffdd 21  fffe9 20  3fffdb 22  3fffdc 22  7fffe8 23  7fffe9 23  1fffde 21
  7fffea 23  3fffdd 22  3fffde 22  fffff0 24  1fffdf 21  3fffdf 22  7fffeb 23  7fffec 23
  1fffe0 21  1fffe1 21  3fffe0 22  1fffe2 21  7fffed 23  3fffe1 22  7fffee 23  7fffef 23
  fffea 20  3fffe2 22  3fffe3 22  3fffe4 22  7ffff0 23  3fffe5 22  3fffe6 22  7ffff1 23
  3ffffe0 26  3ffffe1 26  fffeb 20  7fff1 19  3fffe7 22  7ffff2 23  3fffe8 22  1ffffec 25
  3ffffe2 26  3ffffe3 26  3ffffe4 26  7ffffde 27  7ffffdf 27  3ffffe5 26  fffff1 24  1ffffed 25
  7fff2 19  1fffe3 21  3ffffe6 26  7ffffe0 27  7ffffe1 27  3ffffe7 26  7ffffe2 27  fffff2 24
  1fffe4 21  1fffe5 21  3ffffe8 26  3ffffe9 26  ffffffd 28  7ffffe3 27  7ffffe4 27  7ffffe5 27
  fffec 20  fffff3 24  fffed 20  1fffe6 21  3fffe9 22  1fffe7 21  1fffe8 21  7ffff3 23
  3fffea 22  3fffeb 22  1ffffee 25  1ffffef 25  fffff4 24  fffff5 24  3ffffea 26  7ffff4 23
  3ffffeb 26  7ffffe6 27  3ffffec 26  3ffffed 26  7ffffe7 27  7ffffe8 27  7ffffe9 27  7ffffea 27
  7ffffeb 27  ffffffe 28  7ffffec 27  7ffffed 27  7ffffee 27  7ffffef 27  7fffff0 27  3ffffee 26
  3fffffff 30
"""

MIN_LEN = 5
MAX_LEN = 30
EOS = 256


def parse_huffman():
    words = HUFFMAN_TABLE.split()
    if len(words) != 2 * 257:
        sys.exit("huffman table: expected 257 rows, got %d words" % len(words))
    return [(int(words[i], 16), int(words[i + 1])) for i in range(0, len(words), 2)]


def check_huffman(table):
    """Fail unless `table` is exactly the canonical code for its lengths."""
    lengths = [n for _, n in table]
    if min(lengths) != MIN_LEN or max(lengths) != MAX_LEN:
        sys.exit("huffman table: lengths out of range")
    # Complete prefix code: Kraft sum is exactly 1.
    if sum(1 << (MAX_LEN - n) for n in lengths) != 1 << MAX_LEN:
        sys.exit("huffman table: Kraft sum is not 1")
    # Canonical assignment, symbols ordered by (length, value).
    code = 0
    prev_len = MIN_LEN
    for sym in sorted(range(257), key=lambda s: (lengths[s], s)):
        n = lengths[sym]
        code <<= n - prev_len
        prev_len = n
        if table[sym][0] != code:
            sys.exit("huffman table: symbol %d has code %x, canonical is %x"
                     % (sym, table[sym][0], code))
        code += 1
    if table[EOS] != ((1 << 30) - 1, 30):
        sys.exit("huffman table: EOS must be thirty ones")


def decoder_tables(table):
    order = sorted(range(257), key=lambda s: (table[s][1], table[s][0]))
    if order[-1] != EOS:
        sys.exit("huffman table: EOS must sort last")
    dec_max, dec_end = [], []
    end = 0
    last_code = -1       # last code of the previous length, right-aligned
    prev_len = MIN_LEN
    for n in range(MIN_LEN, MAX_LEN + 1):
        codes = [table[s][0] for s in order if table[s][1] == n]
        end += len(codes)
        # Last code of length n (or, if none, where it would have ended):
        # one below the first code of length n+1.
        first = (last_code + 1) << (n - prev_len) if last_code >= 0 else 0
        last = first + len(codes) - 1
        if codes and (codes[0] != first or codes[-1] != last):
            sys.exit("huffman table: length %d not consecutive" % n)
        left = ((last + 1) << (32 - n)) - 1
        dec_max.append(left)
        dec_end.append(end)
        last_code, prev_len = last, n
    if dec_max[-1] != 0xffffffff or dec_end[-1] != 257:
        sys.exit("huffman table: decoder tables do not close")
    return dec_max, dec_end, order[:256]


def c_string(data):
    """A C string literal for ASCII `data` (the static table is plain ASCII)."""
    out = []
    for ch in data:
        if ch in '"\\' or not (32 <= ord(ch) < 127):
            sys.exit("static table: unexpected character %r" % ch)
        out.append(ch)
    return '"' + "".join(out) + '"'


def rows(values, per_line, fmt):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


def array(c, decl, values, per_line, fmt):
    """Append the C definition `decl = { values };` and a blank line."""
    c.append(decl + " = {")
    c.append(rows(values, per_line, fmt))
    c.append("};")
    c.append("")


HEADER_H = """\
/*
 * lwg_hpack_tables.h - RFC 7541 static table and Huffman code as const data.
 *
 * GENERATED by transport/gen/gen_hpack_tables.py - do not edit; change the
 * script and regenerate (tests/check_generated.sh fails on any drift).
 *
 * Internal to transport/: the HPACK codec (lwg_hpack.c, lwg_huffman.c)
 * reads these; users include transport/lwg_hpack.h instead.
 */
#ifndef LWG_HPACK_TABLES_H
#define LWG_HPACK_TABLES_H

#include <stdint.h>

/** Entries in the static table (indices 1..61). */
#define LWG_HPACK_STATIC_COUNT %(static_count)d

/** Longest name in the static table. */
#define LWG_HPACK_STATIC_NAME_MAX %(name_max)d

/** Shortest and longest Huffman code, in bits. */
#define LWG_HUFF_MIN_BITS %(min_len)d
#define LWG_HUFF_MAX_BITS %(max_len)d
/** Rows of lwg_huff_dec_max / lwg_huff_dec_end (one per code length). */
#define LWG_HUFF_DEC_LENGTHS %(dec_lengths)d
/** The EOS symbol: never valid inside a decoded string. */
#define LWG_HUFF_EOS 256

/** One static table entry: the name is lwg_hpack_static_blob[offset ..
 *  offset + name_len), the value follows it directly. */
typedef struct lwg_hpack_static_entry {
    uint16_t offset;
    uint8_t  name_len;
    uint8_t  value_len;
} lwg_hpack_static_entry;

extern const uint8_t lwg_hpack_static_blob[%(blob_size)d];
/** Static table; HPACK index i is lwg_hpack_static[i - 1]. */
extern const lwg_hpack_static_entry lwg_hpack_static[LWG_HPACK_STATIC_COUNT];
/** Static indices (1..61) ordered by (name length, index): those whose name
 *  is L bytes long are lwg_hpack_static_by_len[lwg_hpack_static_len_start[L]
 *  .. lwg_hpack_static_len_start[L + 1]), for 0 <= L <= the longest name. */
extern const uint8_t lwg_hpack_static_by_len[LWG_HPACK_STATIC_COUNT];
extern const uint8_t lwg_hpack_static_len_start[LWG_HPACK_STATIC_NAME_MAX + 2];

/** Huffman code of each symbol (0..255, 256 = EOS), right-aligned. */
extern const uint32_t lwg_huff_code[257];
/** Bit length of each symbol's code. */
extern const uint8_t lwg_huff_len[257];

/** Per code length L (row L - LWG_HUFF_MIN_BITS): the last code of length
 *  L, left-aligned in 32 bits with all lower bits set.  32 left-aligned
 *  input bits start with a code of length <= L iff they are <= this. */
extern const uint32_t lwg_huff_dec_max[LWG_HUFF_DEC_LENGTHS];
/** Per code length L: one past the index in lwg_huff_dec_sym of the last
 *  symbol whose code has length L (index 256 is EOS). */
extern const uint16_t lwg_huff_dec_end[LWG_HUFF_DEC_LENGTHS];
/** Symbols sorted by code; the code after the last of these is EOS. */
extern const uint8_t lwg_huff_dec_sym[256];
/** Per value of the next 8 input bits: (length << 8) | symbol of the code
 *  of <= 8 bits they start with, or 0 (a longer code). */
extern const uint16_t lwg_huff_dec_fast[256];

#endif /* LWG_HPACK_TABLES_H */
"""

HEADER_C = """\
/*
 * lwg_hpack_tables.c - RFC 7541 Appendix A and B as const tables.
 *
 * GENERATED by transport/gen/gen_hpack_tables.py - do not edit.
 * Sizes: static table %(static_bytes)d bytes, Huffman encoder %(enc_bytes)d bytes,
 * Huffman decoder %(dec_bytes)d bytes.
 */
#include "transport/lwg_hpack_tables.h"
"""


def generate():
    huff = parse_huffman()
    check_huffman(huff)
    dec_max, dec_end, dec_sym = decoder_tables(huff)

    blob = ""
    entries = []
    for name, value in STATIC_TABLE:
        entries.append((len(blob), len(name), len(value)))
        blob += name + value
    if len(STATIC_TABLE) != 61 or len(blob) > 0xffff:
        sys.exit("static table: wrong size")

    blob_size = len(blob) + 1     # keep the literal's terminating NUL
    name_max = max(len(name) for name, _ in STATIC_TABLE)
    by_len = sorted(range(1, len(STATIC_TABLE) + 1),
                    key=lambda i: (len(STATIC_TABLE[i - 1][0]), i))
    len_start = [sum(1 for name, _ in STATIC_TABLE if len(name) < n)
                 for n in range(name_max + 2)]
    params = {
        "static_count": len(STATIC_TABLE),
        "min_len": MIN_LEN,
        "max_len": MAX_LEN,
        "dec_lengths": MAX_LEN - MIN_LEN + 1,
        "blob_size": blob_size,
        "name_max": name_max,
        "static_bytes": blob_size + 4 * len(entries),
        "enc_bytes": 257 * 5,
        "dec_bytes": len(dec_max) * 6 + 256 + 512,
    }

    h = HEADER_H % params

    c = [HEADER_C % params]
    c.append("const uint8_t lwg_hpack_static_blob[%d] =" % blob_size)
    for name, value in STATIC_TABLE:
        c.append("    " + c_string(name) + (" " + c_string(value) if value else ""))
    c[-1] += ";"
    c.append("")
    c.append("const lwg_hpack_static_entry lwg_hpack_static[LWG_HPACK_STATIC_COUNT] = {")
    for i, ((off, nl, vl), (name, value)) in enumerate(zip(entries, STATIC_TABLE)):
        label = name + (" " + value if value else "")
        c.append("    { %4d, %2d, %2d }, /* %2d %s */" % (off, nl, vl, i + 1, label))
    c.append("};")
    c.append("")
    dec2 = lambda v: "%2d" % v
    hex8 = lambda v: "0x%08x" % v
    array(c, "const uint8_t lwg_hpack_static_by_len[LWG_HPACK_STATIC_COUNT]", by_len, 16, dec2)
    array(c, "const uint8_t lwg_hpack_static_len_start[LWG_HPACK_STATIC_NAME_MAX + 2]",
          len_start, 16, dec2)
    array(c, "const uint32_t lwg_huff_code[257]", [code for code, _ in huff], 6, hex8)
    array(c, "const uint8_t lwg_huff_len[257]", [n for _, n in huff], 16, dec2)
    array(c, "const uint32_t lwg_huff_dec_max[LWG_HUFF_DEC_LENGTHS]", dec_max, 6, hex8)
    array(c, "const uint16_t lwg_huff_dec_end[LWG_HUFF_DEC_LENGTHS]", dec_end, 13,
          lambda v: "%3d" % v)
    array(c, "const uint8_t lwg_huff_dec_sym[256]", dec_sym, 12, lambda v: "0x%02x" % v)
    fast = [0] * 256
    for sym, (code, n) in enumerate(huff[:256]):
        if n <= 8:
            for low in range(1 << (8 - n)):
                fast[(code << (8 - n)) | low] = (n << 8) | sym
    array(c, "const uint16_t lwg_huff_dec_fast[256]", fast, 10, lambda v: "0x%04x" % v)
    return h, "\n".join(c[:-1]) + "\n"  # no blank line after the last


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(here)
    h, c = generate()
    for name, text in (("lwg_hpack_tables.h", h), ("lwg_hpack_tables.c", c)):
        with open(os.path.join(outdir, name), "w", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
