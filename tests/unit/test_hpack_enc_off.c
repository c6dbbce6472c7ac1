/* test_hpack_enc_off.c - test_hpack_enc with the encoder's table turned
 * off (LWG_HPACK_ENC_TABLE_SIZE 0, a documented setting): every field is
 * a literal or a static index, blocks still decode, size updates still
 * follow the peer.  Built with its own HPACK objects (toolchain/test.mk). */
#define LWG_HPACK_ENC_TABLE_SIZE 0
#include "test_hpack_enc.c"
