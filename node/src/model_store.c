/* Model versions on PostgreSQL (model_store.h). */
#include "ob/node/model_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/db/db.h"

int node_model_find(struct db *db, uint64_t chain_id, const char *registry, const char *name, const char *version,
                    struct node_model_row *row, int *found, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24];
  const char *p[4] = {c, registry, name, version};
  int rc;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  rc = db_exec(db, &res, DB_RETRY,
               "SELECT step, sha256, size, coalesce(cid, ''), coalesce(tx_id, 0), coalesce(tx_hash, '') FROM models "
               "WHERE chain_id = $1 AND registry = $2 AND name = $3 AND version = $4",
               4, p, err);
  *found = 0;
  if (!rc && db_res_rows(res) == 1) {
    *found = 1;
    memset(row, 0, sizeof(*row));
    snprintf(row->step, sizeof(row->step), "%s", db_res_get(res, 0, 0));
    snprintf(row->sha256, sizeof(row->sha256), "%s", db_res_get(res, 0, 1));
    row->size = strtoull(db_res_get(res, 0, 2), NULL, 10);
    snprintf(row->cid, sizeof(row->cid), "%s", db_res_get(res, 0, 3));
    row->tx_id = strtoll(db_res_get(res, 0, 4), NULL, 10);
    snprintf(row->tx_hash, sizeof(row->tx_hash), "%s", db_res_get(res, 0, 5));
  }
  db_res_free(res);
  return rc;
}

int node_model_fetched(struct db *db, uint64_t chain_id, const char *registry, const char *name, const char *version,
                       const char *files_json, const char *sha256, uint64_t size, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24], sz[24];
  const char *p[7] = {c, registry, name, version, files_json, sha256, sz};
  int rc;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(sz, sizeof(sz), "%" PRIu64, size);
  rc = db_exec(db, &res, DB_RETRY,
               "INSERT INTO models (chain_id, registry, name, version, step, files, sha256, size) "
               "VALUES ($1, $2, $3, $4, 'fetched', $5::jsonb, $6, $7) "
               "ON CONFLICT (chain_id, registry, name, version) DO UPDATE SET files = EXCLUDED.files, "
               "sha256 = EXCLUDED.sha256, size = EXCLUDED.size, step = 'fetched', updated_at = now() "
               "WHERE models.step IN ('fetched', 'checked') OR models.sha256 = EXCLUDED.sha256 "
               "RETURNING step",
               7, p, err);
  if (!rc && db_res_rows(res) == 0)
    rc = ob_err_set(err, OB_ECONFLICT, "%s@%s is already pinned or registered with other content: entries are immutable", name, version);
  db_res_free(res);
  return rc;
}

int node_model_step(struct db *db, uint64_t chain_id, const char *registry, const char *name, const char *version,
                    const char *step, const char *cid, int64_t tx_id, const char *tx_hash, struct ob_err *err) {
  char c[24], t[24];
  const char *p[8];
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(t, sizeof(t), "%" PRId64, tx_id);
  p[0] = c, p[1] = registry, p[2] = name, p[3] = version, p[4] = step, p[5] = cid, p[6] = tx_id ? t : NULL,
  p[7] = tx_hash;
  return db_exec(db, NULL, DB_RETRY,
                 "UPDATE models SET step = $5, cid = coalesce($6, cid), tx_id = coalesce($7::bigint, tx_id), "
                 "tx_hash = coalesce($8, tx_hash), updated_at = now() "
                 "WHERE chain_id = $1 AND registry = $2 AND name = $3 AND version = $4",
                 8, p, err);
}
