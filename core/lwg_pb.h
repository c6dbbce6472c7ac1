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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* ---- the same, written out at compile time ------------------------------
 *
 * LWG_PB_CLEAR(T, msg) and LWG_PB_RESET(T, msg) do what lwg_pb_clear() and
 * lwg_pb_reset() do to a T (nanopb's C name of the message type), without
 * walking the descriptor at run time: nanopb's T_FIELDLIST X-macro is
 * expanded into one statement per field.  Static singular, required and
 * optional fields of scalar, enum, string and bytes types are set in line;
 * a message with any other field (submessage, repeated, oneof, callback,
 * pointer, extension) or with default values is handed to the function
 * whole, so the result is the same in every case.  The generated stubs
 * use these; `msg` is evaluated once. */
#define LWG_PB_CLEAR(T, msg) LWG_PB_WALK_(T, msg, lwg_pb_clear)
#define LWG_PB_RESET(T, msg) LWG_PB_WALK_(T, msg, lwg_pb_reset)

#define LWG_PB_WALK_(T, msg, fallback) \
    do { \
        T *lwg_pb_m_ = (msg); \
        int lwg_pb_slow_ = (T##_msg).default_value != NULL; \
        T##_FIELDLIST(LWG_PB_F_, lwg_pb_m_) \
        if (lwg_pb_slow_) \
            fallback(&T##_msg, lwg_pb_m_); \
    } while (0)

/* one field: X(a, allocation, kind, type, name, tag) of T_FIELDLIST; only
 * static fields can be set in line */
#define LWG_PB_F_(m, atype, htype, ltype, name, tag) LWG_PB_A_##atype(m, htype, ltype, name)
#define LWG_PB_A_POINTER(m, ht, lt, f)  lwg_pb_slow_ = 1;
#define LWG_PB_A_CALLBACK(m, ht, lt, f) lwg_pb_slow_ = 1;
#define LWG_PB_A_STATIC(m, ht, lt, f)   LWG_PB_H_##ht(m, lt, f)
#define LWG_PB_H_SINGULAR(m, lt, f) LWG_PB_V_##lt((m)->f)
#define LWG_PB_H_REQUIRED(m, lt, f) LWG_PB_V_##lt((m)->f)
#define LWG_PB_H_OPTIONAL(m, lt, f) (m)->has_##f = false; LWG_PB_V_##lt((m)->f)
#define LWG_PB_H_REPEATED(m, lt, f) lwg_pb_slow_ = 1;
#define LWG_PB_H_FIXARRAY(m, lt, f) lwg_pb_slow_ = 1;
#define LWG_PB_H_ONEOF(m, lt, f)    lwg_pb_slow_ = 1;

/* one static value, by nanopb field type */
#define LWG_PB_V_BOOL(v)     (v) = 0;
#define LWG_PB_V_INT32(v)    (v) = 0;
#define LWG_PB_V_UINT32(v)   (v) = 0;
#define LWG_PB_V_SINT32(v)   (v) = 0;
#define LWG_PB_V_FIXED32(v)  (v) = 0;
#define LWG_PB_V_SFIXED32(v) (v) = 0;
#define LWG_PB_V_INT64(v)    (v) = 0;
#define LWG_PB_V_UINT64(v)   (v) = 0;
#define LWG_PB_V_SINT64(v)   (v) = 0;
#define LWG_PB_V_FIXED64(v)  (v) = 0;
#define LWG_PB_V_SFIXED64(v) (v) = 0;
#define LWG_PB_V_FLOAT(v)    (v) = 0;
#define LWG_PB_V_DOUBLE(v)   (v) = 0;
#define LWG_PB_V_ENUM(v)     (v) = 0;
#define LWG_PB_V_UENUM(v)    (v) = 0;
#define LWG_PB_V_STRING(v)   memset((v), 0, sizeof(v));
#define LWG_PB_V_BYTES(v)    (v).size = 0;
#define LWG_PB_V_FIXED_LENGTH_BYTES(v) memset(&(v), 0, sizeof(v));
#define LWG_PB_V_MESSAGE(v)   lwg_pb_slow_ = 1;
#define LWG_PB_V_MSG_W_CB(v)  lwg_pb_slow_ = 1;
#define LWG_PB_V_EXTENSION(v) lwg_pb_slow_ = 1;

#endif /* LWG_PB_H */
