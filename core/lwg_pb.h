/*
 * lwg_pb.h - nanopb message glue: clear a message struct, and decode into
 * it, without writing every byte of it.
 *
 * WHY
 *   nanopb's T_init_zero, and the reset pb_decode() does before it reads,
 *   write the whole struct.  A `bytes` field with max_size N is a
 *   pb_bytes_array_t of N bytes, so a message with a 4 KiB bytes field
 *   costs a 4 KiB memset every time it is reset -- per call, even for a
 *   message that carries 100 bytes.  The functions here walk the message's
 *   fields with nanopb's field iterator (pb_common.h) instead, and set a
 *   bytes field's `size` to 0 without touching its payload: nanopb and
 *   correct users never read a pb_bytes_array_t past `size`.  The cost
 *   grows with the number of fields, not with max_size.
 *
 * THE TWO RESETS
 *   lwg_pb_clear()  what `T x = T_init_default;` gives (T_init_zero when
 *                   the message has no [default = ...] values):
 *                   callbacks (pb_callback_t) zeroed, repeated fields
 *                   emptied and every element cleared, oneof members
 *                   cleared.  For a struct the application fills in, or
 *                   one it hands to a hook before decoding (the generated
 *                   server trampolines: clear, prepare_request, then
 *                   lwg_pb_decode_noinit).
 *   lwg_pb_reset()  what pb_decode() does to its destination before
 *                   reading (nanopb 0.4 pb_field_set_to_default):
 *                   callbacks are kept (the caller set them to receive
 *                   the field), repeated counts and which_ members set to
 *                   0 without touching the elements or the union.  For
 *                   a struct about to be decoded (lwg_call_decode_pb).
 *
 *   Both, field by field (static allocation):
 *     optional with has_    has_ = false, and the value cleared
 *     bytes (pb_bytes_array_t)  size = 0; the payload is NOT written
 *     string (char[N])      all N bytes zeroed (code copies into it with
 *                           strncpy and relies on the NUL)
 *     submessage            cleared field by field, recursively
 *     anything else         scalars, enums, fixed-length bytes: zeroed
 *   and pointer fields (PB_ENABLE_MALLOC) become NULL with a count of 0,
 *   as nanopb sets them.
 *
 * DEFAULT VALUES (proto2 [default = ...])
 *   A message whose descriptor has default values (nanopb's T_DEFAULT is
 *   not NULL) gets them from nanopb itself: after its fields are walked
 *   it is given to plain pb_decode() with empty input, whose reset sets
 *   them (and which, on this one message, writes the whole struct again,
 *   payloads included; pb_decode's answer is ignored: a required field
 *   makes it false, nothing having been read, after the defaults are set).
 *   Submessages are handled the same way at every depth.  One difference
 *   from T_init_default is kept: lwg_pb_clear() leaves every member of a
 *   oneof cleared to zero, as T_init_zero does, where T_init_default puts
 *   the first member's default values in the union (which_ is 0 either
 *   way, and nanopb sets a member's defaults when it decodes that member).
 *   lwg_pb_reset() on a message with extension fields leaves the
 *   extension chain to pb_decode() the same way.
 *
 * Nothing is allocated; no state is kept.  Stack: one nanopb field
 * iterator per level of submessage nesting (as pb_decode itself).
 * `fields` is a generated T_fields descriptor and `msg` a T struct; both
 * are borrowed for the duration of the call.  The functions must be built
 * with the same nanopb configuration (PB_FIELD_32BIT, ...) as the
 * application's generated code.
 */
#ifndef LWG_PB_H
#define LWG_PB_H

#include <stddef.h>
#include <stdint.h>

#include <pb.h>

/** Set *msg to the value T_init_default gives (see CLEAR above): every
 *  field empty or at its default, callbacks NULL; bytes payloads are not
 *  written. */
void lwg_pb_clear(const pb_msgdesc_t *fields, void *msg);

/** Reset *msg as pb_decode() does before it reads (see above): fields
 *  empty or at their defaults, callbacks kept as the caller set them;
 *  bytes payloads, repeated elements and oneof unions are not written. */
void lwg_pb_reset(const pb_msgdesc_t *fields, void *msg);

/** Decode `len` bytes at `msg` into *dst, which is NOT reset first
 *  (pb_decode_ex with PB_DECODE_NOINIT): the fields present in the input
 *  are set over what *dst holds, repeated fields are appended to.  Call
 *  lwg_pb_clear() or lwg_pb_reset() before, unless merging is meant.
 *  LWG_OK, or LWG_EPROTO when the input does not decode (then *dst holds
 *  what was decoded so far). */
int lwg_pb_decode_noinit(const uint8_t *msg, size_t len,
                         const pb_msgdesc_t *fields, void *dst);

#endif /* LWG_PB_H */
