/* The pinning service's routes (see ob/node/pinsvc.h). Each handler answers at once: the database
 * statements are short and run on the loop's thread, as the daemon's own do; the node is asked
 * only for its addresses (delegates, cached) and for pin/rm when the last holder of a CID lets go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ob/chain/loop.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/http.h"
#include "ob/node/pinsvc.h"
#include "ob/storage/kubo.h"

#define BUCKETS 1024
#define MAX_DELEGATES 20
#define DELEGATES_TTL_MS 60000
#define ORPHAN_SWEEP_MS 60000

struct bucket {
  int64_t token_id; /* 0: free */
  double tokens;
  uint64_t at_ms;
};

struct pinsvc {
  struct pinsvc_opts o;
  struct chain_timer *timer;
  char *delegates[MAX_DELEGATES];
  size_t ndelegates;
  uint64_t delegates_at;
  bool orphans_pending;
  uint64_t orphans_at;
  struct bucket buckets[BUCKETS];
};

void pinsvc_opts_init(struct pinsvc_opts *o) {
  memset(o, 0, sizeof(*o));
  o->rate_per_s = 20;
  o->rate_burst = 100;
  o->sweep_ms = 1000;
}

/* ---- answers ---- */

static void fail_db(struct node_http_req *r, int rc, const struct ob_err *err) {
  if (rc == OB_EUNREACH) {
    node_http_add_header(r, "Retry-After", "5");
    node_http_error(r, 503, "SERVICE_UNAVAILABLE", "the database is unreachable; try again");
    return;
  }
  OB_LOG(OB_LOG_ERROR, "pinsvc", "database error", "error", ob_err_msg(err, rc), NULL);
  node_http_error(r, 500, "INTERNAL_SERVER_ERROR", "the request could not be completed");
}

/* ---- delegates: the node's multiaddrs ---- */

static int add_delegate(void *ud, const char *maddr) {
  struct pinsvc *s = ud;
  if (s->ndelegates < MAX_DELEGATES && (s->delegates[s->ndelegates] = ob_strdup(maddr))) s->ndelegates++;
  return 0;
}

static void delegates_refresh(struct pinsvc *s) {
  struct ob_err err;
  char *old[MAX_DELEGATES];
  size_t nold = s->ndelegates;
  ob_err_clear(&err);
  memcpy(old, s->delegates, sizeof(old));
  s->ndelegates = 0;
  s->delegates_at = ob_mono_ms();
  if (s->o.kubo && ipfs_kubo_id_addrs(s->o.kubo, add_delegate, s, &err) == 0 && s->ndelegates == 0) {
    /* A node without a swarm listener still has a peer id: the spec wants at least one delegate. */
    char id[128], maddr[160];
    if (ipfs_kubo_id(s->o.kubo, id, sizeof(id), NULL, 0, &err) == 0 && id[0]) {
      snprintf(maddr, sizeof(maddr), "/p2p/%s", id);
      add_delegate(s, maddr);
    }
  }
  if (!s->o.kubo || err.code || s->ndelegates == 0) {
    for (size_t i = 0; i < s->ndelegates; i++) ob_free(s->delegates[i]);
    memcpy(s->delegates, old, sizeof(old)); /* keep what was known */
    s->ndelegates = nold;
    if (err.code) OB_LOG(OB_LOG_WARN, "pinsvc", "cannot read the IPFS node's addresses (delegates)", "error", err.msg, NULL);
    return;
  }
  for (size_t i = 0; i < nold; i++) ob_free(old[i]);
}

/* ---- PinStatus ---- */

/* The columns a PinStatus is written from, in this order. */
#define REQ_COLS                                                                                        \
  "r.request_id::text, r.status, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"  \
  " r.cid, r.name, r.origins::text, r.meta::text, coalesce(p.last_error, ''),"                          \
  " coalesce(p.meta->>'dag_size', ''), coalesce(p.size::text, ''), coalesce(r.replaced_by::text, '')"

static void raw_json(struct ob_jw *w, const char *text, bool object) {
  struct ob_json *v = NULL;
  if (ob_json_parse(&v, text, strlen(text), NULL, NULL) == 0) ob_jw_value(w, v);
  else if (object) ob_jw_obj_begin(w), ob_jw_obj_end(w);
  else ob_jw_arr_begin(w), ob_jw_arr_end(w);
  ob_json_free(v);
}

static void pin_status(struct ob_jw *w, struct pinsvc *s, const struct db_res *res, size_t i) {
  const char *status = db_res_get(res, i, 1), *error = db_res_get(res, i, 7), *dag = db_res_get(res, i, 8),
             *size = db_res_get(res, i, 9), *next = db_res_get(res, i, 10), *name = db_res_get(res, i, 4);
  ob_jw_obj_begin(w);
  ob_jw_key(w, "requestid");
  ob_jw_str(w, db_res_get(res, i, 0));
  ob_jw_key(w, "status");
  ob_jw_str(w, status);
  ob_jw_key(w, "created");
  ob_jw_str(w, db_res_get(res, i, 2));
  ob_jw_key(w, "pin");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "cid");
  ob_jw_str(w, db_res_get(res, i, 3));
  if (name && *name) {
    ob_jw_key(w, "name");
    ob_jw_str(w, name);
  }
  ob_jw_key(w, "origins");
  raw_json(w, db_res_get(res, i, 5), false);
  ob_jw_key(w, "meta");
  raw_json(w, db_res_get(res, i, 6), true);
  ob_jw_obj_end(w);
  ob_jw_key(w, "delegates");
  ob_jw_arr_begin(w);
  for (size_t k = 0; k < s->ndelegates; k++) ob_jw_str(w, s->delegates[k]);
  ob_jw_arr_end(w);
  ob_jw_key(w, "info");
  ob_jw_obj_begin(w);
  if (error && *error && strcmp(status, "pinned") != 0) {
    ob_jw_key(w, "status_details");
    ob_jw_str(w, error);
  } else if (strcmp(status, "queued") == 0) {
    ob_jw_key(w, "status_details");
    ob_jw_str(w, "waiting for a pin worker");
  } else if (strcmp(status, "pinning") == 0) {
    ob_jw_key(w, "status_details");
    ob_jw_str(w, "the IPFS node is fetching the DAG");
  }
  if (strcmp(status, "pinned") == 0 && dag && *dag) {
    ob_jw_key(w, "dag_size");
    ob_jw_str(w, dag);
  }
  if (strcmp(status, "pinned") == 0 && size && *size) {
    ob_jw_key(w, "raw_size");
    ob_jw_str(w, size);
  }
  if (next && *next) {
    ob_jw_key(w, "replaced_by");
    ob_jw_str(w, next);
  }
  ob_jw_obj_end(w);
  ob_jw_obj_end(w);
}

static void reply_one(struct pinsvc *s, struct node_http_req *r, int status, const struct db_res *res) {
  struct ob_buf b;
  struct ob_jw w;
  ob_buf_init(&b, (size_t)16 << 20);
  ob_jw_init(&w, &b, false);
  pin_status(&w, s, res, 0);
  if (ob_jw_finish(&w) == 0) node_http_reply_json(r, status, &b);
  else node_http_error(r, 500, "INTERNAL_SERVER_ERROR", "cannot write the answer");
  ob_buf_release(&b);
}

/* ---- auth and rate ---- */

struct caller {
  char tenant[24];   /* id, as text */
  int64_t token_id;
};

static bool token_shape(const char *t) {
  size_t n = strlen(t);
  if (n != 47 || strncmp(t, "obt_", 4) != 0) return false;
  for (size_t i = 4; i < n; i++) {
    char c = t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

/* true when the request may go on; else answered (401, 429, 503). */
static bool rate_ok(struct pinsvc *s, struct node_http_req *r, int64_t token_id);

/* Every request runs it: prepared once per connection. */
static const char token_sql[] = "SELECT id, tenant_id FROM pinsvc_tokens WHERE hash = $1 AND revoked_at IS NULL";

static bool authorize(struct pinsvc *s, struct node_http_req *r, struct caller *c) {
  const char *h = node_http_header(r, "Authorization");
  char hash[65];
  const char *p[] = {hash};
  struct db_res *res = NULL;
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
    node_http_add_header(r, "WWW-Authenticate", "Bearer");
    node_http_error(r, 401, "UNAUTHORIZED", "access token is missing (Authorization: Bearer TOKEN)");
    return false;
  }
  h += 7;
  while (*h == ' ') h++;
  if (!token_shape(h)) {
    node_http_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    node_http_error(r, 401, "UNAUTHORIZED", "access token is malformed");
    return false;
  }
  pinsvc_token_hash(hash, h);
  rc = db_exec(s->o.db, &res, DB_RETRY | DB_PREPARE, token_sql, 1, p, &err);
  if (rc) {
    fail_db(r, rc, &err);
    return false;
  }
  if (db_res_rows(res) != 1) {
    db_res_free(res);
    node_http_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    node_http_error(r, 401, "UNAUTHORIZED", "access token is invalid or revoked");
    return false;
  }
  c->token_id = strtoll(db_res_get(res, 0, 0), NULL, 10);
  snprintf(c->tenant, sizeof(c->tenant), "%s", db_res_get(res, 0, 1));
  db_res_free(res);
  return rate_ok(s, r, c->token_id);
}

/* A token bucket per token: rate_per_s refill, rate_burst deep. A table of BUCKETS; when full, the
 * bucket unused the longest is taken (it was full again long ago). */
static bool rate_ok(struct pinsvc *s, struct node_http_req *r, int64_t token_id) {
  struct bucket *b = NULL, *oldest = &s->buckets[0];
  uint64_t now = ob_mono_ms();
  char after[16];
  if (s->o.rate_per_s <= 0) return true;
  for (size_t i = 0; i < BUCKETS && !b; i++) {
    if (s->buckets[i].token_id == token_id) b = &s->buckets[i];
    else if (s->buckets[i].at_ms < oldest->at_ms) oldest = &s->buckets[i];
  }
  if (!b) {
    b = oldest;
    b->token_id = token_id;
    b->tokens = s->o.rate_burst;
    b->at_ms = now;
  }
  b->tokens += (double)(now - b->at_ms) / 1000.0 * s->o.rate_per_s;
  if (b->tokens > s->o.rate_burst) b->tokens = s->o.rate_burst;
  b->at_ms = now;
  if (b->tokens >= 1) {
    b->tokens -= 1;
    return true;
  }
  snprintf(after, sizeof(after), "%d", (int)((1 - b->tokens) / s->o.rate_per_s) + 1);
  node_http_add_header(r, "Retry-After", after);
  node_http_error(r, 429, "RATE_LIMITED", "over the rate limit of %g requests/s for this token (burst %u); retry after %s s",
                  s->o.rate_per_s, s->o.rate_burst, after);
  return false;
}

/* ---- unpinning what nobody holds ---- */

static void unpin_if_unreferenced(struct pinsvc *s, const char *cid) {
  const char *p[] = {cid};
  struct db_res *res = NULL;
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  rc = db_exec(s->o.db, &res, DB_RETRY,
               "SELECT 1 FROM pins WHERE cid = $1 OR (origin_kind = 'cid' AND origin = $1) LIMIT 1", 1, p, &err);
  if (rc || db_res_rows(res) != 0 || !s->o.kubo) {
    db_res_free(res);
    return;
  }
  db_res_free(res);
  rc = ipfs_kubo_pin_rm(s->o.kubo, cid, &err);
  if (rc && rc != OB_ENOENT) OB_LOG(OB_LOG_WARN, "pinsvc", "cannot unpin a CID nobody holds", "cid", cid, "error", err.msg, NULL);
  else OB_LOG(OB_LOG_INFO, "pinsvc", "unpinned: no pin holds it any more", "cid", cid, NULL);
}

static uint64_t unpin_rows(struct pinsvc *s, struct db_res *res) {
  for (size_t i = 0; i < db_res_rows(res); i++) unpin_if_unreferenced(s, db_res_get(res, i, 0));
  return db_res_rows(res);
}

int pinsvc_sweep(struct pinsvc *s, uint64_t *removed, struct ob_err *err) {
  static const char replaced_sql[] =
      "WITH done AS (DELETE FROM pinsvc_requests o USING pinsvc_requests n, pins p"
      "   WHERE o.replaced_by IS NOT NULL AND o.replaced_by = n.request_id AND p.request_id = n.request_id"
      "   AND p.status = 'pinned' RETURNING o.request_id, o.cid),"
      " gone AS (DELETE FROM pins q USING done WHERE q.request_id = done.request_id AND q.status <> 'pinning'"
      "   RETURNING q.request_id)"
      " SELECT DISTINCT cid FROM done";
  static const char orphans_sql[] =
      "DELETE FROM pins p WHERE origin_kind = 'cid' AND status <> 'pinning'"
      " AND NOT EXISTS (SELECT 1 FROM pinsvc_requests r WHERE r.request_id = p.request_id) RETURNING origin";
  struct db_res *res = NULL;
  uint64_t n = 0, now = ob_mono_ms();
  int rc = db_exec(s->o.db, &res, 0, replaced_sql, 0, NULL, err);
  if (!rc) n += unpin_rows(s, res);
  db_res_free(res);
  res = NULL;
  if (!rc && (s->orphans_pending || now - s->orphans_at >= ORPHAN_SWEEP_MS)) {
    s->orphans_pending = false;
    s->orphans_at = now;
    rc = db_exec(s->o.db, &res, 0, orphans_sql, 0, NULL, err);
    if (!rc) n += unpin_rows(s, res);
    db_res_free(res);
  }
  if (removed) *removed = n;
  return rc;
}

static void sweep_cb(void *ud) {
  struct pinsvc *s = ud;
  struct ob_err err;
  ob_err_clear(&err);
  if (ob_mono_ms() - s->delegates_at >= DELEGATES_TTL_MS || s->ndelegates == 0) delegates_refresh(s);
  if (pinsvc_sweep(s, NULL, &err) != 0 && err.code != OB_EUNREACH)
    OB_LOG(OB_LOG_WARN, "pinsvc", "sweep failed", "error", err.msg, NULL);
}

/* ---- GET /pins ---- */

/* meta[KEY]=VALUE arguments (how generated clients send an object: the OpenAPI deepObject style)
 * as one JSON object, for pinsvc_query_parse to check like ?meta={"KEY":"VALUE"}. NULL when none. */
static char *meta_from_args(const struct node_http_req *r, struct ob_buf *b) {
  const char *name, *value;
  struct ob_jw w;
  size_t n = 0;
  ob_jw_init(&w, b, false);
  ob_jw_obj_begin(&w);
  for (size_t i = 0; node_http_query_at(r, i, &name, &value); i++) {
    size_t len = strlen(name);
    if (strncmp(name, "meta[", 5) != 0 || len < 7 || name[len - 1] != ']') continue;
    ob_jw_strn(&w, name + 5, len - 6); /* as a key: the writer tracks the position */
    ob_jw_str(&w, value);
    n++;
  }
  ob_jw_obj_end(&w);
  if (ob_jw_finish(&w) != 0 || n == 0) return NULL;
  return b->buf;
}

static void list(void *ud, struct node_http_req *r) {
  /* The filters read pinsvc_requests alone (its status is the queue row's, copied by a trigger):
   * the page walks the index (tenant_id, created_at DESC) and joins the queue rows of that page
   * only; the count, when the page is full, is a second statement over the same filters (an index
   * scan of (tenant_id, status, created_at)). */
#define LIST_WHERE                                                                                       \
  " WHERE r.tenant_id = $1::bigint"                                                                      \
  " AND ($2::text[] IS NULL OR r.cid = ANY($2::text[]))"                                                 \
  " AND ($3::text IS NULL OR CASE $4 WHEN 'exact' THEN r.name = $3 WHEN 'iexact' THEN lower(r.name) = lower($3)" \
  "      WHEN 'partial' THEN strpos(r.name, $3) > 0 ELSE strpos(lower(r.name), lower($3)) > 0 END)"         \
  " AND r.status = ANY(string_to_array($5, ','))"                                                         \
  " AND ($6::timestamptz IS NULL OR r.created_at < $6::timestamptz)"                                     \
  " AND ($7::timestamptz IS NULL OR r.created_at > $7::timestamptz)"                                     \
  " AND ($8::jsonb IS NULL OR r.meta @> $8::jsonb)"
  static const char sql[] =
      "SELECT " REQ_COLS " FROM (SELECT * FROM pinsvc_requests r" LIST_WHERE
      "   ORDER BY r.created_at DESC, r.request_id DESC LIMIT $9::int) r JOIN pins p USING (request_id)"
      " ORDER BY r.created_at DESC, r.request_id DESC";
  static const char count_sql[] = "SELECT count(*) FROM pinsvc_requests r" LIST_WHERE;
#undef LIST_WHERE
  static const char *const match_names[] = {"exact", "iexact", "partial", "ipartial"};
  struct pinsvc *s = ud;
  struct pinsvc_query_in in;
  struct pinsvc_query q;
  struct caller c;
  struct ob_err err;
  struct ob_buf arr, b;
  struct ob_jw w;
  struct db_res *res = NULL, *cnt = NULL;
  char limit[16], total[24];
  const char *p[9];
  int rc;
  if (!authorize(s, r, &c)) return;
  ob_err_clear(&err);
  memset(&in, 0, sizeof(in));
  in.ncid = node_http_query_all(r, "cid", in.cid, OB_ARRAY_LEN(in.cid));
  in.nstatus = node_http_query_all(r, "status", in.status, OB_ARRAY_LEN(in.status));
  in.name = node_http_query(r, "name");
  in.match = node_http_query(r, "match");
  in.before = node_http_query(r, "before");
  in.after = node_http_query(r, "after");
  in.limit = node_http_query(r, "limit");
  in.meta = node_http_query(r, "meta");
  ob_buf_init(&arr, 1 << 20);
  if (!in.meta) in.meta = meta_from_args(r, &arr);
  rc = pinsvc_query_parse(&q, &in, &err);
  ob_buf_release(&arr);
  if (rc) {
    pinsvc_query_release(&q);
    node_http_error(r, 400, "BAD_REQUEST", "%s", err.msg);
    return;
  }
  ob_buf_init(&arr, 1 << 16);
  ob_buf_addch(&arr, '{');
  for (size_t i = 0; i < q.ncids; i++) ob_buf_addf(&arr, "%s\"%s\"", i ? "," : "", q.cids[i]); /* CIDs: [A-Za-z0-9] */
  ob_buf_addch(&arr, '}');
  snprintf(limit, sizeof(limit), "%u", q.limit);
  p[0] = c.tenant;
  p[1] = q.ncids ? arr.buf : NULL;
  p[2] = q.has_name ? q.name : NULL;
  p[3] = match_names[q.match];
  p[4] = q.status;
  p[5] = q.before[0] ? q.before : NULL;
  p[6] = q.after[0] ? q.after : NULL;
  p[7] = q.meta_json;
  p[8] = limit;
  rc = db_exec(s->o.db, &res, DB_RETRY, sql, 9, p, &err);
  /* The count only when the page may not hold every match. */
  if (!rc && db_res_rows(res) == q.limit) rc = db_exec(s->o.db, &cnt, DB_RETRY, count_sql, 8, p, &err);
  ob_buf_release(&arr);
  pinsvc_query_release(&q);
  if (rc) {
    db_res_free(res);
    fail_db(r, rc, &err);
    return;
  }
  snprintf(total, sizeof(total), "%s", cnt ? db_res_get(cnt, 0, 0) : "");
  if (!cnt) snprintf(total, sizeof(total), "%zu", db_res_rows(res));
  db_res_free(cnt);
  ob_buf_init(&b, (size_t)64 << 20);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "count");
  ob_jw_number(&w, total);
  ob_jw_key(&w, "results");
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < db_res_rows(res); i++) pin_status(&w, s, res, i);
  ob_jw_arr_end(&w);
  ob_jw_obj_end(&w);
  db_res_free(res);
  if (ob_jw_finish(&w) == 0) node_http_reply_json(r, 200, &b);
  else node_http_error(r, 500, "INTERNAL_SERVER_ERROR", "cannot write the answer");
  ob_buf_release(&b);
}

/* ---- POST /pins, POST /pins/{requestid} ---- */

/* One statement, one round trip, atomic on its own (no BEGIN/COMMIT): the tenant's row locked (its
 * quota figures, kept by the triggers of migration 0014, are then the newest committed ones, and
 * two servers cannot both take the last pin of a quota), the request replaced locked, the checks,
 * then the queue row and the request inserted only when nothing refused them. Columns 0-10 are
 * REQ_COLS of the new request (NULL when refused); 11: the refusal (NULL: stored), 12-15: the
 * tenant's quota_pins, live_pins, quota_bytes, pinned_bytes. No row: the token's tenant is gone.
 * Prepared once per connection (half of its time was parsing and planning). */
static const char add_sql[] =
    "WITH t AS (SELECT quota_pins, quota_bytes, live_pins, pinned_bytes, last_created FROM pinsvc_tenants"
    "   WHERE id = $5::bigint FOR UPDATE),"
    " o AS (SELECT request_id FROM pinsvc_requests WHERE request_id = $7::uuid AND tenant_id = $5::bigint FOR UPDATE),"
    " ok AS (SELECT t.*, CASE"
    "   WHEN $7::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM o) THEN 'NOT_FOUND'"
    /* a replace does not add a pin: refused only when the tenant is over its quota already */
    "   WHEN t.live_pins + CASE WHEN $7::uuid IS NULL THEN 1 ELSE 0 END > t.quota_pins THEN 'PIN_QUOTA_EXCEEDED'"
    "   WHEN t.pinned_bytes >= t.quota_bytes THEN 'BYTE_QUOTA_EXCEEDED' END AS refused FROM t),"
    " j AS (INSERT INTO pins (origin_kind, origin, name, profile, meta, tenant_id)"
    "   SELECT 'cid', $1, $2, $3, jsonb_build_object('origins', $4::jsonb), $5::bigint FROM ok WHERE refused IS NULL"
    "   RETURNING request_id),"
    /* created: milliseconds (what clients keep of it), unique per tenant (after the newest the
     * tenant's locked row remembers), so paging with before= never skips or repeats a request */
    " r AS (INSERT INTO pinsvc_requests (request_id, tenant_id, cid, name, origins, meta, replaces, created_at)"
    "   SELECT j.request_id, $5::bigint, $1, $2, $4::jsonb, $6::jsonb, $7::uuid,"
    "   greatest(date_trunc('milliseconds', clock_timestamp()), ok.last_created + interval '1 millisecond') FROM j, ok"
    "   RETURNING *),"
    " u AS (UPDATE pinsvc_requests q SET replaced_by = r.request_id FROM r WHERE q.request_id = $7::uuid)"
    " SELECT r.request_id::text, 'queued', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " r.cid, r.name, r.origins::text, r.meta::text, '', '', '', '',"
    " ok.refused, ok.quota_pins, ok.live_pins, ok.quota_bytes, ok.pinned_bytes FROM ok LEFT JOIN r ON true";

static long long col_ll(const struct db_res *res, size_t col) {
  const char *v = db_res_get(res, 0, col);
  return v ? strtoll(v, NULL, 10) : -1;
}

static bool uuid_shape(const char *s);

static void add_or_replace(struct pinsvc *s, struct node_http_req *r, const char *replaces) {
  struct pinsvc_pin pin;
  struct caller c;
  struct ob_err err;
  struct db_res *res = NULL;
  const char *p[7], *refused;
  size_t len = 0;
  const char *body;
  int rc;
  if (!authorize(s, r, &c)) return;
  ob_err_clear(&err);
  if (replaces && !uuid_shape(replaces)) {
    node_http_error(r, 404, "NOT_FOUND", "no pin request %.64s", replaces);
    return;
  }
  body = node_http_body(r, &len);
  if ((rc = pinsvc_pin_parse(&pin, body, len, &err))) {
    pinsvc_pin_release(&pin);
    node_http_error(r, 400, "BAD_REQUEST", "%s", err.msg);
    return;
  }
  p[0] = pin.cid;
  p[1] = pin.name;
  p[2] = pin.cid[0] == 'Q' ? "unixfs-v0-2015" : "unixfs-v1-2025"; /* what the CID says; informational */
  p[3] = pin.origins_json;
  p[4] = c.tenant;
  p[5] = pin.meta_json;
  p[6] = replaces;
  /* Not DB_RETRY: a connection lost during the statement leaves its outcome unknown (503). */
  rc = db_exec(s->o.db, &res, DB_PREPARE, add_sql, 7, p, &err);
  pinsvc_pin_release(&pin);
  if (rc) {
    fail_db(r, rc, &err);
  } else if (db_res_rows(res) != 1) {
    node_http_error(r, 401, "UNAUTHORIZED", "the token's tenant is gone");
  } else if ((refused = db_res_get(res, 0, 11)) && strcmp(refused, "NOT_FOUND") == 0) {
    node_http_error(r, 404, "NOT_FOUND", "no pin request %s", replaces);
  } else if (refused && strcmp(refused, "PIN_QUOTA_EXCEEDED") == 0) {
    node_http_error(r, 403, refused, "quota_pins: the tenant holds %lld of its %lld pins", col_ll(res, 13), col_ll(res, 12));
  } else if (refused) {
    node_http_error(r, 403, refused, "quota_bytes: the tenant's pins hold %lld bytes of its %lld", col_ll(res, 15),
                    col_ll(res, 14));
  } else {
    reply_one(s, r, 202, res);
    OB_LOG(OB_LOG_INFO, "pinsvc", replaces ? "pin request replaced" : "pin requested", "request", db_res_get(res, 0, 0),
           "cid", db_res_get(res, 0, 3), "tenant", c.tenant, NULL);
  }
  db_res_free(res);
}

static bool uuid_shape(const char *s) {
  if (!s || strlen(s) != 36) return false;
  for (size_t i = 0; i < 36; i++) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

static void add(void *ud, struct node_http_req *r) { add_or_replace(ud, r, NULL); }
static void replace(void *ud, struct node_http_req *r) { add_or_replace(ud, r, node_http_param(r, "requestid")); }

/* ---- GET /pins/{requestid} ---- */

static void get(void *ud, struct node_http_req *r) {
  struct pinsvc *s = ud;
  const char *id = node_http_param(r, "requestid");
  struct caller c;
  struct ob_err err;
  struct db_res *res = NULL;
  const char *p[2];
  int rc;
  if (!authorize(s, r, &c)) return;
  ob_err_clear(&err);
  if (!uuid_shape(id)) {
    node_http_error(r, 404, "NOT_FOUND", "no pin request %.64s", id);
    return;
  }
  p[0] = id;
  p[1] = c.tenant;
  rc = db_exec(s->o.db, &res, DB_RETRY,
               "SELECT " REQ_COLS " FROM pinsvc_requests r JOIN pins p USING (request_id)"
               " WHERE r.request_id = $1::uuid AND r.tenant_id = $2::bigint",
               2, p, &err);
  if (rc) fail_db(r, rc, &err);
  else if (db_res_rows(res) != 1) node_http_error(r, 404, "NOT_FOUND", "no pin request %s", id);
  else reply_one(s, r, 200, res);
  db_res_free(res);
}

/* ---- DELETE /pins/{requestid} ---- */

struct del_tx {
  const char *id, *tenant;
  char cid[IPFS_CID_TEXT_MAX];
  bool found, left_pinning;
};

static int del_fn(struct db *db, void *ud, struct ob_err *err) {
  struct del_tx *t = ud;
  const char *p[] = {t->id, t->tenant};
  struct db_res *res = NULL;
  int rc = db_exec(db, &res, 0, "DELETE FROM pinsvc_requests WHERE request_id = $1::uuid AND tenant_id = $2::bigint RETURNING cid",
                   2, p, err);
  if (rc) return rc;
  t->found = db_res_rows(res) == 1;
  if (t->found) snprintf(t->cid, sizeof(t->cid), "%s", db_res_get(res, 0, 0));
  db_res_free(res);
  res = NULL;
  if (!t->found) return 0;
  /* A successor of this request replaces nothing any more. */
  if ((rc = db_exec(db, NULL, 0, "UPDATE pinsvc_requests SET replaced_by = NULL WHERE replaced_by = $1::uuid", 1, p, err)))
    return rc;
  /* The queue row goes too, unless a worker holds it (the sweep drops it once the worker is done). */
  if ((rc = db_exec(db, &res, 0, "DELETE FROM pins WHERE request_id = $1::uuid AND status <> 'pinning' RETURNING 1", 1, p, err)))
    return rc;
  t->left_pinning = db_res_rows(res) == 0;
  db_res_free(res);
  return 0;
}

static void del(void *ud, struct node_http_req *r) {
  struct pinsvc *s = ud;
  struct caller c;
  struct ob_err err;
  struct del_tx t;
  int rc;
  if (!authorize(s, r, &c)) return;
  ob_err_clear(&err);
  memset(&t, 0, sizeof(t));
  t.id = node_http_param(r, "requestid");
  t.tenant = c.tenant;
  if (!uuid_shape(t.id)) {
    node_http_error(r, 404, "NOT_FOUND", "no pin request %.64s", t.id);
    return;
  }
  rc = db_tx(s->o.db, del_fn, &t, &err);
  if (rc) {
    fail_db(r, rc, &err);
    return;
  }
  if (!t.found) {
    node_http_error(r, 404, "NOT_FOUND", "no pin request %s", t.id);
    return;
  }
  if (t.left_pinning) s->orphans_pending = true;
  else unpin_if_unreferenced(s, t.cid);
  OB_LOG(OB_LOG_INFO, "pinsvc", "pin request removed", "request", t.id, "cid", t.cid, "tenant", c.tenant, NULL);
  node_http_reply(r, 202, NULL, NULL, 0);
}

/* ---- lifecycle ---- */

int pinsvc_new(struct pinsvc **out, struct node_http *http, const struct pinsvc_opts *o, struct ob_err *err) {
  struct pinsvc *s = ob_calloc(1, sizeof(*s));
  int rc;
  if (!s) return ob_err_set(err, OB_ENOMEM, "out of memory");
  s->o = *o;
  if (!s->o.sweep_ms) s->o.sweep_ms = 1000;
  s->orphans_pending = true; /* one full sweep at start: what a stopped server left */
  rc = node_http_route(http, "GET", "/pins", list, s, err);
  if (!rc) rc = node_http_route(http, "POST", "/pins", add, s, err);
  if (!rc) rc = node_http_route(http, "GET", "/pins/{requestid}", get, s, err);
  if (!rc) rc = node_http_route(http, "POST", "/pins/{requestid}", replace, s, err);
  if (!rc) rc = node_http_route(http, "DELETE", "/pins/{requestid}", del, s, err);
  if (!rc && o->loop) rc = chain_timer_new(&s->timer, o->loop, sweep_cb, s, err);
  if (rc) {
    pinsvc_free(s);
    return rc;
  }
  delegates_refresh(s);
  if (s->timer) chain_timer_start(s->timer, s->o.sweep_ms, s->o.sweep_ms);
  *out = s;
  return 0;
}

void pinsvc_free(struct pinsvc *s) {
  if (!s) return;
  chain_timer_free(s->timer);
  for (size_t i = 0; i < s->ndelegates; i++) ob_free(s->delegates[i]);
  ob_free(s);
}
