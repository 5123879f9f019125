/* obridge serve: the pinning service alone. One loop with the HTTP server (the IPFS Pinning
 * Service API of node/pinsvc.h, GET /health), plus pins.workers pin worker processes; no rounds,
 * no chain. `obridge run` serves the same routes beside the daemon's.
 *
 * Signals: SIGTERM/SIGINT stop (the workers finish or give back their job; exit 0 within
 * STOP_GRACE_MS + a little); SIGHUP is ignored (restart to change settings). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_db.h"
#include "cli_serve.h"
#include "config.h"
#include "ob/chain/loop.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob_version.h"
#include "ob/node/dashboard.h"
#include "ob/node/http.h"
#include "ob/node/pinsvc.h"
#include "ob/storage/kubo.h"

#define STOP_GRACE_MS 8000
#define POLL_MS 50

static volatile sig_atomic_t got_stop;
static void on_stop(int sig) { (void)sig, got_stop = 1; }

struct serve {
  struct chain_loop *loop;
  struct db *db;
  struct node_http *http;
  struct ipfs_kubo *kubo;       /* the pinning service's */
  struct ipfs_kubo *check_kubo; /* the dashboard's IPFS check (on a thread of its own) */
  struct pinsvc *svc;
  struct node_dashboard *dash;
  struct chain_timer *poll;
  struct cli_workers w;
  bool done, stopping;
  uint64_t stop_deadline;
  char host[64];
};

static void poll_cb(void *ud) {
  struct serve *s = ud;
  cli_workers_reap(&s->w);
  if (got_stop && !s->stopping) {
    s->stopping = s->w.stopping = true;
    s->stop_deadline = ob_mono_ms() + STOP_GRACE_MS;
    OB_LOG(OB_LOG_INFO, "serve", "stopping: the pin workers finish their step", NULL);
    cli_workers_signal(&s->w, SIGTERM);
  }
  if (!s->stopping) {
    cli_workers_respawn_due(&s->w);
    return;
  }
  if (cli_workers_alive(&s->w) == 0) s->done = true;
  else if (ob_mono_ms() >= s->stop_deadline) {
    OB_LOG(OB_LOG_WARN, "serve", "stop grace period over: killing the pin workers (their jobs go back to the queue)", NULL);
    cli_workers_signal(&s->w, SIGKILL);
    s->done = true;
  }
}

/* GET /health: 200 while PostgreSQL answers, else 503 (no token needed: it says nothing about pins). */
static void health(void *ud, struct node_http_req *r) {
  struct serve *s = ud;
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  rc = db_exec(s->db, NULL, DB_RETRY, "SELECT 1", 0, NULL, &err);
  if (rc) node_http_error(r, 503, "SERVICE_UNAVAILABLE", "postgres: %s", err.msg);
  else node_http_reply(r, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

/* The dashboard without a daemon: PostgreSQL and IPFS checked when the status is built, no role. */
static int start_dashboard(struct serve *s, const struct ob_config *c, struct ob_err *err) {
  struct node_dashboard_opts o;
  node_dashboard_opts_init(&o);
  o.db = s->db;
  o.chain_id = c->chain_id;
  o.registry = c->registry;
  o.node_id = s->host;
  o.version = OB_VERSION;
  o.ipfs_check = cli_ipfs_check;
  o.ipfs_ud = &s->check_kubo;
  o.loop = s->loop;
  int rc = cli_ipfs_check_open(&s->check_kubo, c, err);
  return rc ? rc : cli_dashboard_open(&s->dash, &o, s->http, c, err);
}

static void catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
}

static int run_serve(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"listen", CLI_VALUE, "HOST:PORT", "listen there (default: http.listen, $OBRIDGE_HTTP_LISTEN)"},
                           {"port-file", CLI_VALUE, "PATH", "write the bound port there (with port 0)"},
                           {"workers", CLI_VALUE, "N", "pin worker processes, 0 to 64 (default: pins.workers)"},
                           {0}};
  struct ob_config *c;
  struct serve s;
  struct ob_err err;
  uint64_t nw;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  memset(&s, 0, sizeof(s));
  ob_err_clear(&err);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  nw = c->pin_workers;
  if (cli_opt(opts, "workers")->set &&
      ((rc = ob_parse_u64(&nw, cli_opt(opts, "workers")->value, "--workers", &err)) || nw > 64))
    return rc ? cli_fail(rc, &err) : cli_failf(OB_EUSAGE, "--workers: expected 0 to 64, got %llu", (unsigned long long)nw);
  if (cli_db_open(cli, &s.db, &exit_code)) return exit_code;
  catch_signals();
  rc = chain_loop_new(&s.loop, &err);
  if (!rc) rc = cli_http_open(&s.http, s.loop, c, cli_opt(opts, "listen")->value, cli_opt(opts, "port-file")->value, &err);
  if (!rc) rc = cli_pinsvc_open(&s.svc, &s.kubo, s.http, s.loop, s.db, c, &err);
  if (!rc) rc = node_http_route(s.http, "GET", "/health", health, &s, &err);
  gethostname(s.host, sizeof(s.host) - 1);
  if (!rc) rc = start_dashboard(&s, c, &err);
  if (!rc) rc = chain_timer_new(&s.poll, s.loop, poll_cb, &s, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
  } else {
    cli_workers_start(&s.w, cli, (unsigned)nw);
    chain_timer_start(s.poll, POLL_MS, POLL_MS);
    OB_LOG(OB_LOG_INFO, "serve", "started", NULL);
    chain_loop_run_until(s.loop, &s.done);
    cli_workers_reap(&s.w);
    OB_LOG(OB_LOG_INFO, "serve", "stopped", NULL);
  }
  chain_timer_free(s.poll);
  node_http_free(s.http);
  node_dashboard_free(s.dash);
  pinsvc_free(s.svc);
  ipfs_kubo_free(s.kubo);
  ipfs_kubo_free(s.check_kubo);
  chain_loop_free(s.loop);
  db_close(s.db);
  return exit_code;
}

const struct cli_cmd cli_cmd_serve = {
    .name = "serve",
    .summary = "the IPFS Pinning Service API (tenants, tokens, quotas) and pin workers",
    .usage = "serve [--listen HOST:PORT] [--port-file PATH] [--workers N]",
    .details = "Answers GET/POST /pins and GET/POST/DELETE /pins/{requestid} (IPFS Pinning Service API 1.0.0)\n"
               "for the bearer tokens of 'obridge tenant token', and GET /health; runs N pin worker processes\n"
               "that fetch each CID (after connecting to the request's origins) and pin it. HTTPS when\n"
               "http.tls_cert and http.tls_key are set; plain HTTP only on a loopback address unless\n"
               "http.allow_plain_remote is true. See docs/PINNING-SERVICE.md. The operator dashboard is at / (docs/DASHBOARD.md).",
    .example = "obridge serve --listen 127.0.0.1:9470",
    .run = run_serve,
    .needs_config = true,
    .long_running = true};
