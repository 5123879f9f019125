/* obridge run: the daemon. One loop (node/'s daemon core: registration, the round leader's lease,
 * the round scheduler, the registry subscription, /health and /metrics on the HTTP server, the
 * chain client), the pinning service's routes on the same server (node/pinsvc.h), plus pins.workers
 * pin worker processes (cli_serve.c: the pin worker blocks, so it runs in processes of its own, as
 * `pin worker` does).
 *
 * Signals: SIGTERM/SIGINT stop (no new round, the round in flight finishes its step, the workers
 * stop, the lease is given up and this node unregistered; exit 0 within STOP_GRACE_MS + a little).
 * SIGHUP reloads the config (once the round in flight, if any, ended): the round interval and lease
 * at the next tick, the pin workers restarted with the new settings, the round hook told; a config
 * that does not load is logged and the running one kept.
 *
 * The round pipeline plugs in as a struct node_round_hook (node/daemon.h): round_hook() below wires
 * node_oracle_round (cmd_run_round.c), fenced by the leader's lease token. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_db.h"
#include "cli_pin.h"
#include "cli_serve.h"
#include "cli_run_round.h"
#include "config.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/log.h"
#include "ob/core/metrics.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/daemon.h"
#include "ob/node/dashboard.h"
#include "ob/node/http.h"
#include "ob/node/lease.h"
#include "ob/node/pinsvc.h"
#include "ob/node/proofapi.h"
#include "ob/storage/kubo.h"
#include "ob_version.h"

#define STOP_GRACE_MS 8000 /* then the workers are killed: exit well within systemd's 10 s */
#define POLL_MS 50

static volatile sig_atomic_t got_stop, got_hup;
static void on_stop(int sig) { (void)sig, got_stop = 1; }
static void on_hup(int sig) { (void)sig, got_hup = 1; }

struct run {
  struct cli *cli;
  struct ob_config *first; /* the config the long-lived objects were built from (kept to the end) */
  struct chain_loop *loop;
  struct db *db;
  struct chain_rpc *rpc;
  const char **urls;
  struct ipfs_kubo *kubo;     /* the daemon's IPFS check (cli_ipfs_check_open: on a thread of its own) */
  struct ob_metrics *metrics;
  struct node_http *http;
  struct ipfs_kubo *svc_kubo; /* the pinning service's */
  struct pinsvc *svc;
  struct node_daemon *d;
  struct cli_round *round; /* the round hook's state */
  struct node_proofapi *proofapi;
  struct node_dashboard *dash;
  struct ipfs_kubo *doc_kubo; /* the proof API's documents by CID (longer timeouts than the health check) */
  struct chain_timer *poll;
  pid_t push_pid;  /* the running `consumer push` child (oracle.push_adapters), or 0 */
  bool push_due;   /* a round was published since the last push started */
  bool push_signalled;
  struct cli_workers w;
  char node_id[200], host[64];
  bool done, stopping;
  uint64_t stop_deadline;
};

/* A child that is not a pin worker: the adapter push (cli_workers_reap hands it over). */
static void on_child(void *ud, pid_t pid, int status) {
  struct run *r = ud;
  if (pid != r->push_pid) return;
  r->push_pid = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status))
    OB_LOG(OB_LOG_WARN, "daemon", "pushing to the feed adapters failed (retried after the next round)", NULL);
}

/* ---- pushes to feed adapters (oracle.push_adapters) ---- */

static void on_round(void *ud, uint64_t round) {
  struct run *r = ud;
  (void)round;
  if (r->cli->config->push_adapters) r->push_due = true;
}

/* After a published round, the leader runs `consumer push` for each configured pair in a child
 * process (it blocks on the transaction manager); one at a time, rounds published meanwhile coalesce. */
static void push_if_due(struct run *r) {
  long parent = (long)getpid();
  const char *spec = r->cli->config->push_adapters;
  pid_t pid;
  if (!r->push_due || r->push_pid || !spec || !node_daemon_is_leader(r->d)) return;
  r->push_due = false;
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    close_range(3, UINT_MAX, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if ((long)getppid() != parent) _exit(0);
    _exit(cli_consumer_push_all(r->cli, spec));
  }
  if (pid < 0) OB_LOG(OB_LOG_ERROR, "daemon", "cannot start the adapter push", "error", strerror(errno), NULL);
  else r->push_pid = pid;
}

/* ---- reload ---- */

static bool pins_changed(const struct ob_config *a, const struct ob_config *b) {
  return a->pin_workers != b->pin_workers || a->pin_max_attempts != b->pin_max_attempts ||
         a->pin_retry_base_s != b->pin_retry_base_s || a->pin_url_max_bytes != b->pin_url_max_bytes ||
         strcmp(a->ipfs_api, b->ipfs_api) != 0 || strcmp(a->db_url, b->db_url) != 0 ||
         a->ipfs_stall_timeout_s != b->ipfs_stall_timeout_s || a->ipfs_connect_timeout_s != b->ipfs_connect_timeout_s;
}

static void reload(struct run *r) {
  struct ob_config *old = r->cli->config, *c;
  struct ob_err err;
  ob_err_clear(&err);
  r->cli->config = NULL;
  if (cli_config_load(r->cli, &err) != 0) {
    r->cli->config = old;
    OB_LOG(OB_LOG_ERROR, "daemon", "config reload failed; the running config stays", "error", err.msg, NULL);
    return;
  }
  c = r->cli->config;
  node_daemon_reconfigure(r->d, c->round_interval_s * 1000, c->leader_lease_s * 1000);
  if (strcmp(c->http_listen, old->http_listen) != 0)
    OB_LOG(OB_LOG_WARN, "daemon", "http.listen changed: it takes effect at the next start", "listen", c->http_listen, NULL);
  if (pins_changed(old, c)) {
    /* New workers with the new settings: the old ones finish (or give back) their job and exit;
     * reap() then starts their successors, which read the new config. */
    OB_LOG(OB_LOG_INFO, "daemon", "pin settings changed: restarting the pin workers", NULL);
    cli_workers_restart(&r->w, c->pin_workers);
  }
  node_daemon_reloaded(r->d);
  if (r->dash) cli_dashboard_feeds(r->dash, c);
  if (old != r->first) ob_config_free(old);
  OB_LOGF(OB_LOG_INFO, "daemon", "config reloaded: round interval %u s, leader lease %u s, %u pin workers",
          c->round_interval_s, c->leader_lease_s, c->pin_workers);
}

/* ---- the loop's housekeeping ---- */

static void begin_stop(struct run *r) {
  r->stopping = true;
  r->w.stopping = true;
  r->stop_deadline = ob_mono_ms() + STOP_GRACE_MS;
  OB_LOG(OB_LOG_INFO, "daemon", "stopping: no new round; the pin workers finish their step", NULL);
  node_daemon_stop(r->d);
  cli_workers_signal(&r->w, SIGTERM);
}

static void poll_cb(void *ud) {
  struct run *r = ud;
  cli_workers_reap(&r->w);
  if (got_stop && !r->stopping) begin_stop(r);
  /* Not while a round is in flight: the round holds pointers into the running config (the IPFS API,
   * the keystores), its pin reads them from a thread, and the reload frees that config. The round
   * turns this loop while it waits, so the reload comes the first poll after it ends. */
  if (got_hup && !r->stopping && node_daemon_idle(r->d)) {
    got_hup = 0;
    reload(r);
  }
  if (!r->stopping) {
    cli_workers_respawn_due(&r->w);
    push_if_due(r);
    return;
  }
  if (r->push_pid && !r->push_signalled) {
    kill(r->push_pid, SIGTERM);
    r->push_signalled = true;
  }
  if (node_daemon_idle(r->d) && cli_workers_alive(&r->w) == 0 && !r->push_pid) r->done = true;
  else if (ob_mono_ms() >= r->stop_deadline) {
    OB_LOG(OB_LOG_WARN, "daemon", "stop grace period over: killing what is left (a round resumes from PostgreSQL)", NULL);
    cli_workers_signal(&r->w, SIGKILL);
    if (r->push_pid) kill(r->push_pid, SIGKILL);
    r->done = true;
  }
}

/* ---- peers ---- */

static int open_chain(struct run *r, const struct ob_config *c, struct ob_err *err) {
  struct chain_rpc_opts o;
  if (cli_chain_opts(&o, &r->urls, c)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  return chain_rpc_new(&r->rpc, r->loop, &o, err);
}

/* Where the round pipeline plugs in: node_oracle_round behind the hook (cmd_run_round.c). */
static int round_hook(struct run *r, struct node_round_hook *h, struct ob_err *err) {
  return cli_round_hook_new(&r->round, h, r->cli, err);
}

/* The proof API (node/proofapi.h) on the same server, over chain.registry's confirmed rounds. Without a
 * registry configured there is nothing to serve: the routes are not added. */
static int start_proofapi(struct run *r, const struct ob_config *c, struct ob_err *err) {
  struct node_proofapi_opts o;
  struct ipfs_kubo_opts ko;
  int rc;
  if (!c->registry) return 0;
  ipfs_kubo_opts_init(&ko);
  ko.api = c->ipfs_api;
  ko.connect_timeout_s = 2;
  ko.stall_timeout_s = 5;
  if ((rc = ipfs_kubo_new(&r->doc_kubo, &ko, err))) return rc;
  node_proofapi_opts_init(&o);
  o.loop = r->loop;
  o.db = r->db;
  o.rpc = r->rpc;
  o.kubo = r->doc_kubo;
  o.chain_id = c->chain_id;
  o.registry = c->registry;
  o.max_age_s = c->round_interval_s;
  o.on_round = on_round;
  o.on_round_ud = r;
  rc = node_proofapi_new(&r->proofapi, &o, err);
  if (!rc) rc = node_proofapi_add_routes(r->proofapi, r->http, err);
  return rc ? ob_err_prefix(err, rc, "proof API") : 0;
}

/* The operator dashboard (node/dashboard.h) at / with its JSON, over the daemon's state. */
static int start_dashboard(struct run *r, const struct ob_config *c, struct ob_err *err) {
  struct node_dashboard_opts o;
  node_dashboard_opts_init(&o);
  o.db = r->db;
  o.daemon = r->d;
  o.proofapi = r->proofapi;
  o.chain_id = c->chain_id;
  o.registry = c->registry;
  o.node_id = r->node_id;
  o.version = OB_VERSION;
  return cli_dashboard_open(&r->dash, &o, r->http, c, err);
}

static int start_daemon(struct run *r, const struct ob_config *c, struct ob_err *err) {
  struct node_daemon_opts o;
  int rc;
  node_daemon_opts_init(&o);
  o.loop = r->loop;
  o.db = r->db;
  o.rpc = r->rpc;
  o.metrics = r->metrics;
  o.http = r->http;
  o.node_id = r->node_id;
  o.hostname = r->host;
  o.version = OB_VERSION;
  o.chain_id = c->chain_id;
  o.registry = c->registry;
  o.round_interval_ms = c->round_interval_s * 1000;
  o.lease_ms = c->leader_lease_s * 1000;
  o.ipfs_check = cli_ipfs_check;
  o.ipfs_ud = &r->kubo;
  o.roles_extra = c->pin_workers ? "pin-worker" : NULL;
  if ((rc = round_hook(r, &o.round, err))) return rc;
  return node_daemon_new(&r->d, &o, err);
}

static void catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static void teardown(struct run *r) {
  node_daemon_free(r->d); /* gives up the lease, unregisters */
  cli_round_hook_free(r->round);
  node_proofapi_free(r->proofapi);
  chain_timer_free(r->poll);
  node_http_free(r->http);
  node_dashboard_free(r->dash); /* after the server: its routes point at it */
  pinsvc_free(r->svc); /* after the server: its routes point at it */
  ipfs_kubo_free(r->svc_kubo);
  chain_rpc_free(r->rpc);
  chain_loop_free(r->loop);
  ob_free(r->urls);
  ipfs_kubo_free(r->kubo);
  ipfs_kubo_free(r->doc_kubo);
  ob_metrics_free(r->metrics);
  db_close(r->db);
  if (r->cli->config != r->first) ob_config_free(r->first); /* cli frees the current one */
}

static int start(struct run *r, const char *port_file, struct ob_err *err) {
  struct node_lease l;
  const struct ob_config *c = r->first;
  int rc = chain_loop_new(&r->loop, err);
  /* The lease table is the daemon's precondition: say how to get it. */
  if (!rc && (rc = node_lease_get(r->db, NODE_LEASE_ROUNDS, &l, err)) != 0)
    return ob_err_prefix(err, rc, "the database lacks the lease table (run 'obridge db migrate')");
  if (!rc) rc = ob_metrics_new(&r->metrics, err);
  if (!rc) rc = cli_ipfs_check_open(&r->kubo, c, err);
  if (!rc) rc = cli_http_open(&r->http, r->loop, c, NULL, port_file, err);
  if (!rc) rc = cli_pinsvc_open(&r->svc, &r->svc_kubo, r->http, r->loop, r->db, c, err);
  if (!rc) rc = open_chain(r, c, err);
  if (!rc) rc = start_daemon(r, c, err);
  if (!rc) rc = start_proofapi(r, c, err);
  if (!rc) rc = start_dashboard(r, c, err);
  if (!rc) rc = chain_timer_new(&r->poll, r->loop, poll_cb, r, err);
  return rc;
}

static int run_run(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"port-file", CLI_VALUE, "PATH", "write the HTTP server's bound port there (with http.listen port 0)"},
                           {0}};
  struct run r;
  struct ob_err err;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  memset(&r, 0, sizeof(r));
  ob_err_clear(&err);
  r.cli = cli;
  if (!(r.first = cli_config(cli, &exit_code))) return exit_code;
  if (cli_db_open(cli, &r.db, &exit_code)) return exit_code;
  gethostname(r.host, sizeof(r.host) - 1);
  snprintf(r.node_id, sizeof(r.node_id), "%s:%ld:%llu", r.host, (long)getpid(), (unsigned long long)ob_unix_s());
  catch_signals();
  rc = start(&r, cli_opt(opts, "port-file")->value, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    teardown(&r);
    return exit_code;
  }
  r.w.other = on_child;
  r.w.other_ud = &r;
  cli_workers_start(&r.w, cli, r.first->pin_workers);
  chain_timer_start(r.poll, POLL_MS, POLL_MS);
  OB_LOG(OB_LOG_INFO, "daemon", "started", "node", r.node_id, NULL);
  chain_loop_run_until(r.loop, &r.done);
  cli_workers_reap(&r.w);
  teardown(&r);
  OB_LOG(OB_LOG_INFO, "daemon", "stopped", NULL);
  return 0;
}

const struct cli_cmd cli_cmd_run = {
    .name = "run",
    .summary = "the daemon: rounds (one leader per database), pin workers, chain subscription, /health, /metrics, the pinning service API, the proof API",
    .usage = "run [--port-file PATH]",
    .details = "Serves GET /health (200 when PostgreSQL, IPFS and every JSON-RPC endpoint answer, else 503)\n"
               "and GET /metrics (Prometheus text format) on http.listen ($OBRIDGE_HTTP_LISTEN; port 0: any\n"
               "free port, logged and written to --port-file). Daemons sharing one database elect one round\n"
               "leader (oracle.leader_lease_s); the others run pin workers and stand by. SIGTERM stops within\n"
               "10 s (the lease is given up); SIGHUP reloads the config, keeping the running one if the new\n"
               "one does not load. The leader runs a round every oracle.round_interval_s (as feed run --once does,\n"
               "under the same advisory lock, each write checked against its lease token). The pinning\n"
               "service API (/pins, as obridge serve) is served there too; plain HTTP only on loopback\n"
               "unless http.tls_cert/http.tls_key or http.allow_plain_remote.\n"
               "With chain.registry set it also serves the proof API (docs/CONSUMERS.md): GET /v1/feeds,\n"
               "/v1/feeds/{name}/latest, /v1/feeds/{name}/rounds/{round} and /v1/stream?feeds=A,B (SSE).\n"
               "The operator dashboard is at / (docs/DASHBOARD.md), its JSON at /v1/status, /v1/status/feeds,\n"
               "/v1/rounds, /v1/txs and /v1/pins/summary.",
    .example = "OBRIDGE_HTTP_LISTEN=127.0.0.1:9470 obridge run",
    .run = run_run,
    .needs_config = true,
    .long_running = true};
