/* chain/ store interfaces on PostgreSQL. */
#include <inttypes.h>
#include <stdio.h>

#include "ob/chain/watch.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"

static int load_cursor(void *ud, const char *name, uint64_t *block, char hash67[67], bool *found,
                       struct ob_err *err) {
  struct node_chain_db *x = ud;
  struct db_res *res = NULL;
  char chain[24];
  const char *params[2] = {chain, name};
  int rc;
  snprintf(chain, sizeof(chain), "%" PRIu64, x->chain_id);
  rc = db_exec(x->db, &res, DB_RETRY, "SELECT block, block_hash FROM chain_cursors WHERE chain_id = $1 AND name = $2", 2,
               params, err);
  if (rc) return rc;
  *found = db_res_rows(res) == 1;
  if (*found) rc = ob_parse_u64(block, db_res_get(res, 0, 0), "chain_cursors.block", err);
  hash67[0] = '\0';
  if (*found && db_res_get(res, 0, 1)) snprintf(hash67, 67, "%s", db_res_get(res, 0, 1));
  db_res_free(res);
  return rc;
}

static int save_cursor(void *ud, const char *name, uint64_t block, const char *hash, struct ob_err *err) {
  struct node_chain_db *x = ud;
  char chain[24], b[24];
  const char *params[4] = {chain, name, b, hash};
  snprintf(chain, sizeof(chain), "%" PRIu64, x->chain_id);
  snprintf(b, sizeof(b), "%" PRIu64, block);
  /* Idempotent: repeating it after a lost connection is harmless. */
  return db_exec(x->db, NULL, DB_RETRY,
                 "INSERT INTO chain_cursors (chain_id, name, block, block_hash) VALUES ($1, $2, $3, lower($4)) "
                 "ON CONFLICT (chain_id, name) DO UPDATE SET block = EXCLUDED.block, "
                 "block_hash = EXCLUDED.block_hash, updated_at = now()",
                 4, params, err);
}

void node_chain_watch_store(struct chain_watch_store *out, struct node_chain_db *ctx) {
  out->ud = ctx;
  out->load_cursor = load_cursor;
  out->save_cursor = save_cursor;
}
