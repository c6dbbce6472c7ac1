/*
 * lwg_pb.c - nanopb message glue: clear and reset a message struct field
 * by field, decode without nanopb's reset.  See lwg_pb.h.
 *
 * The walk mirrors nanopb 0.4's pb_field_set_to_default() (pb_decode.c)
 * field type by field type, with two departures: a bytes field gets only
 * its size set to 0 (nanopb zeroes the whole pb_bytes_array_t), and a
 * submessage is always walked (nanopb zeroes a plain one whole).
 */
#include "core/lwg_pb.h"

#include <stdbool.h>
#include <string.h>

#include <pb_common.h>
#include <pb_decode.h>

#include "port/lwg_err.h"

/* What a walk does where T_init_default and pb_decode()'s reset differ. */
enum {
    WALK_CLEAR = 1u,    /* lwg_pb_clear: callbacks zeroed, repeated elements
                           and oneof members cleared; else lwg_pb_reset */
    WALK_DEFAULTS = 2u  /* apply [default = ...] values */
};

static void walk_message(const pb_msgdesc_t *desc, void *msg, unsigned how);

/* Let nanopb reset `msg` itself: plain pb_decode() of no input sets the
 * default values (and resets the extension chain).  Its answer is
 * ignored: with a required field it is false (the field was not seen),
 * but the reset is done by then. */
static void nanopb_reset(const pb_msgdesc_t *desc, void *msg)
{
    static const pb_byte_t nothing[1] = { 0 };
    pb_istream_t is = pb_istream_from_buffer(nothing, 0);

    (void)pb_decode(&is, desc, msg);
}

/* Clear `count` values of a static field, data_size bytes apart from
 * `data`. */
static void clear_values(const pb_field_iter_t *f, void *data, pb_size_t count, unsigned how)
{
    char *p = data;
    pb_size_t i;

    switch (PB_LTYPE(f->type)) {
    case PB_LTYPE_BYTES:
        /* the size (and any padding before the payload), not the payload */
        for (i = 0; i < count; i++)
            memset(p + (size_t)i * f->data_size, 0, offsetof(pb_bytes_array_t, bytes));
        break;
    case PB_LTYPE_SUBMESSAGE:
    case PB_LTYPE_SUBMSG_W_CB:
        for (i = 0; i < count; i++)
            walk_message(f->submsg_desc, p + (size_t)i * f->data_size, how);
        break;
    default:
        /* scalars, enums, strings (NUL-filled), fixed-length bytes */
        memset(p, 0, (size_t)f->data_size * count);
        break;
    }
}

/* The fixed-count arrays of nanopb (fixed_count option) have no count
 * field: the iterator points pSize at its own array_size. */
static bool has_count_field(const pb_field_iter_t *f)
{
    return f->pSize != NULL && f->pSize != (const void *)&f->array_size;
}

static void walk_message(const pb_msgdesc_t *desc, void *msg, unsigned how)
{
    pb_field_iter_t f;
    bool nanopb = (how & WALK_DEFAULTS) && desc->default_value != NULL;

    if (!pb_field_iter_begin(&f, desc, msg))
        return; /* a message without fields */
    do {
        pb_type_t type = f.type;

        if (PB_LTYPE(type) == PB_LTYPE_EXTENSION) {
            if (how & WALK_CLEAR)
                *(pb_extension_t **)f.pData = NULL; /* as T_init_zero */
            else
                nanopb = true; /* pb_decode resets each extension of the chain */
            continue;
        }
        if (PB_ATYPE(type) == PB_ATYPE_CALLBACK) {
            if (how & WALK_CLEAR)
                memset(f.pData, 0, (size_t)f.data_size); /* pb_callback_t */
            continue;
        }
        if (PB_ATYPE(type) == PB_ATYPE_POINTER) {
            *(void **)f.pField = NULL;
            if ((PB_HTYPE(type) == PB_HTYPE_REPEATED || PB_HTYPE(type) == PB_HTYPE_ONEOF) &&
                has_count_field(&f))
                *(pb_size_t *)f.pSize = 0;
            continue;
        }
        /* static */
        switch (PB_HTYPE(type)) {
        case PB_HTYPE_REPEATED:
            if (has_count_field(&f))
                *(pb_size_t *)f.pSize = 0;
            if (how & WALK_CLEAR)
                clear_values(&f, f.pData, f.array_size, how);
            break;
        case PB_HTYPE_ONEOF:
            /* every member of the union comes here with the same which_ */
            *(pb_size_t *)f.pSize = 0;
            if (how & WALK_CLEAR) {
                /* submsg_callback: the oneof's pb_callback_t sits just
                 * before which_ (pb_decode.c, pb_dec_submessage) */
                if (PB_LTYPE(type) == PB_LTYPE_SUBMSG_W_CB)
                    memset((pb_callback_t *)f.pSize - 1, 0, sizeof(pb_callback_t));
                /* zeroes only, so that the members, which overlap, all
                 * read as cleared whatever their order (lwg_pb.h) */
                clear_values(&f, f.pData, 1, how & ~WALK_DEFAULTS);
            }
            break;
        default:
            /* required, optional (has_ or proto3 singular) */
            if (PB_HTYPE(type) == PB_HTYPE_OPTIONAL && f.pSize != NULL)
                *(bool *)f.pSize = false;
            clear_values(&f, f.pData, 1, how);
            break;
        }
    } while (pb_field_iter_next(&f));
    if (nanopb)
        nanopb_reset(desc, msg);
}

void lwg_pb_clear(const pb_msgdesc_t *fields, void *msg)
{
    walk_message(fields, msg, WALK_CLEAR | WALK_DEFAULTS);
}

void lwg_pb_reset(const pb_msgdesc_t *fields, void *msg)
{
    walk_message(fields, msg, WALK_DEFAULTS);
}

int lwg_pb_decode_noinit(const uint8_t *msg, size_t len, const pb_msgdesc_t *fields, void *dst)
{
    pb_istream_t is = pb_istream_from_buffer(msg, len);

    return pb_decode_ex(&is, fields, dst, PB_DECODE_NOINIT) ? LWG_OK : LWG_EPROTO;
}
