/*
 * test_tls_peers.c - lwg_tls against TLS stacks that are not mbedTLS, over
 * loopback TCP, each side pumped by a small poll() driver written here
 * (the fake port's clock follows the real one):
 *   - OpenSSL's s_client against our TLS server (echo inner link): TLS,
 *     mutual TLS with the client identity, and a client without ALPN;
 *   - our TLS client against OpenSSL's s_server -rev: TLS, a server
 *     without ALPN, a TLS 1.3-only server;
 *   - gRPC C-core (Python grpcio; Debian builds it with OpenSSL): an
 *     lwgrpc channel over TLS against a grpcio server (TLS and mTLS, and
 *     mTLS without our certificate), and a grpcio client against an
 *     lwgrpc server over mTLS whose handler reads the client's identity.
 * Needs openssl and /usr/bin/python3 with grpc (toolchain/deps.sh).
 */
#include "test_tls_util.h"
#include "fake/fake_port.h"
#include "core/lwg_channel.h"
#include "core/lwg_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void sync_clock(void)
{
    fake_port_set_now(real_ms());
}

/* ---- child processes ------------------------------------------------------------ */

typedef struct proc {
    pid_t pid;
    int to;                    /* its stdin  */
    int from;                  /* its stdout */
} proc;

static void spawn(proc *p, char *const argv[])
{
    int in[2], out[2];

    CHECK(pipe(in) == 0 && pipe(out) == 0);
    p->pid = fork();
    if (p->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (!getenv("LWG_TEST_LOG")) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 2);
        }
        close(in[1]);
        close(out[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->to = in[1];
    p->from = out[0];
    fcntl(p->from, F_SETFL, O_NONBLOCK);
}

/* Read what the child printed so far (appending, NUL-terminated). */
static size_t proc_read(proc *p, char *buf, size_t size, size_t len)
{
    for (;;) {
        ssize_t k = read(p->from, buf + len, size - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    buf[len] = '\0';
    return len;
}

/* Wait for it to exit (killed after timeout_ms); returns its status. */
static int proc_wait(proc *p, int timeout_ms)
{
    int status = -1;
    uint32_t end = real_ms() + (uint32_t)timeout_ms;

    while (waitpid(p->pid, &status, WNOHANG) == 0) {
        if (lwg_time_reached(real_ms(), end)) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            break;
        }
        usleep(10000);
    }
    if (p->to >= 0)
        close(p->to);
    p->to = -1;
    return status;
}

/* Done with its output. */
static void proc_close(proc *p)
{
    close(p->from);
}

/* Wait until the child printed a whole line; returns its length. */
static size_t proc_line(proc *p, char *buf, size_t size, int timeout_ms)
{
    size_t len = 0;
    uint32_t end = real_ms() + (uint32_t)timeout_ms;

    while (!lwg_time_reached(real_ms(), end)) {
        len = proc_read(p, buf, size, len);
        if (strchr(buf, '\n') != NULL)
            return len;
        usleep(10000);
    }
    return len;
}

/* ---- sockets ------------------------------------------------------------------------ */

static int listen_any(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    CHECK(fd >= 0);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(fd, 4) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port nobody uses right now (for a child to listen on). */
static int free_port(void)
{
    int port, fd = listen_any(&port);

    close(fd);
    return port;
}

/* Connect to 127.0.0.1:port, retrying while the peer starts. */
static int connect_to(int port, int timeout_ms)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons((uint16_t)port) };
    uint32_t end = real_ms() + (uint32_t)timeout_ms;

    while (!lwg_time_reached(real_ms(), end)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            fcntl(fd, F_SETFL, O_NONBLOCK);
            return fd;
        }
        close(fd);
        usleep(20000);
    }
    return -1;
}

static int accept_one(int lfd, int timeout_ms)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    int fd;

    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    fd = accept(lfd, NULL, NULL);
    if (fd >= 0)
        fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* ---- the driver: one socket, one link ------------------------------------------------- */

typedef struct sock_io {
    int fd;
    const lwg_link *link;
    uint8_t rx[16384];
    size_t rx_len;
    int open;
} sock_io;

/* Close the transport.  Gracefully: shut our side down and read until
 * the peer closes too (bounded), so our last bytes (close_notify, an
 * alert, a GOAWAY) are not destroyed by a reset that unread data would
 * cause. */
static void io_close(sock_io *io, int err)
{
    if (!io->open)
        return;
    io->open = 0;
    if (err == LWG_OK || err == LWG_ECONN) {
        struct pollfd p = { .fd = io->fd, .events = POLLIN };
        uint8_t sink[4096];
        uint32_t end = real_ms() + 2000;
        shutdown(io->fd, SHUT_WR);
        while (!lwg_time_reached(real_ms(), end) && poll(&p, 1, 50) >= 0) {
            ssize_t k = recv(io->fd, sink, sizeof sink, 0);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                break;
        }
    }
    close(io->fd);
    io->link->ops->closed(io->link->ctx, err);
}

/* One pass: send, receive, feed, tick.  Waits up to wait_ms. */
static void io_pass(sock_io *io, int wait_ms)
{
    struct pollfd p = { .fd = io->fd, .events = 0 };
    const lwg_link *l = io->link;
    size_t n;

    if (!io->open)
        return;
    sync_clock();
    for (;;) {
        const uint8_t *out = l->ops->output(l->ctx, &n);
        ssize_t k;
        if (n == 0)
            break;
        k = send(io->fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k <= 0) {
            if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                io_close(io, LWG_EIO);
                return;
            }
            break;
        }
        l->ops->output_done(l->ctx, (size_t)k);
    }
    (void)l->ops->output(l->ctx, &n);
    if (l->ops->wants_close(l->ctx) && n == 0) {
        io_close(io, LWG_OK);
        return;
    }
    if (io->rx_len < sizeof io->rx)
        p.events |= POLLIN;
    if (n > 0)
        p.events |= POLLOUT;
    if (poll(&p, 1, wait_ms) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t k = recv(io->fd, io->rx + io->rx_len, sizeof io->rx - io->rx_len, 0);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            io_close(io, k == 0 ? LWG_OK : LWG_EIO);
            return;
        }
        if (k > 0)
            io->rx_len += (size_t)k;
    }
    sync_clock();
    while (io->rx_len > 0) {
        int r = l->ops->input(l->ctx, io->rx, io->rx_len, lwg_port_now_ms());
        if (r < 0) {
            /* flush its last words (an alert, a GOAWAY), then close */
            const uint8_t *out = l->ops->output(l->ctx, &n);
            if (n > 0)
                (void)send(io->fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            io_close(io, LWG_ECONN);
            return;
        }
        if (r == 0)
            break;
        memmove(io->rx, io->rx + r, io->rx_len - (size_t)r);
        io->rx_len -= (size_t)r;
    }
    l->ops->tick(l->ctx, lwg_port_now_ms());
}

/* ---- OpenSSL s_client -> our TLS server --------------------------------------------------- */

static lwg_tls_config ccfg, scfg;
static lwg_tls_conn tls;
static char suite[64];                /* last cipher suite negotiated */

static void note_suite(void)
{
    if (lwg_tls_handshake_done(&tls) && lwg_tls_ciphersuite(&tls)[0])
        snprintf(suite, sizeof suite, "%s", lwg_tls_ciphersuite(&tls));
}
static inner in;
static lwg_link in_link = { &inner_ops, &in };
static uint8_t rxbuf[65536];

static const char msg[] = "hello over TLS from OpenSSL\n";

static void reset_inner(void)
{
    memset(&in, 0, sizeof in);
    in.rx = rxbuf;
    in.rx_cap = sizeof rxbuf;
}

/* Our server, one connection from `argv` (an openssl s_client command
 * that sends msg); returns the child's output in out. */
static void serve_openssl_client(const char *client_cert, int alpn, char *out, size_t size)
{
    char port_arg[32], ca[256], cert[256], key[256];
    char *argv[20];
    int argc = 0, port, lfd;
    proc p;
    sock_io io = { 0 };

    lfd = listen_any(&port);
    snprintf(port_arg, sizeof port_arg, "127.0.0.1:%d", port);
    snprintf(ca, sizeof ca, "%s/ca.pem", certs_dir);
    argv[argc++] = "openssl";
    argv[argc++] = "s_client";
    argv[argc++] = "-connect";
    argv[argc++] = port_arg;
    argv[argc++] = "-CAfile";
    argv[argc++] = ca;
    argv[argc++] = "-servername";
    argv[argc++] = "localhost";
    argv[argc++] = "-verify_return_error";
    argv[argc++] = "-quiet";
    if (alpn) {
        argv[argc++] = "-alpn";
        argv[argc++] = "h2";
    }
    if (client_cert) {
        snprintf(cert, sizeof cert, "%s/%s.pem", certs_dir, client_cert);
        snprintf(key, sizeof key, "%s/%s.key", certs_dir, client_cert);
        argv[argc++] = "-cert";
        argv[argc++] = cert;
        argv[argc++] = "-key";
        argv[argc++] = key;
    }
    argv[argc] = NULL;
    spawn(&p, argv);
    CHECK(write(p.to, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1));

    reset_inner();
    in.echo = 1;
    io.fd = accept_one(lfd, 10000);
    CHECK(io.fd >= 0);
    sync_clock();
    CHECK_EQ(lwg_tls_conn_init(&tls, &scfg, &in_link, NULL, lwg_port_now_ms()), LWG_OK);
    io.link = lwg_tls_conn_link(&tls);
    io.open = io.fd >= 0;
    /* echo the message, then close (close_notify) */
    uint32_t end = real_ms() + 20000;
    while (io.open && !lwg_time_reached(real_ms(), end)) {
        io_pass(&io, 10);
        note_suite();
        if (in.rx_len >= sizeof msg - 1 && in.olen == 0)
            in.want_close = 1;
    }
    io_close(&io, LWG_ETIMEOUT);
    close(lfd);
    close(p.to);
    p.to = -1;
    proc_wait(&p, 10000);
    proc_read(&p, out, size, 0);
    proc_close(&p);
}

static void test_openssl_client_to_our_server(void)
{
    static char out[4096];
    char id[128];
    const char *why;

    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_OPTIONAL);

    serve_openssl_client(NULL, 1, out, sizeof out);
    CHECK_EQ(lwg_tls_error(&tls, &why), 0);
    CHECK(strstr(out, msg) != NULL);
    CHECK_EQ(in.rx_len, sizeof msg - 1);
    printf("    OpenSSL s_client -> lwg_tls server: %s (%s)\n",
           lwg_tls_handshake_done(&tls) ? "ok" : why, suite);

    serve_openssl_client("client", 1, out, sizeof out);
    CHECK_EQ(lwg_tls_error(&tls, NULL), 0);
    CHECK(strstr(out, msg) != NULL);
    CHECK(lwg_tls_peer_verified(&tls));
    CHECK(lwg_tls_peer_subject(&tls, id, sizeof id) > 0 &&
          strcmp(id, "CN=lwg-test-client,O=lwgrpc test,C=US") == 0);

    /* no ALPN from the client: refused, nothing reaches the inner link */
    serve_openssl_client(NULL, 0, out, sizeof out);
    CHECK_EQ(lwg_tls_error(&tls, &why), LWG_EPROTO);
    CHECK(strcmp(why, "ALPN: peer did not negotiate h2") == 0);
    CHECK_EQ(in.rx_len, 0);
    CHECK_EQ(in.input_calls, 0);
    CHECK(strstr(out, msg) == NULL);
    lwg_tls_config_free(&scfg);
}

/* ---- our TLS client -> OpenSSL s_server -rev ------------------------------------------------ */

static void call_openssl_server(const char *extra1, const char *extra2, int alpn)
{
    char accept_arg[32], cert[256], key[256];
    char *argv[24];
    int argc = 0, port = free_port();
    proc p;
    sock_io io = { 0 };
    /* one 6000-byte line, "hello" + 'x's: -rev answers it reversed, in
     * one write (records as large as the server may make them) */
    static char line[6000];

    snprintf(accept_arg, sizeof accept_arg, "127.0.0.1:%d", port);
    snprintf(cert, sizeof cert, "%s/server.pem", certs_dir);
    snprintf(key, sizeof key, "%s/server.key", certs_dir);
    argv[argc++] = "openssl";
    argv[argc++] = "s_server";
    argv[argc++] = "-accept";
    argv[argc++] = accept_arg;
    argv[argc++] = "-naccept";
    argv[argc++] = "1";
    argv[argc++] = "-cert";
    argv[argc++] = cert;
    argv[argc++] = "-key";
    argv[argc++] = key;
    argv[argc++] = "-rev";
    argv[argc++] = "-quiet";
    if (alpn) {
        argv[argc++] = "-alpn";
        argv[argc++] = "h2";
    }
    if (extra1)
        argv[argc++] = (char *)extra1;
    if (extra2)
        argv[argc++] = (char *)extra2;
    argv[argc] = NULL;
    spawn(&p, argv);

    reset_inner();
    memcpy(line, "hello", 5);
    memset(line + 5, 'x', sizeof line - 6);
    line[sizeof line - 1] = '\n';
    in.src = (const uint8_t *)line;
    in.src_len = sizeof line;
    io.fd = connect_to(port, 10000);
    CHECK(io.fd >= 0);
    sync_clock();
    CHECK_EQ(lwg_tls_conn_init(&tls, &ccfg, &in_link, "localhost", lwg_port_now_ms()), LWG_OK);
    io.link = lwg_tls_conn_link(&tls);
    io.open = io.fd >= 0;
    uint32_t end = real_ms() + 20000;
    while (io.open && !lwg_time_reached(real_ms(), end)) {
        io_pass(&io, 10);
        note_suite();
        if (in.rx_len >= sizeof line)
            in.want_close = 1;
    }
    io_close(&io, LWG_ETIMEOUT);
    kill(p.pid, SIGTERM);
    proc_wait(&p, 5000);
    proc_close(&p);
}

static void test_our_client_to_openssl_server(void)
{
    const char *why;

    client_config(&ccfg, "ca.pem", NULL);
    call_openssl_server(NULL, NULL, 1);
    CHECK_EQ(lwg_tls_error(&tls, &why), 0);
    /* what we asked for: with small records, the 6000-byte answer only
     * arrives because the server honours it */
    CHECK_EQ(ccfg.ssl.mfl_code, LWG_TLS_RECORD_IN < 16384 ? MBEDTLS_SSL_MAX_FRAG_LEN_4096
                                                          : MBEDTLS_SSL_MAX_FRAG_LEN_NONE);
    CHECK_EQ(in.rx_len, 6000);
    CHECK_MEM(rxbuf + 5994, "olleh\n", 6);
    printf("    lwg_tls client -> OpenSSL s_server: %s, %s (%s)\n",
           lwg_tls_handshake_done(&tls) ? "ok" : why,
           in.rx_len == 6000 ? "6000-byte line reversed" : "no answer", suite);

    /* a server that does not speak ALPN */
    call_openssl_server(NULL, NULL, 0);
    CHECK_EQ(lwg_tls_error(&tls, &why), LWG_EPROTO);
    CHECK(strcmp(why, "ALPN: peer did not negotiate h2") == 0);
    CHECK_EQ(in.input_calls, 0);

    /* a TLS 1.3-only server: mbedTLS 2.28 speaks 1.2 */
    call_openssl_server("-tls1_3", NULL, 1);
    CHECK_EQ(lwg_tls_error(&tls, &why), LWG_EPROTO);
    printf("    TLS 1.3-only server: %s\n", why);
    CHECK(strstr(why, "protocol_version") != NULL || strstr(why, "TLS 1.2") != NULL);
    CHECK_EQ(in.input_calls, 0);
    lwg_tls_config_free(&ccfg);
}

/* ---- gRPC C-core (Python grpcio) -------------------------------------------------------------- */

static int have_grpcio(void)
{
    return system("/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1") == 0;
}

/* A grpcio server echoing /t.S/Echo, certificates from argv; prints its
 * port, stops at stdin EOF. */
static const char py_server[] =
    "import sys, grpc\n"
    "from concurrent import futures\n"
    "d, mtls = sys.argv[1], sys.argv[2] == '1'\n"
    "rd = lambda n: open(d + '/' + n, 'rb').read()\n"
    "def echo(req, ctx):\n"
    "    return req\n"
    "h = grpc.method_handlers_generic_handler('t.S', {'Echo': grpc.unary_unary_rpc_method_handler(echo)})\n"
    "s = grpc.server(futures.ThreadPoolExecutor(2), handlers=[h])\n"
    "creds = grpc.ssl_server_credentials([(rd('server.key'), rd('server.pem'))],\n"
    "    root_certificates=rd('ca.pem'), require_client_auth=mtls)\n"
    "port = s.add_secure_port('127.0.0.1:0', creds)\n"
    "s.start()\n"
    "print(port, flush=True)\n"
    "sys.stdin.read()\n"
    "s.stop(0)\n";

/* A grpcio client calling /t.S/WhoAmI at 127.0.0.1:port over mTLS; prints
 * the status code name and the response. */
static const char py_client[] =
    "import sys, grpc\n"
    "d, port = sys.argv[1], sys.argv[2]\n"
    "rd = lambda n: open(d + '/' + n, 'rb').read()\n"
    "creds = grpc.ssl_channel_credentials(rd('ca.pem'), rd('client.key'), rd('client.pem'))\n"
    "ch = grpc.secure_channel('127.0.0.1:' + port, creds,\n"
    "    options=[('grpc.ssl_target_name_override', 'foo.test.google.fr')])\n"
    "try:\n"
    "    r = ch.unary_unary('/t.S/WhoAmI')(b'?', timeout=20)\n"
    "    print('OK', r.decode(), flush=True)\n"
    "except grpc.RpcError as e:\n"
    "    print(e.code().name, e.details(), flush=True)\n"
    "ch.close()\n";

static lwg_channel ch;
static lwg_server srv;
static lwg_call call;
static int call_done;
static uint8_t request[100000], reply[100000];
static size_t reply_len;

static int c_msg(lwg_call *c, const uint8_t *m, size_t n)
{
    (void)c;
    if (n <= sizeof reply) {
        memcpy(reply, m, n);
        reply_len = n;
    }
    return LWG_OK;
}
static void c_status(lwg_call *c) { (void)c; call_done = 1; }
static const lwg_call_cbs cbs = { NULL, c_msg, NULL, c_status };
static const lwg_method m_echo = { "/t.S/Echo", LWG_RPC_UNARY, NULL, NULL };

/* One unary call from an lwgrpc channel over TLS to the grpcio server. */
static int grpc_call(int port, char *why, size_t why_size)
{
    static const lwg_call_opts opts = { .timeout_ms = 20000 };
    char authority[64];
    sock_io io = { 0 };
    uint32_t end;

    snprintf(authority, sizeof authority, "localhost:%d", port);
    sync_clock();
    CHECK_EQ(lwg_channel_init(&ch, authority, lwg_port_now_ms()), LWG_OK);
    ch.use_tls = 1;
    call_done = 0;
    reply_len = 0;
    CHECK_EQ(lwg_call_start(&ch, &call, &m_echo, &opts, &cbs, NULL), LWG_OK);
    /* 100 KB: the peer answers in full 16 KiB records */
    for (size_t i = 0; i < sizeof request; i++)
        request[i] = (uint8_t)(i * 31 + 7);
    CHECK_EQ(lwg_call_send(&call, request, sizeof request), LWG_OK);
    CHECK_EQ(lwg_call_close_send(&call), LWG_OK);
    end = real_ms() + 25000;
    while (!call_done && !lwg_time_reached(real_ms(), end)) {
        if (!io.open) {
            const lwg_link *inner_link = lwg_channel_connect(&ch, lwg_port_now_ms());
            if (inner_link != NULL) {
                io.fd = connect_to(port, 5000);
                CHECK(io.fd >= 0);
                CHECK_EQ(lwg_tls_conn_init(&tls, &ccfg, inner_link, "localhost",
                                           lwg_port_now_ms()), LWG_OK);
                io.link = lwg_tls_conn_link(&tls);
                io.open = 1;
                io.rx_len = 0;
            } else {
                usleep(10000);
            }
        }
        io_pass(&io, 10);
        note_suite();
        sync_clock();
        lwg_channel_tick(&ch, lwg_port_now_ms());
    }
    snprintf(why, why_size, "%s", lwg_call_status_message(&call));
    lwg_channel_shutdown(&ch);
    for (int i = 0; i < 20 && io.open; i++)
        io_pass(&io, 10);
    io_close(&io, LWG_OK);
    return call_done ? lwg_call_status(&call) : -1;
}

static void test_lwgrpc_client_to_grpcio_server(void)
{
    char *argv[] = { "/usr/bin/python3", "-c", (char *)py_server, (char *)certs_dir, "0", NULL };
    char line[64], why[128];
    const char *tls_why;
    proc p;
    int port;

    if (!have_grpcio()) {
        printf("    SKIP: no grpcio for /usr/bin/python3\n");
        return;
    }
    for (int mtls = 0; mtls <= 1; mtls++) {
        argv[4] = mtls ? "1" : "0";
        spawn(&p, argv);
        CHECK(proc_line(&p, line, sizeof line, 20000) > 0);
        port = atoi(line);
        CHECK(port > 0);

        client_config(&ccfg, "ca.pem", mtls ? "client" : NULL);
        CHECK_EQ(grpc_call(port, why, sizeof why), LWG_STATUS_OK);
        CHECK_EQ(reply_len, sizeof request);
        CHECK(memcmp(reply, request, sizeof request) == 0);
        printf("    lwgrpc channel -> grpcio server over %s, 100 KB echoed: %s (%s)\n",
               mtls ? "mTLS" : "TLS", reply_len == sizeof request ? "ok" : why, suite);
        lwg_tls_config_free(&ccfg);

        if (mtls) {
            /* the server requires a certificate we do not send */
            client_config(&ccfg, "ca.pem", NULL);
            CHECK_EQ(grpc_call(port, why, sizeof why), LWG_STATUS_UNAVAILABLE);
            CHECK(lwg_tls_error(&tls, &tls_why) != 0);
            printf("    ... without our certificate: UNAVAILABLE, TLS: %s\n", tls_why);
            lwg_tls_config_free(&ccfg);
        }
        close(p.to);
        p.to = -1;
        proc_wait(&p, 10000);
        proc_close(&p);
    }
}

/* the server side: echo, and the client's verified identity */
static const lwg_tls_conn *srv_tls;

static void whoami_half_close(lwg_call *c)
{
    char subject[128];

    if (lwg_tls_peer_subject(srv_tls, subject, sizeof subject) < 0) {
        lwg_call_finish(c, LWG_STATUS_UNAUTHENTICATED, "no client certificate", NULL, 0);
        return;
    }
    CHECK_EQ(lwg_call_send(c, (const uint8_t *)subject, strlen(subject)), LWG_OK);
    lwg_call_finish(c, LWG_STATUS_OK, NULL, NULL, 0);
}

static const lwg_method m_whoami = { "/t.S/WhoAmI", LWG_RPC_UNARY, NULL, NULL };
static const lwg_handler handlers[] = {
    { &m_whoami, NULL, NULL, whoami_half_close, NULL, NULL, NULL },
};
static const lwg_service service = { "t.S", handlers, 1 };

static void test_grpcio_client_to_lwgrpc_server(void)
{
    char port_arg[16], out[512];
    char *argv[] = { "/usr/bin/python3", "-c", (char *)py_client, (char *)certs_dir, port_arg, NULL };
    int port, lfd;
    proc p;
    uint32_t end;
    sock_io io = { 0 };

    if (!have_grpcio()) {
        printf("    SKIP: no grpcio for /usr/bin/python3\n");
        return;
    }
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_REQUIRED);
    lwg_server_init(&srv, NULL);
    CHECK_EQ(lwg_server_add_service(&srv, &service), LWG_OK);
    lfd = listen_any(&port);
    snprintf(port_arg, sizeof port_arg, "%d", port);
    spawn(&p, argv);
    end = real_ms() + 30000;
    out[0] = '\0';
    while (!lwg_time_reached(real_ms(), end) && strchr(out, '\n') == NULL) {
        if (!io.open) {
            io.fd = accept_one(lfd, 10);
            if (io.fd >= 0) {
                const lwg_link *inner_link;
                sync_clock();
                inner_link = lwg_server_accept(&srv, lwg_port_now_ms());
                CHECK(inner_link != NULL);
                CHECK_EQ(lwg_tls_conn_init(&tls, &scfg, inner_link, NULL, lwg_port_now_ms()),
                         LWG_OK);
                srv_tls = &tls;
                io.link = lwg_tls_conn_link(&tls);
                io.open = 1;
                io.rx_len = 0;
            }
        }
        io_pass(&io, 10);
        note_suite();
        proc_read(&p, out, sizeof out, strlen(out));
    }
    /* the client hangs up; let the connection close */
    for (int i = 0; i < 200 && io.open; i++)
        io_pass(&io, 10);
    io_close(&io, LWG_OK);
    close(p.to);
    p.to = -1;
    proc_wait(&p, 10000);
    proc_close(&p);
    close(lfd);
    printf("    grpcio client -> lwgrpc server over mTLS (%s): %s", suite, out);
    CHECK(strcmp(out, "OK CN=lwg-test-client,O=lwgrpc test,C=US\n") == 0);
    CHECK_EQ(lwg_server_connections(&srv), 0);
    lwg_tls_config_free(&scfg);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    certs_make();
    CHECK_EQ(lwg_tls_init(), LWG_OK);
    RUN(test_openssl_client_to_our_server);
    RUN(test_our_client_to_openssl_server);
    RUN(test_lwgrpc_client_to_grpcio_server);
    RUN(test_grpcio_client_to_lwgrpc_server);
    CHECK_EQ(arena_used(NULL), 0);
    return lwg_test_summary();
}
