#!/usr/bin/python3
"""bench/peers/py/server.py - the bench.Bench service on Python grpcio
(gRPC C-core underneath), asyncio API, one process.

    /usr/bin/python3 bench/peers/py/server.py [--port=0]

Messages come from `protoc --python_out` in build/bench/py (make
bench-bins); the service is wired with grpcio's generic handlers, so no
grpc_python_plugin is needed.  Prints "listening on port N".  GetStats
returns the counters the benchmark driver checks: a Unary call counts
once its handler returned a response (grpc-status 0 follows).
"""
import asyncio
import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "build", "bench", "py"))

import grpc  # noqa: E402
import bench_pb2  # noqa: E402


class Bench:
    def __init__(self):
        self.unary_ok = 0
        self.stream_ok = 0
        self.stream_bytes = 0
        self.chunk = b"x" * 65536

    async def Unary(self, request, context):
        self.unary_ok += 1
        return bench_pb2.Payload(data=request.data)

    async def ServerStream(self, request, context):
        data = self.chunk[:request.size]
        for _ in range(request.count):
            yield bench_pb2.Chunk(data=data)
            self.stream_bytes += request.size
        self.stream_ok += 1

    async def ClientStream(self, request_iterator, context):
        n = 0
        b = 0
        async for chunk in request_iterator:
            n += 1
            b += len(chunk.data)
        self.stream_bytes += b
        self.stream_ok += 1
        return bench_pb2.Count(messages=n, bytes=b)

    async def GetStats(self, request, context):
        return bench_pb2.Stats(unary_ok=self.unary_ok, stream_ok=self.stream_ok,
                               stream_bytes=self.stream_bytes)


def handlers(svc):
    """The bench.Bench method table (what grpc_python_plugin would write)."""
    P = bench_pb2
    return grpc.method_handlers_generic_handler("bench.Bench", {
        "Unary": grpc.unary_unary_rpc_method_handler(
            svc.Unary, P.Payload.FromString, P.Payload.SerializeToString),
        "ServerStream": grpc.unary_stream_rpc_method_handler(
            svc.ServerStream, P.StreamReq.FromString, P.Chunk.SerializeToString),
        "ClientStream": grpc.stream_unary_rpc_method_handler(
            svc.ClientStream, P.Chunk.FromString, P.Count.SerializeToString),
        "GetStats": grpc.unary_unary_rpc_method_handler(
            svc.GetStats, P.StatsReq.FromString, P.Stats.SerializeToString),
    })


async def main():
    port = 0
    for a in sys.argv[1:]:
        if a.startswith("--port="):
            port = int(a.split("=", 1)[1])
        else:
            sys.exit("usage: server.py [--port=0]")
    server = grpc.aio.server(options=[
        ("grpc.max_receive_message_length", 1 << 20),
        ("grpc.max_send_message_length", 1 << 20),
    ])
    server.add_generic_rpc_handlers((handlers(Bench()),))
    bound = server.add_insecure_port("127.0.0.1:%d" % port)
    await server.start()
    print("listening on port %d" % bound, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(0)


if __name__ == "__main__":
    asyncio.run(main())
