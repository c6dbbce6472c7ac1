/*
 * route_guide_server.c - gRPC's route guide service on lwgrpc's POSIX
 * port, one method of each RPC kind, with the stubs protoc-gen-lwgrpc
 * generates from proto/route_guide/route_guide.proto.
 *
 *   build/host/bin/route_guide_server [--port=50051]
 *
 * --port=0 takes any free port.  Prints "listening on port N", then one
 * line per call.  Stops on Ctrl-C or SIGTERM.
 *
 * Single-threaded and asynchronous, as on a microcontroller: no handler
 * ever blocks.  A streaming handler sends while the call takes messages;
 * when ..._send_response() says LWG_EAGAIN (the previous message is still
 * going out: flow control, a slow reader) it returns, and the generated
 * ..._ready handler resumes it where it stopped.  What a call has to
 * remember between those events lives in a per-call state from a fixed
 * pool (call->user), taken in on_start and given back in on_done.
 *
 *   GetFeature    unary: the feature at a point (empty name if none)
 *   ListFeatures  server streaming: the features inside a rectangle
 *   RecordRoute   client streaming: points in, a summary out
 *   RouteChat     bidirectional: for each note, the notes sent earlier at
 *                 its point (by any client), then the note is kept
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "examples/example_util.h"
#include "port/posix/lwg_posix.h"
#include "route_guide/route_guide.lwgrpc.h"
#include "route_guide_db.h"

#define MAX_NOTES 64            /* RouteChat notes kept (oldest dropped) */

/* What one call remembers between events. */
typedef struct call_state {
    int in_use;
    uint32_t start_ms;
    /* ListFeatures: the rectangle and the next feature to look at */
    routeguide_Rectangle rect;
    size_t next;
    unsigned sent;
    /* RecordRoute */
    int32_t points, features, distance;
    routeguide_Point last;
    /* RouteChat: the note being answered and how far the scan got */
    routeguide_RouteNote note;
    size_t scan, scan_end;
    int scanning;
} call_state;

static lwg_server server;
static lwg_posix_server listener;
static routeguide_RouteGuide_server route_guide;
static call_state states[LWG_MAX_SERVER_CALLS];
static routeguide_RouteNote notes[MAX_NOTES];   /* a ring */
static size_t notes_total;                      /* notes ever kept */
static volatile sig_atomic_t stop;

static call_state *state_of(lwg_call *call)
{
    return call->user;
}

/* ---- every call: a state from the pool ------------------------------------ */

static void on_start(lwg_call *call)
{
    for (size_t i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        if (!states[i].in_use) {
            memset(&states[i], 0, sizeof states[i]);
            states[i].in_use = 1;
            states[i].start_ms = lwg_port_now_ms();
            call->user = &states[i];
            return;
        }
    }
    /* cannot happen: there is one state per server call slot */
    lwg_call_finish(call, LWG_STATUS_RESOURCE_EXHAUSTED, "no call state", NULL, 0);
}

static void on_done(lwg_call *call)
{
    call_state *s = state_of(call);

    if (s != NULL)
        s->in_use = 0;
    call->user = NULL;
}

/* ---- GetFeature: unary ----------------------------------------------------- */

static int get_feature(lwg_call *call, const routeguide_Point *req, routeguide_Feature *resp)
{
    const char *name = rg_feature_at(req);
    char where[32];

    (void)call;
    if (name != NULL)
        snprintf(resp->name, sizeof resp->name, "%s", name);
    resp->has_location = true;
    resp->location = *req;
    if (name != NULL)
        printf("GetFeature(%s) -> \"%s\"\n", rg_format(where, sizeof where, req), name);
    else
        printf("GetFeature(%s) -> no feature\n", rg_format(where, sizeof where, req));
    fflush(stdout);
    return LWG_STATUS_OK; /* the trampoline sends *resp and finishes OK */
}

/* ---- ListFeatures: server streaming, resumed on send-ready -------------------- */

static void list_features_pump(lwg_call *call)
{
    call_state *s = state_of(call);

    for (; s->next < rg_feature_count; s->next++) {
        const rg_feature *f = &rg_features[s->next];
        routeguide_Feature out = routeguide_Feature_init_zero;

        out.location.latitude = f->latitude;
        out.location.longitude = f->longitude;
        if (!rg_in_rect(&s->rect, &out.location))
            continue;
        out.has_location = true;
        snprintf(out.name, sizeof out.name, "%s", f->name);
        if (routeguide_RouteGuide_ListFeatures_send_response(call, &out) != LWG_OK)
            return; /* LWG_EAGAIN: list_features_ready resumes here */
        s->sent++;
    }
    printf("ListFeatures -> %u features\n", s->sent);
    fflush(stdout);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static void list_features(lwg_call *call, const routeguide_Rectangle *req)
{
    state_of(call)->rect = *req;
    list_features_pump(call);
}

static void list_features_ready(lwg_call *call)
{
    list_features_pump(call);
}

/* ---- RecordRoute: client streaming ------------------------------------------------ */

static int record_route_point(lwg_call *call, const routeguide_Point *p)
{
    call_state *s = state_of(call);

    if (rg_feature_at(p) != NULL)
        s->features++;
    if (s->points > 0)
        s->distance += rg_distance_m(&s->last, p);
    s->last = *p;
    s->points++;
    return LWG_OK;
}

static void record_route_end(lwg_call *call)
{
    call_state *s = state_of(call);
    routeguide_RouteSummary sum = routeguide_RouteSummary_init_zero;

    sum.point_count = s->points;
    sum.feature_count = s->features;
    sum.distance = s->distance;
    sum.elapsed_time = (int32_t)((lwg_port_now_ms() - s->start_ms) / 1000);
    printf("RecordRoute -> %d points, %d features, %d m\n", (int)sum.point_count,
           (int)sum.feature_count, (int)sum.distance);
    fflush(stdout);
    routeguide_RouteGuide_RecordRoute_send_response(call, &sum);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* ---- RouteChat: bidirectional, resumed on send-ready -------------------------------- */

static int same_point(const routeguide_Point *a, const routeguide_Point *b)
{
    return a->latitude == b->latitude && a->longitude == b->longitude;
}

/* Send the earlier notes at s->note's point; 1 when all are out (the note
 * is then kept), 0 when a send must wait for route_chat_ready. */
static int route_chat_pump(lwg_call *call)
{
    call_state *s = state_of(call);

    for (; s->scan < s->scan_end; s->scan++) {
        const routeguide_RouteNote *n = &notes[s->scan % MAX_NOTES];
        if (s->scan + MAX_NOTES < notes_total)
            continue; /* overwritten meanwhile */
        if (!same_point(&n->location, &s->note.location))
            continue;
        if (routeguide_RouteGuide_RouteChat_send_response(call, n) != LWG_OK)
            return 0;
    }
    notes[notes_total % MAX_NOTES] = s->note;
    notes_total++;
    return 1;
}

static int route_chat_note(lwg_call *call, const routeguide_RouteNote *note)
{
    call_state *s = state_of(call);
    char where[32];

    printf("RouteChat note \"%s\" at %s\n", note->message,
           rg_format(where, sizeof where, &note->location));
    fflush(stdout);
    s->note = *note;
    s->scan = notes_total > MAX_NOTES ? notes_total - MAX_NOTES : 0;
    s->scan_end = notes_total;
    if (route_chat_pump(call))
        return LWG_OK;
    /* Hold the request stream: no next note until this one is answered */
    s->scanning = 1;
    return LWG_EAGAIN;
}

static void route_chat_ready(lwg_call *call)
{
    call_state *s = state_of(call);

    if (s->scanning && route_chat_pump(call)) {
        s->scanning = 0;
        lwg_call_recv_done(call); /* deliver the next note */
    }
}

static void route_chat_end(lwg_call *call)
{
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* ---- the service ------------------------------------------------------------------- */

static const routeguide_RouteGuide_impl route_guide_impl = {
    .on_start = on_start,
    .on_done = on_done,
    .GetFeature = get_feature,
    .ListFeatures = list_features,
    .ListFeatures_ready = list_features_ready,
    .RecordRoute_message = record_route_point,
    .RecordRoute_end = record_route_end,
    .RouteChat_message = route_chat_note,
    .RouteChat_end = route_chat_end,
    .RouteChat_ready = route_chat_ready,
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

    ex_check_flags(argc, argv, flags, "route_guide_server [--port=50051]");
    port = atoi(ex_flag(argc, argv, "port", "50051"));
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    lwg_server_init(&server, NULL);
    routeguide_RouteGuide_register(&server, &route_guide, &route_guide_impl);
    if (lwg_posix_server_listen(&listener, &server, NULL, port) != LWG_OK) {
        fprintf(stderr, "route_guide_server: cannot listen on port %d\n", port);
        return 1;
    }
    printf("route_guide_server: listening on port %d (%u features)\n", listener.port,
           (unsigned)rg_feature_count);
    fflush(stdout);
    while (!stop)
        lwg_posix_poll(NULL, 0, servers, 1, 1000);
    lwg_posix_server_close(&listener);
    return 0;
}
