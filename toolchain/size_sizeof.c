/*
 * size_sizeof.c - sizeof of lwgrpc's main structs on a target, read without
 * running anything: each struct T gets a global
 *
 *     char lwg_sizeof__T[sizeof(T)];
 *
 * and toolchain/size.sh reads the symbol sizes from this object with the
 * target's `nm -S`.  Compiled for every cross target and sample
 * configuration by `make size` (the report shows cortex-m4).
 *
 * A header that does not exist yet is skipped (__has_include), so this file
 * compiles while the API grows.  Add a line when a new caller-placed struct
 * appears (its RAM is what a user budgets).
 */
#include "port/lwg_port.h"

#define LWG_SIZEOF(T) char lwg_sizeof__##T[sizeof(T)]

LWG_SIZEOF(lwg_link);
LWG_SIZEOF(lwg_link_ops);

#if defined(__has_include)
#if __has_include("transport/lwg_h2.h")
#include "transport/lwg_h2.h"
LWG_SIZEOF(lwg_h2_conn);
#endif
#if __has_include("core/lwg_channel.h")
#include "core/lwg_channel.h"
LWG_SIZEOF(lwg_channel);
LWG_SIZEOF(lwg_call);
#endif
#if __has_include("core/lwg_server.h")
#include "core/lwg_server.h"
LWG_SIZEOF(lwg_server);
#endif
#endif
