/* Fetching source values: curl multi driven by the node's one event loop, through a small loop
 * interface that node/ fills from its chain_loop (oracle/ depends on core/ only), so the same
 * fetcher runs in the daemon beside the chain client and, through oracle_fetch_blocking, in
 * one-shot commands.
 *
 * A failed source is an observation with its error, never a failed call: timeouts, HTTP errors,
 * bodies over the cap, redirects refused, non-JSON, an error body (the path absent: the message
 * quotes the body's `error`/`msg`), a value that is not a number. A 429 with Retry-After backs
 * that source off (the observation says so) until that time: the fetcher remembers it per source
 * (feed name and source name) and does not ask the source again before then.
 *
 * How (oracle/src/fetch.c, the one oracle file that includes curl): one curl multi handle on the
 * loop (a poll per socket, one timer), connections kept and reused between fetches, HTTP/2 over TLS
 * where the server offers it (requests multiplexed on one connection), at most max_per_host
 * connections per host, TLS always verified, each source's timeout (the whole fetch, redirects
 * included) and body cap (decoded bytes: the transfer is cut as soon as it passes), gzip/deflate/
 * br/zstd decoded by curl, redirects followed by the fetcher itself: at most the source's
 * max_redirects, never from https to http, and a source's headers are not sent to another origin.
 * Header values are read through opts.getenv at fetch time, wiped after use, never logged. */
#ifndef OB_ORACLE_FETCH_H
#define OB_ORACLE_FETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
struct ob_err;
struct oracle_feed;
struct oracle_source;

/* What the fetcher needs from an event loop (node/ adapts chain_loop; tests may too). Handles are
 * opaque; the semantics are chain_loop's (ob/chain/loop.h): *_free safe inside the handle's own
 * callback, no callback after free. */
struct oracle_loop {
  void *ctx;
  uint64_t (*now_ms)(void *ctx);
  int (*timer_new)(void **out, void *ctx, void (*cb)(void *ud), void *ud);
  void (*timer_start)(void *t, uint64_t timeout_ms, uint64_t repeat_ms);
  void (*timer_stop)(void *t);
  void (*timer_free)(void *t);
  int (*poll_new)(void **out, void *ctx, int fd, void (*cb)(void *ud, int fd, int events, int status), void *ud);
  int (*poll_set)(void *p, int events); /* 1 = in, 2 = out, 0 = stop */
  void (*poll_free)(void *p);
};

struct oracle_obs {
  const struct oracle_feed *feed;    /* borrowed from the caller's feedset */
  const struct oracle_source *source;
  int rc;                  /* 0: value is valid; else the OB_E* code of the error */
  struct chain_u256 value; /* int256 at the feed's decimals, after invert / multiply / divide */
  char *raw;               /* owned: the text found at the path (NULL if none) */
  char *error;             /* owned: when rc != 0, one line ("HTTP 500 from bn", "timed out after 1000 ms") */
  int http_status;         /* 0 if no response */
  uint32_t latency_ms;
  uint64_t at_ms;          /* unix ms when the response (or error) arrived */
  uint64_t retry_after_ms; /* > 0: the source is backed off until this unix ms */
  uint8_t http_version;    /* 10, 11, 20 (HTTP/1.0, 1.1, 2), 0 if no response */
  bool reused;             /* the response came on a connection already open */
};
void oracle_obs_release(struct oracle_obs *o, size_t n); /* frees raw/error of each (not the array) */

struct oracle_fetch_opts {
  unsigned max_per_host;     /* connections per host (default 8) */
  unsigned max_total;        /* connections in all (default 64) */
  unsigned max_in_flight;    /* transfers holding curl buffers at once, the rest wait (default 256) */
  const char *ca_file;       /* NULL: the system trust store (verification is never off); copied */
  bool allow_http;           /* plain http:// sources (default true; https is always allowed) */
  const char *user_agent;    /* default "obridge"; copied */
  uint32_t backoff_default_s; /* a 429 without Retry-After backs off this long (default 60) */
  uint32_t backoff_max_s;     /* a Retry-After beyond this is cut to it (default 3600) */
  /* Where header values come from (default: getenv). The value is used at once, never kept. */
  const char *(*getenv)(void *ud, const char *name);
  void *getenv_ud;
};
void oracle_fetch_opts_init(struct oracle_fetch_opts *o);

struct oracle_fetcher;
int oracle_fetcher_new(struct oracle_fetcher **out, const struct oracle_loop *loop,
                       const struct oracle_fetch_opts *o, struct ob_err *err);
void oracle_fetcher_free(struct oracle_fetcher *f); /* cancels what is in flight, no callback */

/* Fetch every source of feeds[0..n) (the feeds are borrowed until cb). When all are done, cb gets
 * one observation per source (obs[i] for feeds in order, sources in order; the array and its
 * strings are the fetcher's until cb returns, but cb may take raw/error: it sets them to NULL).
 * Several fetches may be in flight at once. cb may free the fetcher or start another fetch.
 * Returns 0 (cb follows, from the loop, never from inside this call); OB_ENOMEM. */
typedef void (*oracle_fetch_cb)(void *ud, struct oracle_obs *obs, size_t nobs);
int oracle_fetch(struct oracle_fetcher *f, const struct oracle_feed *const *feeds, size_t n,
                 oracle_fetch_cb cb, void *ud, struct ob_err *err);
#endif
