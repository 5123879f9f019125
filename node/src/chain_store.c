/* chain/ store interfaces on PostgreSQL. */
#include <inttypes.h>
#include <stdio.h>

#include "ob/chain/watch.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"

static int load_cursor(void *ud, const char *name, uint64_t *block, bool *found, struct ob_err *err) {
  struct node_chain_db *x = ud;
  struct db_res *res = NULL;
  char chain[24];
  const char *params[2] = {chain, name};
  int rc;
  snprintf(chain, sizeof(chain), "%" PRIu64, x->chain_id);
  rc = db_exec(x->db, &res, DB_RETRY, "SELECT block FROM chain_cursors WHERE chain_id = $1 AND name = $2", 2,
               params, err);
  if (rc) return rc;
  *found = db_res_rows(res) == 1;
  if (*found) rc = ob_parse_u64(db_res_get(res, 0, 0), block, "chain_cursors.block", err);
  db_res_free(res);
  return rc;
}

static int save_cursor(void *ud, const char *name, uint64_t block, struct ob_err *err) {
  struct node_chain_db *x = ud;
  char chain[24], b[24];
  const char *params[3] = {chain, name, b};
  snprintf(chain, sizeof(chain), "%" PRIu64, x->chain_id);
  snprintf(b, sizeof(b), "%" PRIu64, block);
  /* Idempotent: repeating it after a lost connection is harmless. */
  return db_exec(x->db, NULL, DB_RETRY,
                 "INSERT INTO chain_cursors (chain_id, name, block) VALUES ($1, $2, $3) "
                 "ON CONFLICT (chain_id, name) DO UPDATE SET block = EXCLUDED.block, updated_at = now()",
                 3, params, err);
}

void node_chain_watch_store(struct chain_watch_store *out, struct node_chain_db *ctx) {
  out->ud = ctx;
  out->load_cursor = load_cursor;
  out->save_cursor = save_cursor;
}
