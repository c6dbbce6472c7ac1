/*
 * lwg_posix.h - the POSIX port's network driver: non-blocking TCP sockets
 * (IPv4 and IPv6), a poll() pump, getaddrinfo() for host names, and a
 * blocking client API built on the asynchronous one.
 *
 * This is the only place lwgrpc touches sockets.  It drives core/ objects
 * through their links (port/lwg_port.h): bytes read are offered to
 * link->input(), link->output() is written to the socket, link->tick()
 * runs when link->next_timeout() says a timer is due (as a timer-driven
 * port would call it), not on every pass.
 *
 * MEMORY: each socket has an lwg_posix_io with a receive buffer of
 * LWG_POSIX_RX_BUF bytes (the kernel's one copy lands there; the engine
 * parses it in place).  Bytes the engine could not take yet (its transmit
 * buffer was full) stay there until it can: the socket is not read again
 * until they are consumed, which is the backpressure towards the peer.
 *
 * THREADS: none.  Everything runs inside lwg_posix_poll() on the calling
 * thread; callbacks of calls and handlers run there too.
 */
#ifndef LWG_POSIX_H
#define LWG_POSIX_H

#include "core/lwg_channel.h"
#include "core/lwg_server.h"
#if LWG_TLS
#include "transport/lwg_tls.h"
#endif

#ifndef LWG_POSIX_RX_BUF
#define LWG_POSIX_RX_BUF 16384
#endif

/** One socket pumped with a link. */
typedef struct lwg_posix_io {
    int fd;                    /* -1 when closed                         */
    const lwg_link *link;
    uint8_t connecting;        /* client: non-blocking connect pending   */
    uint8_t want_write;        /* output is pending: poll for POLLOUT    */
    void *tls;                 /* its lwg_tls_conn, when wrapped in TLS  */
    lwg_channel *channel;      /* client side: whose connection it is    */
    uint8_t timer_armed;       /* server side: tick at timer_at          */
    uint32_t timer_at;
    uint32_t rx_off;
    uint32_t rx_len;
    uint8_t rx[LWG_POSIX_RX_BUF];
} lwg_posix_io;

/** A channel driven over TCP to host:port (one socket per connection
 *  slot of the channel). */
typedef struct lwg_posix_client {
    lwg_channel *channel;
    char host[256];
    char port[8];
    lwg_posix_io io[LWG_CHANNEL_CONNS];
    uint8_t timer_armed;            /* the channel ticks at timer_at       */
    uint32_t timer_at;
#if LWG_TLS
    const lwg_tls_config *tls;      /* NULL: plaintext                    */
    lwg_tls_conn tls_conn[LWG_CHANNEL_CONNS];
#endif
} lwg_posix_client;

/** A server listening on TCP. */
typedef struct lwg_posix_server {
    lwg_server *server;
    int listen_fd;
    int port;                  /* the bound port (useful with port 0)    */
    unsigned refused;          /* connections refused: no free slot      */
    unsigned conns_hi;         /* conns[conns_hi..] have never been used */
    lwg_posix_io conns[LWG_MAX_CONNECTIONS];
#if LWG_TLS
    const lwg_tls_config *tls;      /* NULL: plaintext                    */
    lwg_tls_conn tls_conn[LWG_MAX_CONNECTIONS];
#endif
} lwg_posix_server;

/** Drive `ch` to host:port.  The connection is opened when the channel
 *  asks (its first call) and again after it closes.  LWG_EINVAL if host or
 *  port are too long. */
int lwg_posix_client_init(lwg_posix_client *pc, lwg_channel *ch,
                          const char *host, int port);

/** Listen on addr:port (addr NULL: every address, IPv6 and IPv4; port 0:
 *  any free port, see ps->port).  LWG_EIO on socket errors. */
int lwg_posix_server_listen(lwg_posix_server *ps, lwg_server *srv,
                            const char *addr, int port);

#if LWG_TLS
/** Wrap every connection of this client in TLS with `cfg` (a client
 *  config, kept by pointer); the channel becomes https.  Call after
 *  lwg_posix_client_init(), before the first call. */
void lwg_posix_client_use_tls(lwg_posix_client *pc, const lwg_tls_config *cfg);

/** Wrap every accepted connection in TLS with `cfg` (a server config).
 *  Handlers reach the connection's lwg_tls_conn (verified peer identity)
 *  through lwg_call_transport(). */
void lwg_posix_server_use_tls(lwg_posix_server *ps, const lwg_tls_config *cfg);

/** A time source for certificate validity (seconds since 1970). */
int64_t lwg_posix_unix_time(void);
#endif

/** Close the listening socket and every connection. */
void lwg_posix_server_close(lwg_posix_server *ps);

/** Close the client's connections (their calls fail UNAVAILABLE). */
void lwg_posix_client_close(lwg_posix_client *pc);

/** One pass: wait up to max_wait_ms (or less, as timers require) for
 *  socket events, then pump everything.  Any argument list may be empty.
 *  Returns LWG_OK or LWG_EIO if poll() itself failed. */
int lwg_posix_poll(lwg_posix_client *const *clients, size_t n_clients,
                   lwg_posix_server *const *servers, size_t n_servers,
                   int max_wait_ms);

/* ---- blocking client API (POSIX; built on the async API) ------------------ */

/** A blocking call: the async call plus what the blocking API keeps. */
typedef struct lwg_posix_call {
    lwg_call call;
    lwg_posix_client *client;
    int done;                  /* on_status arrived                      */
    int headers;               /* response headers arrived               */
    int held;                  /* a message is held for recv             */
    const uint8_t *msg;
    size_t msg_len;
} lwg_posix_call;

/** Start a call and return at once (messages go with send/recv below). */
int lwg_posix_call_start(lwg_posix_call *pc, lwg_posix_client *client,
                         const lwg_method *method, const lwg_call_opts *opts);

/** Send one message (nanopb), waiting while the previous one is going
 *  out.  LWG_OK, or LWG_ECLOSED if the call ended. */
int lwg_posix_call_send_pb(lwg_posix_call *pc, const struct pb_msgdesc_s *fields,
                           const void *src);

/** Send raw message bytes, waiting as above. */
int lwg_posix_call_send(lwg_posix_call *pc, const uint8_t *msg, size_t len);

/** Half-close (no more messages from us). */
int lwg_posix_call_close_send(lwg_posix_call *pc);

/** Wait for the next message and decode it (nanopb).  LWG_OK, LWG_ECLOSED
 *  at the end of the stream (then read lwg_call_status()), LWG_EPROTO if
 *  it does not decode. */
int lwg_posix_call_recv_pb(lwg_posix_call *pc, const struct pb_msgdesc_s *fields,
                           void *dst);

/** Wait for the next message as raw bytes (copied into buf, *len set). */
int lwg_posix_call_recv(lwg_posix_call *pc, uint8_t *buf, size_t size, size_t *len);

/** Wait for response headers (or the end).  LWG_OK or LWG_ECLOSED. */
int lwg_posix_call_wait_headers(lwg_posix_call *pc);

/** Wait for the end of the call; returns its status code. */
int lwg_posix_call_finish(lwg_posix_call *pc);

/** A whole unary call: request in, response out; returns the status code
 *  (LWG_STATUS_OK on success, message in lwg_call_status_message()). */
int lwg_posix_unary(lwg_posix_call *pc, lwg_posix_client *client,
                    const lwg_method *method, const lwg_call_opts *opts,
                    const void *request, void *response);

#endif /* LWG_POSIX_H */
