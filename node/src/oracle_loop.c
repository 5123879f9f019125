/* struct oracle_loop over chain_loop, and the one-shot blocking fetch. */
#include "ob/node/oracle_loop.h"

#include <string.h>

#include "ob/chain/loop.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"

static uint64_t now_ms(void *ctx) { return chain_loop_now_ms(ctx); }

static int timer_new(void **out, void *ctx, void (*cb)(void *ud), void *ud) {
  return chain_timer_new((struct chain_timer **)out, ctx, cb, ud, NULL);
}
static void timer_start(void *t, uint64_t timeout_ms, uint64_t repeat_ms) { chain_timer_start(t, timeout_ms, repeat_ms); }
static void timer_stop(void *t) { chain_timer_stop(t); }
static void timer_free(void *t) { chain_timer_free(t); }

static int poll_new(void **out, void *ctx, int fd, void (*cb)(void *ud, int fd, int events, int status), void *ud) {
  return chain_poll_new((struct chain_poll **)out, ctx, fd, cb, ud, NULL);
}
/* oracle_loop's events (1 in, 2 out) are chain_loop's. */
_Static_assert(CHAIN_POLL_IN == 1 && CHAIN_POLL_OUT == 2, "oracle_loop poll events are chain_loop's");
static int poll_set(void *p, int events) { return chain_poll_set(p, events); }
static void poll_free(void *p) { chain_poll_free(p); }

void node_oracle_loop(struct oracle_loop *out, struct chain_loop *l) {
  *out = (struct oracle_loop){.ctx = l,
                              .now_ms = now_ms,
                              .timer_new = timer_new,
                              .timer_start = timer_start,
                              .timer_stop = timer_stop,
                              .timer_free = timer_free,
                              .poll_new = poll_new,
                              .poll_set = poll_set,
                              .poll_free = poll_free};
}

struct blocking {
  bool done;
  struct oracle_obs *obs;
  size_t n;
  int rc;
};

/* Take the observations: copy the array, move the strings. */
static void on_fetched(void *ud, struct oracle_obs *obs, size_t n) {
  struct blocking *b = ud;
  b->done = true;
  if (!(b->obs = ob_calloc(n ? n : 1, sizeof(*obs)))) {
    b->rc = OB_ENOMEM;
    return;
  }
  memcpy(b->obs, obs, n * sizeof(*obs));
  for (size_t i = 0; i < n; i++) obs[i].raw = obs[i].error = NULL;
  b->n = n;
}

int node_fetch_on(struct chain_loop *l, struct oracle_fetcher *f, struct oracle_obs **obs_out, size_t *n_out,
                  const struct oracle_feed *const *feeds, size_t n, struct ob_err *err) {
  struct blocking b = {0};
  int rc;
  *obs_out = NULL;
  *n_out = 0;
  rc = oracle_fetch(f, feeds, n, on_fetched, &b, err);
  if (!rc && !chain_loop_run_until(l, &b.done)) rc = ob_err_set(err, OB_EIO, "the fetch stopped before it ended");
  if (!rc && b.rc) rc = ob_err_set(err, b.rc, "out of memory");
  if (rc) {
    node_obs_free(b.obs, b.n);
    return rc;
  }
  *obs_out = b.obs;
  *n_out = b.n;
  return 0;
}

int node_fetch_blocking(struct oracle_obs **obs_out, size_t *n_out, const struct oracle_fetch_opts *o,
                        const struct oracle_feed *const *feeds, size_t n, struct ob_err *err) {
  struct chain_loop *l = NULL;
  struct oracle_fetcher *f = NULL;
  struct oracle_loop ol;
  int rc;
  *obs_out = NULL;
  *n_out = 0;
  if ((rc = chain_loop_new(&l, err))) return rc;
  node_oracle_loop(&ol, l);
  rc = oracle_fetcher_new(&f, &ol, o, err);
  if (!rc) rc = node_fetch_on(l, f, obs_out, n_out, feeds, n, err);
  oracle_fetcher_free(f);
  chain_loop_free(l);
  return rc;
}

void node_obs_free(struct oracle_obs *obs, size_t n) {
  if (!obs) return;
  oracle_obs_release(obs, n);
  ob_free(obs);
}
