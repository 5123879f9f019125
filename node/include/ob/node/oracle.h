/* The oracle round: collect → aggregate → batch → pin → sign → submit → confirmed, one call that
 * runs (or resumes) the registry's round to its end. Each step's state is in PostgreSQL
 * (node/oracle_store.h, migrations/0010_oracle.sql), and the steps from the batch on are the commit
 * pipeline (node/round.h), so a crash anywhere resumes the same round with the same number, and a
 * round is never committed twice.
 *
 *   collect    the provider fetches every source of the feeds (a failed source is an observation
 *              with its error); all observations stored in one transaction → aggregate
 *   aggregate  median-mad per feed from the stored observations (outlier flags stored; below quorum:
 *              left out with the reason), and the triggers from the database: a feed is due on its
 *              first value, a move ≥ deviation_bps from its last committed value, or its heartbeat
 *              → batch (some feed due) or nothing-due (the next round reuses the number)
 *   batch      the batch document of the due feeds, from the stored aggregates and observations,
 *              built and recorded (the `rounds` row) → pin → sign → submit → confirmed (the feeds'
 *              last committed values move in the same transaction)
 *
 * Every write is fenced (node_commit_ctx.fence): the daemon passes its lease token, a one-shot
 * `feed run` the advisory lock it holds (token 0).
 *
 * Rules: everything in opts is borrowed for the call; one thread; err may be NULL. */
#ifndef OB_NODE_ORACLE_H
#define OB_NODE_ORACLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
#include "ob/node/round.h"

struct ob_err;
struct oracle_feed;
struct oracle_obs;

/* Where observations come from: the fetcher (node_fetch_blocking) or, in tests, a fake. collect
 * returns one observation per source of feeds[0..n) in order, *obs owned by the provider until
 * release(obs, nobs). A provider error fails the round's collect step (to be retried). */
struct node_obs_provider {
  void *ud;
  int (*collect)(void *ud, const struct oracle_feed *const *feeds, size_t n, struct oracle_obs **obs, size_t *nobs,
                 struct ob_err *err);
  void (*release)(void *ud, struct oracle_obs *obs, size_t nobs);
};

struct node_oracle_opts {
  const struct node_commit_ctx *commit;   /* its on_step / step_ud are the round's own */
  const struct oracle_feed *const *feeds; /* the feeds of the round (every configured one, or a choice) */
  size_t nfeeds;
  struct node_obs_provider provider;
  const char *holder;                     /* "host:pid" recorded on the round */
  uint32_t retention_days;                /* observations older than this are deleted after the round;
                                             0: kept */
};

struct node_oracle_feed_result {
  char feed[65];
  bool ok;                      /* aggregated; else left_out says why */
  char value[80];               /* canonical decimal, at decimals */
  uint8_t decimals;
  char left_out[256];
  uint32_t counted, remaining, errors; /* source values counted, left after the outlier rule, failed */
  char due[12];                 /* "first", "deviation", "heartbeat", "" (not due) */
  bool committed;               /* in this round's batch, and the round confirmed */
};

struct node_oracle_result {
  uint64_t round;
  uint32_t attempt;
  const char *outcome;          /* "committed" or "nothing-due" (static) */
  char resumed_from[16];        /* the state a crashed run left ("" for a new round) */
  struct node_commit_result commit; /* when committed */
  struct node_oracle_feed_result *feeds; /* owned (node_oracle_result_release) */
  size_t nfeeds;
  /* Where this run's time went, in ms (0: the step was not run by this run): fetch (the provider),
   * store (the observations written), aggregate (median-mad, triggers, stored), batch (the document
   * built, sealed and stored), pin, sign, submit (simulated, signed, sent), confirm (until the
   * receipt), total (the whole call). */
  struct {
    uint64_t fetch, store, aggregate, batch, pin, sign, submit, confirm, total;
  } ms;
};
void node_oracle_result_release(struct node_oracle_result *r);

/* Run or resume one round (see above). Returns 0 (res->outcome); OB_ESTATE (fence lost, or another
 * unfinished round of the registry); the provider's, the pipeline's and the peers' errors. The
 * failure is also recorded on the round (oracle_rounds.error). */
int node_oracle_round(const struct node_oracle_opts *o, struct node_oracle_result *res, struct ob_err *err);
#endif
