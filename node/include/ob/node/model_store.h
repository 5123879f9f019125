/* Model versions and their steps on PostgreSQL (migrations/0009_models.sql): the only SQL of
 * `obridge model`. Registries and hashes are lower-case 0x hex. */
#ifndef OB_NODE_MODEL_STORE_H
#define OB_NODE_MODEL_STORE_H
#include <stdint.h>

struct db;
struct ob_err;

struct node_model_row {
  char step[16];
  char sha256[67];
  uint64_t size;
  char cid[128];  /* "" until pinned */
  int64_t tx_id;  /* 0 until submitted */
  char tx_hash[67];
};

/* 0 with *found set (row filled when found). */
int node_model_find(struct db *db, uint64_t chain_id, const char *registry, const char *name, const char *version,
                    struct node_model_row *row, int *found, struct ob_err *err);
/* Insert at step 'fetched', or (a rerun) update files, sha256 and size while the step is below 'pinned'.
 * OB_ECONFLICT when the row is pinned or registered with another sha256. */
int node_model_fetched(struct db *db, uint64_t chain_id, const char *registry, const char *name, const char *version,
                       const char *files_json, const char *sha256, uint64_t size, struct ob_err *err);
/* Move to step; cid / tx fields written when non-NULL / non-zero. */
int node_model_step(struct db *db, uint64_t chain_id, const char *registry, const char *name, const char *version,
                    const char *step, const char *cid, int64_t tx_id, const char *tx_hash, struct ob_err *err);
#endif
