#!/usr/bin/python3
"""The route guide service on Python grpcio (gRPC C-core): a standard peer
for the lwgrpc route guide client.  The same four methods and the same
feature database as build/host/bin/route_guide_server:

  GetFeature    unary: the feature at a point (empty name if none)
  ListFeatures  server streaming: the features inside a rectangle
  RecordRoute   client streaming: points in, a summary out
  RouteChat     bidirectional: for each note, the notes sent earlier at
                its point (by any client), then the note is kept

    examples/route_guide/py_route_guide_server.py [--port=50051]

--port=0 takes any free port.  Prints "listening on port N", then one
line per call.
"""
import os
import sys
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import grpc  # noqa: E402

import py_example_pb  # noqa: E402
from py_route_guide_common import (  # noqa: E402
    SERVICE, Feature, Point, Rectangle, RouteNote, RouteSummary, FEATURES,
    distance_m, feature_at, fmt, in_rect)

notes = []                      # every note kept, in order
notes_lock = threading.Lock()
out_lock = threading.Lock()


def log(text):
    """One whole line (handlers run on grpcio's worker threads)."""
    with out_lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def get_feature(point, context):
    name = feature_at(point)
    log('GetFeature(%s) -> %s' % (fmt(point), '"%s"' % name if name else "no feature"))
    return Feature(name=name or "", location=point)


def list_features(rect, context):
    n = 0
    for lat, lon, name in FEATURES:
        p = Point(latitude=lat, longitude=lon)
        if in_rect(rect, p):
            n += 1
            yield Feature(name=name, location=p)
    log("ListFeatures -> %d features" % n)


def record_route(points, context):
    start = time.monotonic()
    count = features = distance = 0
    last = None
    for p in points:
        if feature_at(p):
            features += 1
        if last is not None:
            distance += distance_m(last, p)
        last = p
        count += 1
    log("RecordRoute -> %d points, %d features, %d m" % (count, features, distance))
    return RouteSummary(point_count=count, feature_count=features, distance=distance,
                        elapsed_time=int(time.monotonic() - start))


def route_chat(incoming, context):
    for note in incoming:
        log('RouteChat note "%s" at %s' % (note.message, fmt(note.location)))
        with notes_lock:
            earlier = [n for n in notes if n.location == note.location]
            notes.append(note)
        for n in earlier:
            yield n


def main():
    args = py_example_pb.flags(sys.argv[1:], {"port": "50051"},
                               "py_route_guide_server.py [--port=50051]")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {
        "GetFeature": grpc.unary_unary_rpc_method_handler(
            get_feature, request_deserializer=Point.FromString,
            response_serializer=Feature.SerializeToString),
        "ListFeatures": grpc.unary_stream_rpc_method_handler(
            list_features, request_deserializer=Rectangle.FromString,
            response_serializer=Feature.SerializeToString),
        "RecordRoute": grpc.stream_unary_rpc_method_handler(
            record_route, request_deserializer=Point.FromString,
            response_serializer=RouteSummary.SerializeToString),
        "RouteChat": grpc.stream_stream_rpc_method_handler(
            route_chat, request_deserializer=RouteNote.FromString,
            response_serializer=RouteNote.SerializeToString),
    }),))
    port = server.add_insecure_port("[::]:%s" % args["port"])
    server.start()
    py_example_pb.serve_until_signal(server, "py_route_guide_server (%d features)"
                                     % len(FEATURES), port)


if __name__ == "__main__":
    main()
