/* Helpers shared by the node/ tests (header-only, like tests/chain/rpc_helpers.h). */
#ifndef OB_TEST_NODE_HELPERS_H
#define OB_TEST_NODE_HELPERS_H
#include <stdio.h>

#include "ob/core/err.h"
#include "ob/db/db.h"
#include "ob_test.h"

/* A fresh database on the test cluster with every built-in migration applied; NULL on failure. */
static inline struct db *fresh_migrated_db(void) {
  struct db_opts o;
  struct db *db = NULL;
  struct db_migration_set set;
  struct ob_err err;
  int rc;
  db_opts_init(&o);
  o.url = ob_test_fresh_db();
  if (!o.url || db_open(&db, &o, &err)) return NULL;
  rc = db_migrations_builtin(&set, &err);
  if (!rc) {
    rc = db_migrate(db, &set, NULL, &err);
    db_migrations_release(&set);
  }
  if (rc) {
    fprintf(stderr, "migrate: %s\n", err.msg);
    db_close(db);
    return NULL;
  }
  return db;
}
#endif
