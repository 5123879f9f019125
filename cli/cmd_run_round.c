/* The daemon's round (cli_run_round.h): node_oracle_round behind a struct node_round_hook, fenced by
 * the leader's lease token.
 *
 * The round runs from a zero timer on the daemon's loop (the hook never calls done from inside
 * start). It takes the same advisory lock as `feed run --once` (oracle-round:<chain>:<registry>),
 * so a cron run and the daemon never run a round at once, and every write checks the lease token
 * (a leader that lost its lease stops at its next write: outcome "fenced").
 *
 * The fetch runs on the daemon's own loop with one fetcher for the daemon's life (node_fetch_on:
 * connections kept between rounds, a 429's backoff remembered; a new one after SIGHUP), and waiting
 * for the chain runs the loop too, so /health, /metrics and the lease go on meanwhile; so does the
 * pin, on a thread of its own (node/round.c, chain_thread).
 * NEEDSWORK: the database statements still block the loop (bounded by their timeouts). */
#include <inttypes.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_feed.h"
#include "cli_run_round.h"
#include "cli_sign.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/loop.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/metrics.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/daemon.h"
#include "ob/node/oracle.h"
#include "ob/node/oracle_loop.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"

#define ROUND_TIMEOUT_MS 300000 /* a round's commit waits for the chain this long, then the next resumes */

struct cli_round {
  struct cli *cli;
  struct chain_timer *t;
  struct node_round_env env;   /* the round in flight: borrowed from the daemon until done */
  node_round_done done;
  void *done_ud;
  bool loaded;                 /* feeds and keys */
  struct oracle_feedset fs;
  const struct oracle_feed **sel;
  struct keys keys;
  struct cli_txm g;            /* the manager on the daemon's loop, for one round */
  struct oracle_loop ol;
  struct oracle_fetcher *f;    /* on the daemon's loop, made at the first round after a (re)load */
  char who[96];
  atomic_int stopping; /* the daemon stops: a pin in flight is cut short (ctx.stop) */
};

static void obs_free(void *ud, struct oracle_obs *obs, size_t n) {
  (void)ud;
  node_obs_free(obs, n);
}

/* The sources' errors and latencies into the daemon's metrics (the families node/daemon.h declares;
 * declaring one again returns it). */
static void record(struct ob_metrics *m, const struct oracle_obs *obs, size_t n) {
  static const double lat[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct ob_metric *err_f = NULL, *lat_f = NULL;
  if (!m || ob_metrics_counter(m, &err_f, "obridge_source_errors_total", "failed observations, by feed and source",
                               "feed,source", NULL) ||
      ob_metrics_histogram(m, &lat_f, "obridge_source_latency_seconds", "time to an answer from a data source", "source",
                           lat, sizeof(lat) / sizeof(lat[0]), NULL))
    return;
  for (size_t i = 0; i < n; i++) {
    const char *lv[2] = {obs[i].feed->name, obs[i].source->name};
    if (obs[i].rc) (void)ob_metric_add(err_f, lv, 1);
    if (obs[i].http_status) (void)ob_metric_observe(lat_f, lv + 1, obs[i].latency_ms / 1000.0);
  }
}

static int fetch_collect(void *ud, const struct oracle_feed *const *feeds, size_t n, struct oracle_obs **out,
                         size_t *nout, struct ob_err *err) {
  struct cli_round *r = ud;
  struct oracle_fetch_opts fo;
  int rc = 0;
  if (!r->f) {
    cli_fetch_opts(&fo, r->cli->config);
    node_oracle_loop(&r->ol, r->env.loop);
    rc = oracle_fetcher_new(&r->f, &r->ol, &fo, err);
  }
  if (!rc) rc = node_fetch_on(r->env.loop, r->f, out, nout, feeds, n, err);
  if (!rc) record(r->env.metrics, *out, *nout);
  return rc;
}

static void unload(struct cli_round *r) {
  oracle_fetcher_free(r->f); /* its backoffs name the feeds freed below */
  r->f = NULL;
  ob_memclear(&r->keys, sizeof(r->keys));
  ob_free(r->sel);
  r->sel = NULL;
  oracle_feedset_release(&r->fs);
  r->loaded = false;
}

/* Feeds and signing keys from the current config (again after SIGHUP). */
static int load(struct cli_round *r, struct ob_err *err) {
  const struct ob_config *c = r->cli->config;
  int rc;
  if (r->loaded) return 0;
  if ((rc = cli_feeds_load(c, &r->fs, err))) return rc;
  if (!r->fs.n) return ob_err_set(err, OB_EUSAGE, "no feeds configured (oracle.feeds, oracle.feeds_dir)");
  if (!(r->sel = ob_calloc(r->fs.n, sizeof(*r->sel)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < r->fs.n; i++) r->sel[i] = &r->fs.feeds[i];
  if ((rc = cli_sign_keys_load(r->cli, c, NULL, NULL, &r->keys, err))) return rc;
  r->loaded = true;
  return 0;
}

static int run(struct cli_round *r, struct node_oracle_result *res, struct ob_err *err) {
  const struct ob_config *c = r->cli->config;
  struct node_commit_ctx ctx;
  struct node_oracle_opts o;
  struct node_fence fence = {r->env.lease_token, NULL};
  char lock[96], regl[43];
  uint8_t reg[20];
  int rc;
  if (!c->registry || chain_addr_parse(reg, c->registry, NULL))
    return ob_err_set(err, OB_EUSAGE, "chain.registry: a registry address is needed for rounds");
  if ((rc = load(r, err))) return rc;
  ob_hex_encode0x(regl, reg, 20);
  snprintf(lock, sizeof(lock), "oracle-round:%" PRIu64 ":%s", c->chain_id, regl);
  if ((rc = db_advisory_lock(r->env.db, lock, true, err))) return rc; /* a cron run holds it: OB_ECONFLICT */
  /* The manager only for the round, so the sender's lock is free between rounds (a cron run or
   * `obridge tx` may send meanwhile); opening it recovers what the last round left. */
  if ((rc = cli_txm_open_on(&r->g, r->cli, r->env.db, r->env.loop, r->env.rpc, 30000, err))) {
    (void)db_advisory_unlock(r->env.db, lock, NULL);
    return rc;
  }
  memset(&ctx, 0, sizeof(ctx));
  ctx.db = r->env.db, ctx.loop = r->env.loop, ctx.rpc = r->env.rpc, ctx.m = r->g.m;
  memcpy(ctx.from, r->g.signer.from, 20);
  ctx.chain_id = c->chain_id;
  memcpy(ctx.registry, reg, 20);
  ctx.keys = (const uint8_t(*)[32])r->keys.key, ctx.addrs = (const uint8_t(*)[20])r->keys.addr, ctx.nkeys = r->keys.n;
  ctx.ipfs_api = c->ipfs_api, ctx.ipfs_profile = c->ipfs_profile;
  ctx.ipfs_connect_timeout_s = c->ipfs_connect_timeout_s, ctx.ipfs_stall_timeout_s = c->ipfs_stall_timeout_s;
  ctx.stop = &r->stopping;
  ctx.deadline = ob_mono_ms() + ROUND_TIMEOUT_MS;
  ctx.fence = &fence;
  memset(&o, 0, sizeof(o));
  o.commit = &ctx;
  o.feeds = r->sel, o.nfeeds = r->fs.n;
  o.holder = r->env.node_id;
  o.retention_days = c->oracle_retention_days;
  o.provider.ud = r, o.provider.collect = fetch_collect, o.provider.release = obs_free;
  rc = node_oracle_round(&o, res, err);
  cli_txm_close(&r->g);
  (void)db_advisory_unlock(r->env.db, lock, NULL);
  return rc;
}

static void on_timer(void *ud) {
  struct cli_round *r = ud;
  const struct ob_config *c = r->cli->config;
  struct node_oracle_result res;
  struct ob_err err;
  const char *outcome;
  int rc;
  /* A daemon without feeds (pin workers and the chain subscription only) ticks with nothing to do. */
  if (!c->oracle_feeds && !c->feeds_dir) {
    OB_LOGF(OB_LOG_INFO, "round", "round %" PRIu64 ": no feeds configured, nothing to do", r->env.seq);
    r->done(r->done_ud, "noop", NULL);
    return;
  }
  ob_err_clear(&err);
  memset(&res, 0, sizeof(res));
  rc = run(r, &res, &err);
  outcome = !rc                    ? res.outcome
            : rc == OB_ECONFLICT     ? "locked"
            : rc == OB_ESTATE        ? "fenced"
            : rc == OB_ECANCELED && r->stopping ? "stopped"
                                     : "failed";
  if (!rc)
    OB_LOGF(OB_LOG_INFO, "round",
            "round %" PRIu64 " (attempt %" PRIu32 "): %s%s%s; ms: fetch %" PRIu64 " store %" PRIu64 " aggregate %" PRIu64
            " batch %" PRIu64 " pin %" PRIu64 " sign %" PRIu64 " submit %" PRIu64 " confirm %" PRIu64 " total %" PRIu64,
            res.round, res.attempt, outcome, res.resumed_from[0] ? ", resumed from " : "", res.resumed_from, res.ms.fetch,
            res.ms.store, res.ms.aggregate, res.ms.batch, res.ms.pin, res.ms.sign, res.ms.submit, res.ms.confirm,
            res.ms.total);
  node_oracle_result_release(&res);
#if defined(__GLIBC__)
  /* A round's buffers (observations, the batch document: ~10 MB for 1,000 feeds) are freed by now;
   * glibc keeps freed heap pages mapped, so hand them back: the daemon's RSS stays its steady state. */
  malloc_trim(0);
#endif
  r->done(r->done_ud, outcome, rc ? &err : NULL);
}

static int start(void *ud, const struct node_round_env *env, node_round_done done, void *done_ud, struct ob_err *err) {
  struct cli_round *r = ud;
  int rc = 0;
  if (!env->rpc) return ob_err_set(err, OB_EUSAGE, "rounds need a chain (chain.endpoints)");
  if (!r->t) rc = chain_timer_new(&r->t, env->loop, on_timer, r, err);
  if (rc) return rc;
  r->env = *env;
  r->done = done, r->done_ud = done_ud;
  chain_timer_start(r->t, 0, 0);
  return 0;
}

static void reload(void *ud) { unload(ud); }

static void stop(void *ud) { ((struct cli_round *)ud)->stopping = 1; }

int cli_round_hook_new(struct cli_round **out, struct node_round_hook *h, struct cli *cli, struct ob_err *err) {
  struct cli_round *r = ob_calloc(1, sizeof(*r));
  if (!r) return ob_err_set(err, OB_ENOMEM, "out of memory");
  r->cli = cli;
  oracle_feedset_init(&r->fs);
  memset(h, 0, sizeof(*h));
  h->ud = r;
  h->start = start;
  h->reload = reload;
  h->stop = stop;
  *out = r;
  return 0;
}

void cli_round_hook_free(struct cli_round *r) {
  if (!r) return;
  chain_timer_free(r->t);
  unload(r);
  ob_free(r);
}
