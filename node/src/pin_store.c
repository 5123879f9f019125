/* The pin queue over db/: see ob/node/pin_store.h. Every statement is a single autocommit statement, so a
 * claim is atomic (UPDATE of the row a FOR UPDATE SKIP LOCKED subquery picked) and two workers
 * never get the same job; outcomes are fenced on (status = pinning, claimed_by = me). */
#include <stdio.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/pin_store.h"

static void copy(char *out, size_t cap, const char *s) { snprintf(out, cap, "%s", s ? s : ""); }

static uint64_t tuples(const struct db_res *r) {
  uint64_t n = 0;
  const char *s = db_res_cmd_tuples(r);
  if (s && *s) ob_parse_u64(s, &n, "rows", NULL);
  return n;
}

static int claim(void *ud, const char *worker, const char *request_id, struct ipfs_pin_job *job,
                 struct ob_err *err) {
  static const char sql[] =
      "UPDATE pins SET status = 'pinning', attempts = attempts + 1, claimed_by = $1,"
      " heartbeat_at = now(), updated_at = now()"
      " WHERE request_id = (SELECT request_id FROM pins WHERE status = 'queued' AND not_before <= now()"
      "   AND ($2::uuid IS NULL OR request_id = $2::uuid)"
      "   ORDER BY not_before, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
      " RETURNING request_id, name, origin_kind, origin, profile, attempts,"
      " CASE WHEN meta->>'recursive' = 'true' THEN 't' ELSE 'f' END";
  const char *p[] = {worker, request_id};
  struct db_res *r = NULL;
  uint64_t att = 0;
  int rc = db_exec(ud, &r, DB_RETRY, sql, 2, p, err);
  if (rc) return rc;
  if (db_res_rows(r) != 1) {
    db_res_free(r);
    return OB_ENOENT;
  }
  copy(job->request_id, sizeof(job->request_id), db_res_get(r, 0, 0));
  copy(job->name, sizeof(job->name), db_res_get(r, 0, 1));
  ipfs_pin_origin_parse(&job->origin_kind, db_res_get(r, 0, 2), NULL);
  copy(job->origin, sizeof(job->origin), db_res_get(r, 0, 3));
  rc = ipfs_profile_parse(&job->profile, db_res_get(r, 0, 4), err);
  ob_parse_u64(db_res_get(r, 0, 5), &att, "attempts", NULL);
  job->attempts = (uint32_t)att;
  job->recursive = strcmp(db_res_get(r, 0, 6), "t") == 0;
  copy(job->claimed_by, sizeof(job->claimed_by), worker);
  db_res_free(r);
  return rc;
}

static int heartbeat(void *ud, const struct ipfs_pin_job *job, uint64_t bytes, struct ob_err *err) {
  char n[24];
  const char *p[] = {job->request_id, job->claimed_by, n};
  snprintf(n, sizeof(n), "%llu", (unsigned long long)bytes);
  return db_exec(ud, NULL, DB_RETRY,
                 "UPDATE pins SET heartbeat_at = now(), size = $3::bigint"
                 " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2",
                 3, p, err);
}

static int finish(void *ud, const struct ipfs_pin_job *job, const struct ipfs_pin_outcome *o,
                  struct ob_err *err) {
  static const char done_sql[] =
      "UPDATE pins SET status = 'pinned', cid = $3, size = $4::bigint, pinned_at = now(),"
      " updated_at = now(), last_error = NULL"
      " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2";
  static const char retry_sql[] =
      "UPDATE pins SET status = 'queued', last_error = $3, size = NULL, updated_at = now(),"
      " not_before = now() + $4::int * interval '1 second'"
      " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2";
  static const char fail_sql[] =
      "UPDATE pins SET status = 'failed', last_error = $3, updated_at = now()"
      " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2";
  char num[24];
  const char *p[4] = {job->request_id, job->claimed_by, NULL, num};
  const char *sql = fail_sql;
  struct db_res *r = NULL;
  int rc;
  if (o->verdict == IPFS_PIN_DONE) {
    p[2] = o->cid;
    snprintf(num, sizeof(num), "%llu", (unsigned long long)o->size);
    sql = done_sql;
  } else {
    p[2] = o->error;
    snprintf(num, sizeof(num), "%u", o->retry_in_s);
    if (o->verdict == IPFS_PIN_RETRY) sql = retry_sql;
  }
  rc = db_exec(ud, &r, DB_RETRY, sql, sql == fail_sql ? 3 : 4, p, err);
  if (rc) return rc;
  if (tuples(r) != 1)
    rc = ob_err_set(err, OB_ESTATE, "pin job %s was taken back from this worker", job->request_id);
  db_res_free(r);
  return rc;
}

static int requeue_stale(void *ud, uint32_t stale_s, uint64_t *n, struct ob_err *err) {
  char s[16];
  const char *p[] = {s};
  struct db_res *r = NULL;
  int rc;
  snprintf(s, sizeof(s), "%u", stale_s);
  rc = db_exec(ud, &r, DB_RETRY,
               "UPDATE pins SET status = 'queued', updated_at = now(), not_before = now(),"
               " last_error = 'worker ' || claimed_by || ' went silent'"
               " WHERE status = 'pinning' AND heartbeat_at < now() - $1::int * interval '1 second'",
               1, p, err);
  if (!rc && n) *n = tuples(r);
  db_res_free(r);
  return rc;
}

void pin_db_store(struct ipfs_pin_store *s, struct db *db) {
  memset(s, 0, sizeof(*s));
  s->ud = db;
  s->claim = claim;
  s->heartbeat = heartbeat;
  s->finish = finish;
  s->requeue_stale = requeue_stale;
}

int pin_db_enqueue(struct db *db, enum ipfs_pin_origin kind, const char *origin, const char *name,
                   enum ipfs_profile profile, const char *meta_json, char request_id37[37],
                   struct ob_err *err) {
  const char *p[] = {ipfs_pin_origin_name(kind), origin, name ? name : "", ipfs_profile_name(profile),
                     meta_json ? meta_json : "{}"};
  struct db_res *r = NULL;
  /* Not DB_RETRY: a lost connection after the insert committed would queue the file twice. */
  int rc = db_exec(db, &r, 0,
                   "INSERT INTO pins (origin_kind, origin, name, profile, meta)"
                   " VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING request_id",
                   5, p, err);
  if (rc) return rc;
  copy(request_id37, 37, db_res_get(r, 0, 0));
  db_res_free(r);
  return 0;
}

static bool is_uuid(const char *s) {
  size_t n = strlen(s);
  if (n != 36) return false;
  for (size_t i = 0; i < n; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'f')))
      return false;
  }
  return true;
}

int pin_db_list(struct db *db, const char *status, const char *key, struct db_res **res,
                struct ob_err *err) {
  const char *p[] = {status, key && is_uuid(key) ? key : NULL, key && !is_uuid(key) ? key : NULL};
  return db_exec(db, res, DB_RETRY,
                 "SELECT " PIN_DB_COLS " FROM pins WHERE ($1::text IS NULL OR status = $1)"
                 " AND ($2::uuid IS NULL OR request_id = $2::uuid) AND ($3::text IS NULL OR cid = $3)"
                 " ORDER BY created_at, request_id",
                 3, p, err);
}

int pin_db_set(struct db *db, const char *request_id, enum ipfs_pin_status st, const char *error,
               struct ob_err *err) {
  const char *p[] = {request_id, ipfs_pin_status_name(st), error};
  return db_exec(db, NULL, DB_RETRY,
                 "UPDATE pins SET status = $2, last_error = $3, updated_at = now(), not_before = now(),"
                 " attempts = CASE WHEN $2 = 'queued' THEN 0 ELSE attempts END"
                 " WHERE request_id = $1::uuid",
                 3, p, err);
}

int pin_db_verified(struct db *db, const char *request_id, struct ob_err *err) {
  const char *p[] = {request_id};
  return db_exec(db, NULL, DB_RETRY, "UPDATE pins SET verified_at = now() WHERE request_id = $1::uuid", 1,
                 p, err);
}

int pin_db_recover(struct db *db, uint64_t *n, struct ob_err *err) {
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, DB_RETRY,
                   "UPDATE pins SET status = 'queued', attempts = 0, not_before = now(), updated_at = now()"
                   " WHERE status = 'failed'",
                   0, NULL, err);
  if (!rc) *n = tuples(r);
  db_res_free(r);
  return rc;
}

int pin_db_delete_cid(struct db *db, const char *cid, uint64_t *n, struct ob_err *err) {
  const char *p[] = {cid};
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, DB_RETRY, "DELETE FROM pins WHERE cid = $1 AND status <> 'pinning'", 1, p, err);
  if (!rc) *n = tuples(r);
  db_res_free(r);
  return rc;
}
