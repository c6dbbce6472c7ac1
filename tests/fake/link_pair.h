/*
 * link_pair.h - an lwgrpc channel and server joined back to back in
 * memory, on the fake clock: each pump round opens the connection if
 * there is none yet (the channel connects when a call needs it), moves
 * what each link wrote into the other, and ticks both.
 *
 * Header-only (static functions), so that a test compiled with options of
 * its own (test_rx_room) gets it built with the same struct layouts.
 */
#ifndef LWG_TEST_LINK_PAIR_H
#define LWG_TEST_LINK_PAIR_H

#include "core/lwg_channel.h"
#include "core/lwg_server.h"
#include "fake/fake_port.h"

typedef struct link_pair {
    lwg_channel *ch;
    lwg_server *srv;
    const lwg_link *cl, *sl; /* NULL until connected */
} link_pair;

/* Channel (authority localhost:50051) and server, fresh, with one service;
 * the clock at 1000 ms.  0, or what failed. */
static int link_pair_init(link_pair *lp, lwg_channel *ch, lwg_server *srv,
                          const lwg_service *service)
{
    int r;

    fake_port_set_now(1000);
    lp->ch = ch;
    lp->srv = srv;
    lp->cl = lp->sl = NULL;
    r = lwg_channel_init(ch, "localhost:50051", lwg_port_now_ms());
    if (r != LWG_OK)
        return r;
    lwg_server_init(srv, NULL);
    return lwg_server_add_service(srv, service);
}

static void link_pair_move(const lwg_link *from, const lwg_link *to)
{
    size_t n;
    const uint8_t *p = from->ops->output(from->ctx, &n);
    if (n == 0)
        return;
    int r = to->ops->input(to->ctx, p, n, lwg_port_now_ms());
    if (r > 0)
        from->ops->output_done(from->ctx, (size_t)r);
}

static void link_pair_pump(link_pair *lp, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        if (lp->cl == NULL) {
            lp->cl = lwg_channel_connect(lp->ch, lwg_port_now_ms());
            if (lp->cl != NULL)
                lp->sl = lwg_server_accept(lp->srv, lwg_port_now_ms());
        }
        if (lp->cl == NULL) {
            lwg_channel_tick(lp->ch, lwg_port_now_ms());
            continue;
        }
        link_pair_move(lp->cl, lp->sl);
        link_pair_move(lp->sl, lp->cl);
        lp->cl->ops->tick(lp->cl->ctx, lwg_port_now_ms());
        lp->sl->ops->tick(lp->sl->ctx, lwg_port_now_ms());
    }
}

#endif
