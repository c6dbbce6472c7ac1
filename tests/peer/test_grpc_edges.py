#!/usr/bin/python3
"""gRPC edge cases against a raw HTTP/2 peer (python3-h2), both directions.

A. lwgrpc SERVER: build/host/bin/interop_server (grpc.testing.TestService,
   ASan+UBSan, host config) is started per case on a free port; the test is
   a raw h2 client (h2.connection.H2Connection) that also splits what it
   receives into frames, so frame-level facts are asserted (Trailers-Only
   is one HEADERS frame with END_STREAM; RST_STREAM codes).
B. lwgrpc CLIENT: build/test/host/bin/grpc_client_driver
   (tests/peer/grpc_client_driver.c) makes one call per case to a raw h2
   server written here, which serves a scripted response; the driver
   prints what the call saw (headers / md / message / status lines).

Host config bounds used (examples/config/host/lwgrpc_opts.h):
LWG_MAX_RECV_MESSAGE 512 KiB, LWG_MAX_METADATA 16 entries,
LWG_METADATA_BYTES 4096, LWG_MAX_CONNECTIONS 64, LWG_MAX_SERVER_CALLS 64.

Each case prints `ok NAME` or `FAIL NAME: reason`; the last line is
`N passed, N failed`; the exit status is non-zero on any failure.  Cases
in KNOWN_BUGS are core/ bugs reported and not fixed yet: they still print
FAIL (with the bug's note), never ok.  Any sanitizer report in a child's
stderr fails the case.  Everything is bounded: sockets time out after 5 s,
children are killed in finally clauses.  The script builds nothing: it
needs `make peer-bins` (which includes interop-bins) first.

    tests/peer/test_grpc_edges.py [-v] [NAME_SUBSTRING...]
"""
import os
import re
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2peer_util as U  # noqa: E402
from h2peer_util import (  # noqa: E402
    ACK, CONTINUATION, DATA, END_HEADERS, END_STREAM, HEADERS, PING, PREFACE, RST_STREAM,
    SETTINGS,
    CANCEL, ENHANCE_YOUR_CALM, INTERNAL_ERROR, NO_ERROR, REFUSED_STREAM,
    CANCELLED, DEADLINE_EXCEEDED, INTERNAL, INVALID_ARGUMENT, NOT_FOUND, OK,
    PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAUTHENTICATED, UNAVAILABLE, UNIMPLEMENTED,
    UNKNOWN,
    SOCK_TIMEOUT, SVC, Fail, FrameSplitter, H2Peer, InteropServer, Proc, b64, check,
    grpc_frame, grpc_unframe, payload_size_of, pb_parse, request_headers, sanitizer_report,
    simple_request, streaming_input_request, streaming_output_request)

DRIVER = os.environ.get("LWG_GRPC_CLIENT_DRIVER",
                        os.path.join(U.ROOT, "build/test/host/bin/grpc_client_driver"))
VERBOSE = False

MAX_RECV = 512 * 1024
MAX_MD = 16
MD_BYTES = 4096
MAX_CONNECTIONS = 64

# Bugs in core/ found by these cases (reported, not fixed here).  A case
# listed here still counts as failed.
KNOWN_BUGS = {}


def log(*a):
    if VERBOSE:
        print("   ", *a, flush=True)


# ===========================================================================
# A. the lwgrpc server against a raw h2 client
# ===========================================================================

class ServerCase:
    """An interop_server and one h2 client connection to it."""

    def __init__(self, host=None):
        self.srv = InteropServer(host)
        self.peers = []
        try:
            self.p = self.connect()
        except Exception:
            self.srv.proc.kill()
            raise

    def connect(self, **kw):
        fam = socket.AF_INET6 if ":" in self.srv.host else socket.AF_INET
        p = H2Peer.connect(self.srv.host, self.srv.port, family=fam, **kw)
        self.peers.append(p)
        return p

    def connect_trickle(self):
        """A connection whose every byte is written on its own."""
        return self.connect(trickle=0.0005)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        for p in self.peers:
            p.close()
        try:
            self.srv.close()
        except Fail as e:
            if et is None:
                raise
            raise Fail("%s; and %s" % (ev, e)) from None
        return False


def send_body(p, sid, data, end_stream=True, chunk=None):
    """DATA in frames of `chunk` bytes (default: as large as allowed),
    within the flow-control windows (pumping while they are closed)."""
    i = 0
    stalled_since = None
    while i < len(data):
        check(not p.stream_done(sid), "stream %d ended while we were sending (frames %r)" %
              (sid, p.frames(sid)[-3:]))
        room = min(p.conn.local_flow_control_window(sid), p.conn.max_outbound_frame_size)
        if chunk:
            room = min(room, chunk)
        if room <= 0:
            stalled_since = stalled_since or time.monotonic()
            check(time.monotonic() - stalled_since < SOCK_TIMEOUT,
                  "flow-control window of stream %d stayed closed" % sid)
            p.pump_once(0.05)
            continue
        stalled_since = None
        p.conn.send_data(sid, data[i:i + room])
        i += room
        p.flush()
    if end_stream:
        p.conn.end_stream(sid)
    p.flush()


def start_call(p, rpc, msgs=(), end=True, chunk=None, body=None, **hdr):
    """Send a request on a new stream; returns its id.  msgs are message
    bodies (framed here) or `body` is the raw DATA payload."""
    sid = p.conn.get_next_available_stream_id()
    if body is None:
        body = b"".join(grpc_frame(m) for m in msgs)
    p.conn.send_headers(sid, request_headers(SVC + rpc, **hdr), end_stream=end and not body)
    p.flush()
    if body:
        send_body(p, sid, body, end_stream=end, chunk=chunk)
    return sid


def expect_ok_response(p, sid, what):
    """A normal response: HEADERS :status 200, messages, trailers status 0.
    Returns the list of message bodies."""
    s = p.wait_done(sid)
    check(s.reset is None, "%s: stream reset (code %s), frames %r" % (what, s.reset, p.frames(sid)))
    check(s.header(b":status") == b"200", "%s: :status %r" % (what, s.header(b":status")))
    check(s.header(b"content-type") == b"application/grpc",
          "%s: content-type %r" % (what, s.header(b"content-type")))
    check(s.trailers is not None, "%s: no trailers (headers %r)" % (what, s.headers))
    check(s.trailer(b"grpc-status") == b"0", "%s: grpc-status %r message %r" %
          (what, s.trailer(b"grpc-status"), s.trailer(b"grpc-message")))
    msgs = grpc_unframe(s.data)
    for flag, _ in msgs:
        check(flag == 0, "%s: compressed flag on a response message" % what)
    return [m for _, m in msgs]


def grpc_status_of(s):
    """grpc-status of a finished stream: trailers, or Trailers-Only headers."""
    v = s.trailer(b"grpc-status") if s.trailers is not None else s.header(b"grpc-status")
    return None if v is None else int(v)


def expect_status(p, sid, code, what, rst_equivalent=None):
    """The stream ends with grpc-status `code`; a RST_STREAM whose HTTP/2
    code maps to it (PROTOCOL-HTTP2.md, e.g. ENHANCE_YOUR_CALM for
    RESOURCE_EXHAUSTED) is accepted when rst_equivalent names that code."""
    s = p.wait_done(sid)
    if s.reset is not None and not s.ended:
        check(rst_equivalent is not None and s.reset == rst_equivalent,
              "%s: expected grpc-status %d, got RST_STREAM(code %d) without a status "
              "(a peer reports it as %s)" % (what, code, s.reset,
                                            {CANCEL: "CANCELLED", REFUSED_STREAM: "UNAVAILABLE",
                                             ENHANCE_YOUR_CALM: "RESOURCE_EXHAUSTED"}
                                            .get(s.reset, "INTERNAL")))
        return s
    got = grpc_status_of(s)
    check(got == code, "%s: grpc-status %r (message %r), want %d" %
          (what, got, s.trailer(b"grpc-message") or s.header(b"grpc-message"), code))
    return s


def expect_trailers_only(p, sid, code, what):
    """Trailers-Only: exactly one HEADERS frame (END_STREAM|END_HEADERS) with
    :status 200, content-type application/grpc and grpc-status; no DATA;
    at most a RST_STREAM(NO_ERROR) after it."""
    s = p.wait_done(sid)
    p.pump_for(0.05)
    frames = p.frames(sid)
    kinds = [f.type for f in frames]
    check(kinds[:1] == [HEADERS] and HEADERS not in kinds[1:] and CONTINUATION not in kinds and
          DATA not in kinds, "%s: not Trailers-Only: %r" % (what, frames))
    check(frames[0].flags & END_STREAM and frames[0].flags & END_HEADERS,
          "%s: HEADERS flags 0x%x" % (what, frames[0].flags))
    for f in frames[1:]:
        check(f.type == RST_STREAM and f.rst_code() == NO_ERROR,
              "%s: unexpected frame after Trailers-Only: %r" % (what, f))
    check(s.header(b":status") == b"200", "%s: :status %r" % (what, s.header(b":status")))
    check(s.header(b"content-type") == b"application/grpc", "%s: content-type %r" %
          (what, s.header(b"content-type")))
    check(s.header(b"grpc-status") == str(code).encode(), "%s: grpc-status %r (message %r)" %
          (what, s.header(b"grpc-status"), s.header(b"grpc-message")))
    return s


def simple_ok(p, what, response_size=7, payload_size=3):
    """A UnaryCall that must succeed (the connection is usable)."""
    sid = start_call(p, b"UnaryCall", [simple_request(response_size, payload_size)])
    msgs = expect_ok_response(p, sid, what)
    check(len(msgs) == 1 and payload_size_of(msgs[0]) == response_size,
          "%s: response %r" % (what, msgs))


def size_for_message(total):
    """payload_size so that simple_request(1, payload_size) is `total` bytes."""
    p = total - 10
    while len(simple_request(1, p)) > total:
        p -= 1
    while len(simple_request(1, p)) < total:
        p += 1
    check(len(simple_request(1, p)) == total, "cannot build a %d-byte request" % total)
    return p


CASES = []


def case(fn):
    CASES.append((fn.__name__[len("case_"):], fn))
    return fn


@case
def case_srv_unary_split_1byte():
    """UnaryCall / EmptyCall request DATA in 1-byte frames: every byte
    boundary, the 5-byte prefix included."""
    with ServerCase() as c:
        req = simple_request(response_size=33, payload_size=17)
        sid = start_call(c.p, b"UnaryCall", [req], chunk=1)
        msgs = expect_ok_response(c.p, sid, "UnaryCall")
        check(len(msgs) == 1 and payload_size_of(msgs[0]) == 33, "response %r" % msgs)
        sid = start_call(c.p, b"EmptyCall", [b""], chunk=1)
        msgs = expect_ok_response(c.p, sid, "EmptyCall")
        check(msgs == [b""], "EmptyCall response %r" % msgs)


@case
def case_srv_split_at_each_boundary():
    """The request DATA cut into two frames at every offset, one call each
    (on one connection); also cut into 1-byte TCP writes."""
    with ServerCase() as c:
        body = grpc_frame(simple_request(response_size=5, payload_size=9))
        for k in range(1, len(body)):
            sid = c.p.conn.get_next_available_stream_id()
            c.p.conn.send_headers(sid, request_headers(SVC + b"UnaryCall"))
            c.p.conn.send_data(sid, body[:k])
            c.p.conn.send_data(sid, body[k:], end_stream=True)
            c.p.flush()
            msgs = expect_ok_response(c.p, sid, "split at %d" % k)
            check(len(msgs) == 1 and payload_size_of(msgs[0]) == 5, "split %d: %r" % (k, msgs))
        # the whole exchange as 1-byte TCP writes (preface included)
        p = c.connect_trickle()
        sid = start_call(p, b"UnaryCall", body=body)
        msgs = expect_ok_response(p, sid, "1-byte TCP writes")
        check(len(msgs) == 1 and payload_size_of(msgs[0]) == 5, "1-byte TCP writes: %r" % msgs)


@case
def case_srv_messages_in_one_frame():
    """StreamingInputCall: five messages (one empty) in one DATA frame."""
    with ServerCase() as c:
        sizes = [1, 8, 0, 100, 1000]
        body = b"".join(grpc_frame(streaming_input_request(n)) for n in sizes)
        check(len(body) <= 16384, "body does not fit one frame")
        sid = c.p.conn.get_next_available_stream_id()
        c.p.conn.send_headers(sid, request_headers(SVC + b"StreamingInputCall"))
        c.p.conn.send_data(sid, body, end_stream=True)
        c.p.flush()
        msgs = expect_ok_response(c.p, sid, "StreamingInputCall")
        check(len(msgs) == 1, "responses %r" % msgs)
        agg = pb_parse(msgs[0]).get(1, [0])[0]
        check(agg == sum(sizes), "aggregated_payload_size %d, want %d" % (agg, sum(sizes)))


@case
def case_srv_unknown_method_trailers_only():
    """Unknown method and unknown service: Trailers-Only, grpc-status 12."""
    with ServerCase() as c:
        for path in (b"NoSuchMethod", b"UnimplementedCall"):
            sid = start_call(c.p, path, [b""])
            s = expect_trailers_only(c.p, sid, UNIMPLEMENTED, path.decode())
            check(s.header(b"grpc-message"), "%s: no grpc-message" % path.decode())
        sid = c.p.conn.get_next_available_stream_id()
        c.p.conn.send_headers(sid, request_headers(b"/no.Such/Service"))
        c.p.conn.send_data(sid, grpc_frame(b""), end_stream=True)
        c.p.flush()
        expect_trailers_only(c.p, sid, UNIMPLEMENTED, "unknown service")
        simple_ok(c.p, "after unimplemented")


@case
def case_srv_bad_content_type_415():
    """content-type text/plain and application/grpcfoo -> HTTP 415 (no
    gRPC status); the connection stays usable."""
    with ServerCase() as c:
        for ct in (b"text/plain", b"application/grpcfoo", b"application/json"):
            sid = start_call(c.p, b"EmptyCall", [b""], content_type=ct)
            s = c.p.wait_done(sid)
            check(s.header(b":status") == b"415", "%s: :status %r" % (ct, s.header(b":status")))
            check(s.ended, "%s: no END_STREAM (frames %r)" % (ct, c.p.frames(sid)))
            check(not c.p.frames(sid, DATA), "%s: DATA in a 415 answer" % ct)
        simple_ok(c.p, "after 415")


@case
def case_srv_header_leniency():
    """What our server does with requests missing optional headers: no
    `te`, no content-type, content-type application/grpc+proto and
    ;charset parameters, and an invalid grpc-timeout are all served (OK)."""
    with ServerCase() as c:
        for what, kw in (("no te", dict(te=False)),
                         ("no content-type", dict(content_type=None)),
                         ("application/grpc+proto", dict(content_type=b"application/grpc+proto")),
                         ("application/grpc;charset", dict(content_type=b"application/grpc; x=y")),
                         ("bad grpc-timeout", dict(extra=[(b"grpc-timeout", b"123456789S")])),
                         ("user-agent", dict(user_agent=True))):
            sid = start_call(c.p, b"EmptyCall", [b""], **kw)
            msgs = expect_ok_response(c.p, sid, what)
            check(msgs == [b""], "%s: %r" % (what, msgs))


@case
def case_srv_get_405():
    """:method GET -> HTTP 405, then the connection still works."""
    with ServerCase() as c:
        sid = start_call(c.p, b"EmptyCall", [b""], method=b"GET")
        s = c.p.wait_done(sid)
        check(s.header(b":status") == b"405", ":status %r" % s.header(b":status"))
        check(not c.p.frames(sid, DATA), "DATA in a 405 answer")
        simple_ok(c.p, "after 405")


@case
def case_srv_message_at_max():
    """A request message of exactly LWG_MAX_RECV_MESSAGE (512 KiB) is served."""
    with ServerCase() as c:
        req = simple_request(1, size_for_message(MAX_RECV))
        check(len(req) == MAX_RECV, "request is %d bytes" % len(req))
        sid = start_call(c.p, b"UnaryCall", [req])
        msgs = expect_ok_response(c.p, sid, "512 KiB request")
        check(len(msgs) == 1 and payload_size_of(msgs[0]) == 1, "response %r" % msgs)


@case
def case_srv_oversized_request():
    """A prefix announcing LWG_MAX_RECV_MESSAGE + 1 -> RESOURCE_EXHAUSTED
    (grpc-status 8, or RST_STREAM(ENHANCE_YOUR_CALM) which peers map to
    it); the connection stays usable for the next call."""
    with ServerCase() as c:
        sid = c.p.conn.get_next_available_stream_id()
        c.p.conn.send_headers(sid, request_headers(SVC + b"UnaryCall"))
        c.p.conn.send_data(sid, grpc_frame(b"", length=MAX_RECV + 1) + bytes(100))
        c.p.flush()
        s = c.p.wait_done(sid)
        c.p.pump_for(0.1)
        # whatever it answered, the connection must go on
        simple_ok(c.p, "second call on the connection")
        check(not c.p.closed and c.p.goaway is None, "connection ended: %r" % c.p.goaway)
        if s.reset is not None and not s.ended:
            check(s.reset == ENHANCE_YOUR_CALM,
                  "RST_STREAM(code %d) without a grpc-status: a client reports %s, not "
                  "RESOURCE_EXHAUSTED" % (s.reset, "CANCELLED" if s.reset == CANCEL else
                                          "INTERNAL/other"))
        else:
            check(grpc_status_of(s) == RESOURCE_EXHAUSTED, "grpc-status %r" % grpc_status_of(s))


@case
def case_srv_compressed_without_encoding():
    """Compressed flag set without grpc-encoding -> INTERNAL."""
    with ServerCase() as c:
        sid = start_call(c.p, b"EmptyCall", body=grpc_frame(b"", flag=1))
        expect_status(c.p, sid, INTERNAL, "compressed, no grpc-encoding",
                      rst_equivalent=INTERNAL_ERROR)
        simple_ok(c.p, "after compressed")


@case
def case_srv_compressed_gzip():
    """Compressed flag with grpc-encoding: gzip (not supported) ->
    UNIMPLEMENTED; grpc-encoding gzip on an uncompressed message is fine."""
    with ServerCase() as c:
        sid = start_call(c.p, b"EmptyCall", [b""], extra=[(b"grpc-encoding", b"gzip")])
        check(expect_ok_response(c.p, sid, "gzip header, flag 0") == [b""], "EmptyCall response")
        sid = start_call(c.p, b"EmptyCall", body=grpc_frame(b"\x1f\x8b", flag=1),
                         extra=[(b"grpc-encoding", b"gzip")])
        expect_status(c.p, sid, UNIMPLEMENTED, "gzip-compressed message")
        simple_ok(c.p, "after gzip")


@case
def case_srv_request_ends_inside_message():
    """END_STREAM after 3 bytes of the prefix, and after 4 of 10 body
    bytes -> INTERNAL."""
    with ServerCase() as c:
        errors = []
        for what, body in (("inside the prefix", b"\x00\x00\x00"),
                           ("inside the body", b"\x00\x00\x00\x00\x0a" + b"\x08\x01\x10\x02")):
            sid = start_call(c.p, b"UnaryCall", body=body)
            try:
                expect_status(c.p, sid, INTERNAL, what, rst_equivalent=INTERNAL_ERROR)
            except Fail as e:
                errors.append(str(e))
        simple_ok(c.p, "after truncated requests")
        check(not errors, "; ".join(errors))


@case
def case_srv_client_cancel_mid_stream():
    """RST_STREAM(CANCEL) during StreamingOutputCall with intervals: the
    server stops sending on that stream; the connection stays usable."""
    with ServerCase() as c:
        req = streaming_output_request([(1, 0)] + [(2, 100000)] * 7)
        sid = start_call(c.p, b"StreamingOutputCall", [req])
        c.p.pump(lambda: len(c.p.frames(sid, DATA)) >= 2, what="two responses")
        c.p.conn.reset_stream(sid, CANCEL)
        c.p.flush()
        c.p.pump_for(0.25)  # what was in flight
        n = len(c.p.frames(sid))
        c.p.pump_for(0.5)   # five more intervals' worth
        later = c.p.frames(sid)[n:]
        check(not later, "server went on after RST_STREAM(CANCEL): %r" % later)
        check(len(c.p.frames(sid, DATA)) < 8, "every response was sent")
        simple_ok(c.p, "after cancel")
        # and a fresh call of the same kind runs to the end
        sid = start_call(c.p, b"StreamingOutputCall", [streaming_output_request([(3, 0), (4, 1000)])])
        msgs = expect_ok_response(c.p, sid, "second StreamingOutputCall")
        check([payload_size_of(m) for m in msgs] == [3, 4], "responses %r" % msgs)


@case
def case_srv_metadata_at_bound():
    """16 custom entries (the echo header among them) -> served, echo
    echoed; 17 -> RESOURCE_EXHAUSTED (Trailers-Only).  Name+value bytes
    4096 -> served, 4097 -> RESOURCE_EXHAUSTED.  user-agent is stored as
    metadata by our server, so it counts as an entry."""
    with ServerCase() as c:
        md = [(b"x-m%02d" % i, b"v%d" % i) for i in range(MAX_MD - 1)]
        md.append((b"x-grpc-test-echo-initial", b"at-the-bound"))
        sid = start_call(c.p, b"EmptyCall", [b""], extra=md)
        expect_ok_response(c.p, sid, "16 entries")
        s = c.p.st(sid)
        check(s.header(b"x-grpc-test-echo-initial") == b"at-the-bound",
              "echo header %r" % s.header(b"x-grpc-test-echo-initial"))
        sid = start_call(c.p, b"EmptyCall", [b""], extra=md + [(b"x-one-more", b"1")])
        expect_trailers_only(c.p, sid, RESOURCE_EXHAUSTED, "17 entries")
        sid = start_call(c.p, b"EmptyCall", [b""], extra=md, user_agent=True)
        expect_trailers_only(c.p, sid, RESOURCE_EXHAUSTED, "16 entries + user-agent")
        # bytes: one entry of name + value = LWG_METADATA_BYTES
        name = b"x-big"
        sid = start_call(c.p, b"EmptyCall", [b""],
                         extra=[(name, b"a" * (MD_BYTES - len(name)))])
        expect_ok_response(c.p, sid, "4096 metadata bytes")
        sid = start_call(c.p, b"EmptyCall", [b""],
                         extra=[(name, b"a" * (MD_BYTES - len(name) + 1))])
        expect_trailers_only(c.p, sid, RESOURCE_EXHAUSTED, "4097 metadata bytes")
        # -bin entries count decoded bytes: 3000 bytes as 4000 base64 chars fit
        sid = start_call(c.p, b"EmptyCall", [b""],
                         extra=[(b"x-blob-bin", b64(bytes(range(256)) * 11 + bytes(184)))])
        expect_ok_response(c.p, sid, "3000-byte -bin value (4000 base64 chars)")
        simple_ok(c.p, "after the bound")


@case
def case_srv_bin_metadata_padding():
    """x-grpc-test-echo-trailing-bin sent padded and unpadded is accepted
    and echoed back unpadded."""
    with ServerCase() as c:
        for sent, want in ((b"q6ur", b"q6ur"), (b"q6urqw==", b"q6urqw"), (b"q6urqw", b"q6urqw"),
                           (b"q6urq6s=", b"q6urq6s"), (b"q6urq6s", b"q6urq6s"),
                           (b"AAH+/w==", b"AAH+/w")):
            sid = start_call(c.p, b"UnaryCall", [simple_request(1)],
                             extra=[(b"x-grpc-test-echo-trailing-bin", sent)])
            expect_ok_response(c.p, sid, sent.decode())
            got = c.p.st(sid).trailer(b"x-grpc-test-echo-trailing-bin")
            check(got == want, "sent %r: echoed %r, want %r" % (sent, got, want))
        # also on a Trailers-Only error answer (response_status)
        sid = start_call(c.p, b"UnaryCall", [simple_request(status=(9, b"fp"))],
                         extra=[(b"x-grpc-test-echo-trailing-bin", b"q6urqw==")])
        s = c.p.wait_done(sid)
        check(grpc_status_of(s) == 9, "status %r" % grpc_status_of(s))
        got = s.trailer(b"x-grpc-test-echo-trailing-bin") if s.trailers is not None \
            else s.header(b"x-grpc-test-echo-trailing-bin")
        check(got == b"q6urqw", "error answer echoed %r" % got)


@case
def case_srv_rst_no_error_after_trailers():
    """Trailers before the client half-closed are followed by
    RST_STREAM(NO_ERROR); after a half-close there is no RST."""
    with ServerCase() as c:
        def after_trailers(sid, what, want_rst):
            c.p.wait_done(sid)
            c.p.pump_for(0.15)
            fr = c.p.frames(sid)
            ends = [i for i, f in enumerate(fr) if f.type == HEADERS and f.flags & END_STREAM]
            check(ends, "%s: no END_STREAM HEADERS: %r" % (what, fr))
            rest = fr[ends[0] + 1:]
            if want_rst:
                check(len(rest) == 1 and rest[0].type == RST_STREAM and
                      rest[0].rst_code() == NO_ERROR,
                      "%s: want RST_STREAM(NO_ERROR) after the trailers, got %r" % (what, rest))
            else:
                check(not rest, "%s: frames after trailers of a half-closed stream: %r" %
                      (what, rest))
        # FullDuplexCall answering with a status while the client still sends
        sid = start_call(c.p, b"FullDuplexCall",
                         [streaming_output_request([(3, 0)], status=(5, b"done early"))], end=False)
        after_trailers(sid, "FullDuplexCall status", True)
        check(grpc_status_of(c.p.st(sid)) == 5, "status %r" % grpc_status_of(c.p.st(sid)))
        # unknown method, HEADERS without END_STREAM
        sid = start_call(c.p, b"Nope", [], end=False)
        after_trailers(sid, "unknown method", True)
        # UnaryCall request without END_STREAM: no answer until the half-close
        sid = start_call(c.p, b"UnaryCall", [simple_request(2)], end=False)
        c.p.pump_for(0.2)
        check(not c.p.frames(sid), "UnaryCall answered before the half-close: %r" %
              c.p.frames(sid))
        c.p.conn.end_stream(sid)
        c.p.flush()
        expect_ok_response(c.p, sid, "UnaryCall after the half-close")
        after_trailers(sid, "UnaryCall half-closed", False)


@case
def case_srv_grpc_timeout():
    """StreamingOutputCall with a 2 s interval and grpc-timeout 300m: the
    server ends it at the deadline (DEADLINE_EXCEEDED trailers or
    RST_STREAM(CANCEL)); a deadline already short at arrival too."""
    with ServerCase() as c:
        t0 = time.monotonic()
        sid = start_call(c.p, b"StreamingOutputCall",
                         [streaming_output_request([(1, 0), (1, 2000000)])],
                         extra=[(b"grpc-timeout", b"300m")])
        s = c.p.wait_done(sid, timeout=3)
        dt = time.monotonic() - t0
        check(0.25 <= dt <= 1.5, "ended after %.2f s (deadline 0.3 s)" % dt)
        if s.reset is not None and not s.ended:
            check(s.reset == CANCEL, "RST_STREAM code %d" % s.reset)
        else:
            check(grpc_status_of(s) == DEADLINE_EXCEEDED, "grpc-status %r" % grpc_status_of(s))
        check(len(grpc_unframe(s.data)) == 1, "responses %r" % grpc_unframe(s.data))
        # a generous deadline does not get in the way
        sid = start_call(c.p, b"UnaryCall", [simple_request(4)],
                         extra=[(b"grpc-timeout", b"10S")])
        expect_ok_response(c.p, sid, "UnaryCall with grpc-timeout 10S")


@case
def case_srv_50_concurrent_streams():
    """50 UnaryCalls on one connection, DATA interleaved 3 bytes at a time
    across all of them; each gets its own response size."""
    with ServerCase() as c:
        n = 50
        bodies = {}
        for i in range(n):
            sid = c.p.conn.get_next_available_stream_id()
            c.p.conn.send_headers(sid, request_headers(SVC + b"UnaryCall"))
            bodies[sid] = grpc_frame(simple_request(response_size=i * 7 + 1, payload_size=i))
        c.p.flush()
        off = 0
        while any(off < len(b) for b in bodies.values()):
            for sid, b in bodies.items():
                if off < len(b):
                    c.p.conn.send_data(sid, b[off:off + 3], end_stream=off + 3 >= len(b))
            off += 3
            c.p.flush()
        c.p.pump(lambda: all(c.p.stream_done(s) for s in bodies), what="50 responses")
        for i, sid in enumerate(bodies):
            msgs = expect_ok_response(c.p, sid, "stream %d" % sid)
            check(len(msgs) == 1 and payload_size_of(msgs[0]) == i * 7 + 1,
                  "stream %d: %r" % (sid, msgs))


def raw_h2_connect(host, port):
    """A raw TCP connection that sent the preface and an empty SETTINGS."""
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(PREFACE + U.frame_bytes(SETTINGS, 0, 0))
    return s


def read_frames_until(s, pred, timeout=5):
    """Read frames until pred(frame); returns that frame, None at EOF."""
    fs = FrameSplitter(expect_preface=False)
    end = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, OSError):
            return None
        if not data:
            return None
        fs.feed(data)
        for f in fs.frames[seen:]:
            if pred(f):
                return f
        seen = len(fs.frames)
    raise Fail("timed out waiting for a frame (got %r)" % fs.frames)


@case
def case_srv_connection_limit():
    """64 connections (preface done) are served; a 65th is closed at once
    without SETTINGS; the 64 still answer PING; after closing one a new
    connection makes a call."""
    with ServerCase() as c:
        c.p.close()   # the case's own connection is not one of the 64
        time.sleep(0.1)
        socks = []
        try:
            for i in range(MAX_CONNECTIONS):
                s = raw_h2_connect(c.srv.host, c.srv.port)
                socks.append(s)
                f = read_frames_until(s, lambda f: f.type == SETTINGS and not f.flags & ACK)
                check(f is not None, "connection %d closed before SETTINGS" % (i + 1))
            t0 = time.monotonic()
            extra = raw_h2_connect(c.srv.host, c.srv.port)
            try:
                f = read_frames_until(extra, lambda f: True, timeout=3)
                check(f is None, "connection 65 got a frame: %r" % f)
                check(time.monotonic() - t0 < 1.0, "connection 65 closed only after %.2f s" %
                      (time.monotonic() - t0))
            finally:
                extra.close()
            for i, s in enumerate(socks):
                s.sendall(U.frame_bytes(SETTINGS, ACK, 0) +
                          U.frame_bytes(PING, 0, 0, b"lim%05d" % i))
            for i, s in enumerate(socks):
                f = read_frames_until(s, lambda f: f.type == PING and f.flags & ACK)
                check(f is not None and f.payload == b"lim%05d" % i,
                      "connection %d: no PING ACK (%r)" % (i + 1, f))
            socks.pop(0).close()
            time.sleep(0.3)
            p = c.connect()
            simple_ok(p, "a new connection after one closed")
        finally:
            for s in socks:
                s.close()


@case
def case_srv_ipv6():
    """interop_server --host=::1, reached over [::1]."""
    if not socket.has_ipv6:
        raise Fail("no IPv6 support in Python")
    with ServerCase(host="::1") as c:
        simple_ok(c.p, "UnaryCall over ::1", response_size=100, payload_size=50)
        sid = start_call(c.p, b"StreamingOutputCall",
                         [streaming_output_request([(1, 0), (2, 0), (3, 0)])])
        msgs = expect_ok_response(c.p, sid, "StreamingOutputCall over ::1")
        check([payload_size_of(m) for m in msgs] == [1, 2, 3], "responses %r" % msgs)


# ===========================================================================
# B. the lwgrpc client (grpc_client_driver) against a raw h2 server
# ===========================================================================

class Outcome:
    def __init__(self, lines):
        self.lines = lines
        self.headers = "headers" in lines
        self.md = []
        self.messages = []
        self.status = None
        self.status_msg = None
        for l in lines:
            if l.startswith("md "):
                k, _, v = l[3:].partition("=")
                self.md.append((k, v))
            elif l.startswith("message "):
                parts = l.split(" ")
                n = int(parts[1])
                data = bytes.fromhex(parts[2]) if len(parts) > 2 else b""
                check(len(data) == n, "driver: message length %d != %d" % (len(data), n))
                self.messages.append(data)
            elif l.startswith("status "):
                _, code, *rest = l.split(" ", 2)
                self.status = int(code)
                self.status_msg = rest[0] if rest else ""

    def md_get(self, name):
        return [v for k, v in self.md if k == name]

    def __repr__(self):
        return repr(self.lines)


def run_client(script, args=(), kind="unary", msgs=(b"\x08\x01",), path=b"/t.S/M",
               wait_end=True, linger=100, wall=8000):
    """Run the driver against a raw h2 server; `script(peer, sid)` answers
    the request.  Returns (outcome, peer, sid)."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    ls.settimeout(SOCK_TIMEOUT)
    port = ls.getsockname()[1]
    argv = [DRIVER, "127.0.0.1", port, path.decode(), "--kind=" + kind,
            "--linger=%d" % linger, "--wall=%d" % wall]
    argv += ["--msg=" + m.hex() for m in msgs] + list(args)
    drv = Proc(argv)
    peer = None
    try:
        ls.settimeout(0.05)
        end = time.monotonic() + SOCK_TIMEOUT
        while True:
            try:
                s, _ = ls.accept()
                break
            except socket.timeout:
                if drv.proc.poll() is not None or time.monotonic() > end:
                    drv.wait(2)
                    err = drv.stderr_text()
                    raise Fail("the driver did not connect (exit %s): %s %r" %
                               (drv.proc.returncode, sanitizer_report(err) or err[-300:],
                                drv.stdout_lines()))
        peer = H2Peer(s, client_side=False)
        if wait_end:
            peer.pump(lambda: peer.requests and peer.st(peer.requests[0]).ended,
                      what="the whole request")
        else:
            peer.pump(lambda: peer.requests, what="the request headers")
        sid = peer.requests[0]
        script(peer, sid)
        peer.pump(lambda: peer.closed, timeout=wall / 1000.0 + 2, what="the driver to close")
        rc = drv.wait(5)
    finally:
        drv.kill()
        if peer:
            peer.close()
        ls.close()
    rep = sanitizer_report(drv.stderr_text())
    if rep:
        raise Fail("grpc_client_driver: " + rep)
    out = drv.stdout_lines()
    log("driver:", out)
    check(rc == 0, "driver exit %s: %r %s" % (rc, out, drv.stderr_text()[-300:]))
    o = Outcome(out)
    check(o.status is not None, "driver printed no status: %r" % out)
    return o, peer, sid


def resp_headers(extra=()):
    return [(b":status", b"200"), (b"content-type", b"application/grpc")] + list(extra)


def client_rst(peer, sid):
    """RST_STREAM codes the client sent on sid."""
    return [f.rst_code() for f in peer.frames(sid, RST_STREAM)]


@case
def case_cli_request_headers():
    """Exactly what the client sends: pseudo-headers, te, content-type,
    user-agent lwgrpc/..., grpc-accept-encoding; grpc-timeout only with a
    deadline (<= 8 digits + unit); -bin metadata as unpadded base64."""
    seen = {}

    def answer(peer, sid):
        seen[len(seen)] = (list(peer.st(sid).headers), bytes(peer.st(sid).data))
        peer.conn.send_headers(sid, resp_headers())
        peer.conn.send_data(sid, grpc_frame(b"\x08\x02"))
        peer.conn.send_headers(sid, [(b"grpc-status", b"0")], end_stream=True)
        peer.flush()

    o, _, _ = run_client(answer, ["--md=x-a=b c", "--md=x-d-bin=0001feff", "--md=x-e-bin=00",
                                  "--md=x-f-bin=000102"], msgs=[b"\x08\x01"])
    check(o.status == OK and o.messages == [b"\x08\x02"], "outcome %r" % o)
    o, _, _ = run_client(answer, ["--timeout=2500", "--authority=over.example:50051"])
    check(o.status == OK, "outcome %r" % o)

    (h1, body1), (h2_, _) = seen[0], seen[1]
    names = [k for k, _ in h1]
    want = [b":method", b":scheme", b":path", b":authority", b"te", b"content-type",
            b"user-agent", b"grpc-accept-encoding", b"x-a", b"x-d-bin", b"x-e-bin", b"x-f-bin"]
    check(sorted(names) == sorted(want), "header names %r" % names)
    check(all(k.startswith(b":") for k in names[:4]), "pseudo-headers not first: %r" % names)
    d = dict(h1)
    check(d[b":method"] == b"POST" and d[b":scheme"] == b"http" and d[b":path"] == b"/t.S/M",
          "pseudo-headers %r" % h1[:4])
    check(re.fullmatch(rb"127\.0\.0\.1:\d+", d[b":authority"]), ":authority %r" % d[b":authority"])
    check(d[b"te"] == b"trailers", "te %r" % d[b"te"])
    check(d[b"content-type"] == b"application/grpc", "content-type %r" % d[b"content-type"])
    check(d[b"user-agent"].startswith(b"lwgrpc/"), "user-agent %r" % d[b"user-agent"])
    check(d[b"grpc-accept-encoding"] == b"identity", "grpc-accept-encoding %r" %
          d[b"grpc-accept-encoding"])
    check(d[b"x-a"] == b"b c", "x-a %r" % d[b"x-a"])
    check(d[b"x-d-bin"] == b"AAH+/w", "x-d-bin %r (want unpadded AAH+/w)" % d[b"x-d-bin"])
    check(d[b"x-e-bin"] == b"AA", "x-e-bin %r (want AA)" % d[b"x-e-bin"])
    check(d[b"x-f-bin"] == b"AAEC", "x-f-bin %r" % d[b"x-f-bin"])
    check(body1 == grpc_frame(b"\x08\x01"), "request body %r" % body1)
    d2 = dict(h2_)
    check(d2[b":authority"] == b"over.example:50051", "override :authority %r" %
          d2[b":authority"])
    t = d2.get(b"grpc-timeout")
    check(t is not None, "no grpc-timeout with a deadline")
    m = re.fullmatch(rb"(\d{1,8})([HMSmun])", t)
    check(m, "grpc-timeout %r is not 1-8 digits + unit" % t)
    ms = int(m.group(1)) * {b"H": 3600000, b"M": 60000, b"S": 1000, b"m": 1, b"u": 0.001,
                            b"n": 0.000001}[m.group(2)]
    check(2000 <= ms <= 2500, "grpc-timeout %r is %.0f ms, want about 2500" % (t, ms))
    check(b"grpc-timeout" not in d, "grpc-timeout without a deadline")


@case
def case_cli_response_split():
    """Response messages (0, 1 and 7 bytes) in 1-byte DATA frames, in
    3-byte frames and all in one frame: the client gets them exactly."""
    msgs = [b"", b"\x2a", bytes(range(0xf0, 0xf7))]
    body = b"".join(grpc_frame(m) for m in msgs)
    for chunk in (1, 3, len(body)):
        def answer(peer, sid):
            peer.conn.send_headers(sid, resp_headers())
            for i in range(0, len(body), chunk):
                peer.conn.send_data(sid, body[i:i + chunk])
            peer.conn.send_headers(sid, [(b"grpc-status", b"0")], end_stream=True)
            peer.flush()
        o, _, _ = run_client(answer, kind="server", linger=20)
        check(o.status == OK, "chunk %d: %r" % (chunk, o))
        check(o.messages == msgs, "chunk %d: messages %r" % (chunk, o.messages))
        check(o.headers, "chunk %d: no headers line" % chunk)


@case
def case_cli_trailers_only():
    """Trailers-Only grpc-status 5 with a percent-encoded grpc-message ->
    NOT_FOUND with the decoded message; no headers event."""
    def answer(peer, sid):
        peer.conn.send_headers(sid, resp_headers([(b"grpc-status", b"5"),
                                                  (b"grpc-message", b"h%C3%A9llo%20w"),
                                                  (b"x-t", b"only")]), end_stream=True)
        peer.flush()
    o, _, _ = run_client(answer)
    check(o.status == NOT_FOUND, "status %r" % o.status)
    check(o.status_msg == "h\u00e9llo w", "message %r" % o.status_msg)
    check(not o.headers, "Trailers-Only reported as headers: %r" % o)
    check(o.md_get("x-t") == ["only"], "metadata %r" % o.md)


@case
def case_cli_http_status_mapping():
    """Non-200 :status without grpc-status -> the statuscodes.md mapping."""
    want = {400: INTERNAL, 401: UNAUTHENTICATED, 403: PERMISSION_DENIED, 404: UNIMPLEMENTED,
            429: UNAVAILABLE, 502: UNAVAILABLE, 503: UNAVAILABLE, 504: UNAVAILABLE,
            500: UNKNOWN}
    bad = []
    for http, code in want.items():
        def answer(peer, sid, http=http):
            peer.conn.send_headers(sid, [(b":status", str(http).encode()),
                                         (b"content-type", b"text/plain")], end_stream=True)
            peer.flush()
        o, _, _ = run_client(answer, linger=20)
        if o.status != code:
            bad.append("%d -> %r (want %d)" % (http, o.status, code))
    check(not bad, "; ".join(bad))


@case
def case_cli_missing_grpc_status():
    """Trailers without grpc-status -> UNKNOWN (lwg_client_call.c)."""
    def answer(peer, sid):
        peer.conn.send_headers(sid, resp_headers())
        peer.conn.send_data(sid, grpc_frame(b"\x08\x03"))
        peer.conn.send_headers(sid, [(b"grpc-message", b"no%20status"), (b"x-t", b"1")],
                               end_stream=True)
        peer.flush()
    o, _, _ = run_client(answer)
    check(o.status == UNKNOWN, "status %r (%r)" % (o.status, o))
    check(o.messages == [b"\x08\x03"], "messages %r" % o.messages)


@case
def case_cli_no_trailers():
    """END_STREAM on DATA, no trailers at all -> INTERNAL."""
    def answer(peer, sid):
        peer.conn.send_headers(sid, resp_headers())
        peer.conn.send_data(sid, grpc_frame(b"\x08\x03"), end_stream=True)
        peer.flush()
    o, _, _ = run_client(answer)
    check(o.status == INTERNAL, "status %r (%r)" % (o.status, o))


@case
def case_cli_rst_mid_call():
    """RST_STREAM from the server after headers and one message:
    CANCEL->CANCELLED, REFUSED_STREAM->UNAVAILABLE, INTERNAL_ERROR->INTERNAL,
    ENHANCE_YOUR_CALM->RESOURCE_EXHAUSTED."""
    want = {CANCEL: CANCELLED, REFUSED_STREAM: UNAVAILABLE, INTERNAL_ERROR: INTERNAL,
            ENHANCE_YOUR_CALM: RESOURCE_EXHAUSTED}
    bad = []
    for h2code, code in want.items():
        def answer(peer, sid, h2code=h2code):
            peer.conn.send_headers(sid, resp_headers())
            peer.conn.send_data(sid, grpc_frame(b"\x08\x05"))
            peer.flush()
            peer.pump_for(0.05)
            peer.conn.reset_stream(sid, h2code)
            peer.flush()
        o, _, _ = run_client(answer, kind="server", linger=20)
        if o.status != code or o.messages != [b"\x08\x05"]:
            bad.append("RST %d -> %r %r (want %d)" % (h2code, o.status, o.messages, code))
    check(not bad, "; ".join(bad))


@case
def case_cli_oversized_response():
    """max_recv_message 16: a 16-byte response is fine; a prefix of 17 ->
    RESOURCE_EXHAUSTED and the client sends RST_STREAM(CANCEL)."""
    def answer_ok(peer, sid):
        peer.conn.send_headers(sid, resp_headers())
        peer.conn.send_data(sid, grpc_frame(bytes(16)))
        peer.conn.send_headers(sid, [(b"grpc-status", b"0")], end_stream=True)
        peer.flush()
    o, _, _ = run_client(answer_ok, ["--max-recv=16"])
    check(o.status == OK and o.messages == [bytes(16)], "16 bytes: %r" % o)

    def answer_big(peer, sid):
        peer.conn.send_headers(sid, resp_headers())
        peer.conn.send_data(sid, grpc_frame(b"", length=17) + bytes(3))
        peer.flush()
    o, peer, sid = run_client(answer_big, ["--max-recv=16"])
    check(o.status == RESOURCE_EXHAUSTED, "17 bytes: %r" % o)
    check(client_rst(peer, sid) == [CANCEL], "client RST_STREAM codes %r (frames %r)" %
          (client_rst(peer, sid), peer.frames(sid)))


@case
def case_cli_bad_content_type():
    """:status 200 with content-type text/html -> UNKNOWN, RST_STREAM(CANCEL)."""
    def answer(peer, sid):
        peer.conn.send_headers(sid, [(b":status", b"200"), (b"content-type", b"text/html")])
        peer.conn.send_data(sid, b"<html></html>", end_stream=True)
        peer.flush()
    o, peer, sid = run_client(answer)
    check(o.status == UNKNOWN, "status %r (%r)" % (o.status, o))
    check(not o.messages, "messages %r" % o.messages)
    check(client_rst(peer, sid) == [CANCEL], "client RST codes %r" % client_rst(peer, sid))


@case
def case_cli_status_details_bin():
    """grpc-status-details-bin (padded) in trailers and an unpadded -bin
    response header reach the application as the exact bytes."""
    details = b"\x00\x01\x02\xff\xfe"

    def answer(peer, sid):
        peer.conn.send_headers(sid, resp_headers([(b"x-h-bin", b64(b"\xfb\xff"))]))
        peer.conn.send_headers(sid, [(b"grpc-status", b"3"), (b"grpc-message", b"bad%20arg"),
                                     (b"grpc-status-details-bin", b64(details, pad=True))],
                               end_stream=True)
        peer.flush()
    o, _, _ = run_client(answer)
    check(o.status == INVALID_ARGUMENT and o.status_msg == "bad arg", "status %r" % o)
    check(o.md_get("grpc-status-details-bin") == [details.hex()],
          "grpc-status-details-bin %r" % o.md_get("grpc-status-details-bin"))
    check(o.md_get("x-h-bin") == ["fbff"], "x-h-bin %r" % o.md_get("x-h-bin"))


@case
def case_cli_response_metadata_bound():
    """16 response metadata entries are delivered; 17 -> RESOURCE_EXHAUSTED
    with RST_STREAM(CANCEL); 4097 metadata bytes -> RESOURCE_EXHAUSTED."""
    md = [(b"x-r%02d" % i, b"v%d" % i) for i in range(MAX_MD)]

    def answer(extra_hdr, body=True):
        def a(peer, sid):
            peer.conn.send_headers(sid, resp_headers(extra_hdr))
            if body:
                peer.conn.send_data(sid, grpc_frame(b""))
            peer.conn.send_headers(sid, [(b"grpc-status", b"0")], end_stream=True)
            peer.flush()
        return a
    o, _, _ = run_client(answer(md), linger=20)
    check(o.status == OK, "16 entries: %r" % o)
    check(o.md == [(k.decode(), v.decode()) for k, v in md], "16 entries: md %r" % o.md)
    o, peer, sid = run_client(answer(md + [(b"x-more", b"1")]))
    check(o.status == RESOURCE_EXHAUSTED, "17 entries: %r" % o)
    check(client_rst(peer, sid) == [CANCEL], "17 entries: client RST codes %r" %
          client_rst(peer, sid))
    o, _, _ = run_client(answer([(b"x-big", b"a" * (MD_BYTES - 5))]), linger=20)
    check(o.status == OK, "4096 bytes: %r" % o.lines[:2])
    o, _, _ = run_client(answer([(b"x-big", b"a" * (MD_BYTES - 4))]), linger=20)
    check(o.status == RESOURCE_EXHAUSTED, "4097 bytes: %r" % o.lines[:2])


@case
def case_cli_deadline():
    """--timeout=300 against a server that never answers: grpc-timeout is
    sent, the call ends DEADLINE_EXCEEDED at about 300 ms and the client
    sends RST_STREAM(CANCEL)."""
    t = {}

    def answer(peer, sid):
        t["timeout"] = peer.st(sid).header(b"grpc-timeout")
        t["t0"] = time.monotonic()
        peer.pump(lambda: peer.st(sid).reset is not None, timeout=3, what="the client's RST")
        t["dt"] = time.monotonic() - t["t0"]
    o, peer, sid = run_client(answer, ["--timeout=300"])
    check(o.status == DEADLINE_EXCEEDED, "status %r (%r)" % (o.status, o))
    check(t.get("timeout") is not None and re.fullmatch(rb"\d{1,8}[HMSmun]", t["timeout"]),
          "grpc-timeout %r" % t.get("timeout"))
    check(client_rst(peer, sid) == [CANCEL], "client RST codes %r" % client_rst(peer, sid))
    check(t["dt"] < 1.0, "RST_STREAM came %.2f s after the request" % t["dt"])


# ===========================================================================

def main(argv):
    global VERBOSE
    args = [a for a in argv if a != "-v"]
    VERBOSE = len(args) != len(argv)
    missing = [b for b in (InteropServer.BIN, DRIVER) if not os.access(b, os.X_OK)]
    if missing:
        for b in missing:
            print("FAIL binaries: %s is missing (make peer-bins)" % os.path.relpath(b, U.ROOT))
        print("0 passed, %d failed" % len(missing))
        return 1
    passed = failed = 0
    t_all = time.monotonic()
    for name, fn in CASES:
        if args and not any(a in name for a in args):
            continue
        t0 = time.monotonic()
        try:
            fn()
            err = None
        except Fail as e:
            err = str(e)
        except Exception as e:  # a test bug or an unexpected peer reaction
            err = "%s: %s" % (type(e).__name__, e)
            if VERBOSE:
                traceback.print_exc()
        dt = time.monotonic() - t0
        took = " (%.1fs)" % dt if dt >= 2 else ""
        if err is None:
            passed += 1
            if name in KNOWN_BUGS:
                print("ok %s%s (listed in KNOWN_BUGS: remove it there)" % (name, took), flush=True)
            else:
                print("ok %s%s" % (name, took), flush=True)
        else:
            failed += 1
            note = " [known bug: %s]" % KNOWN_BUGS[name] if name in KNOWN_BUGS else ""
            print("FAIL %s: %s%s%s" % (name, err, note, took), flush=True)
    log("total %.1f s" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
