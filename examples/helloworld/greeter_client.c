/*
 * greeter_client.c - calls helloworld.Greeter/SayHello once, with the
 * blocking wrapper protoc-gen-lwgrpc generates
 * (helloworld/helloworld.lwgrpc_posix.h).
 *
 *   build/host/bin/helloworld_client [--server=localhost:50051] [--name=world]
 *
 * Prints `Greeter.SayHello("world") -> "Hello world"`; exit status 0 when
 * the call ended OK.
 */
#include <signal.h>
#include <stdio.h>

#include "examples/example_util.h"
#include "helloworld/helloworld.lwgrpc_posix.h"
#include "port/posix/lwg_posix.h"

static lwg_channel channel;    /* one HTTP/2 connection, fixed memory   */
static lwg_posix_client client; /* drives the channel over TCP            */
static lwg_posix_call pcall;   /* the call's memory (buffers included)  */

int main(int argc, char **argv)
{
    static const char *const flags[] = { "server", "name", NULL };
    const char *server, *name;
    char host[256];
    int port, code;
    lwg_call_opts opts = { .timeout_ms = 10000 };
    helloworld_HelloRequest req = helloworld_HelloRequest_init_zero;
    helloworld_HelloReply reply = helloworld_HelloReply_init_zero;

    ex_check_flags(argc, argv, flags,
                   "helloworld_client [--server=localhost:50051] [--name=world]");
    server = ex_flag(argc, argv, "server", "localhost:50051");
    name = ex_flag(argc, argv, "name", "world");
    signal(SIGPIPE, SIG_IGN);
    if (ex_host_port(server, host, sizeof host, &port) != 0 ||
        lwg_channel_init(&channel, server, lwg_port_now_ms()) != LWG_OK ||
        lwg_posix_client_init(&client, &channel, host, port) != LWG_OK) {
        fprintf(stderr, "helloworld_client: bad --server %s (want HOST:PORT)\n", server);
        return 2;
    }

    snprintf(req.name, sizeof req.name, "%s", name);
    code = helloworld_Greeter_SayHello(&client, &opts, &req, &reply, &pcall);
    if (code == LWG_STATUS_OK)
        printf("Greeter.SayHello(\"%s\") -> \"%s\"\n", req.name, reply.message);
    else
        printf("Greeter.SayHello(\"%s\") failed: %s \"%s\"\n", req.name, lwg_status_name(code),
               lwg_call_status_message(&pcall.call));
    lwg_posix_client_close(&client);
    return code == LWG_STATUS_OK ? 0 : 1;
}
