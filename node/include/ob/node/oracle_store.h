/* The oracle round's state on PostgreSQL (migrations/0010_oracle.sql): the only SQL of
 * node_oracle_round and `obridge feed show`. Every write of a round runs in one transaction that
 * first checks the fence (node/round.h node_fence_check): the daemon's lease token, or the advisory
 * lock of a one-shot `feed run`. Bulk writes go as arrays (unnest), one statement each.
 *
 * Rules: db borrowed (one thread); the context's strings borrowed for the call; err may be NULL.
 * Row arrays returned are owned by the caller (the matching *_free), even on failure. */
#ifndef OB_NODE_ORACLE_STORE_H
#define OB_NODE_ORACLE_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ob/core/u256.h"
#include "ob/oracle/aggregate.h"

struct db;
struct ob_err;
struct oracle_feed;
struct oracle_obs;
struct node_fence;

struct node_oracle_ctx {
  struct db *db;
  const struct node_fence *fence; /* NULL: no fence (tests, feed show) */
  uint64_t chain_id;
  char registry[43];              /* lower-case 0x hex */
  const char *holder;             /* "host:pid", recorded on the round; may be NULL */
};

struct node_oracle_round_row {
  uint64_t round;
  uint32_t attempt;
  char state[16];
};

/* The states, in order (oracle_rounds.state). */
#define NODE_ORACLE_FINAL(s) (!strcmp((s), "confirmed") || !strcmp((s), "nothing-due") || !strcmp((s), "superseded"))

/* Record the feeds as seen now (name, sha256 of their settings, decimals). */
int node_oracle_feeds_seen(const struct node_oracle_ctx *c, const struct oracle_feed *const *feeds, size_t n,
                           struct ob_err *err);
/* sha256 hex of a feed's settings (what a changed config changes). */
void node_oracle_feed_hash(char hex[65], const struct oracle_feed *f);

/* The registry's open round (*resumed = true), else a new one in state collect numbered one more
 * than the chain's latest (chain_latest) and every round in the database; a nothing-due row of that
 * number is reused with attempt + 1. */
int node_oracle_round_open(const struct node_oracle_ctx *c, uint64_t chain_latest, struct node_oracle_round_row *r,
                           bool *resumed, struct ob_err *err);
/* The round's state (no fence: inside the caller's fenced transaction; db may differ from c->db). */
int node_oracle_round_set(struct db *db, const struct node_oracle_ctx *c, uint64_t round, const char *state,
                          struct ob_err *err);
/* Record a step's failure on the round (fenced, own transaction). */
int node_oracle_round_fail(const struct node_oracle_ctx *c, uint64_t round, const char *error, struct ob_err *err);
/* Seconds since the round (this attempt) started. */
int node_oracle_round_age(const struct node_oracle_ctx *c, uint64_t round, uint64_t *age_s, struct ob_err *err);
/* Give up a round whose commit was never sent (state before submit): it and its `rounds` row (built,
 * pinned or signed) become superseded, why recorded; the next round takes a new number (fenced). */
int node_oracle_round_abandon(const struct node_oracle_ctx *c, uint64_t round, const char *why, struct ob_err *err);
/* Confirmed: state confirmed, and each committed feed's value becomes its last committed value (no
 * fence: inside the caller's fenced transaction). */
int node_oracle_round_confirm(struct db *db, const struct node_oracle_ctx *c, uint64_t round, struct ob_err *err);

/* Store the round's observations (this attempt's earlier ones replaced) and move it to aggregate. */
int node_oracle_obs_store(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                          const struct oracle_obs *obs, size_t n, struct ob_err *err);

struct node_oracle_obs_row {
  int64_t id;
  uint64_t round;
  uint32_t attempt;
  char *feed, *source, *raw, *error; /* owned; raw and error may be NULL */
  bool has_value;
  struct chain_u256 value;
  int http_status;
  uint32_t latency_ms;
  uint64_t at_ms;
  int outlier;            /* -1 not set, 0, 1 */
  char observed_at[32];   /* ISO-8601 UTC */
};
void node_oracle_obs_rows_free(struct node_oracle_obs_row *rows, size_t n);
/* One attempt's observations, by feed then source. */
int node_oracle_obs_load(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                         struct node_oracle_obs_row **rows, size_t *n, struct ob_err *err);
/* The feed's latest observations (those of its last round attempt), by source. */
int node_oracle_obs_last(const struct node_oracle_ctx *c, const char *feed, struct node_oracle_obs_row **rows,
                         size_t *n, struct ob_err *err);

struct node_oracle_agg_row {
  char feed[65];
  uint8_t decimals;
  char k[ORACLE_K_TEXT_MAX];
  uint32_t quorum;
  bool ok;                 /* value set; else left_out says why */
  struct chain_u256 value;
  char left_out[256];
  uint32_t counted, remaining;
  uint64_t observed_at;    /* unix s */
  char due[12];            /* "first", "deviation", "heartbeat" or "" */
  uint64_t round;
  /* triggers (in only): the feed's settings */
  uint32_t deviation_bps, heartbeat_s;
};
/* Collect and aggregate in one fenced transaction: the observations (obs[i] with its outlier flag
 * outlier[i]) and the aggregates, the triggers decided as node_oracle_aggregates_store does (dues[i]:
 * aggs[i]'s trigger, "" when not due; dues may be NULL), the round moved to batch or nothing-due.
 * aggs are by feed in byte order. */
int node_oracle_collect_store(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                              const struct oracle_obs *obs, const bool *outlier, size_t n,
                              const struct node_oracle_agg_row *aggs, size_t naggs, char (*dues)[12], size_t *due,
                              struct ob_err *err);
/* Store the aggregates (one per feed) and the outlier flags (ids[i] gets outlier[i]), decide which
 * feeds are due from oracle_feed_last (first value, |value - last| × 10000 ≥ deviation_bps × |last|,
 * or heartbeat_s since the last committed observedAt), and move the round to batch (*due > 0) or
 * nothing-due. One fenced transaction. */
int node_oracle_aggregates_store(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                                 const struct node_oracle_agg_row *a, size_t n, const int64_t *ids,
                                 const bool *outlier, size_t nids, size_t *due, struct ob_err *err);
/* The round's aggregates by feed (due filled in). *rows owned (ob_free). */
int node_oracle_aggregates_load(const struct node_oracle_ctx *c, uint64_t round, struct node_oracle_agg_row **rows,
                                size_t *n, struct ob_err *err);
/* The feed's latest aggregate (*found). */
int node_oracle_aggregate_last(const struct node_oracle_ctx *c, const char *feed, struct node_oracle_agg_row *row,
                               bool *found, struct ob_err *err);

struct node_oracle_last {
  uint64_t round;
  struct chain_u256 value;
  uint8_t decimals;
  uint64_t observed_at;
  char committed_at[32];
};
/* The feed's last committed value (*found). */
int node_oracle_last_get(const struct node_oracle_ctx *c, const char *feed, struct node_oracle_last *l, bool *found,
                         struct ob_err *err);

/* Retention: delete observations older than days, at most batch rows per statement, until none is
 * left (or max_batches statements). *deleted = rows deleted (may be NULL). */
int node_oracle_retention(struct db *db, uint32_t days, uint32_t batch, uint32_t max_batches, uint64_t *deleted,
                          struct ob_err *err);
#endif
