/*
 * lwg_hpack.h - HPACK (RFC 7541) header compression: decoder, encoder,
 * integer and Huffman codecs.
 *
 * Sans-I/O and heap-free.  The decoder's dynamic table is a fixed ring of
 * LWG_HPACK_TABLE_SIZE bytes inside lwg_hpack_dec, which the caller places
 * (usually inside the connection struct).  Decoded strings go into a
 * scratch buffer the caller passes on every call.  The encoder keeps its
 * own small dynamic table (LWG_HPACK_ENC_TABLE_SIZE bytes) for the fields
 * its caller marks as repeating; see lwg_hpack_enc.
 *
 * Untrusted input: everything passed to lwg_hpack_decode_field() and
 * lwg_huff_decode().  On hostile input they return LWG_EPROTO (HTTP/2
 * COMPRESSION_ERROR, a connection error) and never read past in[in_len),
 * never write past scratch[scratch_size), never loop more than a bounded
 * number of times per input byte.  Integers are capped at
 * LWG_HPACK_INT_MAX, so a string length or index can never wrap a size_t.
 *
 * Error codes (port/lwg_err.h): LWG_OK, LWG_EAGAIN (need more bytes),
 * LWG_ENOMEM (output buffer too small), LWG_EPROTO (COMPRESSION_ERROR),
 * LWG_ETOOBIG (a decoded field larger than the scratch buffer).
 */
#ifndef LWG_HPACK_H
#define LWG_HPACK_H

#include <stddef.h>
#include <stdint.h>

#include "port/lwg_opt.h"
#include "port/lwg_err.h"

/** RFC 7541 §4.1: what an entry costs beyond its name and value. */
#define LWG_HPACK_ENTRY_OVERHEAD 32u
/** RFC 9113 §6.5.2: SETTINGS_HEADER_TABLE_SIZE until SETTINGS say else. */
#define LWG_HPACK_DEFAULT_TABLE_SIZE 4096u

/** Largest integer the decoder accepts in any representation (index,
 *  string length, table size): 2^21 - 1.  Larger is LWG_EPROTO. */
#define LWG_HPACK_INT_MAX 0x1fffffu

/** Entry slots of the decoder's dynamic table: every entry costs at least
 *  32 bytes of RFC accounting, so no table of LWG_HPACK_TABLE_SIZE bytes
 *  holds more. */
#define LWG_HPACK_DEC_SLOTS ((LWG_HPACK_TABLE_SIZE) / 32)

/** Scratch size that avoids the one LWG_EPROTO a big-but-legal field can
 *  cause (an indexed literal that fits the table but not the scratch,
 *  see lwg_hpack_decode_field()).  The engine's LWG_MAX_HEADER_FIELD
 *  scratch should be at least this. */
#define LWG_HPACK_SCRATCH_MIN ((LWG_HPACK_TABLE_SIZE) - 32)

/* ======================================================================
 * Decoder
 * ==================================================================== */

/** Well-known header names: what lwg_hpack_name_of() calls a name.  0 is
 *  any other name.  The list holds the names RFC 9113 §8 checks (pseudo-
 *  headers, connection-specific fields) and those gRPC reads. */
enum {
    LWG_HNAME_OTHER = 0,
    LWG_HNAME_AUTHORITY, LWG_HNAME_METHOD, LWG_HNAME_PATH, LWG_HNAME_SCHEME,
    LWG_HNAME_STATUS,
    LWG_HNAME_TE, LWG_HNAME_CONNECTION, LWG_HNAME_KEEP_ALIVE,
    LWG_HNAME_PROXY_CONNECTION, LWG_HNAME_TRANSFER_ENCODING, LWG_HNAME_UPGRADE,
    LWG_HNAME_HOST, LWG_HNAME_CONTENT_TYPE, LWG_HNAME_CONTENT_LENGTH,
    LWG_HNAME_USER_AGENT,
    LWG_HNAME_GRPC_TIMEOUT, LWG_HNAME_GRPC_ENCODING,
    LWG_HNAME_GRPC_ACCEPT_ENCODING, LWG_HNAME_GRPC_STATUS,
    LWG_HNAME_GRPC_MESSAGE
};

/** LWG_HNAME_* of a name (exact bytes, so lowercase only), or 0. */
unsigned lwg_hpack_name_of(const uint8_t *name, size_t len);
/** LWG_HNAME_* of static table entry i is lwg_hpack_static_name[i - 1]. */
extern const uint8_t lwg_hpack_static_name[61];

/** What the decoder found of a field's bytes (lwg_hpack_field.cls): worked
 *  out once per table entry, not per reference. */
#define LWG_HPACK_CLS_SYNTAX_OK   0x01u /* RFC 9113 §8.2.1 holds, see     */
                                        /* lwg_hpack_syntax_ok()          */
#define LWG_HPACK_CLS_PLAIN_NAME  0x02u /* name only of 0-9 a-z _ - .     */
#define LWG_HPACK_CLS_PRINTABLE   0x04u /* value only of 0x20..0x7e       */
#define LWG_HPACK_CLS_NAME_OK     0x08u /* the name alone passes §8.2.1   */

/** A header field: what the decoder gives, and (as lwg_h2_nv, the same
 *  type) what the HTTP/2 engine hands up and is asked to send, so that a
 *  decoded field goes up without a copy.  Decoded views point into the
 *  scratch buffer, into the decoder's dynamic table or memo, or at const
 *  static-table data; they are valid until the next call on the decoder
 *  or until the scratch buffer is reused, whichever is first.  Strings
 *  are not NUL-terminated. */
typedef struct lwg_hpack_field {
    const uint8_t *name;
    const uint8_t *value;
    uint32_t name_len;
    uint32_t value_len;
    unsigned flags;          /* decoded: LWG_HPACK_NEVER_INDEX for a never-  */
                             /* indexed literal; to send: LWG_HPACK_* below  */
    uint8_t  name_id;        /* decoded: LWG_HNAME_* of the name              */
    uint8_t  cls;            /* decoded: LWG_HPACK_CLS_* bits                 */
} lwg_hpack_field;

/** RFC 9113 §8.2.1 field syntax: the name is a non-empty lowercase token
 *  (after one leading ':' for pseudo-headers), the value has no NUL, CR
 *  or LF and no leading or trailing space or tab.  The same classifiers
 *  the decoder uses for LWG_HPACK_CLS_SYNTAX_OK (which it works out once
 *  per dynamic table entry), for a field the caller holds. */
int lwg_hpack_syntax_ok(const uint8_t *name, size_t name_len,
                        const uint8_t *value, size_t value_len);

/** One dynamic table entry: name_len bytes of name then value_len bytes of
 *  value, starting at offset in the table's bytes (the decoder's ring,
 *  where an entry may wrap at the end; the encoder's buf[], where it
 *  never does). */
typedef struct lwg_hpack_dyn_entry {
    uint16_t offset;
    uint16_t name_len;
    uint16_t value_len;
    uint8_t  name_id;         /* decoder: LWG_HNAME_* of the name */
    uint8_t  cls;             /* decoder: LWG_HPACK_CLS_* bits    */
} lwg_hpack_dyn_entry;

/** Decoder state, one per connection direction (the peer's encoder).
 *  Plain memory with no internal pointers: place it anywhere (usually in
 *  the connection struct), initialise it with lwg_hpack_dec_init(); it may
 *  be copied.  Fields are private (tests read them). */
typedef struct lwg_hpack_dec {
    uint8_t  ring[LWG_HPACK_TABLE_SIZE];          /* entry bytes, FIFO     */
    lwg_hpack_dyn_entry entries[LWG_HPACK_DEC_SLOTS]; /* FIFO of entries   */
    uint32_t size;          /* RFC 7541 §4.1 size: sum of name+value+32    */
    uint32_t max_size;      /* current maximum (last size update)          */
    uint32_t settings_max;  /* bound: our SETTINGS_HEADER_TABLE_SIZE       */
    uint16_t oldest;        /* entries[] slot of the oldest entry          */
    uint16_t count;         /* entries in the table                        */
    uint16_t write_pos;     /* ring offset where the next entry's bytes go */
    uint8_t  update_allowed;/* a size update may come now (block start)    */
#if LWG_HPACK_DEC_MEMO > 0
    /* the last two Huffman values of literals without indexing: their
     * encoded bytes, what they decode to, and their LWG_HPACK_CLS_* bits */
    struct lwg_hpack_dec_memo {
        uint8_t in_len;     /* 0: empty                                    */
        uint8_t out_len;
        uint8_t cls;
        uint8_t in[LWG_HPACK_DEC_MEMO];
        uint8_t out[LWG_HPACK_DEC_MEMO];
    } memo[2];
    uint8_t  memo_next;     /* the slot to fill next: the least recent     */
#endif
} lwg_hpack_dec;

/** Initialise an empty decoder.  settings_max is the
 *  SETTINGS_HEADER_TABLE_SIZE we advertise (the peer may assume 4096 until
 *  it sees ours); it is clamped to LWG_HPACK_TABLE_SIZE.  The table's
 *  initial maximum size is settings_max.  A size update is allowed before
 *  the first field, as if lwg_hpack_dec_block_begin() had been called. */
void lwg_hpack_dec_init(lwg_hpack_dec *d, uint32_t settings_max);

/** A new header block starts: dynamic table size updates are allowed until
 *  its first field (RFC 7541 §4.2). */
void lwg_hpack_dec_block_begin(lwg_hpack_dec *d);

/** Decode ONE representation from in[0..in_len).  The input is borrowed
 *  for the call only.
 *
 *  LWG_OK: *consumed bytes were used.  For a header field, *out holds it
 *    (views: see lwg_hpack_field).  For a dynamic table size update (which
 *    is applied), out->name == NULL and out->name_len == 0.
 *  LWG_EAGAIN: in[] does not hold a complete representation yet; nothing
 *    was consumed (*consumed = 0) and the table is untouched.  Append more
 *    bytes and call again from the same start.  in_len == 0 gives EAGAIN.
 *  LWG_ETOOBIG: the decoded name + value do not fit in scratch.  *consumed
 *    is set, the field is skipped (*out holds nothing usable), and the
 *    table is consistent: a field that was to be indexed but is larger
 *    than the table's maximum size empties the table (RFC 7541 §4.4),
 *    exactly as if it had been decoded.  The caller decides whether that
 *    is a stream error (header too large) and goes on with the next
 *    representation.
 *  LWG_EPROTO: COMPRESSION_ERROR; the decoder is unusable afterwards (the
 *    connection must be closed).  Causes: index 0 or past the table,
 *    integer above LWG_HPACK_INT_MAX or longer than its encoding allows,
 *    invalid Huffman (bad padding, EOS), a size update above the settings
 *    bound or after the first field of a block, a block whose first field
 *    is not preceded by a required size update (after our setting was
 *    lowered below the table's maximum), and a field to be indexed that
 *    would fit the table but not scratch (the table could not be kept
 *    consistent; scratch >= LWG_HPACK_SCRATCH_MIN avoids that).
 *  A string longer than the remaining input is LWG_EAGAIN, not an error.
 *
 *  scratch[0..scratch_size) is overwritten with decoded strings (Huffman or
 *  raw), and with names/values copied out of the dynamic table when they
 *  wrap around its ring or when the field is inserted (a referenced name
 *  is copied before its entry can be evicted).  Static-table names and
 *  values point at const data; other dynamic-table strings may point into
 *  the ring; a Huffman value equal to one of the two remembered from the
 *  last literals without indexing points into the decoder's memo (and
 *  takes no scratch).  scratch may be NULL only with scratch_size 0. */
int lwg_hpack_decode_field(lwg_hpack_dec *d, const uint8_t *in, size_t in_len,
                           size_t *consumed, uint8_t *scratch,
                           size_t scratch_size, lwg_hpack_field *out);

/** Change the bound when our own SETTINGS_HEADER_TABLE_SIZE changes (call
 *  it when the peer ACKs the SETTINGS that changed it).  Clamped to
 *  LWG_HPACK_TABLE_SIZE.  If the table's current maximum is above the new
 *  bound, the next header block must start with a size update to at most
 *  the new bound, or decoding its first field fails with LWG_EPROTO. */
void lwg_hpack_dec_set_settings_max(lwg_hpack_dec *d, uint32_t settings_max);

/** Number of entries in the dynamic table. */
size_t lwg_hpack_dec_entries(const lwg_hpack_dec *d);
/** Current dynamic table size (RFC 7541 §4.1: sum of name+value+32). */
uint32_t lwg_hpack_dec_size(const lwg_hpack_dec *d);
/** Current maximum size (the last size update, or settings_max at init). */
uint32_t lwg_hpack_dec_max_size(const lwg_hpack_dec *d);

/** Look up HPACK index `index` (1..61 static, 62.. dynamic, newest first)
 *  without decoding anything; for tests and diagnostics.  Views as for
 *  lwg_hpack_decode_field(): strings that wrap the ring are copied into
 *  scratch.  Returns LWG_OK, LWG_EPROTO for an index out of range,
 *  LWG_ETOOBIG if scratch is too small for a wrapped entry. */
int lwg_hpack_dec_get(const lwg_hpack_dec *d, size_t index, uint8_t *scratch,
                      size_t scratch_size, lwg_hpack_field *out);

/* ======================================================================
 * Encoder
 * ==================================================================== */

/** Entry slots of the encoder's dynamic table (each entry counts at least
 *  32 bytes against its size). */
#define LWG_HPACK_ENC_SLOTS ((LWG_HPACK_ENC_TABLE_SIZE) / 32)

/** Memos: the encoding of a run of fields a caller sends the same way on
 *  every block (its constants), kept while the table is unchanged, so
 *  that the run is one copy of a few bytes instead of table searches.
 *  Slots 1..LWG_HPACK_MEMOS, chosen by the caller per run. */
#define LWG_HPACK_MEMOS      4
#define LWG_HPACK_MEMO_BYTES 16
typedef struct lwg_hpack_memo {
    uint64_t key;             /* the caller's name for the run             */
    uint32_t changes;         /* lwg_hpack_enc.changes when it was kept    */
    uint32_t size;            /* the caller's figure for the run (its      */
                              /* RFC 7541 §4.1 size: name + value + 32)    */
    uint8_t  len;             /* 0: empty                                  */
    uint8_t  bytes[LWG_HPACK_MEMO_BYTES];
} lwg_hpack_memo;

/** Encoder state, one per connection (the peer's decoder mirrors it).
 *
 *  The dynamic table holds only fields the caller marks LWG_HPACK_INDEX
 *  (constants such as content-type, :path, :authority, grpc-status 0):
 *  the first block sends them as literals with incremental indexing, every
 *  later block as one-byte indexed fields.  Fields without the flag use
 *  the table when they match an entry but are never added, so values that
 *  change per call (grpc-timeout, grpc-message, user metadata) cannot
 *  churn the constants out.  Storage: entry bytes (name then value) back
 *  to back in buf[], oldest first, never wrapping (compacted to the front
 *  when the end is reached: rare, since constants are inserted once);
 *  entries[] is a ring of {offset, name length, value length}.
 *
 *  Size: the table never exceeds LWG_HPACK_ENC_TABLE_SIZE (RAM cost: that
 *  many bytes plus 8 per slot), nor the table size the peer's decoder
 *  holds.  The peer's decoder may hold a larger table than ours: it then
 *  keeps entries we have forgotten, which is harmless because indices
 *  count from the newest entry and we only reference entries we hold.
 *  When the peer's SETTINGS_HEADER_TABLE_SIZE drops below what its
 *  decoder holds, the next block starts with size updates (RFC 7541 §4.2:
 *  the smallest value since the last block, then the final one).
 *
 *  Blocks: lwg_hpack_enc_block_begin() / lwg_hpack_enc_block_end() bracket
 *  the fields of one header block.  A block that is given up (no room in
 *  the transmit buffer) must not have changed the table, or the peer's
 *  decoder, which never sees it, would disagree: the caller passes
 *  may_insert = 0 unless the block is sure to fit (see
 *  lwg_hpack_enc_worst_case()), and the size updates written into a
 *  block count as sent only when block_end(sent = 1) says so.  A field
 *  encoded outside a block behaves as a block of its own that is sent.
 *  Fields are private (tests read them). */
typedef struct lwg_hpack_enc {
    uint32_t dec_max;         /* table size the peer's decoder holds: 4096 */
                              /* until our size updates say else           */
    uint32_t max;             /* our eviction bound: <= LWG_HPACK_ENC_     */
                              /* TABLE_SIZE, <= dec_max now and after the  */
                              /* pending updates                           */
    uint32_t upd_min;         /* pending updates: the smallest value, then */
    uint32_t upd_final;       /* the final one                             */
    uint8_t  upd_pending;
    uint8_t  in_block;        /* between block_begin and block_end         */
    uint8_t  may_insert;      /* the current block may add entries         */
    uint8_t  upd_written;     /* the updates are in the current block      */
    uint32_t changes;         /* bumped whenever an entry comes or goes    */
    lwg_hpack_memo memo[LWG_HPACK_MEMOS];
#if LWG_HPACK_ENC_TABLE_SIZE > 0
    uint32_t size;            /* RFC 7541 §4.1 size of the entries         */
    uint16_t oldest;          /* entries[] slot of the oldest entry        */
    uint16_t count;
    uint16_t bytes_start;     /* buf[bytes_start, bytes_end): live bytes   */
    uint16_t bytes_end;
    lwg_hpack_dyn_entry entries[LWG_HPACK_ENC_SLOTS];
    uint8_t  buf[LWG_HPACK_ENC_TABLE_SIZE];
#endif
} lwg_hpack_enc;

/** Initialise: the peer's table size is 4096 until its SETTINGS say else. */
void lwg_hpack_enc_init(lwg_hpack_enc *e);

/** The peer's SETTINGS_HEADER_TABLE_SIZE (call between header blocks, when
 *  the peer's SETTINGS frame is applied).  Below what the peer's decoder
 *  holds, the next block starts with a size update (and our table shrinks
 *  at once); a later raise before that block is signalled after the
 *  smallest value. */
void lwg_hpack_enc_set_peer_max(lwg_hpack_enc *e, uint32_t peer_settings_max);

/** Start a header block.  may_insert = 0: add nothing to the table (the
 *  block may yet be given up). */
void lwg_hpack_enc_block_begin(lwg_hpack_enc *e, int may_insert);

/** End the block: sent != 0 if its bytes will reach the peer, 0 if they
 *  are thrown away (the size updates written into it stay pending). */
void lwg_hpack_enc_block_end(lwg_hpack_enc *e, int sent);

/** Bytes a field can take at most, whatever the table holds (a literal
 *  with a literal name, raw strings), plus the size updates a block may
 *  start with: sum this over the fields plus LWG_HPACK_UPDATES_MAX. */
static inline size_t lwg_hpack_enc_worst_case(size_t name_len, size_t value_len)
{
    return name_len + value_len + 9;  /* 1 + (4 + name) + (4 + value) */
}
#define LWG_HPACK_UPDATES_MAX 8       /* two updates of at most 4 bytes */

/** Memo `id` (1..LWG_HPACK_MEMOS): if it holds an encoding kept for `key`
 *  with the table as it is now (and no size update is due), copy it to *p,
 *  give the size kept with it in *size (unless NULL) and return LWG_OK;
 *  LWG_EAGAIN if not (encode the run field by field, between
 *  lwg_hpack_memo_mark() and lwg_hpack_memo_keep()); LWG_ENOMEM if it does
 *  not fit before end.  The caller guarantees that one key always means
 *  the same fields, in the same order, on this encoder. */
int lwg_hpack_memo_use(lwg_hpack_enc *e, unsigned id, uint64_t key, uint8_t **p,
                       uint8_t *end, uint32_t *size);
/** Before encoding a run to be kept: a token for lwg_hpack_memo_keep(). */
uint32_t lwg_hpack_memo_mark(const lwg_hpack_enc *e);
/** The run's encoding is bytes[0..len): keep it in memo `id` under `key`,
 *  with the caller's `size` figure for it (the fields' RFC 7541 §4.1
 *  sizes), if the table did not change since the mark (the run only
 *  referenced entries) and no size update was due, and it fits. */
void lwg_hpack_memo_keep(lwg_hpack_enc *e, unsigned id, uint64_t key, uint32_t mark,
                         const uint8_t *bytes, size_t len, uint32_t size);

/** Number of entries in the encoder's dynamic table. */
size_t lwg_hpack_enc_entries(const lwg_hpack_enc *e);

#define LWG_HPACK_NEVER_INDEX 1u  /* never-indexed literal (secrets)     */
#define LWG_HPACK_NO_HUFFMAN  2u  /* send strings raw                     */
#define LWG_HPACK_INDEX       4u  /* add to the dynamic table: the same   */
                                  /* field will be sent again             */
#define LWG_HPACK_NO_TABLE    8u  /* a name in neither table and a value  */
                                  /* that changes every time (grpc-       */
                                  /* timeout): a literal name and value,  */
                                  /* without looking anything up          */
/** lwg_h2_nv flags: the field belongs to a run kept in memo `id` (1..4);
 *  see lwg_h2_submit_headers(). */
#define LWG_HPACK_MEMO(id)    ((unsigned)(id) << 4)
#define LWG_HPACK_MEMO_ID(flags) (((flags) >> 4) & 7u)

/** Encode one header field at *p, never past end.  In order of
 *  preference: a full match in the dynamic or the static table ->
 *  indexed field (LWG_HPACK_NO_TABLE: no search); else a literal, with
 *  incremental indexing when LWG_HPACK_INDEX is given (and the block may
 *  insert, and the entry fits the table), else without indexing, or never
 *  indexed with LWG_HPACK_NEVER_INDEX (which also refuses full matches: a
 *  secret is always a literal); its name is indexed when a table holds
 *  it.  Each
 *  string is Huffman-coded when that is strictly shorter, unless
 *  LWG_HPACK_NO_HUFFMAN.  Pending size updates are written first in a
 *  block.  name and value are read during the call only.
 *  Returns LWG_OK and advances *p, or LWG_ENOMEM with *p and the table
 *  unchanged. */
int lwg_hpack_encode_field(lwg_hpack_enc *e, uint8_t **p, uint8_t *end,
                           const uint8_t *name, size_t name_len,
                           const uint8_t *value, size_t value_len,
                           unsigned flags);

/** Static table index (1..61) of the first entry matching name and value,
 *  or of the first entry matching the name only (*full_match = 0);
 *  0 if the name is not in the static table.  full_match may be NULL. */
size_t lwg_hpack_static_find(const uint8_t *name, size_t name_len,
                             const uint8_t *value, size_t value_len,
                             int *full_match);

/* ---- low-level writers (all: write at *p, never past end; LWG_OK and *p
 *      advanced, or LWG_ENOMEM with *p unchanged) ---------------------- */

/** Representation kinds for lwg_hpack_encode_literal(). */
#define LWG_HPACK_LIT_INCREMENTAL 0x40u /* with incremental indexing (6-bit) */
#define LWG_HPACK_LIT_WITHOUT     0x00u /* without indexing (4-bit)          */
#define LWG_HPACK_LIT_NEVER       0x10u /* never indexed (4-bit)             */

/** huffman argument of the string writers: each string Huffman-coded
 *  only when that is strictly shorter. */
#define LWG_HPACK_HUFFMAN_AUTO 2

/** A literal header field.  name_index != 0: indexed name (name/name_len
 *  ignored, may be NULL); name_index == 0: literal name.  huffman: 0 both
 *  strings raw, 1 both Huffman-coded (as in RFC 7541 C.4/C.6),
 *  LWG_HPACK_HUFFMAN_AUTO each as it comes out shorter.  Any kind other
 *  than the three above is LWG_EINVAL. */
int lwg_hpack_encode_literal(uint8_t **p, uint8_t *end, unsigned kind,
                             size_t name_index,
                             const uint8_t *name, size_t name_len,
                             const uint8_t *value, size_t value_len,
                             int huffman);

/** An indexed header field (index >= 1). */
int lwg_hpack_encode_indexed(uint8_t **p, uint8_t *end, size_t index);

/** A dynamic table size update. */
int lwg_hpack_encode_size_update(uint8_t **p, uint8_t *end, uint32_t size);

/** A string literal: H bit, 7-bit-prefix length, then the bytes (Huffman
 *  coded when huffman is 1, or LWG_HPACK_HUFFMAN_AUTO and shorter so). */
int lwg_hpack_encode_string(uint8_t **p, uint8_t *end, const uint8_t *s,
                            size_t len, int huffman);

/** Integer with an N-bit prefix (RFC 7541 §5.1), 1 <= prefix_bits <= 8.
 *  first_bits are OR-ed into the first byte above the prefix (e.g. 0x80
 *  for an indexed field); bits inside the prefix must be zero. */
int lwg_hpack_int_encode(uint8_t **p, uint8_t *end, uint8_t first_bits,
                         unsigned prefix_bits, uint32_t value);

/** Decode an integer with an N-bit prefix from in[0..in_len) (the prefix
 *  is the low prefix_bits of in[0]; the bits above are ignored).
 *  LWG_OK: *value and *consumed set.  LWG_EAGAIN: incomplete (nothing
 *  set).  LWG_EPROTO: value above LWG_HPACK_INT_MAX, or more continuation
 *  bytes than such a value needs. */
int lwg_hpack_int_decode(const uint8_t *in, size_t in_len,
                         unsigned prefix_bits, uint32_t *value,
                         size_t *consumed);

/* ======================================================================
 * Huffman (RFC 7541 §5.2, Appendix B)  - lwg_huffman.c
 * Lengths must stay below INT_MAX / 2 (returns are int byte counts).
 * ==================================================================== */

/** Bytes the Huffman encoding of in[0..len) takes (with padding). */
size_t lwg_huff_encoded_len(const uint8_t *in, size_t len);

/** Huffman-encode in[0..len) into out[0..out_size).  Returns the number of
 *  bytes written, or LWG_ENOMEM if out is too small (out's contents are
 *  then unspecified). */
int lwg_huff_encode(const uint8_t *in, size_t len, uint8_t *out,
                    size_t out_size);

/** Decode Huffman in[0..len) into out[0..out_size).  Returns bytes written,
 *  LWG_ETOOBIG if out is too small, LWG_EPROTO if the input is invalid:
 *  padding longer than 7 bits, padding that is not all ones (the EOS
 *  prefix), an EOS symbol, or a truncated code.  On failure out's
 *  contents are unspecified. */
int lwg_huff_decode(const uint8_t *in, size_t len, uint8_t *out,
                    size_t out_size);

/** Length the Huffman string in[0..len) decodes to, validating it as
 *  lwg_huff_decode() does; LWG_EPROTO if it is invalid. */
int lwg_huff_decoded_len(const uint8_t *in, size_t len);

#endif /* LWG_HPACK_H */
