/*
 * lwg_hpack_names.c - well-known header names as small numbers
 * (LWG_HNAME_*, see lwg_hpack.h).
 *
 * The decoder names each field it hands out, and remembers the answer for
 * its table entries, so that the checks of RFC 9113 §8 and gRPC's own
 * header handling switch on a number instead of comparing strings.  The
 * static table's names are listed once here (static_names); test_hpack
 * checks that list against lwg_hpack_name_of().
 */
#include <string.h>

#include "transport/lwg_hpack.h"
#include "transport/lwg_hpack_tables.h"

#define IS(s) (memcmp(name, (s), sizeof(s) - 1) == 0)

unsigned lwg_hpack_name_of(const uint8_t *name, size_t len)
{
    switch (len) {
    case 2:  return IS("te") ? LWG_HNAME_TE : 0;
    case 4:  return IS("host") ? LWG_HNAME_HOST : 0;
    case 5:  return IS(":path") ? LWG_HNAME_PATH : 0;
    case 7:
        if (name[0] == ':')
            return IS(":method") ? LWG_HNAME_METHOD
                 : IS(":scheme") ? LWG_HNAME_SCHEME
                 : IS(":status") ? LWG_HNAME_STATUS : 0;
        return IS("upgrade") ? LWG_HNAME_UPGRADE : 0;
    case 10:
        return IS(":authority")  ? LWG_HNAME_AUTHORITY
             : IS("connection")  ? LWG_HNAME_CONNECTION
             : IS("keep-alive")  ? LWG_HNAME_KEEP_ALIVE
             : IS("user-agent")  ? LWG_HNAME_USER_AGENT : 0;
    case 11: return IS("grpc-status") ? LWG_HNAME_GRPC_STATUS : 0;
    case 12:
        return IS("content-type") ? LWG_HNAME_CONTENT_TYPE
             : IS("grpc-timeout") ? LWG_HNAME_GRPC_TIMEOUT
             : IS("grpc-message") ? LWG_HNAME_GRPC_MESSAGE : 0;
    case 13: return IS("grpc-encoding") ? LWG_HNAME_GRPC_ENCODING : 0;
    case 14: return IS("content-length") ? LWG_HNAME_CONTENT_LENGTH : 0;
    case 16: return IS("proxy-connection") ? LWG_HNAME_PROXY_CONNECTION : 0;
    case 17: return IS("transfer-encoding") ? LWG_HNAME_TRANSFER_ENCODING : 0;
    case 20: return IS("grpc-accept-encoding") ? LWG_HNAME_GRPC_ACCEPT_ENCODING : 0;
    default: return 0;
    }
}

/* lwg_hpack_name_of() of each static table name (RFC 7541 Appendix A) */
const uint8_t lwg_hpack_static_name[LWG_HPACK_STATIC_COUNT] = {
    LWG_HNAME_AUTHORITY,                                /* 1        */
    LWG_HNAME_METHOD, LWG_HNAME_METHOD,                 /* 2, 3     */
    LWG_HNAME_PATH, LWG_HNAME_PATH,                     /* 4, 5     */
    LWG_HNAME_SCHEME, LWG_HNAME_SCHEME,                 /* 6, 7     */
    LWG_HNAME_STATUS, LWG_HNAME_STATUS, LWG_HNAME_STATUS, LWG_HNAME_STATUS,
    LWG_HNAME_STATUS, LWG_HNAME_STATUS, LWG_HNAME_STATUS, /* 8-14   */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,              /* 15-27    */
    LWG_HNAME_CONTENT_LENGTH,                           /* 28       */
    0, 0,                                               /* 29, 30   */
    LWG_HNAME_CONTENT_TYPE,                             /* 31       */
    0, 0, 0, 0, 0, 0,                                   /* 32-37    */
    LWG_HNAME_HOST,                                     /* 38       */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 39-56  */
    LWG_HNAME_TRANSFER_ENCODING,                        /* 57       */
    LWG_HNAME_USER_AGENT,                               /* 58       */
    0, 0, 0,                                            /* 59-61    */
};
