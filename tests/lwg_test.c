/* lwg_test.c - see lwg_test.h. */
#include "lwg_test.h"

int lwg_test_case_failed;
static int cases_passed;
static int cases_failed;
static const char *current_case = "?";

void lwg_test_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "FAIL %s: %s:%d: %s\n", current_case, file, line, what);
    lwg_test_case_failed = 1;
}

void lwg_test_run(const char *name, void (*fn)(void))
{
    current_case = name;
    lwg_test_case_failed = 0;
    fn();
    if (lwg_test_case_failed) {
        cases_failed++;
        printf("  FAIL %s\n", name);
    } else {
        cases_passed++;
        printf("  ok   %s\n", name);
    }
    fflush(stdout);
}

int lwg_test_summary(void)
{
    printf("%d passed, %d failed\n", cases_passed, cases_failed);
    return cases_failed == 0 ? 0 : 1;
}

void lwg_test_hexdump(const char *label, const uint8_t *p, size_t n)
{
    fprintf(stderr, "  %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 256; i++)
        fprintf(stderr, "%s%02x", (i % 32) ? " " : "\n    ", p[i]);
    fprintf(stderr, "\n");
}
