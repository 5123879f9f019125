/* node/'s internals shared between its files. */
#ifndef OB_NODE_INT_H
#define OB_NODE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_buf;
struct chain_loop;
struct chain_thread;

/* IPFS's health, asked on a thread of its own so that a node that hangs never stalls the loop
 * (ipfs_probe.c; the daemon's tick, `obridge serve`'s dashboard). Set fn, ud and loop (NULL: every
 * check inline), zero the rest. node__ipfs_probe: takes a check that ended; starts the next when none
 * runs and the last result is every_ms old; the first check runs inline, so ok and why are known from
 * the first call. fn's client must be used by nothing else. */
struct node__ipfs_probe {
  int (*fn)(void *ud, char *why, size_t cap); /* node_ipfs_check */
  void *ud;
  struct chain_loop *loop;
  bool known, ok;      /* the last result */
  char why[512];
  uint64_t at_ms;      /* when it was taken */
  struct chain_thread *th; /* the check in flight, or NULL */
  int run_rc;          /* written by the check's thread */
  char run_why[512];
};
void node__ipfs_probe(struct node__ipfs_probe *p, uint64_t every_ms);
void node__ipfs_probe_release(struct node__ipfs_probe *p); /* waits for a check in flight */

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
