/*
 * route_guide_db.c - see route_guide_db.h.
 *
 * The table below is also read by the Python peers (py_route_guide_*.py):
 * keep one feature per line as { latitude, longitude, "name" }.
 */
#include "route_guide_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const rg_feature rg_features[] = {
    { 559486120, -32008330, "Edinburgh Castle" },
    { 559494980, -31908030, "St Giles' Cathedral" },
    { 559553000, -31826000, "Calton Hill" },
    { 559527000, -31722000, "Palace of Holyroodhouse" },
    { 559441200, -31618300, "Arthur's Seat" },
    { 559521000, -32192000, "Dean Village" },
    { 559653000, -32093000, "Royal Botanic Garden" },
    { 559756000, -31697000, "The Shore, Leith" },
    { 559549000, -31074000, "Portobello Beach" },
    { 559240000, -31930000, "Blackford Hill" },
    { 559975000, -32909000, "Cramond Island" },
    { 560002000, -33883000, "The Forth Bridge" },
};
const size_t rg_feature_count = sizeof rg_features / sizeof rg_features[0];

const char *rg_feature_at(const routeguide_Point *p)
{
    for (size_t i = 0; i < rg_feature_count; i++)
        if (rg_features[i].latitude == p->latitude && rg_features[i].longitude == p->longitude)
            return rg_features[i].name;
    return NULL;
}

int rg_in_rect(const routeguide_Rectangle *r, const routeguide_Point *p)
{
    int32_t left = r->lo.longitude < r->hi.longitude ? r->lo.longitude : r->hi.longitude;
    int32_t right = r->lo.longitude < r->hi.longitude ? r->hi.longitude : r->lo.longitude;
    int32_t bottom = r->lo.latitude < r->hi.latitude ? r->lo.latitude : r->hi.latitude;
    int32_t top = r->lo.latitude < r->hi.latitude ? r->hi.latitude : r->lo.latitude;

    return p->longitude >= left && p->longitude <= right && p->latitude >= bottom &&
           p->latitude <= top;
}

static double radians(int32_t e7)
{
    return (double)e7 / 1e7 * 3.14159265358979323846 / 180.0;
}

int32_t rg_distance_m(const routeguide_Point *a, const routeguide_Point *b)
{
    double lat1 = radians(a->latitude), lat2 = radians(b->latitude);
    double dlat = lat2 - lat1;
    double dlon = radians(b->longitude) - radians(a->longitude);
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1) * cos(lat2) * sin(dlon / 2) * sin(dlon / 2);

    return (int32_t)(6371000.0 * 2 * atan2(sqrt(h), sqrt(1 - h)));
}

const char *rg_format(char *buf, size_t size, const routeguide_Point *p)
{
    long lat = labs((long)p->latitude), lon = labs((long)p->longitude);

    snprintf(buf, size, "%s%ld.%07ld, %s%ld.%07ld", p->latitude < 0 ? "-" : "",
             lat / 10000000, lat % 10000000, p->longitude < 0 ? "-" : "", lon / 10000000,
             lon % 10000000);
    return buf;
}
