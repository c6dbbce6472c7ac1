/*
 * fp_port.c - linked into every footprint image (so it cancels out):
 * lwgrpc's port functions, stubbed, and with -DFP_BASELINE the empty
 * main() of the baseline image.  The baseline also references snprintf,
 * which the server handlers of both stacks use, so the C library's
 * formatting code is not charged to either.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "port/lwg_port.h"

/* clock, random, log and assert stubs, as the size report's images have */
#include "toolchain/size_port.h"

/* snprintf and strcpy for every image */
static char fp_text[32];
void fp_common(void);
void fp_common(void)
{
    snprintf(fp_text, sizeof fp_text, "Hello %s", size_clock ? "a" : "b");
}

#if defined(FP_BASELINE)
int main(void)
{
    fp_common();
    return fp_text[0];
}
#endif
