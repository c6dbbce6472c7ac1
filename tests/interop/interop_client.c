/*
 * interop_client.c - gRPC's interop test client on lwgrpc (the client side
 * of grpc/grpc doc/interop-test-descriptions.md), on the POSIX port's
 * blocking API through the typed wrappers protoc-gen-lwgrpc generates
 * (grpc/testing/test.lwgrpc_posix.h).
 *
 *   interop_client --server_host=H --server_port=N --test_case=C
 *                  [--server_host_override=NAME]
 *
 * Exit status 0 only when the case passed; each check that fails says why.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/testing/test.lwgrpc_posix.h"
#include "interop_common.h"
#include "port/posix/lwg_posix.h"

#define TS(m) grpc_testing_TestService_##m

static lwg_channel channel;
static lwg_posix_client client;
static lwg_posix_call pcall;
static const char *failure;
static char failure_buf[256];

#define REQUIRE(cond, ...)                                                    \
    do {                                                                      \
        if (!(cond)) {                                                        \
            snprintf(failure_buf, sizeof failure_buf, __VA_ARGS__);           \
            failure = failure_buf;                                            \
            return 1;                                                         \
        }                                                                     \
    } while (0)

#define REQUIRE_STATUS(code, want)                                            \
    REQUIRE((code) == (want), "status %s (%s), want %s", lwg_status_name(code), \
            lwg_call_status_message(&pcall.call), lwg_status_name(want))

/* ---- helpers ---------------------------------------------------------------- */

static void simple_request(grpc_testing_SimpleRequest *req, interop_body_out *out,
                           size_t request_size, int32_t response_size)
{
    *req = (grpc_testing_SimpleRequest)grpc_testing_SimpleRequest_init_zero;
    req->response_size = response_size;
    out->size = request_size;
    req->has_payload = true;
    interop_payload_out(&req->payload, out);
}

static void streaming_request(grpc_testing_StreamingOutputCallRequest *req,
                              interop_body_out *out, size_t request_size,
                              const int32_t *sizes, size_t n)
{
    *req = (grpc_testing_StreamingOutputCallRequest)grpc_testing_StreamingOutputCallRequest_init_zero;
    for (size_t i = 0; i < n; i++)
        req->response_parameters[i].size = sizes[i];
    req->response_parameters_count = (pb_size_t)n;
    if (out != NULL) {
        out->size = request_size;
        req->has_payload = true;
        interop_payload_out(&req->payload, out);
    }
}

/* Receive one StreamingOutputCallResponse and check its body size. */
static int recv_streaming(size_t want)
{
    grpc_testing_StreamingOutputCallResponse resp = grpc_testing_StreamingOutputCallResponse_init_zero;
    interop_body_in body;
    int r;

    interop_payload_in(&resp.payload, &body);
    r = TS(FullDuplexCall_posix_recv)(&pcall, &resp); /* same response type for all */
    REQUIRE(r == LWG_OK, "no response (recv %d, status %s %s)", r,
            lwg_status_name(lwg_call_status(&pcall.call)), lwg_call_status_message(&pcall.call));
    REQUIRE(body.size == want, "response body %zu bytes, want %zu", body.size, want);
    REQUIRE(!body.nonzero, "response body is not all zeros");
    return 0;
}

/* ---- the cases --------------------------------------------------------------------- */

static int empty_unary(void)
{
    grpc_testing_Empty req = grpc_testing_Empty_init_zero, resp = grpc_testing_Empty_init_zero;
    int code = TS(EmptyCall)(&client, NULL, &req, &resp, &pcall);

    REQUIRE_STATUS(code, LWG_STATUS_OK);
    return 0;
}

static int large_unary_with(const lwg_call_opts *opts)
{
    grpc_testing_SimpleRequest req;
    grpc_testing_SimpleResponse resp = grpc_testing_SimpleResponse_init_zero;
    interop_body_out out;
    interop_body_in in;
    int code;

    simple_request(&req, &out, 271828, 314159);
    interop_payload_in(&resp.payload, &in);
    code = TS(UnaryCall)(&client, opts, &req, &resp, &pcall);
    REQUIRE_STATUS(code, LWG_STATUS_OK);
    REQUIRE(in.size == 314159, "response body %zu bytes, want 314159", in.size);
    REQUIRE(!in.nonzero, "response body is not all zeros");
    return 0;
}

static int large_unary(void)
{
    return large_unary_with(NULL);
}

static int client_streaming(void)
{
    static const size_t sizes[] = { 27182, 8, 1828, 45904 };
    grpc_testing_StreamingInputCallResponse resp = grpc_testing_StreamingInputCallResponse_init_zero;
    int code;

    REQUIRE(TS(StreamingInputCall_posix_start)(&pcall, &client, NULL) == LWG_OK, "call start");
    for (size_t i = 0; i < 4; i++) {
        grpc_testing_StreamingInputCallRequest req = grpc_testing_StreamingInputCallRequest_init_zero;
        interop_body_out out = { sizes[i] };
        req.has_payload = true;
        interop_payload_out(&req.payload, &out);
        REQUIRE(TS(StreamingInputCall_posix_send)(&pcall, &req) == LWG_OK, "send %zu", i);
    }
    /* close our side, receive the response and the status */
    code = TS(StreamingInputCall_posix_finish)(&pcall, &resp);
    REQUIRE_STATUS(code, LWG_STATUS_OK);
    REQUIRE(resp.aggregated_payload_size == 74922, "aggregated size %d, want 74922",
            (int)resp.aggregated_payload_size);
    return 0;
}

static int server_streaming(void)
{
    static const int32_t sizes[] = { 31415, 9, 2653, 58979 };
    grpc_testing_StreamingOutputCallRequest req;
    int code;

    streaming_request(&req, NULL, 0, sizes, 4);
    /* start, send the request, close our side */
    REQUIRE(TS(StreamingOutputCall_posix_start)(&pcall, &client, NULL, &req) == LWG_OK,
            "call start");
    for (size_t i = 0; i < 4; i++)
        if (recv_streaming((size_t)sizes[i]))
            return 1;
    REQUIRE(lwg_posix_call_recv(&pcall, NULL, 0, NULL) == LWG_ECLOSED, "more than 4 responses");
    code = TS(StreamingOutputCall_posix_finish)(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_OK);
    return 0;
}

static int ping_pong(void)
{
    static const int32_t resp_sizes[] = { 31415, 9, 2653, 58979 };
    static const size_t req_sizes[] = { 27182, 8, 1828, 45904 };
    int code;

    REQUIRE(TS(FullDuplexCall_posix_start)(&pcall, &client, NULL) == LWG_OK, "call start");
    for (size_t i = 0; i < 4; i++) {
        grpc_testing_StreamingOutputCallRequest req;
        interop_body_out out;
        streaming_request(&req, &out, req_sizes[i], &resp_sizes[i], 1);
        REQUIRE(TS(FullDuplexCall_posix_send)(&pcall, &req) == LWG_OK, "send %zu", i);
        if (recv_streaming((size_t)resp_sizes[i]))
            return 1;
    }
    TS(FullDuplexCall_posix_close_send)(&pcall);
    REQUIRE(lwg_posix_call_recv(&pcall, NULL, 0, NULL) == LWG_ECLOSED, "unexpected response");
    code = TS(FullDuplexCall_posix_finish)(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_OK);
    return 0;
}

static int empty_stream(void)
{
    int code;

    REQUIRE(TS(FullDuplexCall_posix_start)(&pcall, &client, NULL) == LWG_OK, "call start");
    TS(FullDuplexCall_posix_close_send)(&pcall);
    REQUIRE(lwg_posix_call_recv(&pcall, NULL, 0, NULL) == LWG_ECLOSED, "unexpected response");
    code = TS(FullDuplexCall_posix_finish)(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_OK);
    return 0;
}

static const uint8_t trailing_value[] = { 0xab, 0xab, 0xab };
static const lwg_md echo_md[] = {
    { "x-grpc-test-echo-initial", (const uint8_t *)"test_initial_metadata_value", 27 },
    { "x-grpc-test-echo-trailing-bin", trailing_value, 3 },
};

/* Exactly one entry with this name and value in [from, to). */
static int md_once(const lwg_metadata *md, size_t from, size_t to, const char *name,
                   const uint8_t *value, size_t len)
{
    int found = 0;

    for (size_t i = from; i < to; i++) {
        lwg_metadata_view v;
        if (lwg_metadata_at(md, i, &v) != LWG_OK)
            break;
        if (v.name_len == strlen(name) && memcmp(v.name, name, v.name_len) == 0) {
            if (v.value_len != len || memcmp(v.value, value, len) != 0)
                return 0;
            found++;
        }
    }
    return found == 1;
}

static int check_echo(void)
{
    const lwg_metadata *md = lwg_call_metadata(&pcall.call);
    size_t split = pcall.call.md_trailers_start, n = lwg_metadata_count(md);

    REQUIRE(md_once(md, 0, split, echo_md[0].name, echo_md[0].value, echo_md[0].value_len),
            "initial metadata not echoed");
    REQUIRE(md_once(md, split, n, echo_md[1].name, echo_md[1].value, echo_md[1].value_len),
            "trailing metadata not echoed");
    return 0;
}

static int custom_metadata(void)
{
    static const int32_t size = 314159;
    lwg_call_opts opts = { .metadata = echo_md, .metadata_count = 2 };
    grpc_testing_StreamingOutputCallRequest req;
    interop_body_out out;
    int code;

    if (large_unary_with(&opts) || check_echo())
        return 1;
    streaming_request(&req, &out, 271828, &size, 1);
    REQUIRE(TS(FullDuplexCall_posix_start)(&pcall, &client, &opts) == LWG_OK, "call start");
    REQUIRE(TS(FullDuplexCall_posix_send)(&pcall, &req) == LWG_OK, "send");
    if (recv_streaming(314159))
        return 1;
    TS(FullDuplexCall_posix_close_send)(&pcall);
    code = TS(FullDuplexCall_posix_finish)(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_OK);
    return check_echo();
}

static int status_with(const char *message)
{
    grpc_testing_SimpleRequest req;
    grpc_testing_SimpleResponse resp = grpc_testing_SimpleResponse_init_zero;
    grpc_testing_StreamingOutputCallRequest sreq;
    interop_body_out out;
    int code;

    simple_request(&req, &out, 0, 0);
    req.has_payload = false;
    req.has_response_status = true;
    req.response_status.code = 2;
    snprintf(req.response_status.message, sizeof req.response_status.message, "%s", message);
    code = TS(UnaryCall)(&client, NULL, &req, &resp, &pcall);
    REQUIRE_STATUS(code, LWG_STATUS_UNKNOWN);
    REQUIRE(strcmp(lwg_call_status_message(&pcall.call), message) == 0,
            "unary status message \"%s\"", lwg_call_status_message(&pcall.call));

    streaming_request(&sreq, NULL, 0, NULL, 0);
    sreq.has_response_status = true;
    sreq.response_status.code = 2;
    snprintf(sreq.response_status.message, sizeof sreq.response_status.message, "%s", message);
    REQUIRE(TS(FullDuplexCall_posix_start)(&pcall, &client, NULL) == LWG_OK, "call start");
    TS(FullDuplexCall_posix_send)(&pcall, &sreq);
    TS(FullDuplexCall_posix_close_send)(&pcall);
    code = TS(FullDuplexCall_posix_finish)(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_UNKNOWN);
    REQUIRE(strcmp(lwg_call_status_message(&pcall.call), message) == 0,
            "streaming status message \"%s\"", lwg_call_status_message(&pcall.call));
    return 0;
}

static int status_code_and_message(void)
{
    return status_with("test status message");
}

static int special_status_message(void)
{
    return status_with("\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
                       "\xf0\x9f\x98\x88\t\n");
}

static int unimplemented_method(void)
{
    grpc_testing_Empty req = grpc_testing_Empty_init_zero, resp = grpc_testing_Empty_init_zero;
    int code = TS(UnimplementedCall)(&client, NULL, &req, &resp, &pcall);

    REQUIRE_STATUS(code, LWG_STATUS_UNIMPLEMENTED);
    return 0;
}

static int unimplemented_service(void)
{
    grpc_testing_Empty req = grpc_testing_Empty_init_zero, resp = grpc_testing_Empty_init_zero;
    int code = grpc_testing_UnimplementedService_UnimplementedCall(&client, NULL, &req, &resp,
                                                                   &pcall);

    REQUIRE_STATUS(code, LWG_STATUS_UNIMPLEMENTED);
    return 0;
}

static int cancel_after_begin(void)
{
    int code;

    REQUIRE(TS(StreamingInputCall_posix_start)(&pcall, &client, NULL) == LWG_OK, "call start");
    lwg_call_cancel(&pcall.call);
    code = lwg_posix_call_finish(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_CANCELLED);
    return 0;
}

static int cancel_after_first_response(void)
{
    static const int32_t size = 31415;
    grpc_testing_StreamingOutputCallRequest req;
    interop_body_out out;
    int code;

    streaming_request(&req, &out, 27182, &size, 1);
    REQUIRE(TS(FullDuplexCall_posix_start)(&pcall, &client, NULL) == LWG_OK, "call start");
    REQUIRE(TS(FullDuplexCall_posix_send)(&pcall, &req) == LWG_OK, "send");
    if (recv_streaming(31415))
        return 1;
    lwg_call_cancel(&pcall.call);
    code = lwg_posix_call_finish(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_CANCELLED);
    return 0;
}

static int timeout_on_sleeping_server(void)
{
    grpc_testing_StreamingOutputCallRequest req;
    interop_body_out out;
    lwg_call_opts opts = { .timeout_ms = 1 };
    int code;

    streaming_request(&req, &out, 27182, NULL, 0);
    REQUIRE(TS(FullDuplexCall_posix_start)(&pcall, &client, &opts) == LWG_OK, "call start");
    (void)TS(FullDuplexCall_posix_send)(&pcall, &req);
    code = TS(FullDuplexCall_posix_finish)(&pcall);
    REQUIRE_STATUS(code, LWG_STATUS_DEADLINE_EXCEEDED);
    return 0;
}

static int pick_first_unary(void)
{
    char first[sizeof(((grpc_testing_SimpleResponse *)0)->server_id)] = "";

    for (int i = 0; i < 100; i++) {
        grpc_testing_SimpleRequest req;
        grpc_testing_SimpleResponse resp = grpc_testing_SimpleResponse_init_zero;
        interop_body_out out;
        int code;
        simple_request(&req, &out, 0, 0);
        req.has_payload = false;
        req.fill_server_id = true;
        code = TS(UnaryCall)(&client, NULL, &req, &resp, &pcall);
        REQUIRE_STATUS(code, LWG_STATUS_OK);
        REQUIRE(resp.server_id[0] != '\0', "call %d: empty server_id", i);
        if (i == 0)
            memcpy(first, resp.server_id, sizeof first);
        REQUIRE(strcmp(first, resp.server_id) == 0, "call %d: server_id %s, want %s", i,
                resp.server_id, first);
    }
    return 0;
}

typedef struct interop_case {
    const char *name;
    int (*run)(void);
} interop_case;

static const interop_case cases[] = {
    { "empty_unary", empty_unary },
    { "large_unary", large_unary },
    { "client_streaming", client_streaming },
    { "server_streaming", server_streaming },
    { "ping_pong", ping_pong },
    { "empty_stream", empty_stream },
    { "custom_metadata", custom_metadata },
    { "status_code_and_message", status_code_and_message },
    { "special_status_message", special_status_message },
    { "unimplemented_method", unimplemented_method },
    { "unimplemented_service", unimplemented_service },
    { "cancel_after_begin", cancel_after_begin },
    { "cancel_after_first_response", cancel_after_first_response },
    { "timeout_on_sleeping_server", timeout_on_sleeping_server },
    { "pick_first_unary", pick_first_unary },
};

static int run_case(const char *name)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, name) != 0)
            continue;
        failure = NULL;
        if (cases[i].run() != 0) {
            printf("FAIL %s: %s\n", name, failure ? failure : "?");
            return 1;
        }
        printf("PASS %s\n", name);
        return 0;
    }
    printf("FAIL %s: unknown test case\n", name);
    return 1;
}

static lwg_channel_opts channel_opts;

#if LWG_TLS
static lwg_tls_config tls;
static uint8_t tls_ca[16384], tls_cert[16384], tls_key[16384];

/* --use_tls=true [--use_test_ca=true --ca_file=F] [--server_host_override=N]
 * [--tls_cert_file=F --tls_key_file=F for mutual TLS] */
static int setup_tls(int argc, char **argv, const char *override)
{
    const char *ca = interop_flag(argc, argv, "ca_file");
    const char *cert = interop_flag(argc, argv, "tls_cert_file");
    const char *key = interop_flag(argc, argv, "tls_key_file");
    long n;

    if (lwg_tls_config_init(&tls, LWG_TLS_CLIENT) != LWG_OK)
        return -1;
    if (ca == NULL && interop_flag_bool(argc, argv, "use_test_ca", false))
        ca = "build/certs/ca.pem"; /* tests/certs/make_certs.sh */
    if (ca == NULL) {
        fprintf(stderr, "interop_client: --use_tls needs --ca_file (or --use_test_ca)\n");
        return -1;
    }
    n = interop_read_file(ca, tls_ca, sizeof tls_ca);
    if (n < 0 || lwg_tls_config_add_ca(&tls, tls_ca, (size_t)n) != LWG_OK) {
        fprintf(stderr, "interop_client: cannot load %s\n", ca);
        return -1;
    }
    if (cert != NULL && key != NULL) {
        long nc = interop_read_file(cert, tls_cert, sizeof tls_cert);
        long nk = interop_read_file(key, tls_key, sizeof tls_key);
        if (nc < 0 || nk < 0 ||
            lwg_tls_config_set_own_cert(&tls, tls_cert, (size_t)nc, tls_key, (size_t)nk) != LWG_OK) {
            fprintf(stderr, "interop_client: cannot load the client certificate\n");
            return -1;
        }
    }
    if (override != NULL)
        lwg_tls_config_set_server_name_override(&tls, override);
    lwg_tls_config_set_time(&tls, lwg_posix_unix_time);
    lwg_posix_client_use_tls(&client, &tls);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    const char *host = interop_flag(argc, argv, "server_host");
    const char *override = interop_flag(argc, argv, "server_host_override");
    const char *test_case = interop_flag(argc, argv, "test_case");
    long port = interop_flag_int(argc, argv, "server_port", 10000);
    char authority[LWG_MAX_AUTHORITY + 1];
    int failed = 0;

    signal(SIGPIPE, SIG_IGN);
    if (host == NULL)
        host = "localhost";
    if (test_case == NULL)
        test_case = "large_unary";
    snprintf(authority, sizeof authority, "%s:%ld", override ? override : host, port);
    if (lwg_channel_init(&channel, authority, lwg_port_now_ms()) != LWG_OK ||
        lwg_posix_client_init(&client, &channel, host, (int)port) != LWG_OK) {
        fprintf(stderr, "interop_client: bad server address\n");
        return 2;
    }
    channel_opts.keepalive_time_ms = (uint32_t)interop_flag_int(argc, argv, "keepalive_time_ms", 0);
    channel_opts.keepalive_timeout_ms = (uint32_t)interop_flag_int(argc, argv, "keepalive_timeout_ms", 0);
    channel_opts.keepalive_permit_without_stream =
        interop_flag_bool(argc, argv, "keepalive_permit_without_stream", false);
    /* --auth_token=T: per-RPC credentials "Bearer T" on every call */
    if (interop_flag(argc, argv, "auth_token") != NULL) {
        static char bearer[256];
        snprintf(bearer, sizeof bearer, "Bearer %s", interop_flag(argc, argv, "auth_token"));
        channel_opts.authorization = bearer;
    }
    channel_opts.allow_insecure_credentials =
        interop_flag_bool(argc, argv, "allow_insecure_credentials", false);
    lwg_channel_set_opts(&channel, &channel_opts);
    if (interop_flag_bool(argc, argv, "use_tls", false)) {
#if LWG_TLS
        if (setup_tls(argc, argv, override) != 0)
            return 2;
#else
        fprintf(stderr, "interop_client: built without TLS (LWG_TLS 0)\n");
        return 2;
#endif
    }
    if (strcmp(test_case, "all") == 0) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            failed |= run_case(cases[i].name);
    } else {
        char list[512], *save = NULL;
        snprintf(list, sizeof list, "%s", test_case);
        for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save))
            failed |= run_case(c);
    }
    lwg_posix_client_close(&client);
    return failed;
}
