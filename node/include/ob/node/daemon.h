/* The daemon's core (`obridge run`): on the node's one loop it keeps this process registered in
 * obridge_nodes, takes or renews the round leader's lease, schedules a round every round interval
 * while it leads, keeps the registry's log subscription, and serves GET /health and GET /metrics
 * on the node's HTTP server. cli/cmd_run.c builds it from the config, runs the pin workers (as
 * processes: the pin worker blocks) and handles signals.
 *
 * The round itself is a hook (struct node_round_hook), so the round pipeline plugs in without the
 * daemon knowing it. Without a hook the daemon schedules a no-op round tick (outcome "noop").
 *
 * Metrics the daemon declares (the pipeline records into the same names through env->metrics):
 *   obridge_rounds_total{outcome}            counter: committed, nothing-due, failed, fenced, locked (a cron
 *                                            run held the round lock), noop (no feeds configured)
 *   obridge_round_duration_seconds           histogram
 *   obridge_feed_age_seconds{feed}           gauge: now - observedAt of the feed's last committed value
 *   obridge_source_errors_total{feed,source} counter
 *   obridge_source_latency_seconds{source}   histogram
 *   obridge_tx_states{state}                 gauge (chain_txs)
 *   obridge_pin_jobs{status}                 gauge (pins)
 *   obridge_rpc_endpoint_up{endpoint}, obridge_rpc_head_block{endpoint}, obridge_rpc_lag_blocks{endpoint}
 *   obridge_peer_up{peer}                    gauge: postgres, ipfs, chain
 *   obridge_round_leader, obridge_lease_token, obridge_round_interval_seconds, obridge_registry_logs_total,
 *   obridge_http_requests_total{class}
 *
 * Rules: the loop's thread only; everything in opts is borrowed until node_daemon_free; err may be
 * NULL. */
#ifndef OB_NODE_DAEMON_H
#define OB_NODE_DAEMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_jw;
struct ob_metrics;
struct chain_loop;
struct chain_rpc;
struct db;
struct node_http;
struct node_daemon;

/* What a round may use, borrowed for the round. */
struct node_round_env {
  struct chain_loop *loop;
  struct chain_rpc *rpc;     /* may be NULL (no chain configured) */
  struct db *db;             /* the daemon's connection (the loop's thread) */
  struct ob_metrics *metrics;
  const char *node_id;
  uint64_t lease_token;      /* fencing token: every write of the round checks it (node/lease.h) */
  uint64_t seq;              /* 1, 2, … rounds started by this process */
};

/* Called once when a round ends. outcome: "committed", "nothing-due", "failed", "fenced" (the lease
 * was lost: a write was refused) or another word; it labels obridge_rounds_total. err: why, if it
 * failed. */
typedef void (*node_round_done)(void *done_ud, const char *outcome, const struct ob_err *err);

struct node_round_hook {
  void *ud;
  /* Start one round. Return 0 and call done exactly once later (from the loop; never from inside
   * start), or return an OB_E* code (then done is not called; the round counts as failed). */
  int (*start)(void *ud, const struct node_round_env *env, node_round_done done, void *done_ud,
               struct ob_err *err);
  /* SIGTERM: finish the current step, leave the rest for the next leader (the pipeline resumes
   * rounds from PostgreSQL), and call done soon. May be NULL. */
  void (*stop)(void *ud);
  /* SIGHUP: the config was reloaded (the hook's owner re-reads what it needs, e.g. the feeds).
   * May be NULL. */
  void (*reload)(void *ud);
};

/* IPFS's health, asked once per tick: 0 when the node answers, else an OB_E* code and why. */
typedef int (*node_ipfs_check)(void *ud, char *why, size_t cap);

struct node_daemon_opts {
  struct chain_loop *loop;
  struct db *db;
  struct chain_rpc *rpc;        /* NULL: no chain */
  struct ob_metrics *metrics;
  struct node_http *http;       /* NULL: no /health or /metrics */
  const char *node_id, *hostname, *version;
  uint64_t chain_id;
  const char *registry;         /* 0x address, or NULL: no log subscription */
  uint32_t round_interval_ms;
  uint32_t lease_ms;            /* the leader's lease; renewed every tick (at most a third of it) */
  struct node_round_hook round; /* start NULL: the no-op tick */
  node_ipfs_check ipfs_check;   /* NULL: IPFS not checked */
  void *ipfs_ud;
  const char *roles_extra;      /* more roles for obridge_nodes ("pin-worker"), or NULL */
};
void node_daemon_opts_init(struct node_daemon_opts *o);

/* Register, add the routes, start the timers (the first tick runs at once from the loop).
 * Returns 0; OB_ENOMEM; the route and watcher errors. *out owned (node_daemon_free). */
int node_daemon_new(struct node_daemon **out, const struct node_daemon_opts *o, struct ob_err *err);
/* New round interval and lease (SIGHUP), taking effect at the next tick. */
void node_daemon_reconfigure(struct node_daemon *d, uint32_t round_interval_ms, uint32_t lease_ms);
/* SIGHUP after a successful reload: passes it on to the hook. */
void node_daemon_reloaded(struct node_daemon *d);
/* SIGTERM: no new round; the hook's stop. */
void node_daemon_stop(struct node_daemon *d);
/* No round in flight. */
bool node_daemon_idle(const struct node_daemon *d);
bool node_daemon_is_leader(const struct node_daemon *d);
/* The daemon's state as /health reports it, as keys of the JSON object w has open: node, version,
 * role ("leader", "standby", "stopping"), lease {holder, token}, round_interval_s, rounds (ended in
 * this process), peers {postgres {ok, error}, ipfs {…}, rpc [{url (password masked), ok, health,
 * head, lag, error}]}. Returns whether every peer answers (what /health's status says). */
bool node_daemon_status_write(struct node_daemon *d, struct ob_jw *w);
/* Give the lease up if held, unregister, stop the timers and the watcher, free. NULL is a no-op. */
void node_daemon_free(struct node_daemon *d);
#endif
