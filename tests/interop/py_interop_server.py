#!/usr/bin/python3
"""gRPC interop test server on Python grpcio (gRPC C-core): a standard peer.

    tests/interop/py_interop_server.py --port=N [--host=127.0.0.1]
        [--use_tls=true [--tls_cert_file=F --tls_key_file=F]
                        [--tls_client_ca_file=F [--require_client_cert=true]]]
        [--log_calls=true] [--require_auth_token=TOKEN]

Implements grpc.testing.TestService as doc/interop-test-descriptions.md
(grpc/grpc repository) describes it, over plaintext HTTP/2 or TLS:

  EmptyCall, UnaryCall, CacheableUnaryCall, StreamingOutputCall,
  StreamingInputCall, FullDuplexCall, HalfDuplexCall.

Every method observes: response_size / response_parameters (size and
interval_us), response_status (ends the call with that code and message,
before any further response), fill_username and fill_oauth_scope (empty:
no authentication here), fill_server_id (one id per server process), and
echoes the request metadata `x-grpc-test-echo-initial` into the initial
metadata and `x-grpc-test-echo-trailing-bin` into the trailing metadata.
UnimplementedCall is NOT implemented and UnimplementedService is not
registered: calls to them get UNIMPLEMENTED from grpcio itself.

TLS (grpc.ssl_server_credentials): --use_tls=true with --tls_cert_file and
--tls_key_file (PEM; default build/certs/server.pem and server.key, the
certificates of tests/certs/make_certs.sh, as gRPC's interop server
defaults to its test credentials).  Mutual TLS: --tls_client_ca_file=F
--require_client_cert=true (grpcio cannot make a client certificate
optional: without --require_client_cert no client certificate is asked
for).  --log_calls=true prints `call METHOD` (and the client certificate's
common name over mTLS) when a handler starts, so a test can tell that a
refused connection never reached one.  --require_auth_token=TOKEN: every
call must carry `authorization: Bearer TOKEN` (per-RPC credentials),
else it ends UNAUTHENTICATED before its handler runs (and is not logged).

Prints "listening on HOST:PORT" once the port is bound.  Stops on SIGTERM
or SIGINT.  Flags take `--flag=value` or `--flag value`.
"""
import os
import signal
import sys
import threading
import time
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grpc  # noqa: E402

import interop_pb as pb  # noqa: E402

SERVER_ID = "py-interop-server-%d" % os.getpid()


def echo_metadata(context):
    """Echo the two interop metadata keys, as every method must."""
    initial = []
    trailing = []
    for key, value in context.invocation_metadata():
        if key == pb.ECHO_INITIAL_KEY:
            initial.append((key, value))
        elif key == pb.ECHO_TRAILING_KEY:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def maybe_echo_status(request, context):
    """End the call with request.response_status when its code is non-zero."""
    if request.HasField("response_status") and request.response_status.code != 0:
        context.abort(pb.status_code(request.response_status.code),
                      request.response_status.message)


def check_payload_type(request, context):
    if request.response_type != 0:      # only COMPRESSABLE exists
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      "unsupported response_type %d" % request.response_type)


def zeros(size, context):
    if size < 0:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      "negative payload size %d" % size)
    return pb.Payload(type=0, body=bytes(size))


class TestService:
    def EmptyCall(self, request, context):
        echo_metadata(context)
        return pb.Empty()

    def _simple(self, request, context):
        echo_metadata(context)
        maybe_echo_status(request, context)
        check_payload_type(request, context)
        resp = pb.SimpleResponse()
        if request.response_size > 0:
            resp.payload.CopyFrom(zeros(request.response_size, context))
        elif request.response_size < 0:
            zeros(request.response_size, context)
        if request.fill_username:
            resp.username = ""          # no authentication on this server
        if request.fill_oauth_scope:
            resp.oauth_scope = ""
        if request.fill_server_id:
            resp.server_id = SERVER_ID
        if request.fill_grpclb_route_type:
            resp.grpclb_route_type = 0  # UNKNOWN: not behind a balancer
        return resp

    def UnaryCall(self, request, context):
        return self._simple(request, context)

    def CacheableUnaryCall(self, request, context):
        resp = self._simple(request, context)
        # Different for each call: a nanosecond timestamp, as ASCII.
        resp.payload.CopyFrom(pb.Payload(body=str(time.time_ns()).encode()))
        return resp

    def _respond(self, request, context):
        """The responses one StreamingOutputCallRequest asks for."""
        maybe_echo_status(request, context)
        check_payload_type(request, context)
        for p in request.response_parameters:
            if p.interval_us > 0:
                time.sleep(p.interval_us / 1e6)
            yield pb.StreamingOutputCallResponse(payload=zeros(p.size, context))

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        yield from self._respond(request, context)

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = 0
        for req in request_iterator:
            total += len(req.payload.body)
        return pb.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for req in request_iterator:
            yield from self._respond(req, context)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        requests = list(request_iterator)
        for req in requests:
            yield from self._respond(req, context)


def guarded(name, fn, log_calls, token):
    """fn behind the per-RPC credentials check (token: the bearer token every
    call must carry, or None), printing `call NAME [peer_cn=CN]` before it
    runs when log_calls."""
    def wrapper(request, context):
        if token is not None:
            auth = [v for k, v in context.invocation_metadata() if k == "authorization"]
            if auth != ["Bearer " + token]:
                context.abort(grpc.StatusCode.UNAUTHENTICATED,
                              "wrong bearer token" if auth else "no bearer token")
        if log_calls:
            cn = context.auth_context().get("x509_common_name")
            print("call %s%s" % (name, " peer_cn=%s" % cn[0].decode("utf-8", "replace")
                                 if cn else ""), flush=True)
        return fn(request, context)
    return wrapper


def handlers(service, log_calls=False, token=None):
    out = {}
    for name, (req_cls, resp_cls, cstream, sstream) in pb.TEST_METHODS.items():
        fn = getattr(service, name, None)
        if fn is None:
            continue                    # UnimplementedCall stays unimplemented
        if log_calls or token is not None:
            fn = guarded(name, fn, log_calls, token)
        kw = dict(request_deserializer=req_cls.FromString,
                  response_serializer=resp_cls.SerializeToString)
        if cstream and sstream:
            out[name] = grpc.stream_stream_rpc_method_handler(fn, **kw)
        elif cstream:
            out[name] = grpc.stream_unary_rpc_method_handler(fn, **kw)
        elif sstream:
            out[name] = grpc.unary_stream_rpc_method_handler(fn, **kw)
        else:
            out[name] = grpc.unary_unary_rpc_method_handler(fn, **kw)
    return out


def main():
    flags = pb.parse_flags(sys.argv[1:], {
        "port": "", "use_tls": "false", "host": "127.0.0.1",
        "tls_cert_file": pb.TEST_CERT_FILE, "tls_key_file": pb.TEST_KEY_FILE,
        "tls_client_ca_file": "", "require_client_cert": "false",
        "log_calls": "false", "require_auth_token": ""})
    if not flags["port"]:
        sys.exit("--port is required")
    creds = None
    if pb.flag_true(flags["use_tls"]):
        try:
            key = pb.read_file(flags["tls_key_file"])
            cert = pb.read_file(flags["tls_cert_file"])
            ca = pb.read_file(flags["tls_client_ca_file"]) if flags["tls_client_ca_file"] else None
        except OSError as e:
            sys.exit("cannot read the TLS files: %s" % e)
        require = pb.flag_true(flags["require_client_cert"])
        if require and ca is None:
            sys.exit("--require_client_cert needs --tls_client_ca_file")
        creds = grpc.ssl_server_credentials([(key, cert)], root_certificates=ca,
                                            require_client_auth=require)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(
            pb.TEST_SERVICE, handlers(TestService(), pb.flag_true(flags["log_calls"]),
                                      flags["require_auth_token"] or None))])
    addr = "%s:%s" % (flags["host"], flags["port"])
    if ":" in flags["host"]:
        addr = "[%s]:%s" % (flags["host"], flags["port"])
    try:
        bound = (server.add_secure_port(addr, creds) if creds
                 else server.add_insecure_port(addr))
    except RuntimeError as e:
        sys.exit("cannot listen on %s: %s" % (addr, e))
    if not bound:
        sys.exit("cannot listen on %s" % addr)
    server.start()
    print("listening on %s:%d%s" % (flags["host"], bound, " (TLS)" if creds else ""),
          flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(1.0):
        pass
    server.stop(0).wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
