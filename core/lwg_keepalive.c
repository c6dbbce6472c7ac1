/*
 * lwg_keepalive.c - see lwg_keepalive.h.
 */
#include "core/lwg_keepalive.h"

#include <string.h>

void lwg_keepalive_init(lwg_keepalive *ka, uint32_t now_ms)
{
    memset(ka, 0, sizeof *ka);
    ka->last_read_ms = now_ms;
}

uint32_t lwg_keepalive_tick(lwg_keepalive *ka, const lwg_keepalive_cfg *cfg,
                            lwg_h2_conn *h2, unsigned streams, uint32_t now_ms)
{
    int32_t left;

    if (h2->bytes_received != ka->last_bytes) {
        ka->last_bytes = h2->bytes_received;
        ka->last_read_ms = now_ms;
    }
    if (ka->expired)
        return LWG_NO_TIMEOUT;
    if (ka->ping_outstanding) {
        left = lwg_time_diff(ka->ping_sent_ms + cfg->timeout_ms, now_ms);
        if (left <= 0) {
            ka->expired = 1;
            return LWG_NO_TIMEOUT;
        }
        return (uint32_t)left;
    }
    if (cfg->time_ms == 0 || (streams == 0 && !cfg->permit_without_stream))
        return LWG_NO_TIMEOUT;
    left = lwg_time_diff(ka->last_read_ms + cfg->time_ms, now_ms);
    if (left > 0)
        return (uint32_t)left;
    {
        uint8_t opaque[8];
        uint32_t n = ++ka->ping_count;
        memcpy(opaque, "lwgka\0\0\0", 8);
        opaque[5] = (uint8_t)(n >> 16);
        opaque[6] = (uint8_t)(n >> 8);
        opaque[7] = (uint8_t)n;
        if (lwg_h2_submit_ping(h2, opaque) != LWG_OK)
            return 10; /* another PING is out or tx_buf is full: soon */
    }
    ka->ping_outstanding = 1;
    ka->ping_sent_ms = now_ms;
    return cfg->timeout_ms;
}

void lwg_keepalive_acked(lwg_keepalive *ka, const uint8_t opaque[8])
{
    if (memcmp(opaque, "lwgka", 5) == 0)
        ka->ping_outstanding = 0;
}

void lwg_ping_policy_init(lwg_ping_policy *pp)
{
    memset(pp, 0, sizeof *pp);
}

int lwg_ping_policy_on_ping(lwg_ping_policy *pp, const lwg_ping_policy_cfg *cfg,
                            const lwg_h2_conn *h2, unsigned streams, uint32_t now_ms)
{
    uint32_t min = cfg->min_time_ms;

    if (h2->hd_frames_sent != pp->last_hd_frames) {
        /* we sent HEADERS or DATA since: the client is not abusing */
        pp->last_hd_frames = h2->hd_frames_sent;
        pp->strikes = 0;
    }
    if (streams == 0 && !cfg->permit_without_stream && min < LWG_KEEPALIVE_NO_STREAM_MIN_MS)
        min = LWG_KEEPALIVE_NO_STREAM_MIN_MS;
    if (pp->have_last && (uint32_t)lwg_time_diff(now_ms, pp->last_ping_ms) < min)
        pp->strikes++;
    pp->have_last = 1;
    pp->last_ping_ms = now_ms;
    return pp->strikes > LWG_KEEPALIVE_MAX_STRIKES;
}
