/*
 * lwg_posix_net.c - non-blocking TCP sockets and the poll() pump of the
 * POSIX port (see lwg_posix.h).
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include "port/posix/lwg_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    int one = 1;

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

static void io_reset(lwg_posix_io *io)
{
    io->fd = -1;
    io->link = NULL;
    io->connecting = 0;
    io->want_write = 0;
    io->tls = NULL;
    io->channel = NULL;
    io->rx_off = io->rx_len = 0;
}

/* The transport is gone: tell the link, close the socket.  Our side is
 * shut down first and unread input drained, so the kernel does not answer
 * with a reset that could destroy the last bytes we sent (GOAWAY, TLS
 * close_notify or alert). */
static void io_close(lwg_posix_io *io, int err)
{
    const lwg_link *link = io->link;
    int fd = io->fd;

#if LWG_TLS
    if (io->tls != NULL && io->channel != NULL) {
        const char *why = NULL;
        if (lwg_tls_error(io->tls, &why) != LWG_OK && why != NULL && why[0] != '\0')
            lwg_channel_set_connect_error(io->channel, why);
        else if (!lwg_tls_handshake_done(io->tls))
            lwg_channel_set_connect_error(io->channel,
                                          "connection closed during the TLS handshake");
    }
#endif
    io_reset(io);
    if (fd >= 0) {
        uint8_t sink[512];
        (void)shutdown(fd, SHUT_WR);
        for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
            ;
        close(fd);
    }
    if (link)
        link->ops->closed(link->ctx, err);
}

/* Write what the link has; returns 0, or -1 when the socket failed. */
static int io_flush(lwg_posix_io *io)
{
    io->want_write = 0;
    for (;;) {
        size_t len;
        const uint8_t *p = io->link->ops->output(io->link->ctx, &len);
        ssize_t n;

        if (len == 0)
            return 0;
        n = send(io->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                io->want_write = 1;
                return 0;
            }
            return -1;
        }
        io->link->ops->output_done(io->link->ctx, (size_t)n);
        if ((size_t)n < len) {
            io->want_write = 1;
            return 0;
        }
    }
}

/* Offer buffered input to the link; 0 or -1 (connection failed). */
static int io_feed(lwg_posix_io *io)
{
    while (io->rx_len > 0) {
        int r = io->link->ops->input(io->link->ctx, io->rx + io->rx_off, io->rx_len,
                                     lwg_port_now_ms());
        if (r < 0)
            return -1;
        io->rx_off += (uint32_t)r;
        io->rx_len -= (uint32_t)r;
        if (io->rx_len == 0)
            break;
        /* the engine needs its output flushed before it takes more */
        if (io_flush(io) < 0)
            return -1;
        if (io->want_write)
            return 0; /* try again when the socket drains */
        if (r == 0)
            return 0;
    }
    io->rx_off = 0;
    return 0;
}

/* Handle poll events of one socket. */
static void io_pump(lwg_posix_io *io, short revents)
{
    if (io->fd < 0)
        return;
    if (io->connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
            return;
        if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
            if (io->channel != NULL) {
                char why[64];
                snprintf(why, sizeof why, "failed to connect: %s", strerror(err));
                lwg_channel_set_connect_error(io->channel, why);
            }
            io_close(io, LWG_EIO);
            return;
        }
        io->connecting = 0;
    }
    if ((revents & POLLOUT) && io_flush(io) < 0) {
        io_close(io, LWG_EIO);
        return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (io->rx_len == 0) {
            ssize_t n = recv(io->fd, io->rx, sizeof io->rx, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                /* flush what the engine still wants to say, then close */
                io_close(io, n == 0 ? LWG_OK : LWG_EIO);
                return;
            }
            if (n > 0) {
                io->rx_off = 0;
                io->rx_len = (uint32_t)n;
            }
        }
        if (io_feed(io) < 0) {
            (void)io_flush(io); /* the GOAWAY, if it fits */
            io_close(io, LWG_ECONN);
            return;
        }
    } else if (io->rx_len > 0 && io_feed(io) < 0) {
        (void)io_flush(io);
        io_close(io, LWG_ECONN);
        return;
    }
}

/* A timer answer t (ms from now) as an armed deadline. */
static void arm_timer(uint8_t *armed, uint32_t *at, uint32_t now, uint32_t t)
{
    *armed = t != LWG_NO_TIMEOUT;
    *at = now + t;
}

static int timer_due(uint8_t armed, uint32_t at, uint32_t now)
{
    return armed && lwg_time_reached(now, at);
}

/* After events: timers (when due), output, close when the link is
 * finished.  Client connections tick through their channel instead. */
static void io_after(lwg_posix_io *io, int tick)
{
    if (io->fd < 0)
        return;
    if (tick)
        io->link->ops->tick(io->link->ctx, lwg_port_now_ms());
    if (io->connecting) {
        /* the link decides how long a connect may take */
        if (io->link->ops->wants_close(io->link->ctx))
            io_close(io, LWG_ETIMEOUT);
        return;
    }
    if (io->rx_len > 0 && io_feed(io) < 0) {
        (void)io_flush(io);
        io_close(io, LWG_ECONN);
        return;
    }
    if (io_flush(io) < 0) {
        io_close(io, LWG_EIO);
        return;
    }
    /* graceful closes come once output is flushed; a dead peer (keepalive)
     * or a drain grace that ran out closes with output still pending */
    if (io->link->ops->wants_close(io->link->ctx))
        io_close(io, LWG_OK);
}

static short io_events(const lwg_posix_io *io)
{
    short ev = 0;

    if (io->fd < 0)
        return 0;
    if (io->connecting)
        return POLLOUT;
    if (io->rx_len == 0)
        ev |= POLLIN;
    if (io->want_write)
        ev |= POLLOUT;
    return ev;
}

/* ---- client ------------------------------------------------------------- */

int lwg_posix_client_init(lwg_posix_client *pc, lwg_channel *ch, const char *host, int port)
{
    if (strlen(host) >= sizeof pc->host || port <= 0 || port > 65535)
        return LWG_EINVAL;
    pc->channel = ch;
    snprintf(pc->host, sizeof pc->host, "%s", host);
    snprintf(pc->port, sizeof pc->port, "%d", port);
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++)
        io_reset(&pc->io[i]);
    return LWG_OK;
}

/* Open a socket for every connection the channel asks for. */
static void client_connect(lwg_posix_client *pc)
{
    const lwg_link *link;

    while ((link = lwg_channel_connect(pc->channel, lwg_port_now_ms())) != NULL) {
        struct addrinfo hints, *res = NULL, *ai;
        lwg_posix_io *io = NULL;
        int fd = -1;

        for (unsigned i = 0; i < LWG_CHANNEL_CONNS && io == NULL; i++)
            if (pc->io[i].fd < 0)
                io = &pc->io[i];
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if (io != NULL && getaddrinfo(pc->host, pc->port, &hints, &res) == 0) {
            for (ai = res; ai != NULL; ai = ai->ai_next) {
                fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
                if (fd < 0)
                    continue;
                if (set_nonblocking(fd) == 0 &&
                    (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS))
                    break;
                close(fd);
                fd = -1;
            }
            freeaddrinfo(res);
        }
        if (fd < 0) {
            link->ops->closed(link->ctx, LWG_EIO); /* a failed attempt */
            return;
        }
        io_reset(io);
        io->fd = fd;
        io->connecting = 1;
        io->link = link;
        io->channel = pc->channel;
#if LWG_TLS
        if (pc->tls != NULL) {
            unsigned k = (unsigned)((lwg_channel_conn *)link->ctx - pc->channel->conns);
            lwg_tls_conn *t = &pc->tls_conn[k];
            if (lwg_tls_conn_init(t, pc->tls, link, pc->host, lwg_port_now_ms()) != LWG_OK) {
                lwg_channel_set_connect_error(pc->channel, "out of TLS memory");
                io_reset(io);
                close(fd);
                link->ops->closed(link->ctx, LWG_ENOMEM);
                return;
            }
            io->link = lwg_tls_conn_link(t);
            io->tls = t;
        }
#endif
    }
}

#if LWG_TLS
void lwg_posix_client_use_tls(lwg_posix_client *pc, const lwg_tls_config *cfg)
{
    pc->tls = cfg;
    lwg_channel_set_secure(pc->channel, cfg != NULL);
}

void lwg_posix_server_use_tls(lwg_posix_server *ps, const lwg_tls_config *cfg)
{
    ps->tls = cfg;
}

int64_t lwg_posix_unix_time(void)
{
    return (int64_t)time(NULL);
}
#endif

void lwg_posix_client_close(lwg_posix_client *pc)
{
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
        if (pc->io[i].fd >= 0) {
            (void)io_flush(&pc->io[i]);
            io_close(&pc->io[i], LWG_OK);
        }
    }
}

/* ---- server ------------------------------------------------------------- */

int lwg_posix_server_listen(lwg_posix_server *ps, lwg_server *srv, const char *addr, int port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char portstr[8];
    int fd = -1, one = 1;

    ps->server = srv;
    ps->listen_fd = -1;
    ps->refused = 0;
    ps->conns_hi = 0;
    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++)
        io_reset(&ps->conns[i]);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = addr ? AF_UNSPEC : AF_INET6;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(portstr, sizeof portstr, "%d", port);
    if (getaddrinfo(addr, portstr, &hints, &res) != 0)
        return LWG_EIO;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int off = 0;
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6 && addr == NULL) /* dual stack */
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0 &&
            set_nonblocking(fd) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return LWG_EIO;
    {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
            ps->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                      : ((struct sockaddr_in *)&ss)->sin_port);
    }
    ps->listen_fd = fd;
    return LWG_OK;
}

void lwg_posix_server_close(lwg_posix_server *ps)
{
    if (ps->listen_fd >= 0)
        close(ps->listen_fd);
    ps->listen_fd = -1;
    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++)
        if (ps->conns[i].fd >= 0)
            io_close(&ps->conns[i], LWG_OK);
}

static void server_accept(lwg_posix_server *ps)
{
    for (;;) {
        int fd = accept4(ps->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        const lwg_link *link;
        unsigned i;

        if (fd < 0)
            return;
        for (i = 0; i < LWG_MAX_CONNECTIONS && ps->conns[i].fd >= 0; i++)
            ;
        link = i < LWG_MAX_CONNECTIONS ? lwg_server_accept(ps->server, lwg_port_now_ms()) : NULL;
        if (link == NULL) {
            /* every slot taken: closing at once is the clean refusal */
            ps->refused++;
            close(fd);
            continue;
        }
        (void)set_nonblocking(fd);
        if (i >= ps->conns_hi)
            ps->conns_hi = i + 1; /* the pump looks no further */
        io_reset(&ps->conns[i]);
        ps->conns[i].fd = fd;
        ps->conns[i].link = link;
#if LWG_TLS
        if (ps->tls != NULL) {
            unsigned k = (unsigned)((lwg_server_conn *)link->ctx - ps->server->conns);
            lwg_tls_conn *t = &ps->tls_conn[k];
            if (lwg_tls_conn_init(t, ps->tls, link, NULL, lwg_port_now_ms()) != LWG_OK) {
                io_reset(&ps->conns[i]);
                close(fd);
                link->ops->closed(link->ctx, LWG_ENOMEM);
                ps->refused++;
                continue;
            }
            lwg_server_set_transport(link, t);
            ps->conns[i].link = lwg_tls_conn_link(t);
            ps->conns[i].tls = t;
        }
#endif
        (void)io_flush(&ps->conns[i]);
    }
}

/* ---- the pump ---------------------------------------------------------------- */

#define MAX_POLL_FDS 512

/* What each pollfd entry is. */
typedef struct poll_slot {
    lwg_posix_io *io;          /* a connection (client or server side)   */
    lwg_posix_server *listener;/* set for a listening socket             */
} poll_slot;

static void add_timer(lwg_posix_io *io, uint32_t now, int *wait)
{
    uint32_t t = io->link->ops->next_timeout(io->link->ctx, now);

    arm_timer(&io->timer_armed, &io->timer_at, now, t);
    if (t != LWG_NO_TIMEOUT && t < (uint32_t)*wait)
        *wait = (int)t;
}

int lwg_posix_poll(lwg_posix_client *const *clients, size_t n_clients,
                   lwg_posix_server *const *servers, size_t n_servers, int max_wait_ms)
{
    struct pollfd fds[MAX_POLL_FDS];
    poll_slot slots[MAX_POLL_FDS];
    size_t n = 0;
    uint32_t now = lwg_port_now_ms();
    int wait = max_wait_ms < 0 ? 0 : max_wait_ms;

    for (size_t i = 0; i < n_clients; i++)
        client_connect(clients[i]);
    /* gather descriptors and the nearest timer */
    for (size_t i = 0; i < n_clients; i++) {
        lwg_posix_client *pc = clients[i];
        uint32_t t = lwg_channel_next_timeout(pc->channel, now);
        arm_timer(&pc->timer_armed, &pc->timer_at, now, t);
        if (t < (uint32_t)wait)
            wait = (int)t;
        for (unsigned k = 0; k < LWG_CHANNEL_CONNS && n < MAX_POLL_FDS; k++) {
            lwg_posix_io *io = &pc->io[k];
            if (io->fd < 0)
                continue;
            if (io->tls != NULL) /* TLS's own times: handshake, held plaintext */
                add_timer(io, now, &wait);
            fds[n] = (struct pollfd){ .fd = io->fd, .events = io_events(io) };
            slots[n++] = (poll_slot){ .io = io };
        }
    }
    for (size_t s = 0; s < n_servers; s++) {
        lwg_posix_server *ps = servers[s];
        if (ps->listen_fd >= 0 && n < MAX_POLL_FDS) {
            fds[n] = (struct pollfd){ .fd = ps->listen_fd, .events = POLLIN };
            slots[n++] = (poll_slot){ .listener = ps };
        }
        for (unsigned i = 0; i < ps->conns_hi && n < MAX_POLL_FDS; i++) {
            lwg_posix_io *io = &ps->conns[i];
            if (io->fd < 0)
                continue;
            add_timer(io, now, &wait);
            fds[n] = (struct pollfd){ .fd = io->fd, .events = io_events(io) };
            slots[n++] = (poll_slot){ .io = io };
        }
    }
    /* Output queued since the last pass (a call started by the
     * application, a PING a timer queued) goes out now; what the socket
     * does not take makes us wait for POLLOUT. */
    for (size_t i = 0; i < n; i++) {
        lwg_posix_io *io = slots[i].io;
        if (io == NULL || io->fd < 0 || io->connecting)
            continue;
        if (io_flush(io) < 0) {
            io_close(io, LWG_EIO);
            fds[i].fd = -1; /* poll ignores it */
            continue;
        }
        fds[i].events = io_events(io);
    }
    if (poll(fds, n, wait) < 0 && errno != EINTR)
        return LWG_EIO;

    /* events first, then timers and output for everyone */
    for (size_t i = 0; i < n; i++) {
        if (fds[i].revents == 0)
            continue;
        if (slots[i].listener)
            continue; /* after the connections: slots closed now are free */
        else
            io_pump(slots[i].io, fds[i].revents);
    }
    now = lwg_port_now_ms();
    for (size_t i = 0; i < n_clients; i++) {
        lwg_posix_client *pc = clients[i];
        /* one tick for the channel covers its plaintext connections; a
         * TLS link is ticked as well when its own timer says (it ticks the
         * channel under it again, which is harmless) */
        if (timer_due(pc->timer_armed, pc->timer_at, now)) {
            pc->timer_armed = 0;
            lwg_channel_tick(pc->channel, now);
        }
        for (unsigned k = 0; k < LWG_CHANNEL_CONNS; k++) {
            lwg_posix_io *io = &pc->io[k];
            int due = io->tls != NULL && timer_due(io->timer_armed, io->timer_at, now);

            if (due)
                io->timer_armed = 0;
            io_after(io, due);
        }
    }
    for (size_t s = 0; s < n_servers; s++)
        for (unsigned i = 0; i < servers[s]->conns_hi; i++) {
            lwg_posix_io *io = &servers[s]->conns[i];
            int due = timer_due(io->timer_armed, io->timer_at, now);

            if (due)
                io->timer_armed = 0;
            io_after(io, due);
        }
    for (size_t i = 0; i < n; i++)
        if (slots[i].listener && (fds[i].revents & POLLIN))
            server_accept(slots[i].listener);
    return LWG_OK;
}
