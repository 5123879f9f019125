/* The daemon's core: the tick (registration heartbeat, lease, IPFS check, round scheduling), the
 * registry log subscription, and GET /health and GET /metrics.
 *
 * Everything runs on the loop's thread but IPFS's health check (a thread per check, see check_peers).
 * The database calls of a tick are short, blocking libpq statements on the daemon's own connection,
 * each bounded: a server that went silent costs at most database.answer_timeout_s, an unreachable
 * one database.connect_timeout_s (NEEDSWORK: libpq's async API on a chain_poll would cost the loop
 * nothing). */
#include "ob/node/daemon.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_int.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/watch.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/metrics.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"
#include "ob/node/http.h"
#include "ob/node/lease.h"

#define MAX_ENDPOINTS 16
#define ROUND_OUTCOME_MAX 32

struct fams {
  struct ob_metric *rounds, *round_secs, *feed_age, *src_err, *src_lat, *tx_states, *pin_jobs, *rpc_up, *rpc_head,
      *rpc_lag, *peer_up, *leader, *token, *interval, *logs, *http_req;
};

struct node_daemon {
  struct node_daemon_opts o;
  struct chain_timer *timer;
  struct fams f;
  struct node_chain_db chain_db;
  struct chain_watch_store wstore;
  struct chain_watch *watch;
  /* state */
  uint32_t tick_ms;
  bool leader;
  struct node_lease lease;
  uint64_t lease_until;       /* monotonic ms until which our lease surely holds */
  bool pg_ok;
  char pg_why[512];
  struct node__ipfs_probe ipfs; /* IPFS's health, on a thread of its own */
  bool in_round, stopping;
  uint64_t round_t0, next_round_at, seq;
  uint64_t rounds_done;
  struct ob_err round_err;
};

void node_daemon_opts_init(struct node_daemon_opts *o) {
  memset(o, 0, sizeof(*o));
  o->round_interval_ms = 60000;
  o->lease_ms = 30000;
}

static uint32_t tick_of(uint32_t interval_ms, uint32_t lease_ms) {
  uint32_t t = lease_ms / 3 < interval_ms ? lease_ms / 3 : interval_ms;
  return t < 100 ? 100 : t;
}

/* ---- metrics ---- */

static int declare_all(struct node_daemon *d, struct ob_err *err) {
  static const double secs[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  static const double lat[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct ob_metrics *m = d->o.metrics;
  struct fams *f = &d->f;
  int rc = 0;
  rc = rc ? rc : ob_metrics_counter(m, &f->rounds, "obridge_rounds_total", "rounds started by this process, by outcome", "outcome", err);
  rc = rc ? rc : ob_metrics_histogram(m, &f->round_secs, "obridge_round_duration_seconds", "time from a round's start to its end", NULL, secs, OB_ARRAY_LEN(secs), err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->feed_age, "obridge_feed_age_seconds", "seconds since the observedAt of the feed's last committed value", "feed", err);
  rc = rc ? rc : ob_metrics_counter(m, &f->src_err, "obridge_source_errors_total", "failed observations, by feed and source", "feed,source", err);
  rc = rc ? rc : ob_metrics_histogram(m, &f->src_lat, "obridge_source_latency_seconds", "time to an answer from a data source", "source", lat, OB_ARRAY_LEN(lat), err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->tx_states, "obridge_tx_states", "transactions of the manager, by state", "state", err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->pin_jobs, "obridge_pin_jobs", "jobs of the pin queue, by status", "status", err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->rpc_up, "obridge_rpc_endpoint_up", "1 when the JSON-RPC endpoint is alive (chain id right, in sync)", "endpoint", err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->rpc_head, "obridge_rpc_head_block", "the endpoint's head block", "endpoint", err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->rpc_lag, "obridge_rpc_lag_blocks", "blocks behind the best endpoint's head", "endpoint", err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->peer_up, "obridge_peer_up", "1 when the peer answers: postgres, ipfs, chain", "peer", err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->leader, "obridge_round_leader", "1 when this process holds the round leader's lease", NULL, err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->token, "obridge_lease_token", "the current fencing token of the round leader's lease", NULL, err);
  rc = rc ? rc : ob_metrics_gauge(m, &f->interval, "obridge_round_interval_seconds", "the configured round interval", NULL, err);
  rc = rc ? rc : ob_metrics_counter(m, &f->logs, "obridge_registry_logs_total", "registry logs seen by the subscription", NULL, err);
  rc = rc ? rc : ob_metrics_counter(m, &f->http_req, "obridge_http_requests_total", "HTTP requests served, by status class", "class", err);
  return rc;
}

/* Rows of "SELECT key, count" into a gauge family (cleared first: states that vanished). */
static void gauge_counts(struct db *db, struct ob_metric *f, const char *sql) {
  struct db_res *r = NULL;
  ob_metric_clear(f);
  if (db_exec(db, &r, 0, sql, 0, NULL, NULL) == 0)
    for (size_t i = 0; i < db_res_rows(r); i++)
      ob_metric_set(f, (const char *[]){db_res_get(r, i, 0)}, strtod(db_res_get(r, i, 1), NULL));
  db_res_free(r);
}

static void endpoint_label(char *out, size_t cap, const char *url) { ob_log_redact_url(out, cap, url); }

static bool rpc_all_alive(struct node_daemon *d) {
  struct chain_endpoint_status st[MAX_ENDPOINTS];
  size_t n;
  if (!d->o.rpc) return true;
  n = chain_rpc_status(d->o.rpc, st, MAX_ENDPOINTS);
  for (size_t i = 0; i < n && i < MAX_ENDPOINTS; i++)
    if (st[i].health != CHAIN_HEALTH_ALIVE) return false;
  return n > 0;
}

static void collect(void *ud, struct ob_metrics *m) {
  struct node_daemon *d = ud;
  struct node_http_stats hs;
  (void)m;
  if (d->pg_ok) {
    gauge_counts(d->o.db, d->f.pin_jobs, "SELECT status, count(*) FROM pins GROUP BY status");
    gauge_counts(d->o.db, d->f.tx_states, "SELECT state, count(*) FROM chain_txs GROUP BY state");
  }
  if (d->o.rpc) {
    struct chain_endpoint_status st[MAX_ENDPOINTS];
    size_t n = chain_rpc_status(d->o.rpc, st, MAX_ENDPOINTS);
    for (size_t i = 0; i < n && i < MAX_ENDPOINTS; i++) {
      char ep[256];
      endpoint_label(ep, sizeof(ep), st[i].url);
      ob_metric_set(d->f.rpc_up, (const char *[]){ep}, st[i].health == CHAIN_HEALTH_ALIVE);
      if (st[i].head_known) ob_metric_set(d->f.rpc_head, (const char *[]){ep}, (double)st[i].head);
      ob_metric_set(d->f.rpc_lag, (const char *[]){ep}, (double)st[i].lag);
    }
    ob_metric_set(d->f.peer_up, (const char *[]){"chain"}, rpc_all_alive(d));
  }
  ob_metric_set(d->f.peer_up, (const char *[]){"postgres"}, d->pg_ok);
  if (d->o.ipfs_check) ob_metric_set(d->f.peer_up, (const char *[]){"ipfs"}, d->ipfs.ok);
  ob_metric_set(d->f.leader, NULL, d->leader);
  ob_metric_set(d->f.token, NULL, (double)d->lease.token);
  ob_metric_set(d->f.interval, NULL, d->o.round_interval_ms / 1000.0);
  if (d->o.http) {
    node_http_stats(d->o.http, &hs);
    ob_metric_clear(d->f.http_req);
    ob_metric_add(d->f.http_req, (const char *[]){"4xx"}, (double)hs.errors_4xx);
    ob_metric_add(d->f.http_req, (const char *[]){"5xx"}, (double)hs.errors_5xx);
    ob_metric_add(d->f.http_req, (const char *[]){"other"}, (double)(hs.requests - hs.errors_4xx - hs.errors_5xx));
  }
}

/* ---- rounds ---- */

static void round_done(void *ud, const char *outcome, const struct ob_err *err) {
  struct node_daemon *d = ud;
  double secs = (double)(chain_loop_now_ms(d->o.loop) - d->round_t0) / 1000.0;
  char o[ROUND_OUTCOME_MAX];
  snprintf(o, sizeof(o), "%s", outcome && *outcome ? outcome : "failed");
  d->in_round = false;
  d->rounds_done++;
  ob_metric_add(d->f.rounds, (const char *[]){o}, 1);
  ob_metric_observe(d->f.round_secs, NULL, secs);
  if (err && err->code)
    OB_LOG(OB_LOG_WARN, "daemon", "round ended", "outcome", o, "error", err->msg, NULL);
  else
    OB_LOGF(OB_LOG_INFO, "daemon", "round %" PRIu64 " ended: %s (%.3f s)", d->seq, o, secs);
}

static void start_round(struct node_daemon *d, uint64_t now) {
  struct node_round_env env = {d->o.loop, d->o.rpc, d->o.db, d->o.metrics, d->o.node_id, d->lease.token, ++d->seq};
  int rc;
  d->next_round_at = now + d->o.round_interval_ms;
  d->round_t0 = now;
  d->in_round = true;
  ob_err_clear(&d->round_err);
  if (!d->o.round.start) {
    OB_LOGF(OB_LOG_INFO, "daemon", "round %" PRIu64 " (token %" PRIu64 "): no round pipeline is wired in, nothing to do",
            d->seq, d->lease.token);
    round_done(d, "noop", NULL);
    return;
  }
  rc = d->o.round.start(d->o.round.ud, &env, round_done, d, &d->round_err);
  if (rc) {
    if (!d->round_err.code) ob_err_set(&d->round_err, rc, "%s", ob_strerror(rc));
    round_done(d, rc == OB_ESTATE ? "fenced" : "failed", &d->round_err);
  }
}

/* ---- the tick ---- */

/* The obridge_nodes row (heartbeat and roles); also PostgreSQL's health. */
static void register_node(struct node_daemon *d) {
  struct ob_err err;
  char roles[128];
  ob_err_clear(&err);
  snprintf(roles, sizeof(roles), "%s%s%s", d->o.roles_extra ? d->o.roles_extra : "",
           d->o.roles_extra && d->leader ? "," : "", d->leader ? "round-leader" : "");
  d->pg_ok = node_register(d->o.db, d->o.node_id, d->o.hostname, (long)getpid(), d->o.version, roles, &err) == 0;
  snprintf(d->pg_why, sizeof(d->pg_why), "%s", d->pg_ok ? "" : err.msg);
}

/* PostgreSQL's health (the heartbeat), then IPFS's: the first check inline (the node starts knowing),
 * then one per tick on a thread, taken by the tick after it ended. A node that does not answer
 * shows as down once its check times out (ipfs client's timeouts), and the loop goes on meanwhile. */
static void check_peers(struct node_daemon *d) {
  register_node(d);
  if (d->o.ipfs_check) node__ipfs_probe(&d->ipfs, 0);
}

static void lease_tick(struct node_daemon *d, uint64_t now) {
  struct ob_err err;
  bool was = d->leader;
  uint64_t sent = ob_mono_ms();
  ob_err_clear(&err);
  if (!d->pg_ok || node_lease_acquire(d->o.db, NODE_LEASE_ROUNDS, d->o.node_id, d->o.lease_ms, &d->lease, &err) != 0) {
    /* Without the database nobody can write a round; stop leading at once. */
    d->leader = false;
    if (was) OB_LOG(OB_LOG_WARN, "daemon", "lost the round leader's lease: cannot renew it", "error", d->pg_ok ? err.msg : d->pg_why, NULL);
    return;
  }
  d->leader = d->lease.held;
  if (d->leader) d->lease_until = sent + d->o.lease_ms;
  if (d->leader && !was) {
    OB_LOGF(OB_LOG_INFO, "daemon", "became the round leader (fencing token %" PRIu64 ")", d->lease.token);
    d->next_round_at = now; /* the first round at once */
  } else if (!d->leader && was) {
    OB_LOGF(OB_LOG_WARN, "daemon", "lost the round leader's lease to %s (token %" PRIu64 ")", d->lease.holder, d->lease.token);
  } else if (!d->leader && d->seq == 0 && d->rounds_done == 0 && !d->in_round) {
    OB_LOGF(OB_LOG_DEBUG, "daemon", "standing by: %s leads (token %" PRIu64 ")", d->lease.holder, d->lease.token);
  }
}

static void tick(void *ud) {
  struct node_daemon *d = ud;
  uint64_t now;
  bool was;
  if (d->stopping) return;
  check_peers(d);
  now = chain_loop_now_ms(d->o.loop);
  was = d->leader;
  lease_tick(d, now);
  /* The roles in obridge_nodes follow a change of leader at once, not a tick later. */
  if (d->leader != was && d->pg_ok) register_node(d);
  if (d->leader && !d->in_round && now >= d->next_round_at && ob_mono_ms() < d->lease_until) start_round(d, now);
}

/* ---- the registry subscription ---- */

static void on_log(void *ud, const struct ob_json *log) {
  struct node_daemon *d = ud;
  (void)log;
  ob_metric_add(d->f.logs, NULL, 1);
}
static void on_watch_error(void *ud, int code, const struct ob_err *err) {
  (void)ud;
  OB_LOG(OB_LOG_WARN, "daemon", "registry subscription", "error", ob_err_msg(err, code), NULL);
}

static int start_watch(struct node_daemon *d, struct ob_err *err) {
  struct chain_watch_opts wo;
  struct chain_watch_cbs cbs = {0};
  char filter[128];
  if (!d->o.rpc || !d->o.registry) return 0;
  d->chain_db.db = d->o.db;
  d->chain_db.chain_id = d->o.chain_id;
  node_chain_watch_store(&d->wstore, &d->chain_db);
  snprintf(filter, sizeof(filter), "{\"address\":\"%s\"}", d->o.registry);
  chain_watch_opts_init(&wo);
  wo.name = "daemon-registry";
  wo.filter_json = filter;
  cbs.on_log = on_log;
  cbs.on_error = on_watch_error;
  return chain_watch_new(&d->watch, d->o.rpc, &wo, &d->wstore, &cbs, d, err);
}

/* ---- HTTP ---- */

static void json_peer(struct ob_jw *w, const char *name, bool ok, const char *why) {
  ob_jw_key(w, name);
  ob_jw_obj_begin(w);
  ob_jw_key(w, "ok");
  ob_jw_bool(w, ok);
  if (!ok) {
    ob_jw_key(w, "error");
    ob_jw_str(w, why && *why ? why : "not checked yet");
  }
  ob_jw_obj_end(w);
}

/* Every endpoint of the chain client, as its health check sees it. Returns whether all are alive. */
static bool json_rpc(struct ob_jw *w, struct node_daemon *d) {
  struct chain_endpoint_status st[MAX_ENDPOINTS];
  size_t n = chain_rpc_status(d->o.rpc, st, MAX_ENDPOINTS);
  bool all = n > 0;
  ob_jw_key(w, "rpc");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < n && i < MAX_ENDPOINTS; i++) {
    char ep[256];
    bool ok = st[i].health == CHAIN_HEALTH_ALIVE;
    all = all && ok;
    endpoint_label(ep, sizeof(ep), st[i].url);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "url");
    ob_jw_str(w, ep);
    ob_jw_key(w, "ok");
    ob_jw_bool(w, ok);
    ob_jw_key(w, "health");
    ob_jw_str(w, chain_health_name(st[i].health));
    if (st[i].head_known) {
      ob_jw_key(w, "head");
      ob_jw_u64(w, st[i].head);
      ob_jw_key(w, "lag");
      ob_jw_u64(w, st[i].lag);
    }
    if (st[i].last_error[0]) {
      ob_jw_key(w, "error");
      ob_jw_str(w, st[i].last_error);
    }
    ob_jw_obj_end(w);
  }
  ob_jw_arr_end(w);
  return all;
}

static void json_lease(struct ob_jw *w, struct node_daemon *d) {
  ob_jw_key(w, "role");
  ob_jw_str(w, d->stopping ? "stopping" : d->leader ? "leader" : "standby");
  ob_jw_key(w, "lease");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "holder");
  ob_jw_str(w, d->lease.holder[0] ? d->lease.holder : NULL);
  ob_jw_key(w, "token");
  ob_jw_u64(w, d->lease.token);
  ob_jw_obj_end(w);
  ob_jw_key(w, "round_interval_s");
  ob_jw_u64(w, d->o.round_interval_ms / 1000);
}

bool node_daemon_status_write(struct node_daemon *d, struct ob_jw *w) {
  bool ok = d->pg_ok && (!d->o.ipfs_check || d->ipfs.ok) && !d->stopping;
  ob_jw_key(w, "node");
  ob_jw_str(w, d->o.node_id);
  ob_jw_key(w, "version");
  ob_jw_str(w, d->o.version);
  json_lease(w, d);
  ob_jw_key(w, "rounds");
  ob_jw_u64(w, d->rounds_done);
  ob_jw_key(w, "peers");
  ob_jw_obj_begin(w);
  json_peer(w, "postgres", d->pg_ok, d->pg_why);
  if (d->o.ipfs_check) json_peer(w, "ipfs", d->ipfs.ok, d->ipfs.why);
  if (d->o.rpc && !json_rpc(w, d)) ok = false;
  ob_jw_obj_end(w);
  return ok;
}

static void health(void *ud, struct node_http_req *r) {
  struct node_daemon *d = ud;
  struct ob_buf b;
  struct ob_jw w;
  bool ok;
  ob_buf_init(&b, 1 << 20);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ok = node_daemon_status_write(d, &w);
  ob_jw_key(&w, "status");
  ob_jw_str(&w, ok ? "ok" : "unhealthy");
  ob_jw_obj_end(&w);
  if (ob_jw_finish(&w) == 0) node_http_reply_json(r, ok ? 200 : 503, &b);
  else node_http_error(r, 500, "INTERNAL", "cannot write the health document");
  ob_buf_release(&b);
}

static void metrics(void *ud, struct node_http_req *r) {
  struct node_daemon *d = ud;
  struct ob_buf b;
  ob_buf_init(&b, (size_t)64 << 20);
  if (ob_metrics_write(d->o.metrics, &b) == 0)
    node_http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.buf, b.len);
  else
    node_http_error(r, 500, "INTERNAL", "cannot write the metrics page");
  ob_buf_release(&b);
}

/* ---- lifecycle ---- */

int node_daemon_new(struct node_daemon **out, const struct node_daemon_opts *o, struct ob_err *err) {
  struct node_daemon *d = ob_calloc(1, sizeof(*d));
  int rc;
  if (!d) return ob_err_set(err, OB_ENOMEM, "cannot start the daemon: out of memory");
  d->o = *o;
  d->ipfs.fn = o->ipfs_check, d->ipfs.ud = o->ipfs_ud, d->ipfs.loop = o->loop;
  d->tick_ms = tick_of(o->round_interval_ms, o->lease_ms);
  rc = declare_all(d, err);
  if (!rc) rc = ob_metrics_on_collect(o->metrics, collect, d);
  if (!rc && o->http) rc = node_http_route(o->http, "GET", "/health", health, d, err);
  if (!rc && o->http) rc = node_http_route(o->http, "GET", "/metrics", metrics, d, err);
  if (!rc) rc = chain_timer_new(&d->timer, o->loop, tick, d, err);
  if (!rc) rc = start_watch(d, err);
  if (rc) {
    node_daemon_free(d);
    return rc;
  }
  chain_timer_start(d->timer, 0, d->tick_ms);
  *out = d;
  return 0;
}

void node_daemon_reconfigure(struct node_daemon *d, uint32_t round_interval_ms, uint32_t lease_ms) {
  if (d->next_round_at > d->round_t0 && round_interval_ms != d->o.round_interval_ms)
    d->next_round_at = d->round_t0 + round_interval_ms;
  d->o.round_interval_ms = round_interval_ms;
  d->o.lease_ms = lease_ms;
  d->tick_ms = tick_of(round_interval_ms, lease_ms);
  chain_timer_start(d->timer, d->tick_ms, d->tick_ms);
}

void node_daemon_reloaded(struct node_daemon *d) {
  if (d->o.round.reload) d->o.round.reload(d->o.round.ud);
}

void node_daemon_stop(struct node_daemon *d) {
  if (d->stopping) return;
  d->stopping = true;
  chain_timer_stop(d->timer);
  if (d->in_round && d->o.round.stop) d->o.round.stop(d->o.round.ud);
}

bool node_daemon_idle(const struct node_daemon *d) { return !d->in_round; }
bool node_daemon_is_leader(const struct node_daemon *d) { return d->leader; }

void node_daemon_free(struct node_daemon *d) {
  struct ob_err err;
  if (!d) return;
  ob_err_clear(&err);
  chain_watch_free(d->watch);
  chain_timer_free(d->timer);
  node__ipfs_probe_release(&d->ipfs);
  if (d->leader && node_lease_release(d->o.db, NODE_LEASE_ROUNDS, d->o.node_id, d->lease.token, &err) == 0)
    OB_LOGF(OB_LOG_INFO, "daemon", "gave up the round leader's lease (token %" PRIu64 ")", d->lease.token);
  if (d->pg_ok && node_unregister(d->o.db, d->o.node_id, &err) != 0)
    OB_LOG(OB_LOG_WARN, "daemon", "cannot remove this node from obridge_nodes", "error", err.msg, NULL);
  ob_free(d);
}
