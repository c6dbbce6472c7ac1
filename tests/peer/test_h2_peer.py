#!/usr/bin/python3
"""HTTP/2 engine against independent peers, over loopback TCP.

Our engine runs inside tests/peer/h2_driver.c (built by `make peer-bins`
under ASan+UBSan); the other side is hyper-h2 (h2.connection.H2Connection)
or, for malformed input, frames built here byte by byte.  Every scenario
runs with a fresh driver process, with our engine as SERVER (driver
`server 0`, the echo application) or as CLIENT (driver `client HOST PORT`).

Each scenario prints `ok NAME` or `FAIL NAME: reason`; the last line is
`N passed, N failed`, and the exit status is non-zero on any failure.
A scenario fails on any AddressSanitizer/UBSan report, engine assert or
`event bug` line from the driver, and never hangs: sockets time out after
5 s and the driver is killed in a finally clause.

    tests/peer/test_h2_peer.py [-v] [NAME_SUBSTRING...]
"""
import errno
import os
import re
import resource
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import hpack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER = os.environ.get("H2_DRIVER",
                        os.path.join(ROOT, "build/test/host/bin/h2_driver"))
VERBOSE = False
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
PADDED = 0x8
PRIO_FLAG = 0x20
# settings
S_HEADER_TABLE_SIZE, S_ENABLE_PUSH, S_MAX_CONCURRENT_STREAMS, \
    S_INITIAL_WINDOW_SIZE, S_MAX_FRAME_SIZE, S_MAX_HEADER_LIST_SIZE = range(1, 7)
# error codes
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, \
    STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, \
    CONNECT_ERROR, ENHANCE_YOUR_CALM = range(12)

SANITIZER_PATTERNS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "runtime error:", "lwgrpc assert failed",
                      "SUMMARY: UndefinedBehaviorSanitizer")


class Fail(Exception):
    pass


OPEN_SOCKETS = []   # closed after each scenario, so drivers see EOF


def track(sock):
    OPEN_SOCKETS.append(sock)
    return sock


def limit_memory():
    """A runaway scenario must fail with MemoryError, not take the machine:
    cap this process (soft limit only; the driver lifts it again, ASan
    needs a huge address space)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = 3 << 30
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def unlimit_memory():
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def log(*a):
    if VERBOSE:
        print("   ", *a, flush=True)


# ---------------------------------------------------------------------------
# The driver process
# ---------------------------------------------------------------------------

class Driver:
    """tests/peer/h2_driver as a subprocess; stdout lines are collected by a
    thread so a scenario can wait for `event ...` lines while it talks."""

    live = []

    def __init__(self, *args):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.args = [str(a) for a in args]
        # other builds may be relinking the binary this very moment
        for attempt in range(50):
            try:
                self.proc = subprocess.Popen([DRIVER] + self.args, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, env=env,
                                             preexec_fn=unlimit_memory)
                break
            except OSError as e:
                if e.errno not in (errno.EACCES, errno.ETXTBSY, errno.ENOENT) or attempt == 49:
                    raise
                time.sleep(0.1)
        self.lines = []
        self.err = []
        self.cv = threading.Condition()
        self.t_out = threading.Thread(target=self._read, args=(self.proc.stdout, self.lines),
                                      daemon=True)
        self.t_err = threading.Thread(target=self._read, args=(self.proc.stderr, self.err),
                                      daemon=True)
        self.t_out.start()
        self.t_err.start()
        self.rc = None
        Driver.live.append(self)
        log("driver", " ".join(self.args))

    def _read(self, f, into):
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cv:
                into.append(line)
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_line(self, pattern, timeout=SOCK_TIMEOUT):
        """First stdout line matching regex `pattern` (re.search); waits."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.t_out.is_alive()):
                    raise Fail("driver never printed /%s/; last lines: %s"
                               % (pattern, self.lines[-6:]))
                self.cv.wait(min(left, 0.1))

    def has_line(self, pattern):
        rx = re.compile(pattern)
        with self.cv:
            return any(rx.search(line) for line in self.lines)

    def port(self):
        return int(self.wait_line(r"^event listening port=(\d+)").group(1))

    def finish(self, timeout=10):
        """Wait for the driver to exit by itself; returns its exit status."""
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail("driver did not exit within %ss; last lines: %s"
                       % (timeout, self.lines[-6:]))
        self.t_out.join(2)
        self.t_err.join(2)
        return self.rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.rc = self.proc.wait()
        self.t_out.join(2)
        self.t_err.join(2)

    def problems(self):
        """Sanitizer reports, engine asserts and contract bugs seen."""
        out = []
        err = "\n".join(self.err)
        for pat in SANITIZER_PATTERNS:
            if pat in err:
                out.append("sanitizer/assert output on stderr:\n" + err[-3000:])
                break
        for line in self.lines:
            if line.startswith("event bug"):
                out.append("driver reported: " + line)
        return out

    def exit_code_line(self):
        m = self.wait_line(r"^event exit fatal=(-?\d+) code=(\d+)")
        return int(m.group(1)), int(m.group(2))


# ---------------------------------------------------------------------------
# Raw frames
# ---------------------------------------------------------------------------

def frame(ftype, flags, sid, payload=b"", length=None):
    """One frame; `length` lies about the payload length when given."""
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + struct.pack(">BBI", ftype, flags, sid) + payload


def settings_payload(*pairs):
    return b"".join(struct.pack(">HI", k, v) for k, v in pairs)


def parse_settings(payload):
    return {struct.unpack(">H", payload[i:i + 2])[0]: struct.unpack(">I", payload[i + 2:i + 6])[0]
            for i in range(0, len(payload) - len(payload) % 6, 6)}


def wu(sid, inc):
    return frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", inc))


def rst(sid, code):
    return frame(RST_STREAM, 0, sid, struct.pack(">I", code))


def ping(payload=b"abcdefgh", flags=0, sid=0):
    return frame(PING, flags, sid, payload)


def hpack_literal(name, value):
    """Literal header field without indexing, new name, no Huffman (both
    strings < 127 bytes): 0x00, len, name, len, value."""
    assert len(name) < 127 and len(value) < 127
    return bytes([0, len(name)]) + name + bytes([len(value)]) + value


class Frame:
    __slots__ = ("type", "flags", "sid", "payload")

    def __init__(self, t, f, s, p):
        self.type, self.flags, self.sid, self.payload = t, f, s, p

    def __repr__(self):
        name = FRAME_NAMES[self.type] if self.type < len(FRAME_NAMES) else str(self.type)
        extra = ""
        if self.type in (RST_STREAM, GOAWAY) and len(self.payload) >= 4:
            code = struct.unpack(">I", self.payload[-4:] if self.type == RST_STREAM
                                 else self.payload[4:8])[0]
            extra = " code=%d" % code
        return "%s(sid=%d flags=0x%x len=%d%s)" % (name, self.sid, self.flags,
                                                   len(self.payload), extra)


def req_headers(path=b"/echo", extra=()):
    return [(b":method", b"POST"), (b":scheme", b"http"), (b":path", path),
            (b":authority", b"localhost"), (b"content-type", b"application/grpc"),
            (b"te", b"trailers")] + list(extra)


class RawPeer:
    """A peer that writes and reads frames byte by byte."""

    def __init__(self, sock):
        sock.settimeout(SOCK_TIMEOUT)
        self.sock = sock
        self.buf = bytearray()
        self.backlog = []
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.dec.max_header_list_size = 1 << 20
        self.peer_settings = {}
        self.eof = False

    def send(self, *chunks):
        """Send; a peer that already closed (after its GOAWAY) is fine."""
        try:
            self.sock.sendall(b"".join(chunks))
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("timeout waiting for bytes from the engine")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise Fail("timeout waiting for bytes from the engine")
            except ConnectionResetError:
                raise Fail("connection reset by the engine (a lost GOAWAY?)")
            if not chunk:
                self.eof = True
                return False
            self.buf += chunk
        return True

    def read_exact(self, n, timeout=SOCK_TIMEOUT):
        if not self._fill(n, time.monotonic() + timeout):
            raise Fail("EOF while reading %d bytes" % n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_frame(self, timeout=SOCK_TIMEOUT):
        """Next frame, or None at EOF."""
        if self.backlog:
            return self.backlog.pop(0)
        deadline = time.monotonic() + timeout
        if not self._fill(9, deadline):
            return None
        length = struct.unpack(">I", b"\0" + self.buf[:3])[0]
        if not self._fill(9 + length, deadline):
            return None
        f = Frame(self.buf[3], self.buf[4], struct.unpack(">I", self.buf[5:9])[0] & 0x7fffffff,
                  bytes(self.buf[9:9 + length]))
        del self.buf[:9 + length]
        log("<-", f)
        return f

    def wait_frame(self, pred, what, timeout=SOCK_TIMEOUT, fail_on_goaway=True):
        """Read frames until pred(frame); others are answered (PING,
        SETTINGS) or dropped.  Fails on EOF, timeout, or an unexpected
        GOAWAY."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("timeout waiting for " + what)
            f = self.read_frame(left)
            if f is None:
                raise Fail("EOF while waiting for " + what)
            if pred(f):
                return f
            if f.type == GOAWAY and fail_on_goaway:
                raise Fail("unexpected %r while waiting for %s" % (f, what))
            self.auto_answer(f)

    def auto_answer(self, f):
        if f.type == SETTINGS and not f.flags & ACK:
            self.peer_settings.update(parse_settings(f.payload))
            self.send(frame(SETTINGS, ACK, 0))
        elif f.type == PING and not f.flags & ACK:
            self.send(ping(f.payload, ACK))

    def headers_frame(self, sid, headers, end_stream=True, flags=0):
        block = self.enc.encode(headers)
        fl = END_HEADERS | (END_STREAM if end_stream else 0) | flags
        return frame(HEADERS, fl, sid, block)

    def read_header_block(self, first):
        """Given a HEADERS frame, collect CONTINUATIONs; returns
        (header list, frames) and checks nothing is interleaved."""
        frames = [first]
        block = bytearray(strip_headers_payload(first))
        f = first
        while not f.flags & END_HEADERS:
            f = self.read_frame()
            check(f is not None, "EOF inside a header block")
            check(f.type == CONTINUATION and f.sid == first.sid,
                  "frame %r interleaved in our header block" % f)
            frames.append(f)
            block += f.payload
        return self.dec.decode(bytes(block), raw=True), frames

    def expect_goaway(self, code, last_id=None, timeout=SOCK_TIMEOUT, allow_rst=False):
        """The engine answers with GOAWAY(code) and then closes."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            check(left > 0, "timeout waiting for GOAWAY(%s)" % (code,))
            f = self.read_frame(left)
            check(f is not None, "EOF without GOAWAY(%s)" % (code,))
            if f.type == RST_STREAM and not allow_rst:
                raise Fail("got %r, wanted GOAWAY(%s)" % (f, code))
            if f.type == GOAWAY:
                break
        check(len(f.payload) >= 8, "GOAWAY too short: %r" % f)
        last, got = struct.unpack(">II", f.payload[:8])
        codes = code if isinstance(code, tuple) else (code,)
        check(got in codes, "GOAWAY code %d, wanted %s (debug %r)"
              % (got, "/".join(map(str, codes)), f.payload[8:]))
        code = got
        if last_id is not None:
            check(last & 0x7fffffff == last_id,
                  "GOAWAY last-stream-id %d, wanted %d" % (last, last_id))
        # ... and the connection closes (further frames are fine to skip).
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            check(left > 0, "connection not closed after GOAWAY")
            g = self.read_frame(left)
            if g is None:
                return f
            check(g.type != GOAWAY or struct.unpack(">I", g.payload[4:8])[0] == code,
                  "second GOAWAY with another code: %r" % g)

    def expect_rst(self, sid, code, timeout=SOCK_TIMEOUT):
        f = self.wait_frame(lambda f: f.type == RST_STREAM and f.sid == sid,
                            "RST_STREAM on stream %d" % sid, timeout)
        got = struct.unpack(">I", f.payload[:4])[0]
        check(got == code, "RST_STREAM(%d) code %d, wanted %d" % (sid, got, code))
        return f

    def ping_alive(self, payload=b"alive!!!"):
        """The connection still works: a PING is ACKed with its payload."""
        self.send(ping(payload))
        f = self.wait_frame(lambda f: f.type == PING and f.flags & ACK,
                            "PING ACK (connection alive)")
        check(f.payload == payload, "PING ACK payload %r != %r" % (f.payload, payload))


def strip_headers_payload(f):
    """The header block fragment of a HEADERS frame (padding, priority off)."""
    p = f.payload
    pad = 0
    if f.flags & PADDED:
        pad = p[0]
        p = p[1:]
    if f.flags & PRIO_FLAG:
        p = p[5:]
    return p[:len(p) - pad]


def raw_client(*driver_args, settings=b""):
    """Driver as server, us as a raw client: preface, SETTINGS both ways,
    ACKs both ways.  Returns (driver, peer, our SETTINGS as the engine
    advertised them, frames seen before the ACK)."""
    d = Driver("server", 0, *driver_args)
    s = track(socket.create_connection(("127.0.0.1", d.port()), timeout=SOCK_TIMEOUT))
    p = RawPeer(s)
    p.send(PREFACE, frame(SETTINGS, 0, 0, settings))
    first = None
    acked = False
    seen = []
    while first is None or not acked:
        f = p.read_frame()
        check(f is not None, "EOF during the handshake")
        seen.append(f)
        if f.type == SETTINGS and not f.flags & ACK:
            if first is None:
                first = f
            p.auto_answer(f)
        elif f.type == SETTINGS:
            check(first is not None, "SETTINGS ACK before the server's own SETTINGS")
            acked = True
        elif f.type in (WINDOW_UPDATE,):
            pass
        else:
            raise Fail("unexpected %r during the handshake" % f)
    check(seen[0].type == SETTINGS and not seen[0].flags & ACK,
          "the server's first frame is %r, not SETTINGS" % seen[0])
    return d, p, parse_settings(first.payload), seen


def raw_server(*driver_args, settings=b"", wait_headers=True):
    """Driver as client (its first request: --streams/--body from args), us
    as a raw server.  Returns (driver, peer, client SETTINGS, frames)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(SOCK_TIMEOUT)
    d = Driver("client", "127.0.0.1", ls.getsockname()[1], *driver_args)
    try:
        s, _ = ls.accept()
        track(s)
    except socket.timeout:
        raise Fail("the client never connected")
    finally:
        ls.close()
    p = RawPeer(s)
    magic = p.read_exact(24)
    check(magic == PREFACE, "client preface is %r" % magic)
    first = p.read_frame()
    check(first is not None and first.type == SETTINGS and not first.flags & ACK,
          "the client's first frame is %r, not SETTINGS" % first)
    p.send(frame(SETTINGS, 0, 0, settings), frame(SETTINGS, ACK, 0))
    seen = [first]
    later = []          # read again by the scenario
    acked = False
    got_headers = not wait_headers
    while not acked or not got_headers:
        f = p.read_frame()
        check(f is not None, "EOF during the handshake")
        seen.append(f)
        if f.type == SETTINGS and f.flags & ACK:
            acked = True
        elif f.type == HEADERS:
            got_headers = True
            later.append(f)
        elif f.type in (WINDOW_UPDATE, DATA, CONTINUATION):
            later.append(f)
        else:
            raise Fail("unexpected %r during the handshake" % f)
    p.backlog = later + p.backlog
    return d, p, parse_settings(first.payload), seen


# ---------------------------------------------------------------------------
# hyper-h2 as the peer
# ---------------------------------------------------------------------------

class StreamRec:
    def __init__(self):
        self.headers = None
        self.data = bytearray()
        self.frames = []          # flow-controlled length of each DATA frame
        self.trailers = None
        self.ended = False
        self.reset = None         # RST_STREAM code (either direction)


class Outgoing:
    def __init__(self):
        self.data = bytearray()
        self.end = False
        self.trailers = None


class H2Peer:
    """hyper-h2 over a non-blocking socket: pump() sends and reads in one
    select loop (never blocks on a send while the engine waits for us to
    read), DATA goes out within the flow-control windows, received DATA is
    acknowledged (WINDOW_UPDATE) unless auto_ack is off.  As a server it
    echoes requests when echo is set."""

    def __init__(self, sock, client_side, settings=None, echo=False):
        cfg = h2.config.H2Configuration(client_side=client_side, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=cfg)
        if settings:
            self.conn.local_settings = h2.settings.Settings(client=client_side,
                                                            initial_values=settings)
            # H2Connection copied this one in its constructor
            self.conn.max_inbound_frame_size = self.conn.local_settings.max_frame_size
        self.conn.initiate_connection()
        self.sock = sock
        sock.setblocking(False)
        self.out = bytearray()
        self.events = []
        self.streams = {}
        self.queue = {}
        self.auto_ack = True
        self.echo = echo
        self.closed = False
        self.terminated = None
        self.hook = None           # hook(peer, event) after default handling
        self.pre_hook = None       # pre_hook(peer, event) -> True: skip default
        self.chunk = 16384         # largest DATA frame we send

    def rec(self, sid):
        return self.streams.setdefault(sid, StreamRec())

    def send_body(self, sid, data, end=True, trailers=None):
        q = self.queue.setdefault(sid, Outgoing())
        q.data += data
        q.end = q.end or end
        if trailers is not None:
            q.trailers = trailers

    def raw(self, data):
        """Bytes outside h2's knowledge (hand-made frames), in order."""
        self.out += self.conn.data_to_send()
        self.out += data

    def _push(self):
        progress = True
        while progress:
            progress = False
            for sid in list(self.queue):
                q = self.queue[sid]
                try:
                    if q.data:
                        win = self.conn.local_flow_control_window(sid)
                        n = min(len(q.data), win, self.conn.max_outbound_frame_size,
                                self.chunk)
                        if n > 0:
                            self.conn.send_data(sid, bytes(q.data[:n]))
                            del q.data[:n]
                            progress = True
                    if not q.data and q.end:
                        if q.trailers:
                            self.conn.send_headers(sid, q.trailers, end_stream=True)
                        else:
                            self.conn.end_stream(sid)
                        del self.queue[sid]
                except h2.exceptions.StreamClosedError:
                    self.queue.pop(sid, None)   # reset: nothing more to send
                except h2.exceptions.ProtocolError as e:
                    log("h2 refused to send on stream %d: %r" % (sid, e))
                    self.queue.pop(sid, None)
            # one pass per stream at a time interleaves the streams

    def pump(self, timeout=0.05):
        if not self.closed:
            self._push()
        self.out += self.conn.data_to_send()
        if self.closed:
            time.sleep(timeout)
            return
        wl = [self.sock] if self.out else []
        r, w, _ = select.select([self.sock], wl, [], timeout)
        if w:
            try:
                n = self.sock.send(self.out)
                del self.out[:n]
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                self.closed = True
                return
        if r:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
                return
            try:
                events = self.conn.receive_data(data)
            except h2.exceptions.ProtocolError as e:
                raise Fail("hyper-h2 rejected what the engine sent: %r" % e)
            for ev in events:
                self._handle(ev)
            self.out += self.conn.data_to_send()

    def _handle(self, ev):
        self.events.append(ev)
        log("h2 event", ev)
        sid = getattr(ev, "stream_id", None)
        if self.pre_hook and self.pre_hook(self, ev):
            return
        if isinstance(ev, (h2.events.RequestReceived, h2.events.ResponseReceived)):
            self.rec(sid).headers = ev.headers
            if self.echo and isinstance(ev, h2.events.RequestReceived):
                try:
                    self.conn.send_headers(sid, [(b":status", b"200"),
                                                 (b"content-type", b"application/grpc")])
                except h2.exceptions.StreamClosedError:
                    pass    # reset by the peer in the same read
        elif isinstance(ev, h2.events.TrailersReceived):
            self.rec(sid).trailers = ev.headers
        elif isinstance(ev, h2.events.DataReceived):
            r = self.rec(sid)
            r.data += ev.data
            r.frames.append(ev.flow_controlled_length)
            if self.auto_ack:
                try:
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                except h2.exceptions.StreamClosedError:
                    pass
            if self.echo:
                self.send_body(sid, ev.data, end=False)
        elif isinstance(ev, h2.events.StreamEnded):
            self.rec(sid).ended = True
            if self.echo:
                self.send_body(sid, b"", end=True, trailers=[(b"x-trailer", b"done")])
        elif isinstance(ev, h2.events.StreamReset):
            self.rec(sid).reset = ev.error_code
            self.queue.pop(sid, None)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.terminated = ev
        if self.hook:
            self.hook(self, ev)

    def run_until(self, pred, what, timeout=10):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise Fail("timeout waiting for " + what)
            if self.closed:
                raise Fail("connection closed while waiting for " + what)
            self.pump()

    def run_for(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.closed:
            self.pump(0.02)

    def drain_until_closed(self, timeout=5):
        deadline = time.monotonic() + timeout
        while not self.closed:
            if time.monotonic() > deadline:
                raise Fail("the engine did not close the connection")
            self.pump()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def h2_client(*driver_args, settings=None):
    d = Driver("server", 0, *driver_args)
    s = track(socket.create_connection(("127.0.0.1", d.port()), timeout=SOCK_TIMEOUT))
    p = H2Peer(s, client_side=True, settings=settings)
    p.run_until(lambda: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in p.events)
                and any(isinstance(e, h2.events.SettingsAcknowledged) for e in p.events),
                "SETTINGS exchange")
    return d, p


def h2_server(*driver_args, settings=None, echo=True, hook=None):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(SOCK_TIMEOUT)
    d = Driver("client", "127.0.0.1", ls.getsockname()[1], *driver_args)
    try:
        s, _ = ls.accept()
        track(s)
    except socket.timeout:
        raise Fail("the client never connected")
    finally:
        ls.close()
    p = H2Peer(s, client_side=False, settings=settings, echo=echo)
    p.hook = hook
    return d, p


def client_results(d):
    """Per-stream result lines of a finished client driver."""
    out = {}
    for line in d.lines:
        m = re.match(r"^stream (\d+) (.*)$", line)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def result_counts(d):
    m = d.wait_line(r"^result ok=(\d+) reset=(\d+) refused=(\d+) failed=(\d+)")
    return tuple(int(x) for x in m.groups())


def body_byte(idx, i):
    """Mirror of body_byte() in h2_driver.c."""
    return (i * 131 + idx * 17 + (i >> 9)) & 0xff


def pattern(n, seed):
    return bytes(((i * 7 + seed * 13 + (i >> 8)) & 0xff) for i in range(n))


# ---------------------------------------------------------------------------
# Scenarios: preface and SETTINGS
# ---------------------------------------------------------------------------

def test_server_settings_exchange():
    d, p, s, seen = raw_client("--initial-window=30000", "--max-concurrent=77",
                               "--header-table=2048", "--max-header-list=12000",
                               "--conn-window=1000000", "--max-frame=32768",
                               settings=settings_payload((S_INITIAL_WINDOW_SIZE, 1000)))
    check(s.get(S_MAX_CONCURRENT_STREAMS) == 77, "MAX_CONCURRENT_STREAMS %r" % s)
    check(s.get(S_INITIAL_WINDOW_SIZE) == 30000, "INITIAL_WINDOW_SIZE %r" % s)
    check(s.get(S_HEADER_TABLE_SIZE) == 2048, "HEADER_TABLE_SIZE %r" % s)
    check(s.get(S_MAX_HEADER_LIST_SIZE) == 12000, "MAX_HEADER_LIST_SIZE %r" % s)
    check(s.get(S_MAX_FRAME_SIZE) == 32768, "MAX_FRAME_SIZE %r" % s)
    check(s.get(S_ENABLE_PUSH, 0) == 0, "a server advertised ENABLE_PUSH=%r" % s)
    wus = [f for f in seen if f.type == WINDOW_UPDATE]
    check(len(wus) == 1 and wus[0].sid == 0 and
          struct.unpack(">I", wus[0].payload)[0] == 1000000 - 65535,
          "connection window raise: %r" % wus)
    # a second SETTINGS is ACKed too, and the engine reports ready once
    p.send(frame(SETTINGS, 0, 0, settings_payload((S_MAX_FRAME_SIZE, 20000))))
    p.wait_frame(lambda f: f.type == SETTINGS and f.flags & ACK, "ACK of a 2nd SETTINGS")
    p.send(frame(SETTINGS, 0, 0))
    p.wait_frame(lambda f: f.type == SETTINGS and f.flags & ACK, "ACK of an empty SETTINGS")
    d.wait_line(r"^event ready peer_max_frame=16384 peer_initial_window=1000 ")
    p.ping_alive()


def test_server_default_settings_h2():
    """The defaults (host config) as hyper-h2 sees them."""
    d, p = h2_client()
    rs = p.conn.remote_settings
    check(rs.max_concurrent_streams == 100, "max_concurrent %r" % rs.max_concurrent_streams)
    check(rs.initial_window_size == 65535, "initial_window %r" % rs.initial_window_size)
    check(rs.max_header_list_size == 16384, "max_header_list %r" % rs.max_header_list_size)
    check(rs.header_table_size == 4096, "header_table %r" % rs.header_table_size)
    check(p.conn.outbound_flow_control_window == 16 * 1024 * 1024,
          "connection window %d (host LWG_CONN_RECV_WINDOW 16 MiB)"
          % p.conn.outbound_flow_control_window)


def test_client_settings_exchange():
    d, p, s, seen = raw_server("--initial-window=4000", "--max-concurrent=50",
                               "--header-table=2048", "--max-header-list=9000",
                               "--conn-window=200000", "--streams=1", "--body=0",
                               settings=settings_payload((S_MAX_CONCURRENT_STREAMS, 10)))
    check(s.get(S_ENABLE_PUSH) == 0, "client must send ENABLE_PUSH=0: %r" % s)
    check(s.get(S_MAX_CONCURRENT_STREAMS) == 50, "MAX_CONCURRENT_STREAMS %r" % s)
    check(s.get(S_INITIAL_WINDOW_SIZE) == 4000, "INITIAL_WINDOW_SIZE %r" % s)
    check(s.get(S_HEADER_TABLE_SIZE) == 2048, "HEADER_TABLE_SIZE %r" % s)
    check(s.get(S_MAX_HEADER_LIST_SIZE) == 9000, "MAX_HEADER_LIST_SIZE %r" % s)
    wus = [f for f in seen if f.type == WINDOW_UPDATE and f.sid == 0]
    check(len(wus) == 1 and struct.unpack(">I", wus[0].payload)[0] == 200000 - 65535,
          "connection window raise: %r" % wus)
    hf = p.wait_frame(lambda f: f.type == HEADERS, "the request HEADERS")
    check(hf.sid == 1, "first client stream id %d" % hf.sid)
    check(hf.flags & END_STREAM, "a bodiless request must carry END_STREAM")
    hdrs, _ = p.read_header_block(hf)
    hd = dict(hdrs)
    check(hd.get(b":method") == b"POST" and hd.get(b":path") == b"/echo" and
          hd.get(b"te") == b"trailers" and hd.get(b":scheme") == b"http" and
          b":authority" in hd, "request headers %r" % hdrs)
    npseudo = sum(1 for k, _ in hdrs if k.startswith(b":"))
    check(npseudo == 4 and all(k.startswith(b":") for k, _ in hdrs[:npseudo]),
          "four pseudo-headers, first: %r" % hdrs)
    enc = hpack.Encoder()
    p.send(frame(HEADERS, END_HEADERS, 1, enc.encode([(b":status", b"200")])),
           frame(DATA, 0, 1, b""),
           frame(HEADERS, END_HEADERS | END_STREAM, 1, enc.encode([(b"grpc-status", b"0")])))
    d.finish()
    check(client_results(d).get(1) == "status 200 bytes 0 trailers ok match 1",
          "result %r" % client_results(d))
    d.wait_line(r"^event ready peer_max_frame=16384 peer_initial_window=65535 "
                r"peer_max_concurrent=10 ")


# ---------------------------------------------------------------------------
# Streams, bodies, CONTINUATION
# ---------------------------------------------------------------------------

def run_h2_requests(p, bodies, extra=(), hold=False):
    """Send one request per body (interleaved); wait for every response."""
    sids = []
    for i, body in enumerate(bodies):
        sid = p.conn.get_next_available_stream_id()
        p.conn.send_headers(sid, req_headers(extra=list(extra)), end_stream=not body)
        if body:
            p.send_body(sid, body, end=True)
        sids.append(sid)
    p.run_until(lambda: all(p.rec(s).ended or p.rec(s).reset is not None for s in sids),
                "%d responses" % len(sids), timeout=30)
    return sids


def check_echo(p, sid, body):
    r = p.rec(sid)
    check(r.reset is None, "stream %d reset with %r" % (sid, r.reset))
    hd = dict(r.headers or [])
    check(hd.get(b":status") == b"200", "stream %d status %r" % (sid, r.headers))
    check(hd.get(b"content-type") == b"application/grpc", "content-type not echoed: %r" % r.headers)
    check(bytes(r.data) == body, "stream %d echo: %d bytes back of %d%s"
          % (sid, len(r.data), len(body),
             "" if len(r.data) != len(body) else " (content differs)"))
    check(r.trailers == [(b"x-trailer", b"done")], "stream %d trailers %r" % (sid, r.trailers))


def test_server_50_streams():
    d, p = h2_client()
    p.chunk = 1000          # small frames: the 50 bodies interleave
    bodies = [pattern(10000 + 37 * i, i) for i in range(50)]
    sids = run_h2_requests(p, bodies)
    for sid, body in zip(sids, bodies):
        check_echo(p, sid, body)
    # the DATA of different streams really was interleaved on the wire
    order = [e.stream_id for e in p.events if isinstance(e, h2.events.DataReceived)]
    switches = sum(1 for a, b in zip(order, order[1:]) if a != b)
    check(switches > 50, "responses not interleaved (%d switches)" % switches)


def test_server_50_streams_zero_copy():
    d, p = h2_client("--zero-copy")
    bodies = [pattern(5000 + i, i) for i in range(50)]
    sids = run_h2_requests(p, bodies)
    for sid, body in zip(sids, bodies):
        check_echo(p, sid, body)


def test_server_end_with_empty_data():
    for zc in ([], ["--zero-copy"]):
        d, p = h2_client(*zc)
        sid = run_h2_requests(p, [b"xyz"], extra=[(b"x-end-with-data", b"1")])[0]
        r = p.rec(sid)
        check(bytes(r.data) == b"xyz" and r.ended and r.trailers is None,
              "%s: data %r ended %r trailers %r" % (zc, r.data, r.ended, r.trailers))
        p.close()
        d.finish()


def test_client_50_streams():
    d, p = h2_server("--streams=50", "--body=10000")
    p.chunk = 1000
    rc_holder = []
    deadline = time.monotonic() + 30
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    rc_holder.append(d.finish())
    res = client_results(d)
    check(len(res) == 50, "%d results: %r" % (len(res), res))
    for sid in range(1, 100, 2):
        check(res.get(sid) == "status 200 bytes 10000 trailers ok match 1",
              "stream %d: %r" % (sid, res.get(sid)))
    check(result_counts(d) == (50, 0, 0, 0), "counts %r" % (result_counts(d),))
    check(rc_holder[0] == 0, "driver exit %r" % rc_holder)
    # the requests were interleaved too
    req = {s: bytes(r.data) for s, r in p.streams.items()}
    for i, sid in enumerate(range(1, 100, 2)):
        check(req[sid] == bytes(body_byte(i, k) for k in range(10000)),
              "request body of stream %d corrupted" % sid)


def test_server_continuation_from_h2():
    """hyper-h2 splits a header block at its max outbound frame size; we
    force that to 1000 so a 6 KB block arrives as HEADERS + CONTINUATION."""
    d, p = h2_client()
    p.conn.max_outbound_frame_size = 1000
    big1 = bytes(((i * 29) % 26) + 97 for i in range(3000))
    big2 = bytes(((i * 31) % 26) + 65 for i in range(2500))
    sid = run_h2_requests(p, [b"body"], extra=[(b"x-echo-one", big1),
                                               (b"x-echo-two", big2)])[0]
    check_echo(p, sid, b"body")
    hd = dict(p.rec(sid).headers)
    check(hd.get(b"x-echo-one") == big1 and hd.get(b"x-echo-two") == big2,
          "large request headers did not survive CONTINUATION")


def test_server_continuation_raw():
    """HEADERS + CONTINUATION (one of them empty) built by hand, PRIORITY
    and PADDED on the HEADERS frame."""
    d, p, _, _ = raw_client()
    block = p.enc.encode(req_headers(extra=[(b"x-echo-k", b"v" * 300)]))
    parts = [block[:7], block[7:100], b"", block[100:]]
    prio = struct.pack(">IB", 0, 15)
    first = bytes([4]) + prio + parts[0] + b"\0" * 4
    p.send(frame(HEADERS, PADDED | PRIO_FLAG | END_STREAM, 1, first),
           frame(CONTINUATION, 0, 1, parts[1]),
           frame(CONTINUATION, 0, 1, parts[2]),
           frame(CONTINUATION, END_HEADERS, 1, parts[3]))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 1, "response HEADERS")
    hdrs, _ = p.read_header_block(hf)
    hd = dict(hdrs)
    check(hd.get(b":status") == b"200" and hd.get(b"x-echo-k") == b"v" * 300,
          "response %r" % hdrs)
    tf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 1, "trailers")
    check(tf.flags & END_STREAM, "trailers without END_STREAM")


def test_server_sends_continuation():
    """A 40 KB response header block leaves as HEADERS + CONTINUATION, each
    frame within the peer's MAX_FRAME_SIZE, with nothing in between."""
    d, p, _, _ = raw_client()
    p.send(p.headers_frame(1, req_headers(extra=[(b"x-big-response", b"40000")])))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 1, "response HEADERS")
    hdrs, frames = p.read_header_block(hf)
    check(len(frames) >= 2, "40 KB block in %d frame(s)" % len(frames))
    check(all(len(f.payload) <= 16384 for f in frames),
          "frame sizes %r" % [len(f.payload) for f in frames])
    check(not any(f.flags & END_HEADERS for f in frames[:-1]), "END_HEADERS too early")
    big = sum(len(v) for k, v in hdrs if k.startswith(b"x-big-"))
    check(big == 40000, "x-big-* bytes %d" % big)
    tf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 1, "trailers")
    check(tf.flags & END_STREAM, "trailers without END_STREAM")


def test_client_sends_continuation():
    """Our client's ~22 KB request block leaves as HEADERS + CONTINUATION
    within the peer's 16384-byte MAX_FRAME_SIZE."""
    d, p, _, _ = raw_server("--streams=1", "--body=0", "--header-bytes=30000")
    hf = p.wait_frame(lambda f: f.type == HEADERS, "request HEADERS")
    hdrs, frames = p.read_header_block(hf)
    check(len(frames) >= 2, "block in %d frame(s)" % len(frames))
    check(all(len(f.payload) <= 16384 for f in frames),
          "frame sizes %r" % [len(f.payload) for f in frames])
    check(hf.flags & END_STREAM and not any(f.flags & END_HEADERS for f in frames[:-1]),
          "flags %r" % [f.flags for f in frames])
    check(sum(len(v) for k, v in hdrs if k.startswith(b"x-pad-")) == 30000, "x-pad bytes")
    p.send(p.headers_frame(1, [(b":status", b"200")], end_stream=True))
    d.finish()
    check(client_results(d).get(1) == "status 200 bytes 0 trailers none match 1",
          "result %r" % client_results(d))


def test_client_continuation():
    """We send a ~30 KB request block (~22 KB Huffman-coded (peer max frame 16384: CONTINUATION);
    hyper-h2 answers with a block split at 1000 bytes."""
    d, p = h2_server("--streams=1", "--body=100", "--header-bytes=30000", "--verbose",
                     echo=False)

    def respond(peer, ev):
        if isinstance(ev, h2.events.StreamEnded):
            peer.conn.max_outbound_frame_size = 1000
            for s in peer.conn.streams.values():
                s.max_outbound_frame_size = 1000
            peer.conn.send_headers(ev.stream_id, [(b":status", b"200"),
                                                  (b"x-resp", b"r" * 5000)])
            peer.send_body(ev.stream_id, bytes(peer.rec(ev.stream_id).data), end=True,
                           trailers=[(b"grpc-status", b"0")])
    p.hook = respond
    deadline = time.monotonic() + 15
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    hd = p.rec(1).headers or []
    pad = sum(len(v) for k, v in hd if k.startswith(b"x-pad-"))
    check(pad == 30000, "x-pad-* bytes received by hyper-h2: %d" % pad)
    check(client_results(d).get(1) == "status 200 bytes 100 trailers ok match 1",
          "result %r" % client_results(d))
    d.wait_line(r"^event header id=1 kind=0 x-resp=r+ len=5000$")


# ---------------------------------------------------------------------------
# Flow control
# ---------------------------------------------------------------------------

def test_server_small_windows():
    """Our window 1024, the peer's 100: 100 KB bodies stall and resume
    hundreds of times; every DATA frame we send fits the peer's window."""
    d, p = h2_client("--initial-window=1024",
                     settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 100})
    bodies = [pattern(100000, 1), pattern(100000, 2)]
    sids = run_h2_requests(p, bodies)
    for sid, body in zip(sids, bodies):
        check_echo(p, sid, body)
        check(max(p.rec(sid).frames) <= 100, "DATA frame of %d bytes beyond the "
              "peer's 100-byte window" % max(p.rec(sid).frames))


def test_server_stall_and_resume():
    """The app holds a stream's data for 1.5 s: the peer's send window for
    it drops to 0 and stays there (no WINDOW_UPDATE for bytes nobody
    consumed); after the hold everything flows and is echoed."""
    d, p = h2_client("--initial-window=1024")
    body = pattern(100000, 9)
    sid = p.conn.get_next_available_stream_id()
    t0 = time.monotonic()
    p.conn.send_headers(sid, req_headers(extra=[(b"x-hold-ms", b"1500")]))
    p.send_body(sid, body, end=True)
    p.run_for(0.8)
    check(p.conn.local_flow_control_window(sid) == 0,
          "send window %d while the app holds (want 0)" % p.conn.local_flow_control_window(sid))
    check(len(p.queue[sid].data) == len(body) - 1024,
          "sent %d bytes during the hold, window was 1024"
          % (len(body) - len(p.queue[sid].data)))
    check(p.rec(sid).headers is None, "answered during the hold")
    p.run_until(lambda: p.rec(sid).ended or p.rec(sid).reset is not None, "echo", 30)
    check(time.monotonic() - t0 >= 1.4, "stream finished before the hold ended")
    check_echo(p, sid, body)
    d.wait_line(r"^event remote_end id=1 bytes=100000$")


def test_server_max_frame_size_change():
    """The peer allows 64 KB frames, then lowers MAX_FRAME_SIZE to 16384
    mid-stream: once our ACK of that SETTINGS is sent, no DATA frame is
    larger than 16384.  The peer's 200 KB window is not reopened until the
    ACK, so most of the echo is sent after the change."""
    SC = h2.settings.SettingCodes
    state = {"mark": None, "ack_at": None}
    d, p = h2_client("--max-frame=65536", "--initial-window=1048576",
                     settings={SC.MAX_FRAME_SIZE: 65536, SC.INITIAL_WINDOW_SIZE: 200000})
    p.conn.increment_flow_control_window(150000)
    p.auto_ack = False
    p.chunk = 65536
    body = pattern(600000, 3)
    sid = p.conn.get_next_available_stream_id()

    def hook(peer, ev):
        if (isinstance(ev, h2.events.DataReceived) and state["mark"] is None and
                len(peer.rec(sid).data) >= 150000):
            state["mark"] = len(peer.events)
            peer.conn.update_settings({SC.MAX_FRAME_SIZE: 16384})
        if (isinstance(ev, h2.events.SettingsAcknowledged) and state["mark"] is not None
                and state["ack_at"] is None):
            state["ack_at"] = len(peer.events) - 1
            peer.auto_ack = True
            peer.conn.acknowledge_received_data(sum(peer.rec(sid).frames), sid)
    p.hook = hook
    p.conn.send_headers(sid, req_headers())
    p.send_body(sid, body, end=True)
    p.run_until(lambda: p.rec(sid).ended or p.rec(sid).reset is not None, "echo", 30)
    check_echo(p, sid, body)
    check(state["ack_at"] is not None, "our MAX_FRAME_SIZE change was never ACKed")
    before = [e.flow_controlled_length for e in p.events[:state["ack_at"]]
              if isinstance(e, h2.events.DataReceived)]
    after = [e.flow_controlled_length for e in p.events[state["ack_at"]:]
             if isinstance(e, h2.events.DataReceived)]
    check(max(before) <= 65536, "DATA frame of %d > 65536" % max(before))
    check(sum(after) >= 300000, "only %d bytes echoed after the change" % sum(after))
    check(max(after) <= 16384, "DATA frame of %d after the ACK of MAX_FRAME_SIZE=16384"
          % max(after))
    log("largest DATA frame before the change: %d" % max(before))


def test_client_small_windows():
    SC = h2.settings.SettingCodes
    d, p = h2_server("--initial-window=1024", "--streams=4", "--body=100000",
                     settings={SC.INITIAL_WINDOW_SIZE: 100})
    deadline = time.monotonic() + 40
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    check(d.finish() == 0, "driver failed: %s" % d.lines[-8:])
    res = client_results(d)
    for sid in (1, 3, 5, 7):
        check(res.get(sid) == "status 200 bytes 100000 trailers ok match 1",
              "stream %d: %r" % (sid, res.get(sid)))
        check(max(p.rec(sid).frames) <= 100, "client DATA frame %d > window 100"
              % max(p.rec(sid).frames))


def test_client_max_frame_size_change():
    """As test_server_max_frame_size_change, for our client's request body.
    The server's windows (200 KB, not acknowledged until our ACK of the
    new SETTINGS) make sure most of the body is sent after the change."""
    SC = h2.settings.SettingCodes
    state = {"mark": None, "ack_at": None}
    d, p = h2_server("--streams=1", "--body=600000", "--initial-window=1048576",
                     settings={SC.MAX_FRAME_SIZE: 65536, SC.INITIAL_WINDOW_SIZE: 200000})
    p.conn.increment_flow_control_window(150000)
    p.auto_ack = False

    def hook(peer, ev):
        if (isinstance(ev, h2.events.DataReceived) and state["mark"] is None and
                len(peer.rec(1).data) >= 150000):
            state["mark"] = len(peer.events)
            peer.conn.update_settings({SC.MAX_FRAME_SIZE: 16384})
        if (isinstance(ev, h2.events.SettingsAcknowledged) and state["mark"] is not None
                and state["ack_at"] is None):
            state["ack_at"] = len(peer.events) - 1
            peer.auto_ack = True
            peer.conn.acknowledge_received_data(sum(peer.rec(1).frames), 1)
    p.hook = hook
    deadline = time.monotonic() + 30
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    check(client_results(d).get(1) == "status 200 bytes 600000 trailers ok match 1",
          "result %r" % client_results(d))
    check(state["ack_at"] is not None, "MAX_FRAME_SIZE change not ACKed")
    ack_at = state["ack_at"]
    after = [e.flow_controlled_length for e in p.events[ack_at:]
             if isinstance(e, h2.events.DataReceived) and e.stream_id == 1]
    before = [e.flow_controlled_length for e in p.events[:ack_at]
              if isinstance(e, h2.events.DataReceived) and e.stream_id == 1]
    check(max(before) <= 65536, "frame %d > 65536" % max(before))
    check(sum(after) >= 300000, "only %d bytes sent after the change" % sum(after))
    check(max(after) <= 16384, "client DATA frame %d after the ACK" % max(after))
    log("largest client DATA frame before the change: %d" % max(before))


def read_data_until(p, sid, total, got, what):
    """Read frames, adding stream sid's DATA to got (a bytearray) until it
    holds `total` bytes."""
    while len(got) < total:
        f = p.wait_frame(lambda f: f.sid == sid and f.type in (DATA, HEADERS, RST_STREAM),
                         what)
        if f.type == HEADERS and not f.flags & END_STREAM:
            p.read_header_block(f)      # the response headers
            continue
        check(f.type == DATA, "%r while waiting for %s" % (f, what))
        got += f.payload
    check(len(got) == total, "%s: %d bytes, window allowed %d" % (what, len(got), total))


def no_data_for(p, sid, seconds):
    """Nothing arrives on sid for a while (the window is closed)."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        try:
            f = p.read_frame(left)
        except Fail:
            return  # timeout: nothing came
        check(f is not None, "EOF")
        check(not (f.sid == sid and f.type == DATA),
              "DATA (%d bytes) sent on a closed window" % len(f.payload))
        p.auto_answer(f)


def test_server_negative_window():
    """RFC 9113 6.9.2: lowering SETTINGS_INITIAL_WINDOW_SIZE after the
    engine used its window makes the stream window negative; it sends
    nothing until WINDOW_UPDATEs bring it above zero, then exactly what
    the window allows."""
    d, p, _, _ = raw_client(settings=settings_payload((S_INITIAL_WINDOW_SIZE, 10000)))
    body = pattern(30000, 7)
    p.send(open_stream(p, 1, extra=[]), frame(DATA, 0, 1, body[:15000]),
           frame(DATA, END_STREAM, 1, body[15000:]))
    got = bytearray()
    read_data_until(p, 1, 10000, got, "the first 10000 bytes")
    no_data_for(p, 1, 0.3)
    p.send(frame(SETTINGS, 0, 0, settings_payload((S_INITIAL_WINDOW_SIZE, 4000))))
    p.wait_frame(lambda f: f.type == SETTINGS and f.flags & ACK, "SETTINGS ACK")
    p.send(wu(1, 5000))                  # window -6000 + 5000 = -1000
    no_data_for(p, 1, 0.3)
    p.send(wu(1, 3000))                  # window 2000
    read_data_until(p, 1, 12000, got, "2000 more bytes")
    no_data_for(p, 1, 0.3)
    p.send(wu(1, 100000))
    read_data_until(p, 1, 30000, got, "the rest")
    check(bytes(got) == body, "echo content differs")
    f = p.wait_frame(lambda f: f.sid == 1 and f.type == HEADERS, "trailers")
    check(f.flags & END_STREAM, "trailers without END_STREAM")


# ---------------------------------------------------------------------------
# PING, GOAWAY, RST_STREAM
# ---------------------------------------------------------------------------

def test_server_ping():
    d, p = h2_client("--ping")
    p.conn.ping(b"\x01\x02\x03\x04\xfa\xfb\xfc\xfd")
    p.run_until(lambda: any(isinstance(e, h2.events.PingAckReceived) for e in p.events),
                "PING ACK")
    ack = next(e for e in p.events if isinstance(e, h2.events.PingAckReceived))
    check(ack.ping_data == b"\x01\x02\x03\x04\xfa\xfb\xfc\xfd", "PING ACK payload %r" % ack.ping_data)
    check(any(isinstance(e, h2.events.PingReceived) and e.ping_data == b"lwgping1"
              for e in p.events), "the engine's own PING never arrived")
    d.wait_line(r"^event ping_ack payload=6c776770696e6731$")
    # raw: the ACK is a PING with flag ACK, stream 0, same 8 bytes
    d2, r, _, _ = raw_client()
    r.send(ping(b"\0\xff\0\xff\0\xff\0\xff"))
    f = r.wait_frame(lambda f: f.type == PING, "PING ACK")
    check(f.flags == ACK and f.sid == 0 and f.payload == b"\0\xff\0\xff\0\xff\0\xff", "%r" % f)
    # a PING ACK we never asked for is ignored
    r.send(ping(b"unasked!", ACK))
    r.ping_alive()


def test_client_ping():
    def hook(peer, ev):
        if isinstance(ev, h2.events.RequestReceived):
            peer.conn.ping(b"srvping!")
    d, p = h2_server("--streams=1", "--body=10", "--ping", hook=hook)
    deadline = time.monotonic() + 15
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    check(any(isinstance(e, h2.events.PingAckReceived) and e.ping_data == b"srvping!"
              for e in p.events), "our client did not ACK the PING")
    d.wait_line(r"^event ping_ack payload=6c776770696e6731$")
    check(client_results(d).get(1) == "status 200 bytes 10 trailers ok match 1",
          "result %r" % client_results(d))


def test_client_goaway_refuses_higher_streams():
    """5 requests; the server sends GOAWAY(last=5) then completes 1, 3 and
    5: our client reports 7 and 9 as refused."""
    state = {"sent": False}
    d, p = h2_server("--streams=5", "--body=1000", echo=False)

    def hook(peer, ev):
        if state["sent"] or not isinstance(ev, h2.events.StreamEnded):
            return
        if all(peer.rec(s).ended for s in (1, 3, 5, 7, 9)):
            state["sent"] = True
            peer.raw(frame(GOAWAY, 0, 0, struct.pack(">II", 5, NO_ERROR) + b"bye"))
            for s in (1, 3, 5):
                peer.conn.send_headers(s, [(b":status", b"200")])
                peer.send_body(s, bytes(peer.rec(s).data), end=True,
                               trailers=[(b"x-trailer", b"done")])
    p.hook = hook
    deadline = time.monotonic() + 15
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    res = client_results(d)
    for s in (1, 3, 5):
        check(res.get(s) == "status 200 bytes 1000 trailers ok match 1", "stream %d: %r" % (s, res))
    for s in (7, 9):
        check(res.get(s) == "refused", "stream %d: %r" % (s, res))
    check(result_counts(d) == (3, 0, 2, 0), "counts %r" % (result_counts(d),))
    d.wait_line(r"^event goaway last=5 code=0 debug=bye$")


def test_client_goaway_then_no_new_streams():
    """GOAWAY(last=1) while more requests wait for a slot (peer allows one
    stream at a time): the waiting ones are never sent."""
    SC = h2.settings.SettingCodes
    state = {"sent": False}
    d, p = h2_server("--streams=3", "--body=10", echo=False,
                     settings={SC.MAX_CONCURRENT_STREAMS: 1})

    def hook(peer, ev):
        if isinstance(ev, h2.events.StreamEnded) and ev.stream_id == 1 and not state["sent"]:
            state["sent"] = True
            peer.raw(frame(GOAWAY, 0, 0, struct.pack(">II", 1, NO_ERROR)))
            peer.conn.send_headers(1, [(b":status", b"200")])
            peer.send_body(1, bytes(peer.rec(1).data), end=True,
                           trailers=[(b"x-trailer", b"done")])
    p.hook = hook
    deadline = time.monotonic() + 15
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    check(sorted(p.streams) == [1], "streams opened after GOAWAY: %r" % sorted(p.streams))
    ok, reset, refused, failed = result_counts(d)
    check((ok, refused, failed) == (1, 2, 0), "counts %r" % ((ok, reset, refused, failed),))


def test_server_goaway_from_peer():
    """The client's GOAWAY(NO_ERROR) does not stop its own open stream."""
    d, p = h2_client()
    sid = p.conn.get_next_available_stream_id()
    p.conn.send_headers(sid, req_headers(extra=[(b"x-hold-ms", b"300")]))
    p.send_body(sid, b"still here", end=True)
    p.run_for(0.1)
    p.raw(frame(GOAWAY, 0, 0, struct.pack(">II", 0, NO_ERROR) + b"client bye"))
    p.run_until(lambda: p.rec(sid).ended or p.rec(sid).reset is not None, "echo")
    check_echo(p, sid, b"still here")
    d.wait_line(r"^event goaway last=0 code=0 debug=client.bye$")
    p.close()
    d.finish()


def test_server_sends_goaway():
    """--goaway-after=3: GOAWAY(last=5, NO_ERROR) once stream 5 opens;
    streams 1, 3, 5 complete; stream 7 is not processed."""
    d, p, _, _ = raw_client("--goaway-after=3")
    for sid in (1, 3, 5):
        p.send(p.headers_frame(sid, req_headers(extra=[(b"x-hold-ms", b"400")]),
                               end_stream=False),
               frame(DATA, END_STREAM, sid, b"data%d" % sid))
    g = p.wait_frame(lambda f: f.type == GOAWAY, "GOAWAY", fail_on_goaway=False)
    last, code = struct.unpack(">II", g.payload[:8])
    check((last, code) == (5, NO_ERROR) and g.payload[8:] == b"draining",
          "GOAWAY %r %r" % ((last, code), g.payload[8:]))
    p.send(p.headers_frame(7, req_headers()))
    done = set()
    data = {}
    deadline = time.monotonic() + 5
    while done != {1, 3, 5}:
        check(time.monotonic() < deadline, "streams not completed after GOAWAY: %r" % done)
        f = p.read_frame()
        check(f is not None, "EOF before streams 1, 3, 5 completed (%r)" % done)
        if f.sid == 7 and f.type != RST_STREAM:
            raise Fail("stream 7 above GOAWAY's last-stream-id was processed: %r" % f)
        if f.sid == 7:
            check(struct.unpack(">I", f.payload)[0] == REFUSED_STREAM, "stream 7: %r" % f)
        if f.type == DATA:
            data[f.sid] = data.get(f.sid, b"") + f.payload
        if f.type == HEADERS and f.flags & END_STREAM:
            done.add(f.sid)
        check(f.type != RST_STREAM or f.sid == 7, "%r" % f)
    for sid in (1, 3, 5):
        check(data.get(sid) == b"data%d" % sid, "echo of stream %d: %r" % (sid, data.get(sid)))
    check(not d.has_line(r"^event stream_open id=7$"), "stream 7 reached the app")
    # the client says goodbye too; the engine closes.
    p.send(frame(GOAWAY, 0, 0, struct.pack(">II", 0, NO_ERROR)))
    deadline = time.monotonic() + 5
    while True:
        check(time.monotonic() < deadline, "engine did not close after GOAWAY both ways")
        f = p.read_frame()
        if f is None:
            break
    d.finish()
    d.wait_line(r"^event wants_close$")


def test_server_rst_from_app():
    """x-reset: CODE → RST_STREAM(CODE) for that stream only."""
    d, p = h2_client()
    s1 = p.conn.get_next_available_stream_id()
    p.conn.send_headers(s1, req_headers(extra=[(b"x-reset", b"8")]), end_stream=True)
    s2 = p.conn.get_next_available_stream_id()
    p.conn.send_headers(s2, req_headers(extra=[(b"x-reset", b"0xb")]), end_stream=False)
    s3 = run_h2_requests(p, [b"fine"])[0]
    p.run_until(lambda: p.rec(s1).reset is not None and p.rec(s2).reset is not None, "resets")
    check(p.rec(s1).reset == CANCEL, "stream %d reset code %r" % (s1, p.rec(s1).reset))
    check(p.rec(s2).reset == ENHANCE_YOUR_CALM, "stream %d reset %r" % (s2, p.rec(s2).reset))
    check_echo(p, s3, b"fine")
    d.wait_line(r"^event stream_close id=1 how=2 code=8$")
    d.wait_line(r"^event stream_close id=3 how=2 code=11$")


def test_server_rst_from_peer():
    """The peer resets a stream (code passed up as how=1), then keeps
    sending frames the engine must drop; the connection goes on."""
    d, p, _, _ = raw_client()
    p.send(p.headers_frame(1, req_headers(extra=[(b"x-hold-ms", b"5000")]), end_stream=False),
           frame(DATA, 0, 1, b"x" * 100))
    d.wait_line(r"^event stream_open id=1$")
    p.send(rst(1, 0x1234))
    d.wait_line(r"^event stream_close id=1 how=1 code=4660$")
    # frames in flight after our RST: WINDOW_UPDATE and PRIORITY are fine,
    # late DATA is answered with at most a stream error
    p.send(wu(1, 100), frame(PRIORITY, 0, 1, struct.pack(">IB", 0, 10)))
    p.ping_alive()
    p.send(p.headers_frame(3, req_headers()))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 3, "response on stream 3")
    check(dict(p.read_header_block(hf)[0]).get(b":status") == b"200", "stream 3 not answered")


def test_server_reset_mid_body_returns_credit():
    """The app resets stream 1 after 1000 bytes while the peer is still
    sending 200 KB; the DATA that arrives after our RST must still be
    credited to the connection window (--conn-window=65535), or stream 3
    would starve."""
    d, p = h2_client("--conn-window=65535")
    s1 = p.conn.get_next_available_stream_id()
    p.conn.send_headers(s1, req_headers(extra=[(b"x-reset-after-bytes", b"1000")]))
    p.send_body(s1, pattern(200000, 4), end=True)
    p.run_until(lambda: p.rec(s1).reset is not None, "RST of stream 1")
    check(p.rec(s1).reset == CANCEL, "reset code %r" % p.rec(s1).reset)
    body = pattern(150000, 6)
    s3 = run_h2_requests(p, [body])[0]
    check_echo(p, s3, body)


def test_client_rst_from_server():
    """The server resets streams 3 (CANCEL), 5 (ENHANCE_YOUR_CALM) and 7
    (REFUSED_STREAM: reported as refused, safe to retry)."""
    codes = {3: CANCEL, 5: ENHANCE_YOUR_CALM, 7: REFUSED_STREAM}

    def pre_hook(peer, ev):
        sid = getattr(ev, "stream_id", None)
        if sid not in codes:
            return False
        if isinstance(ev, h2.events.RequestReceived):
            peer.conn.reset_stream(sid, codes[sid])
        return True
    d, p = h2_server("--streams=4", "--body=0", echo=True)
    p.pre_hook = pre_hook
    deadline = time.monotonic() + 15
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    res = client_results(d)
    check(res.get(1) == "status 200 bytes 0 trailers ok match 1", "stream 1 %r" % res)
    check(res.get(3) == "reset 8", "stream 3 %r" % res.get(3))
    check(res.get(5) == "reset 11", "stream 5 %r" % res.get(5))
    check(res.get(7) == "refused", "stream 7 %r" % res.get(7))


def test_client_rst_to_server():
    d, p = h2_server("--streams=2", "--body=5000", "--rst=1:8")
    deadline = time.monotonic() + 15
    while d.proc.poll() is None and time.monotonic() < deadline:
        p.pump()
    d.finish()
    res = client_results(d)
    check(res.get(1) == "status 200 bytes 5000 trailers ok match 1", "stream 1 %r" % res)
    check(res.get(3) == "reset_us 8", "stream 3 %r" % res.get(3))
    check(p.rec(3).reset == CANCEL, "hyper-h2 saw stream 3 reset with %r" % p.rec(3).reset)


# ---------------------------------------------------------------------------
# Deliberate protocol errors from the peer
# ---------------------------------------------------------------------------
#
# Each case: (name, driver args, what to send after the handshake, the
# expected answer).  `send` is a function of the RawPeer so it can use the
# connection's HPACK encoder.  Expected answers:
#   ("goaway", code[, last_id])   connection error, then the engine closes
#   ("rst", sid, code)            stream error; the connection stays alive
#   ("either", code)              GOAWAY(code) or RST_STREAM(code): the RFC
#                                 allows both
# "opens" lists stream ids the app saw open, for which the driver must
# print on_stream_close(how=RESET_US, code).

HOLD = [(b"x-hold-ms", b"5000")]


def open_stream(p, sid, end_stream=False, extra=HOLD):
    return p.headers_frame(sid, req_headers(extra=extra), end_stream=end_stream)


def continuation_flood(p, n, piece):
    block = p.enc.encode(req_headers())
    # a literal (no indexing, new name "x-flood") whose 4000-byte value
    # (7-bit prefix: 0x7f, then 3873 = 0xa1 0x1e) trickles in `piece` bytes
    # per CONTINUATION frame
    frames = [frame(HEADERS, 0, 1, block + b"\x00\x07x-flood\x7f\xa1\x1e")]
    frames += [frame(CONTINUATION, 0, 1, b"a" * piece) for _ in range(n)]
    return b"".join(frames)


SERVER_ERRORS = [
    ("data_on_stream_0", [], lambda p: frame(DATA, 0, 0, b"abc"),
     ("goaway", PROTOCOL_ERROR, 0)),
    ("headers_even_stream_id", [], lambda p: p.headers_frame(2, req_headers()),
     ("goaway", PROTOCOL_ERROR)),
    ("push_promise_to_server", [], lambda p: open_stream(p, 1) + frame(
        PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) + b"\x82"),
     ("goaway", PROTOCOL_ERROR)),
    ("window_update_overflow_conn", [], lambda p: wu(0, 0x7fffffff),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("window_update_overflow_stream", [], lambda p: open_stream(p, 1) + wu(1, 0x7fffffff),
     ("rst", 1, FLOW_CONTROL_ERROR), [1]),
    ("window_update_overflow_stream_in_steps", [],
     lambda p: open_stream(p, 1) + wu(1, 0x40000000) + wu(1, 0x40000000),
     ("rst", 1, FLOW_CONTROL_ERROR), [1]),
    ("window_update_zero_conn", [], lambda p: wu(0, 0), ("goaway", PROTOCOL_ERROR)),
    ("window_update_zero_stream", [], lambda p: open_stream(p, 1) + wu(1, 0),
     ("rst", 1, PROTOCOL_ERROR), [1]),
    ("window_update_bad_length", [],
     lambda p: frame(WINDOW_UPDATE, 0, 0, b"\0\0\1"), ("goaway", FRAME_SIZE_ERROR)),
    ("settings_bad_length", [], lambda p: frame(SETTINGS, 0, 0, b"\0\4\0\0\1"),
     ("goaway", FRAME_SIZE_ERROR)),
    ("settings_ack_with_payload", [],
     lambda p: frame(SETTINGS, ACK, 0, settings_payload((S_ENABLE_PUSH, 0))),
     ("goaway", FRAME_SIZE_ERROR)),
    ("settings_on_a_stream", [], lambda p: frame(SETTINGS, 0, 1, b""),
     ("goaway", PROTOCOL_ERROR)),
    ("settings_initial_window_too_large", [],
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_INITIAL_WINDOW_SIZE, 0x80000000))),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("settings_max_frame_too_small", [],
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_MAX_FRAME_SIZE, 16383))),
     ("goaway", PROTOCOL_ERROR)),
    ("settings_max_frame_too_large", [],
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_MAX_FRAME_SIZE, 1 << 24))),
     ("goaway", PROTOCOL_ERROR)),
    ("settings_enable_push_2", [],
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_ENABLE_PUSH, 2))),
     ("goaway", PROTOCOL_ERROR)),
    ("settings_window_change_overflows_stream", [],
     lambda p: open_stream(p, 1) + wu(1, 0x7fffffff - 65535) +
     frame(SETTINGS, 0, 0, settings_payload((S_INITIAL_WINDOW_SIZE, 65536))),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("ping_length_7", [], lambda p: frame(PING, 0, 0, b"1234567"),
     ("goaway", FRAME_SIZE_ERROR)),
    ("ping_on_a_stream", [], lambda p: ping(sid=1), ("goaway", PROTOCOL_ERROR)),
    ("goaway_on_a_stream", [], lambda p: frame(GOAWAY, 0, 1, struct.pack(">II", 0, 0)),
     ("goaway", PROTOCOL_ERROR)),
    ("headers_larger_than_max_frame", [],
     lambda p: frame(HEADERS, END_HEADERS | END_STREAM, 1,
                     (p.enc.encode(req_headers()) + b"\x00" * 16385)[:16385]),
     ("goaway", FRAME_SIZE_ERROR)),
    ("data_larger_than_max_frame", [],
     lambda p: open_stream(p, 1) + frame(DATA, 0, 1, b"d" * 16385),
     ("either", FRAME_SIZE_ERROR)),
    ("continuation_without_headers", [],
     lambda p: frame(CONTINUATION, END_HEADERS, 1, b"\x82"), ("goaway", PROTOCOL_ERROR)),
    ("continuation_after_end_headers", [],
     lambda p: open_stream(p, 1) + frame(CONTINUATION, END_HEADERS, 1, b"\x82"),
     ("goaway", PROTOCOL_ERROR)),
    ("continuation_on_another_stream", [],
     lambda p: frame(HEADERS, 0, 1, p.enc.encode(req_headers())) +
     frame(CONTINUATION, END_HEADERS, 3, b""), ("goaway", PROTOCOL_ERROR)),
    ("ping_inside_header_block", [],
     lambda p: frame(HEADERS, END_STREAM, 1, p.enc.encode(req_headers())) + ping(),
     ("goaway", PROTOCOL_ERROR)),
    ("data_inside_header_block", [],
     lambda p: open_stream(p, 1) + frame(HEADERS, 0, 3, p.enc.encode(req_headers())) +
     frame(DATA, 0, 1, b"x"), ("goaway", PROTOCOL_ERROR)),
    ("data_beyond_stream_window", ["--initial-window=1024"],
     lambda p: open_stream(p, 1) + frame(DATA, 0, 1, b"w" * 1025),
     ("rst", 1, FLOW_CONTROL_ERROR), [1]),
    ("data_beyond_stream_window_in_steps", ["--initial-window=1024"],
     lambda p: open_stream(p, 1) + frame(DATA, 0, 1, b"w" * 1000) +
     frame(DATA, PADDED, 1, b"\x10" + b"w" * 16 + b"\0" * 16),
     ("rst", 1, FLOW_CONTROL_ERROR), [1]),
    ("data_beyond_conn_window", ["--conn-window=65535"],
     lambda p: open_stream(p, 1) + open_stream(p, 3) +
     b"".join(frame(DATA, 0, 1, b"c" * 16000) for _ in range(3)) +
     b"".join(frame(DATA, 0, 3, b"c" * 9000) for _ in range(2)),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("data_on_half_closed_remote", [],
     lambda p: open_stream(p, 1, end_stream=True) + frame(DATA, 0, 1, b"late"),
     ("rst", 1, STREAM_CLOSED), [1]),
    ("data_on_idle_stream", [], lambda p: frame(DATA, 0, 1, b"idle"),
     ("goaway", PROTOCOL_ERROR)),
    ("rst_stream_on_idle_stream", [], lambda p: rst(1, CANCEL), ("goaway", PROTOCOL_ERROR)),
    ("window_update_on_idle_stream", [], lambda p: wu(1, 10), ("goaway", PROTOCOL_ERROR)),
    ("rst_stream_bad_length", [], lambda p: open_stream(p, 1) +
     frame(RST_STREAM, 0, 1, b"\0\0\0"), ("goaway", FRAME_SIZE_ERROR)),
    ("priority_bad_length", [], lambda p: frame(PRIORITY, 0, 1, b"\0\0\0\0"),
     ("either", FRAME_SIZE_ERROR)),
    ("priority_depends_on_itself", [],
     lambda p: open_stream(p, 1) + frame(PRIORITY, 0, 1, struct.pack(">IB", 1, 16)),
     ("either", PROTOCOL_ERROR)),
    ("headers_depend_on_itself", [],
     lambda p: frame(HEADERS, END_HEADERS | END_STREAM | PRIO_FLAG, 1,
                     struct.pack(">IB", 1, 16) + p.enc.encode(req_headers())),
     ("rst", 1, PROTOCOL_ERROR)),
    ("hpack_index_zero", [], lambda p: frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x80"),
     ("goaway", COMPRESSION_ERROR)),
    ("hpack_index_out_of_range", [],
     lambda p: frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x82\xff\x80\x01"),
     ("goaway", COMPRESSION_ERROR)),
    ("hpack_bad_huffman", [],
     lambda p: frame(HEADERS, END_HEADERS | END_STREAM, 1,
                     b"\x82\x00\x83\xff\xff\xff\x01a"), ("goaway", COMPRESSION_ERROR)),
    ("hpack_table_size_above_setting", [],
     lambda p: frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x3f\xe1\x3f\x82"),
     ("goaway", COMPRESSION_ERROR)),
    ("uppercase_header_name", [],
     lambda p: p.headers_frame(1, req_headers(extra=[(b"X-Upper", b"1")])),
     ("rst", 1, PROTOCOL_ERROR)),
    ("connection_specific_header", [],
     lambda p: p.headers_frame(1, req_headers(extra=[(b"connection", b"keep-alive")])),
     ("rst", 1, PROTOCOL_ERROR)),
    ("missing_method", [],
     lambda p: p.headers_frame(1, [h for h in req_headers() if h[0] != b":method"]),
     ("rst", 1, PROTOCOL_ERROR)),
    ("pseudo_header_after_regular", [],
     lambda p: p.headers_frame(1, req_headers()[1:] + [(b":method", b"POST")]),
     ("rst", 1, PROTOCOL_ERROR)),
    ("second_headers_without_end_stream", [],
     lambda p: open_stream(p, 1) + p.headers_frame(1, [(b"x-t", b"1")], end_stream=False),
     ("rst", 1, PROTOCOL_ERROR), [1]),
    ("headers_on_lower_stream_id", [],
     lambda p: open_stream(p, 5) + p.headers_frame(3, req_headers()),
     ("goaway", PROTOCOL_ERROR, 5)),
    ("continuation_flood_1_byte", [], lambda p: continuation_flood(p, 200, 1),
     ("goaway", ENHANCE_YOUR_CALM)),
    ("continuation_flood_empty", [], lambda p: continuation_flood(p, 1000, 0),
     ("goaway", ENHANCE_YOUR_CALM)),
    ("data_bad_padding", [],
     lambda p: open_stream(p, 1) + frame(DATA, PADDED, 1, b"\x09abcd"),
     ("goaway", PROTOCOL_ERROR)),
    ("data_padding_equal_to_length", [],     # 5-byte payload, pad length 5
     lambda p: open_stream(p, 1) + frame(DATA, PADDED, 1, b"\x05abcd"),
     ("goaway", PROTOCOL_ERROR)),
    ("data_padded_empty_payload", [],
     lambda p: open_stream(p, 1) + frame(DATA, PADDED, 1, b""),
     ("goaway", (FRAME_SIZE_ERROR, PROTOCOL_ERROR))),
    ("headers_bad_padding", [],
     lambda p: frame(HEADERS, END_HEADERS | PADDED, 1, b"\x09\x82\x86\x84"),
     ("goaway", PROTOCOL_ERROR)),
    # RFC 9113 §8.1.1: DATA must add up to content-length
    ("content_length_exceeded", [],
     lambda p: open_stream(p, 1, extra=[(b"content-length", b"3")]) +
     frame(DATA, 0, 1, b"ab") + frame(DATA, END_STREAM, 1, b"cd"),
     ("rst", 1, PROTOCOL_ERROR)),
    ("content_length_short", [],
     lambda p: open_stream(p, 1, extra=[(b"content-length", b"10")]) +
     frame(DATA, END_STREAM, 1, b"abc"),
     ("rst", 1, PROTOCOL_ERROR)),
    ("content_length_no_data", [],
     lambda p: p.headers_frame(1, req_headers(extra=[(b"content-length", b"5")])),
     ("rst", 1, PROTOCOL_ERROR)),
    ("content_length_not_digits", [],
     lambda p: p.headers_frame(1, req_headers(extra=[(b"content-length", b"5x")])),
     ("rst", 1, PROTOCOL_ERROR)),
    ("content_length_two_values", [],
     lambda p: open_stream(p, 1, extra=[(b"content-length", b"2"),
                                        (b"content-length", b"3")]) +
     frame(DATA, END_STREAM, 1, b"ab"),
     ("rst", 1, PROTOCOL_ERROR)),
    ("content_length_two_large_values", [],  # above 4 GiB, compared in full
     lambda p: p.headers_frame(1, req_headers(extra=[(b"content-length", b"5000000000"),
                                                     (b"content-length", b"5000000001")])),
     ("rst", 1, PROTOCOL_ERROR)),
]


def server_error_case(args, send, expect, opens=()):
    d, p, _, _ = raw_client(*args)
    p.send(send(p))
    kind = expect[0]
    if kind == "goaway":
        last = expect[2] if len(expect) > 2 else None
        g = p.expect_goaway(expect[1], last)
        sent = struct.unpack(">I", g.payload[4:8])[0]
        d.finish()
        fatal, code = d.exit_code_line()
        check(fatal != 0 and code == sent, "driver exit line fatal=%d code=%d" % (fatal, code))
        d.wait_line(r"^event conn_error err=-?\d+ code=%d$" % sent)
    elif kind == "rst":
        sid, code = expect[1], expect[2]
        p.expect_rst(sid, code)
        p.ping_alive()
        for s in opens:
            d.wait_line(r"^event stream_close id=%d how=2 code=%d$" % (s, code))
        # the connection (and its HPACK state) still serves a new stream
        p.send(p.headers_frame(101, req_headers()))
        hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 101, "response on stream 101")
        hd = dict(p.read_header_block(hf)[0])
        check(hd.get(b":status") == b"200", "stream 101 after the stream error: %r" % hd)
    else:
        code = expect[1]
        f = p.wait_frame(lambda f: f.type in (GOAWAY, RST_STREAM), "GOAWAY or RST_STREAM",
                         fail_on_goaway=False)
        got = struct.unpack(">I", f.payload[4:8] if f.type == GOAWAY else f.payload[:4])[0]
        check(got == code, "%r: code %d, wanted %d" % (f, got, code))
        if f.type == RST_STREAM:
            p.ping_alive()


def test_server_padding_ok():
    """Valid padding is stripped, and padding is returned to the windows:
    10 KB of mostly-padding DATA through a 1 KB stream window (positive
    control; a stream that never got its padding back would stall)."""
    d, p, _, _ = raw_client("--initial-window=1024", "--conn-window=65535")
    p.send(open_stream(p, 1, extra=[]))
    payload = b"\xc8" + b"p" * 50 + b"\0" * 200   # 50 data bytes, 200 padding
    window = 1024
    got = b""
    sent = 0
    while sent < 40:
        while window < len(payload):
            f = p.wait_frame(lambda f: f.sid == 1, "WINDOW_UPDATE (window %d)" % window)
            if f.type == WINDOW_UPDATE:
                window += struct.unpack(">I", f.payload)[0]
            elif f.type == DATA:
                got += f.payload
            else:
                check(f.type == HEADERS, "unexpected %r" % f)
        p.send(frame(DATA, PADDED, 1, payload))
        window -= len(payload)
        sent += 1
    p.send(frame(DATA, END_STREAM, 1, b""))
    while True:
        f = p.wait_frame(lambda f: f.sid == 1 and f.type in (DATA, HEADERS), "echo")
        if f.type == DATA:
            got += f.payload
        if f.flags & END_STREAM:
            break
    check(got == b"p" * 50 * 40, "echo of padded DATA: %d bytes" % len(got))


def test_server_content_length_matches():
    """content-length that the DATA adds up to (in two frames, one of them
    padded; a repeated equal value; 0 with no DATA) is a normal request."""
    d, p, _, _ = raw_client()
    p.send(p.headers_frame(1, req_headers(extra=[(b"content-length", b"5"),
                                                 (b"content-length", b"5")]),
                           end_stream=False),
           frame(DATA, PADDED, 1, b"\x02abc\0\0"), frame(DATA, END_STREAM, 1, b"de"),
           p.headers_frame(3, req_headers(extra=[(b"content-length", b"0")])))
    got = {1: b"", 3: b""}
    ended = set()
    while len(ended) < 2:
        f = p.wait_frame(lambda f: f.sid in (1, 3) and f.type in (HEADERS, DATA, RST_STREAM),
                         "answers on streams 1 and 3")
        check(f.type != RST_STREAM, "stream reset: %r" % f)
        if f.type == DATA:
            got[f.sid] += f.payload
        if f.flags & END_STREAM:
            ended.add(f.sid)
    check(got[1] == b"abcde" and got[3] == b"", "echoed bodies %r" % got)


def test_server_headers_on_closed_stream():
    """HEADERS again on a stream that completed: STREAM_CLOSED (RFC 9113
    5.1, closed state: stream or connection error)."""
    d, p, _, _ = raw_client()
    p.send(p.headers_frame(1, req_headers()))
    f = p.wait_frame(lambda f: f.sid == 1 and f.type == HEADERS and f.flags & END_STREAM,
                     "the end of stream 1")
    p.send(p.headers_frame(1, req_headers()))
    f = p.wait_frame(lambda f: f.type in (GOAWAY, RST_STREAM), "GOAWAY or RST_STREAM",
                     fail_on_goaway=False)
    got = struct.unpack(">I", f.payload[4:8] if f.type == GOAWAY else f.payload[:4])[0]
    check(got == STREAM_CLOSED, "%r: code %d, wanted STREAM_CLOSED" % (f, got))


def test_server_padding_on_reset_stream_credit():
    """Padded DATA that arrives for a stream the engine already reset is
    returned to the connection window once: the WINDOW_UPDATEs on stream 0
    never add up to more than we sent (--conn-window=65535)."""
    d, p, _, _ = raw_client("--conn-window=65535")
    p.send(open_stream(p, 1, end_stream=True))      # half-closed (remote), held
    payload = bytes([200]) + b"d" * 55 + b"\0" * 200  # 256 flow-controlled bytes
    window, sent, credited = 65535, 0, 0
    for _ in range(300):
        while window < len(payload):
            f = p.wait_frame(lambda f: f.type == WINDOW_UPDATE and f.sid == 0,
                             "connection WINDOW_UPDATE (window %d)" % window)
            inc = struct.unpack(">I", f.payload)[0]
            window += inc
            credited += inc
        p.send(frame(DATA, PADDED, 1, payload))
        window -= len(payload)
        sent += len(payload)
    p.send(ping(b"endcheck"))
    while True:     # every WINDOW_UPDATE up to the PING ACK
        f = p.wait_frame(lambda f: f.type in (WINDOW_UPDATE, PING), "PING ACK")
        if f.type == PING:
            break
        if f.sid == 0:
            credited += struct.unpack(">I", f.payload)[0]
    check(credited <= sent, "the engine returned %d bytes of connection window for %d "
          "bytes received (padding credited twice?)" % (credited, sent))


def test_server_header_list_too_large():
    """A request whose decoded header list passes our MAX_HEADER_LIST_SIZE
    (host: 16384) reaches the app flagged too_large; the connection and
    its HPACK state survive (the next stream is answered).  A single field
    larger than LWG_MAX_HEADER_FIELD (8192) is not a connection error
    either."""
    d, p, _, _ = raw_client()
    block = p.enc.encode(req_headers(extra=[(b"x-a", b"a" * 8000), (b"x-b", b"b" * 8000),
                                            (b"x-c", b"c" * 8000)]), huffman=False)
    parts = [block[i:i + 10000] for i in range(0, len(block), 10000)]
    frames = [frame(HEADERS, END_STREAM | (END_HEADERS if len(parts) == 1 else 0), 1, parts[0])]
    for k, part in enumerate(parts[1:], 1):
        frames.append(frame(CONTINUATION, END_HEADERS if k == len(parts) - 1 else 0, 1, part))
    p.send(*frames)
    d.wait_line(r"^event headers_end id=1 kind=0 too_large=1$")
    block = p.enc.encode(req_headers(extra=[(b"x-huge", b"h" * 10000)]), huffman=False)
    p.send(frame(HEADERS, END_STREAM, 3, block[:9000]),
           frame(CONTINUATION, END_HEADERS, 3, block[9000:]))
    p.ping_alive()
    p.send(p.headers_frame(5, req_headers(extra=[(b"x-echo-after", b"fine")])))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 5, "response on stream 5")
    hd = dict(p.read_header_block(hf)[0])
    check(hd.get(b":status") == b"200" and hd.get(b"x-echo-after") == b"fine",
          "stream 5 after oversized header lists: %r" % hd)


def test_server_unknown_frames_ignored():
    d, p, _, _ = raw_client()
    p.send(frame(0xfa, 0xff, 0, b"whatever"), frame(0x0b, 0, 1, b"x" * 20))
    p.ping_alive()
    p.send(p.headers_frame(1, req_headers()))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 1, "response")
    check(dict(p.read_header_block(hf)[0]).get(b":status") == b"200", "no response")


def test_server_too_many_streams():
    """MAX_CONCURRENT_STREAMS 2: the third stream gets REFUSED_STREAM, but
    its header block still updates the HPACK table (stream 7 reuses its
    entries and is answered)."""
    d, p, _, _ = raw_client("--max-concurrent=2")
    p.send(open_stream(p, 1), open_stream(p, 3))
    p.send(p.headers_frame(5, req_headers(extra=[(b"x-echo-only-in-5", b"indexed")])))
    p.expect_rst(5, REFUSED_STREAM)
    check(not d.has_line(r"^event stream_open id=5$"), "refused stream reached the app")
    p.send(rst(1, CANCEL))
    d.wait_line(r"^event stream_close id=1 how=1 code=8$")
    # same headers again: the encoder now uses dynamic-table indices that
    # only exist if the engine decoded stream 5's block
    hdrs = req_headers(extra=[(b"x-echo-only-in-5", b"indexed")])
    block = p.enc.encode(hdrs)
    check(len(block) < 10, "test setup: block should be fully indexed (%d bytes)" % len(block))
    p.send(frame(HEADERS, END_HEADERS | END_STREAM, 7, block))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 7, "response on stream 7")
    hd = dict(p.read_header_block(hf)[0])
    check(hd.get(b":status") == b"200" and hd.get(b"x-echo-only-in-5") == b"indexed",
          "stream 7: %r" % hd)


def test_server_rapid_reset():
    """Open-and-reset 100 streams in a row: every one is forgotten (slots
    reused), the connection survives."""
    d, p, _, _ = raw_client()
    chunks = []
    for i in range(100):
        sid = 1 + 2 * i
        chunks.append(p.headers_frame(sid, req_headers(), end_stream=False))
        chunks.append(rst(sid, CANCEL))
    p.send(b"".join(chunks))
    p.ping_alive()
    p.send(p.headers_frame(201, req_headers()))
    hf = p.wait_frame(lambda f: f.type == HEADERS and f.sid == 201, "response on 201")
    check(dict(p.read_header_block(hf)[0]).get(b":status") == b"200", "no response")


def test_server_settings_timeout():
    """We never ACK the engine's SETTINGS: GOAWAY(SETTINGS_TIMEOUT)."""
    d = Driver("server", 0, "--settings-timeout=300")
    s = track(socket.create_connection(("127.0.0.1", d.port()), timeout=SOCK_TIMEOUT))
    p = RawPeer(s)
    p.send(PREFACE, frame(SETTINGS, 0, 0))
    t0 = time.monotonic()
    p.expect_goaway(SETTINGS_TIMEOUT)
    check(time.monotonic() - t0 >= 0.25, "SETTINGS_TIMEOUT too early")


def test_server_bad_preface():
    d = Driver("server", 0)
    s = track(socket.create_connection(("127.0.0.1", d.port()), timeout=SOCK_TIMEOUT))
    p = RawPeer(s)
    p.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    # RFC 9113 3.4: a bad preface is a connection error PROTOCOL_ERROR; the
    # GOAWAY may be sent or omitted, but the connection must close.
    deadline = time.monotonic() + SOCK_TIMEOUT
    while True:
        check(time.monotonic() < deadline, "connection kept open after a bad preface")
        f = p.read_frame()
        if f is None:
            break
        if f.type == GOAWAY:
            check(struct.unpack(">I", f.payload[4:8])[0] == PROTOCOL_ERROR, "%r" % f)
    d.finish()


# client role: the raw server sends the bad frame after answering
# SETTINGS; the client's stream 1 is waiting for its response.
CLIENT_ERRORS = [
    ("push_promise_to_client", lambda p: frame(
        PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) +
        p.enc.encode([(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/p"),
                      (b":authority", b"x")])), ("goaway", PROTOCOL_ERROR)),
    ("headers_on_even_unopened_stream", lambda p: p.headers_frame(2, [(b":status", b"200")]),
     ("goaway", PROTOCOL_ERROR)),
    ("headers_on_idle_odd_stream", lambda p: p.headers_frame(5, [(b":status", b"200")]),
     ("goaway", PROTOCOL_ERROR)),
    ("server_enables_push", lambda p: frame(SETTINGS, 0, 0,
                                            settings_payload((S_ENABLE_PUSH, 1))),
     ("goaway", PROTOCOL_ERROR)),
    ("data_on_stream_0", lambda p: frame(DATA, 0, 0, b"abc"), ("goaway", PROTOCOL_ERROR)),
    ("window_update_zero_conn", lambda p: wu(0, 0), ("goaway", PROTOCOL_ERROR)),
    ("window_update_overflow_conn", lambda p: wu(0, 0x7fffffff),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("settings_bad_length", lambda p: frame(SETTINGS, 0, 0, b"\0\4\0"),
     ("goaway", FRAME_SIZE_ERROR)),
    ("settings_initial_window_too_large",
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_INITIAL_WINDOW_SIZE, 0xffffffff))),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("settings_max_frame_too_small",
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_MAX_FRAME_SIZE, 100))),
     ("goaway", PROTOCOL_ERROR)),
    ("settings_enable_push_2",
     lambda p: frame(SETTINGS, 0, 0, settings_payload((S_ENABLE_PUSH, 2))),
     ("goaway", PROTOCOL_ERROR)),
    ("ping_length_7", lambda p: frame(PING, 0, 0, b"1234567"), ("goaway", FRAME_SIZE_ERROR)),
    ("frame_larger_than_max_frame",
     lambda p: frame(HEADERS, END_HEADERS, 1, b"\x88" + b"\0" * 16384),
     ("goaway", FRAME_SIZE_ERROR)),
    ("continuation_without_headers",
     lambda p: frame(CONTINUATION, END_HEADERS, 1, b"\x88"), ("goaway", PROTOCOL_ERROR)),
    ("ping_inside_header_block",
     lambda p: frame(HEADERS, 0, 1, p.enc.encode([(b":status", b"200")])) + ping(),
     ("goaway", PROTOCOL_ERROR)),
    ("hpack_index_zero", lambda p: frame(HEADERS, END_HEADERS, 1, b"\x80"),
     ("goaway", COMPRESSION_ERROR)),
    ("data_bad_padding", lambda p: p.headers_frame(1, [(b":status", b"200")], False) +
     frame(DATA, PADDED, 1, b"\x09abc"), ("goaway", PROTOCOL_ERROR)),
    ("continuation_flood", lambda p: frame(HEADERS, 0, 1, b"\x88\x00\x07x-flood\x7f\xa1\x1e") +
     b"".join(frame(CONTINUATION, 0, 1, b"") for _ in range(500)),
     ("goaway", ENHANCE_YOUR_CALM)),
    ("data_beyond_stream_window",
     lambda p: p.headers_frame(1, [(b":status", b"200")], False) +
     frame(DATA, 0, 1, b"w" * 1025), ("rst", 1, FLOW_CONTROL_ERROR)),
    ("uppercase_response_header",
     lambda p: p.headers_frame(1, [(b":status", b"200"), (b"X-Bad", b"1")], False),
     ("rst", 1, PROTOCOL_ERROR)),
    ("response_without_status",
     lambda p: p.headers_frame(1, [(b"content-type", b"text/plain")], False),
     ("rst", 1, PROTOCOL_ERROR)),
    ("request_pseudo_header_in_response",
     lambda p: p.headers_frame(1, [(b":status", b"200"), (b":path", b"/")], False),
     ("rst", 1, PROTOCOL_ERROR)),
    ("response_shorter_than_content_length",
     lambda p: p.headers_frame(1, [(b":status", b"200"), (b"content-length", b"9")], False) +
     frame(DATA, END_STREAM, 1, b"abc"),
     ("rst", 1, PROTOCOL_ERROR)),
]


def client_error_case(send, expect):
    """Two requests wait for responses; the bad frame concerns stream 1.
    A connection error closes both; a stream error resets stream 1 only,
    and stream 3 is then answered normally."""
    d, p, _, _ = raw_server("--streams=2", "--body=0", "--initial-window=1024",
                            "--timeout-ms=8000")
    p.wait_frame(lambda f: f.type == HEADERS and f.sid == 1, "request HEADERS 1")
    p.wait_frame(lambda f: f.type == HEADERS and f.sid == 3, "request HEADERS 3")
    p.send(send(p))
    if expect[0] == "goaway":
        p.expect_goaway(expect[1])
        d.finish()
        fatal, code = d.exit_code_line()
        check(fatal != 0 and code == expect[1], "driver exit fatal=%d code=%d" % (fatal, code))
        d.wait_line(r"^stream 1 conn_closed$")
        d.wait_line(r"^stream 3 conn_closed$")
        d.wait_line(r"^event conn_error err=-?\d+ code=%d$" % expect[1])
    else:
        sid, code = expect[1], expect[2]
        p.expect_rst(sid, code)
        p.ping_alive()
        d.wait_line(r"^stream 1 reset_us %d$" % code)
        p.send(p.headers_frame(3, [(b":status", b"200")], end_stream=False),
               frame(DATA, 0, 3, b""),
               p.headers_frame(3, [(b"grpc-status", b"0")], end_stream=True))
        d.finish()
        check(client_results(d).get(3) == "status 200 bytes 0 trailers ok match 1",
              "stream 3 after the stream error: %r" % client_results(d).get(3))


# ---------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------

def all_cases():
    cases = []
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            cases.append((name[5:], fn))
    for entry in SERVER_ERRORS:
        name, args, send, expect = entry[:4]
        opens = entry[4] if len(entry) > 4 else ()
        cases.append(("server_error_" + name,
                      lambda a=args, s=send, e=expect, o=opens: server_error_case(a, s, e, o)))
    for name, send, expect in CLIENT_ERRORS:
        cases.append(("client_error_" + name,
                      lambda s=send, e=expect: client_error_case(s, e)))
    return cases


def cleanup_drivers():
    """Stop every driver of the case; returns their sanitizer/bug reports."""
    problems = []
    while OPEN_SOCKETS:
        try:
            OPEN_SOCKETS.pop().close()
        except OSError:
            pass
    for d in Driver.live:
        if d.proc.poll() is None:
            try:
                d.proc.wait(3)
            except subprocess.TimeoutExpired:
                pass
        if d.proc.poll() is None:
            d.kill()
        else:
            d.t_out.join(2)
            d.t_err.join(2)
        problems += d.problems()
    return problems


def main(argv):
    global VERBOSE
    args = [a for a in argv if a != "-v"]
    VERBOSE = len(args) != len(argv)
    if not os.access(DRIVER, os.X_OK):
        print("FAIL driver_built: %s missing (run `make peer-bins`)" % DRIVER)
        print("0 passed, 1 failed")
        return 1
    limit_memory()
    passed = failed = 0
    for name, fn in all_cases():
        if args and not any(a in name for a in args):
            continue
        Driver.live = []
        error = None
        t0 = time.monotonic()
        try:
            fn()
        except Fail as e:
            error = str(e)
        except Exception:
            error = "exception:\n" + traceback.format_exc()
        finally:
            problems = cleanup_drivers()
        if problems and error is None:
            error = "; ".join(problems)
        elif problems:
            error += "; " + "; ".join(problems)
        if error is None:
            passed += 1
            print("ok %s (%.2fs)" % (name, time.monotonic() - t0), flush=True)
        else:
            failed += 1
            print("FAIL %s: %s" % (name, error), flush=True)
            if VERBOSE:
                for d in Driver.live:
                    print("    driver %s stdout tail: %s" % (d.args, d.lines[-15:]))
                    print("    driver stderr tail: %s" % d.err[-15:])
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
