/*
 * greeter_server.c - the helloworld Greeter service (gRPC's "hello world")
 * on lwgrpc's POSIX port, with the stubs protoc-gen-lwgrpc generates from
 * proto/helloworld/helloworld.proto.
 *
 *   build/host/bin/helloworld_server [--port=50051]
 *
 * --port=0 takes any free port.  Prints "listening on port N", then one
 * line per call.  Stops on Ctrl-C or SIGTERM.
 *
 * The three steps of every lwgrpc server:
 *   1. write the handlers and put them in the generated ..._impl struct
 *   2. lwg_server_init() + the generated ..._register()
 *   3. listen, and pump lwg_posix_poll() in a loop (no threads)
 */
#include <signal.h>
#include <stdio.h>

#include "examples/example_util.h"
#include "helloworld/helloworld.lwgrpc.h"
#include "port/posix/lwg_posix.h"

/* All memory is fixed and placed by us: connections and calls live in
 * `server`, the generated handler table in `greeter`. */
static lwg_server server;
static lwg_posix_server listener;
static helloworld_Greeter_server greeter;
static volatile sig_atomic_t stop;

/* SayHello (unary): fill *reply, return a status code.  The generated
 * trampoline has decoded the request and sends the reply. */
static int say_hello(lwg_call *call, const helloworld_HelloRequest *req,
                     helloworld_HelloReply *reply)
{
    (void)call;
    snprintf(reply->message, sizeof reply->message, "Hello %s", req->name);
    printf("SayHello(\"%s\") -> \"%s\"\n", req->name, reply->message);
    fflush(stdout);
    return LWG_STATUS_OK;
}

static const helloworld_Greeter_impl greeter_impl = {
    .SayHello = say_hello,
};

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    static const char *const flags[] = { "port", NULL };
    lwg_posix_server *servers[1] = { &listener };
    int port;

    ex_check_flags(argc, argv, flags, "helloworld_server [--port=50051]");
    port = atoi(ex_flag(argc, argv, "port", "50051"));
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    lwg_server_init(&server, NULL);
    helloworld_Greeter_register(&server, &greeter, &greeter_impl);
    if (lwg_posix_server_listen(&listener, &server, NULL, port) != LWG_OK) {
        fprintf(stderr, "helloworld_server: cannot listen on port %d\n", port);
        return 1;
    }
    printf("helloworld_server: listening on port %d\n", listener.port);
    fflush(stdout);
    while (!stop)
        lwg_posix_poll(NULL, 0, servers, 1, 1000);
    lwg_posix_server_close(&listener);
    return 0;
}
