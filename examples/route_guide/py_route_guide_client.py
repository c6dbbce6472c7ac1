#!/usr/bin/python3
"""Calls every method of the route guide service from Python grpcio (gRPC
C-core): a standard peer for the lwgrpc route guide server.  Makes the same
calls as build/host/bin/route_guide_client and prints the same lines.

    examples/route_guide/py_route_guide_client.py [--server=localhost:50051]

Exit status 0 when all four calls ended OK.
"""
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import grpc  # noqa: E402

import py_example_pb  # noqa: E402
from py_route_guide_common import (  # noqa: E402
    SERVICE, Feature, Point, Rectangle, RouteNote, RouteSummary, fmt)

TIMEOUT = 10

ROUTE = [(559486120, -32008330), (559494980, -31908030), (559510000, -31850000),
         (559553000, -31826000), (559527000, -31722000), (559480000, -31650000),
         (559441200, -31618300), (559521000, -32192000)]

CHAT = [("First message", 559486120, -32008330), ("Second message", 559553000, -31826000),
        ("Third message", 559441200, -31618300), ("Fourth message", 559486120, -32008330),
        ("Fifth message", 559553000, -31826000), ("Sixth message", 559441200, -31618300)]


_out = threading.Lock()


def say(line):
    """Print a whole line: RouteChat's request generator runs on one of
    grpcio's threads while the main thread prints the responses."""
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def status(e):
    return "status %s (%s)" % (e.code().name, e.details()) if e.details() else \
        "status %s" % e.code().name


def get_feature(stub, lat, lon):
    p = Point(latitude=lat, longitude=lon)
    try:
        f = stub(p, timeout=TIMEOUT)
    except grpc.RpcError as e:
        print("GetFeature(%s) failed: %s" % (fmt(p), status(e)))
        return False
    if f.name:
        print('GetFeature(%s) -> "%s"' % (fmt(p), f.name))
    else:
        print("GetFeature(%s) -> no feature" % fmt(p))
    return True


def list_features(stub):
    rect = Rectangle(lo=Point(latitude=559400000, longitude=-32200000),
                     hi=Point(latitude=559600000, longitude=-31600000))
    print("ListFeatures(%s .. %s)" % (fmt(rect.lo), fmt(rect.hi)))
    n = 0
    try:
        for f in stub(rect, timeout=TIMEOUT):
            print('  "%s" at %s' % (f.name, fmt(f.location)))
            n += 1
    except grpc.RpcError as e:
        print("ListFeatures -> %d features, %s" % (n, status(e)))
        return False
    print("ListFeatures -> %d features, status OK" % n)
    return True


def record_route(stub):
    points = [Point(latitude=lat, longitude=lon) for lat, lon in ROUTE]
    print("RecordRoute: %d points sent" % len(points))
    try:
        s = stub(iter(points), timeout=TIMEOUT)
    except grpc.RpcError as e:
        print("RecordRoute -> %s" % status(e))
        return False
    print("RecordRoute -> %d points, %d features, %d m, %d s, status OK"
          % (s.point_count, s.feature_count, s.distance, s.elapsed_time))
    return True


def route_chat(stub):
    sent = [0]

    def notes():
        for message, lat, lon in CHAT:
            note = RouteNote(message=message, location=Point(latitude=lat, longitude=lon))
            say('RouteChat: sent "%s" at %s' % (note.message, fmt(note.location)))
            sent[0] += 1
            yield note

    got = 0
    try:
        for note in stub(notes(), timeout=TIMEOUT):
            say('RouteChat: got "%s" at %s' % (note.message, fmt(note.location)))
            got += 1
    except grpc.RpcError as e:
        say("RouteChat -> %d notes sent, %d notes back, status %s" % (sent[0], got,
                                                                     e.code().name))
        return False
    say("RouteChat -> %d notes sent, %d notes back, status OK" % (sent[0], got))
    return True


def main():
    args = py_example_pb.flags(sys.argv[1:], {"server": "localhost:50051"},
                               "py_route_guide_client.py [--server=localhost:50051]")
    ok = True
    with grpc.insecure_channel(args["server"]) as ch:
        def path(m):
            return "/%s/%s" % (SERVICE, m)
        print("== GetFeature (unary)")
        get = ch.unary_unary(path("GetFeature"), request_serializer=Point.SerializeToString,
                             response_deserializer=Feature.FromString)
        ok &= get_feature(get, 559486120, -32008330)
        ok &= get_feature(get, 559000000, -33000000)
        print("== ListFeatures (server streaming)")
        ok &= list_features(ch.unary_stream(path("ListFeatures"),
                                            request_serializer=Rectangle.SerializeToString,
                                            response_deserializer=Feature.FromString))
        print("== RecordRoute (client streaming)")
        ok &= record_route(ch.stream_unary(path("RecordRoute"),
                                           request_serializer=Point.SerializeToString,
                                           response_deserializer=RouteSummary.FromString))
        print("== RouteChat (bidirectional streaming)")
        ok &= route_chat(ch.stream_stream(path("RouteChat"),
                                          request_serializer=RouteNote.SerializeToString,
                                          response_deserializer=RouteNote.FromString))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
