/* Hex: lower case out; "0x" prefix optional on input. Never allocates. */
#ifndef OB_CORE_HEX_H
#define OB_CORE_HEX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct ob_err;

/* Write 2*n lower-case hex digits and a NUL to out (size 2*n+1). No prefix. */
void ob_hex_encode(char *out, const uint8_t *in, size_t n);
/* Same, with "0x" in front: out has room for 2*n+3 bytes. */
void ob_hex_encode0x(char *out, const uint8_t *in, size_t n);

/* Decode hex text (optional 0x/0X prefix) of textlen characters.
 * Returns: 0; OB_EPARSE for odd length or a non-hex digit (the message names the position);
 *          OB_ESPACE if it does not fit in outcap bytes.
 * Out: out, *outlen = bytes written. */
int ob_hex_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *text, size_t textlen,
                  struct ob_err *err);
/* Decode exactly n bytes (2n digits after an optional prefix), else OB_EPARSE. */
int ob_hex_decode_fixed(uint8_t *out, size_t n, const char *text, struct ob_err *err);
/* Decode into a newly allocated array (owned; free with ob_free). */
int ob_hex_decode_alloc(uint8_t **out, size_t *outlen, const char *text, size_t textlen,
                        struct ob_err *err);
#endif
