/*
 * lwg_metadata.c - bounded metadata storage.  See lwg_metadata.h.
 */
#include "core/lwg_metadata.h"

#include <string.h>

#include "core/lwg_base64.h"
#include "port/lwg_err.h"

/* Reserved names besides ':' and "grpc-" prefixes (lwg_metadata.h). */
static const char *const reserved_names[] = {
    "content-type",
    "te",
    "user-agent",
    "content-length",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
};

#define RESERVED_COUNT (sizeof reserved_names / sizeof reserved_names[0])

static uint8_t ascii_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Case-insensitive: do the first `len` bytes of `name` equal `lit`? */
static int prefix_eq_ci(const char *name, size_t nlen, const char *lit,
                        size_t len)
{
    size_t i;

    if (nlen < len)
        return 0;
    for (i = 0; i < len; i++)
        if (ascii_lower((uint8_t)name[i]) != (uint8_t)lit[i])
            return 0;
    return 1;
}

void lwg_metadata_init(lwg_metadata *md)
{
    md->count = 0;
    md->used = 0;
}

void lwg_metadata_clear(lwg_metadata *md)
{
    lwg_metadata_init(md);
}

size_t lwg_metadata_count(const lwg_metadata *md)
{
    return md->count;
}

size_t lwg_metadata_bytes_free(const lwg_metadata *md)
{
    return (size_t)LWG_METADATA_BYTES - md->used;
}

/* Bytes allowed in a name, one bit per byte value: 0-9 a-z _ - . */
static const uint32_t name_ok[8] = {
    0x00000000u,
    0x03ff6000u,               /* '-' 0x2d, '.' 0x2e, '0'-'9'      */
    0x80000000u,               /* '_' 0x5f                         */
    0x07fffffeu,               /* 'a'-'z'                          */
    0, 0, 0, 0,
};

int lwg_metadata_name_valid(const char *name, size_t nlen)
{
    uint32_t ok = nlen > 0;

    for (size_t i = 0; i < nlen; i++) {
        uint8_t c = (uint8_t)name[i];
        ok &= name_ok[c >> 5] >> (c & 31u);
    }
    return (int)(ok & 1u);
}

int lwg_metadata_value_valid(const uint8_t *value, size_t vlen)
{
    unsigned bad = 0;

    for (size_t i = 0; i < vlen; i++)
        bad |= (uint8_t)(value[i] - 0x20u) > 0x5eu;   /* outside 0x20..0x7e */
    return bad == 0;
}

int lwg_metadata_is_bin(const char *name, size_t nlen)
{
    return nlen >= 4 && memcmp(name + nlen - 4, "-bin", 4) == 0;
}

int lwg_metadata_is_reserved(const char *name, size_t nlen)
{
    size_t i;

    if (nlen > 0 && name[0] == ':')
        return 1;
    if (prefix_eq_ci(name, nlen, "grpc-", 5))
        return 1;
    for (i = 0; i < RESERVED_COUNT; i++) {
        size_t len = strlen(reserved_names[i]);
        if (nlen == len && prefix_eq_ci(name, nlen, reserved_names[i], len))
            return 1;
    }
    return 0;
}

/* Take an entry and room for name + vlen value bytes; copy the name.
 * Returns the entry (its value bytes still to be written at
 * arena[off + name_len]) or NULL when entries or arena are full. */
static inline lwg_metadata_entry *reserve(lwg_metadata *md, const char *name,
                                          size_t nlen, size_t vlen)
{
    size_t room = lwg_metadata_bytes_free(md);
    lwg_metadata_entry *e;

    if (md->count >= LWG_MAX_METADATA || nlen > room || vlen > room - nlen)
        return NULL;
    e = &md->entries[md->count++];
    e->off = md->used;
    e->name_len = (uint16_t)nlen;
    e->value_len = (uint16_t)vlen;
    memcpy(md->arena + e->off, name, nlen);
    md->used = (uint16_t)(md->used + nlen + vlen);
    return e;
}

/* lwg_metadata_add_raw() without the checks `known` vouches for */
static inline int add_known(lwg_metadata *md, const char *name, size_t nlen,
                            const void *value, size_t vlen, unsigned known)
{
    lwg_metadata_entry *e;

    if (!(known & LWG_MD_KNOWN_NAME_OK) && !lwg_metadata_name_valid(name, nlen))
        return LWG_EINVAL;
    if (!(known & LWG_MD_KNOWN_VALUE_OK) && !lwg_metadata_is_bin(name, nlen) &&
        !lwg_metadata_value_valid((const uint8_t *)value, vlen))
        return LWG_EINVAL;
    e = reserve(md, name, nlen, vlen);
    if (e == NULL)
        return LWG_ENOMEM;
    if (vlen > 0)
        memcpy(md->arena + e->off + e->name_len, value, vlen);
    return LWG_OK;
}

int lwg_metadata_add_raw(lwg_metadata *md, const char *name, size_t nlen,
                         const void *value, size_t vlen)
{
    return add_known(md, name, nlen, value, vlen, 0);
}

int lwg_metadata_add(lwg_metadata *md, const char *name, size_t nlen,
                     const void *value, size_t vlen)
{
    if (lwg_metadata_is_reserved(name, nlen))
        return LWG_EINVAL;
    return lwg_metadata_add_raw(md, name, nlen, value, vlen);
}

static int is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Decode one comma-separated base64 part into a new entry. */
static int add_bin_part(lwg_metadata *md, const char *name, size_t nlen,
                        const uint8_t *part, size_t plen)
{
    lwg_metadata_entry *e;
    int len;

    while (plen > 0 && is_ows(part[0])) {
        part++;
        plen--;
    }
    while (plen > 0 && is_ows(part[plen - 1]))
        plen--;
    len = lwg_base64_decoded_len(part, plen);
    if (len < 0)
        return len;
    e = reserve(md, name, nlen, (size_t)len);
    if (e == NULL)
        return LWG_ENOMEM;
    /* Already validated, and the room was reserved: cannot fail. */
    (void)lwg_base64_decode(part, plen, md->arena + e->off + e->name_len,
                            (size_t)len);
    return LWG_OK;
}

int lwg_metadata_add_wire_known(lwg_metadata *md, const char *name, size_t nlen,
                                const uint8_t *wire, size_t wlen, unsigned known)
{
    uint16_t count0 = md->count, used0 = md->used;
    size_t start = 0, i;

    if (!lwg_metadata_is_bin(name, nlen))
        return add_known(md, name, nlen, wire, wlen, known);
    if (!(known & LWG_MD_KNOWN_NAME_OK) && !lwg_metadata_name_valid(name, nlen))
        return LWG_EINVAL;
    if (wlen == 0)
        wire = (const uint8_t *)""; /* never offset a NULL pointer */
    for (i = 0; i <= wlen; i++) {
        int rc;
        if (i < wlen && wire[i] != ',')
            continue;
        rc = add_bin_part(md, name, nlen, wire + start, i - start);
        if (rc < 0) {
            md->count = count0; /* all or nothing */
            md->used = used0;
            return rc;
        }
        start = i + 1;
    }
    return LWG_OK;
}

int lwg_metadata_add_wire(lwg_metadata *md, const char *name, size_t nlen,
                          const uint8_t *wire, size_t wlen)
{
    return lwg_metadata_add_wire_known(md, name, nlen, wire, wlen, 0);
}

int lwg_metadata_at(const lwg_metadata *md, size_t i, lwg_metadata_view *v)
{
    const lwg_metadata_entry *e;

    if (i >= md->count)
        return LWG_EINVAL;
    e = &md->entries[i];
    v->name = (const char *)(md->arena + e->off);
    v->name_len = e->name_len;
    v->value = md->arena + e->off + e->name_len;
    v->value_len = e->value_len;
    v->binary = lwg_metadata_is_bin(v->name, v->name_len);
    return LWG_OK;
}

size_t lwg_metadata_find(const lwg_metadata *md, const char *name,
                         size_t nlen, size_t start)
{
    size_t i;

    for (i = start; i < md->count; i++) {
        const lwg_metadata_entry *e = &md->entries[i];
        if (e->name_len == nlen &&
            memcmp(md->arena + e->off, name, nlen) == 0)
            return i;
    }
    return md->count;
}

const uint8_t *lwg_metadata_get(const lwg_metadata *md, const char *name,
                                size_t nlen, size_t *vlen)
{
    size_t i = lwg_metadata_find(md, name, nlen, 0);
    const lwg_metadata_entry *e;

    if (i >= md->count)
        return NULL;
    e = &md->entries[i];
    if (vlen != NULL)
        *vlen = e->value_len;
    return md->arena + e->off + e->name_len;
}

size_t lwg_metadata_wire_len(const lwg_metadata *md, size_t i)
{
    lwg_metadata_view v;

    if (lwg_metadata_at(md, i, &v) != LWG_OK)
        return 0;
    return v.binary ? lwg_base64_encoded_len(v.value_len) : v.value_len;
}

int lwg_metadata_wire_value(const lwg_metadata *md, size_t i, char *out,
                            size_t out_size)
{
    lwg_metadata_view v;

    if (lwg_metadata_at(md, i, &v) != LWG_OK)
        return LWG_EINVAL;
    if (v.binary)
        return lwg_base64_encode(v.value, v.value_len, out, out_size);
    if (v.value_len > out_size)
        return LWG_ENOMEM;
    if (v.value_len > 0)
        memcpy(out, v.value, v.value_len);
    return (int)v.value_len;
}

size_t lwg_metadata_header_list_size(const lwg_metadata *md)
{
    size_t total = 0, i;

    for (i = 0; i < md->count; i++)
        total += md->entries[i].name_len + lwg_metadata_wire_len(md, i) +
                 LWG_METADATA_FIELD_OVERHEAD;
    return total;
}
