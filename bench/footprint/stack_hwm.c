/*
 * stack_hwm.c - the stack high-water mark of one unary call, client and
 * server role, measured with painted stacks (bench/footprint/footprint.sh
 * builds it once per sample configuration).
 *
 * An lwgrpc client (lwg_channel + one lwg_call) and an lwgrpc server
 * (helloworld.Greeter, the generated stubs) are connected back to back
 * through their links, in memory, with no port driver: this is the code a
 * device runs (core/, transport/, nanopb, the generated trampolines and
 * the handler), without the driver's own frames.  Every call into the
 * client (lwg_call_start, _send, close_send and its link's input / output
 * / tick) runs on one painted stack, every call into the server's link on
 * another; afterwards the deepest byte touched on each is the high-water
 * mark.  The cost of entering a fresh context (measured with an empty
 * function) is subtracted.
 *
 * Prints one line per role:
 *   STACK role=client bytes=N
 *   STACK role=server bytes=N
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "helloworld/helloworld.lwgrpc.h"
#include "port/lwg_port.h"

#define STACK_SIZE (256 * 1024)
#define PAINT 0xA5

static uint8_t client_stack[STACK_SIZE] __attribute__((aligned(64)));
static uint8_t server_stack[STACK_SIZE] __attribute__((aligned(64)));
static uint8_t empty_stack[STACK_SIZE] __attribute__((aligned(64)));

static ucontext_t main_ctx, op_ctx;
static void (*op_fn)(void);

static void trampoline(void)
{
    op_fn();
}

/* Run fn on `stack` (a fresh context each time); returns when fn does. */
static void on_stack(uint8_t *stack, void (*fn)(void))
{
    getcontext(&op_ctx);
    op_ctx.uc_stack.ss_sp = stack;
    op_ctx.uc_stack.ss_size = STACK_SIZE;
    op_ctx.uc_link = &main_ctx;
    op_fn = fn;
    makecontext(&op_ctx, trampoline, 0);
    swapcontext(&main_ctx, &op_ctx);
}

/* Bytes used: the stack grows down from stack + STACK_SIZE. */
static size_t used(const uint8_t *stack)
{
    size_t i = 0;

    while (i < STACK_SIZE && stack[i] == PAINT)
        i++;
    return STACK_SIZE - i;
}

/* ---- the clock ---------------------------------------------------------- */
static uint32_t now;

uint32_t lwg_port_now_ms(void)
{
    return now;
}

int lwg_port_random(void *buf, size_t len)
{
    memset(buf, 0x5a, len);
    return LWG_OK;
}

void lwg_port_log(int level, const char *line)
{
    fprintf(stderr, "lwgrpc %d: %s\n", level, line);
}

void lwg_port_assert_failed(const char *file, int line, const char *expr)
{
    fprintf(stderr, "assert %s:%d: %s\n", file, line, expr);
    abort();
}

/* ---- server: helloworld.Greeter ----------------------------------------- */
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

/* ---- client -------------------------------------------------------------- */
static lwg_channel channel;
static lwg_call call;
static int done, status = -1;
static helloworld_HelloReply reply;

static int on_message(lwg_call *c, const uint8_t *msg, size_t len)
{
    (void)c;
    return helloworld_Greeter_SayHello_decode(msg, len, &reply);
}

static void on_status(lwg_call *c)
{
    status = lwg_call_status(c);
    done = 1;
}

static const lwg_call_cbs cbs = { NULL, on_message, NULL, on_status };
static const lwg_call_opts opts = { .timeout_ms = 5000 };

/* ---- the pump: bytes between the two links, each side on its stack ------- */
static const lwg_link *cl, *sl;   /* client link, server link */
static uint8_t wire[8192];
static size_t wire_len, wire_off;
static const lwg_link *cur;       /* the link an op works on */
static int progress;

static void op_start(void)
{
    helloworld_HelloRequest req = helloworld_HelloRequest_init_zero;

    strcpy(req.name, "stack");
    if (helloworld_Greeter_SayHello_start(&channel, &call, &opts, &cbs, NULL) != LWG_OK ||
        helloworld_Greeter_SayHello_send(&call, &req) != LWG_OK ||
        lwg_call_close_send(&call) != LWG_OK) {
        fprintf(stderr, "stack_hwm: cannot start the call\n");
        exit(1);
    }
    cl = lwg_channel_connect(&channel, now);
}

static void op_accept(void)
{
    sl = lwg_server_accept(&server, now);
}

/* Take what cur has to send into wire[]. */
static void op_output(void)
{
    size_t n;
    const uint8_t *p = cur->ops->output(cur->ctx, &n);

    if (n > sizeof wire - wire_len)
        n = sizeof wire - wire_len;
    if (n > 0) {
        memcpy(wire + wire_len, p, n);
        wire_len += n;
        progress = 1;
    }
    cur->ops->output_done(cur->ctx, n);
}

/* Offer wire[] to cur. */
static void op_input(void)
{
    while (wire_off < wire_len) {
        int r = cur->ops->input(cur->ctx, wire + wire_off, wire_len - wire_off, now);
        if (r <= 0)
            break;
        wire_off += (size_t)r;
        progress = 1;
    }
}

static void op_tick(void)
{
    cur->ops->tick(cur->ctx, now);
}

static void op_empty(void)
{
}

/* Move bytes from `from` (on its stack) to `to` (on its stack). */
static void transfer(const lwg_link *from, uint8_t *from_stack, const lwg_link *to,
                     uint8_t *to_stack)
{
    wire_len = wire_off = 0;
    cur = from;
    on_stack(from_stack, op_output);
    cur = to;
    on_stack(to_stack, op_input);
    if (wire_off != wire_len) {
        fprintf(stderr, "stack_hwm: input not consumed\n");
        exit(1);
    }
}

int main(void)
{
    size_t base;

    memset(client_stack, PAINT, sizeof client_stack);
    memset(server_stack, PAINT, sizeof server_stack);
    memset(empty_stack, PAINT, sizeof empty_stack);
    on_stack(empty_stack, op_empty);
    base = used(empty_stack);

    now = 1000;
    lwg_server_init(&server, NULL);
    helloworld_Greeter_register(&server, &greeter, &impl);
    lwg_channel_init(&channel, "device.local:50051", now);

    on_stack(client_stack, op_start);
    on_stack(server_stack, op_accept);
    if (cl == NULL || sl == NULL) {
        fprintf(stderr, "stack_hwm: no link\n");
        return 1;
    }
    for (int i = 0; i < 1000 && !done; i++) {
        progress = 0;
        transfer(cl, client_stack, sl, server_stack);
        transfer(sl, server_stack, cl, client_stack);
        cur = cl;
        on_stack(client_stack, op_tick);
        cur = sl;
        on_stack(server_stack, op_tick);
        if (!progress)
            now += 1;
    }
    if (!done || status != LWG_STATUS_OK || strcmp(reply.message, "Hello stack") != 0) {
        fprintf(stderr, "stack_hwm: the call did not complete (status %d)\n", status);
        return 1;
    }
    printf("STACK role=client bytes=%zu\n", used(client_stack) - base);
    printf("STACK role=server bytes=%zu\n", used(server_stack) - base);
    return 0;
}
