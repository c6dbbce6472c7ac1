/*
 * lwg_test.h - the small test runner every unit test uses.
 *
 * A test binary is a list of cases:
 *
 *     static void test_roundtrip(void) { CHECK(x == 1); CHECK_EQ(a, b); }
 *     int main(void) { RUN(test_roundtrip); return lwg_test_summary(); }
 *
 * CHECK failures print file:line and mark the current case failed; the case
 * goes on.  lwg_test_summary() prints "N passed, N failed" (cases) as the
 * binary's last line and returns the exit status; tests/run_all.sh adds
 * those lines up.
 */
#ifndef LWG_TEST_H
#define LWG_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int lwg_test_case_failed;

void lwg_test_fail(const char *file, int line, const char *what);
void lwg_test_run(const char *name, void (*fn)(void));
int lwg_test_summary(void);
/** Hex dump a buffer to stderr (for failure diagnostics). */
void lwg_test_hexdump(const char *label, const uint8_t *p, size_t n);

/** xorshift32: reproducible pseudo-random numbers for a test (*s != 0). */
static inline uint32_t lwg_test_xorshift32(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

#define RUN(fn) lwg_test_run(#fn, fn)

#define CHECK(cond) \
    do { if (!(cond)) lwg_test_fail(__FILE__, __LINE__, #cond); } while (0)

#define CHECK_EQ(a, b) \
    do { \
        long long lwg_a_ = (long long)(a), lwg_b_ = (long long)(b); \
        if (lwg_a_ != lwg_b_) { \
            char lwg_m_[256]; \
            snprintf(lwg_m_, sizeof lwg_m_, "%s == %s (%lld != %lld)", #a, #b, lwg_a_, lwg_b_); \
            lwg_test_fail(__FILE__, __LINE__, lwg_m_); \
        } \
    } while (0)

#define CHECK_MEM(a, b, n) \
    do { \
        if (memcmp((a), (b), (n)) != 0) { \
            lwg_test_fail(__FILE__, __LINE__, "memcmp(" #a ", " #b ", " #n ") == 0"); \
            lwg_test_hexdump("got", (const uint8_t *)(a), (n)); \
            lwg_test_hexdump("want", (const uint8_t *)(b), (n)); \
        } \
    } while (0)

#endif /* LWG_TEST_H */
