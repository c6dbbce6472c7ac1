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
#include "transport/lwg_h2.h"

/** A service: its handlers (generated per .proto service). */
typedef struct lwg_service {
    const char *name;                  /* "pkg.Service"                  */
    const lwg_handler *handlers;
    size_t count;
} lwg_service;

typedef struct lwg_server lwg_server;

typedef struct lwg_server_conn {
    lwg_h2_conn h2;
    lwg_link link;
    lwg_server *server;
    uint8_t in_use;
    uint8_t service_pending;
    uint32_t now_ms;
} lwg_server_conn;

struct lwg_server {
    const lwg_service *services[LWG_MAX_SERVICES];
    size_t service_count;
    lwg_h2_settings settings;
    uint32_t max_recv_message;      /* per call, <= LWG_MAX_RECV_MESSAGE */
    uint32_t max_send_message;      /* per call, <= LWG_MAX_SEND_MESSAGE */
    uint8_t shutting_down;
    lwg_server_conn conns[LWG_MAX_CONNECTIONS];
    lwg_call calls[LWG_MAX_SERVER_CALLS];
    void *user;
};

/** Initialise (no I/O).  The server struct is large (connections and
 *  calls are inside it): place it statically. */
void lwg_server_init(lwg_server *srv, void *user);

/** Register a service (kept by pointer: must outlive the server).
 *  LWG_ENOMEM when LWG_MAX_SERVICES are registered. */
int lwg_server_add_service(lwg_server *srv, const lwg_service *svc);

/** Find the handler for a :path ("/pkg.Service/Method"); NULL if none. */
const lwg_handler *lwg_server_find_handler(const lwg_server *srv,
                                           const uint8_t *path, size_t len);

/** A transport connection arrived (see the driver contract). */
const lwg_link *lwg_server_accept(lwg_server *srv, uint32_t now_ms);

/** Number of connections in use. */
unsigned lwg_server_connections(const lwg_server *srv);

#endif /* LWG_SERVER_H */
