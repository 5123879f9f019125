/* node/'s internals shared between its files. */
#ifndef OB_NODE_INT_H
#define OB_NODE_INT_H
#include <stdbool.h>
#include <stddef.h>

struct ob_buf;

/* Append data gzip-compressed (RFC 1952) to out. Returns 0; OB_ENOMEM (out's ceiling too); OB_EIO. */
int node__gzip(struct ob_buf *out, const void *data, size_t len);
/* The dashboard's parsers of what browsers send (dashboard.c; fuzzed by tests/fuzz/fuzz_dashboard.c).
 * The value of the obridge_token cookie in a Cookie header; token=… of a form body, percent-decoded.
 * Both write at most cap - 1 bytes and a NUL; false when absent (form: or empty). */
bool node__cookie_token(const char *cookie, char *tok, size_t cap);
bool node__form_token(const char *body, char *out, size_t cap);
/* The integer text v (an optional '-', digits) at dec decimals as decimal text, trailing zeros cut;
 * anything else (or more than 87 digits) copied as it is. Writes at most cap - 1 bytes and a NUL. */
void node__dec_text(char *out, size_t cap, const char *v, unsigned dec);
#endif
