/* What `obridge run` (cmd_run.c) and `obridge serve` (cmd_serve.c) share: the HTTP server built from
 * the config (TLS when a certificate is configured; plain HTTP only on loopback unless
 * http.allow_plain_remote; the body cap), the pinning service's routes on it, and the pin worker
 * processes (the pin worker blocks, so each runs in a process of its own, as `pin worker` does). */
#ifndef OB_CLI_SERVE_H
#define OB_CLI_SERVE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ob/core/err.h"

struct cli;
struct ob_config;
struct chain_loop;
struct db;
struct ipfs_kubo;
struct node_http;
struct pinsvc;
struct node_dashboard;
struct node_dashboard_opts;

#define CLI_MAX_WORKERS 64

struct cli_workers {
  struct cli *cli;
  pid_t kids[CLI_MAX_WORKERS];
  uint64_t respawn_at[CLI_MAX_WORKERS];
  unsigned n;     /* how many should run */
  bool stopping;  /* no respawn */
  /* Any other child reaped (e.g. run's adapter push), or NULL. */
  void (*other)(void *ud, pid_t pid, int status);
  void *other_ud;
};
/* Fork n worker processes (at most CLI_MAX_WORKERS). w->other / other_ud, set before, are kept. */
void cli_workers_start(struct cli_workers *w, struct cli *cli, unsigned n);
/* Collect exited workers (WNOHANG); one that died while not stopping is started again a second later. */
void cli_workers_reap(struct cli_workers *w);
void cli_workers_respawn_due(struct cli_workers *w);
void cli_workers_signal(struct cli_workers *w, int sig);
unsigned cli_workers_alive(const struct cli_workers *w);
/* New settings: the running workers are asked to stop; n new ones start as they exit. */
void cli_workers_restart(struct cli_workers *w, unsigned n);

/* Listen on listen (NULL: the config's http.listen) with the config's TLS files and body cap.
 * Refuses (OB_EINVAL, exit 2) plain HTTP on an address other than loopback unless
 * http.allow_plain_remote is true. port_file (may be NULL) gets the bound port. */
int cli_http_open(struct node_http **out, struct chain_loop *loop, const struct ob_config *c, const char *listen,
                  const char *port_file, struct ob_err *err);
/* The pinning service on http: *kubo gets its IPFS client (short timeouts: it only reads the node's
 * addresses and unpins), *svc the service. Both owned by the caller (pinsvc_free after
 * node_http_free, then ipfs_kubo_free). */
int cli_pinsvc_open(struct pinsvc **svc, struct ipfs_kubo **kubo, struct node_http *http, struct chain_loop *loop,
                    struct db *db, const struct ob_config *c, struct ob_err *err);
/* The dashboard (node/dashboard.h) on http, with the config's feeds' heartbeats. *out owned
 * (node_dashboard_free, after node_http_free). */
int cli_dashboard_open(struct node_dashboard **out, const struct node_dashboard_opts *o, struct node_http *http,
                       const struct ob_config *c, struct ob_err *err);
/* The IPFS check of /health and the dashboard: ud is the address of the caller's `struct ipfs_kubo *`
 * (read at each call); 0 and why "" when the node answers its version, else the error in why. */
int cli_ipfs_check(void *ud, char *why, size_t cap);
/* The IPFS client of that check (ud: &*kubo): short timeouts (2 s), and its own, since the check runs on a
 * thread of its own (node/daemon.c, node/dashboard.c). Returns ipfs_kubo_new's codes. */
int cli_ipfs_check_open(struct ipfs_kubo **kubo, const struct ob_config *c, struct ob_err *err);
/* The config's feeds' heartbeats into the dashboard again (SIGHUP); a config that does not load is logged. */
void cli_dashboard_feeds(struct node_dashboard *d, const struct ob_config *c);
#endif
