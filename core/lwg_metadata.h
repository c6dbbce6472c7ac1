/*
 * lwg_metadata.h - bounded storage for gRPC custom metadata (the
 * Custom-Metadata of doc/PROTOCOL-HTTP2.md), in fixed memory.
 *
 * An lwg_metadata holds up to LWG_MAX_METADATA entries whose name and
 * value bytes are packed into one arena of LWG_METADATA_BYTES bytes;
 * an entry is an offset and two lengths.  Nothing is allocated; the
 * caller places the struct (static, stack, inside a call).  Adding is
 * all or nothing: on any error the set is unchanged.  There is no
 * removal; lwg_metadata_clear() empties the set.
 *
 * NAMES are 1..n bytes of lowercase [0-9a-z_.-] (Header-Name; so never a
 * ':' pseudo-header).  Lookups compare bytes exactly: pass lowercase.
 *
 * VALUES are stored decoded:
 *   - a name ending in "-bin" holds raw bytes (any bytes, any length);
 *     on the wire it travels as unpadded base64.
 *   - any other name holds ASCII-Value: bytes 0x20..0x7E only (empty is
 *     accepted, as every gRPC implementation does).
 *
 * WHO ADDS WHAT
 *   lwg_metadata_add()       the application: refuses reserved names
 *                            (lwg_metadata_is_reserved()).
 *   lwg_metadata_add_raw()   the runtime: the same without the reserved
 *                            check (e.g. to keep grpc-status-details-bin).
 *   lwg_metadata_add_wire()  the runtime, for a received field: takes the
 *                            wire value and base64-decodes -bin values.
 *   The runtime drops a received field that add_raw/add_wire refuse with
 *   LWG_EINVAL or LWG_EPROTO (the spec says an odd value must not fail
 *   the call), and answers LWG_ENOMEM as its policy says (e.g. the call
 *   ends with RESOURCE_EXHAUSTED).
 *
 * VIEWS returned by lwg_metadata_at() and lwg_metadata_get() point into
 * the arena: valid until the set is cleared or initialised again (adding
 * never moves stored bytes).
 */
#ifndef LWG_METADATA_H
#define LWG_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "port/lwg_opt.h"

/* Options.  Defaults live here until they move into port/lwg_opt.h; a
 * user's lwgrpc_opts.h overrides them like any other option. */

/** Entries one lwg_metadata holds (each costs 6 bytes). */
#ifndef LWG_MAX_METADATA
#define LWG_MAX_METADATA 8
#endif

/** Bytes of one lwg_metadata's arena: the sum of every entry's name
 *  length and decoded value length (a -bin value costs its binary size,
 *  not its base64 size). */
#ifndef LWG_METADATA_BYTES
#define LWG_METADATA_BYTES 512
#endif

/* Offsets and lengths are 16-bit. */
#if LWG_MAX_METADATA < 1 || LWG_MAX_METADATA > 65535
#error "LWG_MAX_METADATA must be 1..65535"
#endif
#if LWG_METADATA_BYTES < 1 || LWG_METADATA_BYTES > 65535
#error "LWG_METADATA_BYTES must be 1..65535"
#endif

/** Bytes counted per field on top of name and value when sizing a
 *  header list (RFC 9113 §6.5.2 SETTINGS_MAX_HEADER_LIST_SIZE). */
#define LWG_METADATA_FIELD_OVERHEAD 32

/** One stored entry (private: read entries through lwg_metadata_at()). */
typedef struct lwg_metadata_entry {
    uint16_t off;       /* name at arena[off], value right after it */
    uint16_t name_len;
    uint16_t value_len; /* decoded length */
} lwg_metadata_entry;

/** A metadata set.  Fields are private; use the functions. */
typedef struct lwg_metadata {
    uint16_t count;     /* entries in use */
    uint16_t used;      /* arena bytes in use */
    lwg_metadata_entry entries[LWG_MAX_METADATA];
    uint8_t arena[LWG_METADATA_BYTES];
} lwg_metadata;

/** A borrowed view of one entry (see VIEWS above).  Not terminated. */
typedef struct lwg_metadata_view {
    const char *name;
    size_t name_len;
    const uint8_t *value; /* decoded: raw bytes for -bin; never NULL */
    size_t value_len;
    int binary;           /* 1 when the name ends in "-bin" */
} lwg_metadata_view;

/** Make `md` an empty set.  Must be called before any other use. */
void lwg_metadata_init(lwg_metadata *md);

/** Empty the set; every view taken from it becomes invalid. */
void lwg_metadata_clear(lwg_metadata *md);

/** Entries in the set. */
size_t lwg_metadata_count(const lwg_metadata *md);

/** Arena bytes still free (what one more name + value may take). */
size_t lwg_metadata_bytes_free(const lwg_metadata *md);

/** Nonzero when `name` (`nlen` bytes) is a valid gRPC Header-Name:
 *  1 or more of 0-9 a-z _ - . (so never empty, never upper case, never a
 *  ':' pseudo-header). */
int lwg_metadata_name_valid(const char *name, size_t nlen);

/** Nonzero when `value` (`vlen` bytes; may be NULL when vlen == 0) is a
 *  valid ASCII-Value: every byte 0x20..0x7E.  Empty is valid. */
int lwg_metadata_value_valid(const uint8_t *value, size_t vlen);

/** Nonzero when `name` ends in "-bin": a binary header. */
int lwg_metadata_is_bin(const char *name, size_t nlen);

/** Nonzero when an application must not send `name` as custom metadata
 *  because the runtime or HTTP/2 owns it (compared case-insensitively):
 *    - pseudo-headers (starting with ':');
 *    - every name starting with "grpc-": the ones the spec defines
 *      (grpc-status, grpc-message, grpc-timeout, grpc-encoding,
 *      grpc-accept-encoding, grpc-message-type, grpc-status-details-bin)
 *      and all others, which the spec reserves for future gRPC use;
 *    - "content-type", "te", "user-agent" (Call-Definition, set by the
 *      runtime);
 *    - "content-length" (messages are framed by the runtime) and "host"
 *      (the runtime sends :authority, RFC 9113 §8.3.1);
 *    - connection-specific headers, which make an HTTP/2 message
 *      malformed (RFC 9113 §8.2.2): "connection", "keep-alive",
 *      "proxy-connection", "transfer-encoding", "upgrade". */
int lwg_metadata_is_reserved(const char *name, size_t nlen);

/** Add an application entry: name `name` (`nlen` bytes), decoded value
 *  `value` (`vlen` bytes; may be NULL when vlen == 0).  Both are copied;
 *  the caller keeps ownership.  For a -bin name the value is raw bytes;
 *  otherwise it must be an ASCII-Value.  Duplicate names are allowed and
 *  keep their order.  Returns:
 *    LWG_OK
 *    LWG_EINVAL  invalid name, reserved name, or (non -bin) a value byte
 *                outside 0x20..0x7E;
 *    LWG_ENOMEM  no free entry, or name + value do not fit in the arena.
 *  On error the set is unchanged. */
int lwg_metadata_add(lwg_metadata *md, const char *name, size_t nlen,
                     const void *value, size_t vlen);

/** lwg_metadata_add() without the reserved-name check, for the runtime.
 *  Name and value are still validated. */
int lwg_metadata_add_raw(lwg_metadata *md, const char *name, size_t nlen,
                         const void *value, size_t vlen);

/** Add a received field as it came off the wire (no reserved check).
 *  For a non -bin name this is lwg_metadata_add_raw().  For a -bin name
 *  the wire value is base64 (padded or not, lwg_base64.h) and is decoded
 *  straight into the arena.  A value joined from duplicate fields with
 *  "," (doc/PROTOCOL-HTTP2.md: implementations must split Binary-Headers
 *  on "," before decoding) becomes one entry per part, in order; spaces
 *  and tabs around each part are ignored and an empty part is an empty
 *  value.  All parts are added or none.  Returns LWG_OK, LWG_EINVAL
 *  (invalid name, or a non -bin value byte outside 0x20..0x7E),
 *  LWG_EPROTO (a part is not valid base64), or LWG_ENOMEM (entries or
 *  arena full).  On error the set is unchanged. */
int lwg_metadata_add_wire(lwg_metadata *md, const char *name, size_t nlen,
                          const uint8_t *wire, size_t wlen);

/** What the caller already knows of a field (the HPACK decoder works it
 *  out once per table entry): lwg_metadata_add_wire_known() skips those
 *  checks. */
#define LWG_MD_KNOWN_NAME_OK  1u   /* lwg_metadata_name_valid() holds      */
#define LWG_MD_KNOWN_VALUE_OK 2u   /* lwg_metadata_value_valid() holds     */

/** lwg_metadata_add_wire() without the checks `known` vouches for. */
int lwg_metadata_add_wire_known(lwg_metadata *md, const char *name, size_t nlen,
                                const uint8_t *wire, size_t wlen, unsigned known);

/** View entry `i` (0 <= i < count, in the order added).  Returns LWG_OK
 *  and fills *v, or LWG_EINVAL when i is out of range (*v untouched). */
int lwg_metadata_at(const lwg_metadata *md, size_t i, lwg_metadata_view *v);

/** Index of the first entry at or after `start` whose name is exactly
 *  `name` (`nlen` bytes), or lwg_metadata_count(md) when there is none.
 *  Iterate duplicates with start = previous index + 1. */
size_t lwg_metadata_find(const lwg_metadata *md, const char *name,
                         size_t nlen, size_t start);

/** The decoded value of the first entry named `name`, with its length in
 *  *vlen (if vlen is not NULL); NULL when there is no such entry (an
 *  empty value is a non-NULL pointer with length 0).  Borrowed: see
 *  VIEWS above. */
const uint8_t *lwg_metadata_get(const lwg_metadata *md, const char *name,
                                size_t nlen, size_t *vlen);

/** Bytes entry `i`'s value takes on the wire: its length, or the
 *  unpadded base64 length for a -bin entry.  0 when i is out of range. */
size_t lwg_metadata_wire_len(const lwg_metadata *md, size_t i);

/** Write entry `i`'s wire value into `out` (`out_size` bytes, no
 *  terminator): the value as is, or unpadded base64 for a -bin entry.
 *  Returns the length written, LWG_EINVAL when i is out of range, or
 *  LWG_ENOMEM (nothing written) when it does not fit: size `out` with
 *  lwg_metadata_wire_len(). */
int lwg_metadata_wire_value(const lwg_metadata *md, size_t i, char *out,
                            size_t out_size);

/** The header-list size of all entries as sent: for each, name length +
 *  wire value length + 32 (RFC 9113 §6.5.2; the spec asks for binary
 *  values to be counted after base64), to compare with the peer's
 *  SETTINGS_MAX_HEADER_LIST_SIZE. */
size_t lwg_metadata_header_list_size(const lwg_metadata *md);

#endif /* LWG_METADATA_H */
