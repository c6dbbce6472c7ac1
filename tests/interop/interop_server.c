/*
 * interop_server.c - gRPC's interop TestService on lwgrpc (the server side
 * of grpc/grpc doc/interop-test-descriptions.md).
 *
 *   interop_server --port=N
 *
 * Single-threaded and asynchronous, as a device would run it: handlers
 * never block.  Streaming responses wait for their interval_us with an
 * application timer (the poll timeout) and for room to send with
 * the _ready handlers.  Every method echoes x-grpc-test-echo-initial in
 * the response headers and x-grpc-test-echo-trailing-bin in the trailers.
 * UnimplementedCall is missing on purpose.  The handlers are those of the
 * stubs protoc-gen-lwgrpc generates from proto/grpc/testing/test.proto.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interop_common.h"
#include "port/posix/lwg_posix.h"

#define SERVER_ID "lwgrpc-interop-server"
#define MAX_QUEUED 16

/* What one call has to do. */
typedef struct call_state {
    int in_use;
    /* echoed metadata (views into the call's md_in, valid for the call) */
    lwg_md echo_initial[1];
    size_t n_initial;
    lwg_md echo_trailing[1];
    size_t n_trailing;
    /* request payload bodies are counted, response bodies written, here:
     * the unary response is encoded after its handler returned */
    interop_body_in body_in;
    interop_body_out body_out;
    /* client streaming */
    uint32_t aggregated;
    /* queued streaming responses: size and wait before each */
    uint32_t q_size[MAX_QUEUED];
    uint32_t q_interval_us[MAX_QUEUED];
    unsigned q_head, q_count;
    uint32_t next_due_ms;
    int head_timed;          /* next_due_ms is set for the head            */
    int hold_until_close;    /* HalfDuplexCall: answer after half-close    */
    int half_closed;
    int finish_code;         /* status to end with once the queue is empty */
    char finish_msg[257];
    int finish_pending;
} call_state;

static call_state states[LWG_MAX_SERVER_CALLS];
static lwg_server server;
static lwg_posix_server posix_server;
static grpc_testing_TestService_server test_service;
static volatile sig_atomic_t stop;

#define TS(m) grpc_testing_TestService_##m##_method

static call_state *state_of(lwg_call *call)
{
    return call->user;
}

static void finish(lwg_call *call, int code, const char *msg)
{
    call_state *s = state_of(call);
    lwg_call_finish(call, code, msg, s->echo_trailing, s->n_trailing);
}

/* ---- every call: state, echoed initial metadata, payload callbacks ------ */

static int log_calls; /* --log_calls: a line per handler start */

static void on_start(lwg_call *call)
{
    call_state *s = NULL;
    size_t len;
    const uint8_t *v;

    if (log_calls) {
        char peer[160] = "";
#if LWG_TLS
        if (lwg_call_transport(call) != NULL)
            (void)lwg_tls_peer_subject(lwg_call_transport(call), peer, sizeof peer);
#endif
        printf("call %s%s%s\n", call->method->path, peer[0] ? " peer=" : "", peer);
        fflush(stdout);
    }

    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        if (!states[i].in_use) {
            s = &states[i];
            break;
        }
    }
    if (s == NULL) { /* cannot happen: one state per server call slot */
        lwg_call_finish(call, LWG_STATUS_RESOURCE_EXHAUSTED, "no call state", NULL, 0);
        return;
    }
    memset(s, 0, sizeof *s);
    s->in_use = 1;
    call->user = s;
    v = lwg_metadata_get(lwg_call_metadata(call), "x-grpc-test-echo-initial", 24, &len);
    if (v != NULL) {
        s->echo_initial[0] = (lwg_md){ "x-grpc-test-echo-initial", v, len };
        s->n_initial = 1;
        lwg_call_send_headers(call, s->echo_initial, 1);
    }
    v = lwg_metadata_get(lwg_call_metadata(call), "x-grpc-test-echo-trailing-bin", 29, &len);
    if (v != NULL) {
        s->echo_trailing[0] = (lwg_md){ "x-grpc-test-echo-trailing-bin", v, len };
        s->n_trailing = 1;
    }
}

/* Requests with a payload count its body into the call's state. */
static void prepare_request(lwg_call *call, void *req)
{
    call_state *s = state_of(call);
    const lwg_method *m = call->method;

    if (s == NULL)
        return;
    if (m == &TS(UnaryCall) || m == &TS(CacheableUnaryCall))
        interop_payload_in(&((grpc_testing_SimpleRequest *)req)->payload, &s->body_in);
    else if (m == &TS(StreamingInputCall))
        interop_payload_in(&((grpc_testing_StreamingInputCallRequest *)req)->payload, &s->body_in);
    else if (m == &TS(StreamingOutputCall) || m == &TS(FullDuplexCall) ||
             m == &TS(HalfDuplexCall))
        interop_payload_in(&((grpc_testing_StreamingOutputCallRequest *)req)->payload, &s->body_in);
}

static void on_done(lwg_call *call)
{
    call_state *s = state_of(call);
    if (s)
        s->in_use = 0;
    call->user = NULL;
}

/* ---- unary ---------------------------------------------------------------- */

/* The generated trampoline sends *resp and finishes OK when a handler
 * returns LWG_STATUS_OK.  Trailing metadata to echo needs our own finish. */
static int answer_ok(lwg_call *call, const struct pb_msgdesc_s *fields, const void *resp)
{
    if (state_of(call)->n_trailing == 0)
        return LWG_STATUS_OK;
    if (lwg_call_send_pb(call, fields, resp) != LWG_OK)
        finish(call, LWG_STATUS_INTERNAL, "response does not fit");
    else
        finish(call, LWG_STATUS_OK, NULL);
    return LWG_STATUS_ASYNC;
}

static int empty_call(lwg_call *call, const grpc_testing_Empty *req, grpc_testing_Empty *resp)
{
    (void)req;
    return answer_ok(call, grpc_testing_Empty_fields, resp);
}

static int unary_call(lwg_call *call, const grpc_testing_SimpleRequest *req,
                      grpc_testing_SimpleResponse *resp)
{
    call_state *s = state_of(call);

    if (req->has_response_status && req->response_status.code != 0) {
        finish(call, req->response_status.code, req->response_status.message);
        return LWG_STATUS_ASYNC;
    }
    if (req->response_size > 0) {
        s->body_out.size = (size_t)req->response_size;
        resp->has_payload = true;
        interop_payload_out(&resp->payload, &s->body_out);
    }
    if (req->fill_server_id)
        snprintf(resp->server_id, sizeof resp->server_id, "%s", SERVER_ID);
    if (req->fill_username)
        resp->username[0] = '\0'; /* no authentication on this server */
    return answer_ok(call, grpc_testing_SimpleResponse_fields, resp);
}

/* ---- streaming responses ------------------------------------------------ */

static void pump_queue(lwg_call *call, uint32_t now)
{
    call_state *s = state_of(call);

    while (s->q_count > 0) {
        grpc_testing_StreamingOutputCallResponse resp = grpc_testing_StreamingOutputCallResponse_init_zero;
        int r;

        if (!s->head_timed) {
            s->next_due_ms = now + (s->q_interval_us[s->q_head] + 999) / 1000;
            s->head_timed = 1;
        }
        if (!lwg_time_reached(now, s->next_due_ms))
            return; /* the main loop's timer brings us back */
        s->body_out.size = s->q_size[s->q_head];
        resp.has_payload = true;
        interop_payload_out(&resp.payload, &s->body_out);
        /* the three streaming methods share this response type */
        r = grpc_testing_TestService_FullDuplexCall_send_response(call, &resp);
        if (r == LWG_EAGAIN)
            return; /* the _ready handler brings us back */
        if (r != LWG_OK)
            return;
        s->q_head = (s->q_head + 1) % MAX_QUEUED;
        s->q_count--;
        s->head_timed = 0;
    }
    if (s->finish_pending) {
        s->finish_pending = 0;
        finish(call, s->finish_code, s->finish_msg);
    } else if (s->half_closed && !s->hold_until_close) {
        s->half_closed = 0;
        finish(call, LWG_STATUS_OK, NULL);
    }
}

static int queue_request(lwg_call *call, const grpc_testing_StreamingOutputCallRequest *req)
{
    call_state *s = state_of(call);

    for (pb_size_t i = 0; i < req->response_parameters_count; i++) {
        unsigned slot;
        if (s->q_count == MAX_QUEUED)
            return LWG_ENOMEM;
        slot = (s->q_head + s->q_count) % MAX_QUEUED;
        s->q_size[slot] = (uint32_t)req->response_parameters[i].size;
        s->q_interval_us[slot] = (uint32_t)req->response_parameters[i].interval_us;
        s->q_count++;
    }
    if (req->has_response_status && req->response_status.code != 0) {
        s->finish_pending = 1;
        s->finish_code = req->response_status.code;
        snprintf(s->finish_msg, sizeof s->finish_msg, "%s", req->response_status.message);
    }
    return LWG_OK;
}

static void send_ready(lwg_call *call)
{
    if (state_of(call))
        pump_queue(call, lwg_port_now_ms());
}

/* StreamingOutputCall: the one request says it all; finish once sent. */
static void streaming_output_call(lwg_call *call, const grpc_testing_StreamingOutputCallRequest *req)
{
    call_state *s = state_of(call);

    if (queue_request(call, req) != LWG_OK) {
        finish(call, LWG_STATUS_RESOURCE_EXHAUSTED, "too many queued responses");
        return;
    }
    s->half_closed = 1;
    pump_queue(call, lwg_port_now_ms());
}

/* FullDuplexCall: answer each request at once; HalfDuplexCall: hold the
 * answers until the client half-closes. */
static int duplex_message(lwg_call *call, const grpc_testing_StreamingOutputCallRequest *req)
{
    call_state *s = state_of(call);

    if (queue_request(call, req) != LWG_OK) {
        finish(call, LWG_STATUS_RESOURCE_EXHAUSTED, "too many queued responses");
        return LWG_OK;
    }
    if (call->method == &TS(HalfDuplexCall))
        s->hold_until_close = 1;
    else
        pump_queue(call, lwg_port_now_ms());
    return LWG_OK;
}

static void duplex_end(lwg_call *call)
{
    call_state *s = state_of(call);

    s->half_closed = 1;
    s->hold_until_close = 0;
    pump_queue(call, lwg_port_now_ms());
}

/* ---- client streaming ------------------------------------------------------ */

static int streaming_input_message(lwg_call *call, const grpc_testing_StreamingInputCallRequest *req)
{
    call_state *s = state_of(call);

    (void)req;
    s->aggregated += (uint32_t)s->body_in.size;
    return LWG_OK;
}

static void streaming_input_end(lwg_call *call)
{
    call_state *s = state_of(call);
    grpc_testing_StreamingInputCallResponse resp = grpc_testing_StreamingInputCallResponse_init_zero;

    resp.aggregated_payload_size = (int32_t)s->aggregated;
    grpc_testing_TestService_StreamingInputCall_send_response(call, &resp);
    finish(call, LWG_STATUS_OK, NULL);
}

/* UnimplementedCall: missing on purpose (its callers get UNIMPLEMENTED). */
static const grpc_testing_TestService_impl test_impl = {
    .on_start = on_start,
    .prepare_request = prepare_request,
    .on_done = on_done,
    .EmptyCall = empty_call,
    .UnaryCall = unary_call,
    .CacheableUnaryCall = unary_call,
    .StreamingOutputCall = streaming_output_call,
    .StreamingOutputCall_ready = send_ready,
    .StreamingInputCall_message = streaming_input_message,
    .StreamingInputCall_end = streaming_input_end,
    .FullDuplexCall_message = duplex_message,
    .FullDuplexCall_end = duplex_end,
    .FullDuplexCall_ready = send_ready,
    .HalfDuplexCall_message = duplex_message,
    .HalfDuplexCall_end = duplex_end,
    .HalfDuplexCall_ready = send_ready,
};

/* ---- main loop ----------------------------------------------------------------- */

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Run due streaming timers; return ms until the next one. */
static int run_timers(void)
{
    uint32_t now = lwg_port_now_ms();
    int wait = 1000;

    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        lwg_call *call = &server.calls[i];
        call_state *s = call->user;
        int32_t left;
        if (call->state != LWG_CALL_ACTIVE || s == NULL || !s->in_use || s->q_count == 0 ||
            s->hold_until_close)
            continue;
        pump_queue(call, now);
        if (s->q_count > 0 && s->head_timed) {
            left = lwg_time_diff(s->next_due_ms, now);
            if (left < wait)
                wait = left < 0 ? 0 : left;
        }
    }
    return wait;
}

/* Connection management and keepalive, as gRPC's interop server takes
 * them (absent: gRPC's defaults). */
static lwg_server_opts server_opts;

/* --require_auth_token=T: per-RPC credentials "Bearer T" or UNAUTHENTICATED */
static char bearer[256];
static int check_token(lwg_call *call, void *user)
{
    size_t n;
    const uint8_t *v = lwg_metadata_get(lwg_call_metadata(call), "authorization", 13, &n);

    (void)user;
    if (v != NULL && n == strlen(bearer) && memcmp(v, bearer, n) == 0)
        return LWG_STATUS_OK;
    if (log_calls) {
        printf("refused %s: no valid token\n", call->method ? call->method->path : "?");
        fflush(stdout);
    }
    return LWG_STATUS_UNAUTHENTICATED;
}

#if LWG_TLS
static lwg_tls_config tls;
static uint8_t tls_cert[16384], tls_key[16384], tls_ca[16384];

/* --use_tls=true --tls_cert_file=F --tls_key_file=F
 * [--tls_client_ca_file=F --require_client_cert=true|--optional_client_cert=true] */
static int setup_tls(int argc, char **argv)
{
    const char *cert = interop_flag(argc, argv, "tls_cert_file");
    const char *key = interop_flag(argc, argv, "tls_key_file");
    const char *ca = interop_flag(argc, argv, "tls_client_ca_file");
    long nc, nk;

    if (cert == NULL || key == NULL) {
        fprintf(stderr, "interop_server: --use_tls needs --tls_cert_file and --tls_key_file\n");
        return -1;
    }
    nc = interop_read_file(cert, tls_cert, sizeof tls_cert);
    nk = interop_read_file(key, tls_key, sizeof tls_key);
    if (nc < 0 || nk < 0 || lwg_tls_config_init(&tls, LWG_TLS_SERVER) != LWG_OK ||
        lwg_tls_config_set_own_cert(&tls, tls_cert, (size_t)nc, tls_key, (size_t)nk) != LWG_OK) {
        fprintf(stderr, "interop_server: cannot load the certificate and key\n");
        return -1;
    }
    if (ca != NULL) {
        long n = interop_read_file(ca, tls_ca, sizeof tls_ca);
        if (n < 0 || lwg_tls_config_add_ca(&tls, tls_ca, (size_t)n) != LWG_OK) {
            fprintf(stderr, "interop_server: cannot load %s\n", ca);
            return -1;
        }
        lwg_tls_config_set_client_cert(&tls, interop_flag_bool(argc, argv, "require_client_cert", false)
                                                 ? LWG_TLS_CLIENT_CERT_REQUIRED
                                                 : LWG_TLS_CLIENT_CERT_OPTIONAL);
    }
    lwg_tls_config_set_time(&tls, lwg_posix_unix_time);
    lwg_posix_server_use_tls(&posix_server, &tls);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    long port = interop_flag_int(argc, argv, "port", 10000);
    const char *host = interop_flag(argc, argv, "host");
    lwg_posix_server *servers[1] = { &posix_server };

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    server_opts.keepalive_time_ms = (uint32_t)interop_flag_int(argc, argv, "keepalive_time_ms", 0);
    server_opts.keepalive_timeout_ms = (uint32_t)interop_flag_int(argc, argv, "keepalive_timeout_ms", 0);
    server_opts.keepalive_min_time_ms = (uint32_t)interop_flag_int(argc, argv, "keepalive_min_time_ms", 0);
    server_opts.keepalive_permit_without_stream =
        interop_flag_bool(argc, argv, "keepalive_permit_without_stream", false);
    server_opts.max_connection_idle_ms = (uint32_t)interop_flag_int(argc, argv, "max_connection_idle_ms", 0);
    server_opts.max_connection_age_ms = (uint32_t)interop_flag_int(argc, argv, "max_connection_age_ms", 0);
    server_opts.max_connection_age_grace_ms =
        (uint32_t)interop_flag_int(argc, argv, "max_connection_age_grace_ms", 0);
    log_calls = interop_flag_bool(argc, argv, "log_calls", false);
    if (interop_flag(argc, argv, "require_auth_token") != NULL) {
        snprintf(bearer, sizeof bearer, "Bearer %s", interop_flag(argc, argv, "require_auth_token"));
        server_opts.auth_check = check_token;
    }
    lwg_server_init(&server, NULL);
    lwg_server_set_opts(&server, &server_opts);
    grpc_testing_TestService_register(&server, &test_service, &test_impl);
    if (lwg_posix_server_listen(&posix_server, &server, host, (int)port) != LWG_OK) {
        fprintf(stderr, "interop_server: cannot listen on port %ld\n", port);
        return 1;
    }
    if (interop_flag_bool(argc, argv, "use_tls", false)) {
#if LWG_TLS
        if (setup_tls(argc, argv) != 0)
            return 1;
#else
        fprintf(stderr, "interop_server: built without TLS (LWG_TLS 0)\n");
        return 1;
#endif
    }
    printf("interop_server: listening on port %d\n", posix_server.port);
    fflush(stdout);
    while (!stop) {
        int wait = run_timers();
        lwg_posix_poll(NULL, 0, servers, 1, wait);
    }
    lwg_posix_server_close(&posix_server);
    return 0;
}
