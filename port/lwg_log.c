/*
 * lwg_log.c - formats log lines for the port's sink.  Compiled to nothing
 * when LWG_LOG_LEVEL is 0.
 */
#include "port/lwg_port.h"

#if LWG_LOG_LEVEL > 0
#include <stdarg.h>
#include <stdio.h>

void lwg_logf(int level, const char *fmt, ...)
{
    char line[160];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lwg_port_log(level, line);
}
#else
typedef int lwg_log_unused; /* ISO C forbids an empty translation unit */
#endif
