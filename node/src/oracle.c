/* The oracle round (oracle.h): each step reads what the one before stored, so any step can be the
 * first one a rerun does. */
#include "ob/node/oracle.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/db/db.h"
#include "ob/node/oracle_store.h"
#include "ob/node/registry.h"
#include "ob/oracle/aggregate.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"
#include "ob/oracle/value.h"

struct oround {
  const struct node_oracle_opts *o;
  struct node_oracle_ctx sc;
  struct node_commit_ctx cc;
  struct node_oracle_round_row r;
  struct node_oracle_result *res;
  uint64_t mark; /* ob_mono_ms() at the end of the last timed step */
  /* What this run collected and aggregated, kept for the batch and the result (NULL: load them) */
  struct node_oracle_obs_row *rows;
  size_t nrows;
  struct node_oracle_agg_row *aggs;
  size_t naggs;
};

/* The time since the last mark into *slot, and a new mark. */
static void lap(struct oround *x, uint64_t *slot) {
  uint64_t now = ob_mono_ms();
  *slot += now - x->mark;
  x->mark = now;
}

void node_oracle_result_release(struct node_oracle_result *r) {
  if (!r) return;
  ob_free(r->feeds);
  r->feeds = NULL;
  r->nfeeds = 0;
}

static const struct oracle_feed *feed_of(const struct node_oracle_opts *o, const char *name) {
  for (size_t i = 0; i < o->nfeeds; i++)
    if (strcmp(o->feeds[i]->name, name) == 0) return o->feeds[i];
  return NULL;
}

static void crash_at(const struct oround *x, const char *step) {
  if (x->cc.crash_at) x->cc.crash_at(step);
}


/* ---- aggregate and triggers ---- */

/* The aggregate of one feed's stored observations rows[0..n); their outlier flags into outl. */
static int aggregate_feed(const struct oracle_feed *f, const struct node_oracle_obs_row *rows, size_t n,
                          struct node_oracle_agg_row *a, bool *outl, struct chain_u256 *xs, bool *flags,
                          struct ob_err *err) {
  struct oracle_agg res;
  size_t m = 0;
  int rc;
  memset(a, 0, sizeof(*a));
  snprintf(a->feed, sizeof(a->feed), "%s", f->name);
  a->decimals = f->decimals;
  snprintf(a->k, sizeof(a->k), "%s", f->k.text);
  a->quorum = f->quorum;
  a->deviation_bps = f->deviation_bps;
  a->heartbeat_s = f->heartbeat_s;
  a->observed_at = ob_unix_s();
  for (size_t i = 0; i < n; i++)
    if (rows[i].has_value) xs[m++] = rows[i].value;
  if ((rc = oracle_aggregate(&res, flags, xs, m, &f->k, f->quorum, err))) return rc;
  for (size_t i = 0, j = 0; i < n; i++) outl[i] = rows[i].has_value ? flags[j++] : false;
  a->ok = res.ok;
  a->value = res.value;
  a->counted = (uint32_t)res.counted;
  a->remaining = (uint32_t)res.remaining;
  if (!res.ok) {
    if (m < n && m < f->quorum)
      snprintf(a->left_out, sizeof(a->left_out), "%zu of %zu sources answered, quorum is %" PRIu32, m, n, f->quorum);
    else snprintf(a->left_out, sizeof(a->left_out), "%s", res.reason[0] ? res.reason : "below quorum");
  }
  return 0;
}

/* ---- collect (and aggregate, in the same transaction) ---- */

struct obs_key {
  const char *feed, *source;
  size_t i;
};
static int by_feed_source(const void *a, const void *b) {
  const struct obs_key *x = a, *y = b;
  int c = strcmp(x->feed, y->feed);
  return c ? c : strcmp(x->source, y->source);
}

/* The fetched observations as rows by feed then source (byte order, as node_oracle_obs_load gives
 * them), median-mad per feed, then observations, outlier flags, aggregates and triggers stored in one
 * transaction: the round goes from collect to batch (or nothing-due) at once. The rows and the
 * aggregates stay in x for the batch. */
static int collect_aggregate(struct oround *x, const struct oracle_obs *obs, size_t n, struct ob_err *err) {
  struct obs_key *keys = NULL;
  struct chain_u256 *xs = NULL;
  bool *outl = NULL, *flags = NULL, *outl_obs = NULL;
  char(*dues)[12] = NULL;
  size_t due = 0;
  int rc = 0;
  if (n && (!(keys = ob_calloc(n, sizeof(*keys))) || !(x->rows = ob_calloc(n, sizeof(*x->rows))) ||
            !(x->aggs = ob_calloc(n, sizeof(*x->aggs))) || !(xs = ob_calloc(n, sizeof(*xs))) ||
            !(outl = ob_calloc(n, sizeof(*outl))) || !(flags = ob_calloc(n, sizeof(*flags))) ||
            !(outl_obs = ob_calloc(n, sizeof(*outl_obs))) || !(dues = ob_calloc(n, sizeof(*dues)))))
    rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n; i++) keys[i] = (struct obs_key){obs[i].feed->name, obs[i].source->name, i};
  if (!rc && n) qsort(keys, n, sizeof(*keys), by_feed_source);
  for (size_t k = 0; !rc && k < n; k++) {
    const struct oracle_obs *o = &obs[keys[k].i];
    struct node_oracle_obs_row *w = &x->rows[k];
    x->nrows = k + 1;
    if (!(w->feed = ob_strdup(o->feed->name)) || !(w->source = ob_strdup(o->source->name)))
      rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    w->has_value = o->rc == 0;
    if (w->has_value) w->value = o->value;
    w->http_status = o->http_status;
    w->latency_ms = o->latency_ms;
    w->at_ms = o->at_ms;
    w->outlier = -1;
  }
  for (size_t i = 0; !rc && i < n;) {
    size_t j = i;
    while (j < n && keys[j].feed == keys[i].feed) j++; /* one feed's sources (its name, one pointer) */
    rc = aggregate_feed(obs[keys[i].i].feed, x->rows + i, j - i, &x->aggs[x->naggs++], outl + i, xs, flags, err);
    i = j;
  }
  for (size_t k = 0; !rc && k < n; k++) {
    outl_obs[keys[k].i] = outl[k];
    x->rows[k].outlier = outl[k];
  }
  lap(x, &x->res->ms.aggregate);
  if (!rc) rc = node_oracle_collect_store(&x->sc, &x->r, obs, outl_obs, n, x->aggs, x->naggs, dues, &due, err);
  for (size_t i = 0; !rc && i < x->naggs; i++) snprintf(x->aggs[i].due, sizeof(x->aggs[i].due), "%s", dues[i]);
  lap(x, &x->res->ms.store);
  if (!rc) snprintf(x->r.state, sizeof(x->r.state), "%s", due ? "batch" : "nothing-due");
  ob_free(keys), ob_free(xs), ob_free(outl), ob_free(flags), ob_free(outl_obs), ob_free(dues);
  return rc;
}

static int collect(struct oround *x, struct ob_err *err) {
  const struct node_obs_provider *p = &x->o->provider;
  struct oracle_obs *obs = NULL;
  size_t n = 0;
  int rc = p->collect(p->ud, x->o->feeds, x->o->nfeeds, &obs, &n, err);
  lap(x, &x->res->ms.fetch);
  if (!rc) rc = collect_aggregate(x, obs, n, err);
  if (obs && p->release) p->release(p->ud, obs, n);
  if (!rc) crash_at(x, "collected");
  if (!rc) crash_at(x, "aggregated");
  return rc;
}

static int aggregate(struct oround *x, struct ob_err *err) {
  struct node_oracle_obs_row *rows = NULL;
  struct node_oracle_agg_row *aggs = NULL;
  struct chain_u256 *xs = NULL;
  int64_t *ids = NULL;
  bool *outl = NULL, *flags = NULL;
  size_t n = 0, na = 0, due = 0;
  int rc = node_oracle_obs_load(&x->sc, &x->r, &rows, &n, err);
  if (!rc && n && (!(aggs = ob_calloc(n, sizeof(*aggs))) || !(xs = ob_calloc(n, sizeof(*xs))) ||
                   !(ids = ob_calloc(n, sizeof(*ids))) || !(outl = ob_calloc(n, sizeof(*outl))) ||
                   !(flags = ob_calloc(n, sizeof(*flags)))))
    rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n;) {
    size_t j = i;
    const struct oracle_feed *f = feed_of(x->o, rows[i].feed);
    while (j < n && strcmp(rows[j].feed, rows[i].feed) == 0) ids[j] = rows[j].id, j++;
    /* a feed removed from the config since the observations were stored is left out */
    if (f) rc = aggregate_feed(f, rows + i, j - i, &aggs[na++], outl + i, xs, flags, err);
    i = j;
  }
  if (!rc) rc = node_oracle_aggregates_store(&x->sc, &x->r, aggs, na, ids, outl, n, &due, err);
  lap(x, &x->res->ms.aggregate);
  if (!rc) snprintf(x->r.state, sizeof(x->r.state), "%s", due ? "batch" : "nothing-due");
  if (!rc) crash_at(x, "aggregated");
  node_oracle_obs_rows_free(rows, n);
  ob_free(aggs), ob_free(xs), ob_free(ids), ob_free(outl), ob_free(flags);
  return rc;
}

/* ---- batch ---- */

/* The due feeds' leaves with their observations, from the database. */
static int load_rows(struct oround *x, struct ob_err *err) {
  int rc;
  if (x->aggs && x->rows) return 0; /* collected by this run */
  node_oracle_obs_rows_free(x->rows, x->nrows), ob_free(x->aggs);
  x->rows = NULL, x->aggs = NULL, x->nrows = x->naggs = 0;
  rc = node_oracle_obs_load(&x->sc, &x->r, &x->rows, &x->nrows, err);
  if (!rc) rc = node_oracle_aggregates_load(&x->sc, x->r.round, &x->aggs, &x->naggs, err);
  return rc;
}

static int build_values(struct oround *x, struct node_batch *b, struct ob_err *err) {
  int rc = load_rows(x, err);
  struct node_oracle_obs_row *rows = x->rows;
  struct node_oracle_agg_row *aggs = x->aggs;
  size_t n = x->nrows, na = x->naggs, j = 0;
  for (size_t i = 0; !rc && i < na; i++) {
    struct node_batch_feed *f;
    struct oracle_agg res;
    struct oracle_k k;
    if (!aggs[i].ok || !aggs[i].due[0]) continue;
    if (!(f = node_batch_add_feed(b, aggs[i].feed, aggs[i].decimals, err))) rc = err ? err->code : OB_EINVAL;
    if (!rc) rc = oracle_k_parse(&k, aggs[i].k, err);
    if (rc) break;
    f->observed_at = aggs[i].observed_at;
    while (j < n && strcmp(rows[j].feed, aggs[i].feed) < 0) j++;
    for (; !rc && j < n && strcmp(rows[j].feed, aggs[i].feed) == 0; j++)
      if (rows[j].has_value) rc = node_batch_add_obs(f, rows[j].source, &rows[j].value, rows[j].at_ms / 1000, err);
    node_batch_feed_set_aggregation(f, &k, aggs[i].quorum);
    if (!rc) rc = node_batch_feed_aggregate(f, &res, err);
    if (!rc && (!res.ok || chain_u256_cmp(&res.value, &aggs[i].value) != 0))
      rc = ob_err_set(err, OB_ECHECK, "feed '%s': the stored aggregate is not the observations' median-mad", aggs[i].feed);
  }
  return rc;
}

/* The commit pipeline's steps, mirrored into the oracle round in the same transaction. */
static int on_step(void *ud, struct db *db, uint64_t round, const char *step, struct ob_err *err) {
  struct oround *x = ud;
  static const char *const map[][2] = {{"built", "pin"}, {"pinned", "sign"}, {"signed", "submit"},
                                        {"submitted", "submit"}, {"superseded", "superseded"}};
  if (x->res) { /* the pipeline's step times (the write itself is in the step it ends) */
    uint64_t *slot = !strcmp(step, "built") ? &x->res->ms.batch : !strcmp(step, "pinned") ? &x->res->ms.pin
                   : !strcmp(step, "signed") ? &x->res->ms.sign : !strcmp(step, "submitted") ? &x->res->ms.submit
                   : !strcmp(step, "confirmed") ? &x->res->ms.confirm : NULL;
    if (slot) lap(x, slot);
  }
  if (strcmp(step, "confirmed") == 0) return node_oracle_round_confirm(db, &x->sc, round, err);
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(step, map[i][0]) == 0) return node_oracle_round_set(db, &x->sc, round, map[i][1], err);
  return 0;
}

static int finish_tx(struct db *db, void *ud, struct ob_err *err) {
  struct oround *x = ud;
  int rc = node_fence_check(db, x->sc.fence, err);
  return rc ? rc : on_step(x, db, x->r.round, x->r.state, err);
}

/* A round whose commit another run of the pipeline finished (`obridge commit` resumes any
 * unfinished round of the registry): take its outcome instead of running it again. *done when it
 * was confirmed or superseded. */
static int finished_elsewhere(struct oround *x, struct node_commit_result *cres, bool *done, struct ob_err *err) {
  struct node_round_row row;
  bool found = false;
  int rc = node_round_get(x->sc.db, x->sc.chain_id, x->sc.registry, x->r.round, &row, &found, err);
  *done = false;
  if (rc || !found || (strcmp(row.step, "confirmed") && strcmp(row.step, "superseded"))) return rc;
  snprintf(x->r.state, sizeof(x->r.state), "%s", row.step);
  if ((rc = db_tx(x->sc.db, finish_tx, x, err))) return rc;
  if (strcmp(row.step, "superseded") == 0)
    return ob_err_set(err, OB_ECHECK, "round %" PRIu64 " was superseded: the next round commits new values", x->r.round);
  cres->round = row.round;
  snprintf(cres->root, sizeof(cres->root), "%s", row.root);
  snprintf(cres->cid, sizeof(cres->cid), "%s", row.cid);
  snprintf(cres->tx, sizeof(cres->tx), "%s", row.tx_hash);
  cres->gas_used = row.gas_used;
  cres->feeds = row.feeds;
  *done = true;
  return 0;
}

static int commit(struct oround *x, struct node_commit_result *cres, struct ob_err *err) {
  struct node_batch b;
  struct node_commit_req req;
  bool done = false;
  int rc = 0;
  if (strcmp(x->r.state, "batch") != 0 && ((rc = finished_elsewhere(x, cres, &done, err)) || done)) return rc;
  node_batch_init(&b);
  memset(&req, 0, sizeof(req));
  req.round = x->r.round;
  req.only_this_round = true;
  if (strcmp(x->r.state, "batch") == 0) {
    rc = build_values(x, &b, err);
    req.values = &b;
  }
  if (!rc) rc = node_commit_run(&x->cc, &req, cres, err);
  node_batch_release(&b);
  return rc;
}

/* ---- the result ---- */

static int result_feeds(struct oround *x, struct node_oracle_result *res, bool committed, struct ob_err *err) {
  int rc = load_rows(x, err);
  struct node_oracle_obs_row *rows = x->rows;
  struct node_oracle_agg_row *aggs = x->aggs;
  size_t n = x->nrows, na = x->naggs;
  if (!rc && na && !(res->feeds = ob_calloc(na, sizeof(*res->feeds)))) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < na; i++) {
    struct node_oracle_feed_result *f = &res->feeds[res->nfeeds++];
    snprintf(f->feed, sizeof(f->feed), "%s", aggs[i].feed);
    f->ok = aggs[i].ok;
    if (f->ok) oracle_value_to_text(f->value, &aggs[i].value);
    f->decimals = aggs[i].decimals;
    snprintf(f->left_out, sizeof(f->left_out), "%s", aggs[i].left_out);
    f->counted = aggs[i].counted, f->remaining = aggs[i].remaining;
    snprintf(f->due, sizeof(f->due), "%s", aggs[i].due);
    f->committed = committed && f->ok && f->due[0];
  }
  /* errors per feed: rows and aggregates are both by feed */
  for (size_t i = 0, j = 0; !rc && i < res->nfeeds; i++) {
    while (j < n && strcmp(rows[j].feed, res->feeds[i].feed) < 0) j++;
    for (; j < n && strcmp(rows[j].feed, res->feeds[i].feed) == 0; j++) res->feeds[i].errors += !rows[j].has_value;
  }
  return rc;
}

static int steps(struct oround *x, struct node_oracle_result *res, struct ob_err *err) {
  int rc = 0;
  if (strcmp(x->r.state, "collect") == 0) rc = collect(x, err);
  if (!rc && strcmp(x->r.state, "aggregate") == 0) rc = aggregate(x, err);
  if (!rc && strcmp(x->r.state, "nothing-due") == 0) {
    res->outcome = "nothing-due";
    return result_feeds(x, res, false, err);
  }
  if (!rc) rc = commit(x, &res->commit, err);
  if (!rc) {
    res->outcome = "committed";
    rc = result_feeds(x, res, true, err);
  }
  return rc;
}

/* A round left unfinished for longer than the registry accepts a commitment's timestamp (maxAge,
 * less a margin) would be refused by the contract forever: if its commit was never sent, it is
 * superseded and a new round (with fresh observations) takes its place. */
#define STALE_MARGIN_S 120

static int drop_if_stale(struct oround *x, uint64_t *latest, bool *resumed, struct ob_err *err) {
  struct node_registry_state st;
  uint64_t age = 0;
  char why[160];
  int rc;
  if (strcmp(x->r.state, "submit") == 0) { /* signed, or sent: only the first may be given up */
    struct node_round_row row;
    bool found = false;
    if ((rc = node_round_get(x->sc.db, x->sc.chain_id, x->sc.registry, x->r.round, &row, &found, err))) return rc;
    if (!found || strcmp(row.step, "signed") != 0) return 0;
  }
  if ((rc = node_oracle_round_age(&x->sc, x->r.round, &age, err))) return rc;
  if (age < 60) return 0; /* fresh: no need to ask the chain */
  if ((rc = node_registry_read(x->cc.rpc, x->cc.registry, &st, err))) return rc;
  if (age + STALE_MARGIN_S < st.max_age) return 0;
  snprintf(why, sizeof(why), "stale: left at %s for %" PRIu64 " s, the registry's maxAge is %" PRIu64 " s", x->r.state,
           age, st.max_age);
  if (x->cc.note) x->cc.note(x->cc.note_ud, why);
  if ((rc = node_oracle_round_abandon(&x->sc, x->r.round, why, err))) return rc;
  *latest = st.latest_round;
  return node_oracle_round_open(&x->sc, *latest, &x->r, resumed, err);
}

int node_oracle_round(const struct node_oracle_opts *o, struct node_oracle_result *res, struct ob_err *err) {
  struct oround x;
  uint8_t root[32];
  uint64_t latest = 0, lts = 0, t0 = ob_mono_ms();
  bool resumed = false;
  int rc;
  memset(res, 0, sizeof(*res));
  memset(&x, 0, sizeof(x));
  x.o = o;
  x.res = res;
  x.mark = ob_mono_ms();
  x.cc = *o->commit;
  x.cc.on_step = on_step;
  x.cc.step_ud = &x;
  x.sc.db = x.cc.db;
  x.sc.fence = x.cc.fence;
  x.sc.chain_id = x.cc.chain_id;
  ob_hex_encode0x(x.sc.registry, x.cc.registry, 20);
  x.sc.holder = o->holder;
  rc = node_oracle_feeds_seen(&x.sc, o->feeds, o->nfeeds, err);
  if (!rc) rc = node_registry_latest(x.cc.rpc, x.cc.registry, &latest, root, &lts, err);
  if (!rc) rc = node_oracle_round_open(&x.sc, latest, &x.r, &resumed, err);
  if (!rc && resumed) rc = drop_if_stale(&x, &latest, &resumed, err);
  if (rc) return rc;
  res->round = x.r.round;
  res->attempt = x.r.attempt;
  if (resumed) snprintf(res->resumed_from, sizeof(res->resumed_from), "%s", x.r.state);
  rc = steps(&x, res, err);
  if (rc && rc != OB_ESTATE) {
    struct ob_err e2;
    (void)node_oracle_round_fail(&x.sc, x.r.round, err ? err->msg : ob_strerror(rc), &e2);
  }
  if (!rc && o->retention_days) {
    struct ob_err e2;
    (void)node_oracle_retention(x.sc.db, o->retention_days, 10000, 100, NULL, &e2);
  }
  res->ms.total = ob_mono_ms() - t0;
  node_oracle_obs_rows_free(x.rows, x.nrows);
  ob_free(x.aggs);
  return rc;
}
