/*
 * route_guide_client.c - calls every method of the route guide service:
 * one RPC of each kind, printing what happens.
 *
 *   build/host/bin/route_guide_client [--server=localhost:50051]
 *
 * GetFeature, ListFeatures and RecordRoute use the blocking wrappers
 * protoc-gen-lwgrpc generates for the POSIX port
 * (route_guide/route_guide.lwgrpc_posix.h).  RouteChat uses the
 * asynchronous API (route_guide/route_guide.lwgrpc.h): callbacks for
 * received notes and for room to send, pumped by lwg_posix_poll() -- the
 * way a microcontroller's main loop runs calls.
 *
 * Exit status 0 when all four calls ended OK.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "examples/example_util.h"
#include "port/posix/lwg_posix.h"
#include "route_guide/route_guide.lwgrpc_posix.h"
#include "route_guide_db.h"

static lwg_channel channel;     /* one HTTP/2 connection, fixed memory  */
static lwg_posix_client client; /* drives it over TCP                    */
static lwg_posix_call pcall;    /* a blocking call's memory              */
static const lwg_call_opts opts = { .timeout_ms = 10000 };

static routeguide_Point point(int32_t latitude, int32_t longitude)
{
    routeguide_Point p = routeguide_Point_init_zero;

    p.latitude = latitude;
    p.longitude = longitude;
    return p;
}

static const char *status_text(int code)
{
    static char buf[160];
    const char *msg = lwg_call_status_message(&pcall.call);

    if (code == LWG_STATUS_OK || msg[0] == '\0')
        snprintf(buf, sizeof buf, "status %s", lwg_status_name(code));
    else
        snprintf(buf, sizeof buf, "status %s (%s)", lwg_status_name(code), msg);
    return buf;
}

/* ---- unary -------------------------------------------------------------------- */

static int get_feature(int32_t latitude, int32_t longitude)
{
    routeguide_Point p = point(latitude, longitude);
    routeguide_Feature f = routeguide_Feature_init_zero;
    char where[32];
    int code = routeguide_RouteGuide_GetFeature(&client, &opts, &p, &f, &pcall);

    rg_format(where, sizeof where, &p);
    if (code != LWG_STATUS_OK)
        printf("GetFeature(%s) failed: %s\n", where, status_text(code));
    else if (f.name[0] == '\0')
        printf("GetFeature(%s) -> no feature\n", where);
    else
        printf("GetFeature(%s) -> \"%s\"\n", where, f.name);
    return code;
}

/* ---- server streaming ---------------------------------------------------------------- */

static int list_features(void)
{
    routeguide_Rectangle rect = routeguide_Rectangle_init_zero;
    routeguide_Feature f = routeguide_Feature_init_zero;
    char lo[32], hi[32], where[32];
    unsigned n = 0;
    int code;

    rect.has_lo = rect.has_hi = true;
    rect.lo = point(559400000, -32200000);
    rect.hi = point(559600000, -31600000);
    printf("ListFeatures(%s .. %s)\n", rg_format(lo, sizeof lo, &rect.lo),
           rg_format(hi, sizeof hi, &rect.hi));
    if (routeguide_RouteGuide_ListFeatures_posix_start(&pcall, &client, &opts, &rect) == LWG_OK) {
        while (routeguide_RouteGuide_ListFeatures_posix_recv(&pcall, &f) == LWG_OK) {
            printf("  \"%s\" at %s\n", f.name, rg_format(where, sizeof where, &f.location));
            n++;
        }
    }
    code = routeguide_RouteGuide_ListFeatures_posix_finish(&pcall);
    printf("ListFeatures -> %u features, %s\n", n, status_text(code));
    return code;
}

/* ---- client streaming ------------------------------------------------------------------ */

static int record_route(void)
{
    /* a walk down the Royal Mile and up Arthur's Seat */
    static const int32_t route[][2] = {
        { 559486120, -32008330 }, /* Edinburgh Castle */
        { 559494980, -31908030 }, /* St Giles' Cathedral */
        { 559510000, -31850000 },
        { 559553000, -31826000 }, /* Calton Hill */
        { 559527000, -31722000 }, /* Palace of Holyroodhouse */
        { 559480000, -31650000 },
        { 559441200, -31618300 }, /* Arthur's Seat */
        { 559521000, -32192000 }, /* Dean Village */
    };
    size_t n = sizeof route / sizeof route[0];
    routeguide_RouteSummary sum = routeguide_RouteSummary_init_zero;
    int code, r;

    r = routeguide_RouteGuide_RecordRoute_posix_start(&pcall, &client, &opts);
    for (size_t i = 0; i < n && r == LWG_OK; i++) {
        routeguide_Point p = point(route[i][0], route[i][1]);
        r = routeguide_RouteGuide_RecordRoute_posix_send(&pcall, &p);
    }
    printf("RecordRoute: %zu points sent\n", n);
    /* closes our side, receives the summary and the status */
    code = routeguide_RouteGuide_RecordRoute_posix_finish(&pcall, &sum);
    if (code == LWG_STATUS_OK)
        printf("RecordRoute -> %d points, %d features, %d m, %d s, %s\n", (int)sum.point_count,
               (int)sum.feature_count, (int)sum.distance, (int)sum.elapsed_time,
               status_text(code));
    else
        printf("RecordRoute -> %s\n", status_text(code));
    return code;
}

/* ---- bidirectional, asynchronous ------------------------------------------------------------ */

typedef struct chat {
    lwg_call call;              /* the call's memory: ours, the channel's while it runs */
    size_t next;                /* next note to send                            */
    unsigned got;
    int closed;
    int done;
} chat;

static const struct {
    const char *message;
    int32_t latitude, longitude;
} chat_notes[] = {
    { "First message", 559486120, -32008330 },  /* Edinburgh Castle */
    { "Second message", 559553000, -31826000 }, /* Calton Hill */
    { "Third message", 559441200, -31618300 },  /* Arthur's Seat */
    { "Fourth message", 559486120, -32008330 },
    { "Fifth message", 559553000, -31826000 },
    { "Sixth message", 559441200, -31618300 },
};
#define CHAT_NOTES (sizeof chat_notes / sizeof chat_notes[0])

/* on_message: a note from the server (a view valid during the call) */
static int chat_received(lwg_call *call, const uint8_t *msg, size_t len)
{
    chat *c = call->user;
    routeguide_RouteNote note = routeguide_RouteNote_init_zero;
    char where[32];

    if (routeguide_RouteGuide_RouteChat_decode(msg, len, &note) == LWG_OK) {
        printf("RouteChat: got \"%s\" at %s\n", note.message,
               rg_format(where, sizeof where, &note.location));
        c->got++;
    }
    return LWG_OK;
}

/* on_send_ready, and the first push: send notes while the call takes them */
static void chat_send(lwg_call *call)
{
    chat *c = call->user;
    char where[32];

    while (c->next < CHAT_NOTES) {
        routeguide_RouteNote note = routeguide_RouteNote_init_zero;
        note.has_location = true;
        note.location = point(chat_notes[c->next].latitude, chat_notes[c->next].longitude);
        snprintf(note.message, sizeof note.message, "%s", chat_notes[c->next].message);
        if (routeguide_RouteGuide_RouteChat_send(call, &note) != LWG_OK)
            return; /* LWG_EAGAIN: on_send_ready calls us again */
        printf("RouteChat: sent \"%s\" at %s\n", note.message,
               rg_format(where, sizeof where, &note.location));
        c->next++;
    }
    if (!c->closed) {
        c->closed = 1;
        lwg_call_close_send(call);
    }
}

static void chat_status(lwg_call *call)
{
    ((chat *)call->user)->done = 1;
}

static const lwg_call_cbs chat_cbs = {
    .on_message = chat_received,
    .on_send_ready = chat_send,
    .on_status = chat_status,
};

static int route_chat(void)
{
    static chat c;
    lwg_posix_client *clients[1] = { &client };
    int code;

    memset(&c, 0, sizeof c);
    if (routeguide_RouteGuide_RouteChat_start(&channel, &c.call, &opts, &chat_cbs, &c) != LWG_OK) {
        printf("RouteChat: cannot start\n");
        return LWG_STATUS_INTERNAL;
    }
    chat_send(&c.call);
    while (!c.done) /* the main loop: callbacks run in here */
        lwg_posix_poll(clients, 1, NULL, 0, 100);
    code = lwg_call_status(&c.call);
    printf("RouteChat -> %zu notes sent, %u notes back, status %s\n", c.next, c.got,
           lwg_status_name(code));
    return code;
}

int main(int argc, char **argv)
{
    static const char *const flags[] = { "server", NULL };
    const char *server;
    char host[256];
    int port, failed = 0;

    ex_check_flags(argc, argv, flags, "route_guide_client [--server=localhost:50051]");
    server = ex_flag(argc, argv, "server", "localhost:50051");
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (ex_host_port(server, host, sizeof host, &port) != 0 ||
        lwg_channel_init(&channel, server, lwg_port_now_ms()) != LWG_OK ||
        lwg_posix_client_init(&client, &channel, host, port) != LWG_OK) {
        fprintf(stderr, "route_guide_client: bad --server %s (want HOST:PORT)\n", server);
        return 2;
    }

    printf("== GetFeature (unary)\n");
    failed |= get_feature(559486120, -32008330) != LWG_STATUS_OK;
    failed |= get_feature(559000000, -33000000) != LWG_STATUS_OK;
    printf("== ListFeatures (server streaming)\n");
    failed |= list_features() != LWG_STATUS_OK;
    printf("== RecordRoute (client streaming)\n");
    failed |= record_route() != LWG_STATUS_OK;
    printf("== RouteChat (bidirectional streaming)\n");
    failed |= route_chat() != LWG_STATUS_OK;

    lwg_posix_client_close(&client);
    return failed ? 1 : 0;
}
