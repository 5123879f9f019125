/* JSON number text split into digits and a decimal exponent (shared by value.c and aggregate.c). */
#include <string.h>

#include "oracle_int.h"

#define EXP_SATURATE ((int64_t)1 << 50)

void oracle__dec_split(struct oracle__dec *d, const char *s, size_t n) {
  size_t i = 0;
  memset(d, 0, sizeof(*d));
  if (s[i] == '-') {
    d->neg = true;
    i++;
  }
  d->int_digits = s + i;
  while (i < n && s[i] >= '0' && s[i] <= '9')
    i++, d->int_len++;
  if (i < n && s[i] == '.') {
    d->frac_digits = s + ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++, d->frac_len++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    bool eneg = false;
    i++;
    if (s[i] == '+' || s[i] == '-')
      eneg = s[i++] == '-';
    for (; i < n; i++)
      if (d->exp10 < EXP_SATURATE)
        d->exp10 = d->exp10 * 10 + (s[i] - '0');
    if (eneg)
      d->exp10 = -d->exp10;
  }
}

int oracle__digit_at(const struct oracle__dec *d, size_t i) {
  return i < d->int_len ? d->int_digits[i] - '0' : d->frac_digits[i - d->int_len] - '0';
}
