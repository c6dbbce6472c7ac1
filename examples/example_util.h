/*
 * example_util.h - what the example programs share: --name=value flags and
 * HOST:PORT addresses.  Header only; nothing here is part of lwgrpc.
 */
#ifndef EXAMPLE_UTIL_H
#define EXAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of --name=value (or "--name value"); `dflt` when absent. */
static inline const char *ex_flag(int argc, char **argv, const char *name, const char *dflt)
{
    size_t n = strlen(name);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
            continue;
        if (a[2 + n] == '=')
            return a + 3 + n;
        if (a[2 + n] == '\0' && i + 1 < argc)
            return argv[i + 1];
    }
    return dflt;
}

/* Exit with `usage` if an argument is not one of the --flags in `known`
 * (a NULL-terminated list of names). */
static inline void ex_check_flags(int argc, char **argv, const char *const *known,
                                  const char *usage)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int found = 0;
        for (const char *const *k = known; *k && !found; k++) {
            size_t n = strlen(*k);
            if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, *k, n) == 0 &&
                (a[2 + n] == '=' || a[2 + n] == '\0')) {
                found = 1;
                if (a[2 + n] == '\0')
                    i++; /* "--name value" */
            }
        }
        if (!found) {
            fprintf(stderr, "unknown argument %s\nusage: %s\n", a, usage);
            exit(2);
        }
    }
}

/* Split "host:port" or "[v6 address]:port".  0 on success. */
static inline int ex_host_port(const char *s, char *host, size_t host_size, int *port)
{
    const char *colon;
    size_t len;
    char *end;
    long p;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        len = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        len = (size_t)(colon - s);
    }
    if (len == 0 || len >= host_size)
        return -1;
    memcpy(host, s, len);
    host[len] = '\0';
    p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

#endif /* EXAMPLE_UTIL_H */
