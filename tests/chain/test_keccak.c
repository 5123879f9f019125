#include <stdlib.h>

#include "ob/chain/keccak.h"
#include "ob/core/hex.h"
#include "ob_test.h"

static void hash_hex(char out[65], const void *data, size_t len) {
  uint8_t h[32];
  chain_keccak256(h, data, len);
  ob_hex_encode(out, h, 32);
}

OB_TEST(keccak_known_answers) {
  char hex[65];
  hash_hex(hex, "", 0);
  OB_CHECK_STR(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  hash_hex(hex, "abc", 3);
  OB_CHECK_STR(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  /* The selector of transfer(address,uint256) is the first 4 bytes. */
  hash_hex(hex, "transfer(address,uint256)", 25);
  OB_CHECK(strncmp(hex, "a9059cbb", 8) == 0);
  hash_hex(hex, "The quick brown fox jumps over the lazy dog", 43);
  OB_CHECK_STR(hex, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

/* Lengths around the 136-byte rate: 135 (pad bytes 0x01 and 0x80 share one byte), 136, 137. */
OB_TEST(keccak_rate_boundaries) {
  uint8_t buf[300];
  char hex[65];
  memset(buf, 'a', sizeof buf);
  hash_hex(hex, buf, 135);
  OB_CHECK_STR(hex, "34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446");
  hash_hex(hex, buf, 136);
  OB_CHECK_STR(hex, "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e");
  hash_hex(hex, buf, 137);
  OB_CHECK_STR(hex, "d869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39");
}

/* Any split of the input into update() calls gives the one-shot digest. */
OB_TEST(keccak_streaming_equals_one_shot) {
  ob_test_rng_seed(1);
  uint8_t data[1000], want[32], got[32];
  ob_test_rand_bytes(data, sizeof data);
  for (int round = 0; round < 200; round++) {
    size_t len = ob_test_rand() % sizeof data;
    chain_keccak256(want, data, len);
    struct chain_keccak k;
    chain_keccak_init(&k);
    size_t off = 0;
    while (off < len) {
      size_t n = ob_test_rand() % 300;
      if (n > len - off)
        n = len - off;
      chain_keccak_update(&k, data + off, n);
      off += n;
    }
    chain_keccak_final(&k, got);
    OB_CHECK_MSG(memcmp(want, got, 32) == 0, "streamed digest differs at len %zu", len);
  }
}
