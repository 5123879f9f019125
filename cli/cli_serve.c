/* The HTTP server, the pinning service and the pin worker processes of `obridge run` and
 * `obridge serve` (cli_serve.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_feed.h"
#include "cli_pin.h"
#include "cli_serve.h"
#include "config.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/dashboard.h"
#include "ob/node/http.h"
#include "ob/node/pinsvc.h"
#include "ob/oracle/feed.h"
#include "ob/storage/kubo.h"

#define RESPAWN_MS 1000

/* ---- pin workers ---- */

static void spawn(struct cli_workers *w, unsigned i) {
  long parent = (long)getpid();
  pid_t pid;
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    /* The child needs none of the parent's sockets (HTTP listener, chain, database): it opens its own. */
    close_range(3, UINT_MAX, 0);
    _exit(cli_pin_worker_child(w->cli, parent));
  }
  if (pid < 0) {
    OB_LOG(OB_LOG_ERROR, "daemon", "cannot start a pin worker", "error", strerror(errno), NULL);
    w->respawn_at[i] = ob_mono_ms() + RESPAWN_MS;
    return;
  }
  w->kids[i] = pid;
  w->respawn_at[i] = 0;
}

void cli_workers_start(struct cli_workers *w, struct cli *cli, unsigned n) {
  void (*other)(void *, pid_t, int) = w->other;
  void *other_ud = w->other_ud;
  memset(w, 0, sizeof(*w));
  w->cli = cli;
  w->other = other; /* set by the caller before the start */
  w->other_ud = other_ud;
  w->n = n > CLI_MAX_WORKERS ? CLI_MAX_WORKERS : n;
  for (unsigned i = 0; i < w->n; i++) spawn(w, i);
}

void cli_workers_signal(struct cli_workers *w, int sig) {
  for (unsigned i = 0; i < CLI_MAX_WORKERS; i++)
    if (w->kids[i] > 0) kill(w->kids[i], sig);
}

unsigned cli_workers_alive(const struct cli_workers *w) {
  unsigned n = 0;
  for (unsigned i = 0; i < CLI_MAX_WORKERS; i++) n += w->kids[i] > 0;
  return n;
}

void cli_workers_reap(struct cli_workers *w) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    bool ours = false;
    for (unsigned i = 0; i < CLI_MAX_WORKERS; i++) {
      if (w->kids[i] != pid) continue;
      ours = true;
      w->kids[i] = 0;
      if (!w->stopping && i < w->n) {
        char st[32];
        snprintf(st, sizeof(st), "%d", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
        OB_LOG(OB_LOG_WARN, "daemon", "a pin worker exited; starting another", "status", st, NULL);
        w->respawn_at[i] = ob_mono_ms() + RESPAWN_MS;
      }
    }
    if (!ours && w->other) w->other(w->other_ud, pid, status);
  }
}

void cli_workers_respawn_due(struct cli_workers *w) {
  uint64_t now = ob_mono_ms();
  if (w->stopping) return;
  for (unsigned i = 0; i < w->n; i++)
    if (w->kids[i] == 0 && w->respawn_at[i] && now >= w->respawn_at[i]) spawn(w, i);
}

void cli_workers_restart(struct cli_workers *w, unsigned n) {
  cli_workers_signal(w, SIGTERM);
  for (unsigned i = 0; i < CLI_MAX_WORKERS; i++) w->respawn_at[i] = 0;
  w->n = n > CLI_MAX_WORKERS ? CLI_MAX_WORKERS : n;
  for (unsigned i = 0; i < w->n; i++) w->respawn_at[i] = ob_mono_ms();
}

/* ---- HTTP ---- */

int cli_http_open(struct node_http **out, struct chain_loop *loop, const struct ob_config *c, const char *listen,
                  const char *port_file, struct ob_err *err) {
  struct node_http_opts o;
  char line[32], port[16];
  bool tls = c->http_tls_cert || c->http_tls_key;
  int rc;
  node_http_opts_init(&o);
  o.listen = listen ? listen : c->http_listen;
  o.max_body = (size_t)c->http_max_body_bytes;
  o.cors_origin = c->http_cors_origin && strcmp(c->http_cors_origin, "none") ? c->http_cors_origin : NULL;
  o.tls_cert = c->http_tls_cert;
  o.tls_key = c->http_tls_key;
  if (!tls && !node_http_loopback(o.listen) && strcmp(c->http_allow_plain_remote, "true") != 0)
    return ob_err_set(err, OB_EINVAL,
                      "http.listen %s is not a loopback address: configure http.tls_cert and http.tls_key for HTTPS, "
                      "or set http.allow_plain_remote to true (bearer tokens would cross the network in clear)",
                      o.listen);
  rc = node_http_new(out, loop, &o, err);
  if (rc) return ob_err_prefix(err, rc, listen ? "--listen" : "http.listen");
  snprintf(port, sizeof(port), "%d", node_http_port(*out));
  OB_LOG(OB_LOG_INFO, "daemon", "listening", "listen", o.listen, "port", port, "tls", tls ? "yes" : "no", NULL);
  if (port_file) {
    int n = snprintf(line, sizeof(line), "%s\n", port);
    rc = ob_file_write_atomic(port_file, line, (size_t)n, 0644, err);
    if (rc) return ob_err_prefix(err, rc, "--port-file");
  }
  return 0;
}

int cli_pinsvc_open(struct pinsvc **svc, struct ipfs_kubo **kubo, struct node_http *http, struct chain_loop *loop,
                    struct db *db, const struct ob_config *c, struct ob_err *err) {
  struct ipfs_kubo_opts ko;
  struct pinsvc_opts o;
  int rc = db_exec(db, NULL, DB_RETRY, "SELECT 1 FROM pinsvc_tenants LIMIT 1", 0, NULL, err);
  /* The tables are the service's precondition: say how to get them. */
  if (rc == OB_EPEER) return ob_err_prefix(err, OB_EINVAL, "the database lacks the pinning service's tables (run 'obridge db migrate')");
  if (rc) return rc;
  ipfs_kubo_opts_init(&ko);
  ko.api = c->ipfs_api;
  ko.connect_timeout_s = 2;
  ko.stall_timeout_s = 5;
  if ((rc = ipfs_kubo_new(kubo, &ko, err))) return rc;
  pinsvc_opts_init(&o);
  o.db = db;
  o.kubo = *kubo;
  o.loop = loop;
  o.rate_per_s = c->http_rate_per_s;
  o.rate_burst = c->http_rate_burst;
  return pinsvc_new(svc, http, &o, err);
}

/* ---- the dashboard ---- */

int cli_ipfs_check_open(struct ipfs_kubo **kubo, const struct ob_config *c, struct ob_err *err) {
  struct ipfs_kubo_opts o;
  ipfs_kubo_opts_init(&o);
  o.api = c->ipfs_api;
  o.connect_timeout_s = 2;
  o.stall_timeout_s = 2;
  return ipfs_kubo_new(kubo, &o, err);
}

int cli_ipfs_check(void *ud, char *why, size_t cap) {
  struct ipfs_kubo *kubo = *(struct ipfs_kubo **)ud;
  struct ob_err err;
  char ver[64];
  int rc;
  ob_err_clear(&err);
  rc = ipfs_kubo_version(kubo, ver, sizeof(ver), &err);
  snprintf(why, cap, "%s", rc ? ob_err_msg(&err, rc) : "");
  return rc;
}

/* The feeds' heartbeats come from the config; a config whose feeds do not load still gets the page
 * (the rounds then fail and say why; the feeds show without heartbeats). */
int cli_dashboard_open(struct node_dashboard **out, const struct node_dashboard_opts *o, struct node_http *http,
                       const struct ob_config *c, struct ob_err *err) {
  int rc = node_dashboard_new(out, o, err);
  if (!rc) cli_dashboard_feeds(*out, c);
  if (!rc) rc = node_dashboard_add_routes(*out, http, err);
  return rc ? ob_err_prefix(err, rc, "dashboard") : 0;
}

void cli_dashboard_feeds(struct node_dashboard *d, const struct ob_config *c) {
  struct oracle_feedset fs;
  struct ob_err err;
  ob_err_clear(&err);
  oracle_feedset_init(&fs);
  if (!c->oracle_feeds && !c->feeds_dir) return;
  if (cli_feeds_load(c, &fs, &err) == 0) node_dashboard_set_feeds(d, fs.feeds, fs.n);
  else OB_LOG(OB_LOG_WARN, "dashboard", "the feeds do not load: shown without heartbeats", "error", err.msg, NULL);
  oracle_feedset_release(&fs);
}
