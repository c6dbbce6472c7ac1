"""What the route guide's Python peers share (imported, not run): the
messages (proto/route_guide/route_guide.proto, compiled at run time), the
feature database -- read out of route_guide_db.c so that both languages
serve the same dozen places -- and the geometry, computed exactly as
route_guide_db.c computes it.
"""
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import py_example_pb  # noqa: E402

pb = py_example_pb.load("route_guide/route_guide.proto")
Point = pb["Point"]
Rectangle = pb["Rectangle"]
Feature = pb["Feature"]
RouteNote = pb["RouteNote"]
RouteSummary = pb["RouteSummary"]

SERVICE = "routeguide.RouteGuide"


def _features():
    with open(os.path.join(HERE, "route_guide_db.c"), encoding="utf-8") as f:
        text = f.read()
    return [(int(lat), int(lon), name) for lat, lon, name in
            re.findall(r'\{\s*(-?\d+),\s*(-?\d+),\s*"([^"]*)"\s*\}', text)]


FEATURES = _features()


def feature_at(p):
    for lat, lon, name in FEATURES:
        if lat == p.latitude and lon == p.longitude:
            return name
    return None


def in_rect(r, p):
    left, right = sorted((r.lo.longitude, r.hi.longitude))
    bottom, top = sorted((r.lo.latitude, r.hi.latitude))
    return left <= p.longitude <= right and bottom <= p.latitude <= top


def _radians(e7):
    return e7 / 1e7 * math.pi / 180.0


def distance_m(a, b):
    """Haversine, earth radius 6371 km, truncated to metres (as in C)."""
    lat1, lat2 = _radians(a.latitude), _radians(b.latitude)
    dlat = lat2 - lat1
    dlon = _radians(b.longitude) - _radians(a.longitude)
    h = (math.sin(dlat / 2) * math.sin(dlat / 2) +
         math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) * math.sin(dlon / 2))
    return int(6371000.0 * 2 * math.atan2(math.sqrt(h), math.sqrt(1 - h)))


def fmt(p):
    """'55.9486120, -3.2008330' as route_guide_db.c's rg_format."""
    def one(v):
        return "%s%d.%07d" % ("-" if v < 0 else "", abs(v) // 10000000, abs(v) % 10000000)
    return "%s, %s" % (one(p.latitude), one(p.longitude))
