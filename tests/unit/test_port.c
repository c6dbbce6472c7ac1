/* test_port.c - the port contract's time arithmetic and the fake port. */
#include "lwg_test.h"
#include "fake/fake_port.h"
#include "port/lwg_port.h"

static void test_time_diff_wraps(void)
{
    CHECK_EQ(lwg_time_diff(10, 5), 5);
    CHECK_EQ(lwg_time_diff(5, 10), -5);
    /* across the 2^32 wrap: 0xfffffff0 + 0x20 = 0x10 */
    CHECK_EQ(lwg_time_diff(0x10u, 0xfffffff0u), 0x20);
    CHECK_EQ(lwg_time_diff(0xfffffff0u, 0x10u), -0x20);
    CHECK(lwg_time_reached(0x10u, 0xfffffff0u));
    CHECK(!lwg_time_reached(0xfffffff0u, 0x10u));
    CHECK(lwg_time_reached(7, 7));
}

static void test_fake_clock(void)
{
    fake_port_set_now(0xfffffff0u);
    CHECK_EQ(lwg_port_now_ms(), 0xfffffff0u);
    fake_port_advance(0x20);
    CHECK_EQ(lwg_port_now_ms(), 0x10u);
}

static void test_fake_random_is_deterministic(void)
{
    uint8_t a[16], b[16];

    fake_port_seed(42);
    CHECK_EQ(lwg_port_random(a, sizeof a), LWG_OK);
    fake_port_seed(42);
    CHECK_EQ(lwg_port_random(b, sizeof b), LWG_OK);
    CHECK_MEM(a, b, sizeof a);
    CHECK(memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0);
}

int main(void)
{
    RUN(test_time_diff_wraps);
    RUN(test_fake_clock);
    RUN(test_fake_random_is_deterministic);
    return lwg_test_summary();
}
