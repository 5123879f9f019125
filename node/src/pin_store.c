/* The pin queue over db/: see ob/node/pin_store.h. Every statement is a single autocommit statement, so a
 * claim is atomic (UPDATE of the row a FOR UPDATE SKIP LOCKED subquery picked) and two workers
 * never get the same job; outcomes are fenced on (status = pinning, claimed_by = me). */
#include <stdio.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/pin_store.h"

static void copy(char *out, size_t cap, const char *s) { snprintf(out, cap, "%s", s ? s : ""); }

static uint64_t tuples(const struct db_res *r) {
  uint64_t n = 0;
  const char *s = db_res_cmd_tuples(r);
  if (s && *s) ob_parse_u64(&n, s, "rows", NULL);
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
      " CASE WHEN meta->>'recursive' = 'true' THEN 't' ELSE 'f' END,"
      " coalesce((SELECT string_agg(x, E'\\n') FROM jsonb_array_elements_text("
      "   CASE WHEN jsonb_typeof(meta->'origins') = 'array' THEN meta->'origins' ELSE '[]'::jsonb END) x), '')";
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
  ob_parse_u64(&att, db_res_get(r, 0, 5), "attempts", NULL);
  job->attempts = (uint32_t)att;
  job->recursive = strcmp(db_res_get(r, 0, 6), "t") == 0;
  copy(job->peers, sizeof(job->peers), db_res_get(r, 0, 7));
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
      " updated_at = now(), last_error = NULL, meta = meta || jsonb_build_object('dag_size', $5::bigint)"
      " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2";
  static const char retry_sql[] =
      "UPDATE pins SET status = 'queued', last_error = $3, size = NULL, updated_at = now(),"
      " not_before = now() + $4::int * interval '1 second'"
      " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2";
  static const char fail_sql[] =
      "UPDATE pins SET status = 'failed', last_error = $3, updated_at = now()"
      " WHERE request_id = $1::uuid AND status = 'pinning' AND claimed_by = $2";
  char num[24], dag[24];
  const char *p[5] = {job->request_id, job->claimed_by, NULL, num, dag};
  const char *sql = fail_sql;
  struct db_res *r = NULL;
  int rc;
  if (o->verdict == IPFS_PIN_DONE) {
    p[2] = o->cid;
    snprintf(num, sizeof(num), "%llu", (unsigned long long)o->size);
    snprintf(dag, sizeof(dag), "%llu", (unsigned long long)o->dag_size);
    sql = done_sql;
  } else {
    p[2] = o->error;
    snprintf(num, sizeof(num), "%u", o->retry_in_s);
    if (o->verdict == IPFS_PIN_RETRY) sql = retry_sql;
  }
  rc = db_exec(ud, &r, DB_RETRY, sql, sql == fail_sql ? 3 : sql == done_sql ? 5 : 4, p, err);
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

/* The columns a struct pin_db_job is read from, in this order. */
#define JOB_COLS                                                                                   \
  "request_id::text, status, coalesce(cid, ''), name, origin_kind, origin, profile,"               \
  " coalesce(last_error, ''), to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"   \
  " coalesce(to_char(pinned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"        \
  " coalesce(size, -1), coalesce((meta->>'dag_size')::bigint, -1), coalesce(meta->>'recursive', '') = 'true',"  \
  " attempts, greatest(0, extract(epoch FROM not_before - now()))::int"

static int64_t num_i64(const char *s) {
  long long v = -1;
  if (s) sscanf(s, "%lld", &v);
  return (int64_t)v;
}

static void read_job(struct pin_db_job *j, const struct db_res *r, size_t i) {
  const char **str[] = {&j->request_id, &j->status, &j->cid, &j->name, &j->origin_kind, &j->origin,
                        &j->profile, &j->error, &j->created, &j->pinned_at};
  for (size_t c = 0; c < OB_ARRAY_LEN(str); c++) *str[c] = db_res_get(r, i, c) ? db_res_get(r, i, c) : "";
  j->size = num_i64(db_res_get(r, i, 10));
  j->dag_size = num_i64(db_res_get(r, i, 11));
  j->recursive = strcmp(db_res_get(r, i, 12), "t") == 0;
  j->attempts = (uint32_t)num_i64(db_res_get(r, i, 13));
  j->wait_s = (uint32_t)num_i64(db_res_get(r, i, 14));
}

/* A text[] literal of CIDs (which parse, so hold no quotes, backslashes or commas). */
static int cid_array(struct ob_buf *b, const char *const *cids, size_t n, struct ob_err *err) {
  int rc = ob_buf_addch(b, '{');
  for (size_t i = 0; i < n && !rc; i++) {
    if (strpbrk(cids[i], "\"\\,{} ")) return ob_err_set(err, OB_EINVAL, "'%s' is not a CID", cids[i]);
    rc = ob_buf_addf(b, "%s\"%s\"", i ? "," : "", cids[i]);
  }
  if (!rc) rc = ob_buf_addch(b, '}');
  return rc ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
}

int pin_db_list(struct db *db, const struct pin_db_filter *f, struct pin_db_list *out, struct ob_err *err) {
  /* Filters on jobs: status (history only), request id, CIDs, name. The pin set picks each CID's
   * best job, then filters on its status and name. */
  static const char jobs_sql[] =
      "SELECT " JOB_COLS " FROM pins WHERE ($1::text IS NULL OR status = ANY(string_to_array($1, ',')))"
      " AND ($2::uuid IS NULL OR request_id = $2::uuid) AND ($3::text[] IS NULL OR cid = ANY($3::text[]))"
      " AND ($4::text IS NULL OR name = $4) ORDER BY created_at, request_id LIMIT $5::bigint";
  static const char set_sql[] =
      "SELECT " JOB_COLS " FROM pins WHERE request_id IN ("
      "  SELECT DISTINCT ON (coalesce(cid, request_id::text)) request_id FROM pins"
      "  WHERE ($2::uuid IS NULL OR request_id = $2::uuid) AND ($3::text[] IS NULL OR cid = ANY($3::text[]))"
      "  ORDER BY coalesce(cid, request_id::text),"
      "   CASE status WHEN 'pinned' THEN 0 WHEN 'pinning' THEN 1 WHEN 'queued' THEN 2 ELSE 3 END, created_at DESC)"
      " AND ($1::text IS NULL OR status = ANY(string_to_array($1, ','))) AND ($4::text IS NULL OR name = $4)"
      " ORDER BY created_at, request_id LIMIT $5::bigint";
  struct ob_buf arr;
  char limit[24];
  const char *p[5];
  int rc = 0;
  memset(out, 0, sizeof(*out));
  ob_buf_init(&arr, (size_t)16 << 20);
  if (f->ncids && (rc = cid_array(&arr, f->cids, f->ncids, err))) goto done;
  snprintf(limit, sizeof(limit), "%llu", (unsigned long long)f->limit);
  p[0] = f->status;
  p[1] = f->request_id;
  p[2] = f->ncids ? arr.buf : NULL;
  p[3] = f->name;
  p[4] = f->limit ? limit : NULL;
  rc = db_exec(db, &out->res_, DB_RETRY, f->jobs ? jobs_sql : set_sql, 5, p, err);
  if (rc) goto done;
  out->n = db_res_rows(out->res_);
  if (out->n && !(out->jobs = ob_calloc(out->n, sizeof(*out->jobs)))) {
    out->n = 0;
    rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < out->n; i++) read_job(&out->jobs[i], out->res_, i);
done:
  ob_buf_release(&arr);
  return rc;
}

void pin_db_list_free(struct pin_db_list *l) {
  if (!l) return;
  ob_free(l->jobs);
  db_res_free(l->res_);
  memset(l, 0, sizeof(*l));
}

int pin_db_resolve_id(struct db *db, const char *prefix, char request_id37[37], struct ob_err *err) {
  const char *p[] = {prefix};
  struct db_res *r = NULL;
  size_t n = strlen(prefix);
  int rc;
  if (n < 4 || n > 36 || strspn(prefix, "0123456789abcdefABCDEF-") != n)
    return ob_err_set(err, OB_EINVAL, "'%s' is not a request id or a prefix of one (4 to 36 hex digits and dashes)", prefix);
  /* prefix holds only hex digits and dashes: no LIKE wildcards. */
  rc = db_exec(db, &r, DB_RETRY,
               "SELECT request_id::text FROM pins WHERE request_id::text LIKE lower($1) || '%' LIMIT 11", 1, p, err);
  if (rc) return rc;
  if (db_res_rows(r) == 0) rc = ob_err_set(err, OB_ENOENT, "no pin job has a request id starting with '%s'", prefix);
  else if (db_res_rows(r) > 1)
    rc = ob_err_set(err, OB_EINVAL, "request id prefix '%s' is ambiguous: %s%zu jobs match (give more characters)", prefix,
                    db_res_rows(r) > 10 ? "more than " : "", db_res_rows(r) > 10 ? (size_t)10 : db_res_rows(r));
  else copy(request_id37, 37, db_res_get(r, 0, 0));
  db_res_free(r);
  return rc;
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

int pin_db_delete_cid(struct db *db, const char *cid, uint64_t *n, bool *held, struct ob_err *err) {
  const char *p[] = {cid};
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, DB_RETRY, "DELETE FROM pins WHERE cid = $1 AND status <> 'pinning' AND tenant_id = 1", 1, p, err);
  if (!rc) *n = tuples(r);
  db_res_free(r);
  r = NULL;
  if (!rc) rc = db_exec(db, &r, DB_RETRY, "SELECT 1 FROM pins WHERE (cid = $1 OR (origin_kind = 'cid' AND origin = $1)) LIMIT 1",
                        1, p, err);
  if (!rc) *held = db_res_rows(r) > 0;
  db_res_free(r);
  return rc;
}
