/*
 * size_main.c - the minimal programs `make size` links against the runtime
 * for each cross target and sample configuration (see toolchain/size.mk).
 *
 * Three images are linked from this file with --gc-sections, so each keeps
 * exactly the code its main() reaches:
 *   client.elf    -DLWG_SIZE_CLIENT: a channel and one call, as a device
 *                 client uses them: init, start a call, send a message,
 *                 half-close, and the link a port driver pumps (input,
 *                 output, tick, timers, close), nanopb encode/decode.
 *   server.elf    -DLWG_SIZE_SERVER: a server with one service of one
 *                 handler that answers, and the link of an accepted
 *                 connection.
 *   baseline.elf  neither: the same start-up code and port stubs only.
 * client - baseline and server - baseline are what lwgrpc costs for each
 * role: its code and constant data, the C library code it pulls in, and
 * the objects placed here (the channel and one call; the server with its
 * connections and call pool).
 *
 * The port is stubbed (clock, random, log): a real port adds its own
 * driver (lwIP or sockets) on top.
 */
#include <stddef.h>
#include <stdint.h>

#include "port/lwg_port.h"
#include "toolchain/size_port.h"

#if defined(LWG_SIZE_CLIENT) || defined(LWG_SIZE_SERVER)
#include "core/lwg_channel.h"
#include "core/lwg_server.h"
#endif

#if defined(LWG_SIZE_CLIENT)
static lwg_channel channel;
static lwg_call call;
static const lwg_method method = { "/pkg.Service/Method", LWG_RPC_UNARY, NULL, NULL };

static int on_message(lwg_call *c, const uint8_t *msg, size_t len)
{
    (void)c;
    size_sink += len ? msg[0] : 0u;
    return LWG_OK;
}

static void on_status(lwg_call *c)
{
    size_sink += (uint32_t)lwg_call_status(c);
}

static const lwg_call_cbs cbs = { NULL, on_message, NULL, on_status };

int main(void)
{
    static const uint8_t request[4] = { 0x08, 0x01, 0x10, 0x02 };
    lwg_call_opts opts = { .timeout_ms = 1000 };

    lwg_channel_init(&channel, "device.local:50051", lwg_port_now_ms());
    lwg_call_start(&channel, &call, &method, &opts, &cbs, NULL);
    lwg_call_send(&call, request, sizeof request);
    lwg_call_close_send(&call);
    {
        const lwg_link *link = lwg_channel_connect(&channel, lwg_port_now_ms());
        if (link != NULL)
            size_drive(link);
        lwg_channel_tick(&channel, lwg_port_now_ms());
        size_sink += lwg_channel_next_timeout(&channel, lwg_port_now_ms());
    }
    lwg_call_cancel(&call);
    return (int)(size_sink & 1u);
}

#elif defined(LWG_SIZE_SERVER)
static lwg_server server;
static const lwg_method method = { "/pkg.Service/Method", LWG_RPC_UNARY, NULL, NULL };
static uint8_t reply[16];

static int on_message(lwg_call *c, const uint8_t *msg, size_t len)
{
    (void)c;
    reply[0] = len ? msg[0] : 0u;
    return LWG_OK;
}

static void on_half_close(lwg_call *c)
{
    lwg_call_send(c, reply, sizeof reply);
    lwg_call_finish(c, LWG_STATUS_OK, NULL, NULL, 0);
}

static const lwg_handler handlers[] = {
    { &method, NULL, on_message, on_half_close, NULL, NULL, NULL },
};
static const lwg_service service = { "pkg.Service", handlers, 1 };

int main(void)
{
    const lwg_link *link;

    lwg_server_init(&server, NULL);
    lwg_server_add_service(&server, &service);
    link = lwg_server_accept(&server, lwg_port_now_ms());
    if (link != NULL)
        size_drive(link);
    return (int)(size_sink & 1u);
}

#else /* baseline */
int main(void)
{
    return 0;
}
#endif
