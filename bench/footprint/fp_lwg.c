/*
 * fp_lwg.c - the lwgrpc side of the footprint comparison
 * (bench/footprint/footprint.sh): one unary call of
 * helloworld.Greeter/SayHello with the generated stubs and nanopb, as a
 * device client (-DFP_CLIENT) or server (-DFP_SERVER), pumped the way a
 * port driver pumps a link.  The same call fp_alt.c makes on nghttp2.
 * Unlike toolchain/size_main.c (raw bytes, no nanopb) it includes the
 * message code, as the nghttp2 image must.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helloworld/helloworld.lwgrpc.h"

static const uint8_t *volatile fp_input;
static volatile size_t fp_input_len;
static volatile uint32_t fp_sink;
void fp_common(void);   /* fp_port.c: the C library code every image shares */

static void drive(const lwg_link *link)
{
    size_t n;
    const uint8_t *out;

    (void)link->ops->input(link->ctx, fp_input, fp_input_len, lwg_port_now_ms());
    out = link->ops->output(link->ctx, &n);
    fp_sink += out ? out[0] : 0u;
    link->ops->output_done(link->ctx, n);
    link->ops->tick(link->ctx, lwg_port_now_ms());
    fp_sink += link->ops->next_timeout(link->ctx, lwg_port_now_ms());
    if (link->ops->wants_close(link->ctx))
        link->ops->closed(link->ctx, LWG_OK);
}

#if defined(FP_CLIENT)
static lwg_channel channel;
static lwg_call call;
static helloworld_HelloReply reply;

static int on_message(lwg_call *c, const uint8_t *msg, size_t len)
{
    (void)c;
    return helloworld_Greeter_SayHello_decode(msg, len, &reply);
}

static void on_status(lwg_call *c)
{
    fp_sink += (uint32_t)lwg_call_status(c);
}

static const lwg_call_cbs cbs = { NULL, on_message, NULL, on_status };

int main(void)
{
    helloworld_HelloRequest req = helloworld_HelloRequest_init_zero;
    lwg_call_opts opts = { .timeout_ms = 1000 };
    const lwg_link *link;

    fp_common();
    strcpy(req.name, "device");
    lwg_channel_init(&channel, "device.local:50051", lwg_port_now_ms());
    helloworld_Greeter_SayHello_start(&channel, &call, &opts, &cbs, NULL);
    helloworld_Greeter_SayHello_send(&call, &req);
    lwg_call_close_send(&call);
    link = lwg_channel_connect(&channel, lwg_port_now_ms());
    if (link != NULL)
        drive(link);
    lwg_channel_tick(&channel, lwg_port_now_ms());
    fp_sink += lwg_channel_next_timeout(&channel, lwg_port_now_ms()) + (uint32_t)reply.message[0];
    return (int)(fp_sink & 1u);
}
#else
static lwg_server server;
static helloworld_Greeter_server greeter;

static int say_hello(lwg_call *call, const helloworld_HelloRequest *req,
                     helloworld_HelloReply *reply)
{
    (void)call;
    snprintf(reply->message, sizeof reply->message, "Hello %s", req->name);
    return LWG_STATUS_OK;
}

static const helloworld_Greeter_impl impl = { .SayHello = say_hello };

int main(void)
{
    const lwg_link *link;

    fp_common();
    lwg_server_init(&server, NULL);
    helloworld_Greeter_register(&server, &greeter, &impl);
    link = lwg_server_accept(&server, lwg_port_now_ms());
    if (link != NULL)
        drive(link);
    return (int)(fp_sink & 1u);
}
#endif
