/*
 * interop_common.c - see interop_common.h.
 */
#include "interop_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool encode_zeros(pb_ostream_t *s, const pb_field_t *f, void *const *arg)
{
    static const uint8_t zeros[1024];
    const interop_body_out *out = *arg;
    size_t n = out->size;

    if (!pb_encode_tag_for_field(s, f) || !pb_encode_varint(s, n))
        return false;
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        if (!pb_write(s, zeros, k))
            return false;
        n -= k;
    }
    return true;
}

static bool count_body(pb_istream_t *s, const pb_field_t *f, void **arg)
{
    interop_body_in *in = *arg;
    uint8_t buf[512];

    (void)f;
    while (s->bytes_left > 0) {
        size_t k = s->bytes_left < sizeof buf ? s->bytes_left : sizeof buf;
        if (!pb_read(s, buf, k))
            return false;
        for (size_t i = 0; i < k; i++)
            if (buf[i] != 0)
                in->nonzero = true;
        in->size += k;
    }
    return true;
}

void interop_payload_out(grpc_testing_Payload *p, interop_body_out *out)
{
    p->body.funcs.encode = encode_zeros;
    p->body.arg = out;
}

void interop_payload_in(grpc_testing_Payload *p, interop_body_in *in)
{
    in->size = 0;
    in->nonzero = false;
    p->body.funcs.decode = count_body;
    p->body.arg = in;
}

const char *interop_flag(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
            continue;
        if (a[2 + n] == '=')
            return a + 3 + n;
        if (a[2 + n] == '\0')
            return i + 1 < argc ? argv[i + 1] : "";
    }
    return NULL;
}

bool interop_flag_bool(int argc, char **argv, const char *name, bool dflt)
{
    const char *v = interop_flag(argc, argv, name);

    if (v == NULL)
        return dflt;
    return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || *v == '\0';
}

long interop_flag_int(int argc, char **argv, const char *name, long dflt)
{
    const char *v = interop_flag(argc, argv, name);

    return v ? strtol(v, NULL, 10) : dflt;
}

long interop_read_file(const char *path, uint8_t *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL)
        return -1;
    n = fread(buf, 1, size - 1, f);
    fclose(f);
    if (n == size - 1)
        return -1; /* too big for the buffer */
    buf[n] = 0;
    return (long)n + 1;
}
