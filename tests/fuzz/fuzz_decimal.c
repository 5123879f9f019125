/* libFuzzer harness: decimal text to int256 at 0..36 decimals (oracle_value_parse), and k.
 * Byte 0 picks the decimals; the rest is the text. Invariants: an accepted value prints as
 * canonical text that reads back to the same value; at one more decimal place the same text gives
 * about ten times the value (within one unit of the coarser place); k, when accepted, has
 * canonical text that parses to the same k. */
#include <stdint.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/core/u256.h"
#include "ob/oracle/aggregate.h"
#include "ob/oracle/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 4096)
    return 0;
  unsigned decimals = data[0] % (ORACLE_DECIMALS_MAX + 1);
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  struct chain_u256 x, y, back;
  struct ob_err err;
  char t[CHAIN_U256_DEC_MAX];
  if (oracle_value_parse(&x, text, len, decimals, "v", &err) == 0) {
    if (oracle_value_parse_canonical(&back, oracle_value_to_text(t, &x), "v", &err) != 0 ||
        chain_u256_cmp(&back, &x) != 0)
      __builtin_trap();
    /* exact (no rounding at this scale) => one more place is exactly 10x */
    if (decimals < ORACLE_DECIMALS_MAX && oracle_value_parse(&y, text, len, decimals + 1, "v", &err) == 0) {
      struct chain_u256 lo = y, ten = x;
      bool neg = chain_i256_is_neg(&lo);
      if (neg)
        chain_u256_neg(&lo);
      chain_u256_divmod_small(&lo, 10);
      if (neg)
        chain_u256_neg(&ten);
      /* floor(|y| / 10) - |x| is 0 or -1 (each rounding moves by at most half a place); 1 is let
       * through too, the bound that matters is that the two scales never drift apart */
      struct chain_u256 diff;
      chain_u256_sub(&diff, &lo, &ten);
      if (!(chain_u256_is_zero(&diff) || diff.w[0] == 1 || diff.w[0] == UINT64_MAX) ||
          (diff.w[0] == UINT64_MAX && (diff.w[1] & diff.w[2] & diff.w[3]) != UINT64_MAX) ||
          (diff.w[0] == 1 && (diff.w[1] | diff.w[2] | diff.w[3]) != 0))
        __builtin_trap();
    }
  }
  char ktext[256];
  struct oracle_k k, k2;
  if (len < sizeof ktext) {
    memcpy(ktext, text, len);
    ktext[len] = '\0';
    if (oracle_k_parse(&k, ktext, &err) == 0) {
      if (oracle_k_parse(&k2, k.text, &err) != 0 || strcmp(k.text, k2.text) != 0 ||
          chain_u256_cmp(&k.mant, &k2.mant) != 0 || k.exp10 != k2.exp10)
        __builtin_trap();
    }
  }
  return 0;
}
