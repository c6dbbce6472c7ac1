/*
 * interop_common.h - what lwgrpc's interop_server and interop_client share:
 * the generated grpc.testing stubs, payload body callbacks (bodies are
 * zeros and are never stored: written in chunks, counted when read), and
 * flag parsing in gRPC's interop style (--flag=value and --flag value).
 */
#ifndef INTEROP_COMMON_H
#define INTEROP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "core/lwg_call.h"
#include "grpc/testing/empty.pb.h"
#include "grpc/testing/messages.pb.h"
/* grpc.testing.TestService and UnimplementedService: method descriptors,
 * typed clients and the server's handler table, by protoc-gen-lwgrpc */
#include "grpc/testing/test.lwgrpc.h"

/** A body to write: `size` zero bytes. */
typedef struct interop_body_out {
    size_t size;
} interop_body_out;

/** A body read: its length, and whether a byte was not zero. */
typedef struct interop_body_in {
    size_t size;
    bool nonzero;
} interop_body_in;

/** Make `p` carry `out->size` zero bytes when encoded. */
void interop_payload_out(grpc_testing_Payload *p, interop_body_out *out);
/** Make `p` count its body into `in` when decoded. */
void interop_payload_in(grpc_testing_Payload *p, interop_body_in *in);

/** Flags: returns the value of --name (NULL if absent). */
const char *interop_flag(int argc, char **argv, const char *name);
/** Boolean flag: "true"/"1" is true; absent is `dflt`. */
bool interop_flag_bool(int argc, char **argv, const char *name, bool dflt);
/** Integer flag; absent is `dflt`. */
long interop_flag_int(int argc, char **argv, const char *name, long dflt);

/** Read a whole file (certificates, keys) into buf, NUL-terminated (PEM
 *  is parsed as a string).  Returns its length + 1, or -1. */
long interop_read_file(const char *path, uint8_t *buf, size_t size);

#endif
