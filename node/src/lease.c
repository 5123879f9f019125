/* The round leader's lease and the registry of running processes on PostgreSQL
 * (migrations/0008_lease.sql, 0001_init.sql). */
#include "ob/node/lease.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/db/db.h"

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

static void read_row(struct node_lease *out, const struct db_res *r) {
  out->token = strtoull(db_res_get(r, 0, 0), NULL, 10);
  copy(out->holder, sizeof(out->holder), db_res_get(r, 0, 1));
  out->expires_in_ms = db_res_get(r, 0, 2) ? strtoll(db_res_get(r, 0, 2), NULL, 10) : 0;
}

/* expires_in_ms: -1 for a lease never held ('-infinity'). */
#define EXPIRES_IN "CASE WHEN expires_at = '-infinity' THEN -1 " \
                   "ELSE floor(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint END"

int node_lease_get(struct db *db, const char *name, struct node_lease *out, struct ob_err *err) {
  struct db_res *r = NULL;
  const char *p[] = {name};
  int rc = db_exec(db, &r, DB_RETRY, "SELECT token, holder, " EXPIRES_IN " FROM obridge_leases WHERE name = $1", 1, p, err);
  memset(out, 0, sizeof(*out));
  if (!rc && db_res_rows(r) != 1) rc = ob_err_set(err, OB_ENOENT, "no lease named '%s' (is migration 0008 applied?)", name);
  if (!rc) read_row(out, r);
  db_res_free(r);
  return rc;
}

int node_lease_acquire(struct db *db, const char *name, const char *node_id, uint32_t ttl_ms,
                       struct node_lease *out, struct ob_err *err) {
  struct db_res *r = NULL;
  char ttl[16];
  const char *p[] = {name, node_id, ttl};
  int rc;
  snprintf(ttl, sizeof(ttl), "%" PRIu32, ttl_ms);
  /* One statement: the row lock serialises racing daemons, and the second one's WHERE is checked
   * again on the row the first one wrote (so it finds the lease held and changes nothing). SET
   * reads the old row: a new holder, or the same one after expiry, is a takeover (token + 1). */
  rc = db_exec(db, &r, DB_RETRY,
               "UPDATE obridge_leases SET "
               " token = CASE WHEN holder IS DISTINCT FROM $2 OR expires_at <= now() THEN token + 1 ELSE token END,"
               " acquired_at = CASE WHEN holder IS DISTINCT FROM $2 OR expires_at <= now() THEN now() ELSE acquired_at END,"
               " holder = $2, renewed_at = now(), expires_at = now() + $3::bigint * interval '1 millisecond' "
               "WHERE name = $1 AND (holder IS NULL OR holder = $2 OR expires_at <= now()) "
               "RETURNING token, holder, " EXPIRES_IN,
               3, p, err);
  if (rc) return rc;
  if (db_res_rows(r) == 1) {
    read_row(out, r);
    out->held = true;
    db_res_free(r);
    return 0;
  }
  db_res_free(r);
  return node_lease_get(db, name, out, err);
}

int node_lease_release(struct db *db, const char *name, const char *node_id, uint64_t token, struct ob_err *err) {
  char t[24];
  const char *p[] = {name, node_id, t};
  snprintf(t, sizeof(t), "%" PRIu64, token);
  return db_exec(db, NULL, DB_RETRY,
                 "UPDATE obridge_leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND token = $3::bigint "
                 "AND expires_at > now()",
                 3, p, err);
}

int node_lease_check(struct db *db, uint64_t token, struct ob_err *err) {
  struct ob_err e;
  char t[24];
  const char *p[] = {NODE_LEASE_ROUNDS, t};
  int rc;
  ob_err_clear(&e);
  snprintf(t, sizeof(t), "%" PRIu64, token);
  rc = db_exec(db, NULL, 0, "SELECT obridge_lease_check($1, $2::bigint)", 2, p, &e);
  if (rc && strcmp(e.pg_sqlstate, "OBL01") == 0) rc = OB_ESTATE;
  if (rc && err) {
    *err = e;
    err->code = rc;
  }
  return rc;
}

int node_register(struct db *db, const char *node_id, const char *hostname, long pid, const char *version,
                  const char *roles, struct ob_err *err) {
  char pids[24], arr[256];
  const char *p[] = {node_id, hostname, pids, version, arr};
  snprintf(pids, sizeof(pids), "%ld", pid);
  snprintf(arr, sizeof(arr), "{%s}", roles ? roles : "");
  return db_exec(db, NULL, DB_RETRY,
                 "INSERT INTO obridge_nodes (node_id, hostname, pid, version, roles) VALUES ($1, $2, $3::integer, $4, $5::text[]) "
                 "ON CONFLICT (node_id) DO UPDATE SET roles = EXCLUDED.roles, heartbeat_at = now()",
                 5, p, err);
}

int node_unregister(struct db *db, const char *node_id, struct ob_err *err) {
  const char *p[] = {node_id};
  return db_exec(db, NULL, DB_RETRY, "DELETE FROM obridge_nodes WHERE node_id = $1", 1, p, err);
}
