/* libFuzzer harness: what browsers send the dashboard (node/src/dashboard.c) and the decimal text it
 * writes. Byte 0 picks: 0 mod 3, the rest is a Cookie header; 1, a login form body; 2, byte 1 is the
 * decimals (mod 40) and the rest an integer text. Each must return within its buffer, NUL-terminated;
 * a decimal of digits is digits with at most one '.' (the text itself at 0 decimals). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text, out[64];
  if (size < 2) return 0;
  if (!(text = malloc(size))) return 0;
  memcpy(text, data + 2, size - 2);
  text[size - 2] = 0;
  memset(out, 'x', sizeof(out));
  switch (data[0] % 3) {
  case 0:
    if (node__cookie_token(text, out, sizeof(out)) && !memchr(out, 0, sizeof(out))) abort();
    break;
  case 1:
    if (node__form_token(text, out, sizeof(out)) && (!memchr(out, 0, sizeof(out)) || !out[0])) abort();
    break;
  default: {
    char big[160];
    unsigned dec = data[1] % 40;
    bool digits = text[0] != 0 && strspn(text, "0123456789") == strlen(text) && strlen(text) < 60;
    node__dec_text(big, sizeof(big), text, dec);
    if (!memchr(big, 0, sizeof(big))) abort();
    if (digits) { /* digits and at most one '.'; no decimals: the text itself */
      if (strspn(big, "0123456789.") != strlen(big) || strchr(big, '.') != strrchr(big, '.')) abort();
      if (dec == 0 && strcmp(big, text) != 0) abort();
    }
    node__dec_text(out, 2, text, dec);
    break;
  }
  }
  free(text);
  return 0;
}
