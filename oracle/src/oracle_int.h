/* oracle/ internals shared between its files. */
#ifndef OB_ORACLE_INT_H
#define OB_ORACLE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON number split into parts: the digits are int_digits then frac_digits (read with
 * oracle__digit_at), scaled by 10^exp10 (saturated far beyond any document's length). */
struct oracle__dec {
  bool neg;
  const char *int_digits;
  size_t int_len;
  const char *frac_digits;
  size_t frac_len;
  int64_t exp10;
};
/* s[0..n) must be valid JSON number grammar (ob_json_number_valid). Never fails. */
void oracle__dec_split(struct oracle__dec *d, const char *s, size_t n);
/* Digit i (0 ≤ i < int_len + frac_len) of the concatenated digits. */
int oracle__digit_at(const struct oracle__dec *d, size_t i);
#endif
