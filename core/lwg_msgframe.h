/*
 * lwg_msgframe.h - gRPC length-prefixed message framing
 * (doc/PROTOCOL-HTTP2.md, "Length-Prefixed-Message"):
 *
 *     Compressed-Flag (1 byte, 0 or 1) | Message-Length (4 bytes, big
 *     endian) | Message (Message-Length bytes)
 *
 * DATA frame boundaries have no relation to message boundaries, so the
 * receive side is a resumable parser fed arbitrary chunks.  Sans-I/O: no
 * I/O, no clock, nothing allocated; the reader keeps no pointer to the
 * caller's input after a call returns, except the zero-copy view below.
 *
 * RECEIVING
 *
 *     lwg_msg_reader r;
 *     lwg_msg_reader_init(&r, buf, sizeof buf, LWG_MAX_RECV_MESSAGE);
 *     while (len > 0) {                          // one DATA payload
 *         size_t used;
 *         int rc = lwg_msg_reader_feed(&r, data, len, &used);
 *         data += used; len -= used;
 *         if (rc == LWG_EAGAIN) break;           // all used, need more
 *         if (rc < 0) fail the call;             // see the codes below
 *         deliver(r.msg, r.msg_len, r.compressed);
 *         lwg_msg_reader_next(&r);
 *     }
 *     ...
 *     at END_STREAM: if (lwg_msg_reader_partial(&r)) -> INTERNAL
 *
 *   The reader gathers the 5-byte prefix (across any number of chunks),
 *   checks the announced length, then gathers the payload.  It stops at
 *   the end of each message so the caller can deliver it; further feeds
 *   are refused until lwg_msg_reader_next().
 *
 *   Zero copy: when the whole payload of a message is inside one fed
 *   chunk (nothing of it gathered before), r.msg points into that chunk
 *   instead of the buffer and r.zero_copy is 1.  Such a view is borrowed:
 *   valid only while the caller's input is (for HTTP/2 DATA, during the
 *   callback that delivered it) and never after the next feed.  A caller
 *   that must keep the message longer calls lwg_msg_reader_keep(), which
 *   copies it into the buffer.  Otherwise r.msg points into the caller's
 *   buffer and stays valid until lwg_msg_reader_next() or a new init.
 *
 *   Bound: a message is accepted when its length is at most
 *   min(max_message, buf_size), whichever path it takes, so the outcome
 *   never depends on how the input was split.
 */
#ifndef LWG_MSGFRAME_H
#define LWG_MSGFRAME_H

#include <stddef.h>
#include <stdint.h>

/** Bytes of the message prefix. */
#define LWG_MSG_PREFIX_LEN 5

/** A resumable receive parser.  Place it anywhere (static, stack, inside
 *  a call struct); lwg_msg_reader_init() before use.  Callers read the
 *  four result fields after LWG_OK; everything else is private. */
typedef struct lwg_msg_reader {
    /* Results, valid after lwg_msg_reader_feed() returned LWG_OK. */
    const uint8_t *msg;   /* payload (never NULL, even when msg_len == 0) */
    uint32_t msg_len;     /* payload bytes */
    uint8_t compressed;   /* the Compressed-Flag: 0 or 1 */
    uint8_t zero_copy;    /* 1: msg borrows the fed input (see above) */

    /* Private. */
    uint8_t state;
    uint8_t prefix_have;  /* prefix bytes gathered (0..5) */
    uint8_t prefix[LWG_MSG_PREFIX_LEN];
    int8_t error;         /* first error, sticky (0 = none) */
    uint8_t *buf;         /* caller's payload buffer */
    size_t buf_size;
    uint32_t limit;       /* min(max_message, buf_size) */
    uint32_t have;        /* payload bytes gathered into buf */
} lwg_msg_reader;

/** Prepare `r` to read a new stream of messages into `buf`.  The reader
 *  borrows `buf` (`buf_size` bytes; may be NULL when buf_size is 0, then
 *  only empty messages are accepted) until it is initialised again; the
 *  caller still owns it.  Messages longer than `max_message` or
 *  buf_size are refused with LWG_ETOOBIG.  Also resets a reader in any
 *  state, including after an error. */
void lwg_msg_reader_init(lwg_msg_reader *r, uint8_t *buf, size_t buf_size,
                         uint32_t max_message);

/** Feed `len` bytes at `data` (may be NULL when len == 0).  Sets
 *  *consumed to the bytes used (always, also on error).  Returns:
 *    LWG_OK       a message is complete: msg, msg_len, compressed and
 *                 zero_copy are set; *consumed ends at its last byte, the
 *                 rest of the input is the caller's to feed again after
 *                 lwg_msg_reader_next().
 *    LWG_EAGAIN   all `len` bytes were used and no message is complete.
 *    LWG_ETOOBIG  a prefix announced more than min(max_message,
 *                 buf_size) bytes; *consumed ends at the prefix.  The
 *                 caller ends the call with RESOURCE_EXHAUSTED.
 *    LWG_EPROTO   the Compressed-Flag was neither 0 nor 1 (checked once the
 *                 prefix is complete); *consumed ends at the prefix.  The
 *                 caller ends the call with INTERNAL.
 *    LWG_EINVAL   a message is still pending (lwg_msg_reader_next() was
 *                 not called); nothing is consumed.
 *  LWG_ETOOBIG and LWG_EPROTO are sticky: every later feed returns the
 *  same code and consumes nothing, until lwg_msg_reader_init(). */
int lwg_msg_reader_feed(lwg_msg_reader *r, const uint8_t *data, size_t len,
                        size_t *consumed);

/** Release the message returned by the last LWG_OK and start the next
 *  one.  The message view (in buf or borrowed) is invalid from now on.
 *  Without a pending message (or after an error) this does nothing. */
void lwg_msg_reader_next(lwg_msg_reader *r);

/** Copy a pending zero-copy message into the reader's buffer, so it
 *  stays valid until lwg_msg_reader_next() however the caller's input is
 *  reused.  It always fits (a message is never accepted beyond the
 *  buffer).  Afterwards msg points into buf and zero_copy is 0.  Does
 *  nothing when no message is pending or it is already in buf. */
void lwg_msg_reader_keep(lwg_msg_reader *r);

/** Nonzero when the reader is inside a message: part of a prefix or
 *  payload was consumed but the message is not complete, or a sticky
 *  error stopped it mid-message.  At end of stream this means the peer
 *  ended the stream inside a message, which is INTERNAL.  Zero when idle
 *  between messages and when a complete message is pending. */
int lwg_msg_reader_partial(const lwg_msg_reader *r);

/** Write the 5-byte prefix of a message of `len` bytes: flag byte 1 if
 *  `compressed` is nonzero else 0, then `len` big-endian. */
void lwg_msg_prefix_encode(uint8_t out[LWG_MSG_PREFIX_LEN], int compressed,
                           uint32_t len);

/** Read the 5-byte prefix at `in`: the message length into *len; returns
 *  the flag byte (0 plain, 1 compressed, anything else is invalid). */
static inline unsigned lwg_msg_prefix_decode(const uint8_t in[LWG_MSG_PREFIX_LEN], uint32_t *len)
{
    *len = ((uint32_t)in[1] << 24) | ((uint32_t)in[2] << 16) | ((uint32_t)in[3] << 8) | in[4];
    return in[0];
}

#endif /* LWG_MSGFRAME_H */
