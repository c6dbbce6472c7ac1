/*
 * route_guide_db.h - the route guide's small feature database (a dozen
 * named places in Edinburgh, in flash) and the geometry the service needs.
 * Shared by the server and the client; the Python peers read the same
 * table out of route_guide_db.c.
 */
#ifndef ROUTE_GUIDE_DB_H
#define ROUTE_GUIDE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "route_guide/route_guide.pb.h"

typedef struct rg_feature {
    int32_t latitude;       /* E7: degrees times 10^7 */
    int32_t longitude;
    const char *name;
} rg_feature;

extern const rg_feature rg_features[];
extern const size_t rg_feature_count;

/** The name of the feature at exactly `p`, or NULL. */
const char *rg_feature_at(const routeguide_Point *p);

/** Non-zero if `p` lies inside the rectangle (corners in any order). */
int rg_in_rect(const routeguide_Rectangle *r, const routeguide_Point *p);

/** Great-circle distance in metres (haversine, earth radius 6371 km). */
int32_t rg_distance_m(const routeguide_Point *a, const routeguide_Point *b);

/** "55.9486120, -3.2008330" into buf (at least 32 bytes). */
const char *rg_format(char *buf, size_t size, const routeguide_Point *p);

#endif /* ROUTE_GUIDE_DB_H */
