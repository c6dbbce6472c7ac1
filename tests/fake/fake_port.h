/*
 * fake_port.h - a port for tests: the clock is whatever the test sets,
 * random bytes are a deterministic sequence, log lines go to stderr (or are
 * counted), asserts abort.
 */
#ifndef FAKE_PORT_H
#define FAKE_PORT_H
#include <stdint.h>

/** Set the value lwg_port_now_ms() returns. */
void fake_port_set_now(uint32_t now_ms);
/** Advance the clock by ms (wraps like a real 32-bit tick). */
void fake_port_advance(uint32_t ms);
/** Restart the deterministic random sequence. */
void fake_port_seed(uint32_t seed);
/** Number of log lines written so far. */
unsigned fake_port_log_lines(void);
/** The most recent log line ("" if none). */
const char *fake_port_last_log(void);

#endif
