"""Shared helpers for the gRPC-over-raw-HTTP/2 peer tests (a module, not a test).

What is here:
  - constants: HTTP/2 frame types, flags and error codes; gRPC status codes;
  - Proc: a child process whose stdout/stderr are collected by threads, with
    a sanitizer check on stderr and a kill in close();
  - InteropServer: build/host/bin/interop_server on a free port;
  - H2Peer: one python3-h2 connection (client or server role) over a
    socket, pumped by hand, that also splits every received byte into raw
    frames, so tests can assert frame-level facts (Trailers-Only is one
    HEADERS frame; RST_STREAM codes) beside h2's events;
  - tiny protobuf and gRPC message framing helpers (no generated code).

Everything is bounded: sockets and waits time out (Fail is raised).
Runs under Debian's /usr/bin/python3 (python3-h2, hyperframe, hpack).
"""
import base64
import os
import select
import signal
import socket
import struct
import subprocess
import threading
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOCK_TIMEOUT = 5.0
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# frame types
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
FRAME_NAMES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
               "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"]
# flags
ACK = END_STREAM = 0x1
END_HEADERS = 0x4
# HTTP/2 error codes
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, \
    STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, \
    CONNECT_ERROR, ENHANCE_YOUR_CALM, INADEQUATE_SECURITY, HTTP_1_1_REQUIRED = range(14)

# gRPC status codes
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, \
    ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, \
    ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, \
    UNAUTHENTICATED = range(17)

SANITIZER_PATTERNS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "runtime error:", "lwgrpc assert failed",
                      "SUMMARY: UndefinedBehaviorSanitizer",
                      "SUMMARY: AddressSanitizer")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def sanitizer_report(text):
    """The first line of a sanitizer/assert report in text, or None."""
    for line in text.splitlines():
        if any(p in line for p in SANITIZER_PATTERNS):
            return line.strip()
    return None


# ---------------------------------------------------------------------------
# child processes
# ---------------------------------------------------------------------------

class Proc:
    """A child process; stdout and stderr lines collected by threads."""

    def __init__(self, argv):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.argv = [str(a) for a in argv]
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=env)
        self.out = []
        self.err = []
        self.cv = threading.Condition()
        self.threads = [threading.Thread(target=self._read, args=(f, into), daemon=True)
                        for f, into in ((self.proc.stdout, self.out),
                                        (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    def _read(self, f, into):
        for raw in f:
            with self.cv:
                into.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_line(self, pred, timeout=SOCK_TIMEOUT):
        """The first stdout line for which pred(line) holds."""
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.out:
                    if pred(line):
                        return line
                left = end - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and
                                 not any(t.is_alive() for t in self.threads)):
                    raise Fail("%s: no expected output line (got %r, stderr %r)" %
                               (os.path.basename(self.argv[0]), self.out[-5:], self.err[-5:]))
                self.cv.wait(min(left, 0.1))

    def wait(self, timeout=SOCK_TIMEOUT):
        """Wait for exit; kill on timeout (then Fail).  Returns the status."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail("%s did not exit in %.1f s" % (os.path.basename(self.argv[0]), timeout))
        for t in self.threads:
            t.join(2)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self.threads:
            t.join(2)

    def stop(self, timeout=3.0):
        """SIGTERM, then SIGKILL after timeout.  Returns the status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        for t in self.threads:
            t.join(2)
        return self.proc.returncode

    def stderr_text(self):
        with self.cv:
            return "\n".join(self.err)

    def stdout_lines(self):
        with self.cv:
            return list(self.out)


class InteropServer:
    """build/host/bin/interop_server on a free port (use as a context)."""

    BIN = os.environ.get("LWG_INTEROP_SERVER",
                         os.path.join(ROOT, "build/host/bin/interop_server"))

    def __init__(self, host=None):
        args = [self.BIN, "--port=0"]
        if host is not None:
            args.append("--host=" + host)
        self.host = host or "127.0.0.1"
        self.proc = Proc(args)
        line = self.proc.wait_line(lambda l: l.startswith("interop_server: listening on port"))
        self.port = int(line.rsplit(" ", 1)[1])

    def close(self):
        """Stop it; Fail on a sanitizer report, a crash or a non-zero exit."""
        alive = self.proc.proc.poll() is None
        rc = self.proc.stop()
        rep = sanitizer_report(self.proc.stderr_text())
        if rep:
            raise Fail("interop_server: " + rep)
        if not alive:
            raise Fail("interop_server died during the case (exit %s): %s" %
                       (rc, self.proc.stderr_text()[-300:]))
        if rc != 0:
            raise Fail("interop_server exit status %s: %s" % (rc, self.proc.stderr_text()[-300:]))

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        try:
            self.close()
        except Fail as e:
            if et is None:
                raise
            raise Fail("%s; and %s" % (ev, e)) from None
        return False


# ---------------------------------------------------------------------------
# raw frames
# ---------------------------------------------------------------------------

class Frame:
    __slots__ = ("type", "flags", "sid", "payload")

    def __init__(self, ftype, flags, sid, payload):
        self.type, self.flags, self.sid, self.payload = ftype, flags, sid, payload

    def __repr__(self):
        name = FRAME_NAMES[self.type] if self.type < len(FRAME_NAMES) else str(self.type)
        extra = ""
        if self.type == RST_STREAM and len(self.payload) == 4:
            extra = " code=%d" % struct.unpack(">I", self.payload)[0]
        return "%s(sid=%d flags=0x%x len=%d%s)" % (name, self.sid, self.flags,
                                                    len(self.payload), extra)

    def rst_code(self):
        return struct.unpack(">I", self.payload)[0]


def frame_bytes(ftype, flags, sid, payload=b""):
    n = len(payload)
    return struct.pack(">BHBBI", n >> 16, n & 0xffff, ftype, flags, sid & 0x7fffffff) + payload


class FrameSplitter:
    """Splits a received byte stream into frames (skipping a client preface)."""

    def __init__(self, expect_preface):
        self.buf = b""
        self.skip = len(PREFACE) if expect_preface else 0
        self.frames = []

    def feed(self, data):
        self.buf += data
        if self.skip:
            k = min(self.skip, len(self.buf))
            self.buf = self.buf[k:]
            self.skip -= k
        while len(self.buf) >= 9:
            n = (self.buf[0] << 16) | (self.buf[1] << 8) | self.buf[2]
            if len(self.buf) < 9 + n:
                break
            ftype, flags = self.buf[3], self.buf[4]
            sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7fffffff
            self.frames.append(Frame(ftype, flags, sid, self.buf[9:9 + n]))
            self.buf = self.buf[9 + n:]


# ---------------------------------------------------------------------------
# one hyper-h2 connection, pumped by hand
# ---------------------------------------------------------------------------

class StreamState:
    def __init__(self, sid):
        self.sid = sid
        self.headers = None      # first header block (list of (bytes, bytes))
        self.trailers = None     # trailing block
        self.informational = []
        self.data = bytearray()
        self.ended = False       # remote END_STREAM
        self.reset = None        # RST_STREAM code received
        self.events = []

    def header(self, name):
        """Value (bytes) of a header in the first block, or None."""
        for k, v in self.headers or []:
            if k == name:
                return v
        return None

    def trailer(self, name):
        for k, v in self.trailers or []:
            if k == name:
                return v
        return None

    def header_values(self, name):
        return [v for k, v in (self.headers or []) if k == name]


class H2Peer:
    """python3-h2 over a connected socket.  client_side=True: we are the
    HTTP/2 client (talking to the lwgrpc server)."""

    def __init__(self, sock, client_side, validate_outbound=True, settings=None, trickle=0.0):
        """trickle > 0: every byte we send is its own send(), that many
        seconds apart (TCP_NODELAY is set), so the peer reads it in
        1-byte pieces."""
        sock.settimeout(SOCK_TIMEOUT)
        self.sock = sock
        self.trickle = trickle
        cfg = h2.config.H2Configuration(client_side=client_side, header_encoding=None,
                                        validate_outbound_headers=validate_outbound,
                                        normalize_outbound_headers=validate_outbound,
                                        validate_inbound_headers=True)
        self.conn = h2.connection.H2Connection(config=cfg)
        self.raw = FrameSplitter(expect_preface=not client_side)
        self.streams = {}
        self.requests = []        # server role: stream ids in arrival order
        self.closed = False       # EOF or reset from the other side
        self.goaway = None
        self.ping_acks = 0
        self.settings_seen = False
        self.protocol_error = None
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()

    @classmethod
    def connect(cls, host, port, family=socket.AF_INET, **kw):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(SOCK_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect((host, port))
        return cls(sock, client_side=True, **kw)

    def st(self, sid):
        if sid not in self.streams:
            self.streams[sid] = StreamState(sid)
        return self.streams[sid]

    def flush(self):
        out = self.conn.data_to_send()
        if out and not self.closed:
            try:
                if self.trickle:
                    for i in range(len(out)):
                        self.sock.sendall(out[i:i + 1])
                        time.sleep(self.trickle)
                else:
                    self.sock.sendall(out)
            except OSError:
                self.closed = True

    def send_raw(self, data):
        """Bytes straight onto the socket (h2's state is not told)."""
        self.flush()
        self.sock.sendall(data)

    def frames(self, sid=None, ftype=None):
        return [f for f in self.raw.frames
                if (sid is None or f.sid == sid) and (ftype is None or f.type == ftype)]

    def _handle(self, ev):
        E = h2.events
        sid = getattr(ev, "stream_id", None)
        if sid:
            self.st(sid).events.append(ev)
        if isinstance(ev, E.RequestReceived):
            self.st(sid).headers = list(ev.headers)
            self.requests.append(sid)
        elif isinstance(ev, E.ResponseReceived):
            self.st(sid).headers = list(ev.headers)
        elif isinstance(ev, E.InformationalResponseReceived):
            self.st(sid).informational.append(list(ev.headers))
        elif isinstance(ev, E.TrailersReceived):
            self.st(sid).trailers = list(ev.headers)
        elif isinstance(ev, E.DataReceived):
            self.st(sid).data += ev.data
            if ev.flow_controlled_length:
                try:
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                    pass
        elif isinstance(ev, E.StreamEnded):
            self.st(sid).ended = True
        elif isinstance(ev, E.StreamReset):
            self.st(sid).reset = ev.error_code
        elif isinstance(ev, E.ConnectionTerminated):
            self.goaway = ev
        elif isinstance(ev, E.PingAckReceived):
            self.ping_acks += 1
        elif isinstance(ev, E.RemoteSettingsChanged):
            self.settings_seen = True

    def pump_once(self, wait):
        """Read what arrives within `wait` seconds (at most one recv)."""
        self.flush()
        if self.closed:
            return
        r, _, _ = select.select([self.sock], [], [], max(wait, 0))
        if not r:
            return
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, socket.timeout, OSError):
            data = b""
        if not data:
            self.closed = True
            return
        self.raw.feed(data)
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as e:
            self.protocol_error = e
            self.closed = True
            raise Fail("h2 rejected what the peer sent: %r (frames %r)" % (e, self.raw.frames[-4:]))
        for ev in events:
            self._handle(ev)
        self.flush()

    def pump(self, until, timeout=SOCK_TIMEOUT, what="condition"):
        """Pump until until() is true; Fail after timeout."""
        end = time.monotonic() + timeout
        while not until():
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("timed out waiting for %s (last frames %r)" %
                           (what, self.raw.frames[-6:]))
            if self.closed:
                raise Fail("connection closed while waiting for %s (last frames %r)" %
                           (what, self.raw.frames[-6:]))
            self.pump_once(min(left, 0.05))

    def pump_for(self, seconds):
        """Pump for a while, whatever happens (stops early at EOF)."""
        end = time.monotonic() + seconds
        while not self.closed:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.pump_once(min(left, 0.05))

    def stream_done(self, sid):
        s = self.st(sid)
        return s.ended or s.reset is not None

    def wait_done(self, sid, timeout=SOCK_TIMEOUT):
        self.pump(lambda: self.stream_done(sid), timeout, "the end of stream %d" % sid)
        return self.st(sid)

    def close(self):
        try:
            self.flush()
        except Exception:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True


# ---------------------------------------------------------------------------
# protobuf (just enough for the interop messages) and gRPC message framing
# ---------------------------------------------------------------------------

def pb_varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_int(field, value):
    return pb_varint(field << 3) + pb_varint(value) if value else b""


def pb_bytes(field, data):
    return pb_varint(field << 3 | 2) + pb_varint(len(data)) + data


def pb_parse(buf):
    """{field: [values]}: ints for varints, bytes for length-delimited."""
    out = {}
    i = 0
    while i < len(buf):
        key = shift = 0
        while True:
            b = buf[i]
            i += 1
            key |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                break
        field, wt = key >> 3, key & 7
        if wt == 0:
            v = shift = 0
            while True:
                b = buf[i]
                i += 1
                v |= (b & 0x7f) << shift
                shift += 7
                if not b & 0x80:
                    break
        elif wt == 2:
            n = shift = 0
            while True:
                b = buf[i]
                i += 1
                n |= (b & 0x7f) << shift
                shift += 7
                if not b & 0x80:
                    break
            v = bytes(buf[i:i + n])
            i += n
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(field, []).append(v)
    return out


def payload(size):
    """grpc.testing.Payload with `size` zero bytes of body."""
    return pb_bytes(2, bytes(size)) if size else b""


def echo_status(code, message=b""):
    return pb_int(1, code) + (pb_bytes(2, message) if message else b"")


def simple_request(response_size=0, payload_size=0, status=None, fill_server_id=False):
    m = pb_int(2, response_size)
    if payload_size:
        m += pb_bytes(3, payload(payload_size))
    if status is not None:
        m += pb_bytes(7, echo_status(*status))
    if fill_server_id:
        m += pb_int(9, 1)
    return m


def streaming_output_request(params=(), status=None):
    """params: (size, interval_us) pairs."""
    m = b""
    for size, interval in params:
        m += pb_bytes(2, pb_int(1, size) + pb_int(2, interval))
    if status is not None:
        m += pb_bytes(7, echo_status(*status))
    return m


def streaming_input_request(payload_size):
    return pb_bytes(1, payload(payload_size)) if payload_size else pb_bytes(1, b"")


def payload_size_of(resp, field=1):
    """Body length of the Payload in field `field` of a response message."""
    f = pb_parse(resp)
    if field not in f:
        return 0
    body = pb_parse(f[field][0]).get(2, [b""])[0]
    check(body == bytes(len(body)), "payload body is not all zeros")
    return len(body)


def grpc_frame(msg, flag=0, length=None):
    return bytes([flag]) + struct.pack(">I", len(msg) if length is None else length) + msg


def grpc_unframe(data):
    """[(flag, message)] from length-prefixed messages; Fail on leftovers."""
    out = []
    i = 0
    while i < len(data):
        check(len(data) - i >= 5, "partial message prefix in the response: %r" % data[i:])
        flag = data[i]
        n = struct.unpack(">I", data[i + 1:i + 5])[0]
        check(len(data) - i - 5 >= n, "partial message in the response")
        out.append((flag, bytes(data[i + 5:i + 5 + n])))
        i += 5 + n
    return out


def b64(data, pad=False):
    s = base64.b64encode(data)
    return s if pad else s.rstrip(b"=")


def request_headers(path, authority=b"lwg.test", extra=(), content_type=b"application/grpc",
                    method=b"POST", te=True, user_agent=False):
    """A gRPC request header list (bytes pairs); None values are left out."""
    h = [(b":method", method), (b":scheme", b"http"), (b":path", path),
         (b":authority", authority)]
    if te:
        h.append((b"te", b"trailers"))
    if content_type is not None:
        h.append((b"content-type", content_type))
    if user_agent:
        h.append((b"user-agent", b"h2peer-test/1"))
    h.extend(extra)
    return h


SVC = b"/grpc.testing.TestService/"
