/* Registries and rounds on PostgreSQL (commit_store.h). */
#include "ob/node/commit_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"
#include "ob/db/db.h"

int node_registry_record(struct db *db, uint64_t chain_id, const char *address, const char *tx, uint64_t block,
                         const char *const *signers, size_t n, unsigned threshold, struct ob_err *err) {
  struct ob_buf arr;
  char cid[24], blk[24], th[24];
  const char *p[6];
  int rc;
  ob_buf_init(&arr, 1 << 20);
  rc = ob_buf_addch(&arr, '{');
  for (size_t i = 0; !rc && i < n; i++) rc = ob_buf_addf(&arr, "%s%s", i ? "," : "", signers[i]);
  if (!rc) rc = ob_buf_addch(&arr, '}');
  if (!rc) rc = ob_buf_addch(&arr, 0);
  if (rc) return ob_err_set(err, OB_ENOMEM, "out of memory");
  snprintf(cid, sizeof(cid), "%" PRIu64, chain_id);
  snprintf(blk, sizeof(blk), "%" PRIu64, block);
  snprintf(th, sizeof(th), "%u", threshold);
  p[0] = cid, p[1] = address, p[2] = tx, p[3] = block ? blk : NULL, p[4] = arr.buf, p[5] = th;
  rc = db_exec(db, NULL, DB_RETRY,
               "INSERT INTO registries (chain_id, address, deploy_tx, block_number, signers, threshold) "
               "VALUES ($1, $2, $3, $4, $5::text[], $6) ON CONFLICT (chain_id, address) DO UPDATE SET "
               "deploy_tx = EXCLUDED.deploy_tx, block_number = EXCLUDED.block_number, signers = EXCLUDED.signers, "
               "threshold = EXCLUDED.threshold",
               6, p, err);
  ob_buf_release(&arr);
  return rc;
}

void node_round_row_free(struct node_round_row *r) {
  if (r) ob_free(r->batch), r->batch = NULL;
}

int node_round_max(struct db *db, uint64_t chain_id, const char *registry, uint64_t *max, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24];
  const char *p[2] = {c, registry};
  const char *v;
  int rc;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  rc = db_exec(db, &res, DB_RETRY, "SELECT coalesce(max(round), 0) FROM rounds WHERE chain_id = $1 AND registry = $2",
               2, p, err);
  *max = 0;
  if (!rc && (v = db_res_get(res, 0, 0)) != NULL) *max = strtoull(v, NULL, 10);
  db_res_free(res);
  return rc;
}

#define ROUND_COLS                                                                                            \
  "round, step, root, feeds, coalesce(cid, ''), coalesce(tx_id, 0), coalesce(tx_hash, ''), coalesce(gas_used, 0), " \
  "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static void round_from(const struct db_res *res, size_t i, struct node_round_row *r) {
  r->round = strtoull(db_res_get(res, i, 0), NULL, 10);
  snprintf(r->step, sizeof(r->step), "%s", db_res_get(res, i, 1));
  snprintf(r->root, sizeof(r->root), "%s", db_res_get(res, i, 2));
  r->feeds = (uint32_t)strtoul(db_res_get(res, i, 3), NULL, 10);
  snprintf(r->cid, sizeof(r->cid), "%s", db_res_get(res, i, 4));
  r->tx_id = strtoll(db_res_get(res, i, 5), NULL, 10);
  snprintf(r->tx_hash, sizeof(r->tx_hash), "%s", db_res_get(res, i, 6));
  r->gas_used = strtoull(db_res_get(res, i, 7), NULL, 10);
  snprintf(r->updated_at, sizeof(r->updated_at), "%s", db_res_get(res, i, 8));
}

int node_round_unfinished(struct db *db, uint64_t chain_id, const char *registry, bool newest,
                          struct node_round_row *r, int *found, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24];
  const char *p[2] = {c, registry};
  int rc;
  memset(r, 0, sizeof(*r));
  *found = 0;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  rc = db_exec(db, &res, DB_RETRY,
               newest ? "SELECT " ROUND_COLS ", encode(batch, 'hex') FROM rounds WHERE chain_id = $1 AND registry = $2 "
                        "AND step NOT IN ('confirmed', 'superseded') ORDER BY round DESC LIMIT 1"
                      : "SELECT " ROUND_COLS ", encode(batch, 'hex') FROM rounds WHERE chain_id = $1 AND registry = $2 "
                        "AND step NOT IN ('confirmed', 'superseded') ORDER BY round LIMIT 1",
               2, p, err);
  if (!rc && db_res_rows(res) == 1) {
    const char *hex = db_res_get(res, 0, 9);
    *found = 1;
    round_from(res, 0, r);
    r->batch = ob_malloc(strlen(hex) / 2 + 1);
    if (!r->batch) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    else {
      r->batch_len = 0;
      rc = ob_hex_decode((uint8_t *)r->batch, strlen(hex) / 2 + 1, &r->batch_len, hex, strlen(hex), err);
      if (!rc) r->batch[r->batch_len] = 0;
    }
  }
  db_res_free(res);
  return rc;
}

int node_round_list(struct db *db, uint64_t chain_id, const char *registry, size_t limit, struct node_round_row **rows,
                    size_t *n, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24], l[24];
  const char *p[3] = {c, registry, l};
  int rc;
  *rows = NULL;
  *n = 0;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(l, sizeof(l), "%zu", limit);
  rc = db_exec(db, &res, DB_RETRY,
               "SELECT " ROUND_COLS " FROM rounds WHERE chain_id = $1 AND registry = $2 ORDER BY round DESC LIMIT $3", 3,
               p, err);
  if (!rc && db_res_rows(res) > 0) {
    size_t k = db_res_rows(res);
    if (!(*rows = ob_calloc(k, sizeof(**rows)))) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < k; i++) round_from(res, i, &(*rows)[i]);
    if (!rc) *n = k;
  }
  db_res_free(res);
  return rc;
}

int node_round_get(struct db *db, uint64_t chain_id, const char *registry, uint64_t round, struct node_round_row *r,
                   bool *found, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24], n[24];
  const char *p[3] = {c, registry, n};
  int rc;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(n, sizeof(n), "%" PRIu64, round);
  memset(r, 0, sizeof(*r));
  *found = false;
  rc = db_exec(db, &res, DB_RETRY,
               "SELECT " ROUND_COLS " FROM rounds WHERE chain_id = $1 AND registry = $2 AND round = $3", 3, p, err);
  if (!rc && db_res_rows(res) == 1) {
    round_from(res, 0, r);
    *found = true;
  }
  db_res_free(res);
  return rc;
}

/* The batch's hex (column col) into r->batch. */
static int batch_from(const struct db_res *res, size_t i, size_t col, struct node_round_row *r, struct ob_err *err) {
  const char *hex = db_res_get(res, i, col);
  size_t n = hex ? strlen(hex) : 0;
  r->batch_len = 0;
  if (!(r->batch = ob_malloc(n / 2 + 1))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  r->batch[0] = 0;
  if (n && ob_hex_decode((uint8_t *)r->batch, n / 2 + 1, &r->batch_len, hex, n, err)) return OB_EPARSE;
  r->batch[r->batch_len] = 0;
  return 0;
}

int node_round_confirmed(struct db *db, uint64_t chain_id, const char *registry, uint64_t after, bool newest_first,
                         size_t limit, struct node_round_row **rows, size_t *n, struct ob_err *err) {
  struct db_res *res = NULL;
  char c[24], a[24], l[24];
  const char *p[4] = {c, registry, a, l};
  int rc;
  *rows = NULL;
  *n = 0;
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(a, sizeof(a), "%" PRIu64, after);
  snprintf(l, sizeof(l), "%zu", limit);
  rc = db_exec(db, &res, DB_RETRY,
               newest_first
                   ? "SELECT " ROUND_COLS ", encode(batch, 'hex'), coalesce((SELECT t.block_number FROM chain_txs t "
                     "WHERE t.id = rounds.tx_id), 0) FROM rounds WHERE chain_id = $1 AND registry = $2 "
                     "AND step = 'confirmed' AND round > $3 ORDER BY round DESC LIMIT $4"
                   : "SELECT " ROUND_COLS ", encode(batch, 'hex'), coalesce((SELECT t.block_number FROM chain_txs t "
                     "WHERE t.id = rounds.tx_id), 0) FROM rounds WHERE chain_id = $1 AND registry = $2 "
                     "AND step = 'confirmed' AND round > $3 ORDER BY round LIMIT $4",
               4, p, err);
  if (!rc && db_res_rows(res) > 0) {
    size_t k = db_res_rows(res);
    if (!(*rows = ob_calloc(k, sizeof(**rows)))) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < k; i++) {
      round_from(res, i, &(*rows)[i]);
      (*rows)[i].block = strtoull(db_res_get(res, i, 10), NULL, 10);
      *n = i + 1;
      rc = batch_from(res, i, 9, &(*rows)[i], err);
    }
  }
  db_res_free(res);
  return rc;
}

void node_round_rows_free(struct node_round_row *rows, size_t n) {
  for (size_t i = 0; rows && i < n; i++) node_round_row_free(&rows[i]);
  ob_free(rows);
}

int node_round_insert(struct db *db, uint64_t chain_id, const char *registry, uint64_t round, const char *root,
                      uint32_t feeds, const char *batch, size_t batch_len, struct ob_err *err) {
  char c[24], r[24], f[24];
  const char *p[6];
  int len[6] = {0}, fmt[6] = {0, 0, 0, 0, 0, 1}; /* the document in binary: its bytes as they are */
  if (batch_len > (size_t)INT32_MAX) return ob_err_set(err, OB_ELIMIT, "batch document of %zu bytes", batch_len);
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(r, sizeof(r), "%" PRIu64, round);
  snprintf(f, sizeof(f), "%" PRIu32, feeds);
  p[0] = c, p[1] = registry, p[2] = r, p[3] = root, p[4] = f, p[5] = batch;
  len[5] = (int)batch_len;
  return db_exec_bin(db, NULL, 0,
                     "INSERT INTO rounds (chain_id, registry, round, step, root, feeds, batch) "
                     "VALUES ($1, $2, $3, 'built', $4, $5, $6::bytea)",
                     6, p, len, fmt, err);
}

int node_round_step(struct db *db, uint64_t chain_id, const char *registry, uint64_t round, const char *step,
                    const char *cid, int64_t tx_id, const char *tx_hash, uint64_t gas_used, struct ob_err *err) {
  char c[24], r[24], t[24], g[24];
  const char *p[8];
  snprintf(c, sizeof(c), "%" PRIu64, chain_id);
  snprintf(r, sizeof(r), "%" PRIu64, round);
  snprintf(t, sizeof(t), "%" PRId64, tx_id);
  snprintf(g, sizeof(g), "%" PRIu64, gas_used);
  p[0] = c, p[1] = registry, p[2] = r, p[3] = step, p[4] = cid, p[5] = tx_id ? t : NULL, p[6] = tx_hash,
  p[7] = gas_used ? g : NULL;
  return db_exec(db, NULL, DB_RETRY,
                 "UPDATE rounds SET step = $4, cid = coalesce($5, cid), tx_id = coalesce($6::bigint, tx_id), "
                 "tx_hash = coalesce($7, tx_hash), gas_used = coalesce($8::bigint, gas_used), updated_at = now() "
                 "WHERE chain_id = $1 AND registry = $2 AND round = $3",
                 8, p, err);
}
