/*
 * lwg_server.h - the server side: services, connections, and the pool of
 * server calls.
 *
 * A server holds LWG_MAX_CONNECTIONS connection slots (each an HTTP/2
 * connection in fixed memory) and LWG_MAX_SERVER_CALLS call slots shared
 * by all connections.  A request for a known method takes a call slot and
 * goes to that method's handler; with no slot free the stream is refused
 * (REFUSED_STREAM, which clients retry).  Unknown methods get
 * UNIMPLEMENTED; a non-gRPC content type gets HTTP 415.
 *
 * DRIVER CONTRACT
 *   lwg_server_accept(srv, now)    a transport connection arrived: returns
 *                                  the lwg_link to pump, or NULL when every
 *                                  slot is taken (close the transport:
 *                                  that is the clean refusal)
 *   link->closed(ctx, err)         it closed under us; the slot is free
 *                                  again once the link's wants_close() or
 *                                  closed() has been seen
 *   link->tick()                   after pumping, and when next_timeout()
 *                                  says (deadlines, deferred deliveries)
 */
#ifndef LWG_SERVER_H
#define LWG_SERVER_H

#include "core/lwg_call.h"
#include "core/lwg_keepalive.h"
#include "transport/lwg_h2.h"

/** Server connection management (doc/keepalive.md, proposal A9).  Zero
 *  fields take gRPC's defaults given here; LWG_SERVER_NEVER disables a
 *  limit whose default is finite. */
#define LWG_SERVER_NEVER 0xffffffffu
typedef struct lwg_server_opts {
    uint32_t keepalive_time_ms;          /* 0: 2 hours                      */
    uint32_t keepalive_timeout_ms;       /* 0: 20 s                         */
    uint32_t max_connection_idle_ms;     /* 0: never                        */
    uint32_t max_connection_age_ms;      /* 0: never                        */
    uint32_t max_connection_age_grace_ms;/* 0: forever                      */
    uint32_t keepalive_min_time_ms;      /* 0: 5 minutes (enforcement)      */
    uint8_t keepalive_permit_without_stream; /* enforcement: PINGs with no  */
                                         /* stream are fine (default no)   */
    /* Checks a request before its handler runs (per-RPC credentials: read
     * "authorization" from lwg_call_metadata(), the TLS peer through
     * lwg_call_transport()).  Return LWG_STATUS_OK to go on, or the status
     * to answer with (UNAUTHENTICATED, PERMISSION_DENIED); the handler is
     * never called then.  NULL: every request goes to its handler. */
    int (*auth_check)(lwg_call *call, void *user);
    void *auth_user;
} lwg_server_opts;

/** A service: its handlers (generated per .proto service). */
typedef struct lwg_service {
    const char *name;                  /* "pkg.Service"                  */
    const lwg_handler *handlers;
    size_t count;
} lwg_service;

typedef struct lwg_server lwg_server;

/* drain phases (double GOAWAY) */
#define LWG_DRAIN_NONE  0
#define LWG_DRAIN_PING  1  /* GOAWAY(2^31-1) sent, waiting for a PING ACK */
#define LWG_DRAIN_FINAL 2  /* GOAWAY(last stream id) sent                */

typedef struct lwg_server_conn {
    lwg_link link;
    lwg_server *server;
    uint8_t in_use;
    uint8_t kill;                   /* close the transport now             */
    uint8_t drain;                  /* LWG_DRAIN_*                         */
    uint8_t grace_set;
    uint8_t idle_set;
    uint32_t now_ms;
    uint32_t age_deadline_ms;       /* max_connection_age (jittered)       */
    uint32_t idle_deadline_ms;      /* max_connection_idle (jittered)      */
    uint32_t grace_deadline_ms;     /* drain: close after this             */
    void *transport;                /* the driver's (e.g. its lwg_tls_conn) */
    const lwg_handler *last_handler;/* the last :path found, tried first    */
    uint32_t last_path_len;
    lwg_keepalive ka;
    lwg_ping_policy pings;
    lwg_h2_conn h2;                 /* last: large                         */
} lwg_server_conn;

struct lwg_server {
    const lwg_server_opts *opts;    /* NULL: defaults                      */
    const lwg_service *services[LWG_MAX_SERVICES];
    size_t service_count;
    lwg_h2_settings settings;
    uint32_t max_recv_message;      /* per call, <= LWG_MAX_RECV_MESSAGE */
    uint32_t max_send_message;      /* per call, <= LWG_MAX_SEND_MESSAGE */
    uint8_t shutting_down;
    unsigned calls_hwm;             /* call slots ever used: loops stop here */
    unsigned calls_free;            /* entries in free_calls               */
    uint16_t free_calls[LWG_MAX_SERVER_CALLS]; /* idle slots, a stack: the */
                                    /* slot freed last is taken first      */
    lwg_server_conn conns[LWG_MAX_CONNECTIONS];
    lwg_call calls[LWG_MAX_SERVER_CALLS];
    void *user;
};

/** Initialise (no I/O).  The server struct is large (connections and
 *  calls are inside it): place it statically. */
void lwg_server_init(lwg_server *srv, void *user);

/** Set options (kept by pointer; NULL: defaults).  Applies to connections
 *  accepted afterwards. */
void lwg_server_set_opts(lwg_server *srv, const lwg_server_opts *opts);

/** Graceful stop: accept no more connections, send every connection a
 *  GOAWAY (the double GOAWAY of A9), let calls in flight finish, and
 *  close whatever is left grace_ms from now (0: close at once).
 *  lwg_server_connections() reaches 0 when it is over. */
void lwg_server_shutdown(lwg_server *srv, uint32_t grace_ms, uint32_t now_ms);

/** Register a service (kept by pointer: must outlive the server).
 *  LWG_ENOMEM when LWG_MAX_SERVICES are registered. */
int lwg_server_add_service(lwg_server *srv, const lwg_service *svc);

/** Find the handler for a :path ("/pkg.Service/Method"); NULL if none. */
const lwg_handler *lwg_server_find_handler(const lwg_server *srv,
                                           const uint8_t *path, size_t len);

/** A transport connection arrived (see the driver contract). */
const lwg_link *lwg_server_accept(lwg_server *srv, uint32_t now_ms);

/** The driver's transport object of the connection a server call came
 *  on (set with lwg_server_set_transport(); e.g. an lwg_tls_conn, to ask
 *  for the verified peer identity), or NULL. */
void *lwg_call_transport(const lwg_call *call);

/** Driver: attach its transport object to the connection behind `link`
 *  (a link returned by lwg_server_accept()). */
void lwg_server_set_transport(const lwg_link *link, void *transport);

/** Number of connections in use. */
unsigned lwg_server_connections(const lwg_server *srv);

#endif /* LWG_SERVER_H */
