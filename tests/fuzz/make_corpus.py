#!/usr/bin/python3
"""Write the seed corpus of tests/fuzz/fuzz_h2.c into tests/fuzz/corpus/h2/.

    tests/fuzz/make_corpus.py            (re-run after changing the format)

The seeds are our own: HTTP/2 conversations generated with hyper-h2 (the
peer's side of each: a client's bytes for our server role, a server's for
our client role), plus the malformed frames of tests/peer/test_h2_peer.py,
cut into chunks in fuzz_h2.c's input format:

    byte 0      mode bits (role, settings profile, auto-consume, preface,
                lazy output; see the comment at the top of fuzz_h2.c)
    records     c < 0xf0: c+1 bytes of input follow; c >= 0xf0: an action

Deterministic: the same files every run (fixed random seeds).
"""
import os
import random
import struct
import sys

import h2.config
import h2.connection
import h2.settings
import hpack

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "h2")

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
ACK = END_STREAM = 0x1
END_HEADERS = 0x4
PADDED = 0x8

# actions (fuzz_h2.c)
TICK, APP_SEND, APP_RST, APP_PING, APP_GOAWAY, APP_CONSUME, APP_ZC, CLOSED = range(0xf0, 0xf8)

# mode bits
SERVER = 0x01
PROFILE = {0: 0x00, 1: 0x02, 2: 0x04, 3: 0x06}
AUTO_CONSUME = 0x08
AUTO_PREFACE = 0x10
LAZY = 0x20

REQ = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/pkg.Svc/Method"),
       (b":authority", b"fuzz"), (b"content-type", b"application/grpc"),
       (b"te", b"trailers")]


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", ftype, flags, sid) + payload


def records(data, rng, max_chunk=240, actions=()):
    """Cut data into chunk records; `actions` is a list of (offset, code)
    inserted before the chunk that starts at or after offset."""
    out = bytearray()
    acts = sorted(actions)
    i = 0
    while i < len(data) or acts:
        while acts and acts[0][0] <= i:
            out.append(acts.pop(0)[1])
        if i >= len(data):
            continue
        n = min(len(data) - i, rng.randint(1, max_chunk))
        out.append(n - 1)
        out += data[i:i + n]
        i += n
    return bytes(out)


def h2_client(settings=None):
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                             header_encoding=None))
    if settings:
        c.local_settings = h2.settings.Settings(client=True, initial_values=settings)
    c.initiate_connection()
    return c


def client_bytes(scenario):
    """What a client sends to our server, for one scenario."""
    c = h2_client()
    out = bytearray(c.data_to_send())
    out += frame(SETTINGS, ACK, 0)          # ACK of our server's SETTINGS
    if scenario == "get":
        c.send_headers(1, REQ, end_stream=True)
    elif scenario == "post":
        c.send_headers(1, REQ)
        c.send_data(1, bytes(range(256)) * 4, end_stream=True)
    elif scenario == "many":
        for i in range(10):
            sid = 1 + 2 * i
            c.send_headers(sid, REQ + [(b"x-i", str(i).encode())])
        for i in range(10):
            c.send_data(1 + 2 * i, b"m" * (100 * i + 1), end_stream=True)
    elif scenario == "continuation":
        c.max_outbound_frame_size = 100
        c.send_headers(1, REQ + [(b"x-big", b"v" * 700), (b"x-echo-a", b"w" * 300)],
                       end_stream=True)
    elif scenario == "ping_settings":
        c.ping(b"12345678")
        c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 100,
                           h2.settings.SettingCodes.MAX_FRAME_SIZE: 20000,
                           h2.settings.SettingCodes.HEADER_TABLE_SIZE: 100})
        c.send_headers(1, REQ, end_stream=True)
    elif scenario == "rst":
        c.send_headers(1, REQ)
        c.send_data(1, b"x" * 50)
        c.reset_stream(1, 8)
        c.send_headers(3, REQ, end_stream=True)
    elif scenario == "goaway":
        c.send_headers(1, REQ, end_stream=True)
        c.close_connection(0, b"bye")
    elif scenario == "window":
        c.increment_flow_control_window(100000)
        c.send_headers(1, REQ)
        c.increment_flow_control_window(5000, 1)
        c.send_data(1, b"w" * 3000, end_stream=True)
    elif scenario == "padded":
        c.send_headers(1, REQ)
        c.send_data(1, b"p" * 100, pad_length=50)
        c.send_data(1, b"q" * 10, pad_length=0, end_stream=True)
    elif scenario == "trailers":
        c.send_headers(1, REQ)
        c.send_data(1, b"\0\0\0\0\5hello")
        c.send_headers(1, [(b"x-trailer", b"1")], end_stream=True)
    elif scenario == "app_reset_header":
        c.send_headers(1, REQ + [(b"x-reset", b"1")], end_stream=True)
        c.send_headers(3, REQ, end_stream=True)
    elif scenario == "priority":
        c.send_headers(1, REQ, end_stream=True, priority_weight=200,
                       priority_depends_on=0, priority_exclusive=True)
        c.prioritize(3, weight=10, depends_on=1)
    else:
        raise ValueError(scenario)
    out += c.data_to_send()
    return bytes(out)


def server_bytes(scenario):
    """What a server sends to our client (streams 1, 3, 5: the fuzz client
    opens 1 at start and 3 and 5 once ready)."""
    sv = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False,
                                                               header_encoding=None))
    sv.initiate_connection()
    cl = h2_client()
    for sid in (1, 3, 5):
        cl.send_headers(sid, REQ)
        cl.send_data(sid, b"req", end_stream=True)
    sv.receive_data(cl.data_to_send())
    out = bytearray(sv.data_to_send())     # SETTINGS, ACK, WINDOW_UPDATEs
    resp = [(b":status", b"200"), (b"content-type", b"application/grpc")]
    trl = [(b"grpc-status", b"0"), (b"grpc-message", b"ok")]
    if scenario == "responses":
        for sid in (1, 3, 5):
            sv.send_headers(sid, resp)
            sv.send_data(sid, b"\0\0\0\0\3abc")
            sv.send_headers(sid, trl, end_stream=True)
    elif scenario == "trailers_only":
        for sid in (1, 3, 5):
            sv.send_headers(sid, resp + trl, end_stream=True)
    elif scenario == "continuation":
        sv.max_outbound_frame_size = 64
        for s in sv.streams.values():
            s.max_outbound_frame_size = 64
        sv.send_headers(1, resp + [(b"x-big", b"b" * 500)])
        sv.send_headers(1, trl, end_stream=True)
    elif scenario == "rst_goaway":
        sv.send_headers(1, resp)
        sv.reset_stream(3, 8)
        sv.send_data(1, b"d" * 100, end_stream=True)
        out += sv.data_to_send()
        out += frame(GOAWAY, 0, 0, struct.pack(">II", 1, 0) + b"drain")
    elif scenario == "ping_window":
        sv.ping(b"srvping!")
        sv.increment_flow_control_window(1000)
        sv.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1,
                             h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 10})
        sv.send_headers(1, resp)
        sv.send_data(1, b"x" * 1000, end_stream=True)
    elif scenario == "informational":
        sv.send_headers(1, [(b":status", b"100")])
        sv.send_headers(1, resp)
        sv.send_headers(1, trl, end_stream=True)
    else:
        raise ValueError(scenario)
    out += sv.data_to_send()
    return bytes(out)


def server_handshake():
    """A server's opening for raw malformed seeds in the client role."""
    return frame(SETTINGS, 0, 0) + frame(SETTINGS, ACK, 0)


def client_handshake():
    return PREFACE + frame(SETTINGS, 0, 0) + frame(SETTINGS, ACK, 0)


REQ_BLOCK = hpack.Encoder().encode(REQ)

BAD_SERVER = {
    "bad_data_stream0": frame(DATA, 0, 0, b"abc"),
    "bad_headers_even": frame(HEADERS, END_HEADERS | END_STREAM, 2, REQ_BLOCK),
    "bad_wu_overflow": frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7fffffff)),
    "bad_wu_zero_stream": frame(HEADERS, END_HEADERS, 1, REQ_BLOCK) +
    frame(WINDOW_UPDATE, 0, 1, b"\0\0\0\0"),
    "bad_settings_len": frame(SETTINGS, 0, 0, b"\0\4\0\0\1"),
    "bad_settings_iws": frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0x80000000)),
    "bad_ping_len": frame(PING, 0, 0, b"1234567"),
    "bad_continuation_alone": frame(CONTINUATION, END_HEADERS, 1, b"\x82"),
    "bad_interleaved": frame(HEADERS, 0, 1, REQ_BLOCK) + frame(PING, 0, 0, b"12345678"),
    "bad_data_window": frame(HEADERS, END_HEADERS, 1, REQ_BLOCK) +
    b"".join(frame(DATA, 0, 1, b"w" * 16000) for _ in range(5)),
    "bad_hpack": frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x80"),
    "bad_uppercase": frame(HEADERS, END_HEADERS | END_STREAM, 1,
                           REQ_BLOCK + b"\x00\x07X-Upper\x011"),
    "bad_lower_id": frame(HEADERS, END_HEADERS, 5, REQ_BLOCK) +
    frame(HEADERS, END_HEADERS | END_STREAM, 3, REQ_BLOCK),
    "bad_continuation_flood": frame(HEADERS, 0, 1, REQ_BLOCK + b"\x00\x07x-flood\x7f\xa1\x1e") +
    b"".join(frame(CONTINUATION, 0, 1, b"a") for _ in range(60)),
    "bad_padding": frame(HEADERS, END_HEADERS, 1, REQ_BLOCK) +
    frame(DATA, PADDED, 1, b"\x09abcd"),
    "bad_half_closed_data": frame(HEADERS, END_HEADERS | END_STREAM, 1, REQ_BLOCK) +
    frame(DATA, 0, 1, b"late"),
}

BAD_CLIENT = {
    "cbad_push_promise": frame(PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) + REQ_BLOCK),
    "cbad_enable_push": frame(SETTINGS, 0, 0, struct.pack(">HI", 2, 1)),
    "cbad_uppercase": frame(HEADERS, END_HEADERS, 1, b"\x88\x00\x05X-Bad\x011"),
    "cbad_data_window": frame(HEADERS, END_HEADERS, 1, b"\x88") +
    frame(DATA, 0, 1, b"w" * 2000),
}


def write(name, content):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(content)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.unlink(os.path.join(OUT, old))
    n = 0
    server_scenarios = ["get", "post", "many", "continuation", "ping_settings", "rst",
                        "goaway", "window", "padded", "trailers", "app_reset_header",
                        "priority"]
    for k, sc in enumerate(server_scenarios):
        rng = random.Random(1000 + k)
        data = client_bytes(sc)
        mode = SERVER | PROFILE[k % 4] | (AUTO_CONSUME if k % 2 == 0 else 0)
        acts = [(len(data) // 2, APP_CONSUME), (len(data), APP_SEND), (len(data), APP_ZC),
                (len(data), APP_CONSUME)]
        write("srv_%s" % sc, bytes([mode]) + records(data, rng, actions=acts))
        n += 1
    # the same conversations with the driver sending the preface, cut small
    for k, sc in enumerate(["get", "post", "many", "continuation"]):
        rng = random.Random(2000 + k)
        data = client_bytes(sc)[len(PREFACE):]
        mode = SERVER | AUTO_PREFACE | PROFILE[(k + 1) % 4] | LAZY
        write("srv_%s_small_chunks" % sc, bytes([mode]) + records(data, rng, max_chunk=7))
        n += 1
    # byte by byte
    data = client_bytes("post")
    write("srv_post_bytewise", bytes([SERVER | AUTO_CONSUME]) + records(data, random.Random(3),
                                                                        max_chunk=1))
    n += 1
    # app actions: ping, goaway, reset, ticks past the SETTINGS timeout
    data = client_bytes("many")
    write("srv_actions", bytes([SERVER | PROFILE[1]]) +
          records(data, random.Random(4), actions=[(200, APP_PING), (400, APP_RST),
                                                   (600, APP_GOAWAY), (800, TICK),
                                                   (len(data), APP_CONSUME)]))
    write("srv_settings_timeout", bytes([SERVER | PROFILE[3]]) + bytes([TICK, TICK, TICK]))
    write("srv_transport_closed", bytes([SERVER | AUTO_CONSUME]) +
          records(client_bytes("post"), random.Random(5), actions=[(300, CLOSED)]))
    n += 3
    for k, (name, bad) in enumerate(sorted(BAD_SERVER.items())):
        data = client_handshake() + bad
        mode = SERVER | PROFILE[1 if "window" in name else 0]
        write("srv_" + name, bytes([mode]) + records(data, random.Random(100 + k)))
        n += 1

    client_scenarios = ["responses", "trailers_only", "continuation", "rst_goaway",
                        "ping_window", "informational"]
    for k, sc in enumerate(client_scenarios):
        rng = random.Random(5000 + k)
        data = server_bytes(sc)
        mode = PROFILE[k % 4] | (AUTO_CONSUME if k % 2 else 0)
        write("cli_%s" % sc, bytes([mode]) + records(data, rng, actions=[
            (len(data), APP_CONSUME), (len(data), APP_SEND), (len(data), APP_ZC)]))
        n += 1
    write("cli_responses_lazy_bytewise", bytes([LAZY | AUTO_CONSUME]) +
          records(server_bytes("responses"), random.Random(6), max_chunk=1))
    write("cli_settings_timeout", bytes([PROFILE[3]]) + bytes([TICK, TICK]))
    n += 2
    for k, (name, bad) in enumerate(sorted(BAD_CLIENT.items())):
        data = server_handshake() + bad
        mode = PROFILE[1 if "window" in name else 0]
        write("cli_" + name, bytes([mode]) + records(data, random.Random(200 + k)))
        n += 1
    print("wrote %d seeds to %s" % (n, os.path.relpath(OUT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
