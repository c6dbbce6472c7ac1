#!/usr/bin/python3
"""gRPC interop test client on Python grpcio (gRPC C-core): a standard peer.

    tests/interop/py_interop_client.py --server_host=H --server_port=N --test_case=C
        [--server_host_override=NAME] [--timeout=SECONDS]
        [--use_tls=true [--use_test_ca=true | --ca_file=F]
                        [--tls_cert_file=F --tls_key_file=F] [--auth_token=TOKEN]]

Runs one case of doc/interop-test-descriptions.md (grpc/grpc repository)
against a grpc.testing.TestService server, plaintext or over TLS
(grpc.ssl_channel_credentials), and checks everything
that document lists under "Client asserts" (and the optional checks it
allows: payload bodies are all zeros, exact response counts).  Prints
`PASS CASE` and exits 0, or `FAIL CASE: reason` and exits 1.
`--test_case=all` runs every case in turn.  Flags take `--flag=value` or
`--flag value`.

TLS: --use_tls=true verifies the server against --ca_file (PEM), or with
--use_test_ca=true against build/certs/ca.pem (tests/certs/make_certs.sh),
else against the system roots; --server_host_override=NAME is the name
checked in the server's certificate (grpc.ssl_target_name_override) and
the :authority.  --tls_cert_file and --tls_key_file give a client
certificate for mutual TLS (as lwgrpc's interop_client takes them).
--auth_token=TOKEN sends `authorization: Bearer TOKEN` with every call
(per-RPC credentials, grpc.access_token_call_credentials; TLS only, as
grpcio refuses call credentials on a plaintext channel).

Cases: empty_unary large_unary client_streaming server_streaming ping_pong
empty_stream custom_metadata status_code_and_message special_status_message
unimplemented_method unimplemented_service cancel_after_begin
cancel_after_first_response timeout_on_sleeping_server pick_first_unary
"""
import os
import queue
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grpc  # noqa: E402

import interop_pb as pb  # noqa: E402

# Deadline of every call that is not testing deadlines: no case hangs.
TIMEOUT = 20.0


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


class Pipe:
    """Request iterator fed from the test, for interleaved streaming."""

    _END = object()

    def __init__(self):
        self._q = queue.Queue()

    def send(self, msg):
        self._q.put(msg)

    def close(self):
        self._q.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        m = self._q.get()
        if m is self._END:
            raise StopIteration
        return m


class Stub:
    def __init__(self, channel, service=pb.TEST_SERVICE):
        for name, (req, resp, cs, ss) in pb.TEST_METHODS.items():
            path = "/%s/%s" % (service, name)
            kind = {(False, False): channel.unary_unary,
                    (False, True): channel.unary_stream,
                    (True, False): channel.stream_unary,
                    (True, True): channel.stream_stream}[(cs, ss)]
            setattr(self, name, kind(path, request_serializer=req.SerializeToString,
                                     response_deserializer=resp.FromString))


def check_zeros(payload, size, what):
    check(len(payload.body) == size,
          "%s: payload body is %d bytes, expected %d" % (what, len(payload.body), size))
    check(payload.body == bytes(size), "%s: payload body is not all zeros" % what)
    check(payload.type == 0, "%s: payload type %d, expected COMPRESSABLE" % (what, payload.type))


def expect_error(fn, code, what):
    """Run fn, which must end in grpc.RpcError with `code`; return the error."""
    try:
        fn()
    except grpc.RpcError as e:
        check(e.code() == code, "%s: status %s (%r), expected %s"
              % (what, e.code(), e.details(), code))
        return e
    raise CheckFailed("%s: succeeded, expected status %s" % (what, code))


def zero_payload(n):
    return pb.Payload(type=0, body=bytes(n))


# ---- the cases ---------------------------------------------------------------

def empty_unary(ctx):
    resp = ctx.stub.EmptyCall(pb.Empty(), timeout=TIMEOUT)
    check(resp is not None, "no response")
    check(isinstance(resp, pb.Empty), "response is not an Empty")
    check(resp.ByteSize() == 0, "Empty response has %d bytes" % resp.ByteSize())


def large_unary(ctx):
    req = pb.SimpleRequest(response_type=0, response_size=pb.LARGE_RESP,
                           payload=zero_payload(pb.LARGE_REQ))
    resp = ctx.stub.UnaryCall(req, timeout=TIMEOUT)
    check_zeros(resp.payload, pb.LARGE_RESP, "response")


def client_streaming(ctx):
    reqs = [pb.StreamingInputCallRequest(payload=zero_payload(n)) for n in pb.REQ_SIZES]
    resp, call = ctx.stub.StreamingInputCall.with_call(iter(reqs), timeout=TIMEOUT)
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())
    check(resp.aggregated_payload_size == 74922,
          "aggregated_payload_size %d, expected 74922" % resp.aggregated_payload_size)


def server_streaming(ctx):
    req = pb.StreamingOutputCallRequest(response_type=0)
    for n in pb.RESP_SIZES:
        req.response_parameters.add(size=n)
    call = ctx.stub.StreamingOutputCall(req, timeout=TIMEOUT)
    got = list(call)
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())
    check(len(got) == len(pb.RESP_SIZES),
          "%d responses, expected %d" % (len(got), len(pb.RESP_SIZES)))
    for i, (resp, n) in enumerate(zip(got, pb.RESP_SIZES)):
        check_zeros(resp.payload, n, "response %d" % i)


def ping_pong(ctx):
    pipe = Pipe()
    call = ctx.stub.FullDuplexCall(pipe, timeout=TIMEOUT)
    try:
        for i, (req_n, resp_n) in enumerate(zip(pb.REQ_SIZES, pb.RESP_SIZES)):
            req = pb.StreamingOutputCallRequest(response_type=0, payload=zero_payload(req_n))
            req.response_parameters.add(size=resp_n)
            pipe.send(req)
            try:
                resp = next(call)
            except StopIteration:
                raise CheckFailed("stream ended after %d responses, expected 4" % i)
            check_zeros(resp.payload, resp_n, "response %d" % i)
        pipe.close()
        extra = list(call)
        check(not extra, "%d responses after the 4th" % len(extra))
        check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())
    finally:
        pipe.close()
        call.cancel()


def empty_stream(ctx):
    call = ctx.stub.FullDuplexCall(iter(()), timeout=TIMEOUT)
    got = list(call)
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())
    check(not got, "%d responses, expected none" % len(got))


def _check_echo(call, what):
    initial = [v for k, v in call.initial_metadata() if k == pb.ECHO_INITIAL_KEY]
    check(initial == [pb.ECHO_INITIAL_VALUE],
          "%s: initial metadata %s = %r, expected [%r]"
          % (what, pb.ECHO_INITIAL_KEY, initial, pb.ECHO_INITIAL_VALUE))
    trailing = [v for k, v in call.trailing_metadata() if k == pb.ECHO_TRAILING_KEY]
    check(trailing == [pb.ECHO_TRAILING_VALUE],
          "%s: trailing metadata %s = %r, expected [%r]"
          % (what, pb.ECHO_TRAILING_KEY, trailing, pb.ECHO_TRAILING_VALUE))


def custom_metadata(ctx):
    md = ((pb.ECHO_INITIAL_KEY, pb.ECHO_INITIAL_VALUE),
          (pb.ECHO_TRAILING_KEY, pb.ECHO_TRAILING_VALUE))
    # 1. UnaryCall
    req = pb.SimpleRequest(response_type=0, response_size=pb.LARGE_RESP,
                           payload=zero_payload(pb.LARGE_REQ))
    resp, call = ctx.stub.UnaryCall.with_call(req, metadata=md, timeout=TIMEOUT)
    check(call.code() == grpc.StatusCode.OK, "UnaryCall: status %s" % call.code())
    check_zeros(resp.payload, pb.LARGE_RESP, "UnaryCall response")
    _check_echo(call, "UnaryCall")
    # 2. FullDuplexCall, then half-close
    req = pb.StreamingOutputCallRequest(response_type=0, payload=zero_payload(pb.LARGE_REQ))
    req.response_parameters.add(size=pb.LARGE_RESP)
    call = ctx.stub.FullDuplexCall(iter([req]), metadata=md, timeout=TIMEOUT)
    got = list(call)
    check(call.code() == grpc.StatusCode.OK, "FullDuplexCall: status %s" % call.code())
    check(len(got) == 1, "FullDuplexCall: %d responses, expected 1" % len(got))
    check_zeros(got[0].payload, pb.LARGE_RESP, "FullDuplexCall response")
    _check_echo(call, "FullDuplexCall")


def _status_case(ctx, message, duplex):
    # 1. UnaryCall
    req = pb.SimpleRequest(response_status=pb.EchoStatus(code=2, message=message))
    e = expect_error(lambda: ctx.stub.UnaryCall(req, timeout=TIMEOUT),
                     grpc.StatusCode.UNKNOWN, "UnaryCall")
    check(e.details() == message, "UnaryCall: status message %r, expected %r"
          % (e.details(), message))
    if not duplex:
        return
    # 2. FullDuplexCall, then half-close
    sreq = pb.StreamingOutputCallRequest(response_status=pb.EchoStatus(code=2, message=message))
    e = expect_error(lambda: list(ctx.stub.FullDuplexCall(iter([sreq]), timeout=TIMEOUT)),
                     grpc.StatusCode.UNKNOWN, "FullDuplexCall")
    check(e.details() == message, "FullDuplexCall: status message %r, expected %r"
          % (e.details(), message))


def status_code_and_message(ctx):
    _status_case(ctx, pb.STATUS_MESSAGE, duplex=True)


def special_status_message(ctx):
    _status_case(ctx, pb.SPECIAL_STATUS_MESSAGE, duplex=False)


def unimplemented_method(ctx):
    expect_error(lambda: ctx.stub.UnimplementedCall(pb.Empty(), timeout=TIMEOUT),
                 grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")


def unimplemented_service(ctx):
    stub = Stub(ctx.channel, pb.UNIMPLEMENTED_SERVICE)
    expect_error(lambda: stub.UnimplementedCall(pb.Empty(), timeout=TIMEOUT),
                 grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")


def cancel_after_begin(ctx):
    pipe = Pipe()
    fut = ctx.stub.StreamingInputCall.future(pipe, timeout=TIMEOUT)
    try:
        fut.cancel()
        try:
            fut.result(timeout=TIMEOUT)
        except grpc.FutureCancelledError:
            pass
        except grpc.RpcError:
            pass
        check(fut.code() == grpc.StatusCode.CANCELLED,
              "status %s, expected CANCELLED" % fut.code())
    finally:
        pipe.close()


def cancel_after_first_response(ctx):
    pipe = Pipe()
    call = ctx.stub.FullDuplexCall(pipe, timeout=TIMEOUT)
    try:
        req = pb.StreamingOutputCallRequest(response_type=0, payload=zero_payload(27182))
        req.response_parameters.add(size=31415)
        pipe.send(req)
        try:
            resp = next(call)
        except StopIteration:
            raise CheckFailed("stream ended before the first response")
        check_zeros(resp.payload, 31415, "first response")
        call.cancel()
        try:
            next(call)
            raise CheckFailed("a message after cancel")
        except grpc.RpcError:
            pass
        except StopIteration:
            pass
        check(call.code() == grpc.StatusCode.CANCELLED,
              "status %s, expected CANCELLED" % call.code())
    finally:
        pipe.close()


def timeout_on_sleeping_server(ctx):
    pipe = Pipe()
    pipe.send(pb.StreamingOutputCallRequest(response_type=0, payload=zero_payload(27182)))
    call = ctx.stub.FullDuplexCall(pipe, timeout=0.001)
    try:
        expect_error(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall")
    finally:
        pipe.close()


def pick_first_unary(ctx):
    ids = set()
    for i in range(100):
        resp = ctx.stub.UnaryCall(pb.SimpleRequest(fill_server_id=True), timeout=TIMEOUT)
        ids.add(resp.server_id)
        check(len(ids) == 1, "call %d reached server_id %r, earlier ones %r"
              % (i, resp.server_id, sorted(ids - {resp.server_id})))
    check(ids != {""}, "server_id is empty (fill_server_id was set)")


CASES = [empty_unary, large_unary, client_streaming, server_streaming, ping_pong,
         empty_stream, custom_metadata, status_code_and_message,
         special_status_message, unimplemented_method, unimplemented_service,
         cancel_after_begin, cancel_after_first_response,
         timeout_on_sleeping_server, pick_first_unary]
CASE_BY_NAME = {f.__name__: f for f in CASES}


class Ctx:
    def __init__(self, target, authority, lb_policy=None, creds=None):
        options = [("grpc.max_receive_message_length", 8 << 20)]
        if authority:
            options.append(("grpc.default_authority", authority))
            if creds is not None:
                options.append(("grpc.ssl_target_name_override", authority))
        if lb_policy:
            options.append(("grpc.lb_policy_name", lb_policy))
        if creds is not None:
            self.channel = grpc.secure_channel(target, creds, options=options)
        else:
            self.channel = grpc.insecure_channel(target, options=options)
        self.stub = Stub(self.channel)

    def close(self):
        self.channel.close()


def run_case(name, target, authority, creds=None):
    ctx = Ctx(target, authority, "pick_first" if name == "pick_first_unary" else None, creds)
    try:
        CASE_BY_NAME[name](ctx)
    except CheckFailed as e:
        print("FAIL %s: %s" % (name, e), flush=True)
        return False
    except grpc.RpcError as e:
        print("FAIL %s: unexpected status %s: %r" % (name, e.code(), e.details()), flush=True)
        return False
    except Exception:
        print("FAIL %s: exception\n%s" % (name, traceback.format_exc()), flush=True)
        return False
    finally:
        ctx.close()
    print("PASS %s" % name, flush=True)
    return True


def main():
    global TIMEOUT
    flags = pb.parse_flags(sys.argv[1:], {
        "server_host": "127.0.0.1", "server_port": "", "test_case": "",
        "server_host_override": "", "use_tls": "false", "use_test_ca": "false",
        "ca_file": "", "tls_cert_file": "", "tls_key_file": "", "auth_token": "",
        "timeout": str(TIMEOUT)})
    if not flags["server_port"] or not flags["test_case"]:
        sys.exit("usage: py_interop_client.py --server_host=H --server_port=N --test_case=C")
    creds = None
    if pb.flag_true(flags["use_tls"]):
        ca_file = flags["ca_file"] or (pb.TEST_CA_FILE if pb.flag_true(flags["use_test_ca"])
                                       else "")
        if bool(flags["tls_cert_file"]) != bool(flags["tls_key_file"]):
            sys.exit("--tls_cert_file and --tls_key_file go together")
        try:
            ca = pb.read_file(ca_file) if ca_file else None     # None: system roots
            key = pb.read_file(flags["tls_key_file"]) if flags["tls_key_file"] else None
            cert = pb.read_file(flags["tls_cert_file"]) if flags["tls_cert_file"] else None
        except OSError as e:
            sys.exit("cannot read the TLS files: %s" % e)
        creds = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key,
                                             certificate_chain=cert)
        if flags["auth_token"]:
            creds = grpc.composite_channel_credentials(
                creds, grpc.access_token_call_credentials(flags["auth_token"]))
    elif flags["auth_token"]:
        sys.exit("--auth_token needs --use_tls=true (grpcio sends call credentials over TLS only)")
    TIMEOUT = float(flags["timeout"])
    host = flags["server_host"]
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    target = "%s:%s" % (host, flags["server_port"])
    names = list(CASE_BY_NAME) if flags["test_case"] == "all" else flags["test_case"].split(",")
    for n in names:
        if n not in CASE_BY_NAME:
            print("unknown test case %r; known: %s" % (n, " ".join(CASE_BY_NAME)),
                  file=sys.stderr)
            return 2
    ok = True
    for n in names:
        ok = run_case(n, target, flags["server_host_override"], creds) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
