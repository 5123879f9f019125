/* The operator dashboard (docs/DASHBOARD.md): one read-only page at GET / and the JSON it reads,
 * on the node's HTTP server:
 *   GET /                       the page; its status summary is rendered here (works without JavaScript)
 *   GET /dash/{file}            the page's CSS and JavaScript modules (compiled into the binary)
 *   POST /dash/login            form field token=…: sets the token cookie the page then sends (303 to /)
 *   GET /v1/status              the node: role, lease, peers, counts of feeds, transactions, pins, models,
 *                               the latest round
 *   GET /v1/status/feeds        every feed: value, last committed value, age, deviation, sources, sparkline
 *   GET /v1/rounds?limit=N      the newest N rounds (1..1000, default 20): feeds, gas, fetch to confirmation,
 *                               whether the proof API's check passed
 *   GET /v1/txs?state=S&limit=N transactions of the manager with their versions; S: pending, bumped,
 *                               failed, confirmed, superseded, all (default pending); N 1..1000 (default 50)
 *   GET /v1/pins/summary        the pin queue by state, throughput, failures by reason, models
 * Authorization: while the database holds a live pinning service token (`obridge tenant token`),
 * every route needs one, as `Authorization: Bearer TOKEN` or the cookie the login form sets (401
 * otherwise; the page answers with the login form). With no token, the routes are open (the HTTP
 * server listens on loopback unless configured otherwise).
 * Replies are built at most once per second per URL (a cache shared by every poller) and carry an
 * ETag (If-None-Match gives 304). Errors use the server's one shape; a bad limit or state is 400.
 *
 * Rules: the loop's thread only; opts' pointers are borrowed until node_dashboard_free; err may be
 * NULL. */
#ifndef OB_NODE_DASHBOARD_H
#define OB_NODE_DASHBOARD_H
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct db;
struct node_daemon;
struct node_http;
struct node_proofapi;
struct oracle_feed;
struct node_dashboard;

struct chain_loop;
struct node_dashboard_opts {
  struct db *db;                  /* the loop's connection */
  struct node_daemon *daemon;     /* role, lease and peers; NULL (`obridge serve`): PostgreSQL and ipfs_check only */
  struct node_proofapi *proofapi; /* the rounds' check; NULL: "unknown" */
  uint64_t chain_id;
  const char *registry;           /* 0x address: feeds and rounds of this registry; NULL: rounds of all, no feeds */
  const char *node_id, *version;  /* used without a daemon */
  /* IPFS's health without a daemon (node/daemon.h's node_ipfs_check); NULL: not shown. Asked on a
   * thread of its own (with loop set: every check but the first), at most every 2 s, so an IPFS node
   * that hangs never stalls the loop; ipfs_ud's client must then be used by nothing else. */
  int (*ipfs_check)(void *ud, char *why, size_t cap);
  void *ipfs_ud;
  struct chain_loop *loop;        /* NULL: the check runs inline */
  unsigned spark_points;          /* values per sparkline (default 20, at most 64) */
};
void node_dashboard_opts_init(struct node_dashboard_opts *o);

/* Returns 0; OB_EINVAL (registry); OB_ENOMEM. *out owned (node_dashboard_free, after the HTTP server). */
int node_dashboard_new(struct node_dashboard **out, const struct node_dashboard_opts *o, struct ob_err *err);
/* The feeds' heartbeat and deviation settings (the config's; after SIGHUP again), copied. */
int node_dashboard_set_feeds(struct node_dashboard *d, const struct oracle_feed *feeds, size_t n);
/* Add the routes above. Returns 0 or node_http_route's errors. */
int node_dashboard_add_routes(struct node_dashboard *d, struct node_http *http, struct ob_err *err);
void node_dashboard_free(struct node_dashboard *d);
#endif
