/* Registries obridge deployed and the rounds it commits (migrations/0006_commit.sql): the only SQL of
 * `obridge registry` and `obridge commit`. Addresses and hashes are lower-case 0x hex. */
#ifndef OB_NODE_COMMIT_STORE_H
#define OB_NODE_COMMIT_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct ob_err;

/* Record a deployed registry (again: updated). signers: n lower-case 0x addresses. */
int node_registry_record(struct db *db, uint64_t chain_id, const char *address, const char *tx, uint64_t block,
                         const char *const *signers, size_t n, unsigned threshold, struct ob_err *err);

struct node_round_row {
  uint64_t round;
  char step[16];
  char root[67];
  uint32_t feeds;
  char *batch;      /* owned: the batch document's bytes */
  size_t batch_len;
  char cid[128];    /* "" if not pinned */
  int64_t tx_id;    /* 0 if not submitted */
  char tx_hash[67]; /* "" */
  uint64_t gas_used;
  char updated_at[32]; /* ISO-8601 UTC (node_round_list only) */
  uint64_t block;      /* the commit's block (node_round_confirmed only; 0 if unknown) */
};
void node_round_row_free(struct node_round_row *r);

/* The highest round in the db for this registry (0 if none). */
int node_round_max(struct db *db, uint64_t chain_id, const char *registry, uint64_t *max, struct ob_err *err);
/* The oldest (newest: the newest) unfinished round (step not confirmed/superseded): 0 and *found. Two
 * unfinished rounds exist only while the newer one supersedes the older one's pending commit. */
int node_round_unfinished(struct db *db, uint64_t chain_id, const char *registry, bool newest,
                          struct node_round_row *r, int *found, struct ob_err *err);
/* Every round of the registry, newest first, at most limit; the batch is not loaded (NULL).
 * *rows is owned by the caller (node_round_rows_free) even on failure. */
int node_round_list(struct db *db, uint64_t chain_id, const char *registry, size_t limit, struct node_round_row **rows,
                    size_t *n, struct ob_err *err);
void node_round_rows_free(struct node_round_row *rows, size_t n);
/* One round (*found), the batch not loaded. */
int node_round_get(struct db *db, uint64_t chain_id, const char *registry, uint64_t round, struct node_round_row *r,
                   bool *found, struct ob_err *err);
/* Confirmed rounds of the registry with their batch documents and blocks: round > after, ascending
 * (newest_first: descending), at most limit. *rows owned by the caller (node_round_rows_free) even on
 * failure. A row whose document the database does not hold has batch_len 0. */
int node_round_confirmed(struct db *db, uint64_t chain_id, const char *registry, uint64_t after, bool newest_first,
                         size_t limit, struct node_round_row **rows, size_t *n, struct ob_err *err);
/* Insert a built round. OB_ECONFLICT when the round exists. */
int node_round_insert(struct db *db, uint64_t chain_id, const char *registry, uint64_t round, const char *root,
                      uint32_t feeds, const char *batch, size_t batch_len, struct ob_err *err);
/* Move a round to step; cid / sigs / tx fields are written when non-NULL / non-zero. */
int node_round_step(struct db *db, uint64_t chain_id, const char *registry, uint64_t round, const char *step,
                    const char *cid, int64_t tx_id, const char *tx_hash, uint64_t gas_used, struct ob_err *err);
#endif
