/* Replicas on remote pinning services: see ob/node/replica.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/pinsvc.h"
#include "ob/node/replica.h"
#include "ob/storage/remote.h"


int node_remote_service_add(struct db *db, const char *name, const char *url, const char *token_file, struct ob_err *err) {
  const char *p[] = {name, url, token_file};
  int rc;
  if (!pinsvc_tenant_name_valid(name))
    return ob_err_set(err, OB_EINVAL, "service name '%.80s': 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit", name);
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return ob_err_set(err, OB_EINVAL, "service URL '%.100s' is not http:// or https://", url);
  if (token_file[0] != '/') return ob_err_set(err, OB_EINVAL, "--token-file '%.100s': give an absolute path", token_file);
  if (access(token_file, R_OK) != 0) return ob_err_set(err, OB_EINVAL, "--token-file '%.100s' cannot be read", token_file);
  rc = db_exec(db, NULL, 0, "INSERT INTO pin_remote_services (name, url, token_file) VALUES ($1, $2, $3)", 3, p, err);
  if (rc == OB_ECONFLICT) return ob_err_set(err, OB_ECONFLICT, "remote service '%s' exists already", name);
  return rc;
}

int node_remote_service_rm(struct db *db, const char *name, struct ob_err *err) {
  const char *p[] = {name};
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, 0, "DELETE FROM pin_remote_services WHERE name = $1 RETURNING 1", 1, p, err);
  if (!rc && db_res_rows(r) != 1) rc = ob_err_set(err, OB_ENOENT, "no remote service named '%.80s'", name);
  db_res_free(r);
  return rc;
}

int node_remote_service_list(struct db *db, struct db_res **out, struct ob_err *err) {
  return db_exec(db, out, DB_RETRY,
                 "SELECT s.name, s.url, s.token_file, count(*) FILTER (WHERE r.status = 'pinned'),"
                 " count(*) FILTER (WHERE r.status IN ('queued', 'pinning')), count(*) FILTER (WHERE r.status = 'failed')"
                 " FROM pin_remote_services s LEFT JOIN pin_replicas r ON r.service = s.name GROUP BY 1, 2, 3 ORDER BY 1",
                 0, NULL, err);
}

/* The token: the file's first line, without surrounding blanks. */
static int read_token(const char *path, char *out, size_t cap, struct ob_err *err) {
  struct ob_buf b;
  size_t s = 0, e;
  int rc;
  ob_buf_init(&b, 4096);
  if ((rc = ob_file_read(path, &b, 4096, err))) return ob_err_prefix(err, rc, "token file");
  while (s < b.len && (b.buf[s] == ' ' || b.buf[s] == '\t')) s++;
  e = s;
  while (e < b.len && b.buf[e] != '\n' && b.buf[e] != '\r' && b.buf[e] != ' ') e++;
  if (e == s || e - s >= cap) rc = ob_err_set(err, OB_EINVAL, "token file '%.100s' holds no token", path);
  else memcpy(out, b.buf + s, e - s), out[e - s] = 0;
  memset(b.buf, 0, b.len);
  ob_buf_release(&b);
  return rc;
}

static uint32_t backoff_s(const struct node_replica_opts *o, uint32_t attempts) {
  uint64_t d = o->retry_base_s ? o->retry_base_s : 5;
  for (uint32_t i = 1; i < attempts && d < 3600; i++) d *= 2;
  return d > 3600 ? 3600 : (uint32_t)d;
}

/* Record what a call found: the row's new status, remote id, next time and error. */
static int record(struct db *db, const char *job, const char *svc, const char *status, const char *remote_id, uint32_t in_s,
                  bool failed_call, const char *error, struct ob_err *err) {
  char in[16];
  const char *p[] = {job, svc, status, remote_id, in, failed_call ? "t" : "f", error};
  snprintf(in, sizeof(in), "%u", in_s);
  return db_exec(db, NULL, DB_RETRY,
                 "UPDATE pin_replicas SET status = $3, remote_id = $4, not_before = now() + $5::int * interval '1 second',"
                 " attempts = CASE WHEN $6::bool THEN attempts + 1 ELSE 0 END, last_error = $7, claimed_by = NULL,"
                 " claimed_until = NULL, updated_at = now() WHERE job_id = $1::uuid AND service = $2",
                 7, p, err);
}

/* One row one call further. */
static void drive(const struct node_replica_opts *o, const char *job, const char *svc, const char *cid, const char *remote_id,
                  uint32_t attempts, const char *url, const char *token_file) {
  struct ipfs_remote *r = NULL;
  struct ipfs_remote_status st;
  struct ob_err err, e2;
  char token[512];
  int rc;
  ob_err_clear(&err);
  ob_err_clear(&e2);
  rc = read_token(token_file, token, sizeof(token), &err);
  if (!rc) rc = ipfs_remote_new(&r, url, token, &err);
  memset(token, 0, sizeof(token));
  if (!rc) rc = remote_id && *remote_id ? ipfs_remote_get(r, remote_id, &st, &err) : ipfs_remote_add(r, cid, NULL, o->origins_json, &st, &err);
  ipfs_remote_free(r);
  if (!rc) {
    bool done = strcmp(st.status, "pinned") == 0, failed = strcmp(st.status, "failed") == 0;
    if (failed) /* the service gave up: ask it again after a backoff, as a new request */
      rc = record(o->db, job, svc, attempts + 1 >= (o->max_attempts ? o->max_attempts : 5) ? "failed" : "queued", NULL,
                  backoff_s(o, attempts + 1), true, st.details[0] ? st.details : "the remote service failed the pin", &e2);
    else
      rc = record(o->db, job, svc, done ? "pinned" : "pinning", st.requestid, o->poll_s ? o->poll_s : 5, false, NULL, &e2);
    if (done) OB_LOG(OB_LOG_INFO, "replica", "pinned on the remote service", "cid", cid, "service", svc, NULL);
    return;
  }
  if (rc == OB_ENOENT && remote_id && *remote_id) { /* the service lost our request: ask again */
    record(o->db, job, svc, "queued", NULL, 0, false, err.msg, &e2);
    return;
  }
  attempts++;
  OB_LOG(OB_LOG_WARN, "replica", "remote pinning service call failed, will retry", "cid", cid, "service", svc, "error",
         err.msg, NULL);
  /* Refusals (a bad token, a quota) end failed after max_attempts in a row; an unreachable service
   * is retried for ever, with the backoff. */
  record(o->db, job, svc,
         rc == OB_EINVAL && attempts >= (o->max_attempts ? o->max_attempts : 5) ? "failed" : remote_id && *remote_id ? "pinning" : "queued",
         remote_id && *remote_id ? remote_id : NULL, backoff_s(o, attempts), true, err.msg, &e2);
}

int node_replicate_step(const struct node_replica_opts *o, unsigned *calls, struct ob_err *err) {
  static const char add_sql[] =
      "INSERT INTO pin_replicas (job_id, service, cid) SELECT p.request_id, s.name, p.cid FROM pins p"
      " JOIN pin_remote_services s ON s.name = ANY($1::text[]) WHERE p.status = 'pinned' AND p.cid IS NOT NULL"
      " AND NOT EXISTS (SELECT 1 FROM pin_replicas x WHERE x.job_id = p.request_id AND x.service = s.name)"
      " ON CONFLICT DO NOTHING";
  static const char claim_sql[] =
      "UPDATE pin_replicas x SET claimed_by = $1, claimed_until = now() + interval '120 seconds'"
      " FROM (SELECT job_id, service FROM pin_replicas WHERE status IN ('queued', 'pinning') AND not_before <= now()"
      "   AND service = ANY($2::text[]) AND (claimed_until IS NULL OR claimed_until < now())"
      "   ORDER BY not_before LIMIT 20 FOR UPDATE SKIP LOCKED) d, pin_remote_services s"
      " WHERE x.job_id = d.job_id AND x.service = d.service AND s.name = x.service"
      " RETURNING x.job_id::text, x.service, x.cid, coalesce(x.remote_id, ''), x.attempts, s.url, s.token_file";
  struct ob_buf arr;
  struct db_res *r = NULL;
  const char *p[2];
  int rc;
  *calls = 0;
  if (!o->nservices) return 0;
  ob_buf_init(&arr, 1 << 16);
  ob_buf_addch(&arr, '{');
  for (size_t i = 0; i < o->nservices; i++) { /* names: [A-Za-z0-9._-] (checked when added) */
    if (!pinsvc_tenant_name_valid(o->services[i])) {
      ob_buf_release(&arr);
      return ob_err_set(err, OB_EINVAL, "pins.replicate_to: '%.80s' is not a service name", o->services[i]);
    }
    ob_buf_addf(&arr, "%s\"%s\"", i ? "," : "", o->services[i]);
  }
  ob_buf_addch(&arr, '}');
  p[0] = arr.buf;
  rc = db_exec(o->db, NULL, DB_RETRY, add_sql, 1, p, err);
  p[0] = o->worker_id ? o->worker_id : "worker";
  p[1] = arr.buf;
  if (!rc) rc = db_exec(o->db, &r, 0, claim_sql, 2, p, err);
  ob_buf_release(&arr);
  if (rc) {
    db_res_free(r);
    return rc;
  }
  for (size_t i = 0; i < db_res_rows(r); i++) {
    drive(o, db_res_get(r, i, 0), db_res_get(r, i, 1), db_res_get(r, i, 2), db_res_get(r, i, 3),
          (uint32_t)strtoul(db_res_get(r, i, 4), NULL, 10), db_res_get(r, i, 5), db_res_get(r, i, 6));
    (*calls)++;
  }
  db_res_free(r);
  return 0;
}

int node_replicas_of(struct db *db, const char *job_id, struct node_replica_row *rows, size_t cap, size_t *n,
                     struct ob_err *err) {
  const char *p[] = {job_id};
  struct db_res *r = NULL;
  int rc = db_exec(db, &r, DB_RETRY,
                   "SELECT service, status, coalesce(remote_id, ''), coalesce(last_error, ''), attempts FROM pin_replicas"
                   " WHERE job_id = $1::uuid ORDER BY service",
                   1, p, err);
  *n = 0;
  if (rc) return rc;
  for (size_t i = 0; i < db_res_rows(r) && *n < cap; i++, (*n)++) {
    snprintf(rows[i].service, sizeof(rows[i].service), "%s", db_res_get(r, i, 0));
    snprintf(rows[i].status, sizeof(rows[i].status), "%s", db_res_get(r, i, 1));
    snprintf(rows[i].remote_id, sizeof(rows[i].remote_id), "%s", db_res_get(r, i, 2));
    snprintf(rows[i].error, sizeof(rows[i].error), "%s", db_res_get(r, i, 3));
    rows[i].attempts = (uint32_t)strtoul(db_res_get(r, i, 4), NULL, 10);
  }
  db_res_free(r);
  return 0;
}
