/* The operator dashboard (dashboard.h).
 *
 * Every reply is built from PostgreSQL (and the daemon's and the proof API's memory) at most once per
 * CACHE_MS per URL and kept, with its gzip form, in a small table shared by every poller: twenty
 * pages polling cost the database what one does, and the memory held is bounded by the table.
 * The page itself (node/web/) is compiled into the binary; the status summary in it is rendered
 * here from the same /v1/status document the JavaScript reads, so both always agree. */
#include "ob/node/dashboard.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node_int.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/daemon.h"
#include "ob/node/http.h"
#include "ob/node/pinsvc.h"
#include "ob/node/proofapi.h"
#include "ob/oracle/feed.h"

#define CACHE_MS 1000
#define NCACHE 24
#define KEY_MAX 200
#define TOKENS_CHECK_MS 2000
#define GZIP_MIN 1024
#define MAX_LIMIT 1000
#define BODY_MAX ((size_t)64 << 20)
#define COOKIE "obridge_token"

struct ob_embedded_file {
  const char *name;
  const char *data;
  size_t len;
};
extern const struct ob_embedded_file node_dashboard_files[];

struct centry {
  char key[KEY_MAX];
  uint64_t at_ms, used;
  int status;
  const char *ctype;
  char etag[24];
  char version[160]; /* the feeds document: what it was built from (feeds_version) */
  char *body, *gz;
  size_t len, gzlen;
};

struct feedcfg {
  char *name;
  uint32_t heartbeat_s, deviation_bps;
};

struct node_dashboard {
  struct node_dashboard_opts o;
  char registry[43];
  struct centry cache[NCACHE];
  uint64_t uses;
  struct feedcfg *cfg; /* sorted by name */
  size_t ncfg;
  /* the feed counts of the last /v1/status/feeds built, for /v1/status */
  uint64_t feeds_count, feeds_stale, feeds_down;
  bool tokens_exist;
  uint64_t tokens_at_ms;
  struct node__ipfs_probe ipfs; /* IPFS's health without a daemon: asked at most every IPFS_CHECK_MS */
  /* static files: etag and gzip form, made once */
  struct centry statics[8];
};

void node_dashboard_opts_init(struct node_dashboard_opts *o) {
  memset(o, 0, sizeof(*o));
  o->spark_points = 20;
}

/* ---- small helpers ---- */

static uint64_t fnv(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
  return h;
}

static void centry_release(struct centry *e) {
  ob_free(e->body);
  ob_free(e->gz);
  memset(e, 0, sizeof(*e));
}

/* Fill e from body (consumed): etag, and the gzip form when worth it. */
static int centry_set(struct centry *e, int status, const char *ctype, struct ob_buf *body) {
  struct ob_buf gz;
  char key[KEY_MAX], version[sizeof(e->version)];
  uint64_t used = e->used;
  memcpy(key, e->key, sizeof(key));
  memcpy(version, e->version, sizeof(version));
  centry_release(e);
  memcpy(e->key, key, sizeof(key));
  memcpy(e->version, version, sizeof(version));
  e->used = used;
  e->status = status;
  e->ctype = ctype;
  snprintf(e->etag, sizeof(e->etag), "\"%016" PRIx64 "\"", fnv(body->buf, body->len));
  if (!(e->body = ob_buf_detach(body, &e->len))) return OB_ENOMEM;
  if (e->len >= GZIP_MIN) {
    ob_buf_init(&gz, BODY_MAX);
    if (node__gzip(&gz, e->body, e->len) == 0 && gz.len < e->len) e->gz = ob_buf_detach(&gz, &e->gzlen);
    ob_buf_release(&gz);
  }
  return 0;
}

static bool accepts_gzip(struct node_http_req *r) {
  const char *ae = node_http_header(r, "Accept-Encoding");
  return ae && strstr(ae, "gzip") != NULL;
}

static void send_entry(struct node_http_req *r, const struct centry *e, const char *cache_control) {
  const char *inm = node_http_header(r, "If-None-Match");
  bool gz = e->gz && accepts_gzip(r);
  node_http_add_header(r, "ETag", e->etag);
  node_http_add_header(r, "Cache-Control", cache_control);
  node_http_add_header(r, "Vary", "Accept-Encoding, Authorization, Cookie");
  if (e->status == 200 && inm && strstr(inm, e->etag)) {
    node_http_reply(r, 304, NULL, "", 0);
    return;
  }
  if (gz) node_http_add_header(r, "Content-Encoding", "gzip");
  node_http_reply(r, e->status, e->ctype, gz ? e->gz : e->body, gz ? e->gzlen : e->len);
}

static int q(struct node_dashboard *d, struct db_res **res, const char *sql, int n, const char *const *p,
             struct ob_err *err) {
  return db_exec(d->o.db, res, DB_RETRY, sql, n, p, err);
}

static int64_t num(const char *s) { return s ? strtoll(s, NULL, 10) : 0; }

/* The integer text v at dec decimals as decimal text ("-12345", 2 -> "-123.45"), trailing zeros cut. */
void node__dec_text(char *out, size_t cap, const char *v, unsigned dec) {
  char digits[128];
  bool neg = v[0] == '-';
  size_t n, at = 0;
  if (cap < 3) {
    if (cap) out[0] = 0;
    return;
  }
  if (neg) v++;
  n = strlen(v);
  if (n >= sizeof(digits) - 40 || dec > 36) {
    snprintf(out, cap, "%s", v);
    return;
  }
  if (n <= dec) {
    memset(digits, '0', dec + 1 - n);
    memcpy(digits + dec + 1 - n, v, n + 1);
  } else {
    memcpy(digits, v, n + 1);
  }
  n = strlen(digits);
  if (neg) out[at++] = '-';
  for (size_t i = 0; i < n && at + 2 < cap; i++) {
    if (i == n - dec) out[at++] = '.';
    out[at++] = digits[i];
  }
  out[at] = 0;
  if (dec && strchr(out, '.')) {
    while (at > 0 && out[at - 1] == '0') out[--at] = 0;
    if (at > 0 && out[at - 1] == '.') out[--at] = 0;
  }
}

/* ---- authorization ---- */

static bool token_shape(const char *t, size_t n) {
  if (n < 16 || n > 128) return false;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

/* The token the request carries (header first, then the cookie) into tok; false when none. */
static bool request_token(struct node_http_req *r, char *tok, size_t cap) {
  const char *h = node_http_header(r, "Authorization"), *c;
  if (h && strncasecmp(h, "Bearer ", 7) == 0) {
    h += 7;
    while (*h == ' ') h++;
    snprintf(tok, cap, "%s", h);
    return true;
  }
  c = node_http_header(r, "Cookie");
  return c && node__cookie_token(c, tok, cap);
}

bool node__cookie_token(const char *c, char *tok, size_t cap) {
  size_t n;
  while (*c) {
    while (*c == ' ' || *c == ';') c++;
    n = strcspn(c, ";");
    if (n > sizeof(COOKIE) && strncmp(c, COOKIE "=", sizeof(COOKIE)) == 0) {
      snprintf(tok, cap, "%.*s", (int)(n - sizeof(COOKIE)), c + sizeof(COOKIE));
      return true;
    }
    c += n;
  }
  return false;
}

static bool tokens_exist(struct node_dashboard *d) {
  struct db_res *res = NULL;
  uint64_t now = ob_mono_ms();
  if (d->tokens_at_ms && now - d->tokens_at_ms < TOKENS_CHECK_MS) return d->tokens_exist;
  if (q(d, &res, "SELECT EXISTS (SELECT 1 FROM pinsvc_tokens WHERE revoked_at IS NULL)", 0, NULL, NULL) == 0) {
    d->tokens_exist = db_res_rows(res) == 1 && strcmp(db_res_get(res, 0, 0), "t") == 0;
    d->tokens_at_ms = now;
  } else {
    d->tokens_exist = true; /* cannot tell: closed rather than open */
  }
  db_res_free(res);
  return d->tokens_exist;
}

/* The dashboard shows the operator's node (transactions, RPC endpoints, every tenant's pins), so it
 * takes only the operator's tokens (tenant 1, 'operator': `obridge tenant token operator`); a
 * pinning-service tenant's token is valid for /pins but gets 403 here. */
static const char not_operator[] = "this token is a pinning service tenant's: the dashboard takes only the operator's "
                                   "tokens (obridge tenant token operator)";

/* Checks a well-formed token: 0 (an operator's), 401 or 403, with why. */
static int token_check(struct node_dashboard *d, const char *tok, const char **why) {
  char hash[65];
  const char *p[] = {hash};
  struct db_res *res = NULL;
  int st;
  pinsvc_token_hash(hash, tok);
  if (q(d, &res, "SELECT tenant_id = 1 FROM pinsvc_tokens WHERE hash = $1 AND revoked_at IS NULL", 1, p, NULL)) {
    *why = "cannot check the access token: the database does not answer";
    return 401;
  }
  if (db_res_rows(res) != 1) *why = "access token is invalid or revoked", st = 401;
  else if (strcmp(db_res_get(res, 0, 0), "t") != 0) *why = not_operator, st = 403;
  else st = 0;
  db_res_free(res);
  return st;
}

/* 0 when the request may go on; else 401 or 403, with why. */
static int unauthorized(struct node_dashboard *d, struct node_http_req *r, const char **why) {
  char tok[160];
  int st;
  if (!request_token(r, tok, sizeof(tok))) {
    *why = "access token is missing (Authorization: Bearer TOKEN)";
    return tokens_exist(d) ? 401 : 0;
  }
  if (!token_shape(tok, strlen(tok))) {
    ob_memclear(tok, sizeof(tok));
    *why = "access token is malformed";
    return 401;
  }
  st = token_check(d, tok, why);
  ob_memclear(tok, sizeof(tok));
  return st;
}

static bool auth_json(struct node_dashboard *d, struct node_http_req *r) {
  const char *why = NULL;
  int st = unauthorized(d, r, &why);
  if (!st) return true;
  if (st == 401) node_http_add_header(r, "WWW-Authenticate", "Bearer");
  node_http_error(r, st, st == 401 ? "UNAUTHORIZED" : "FORBIDDEN", "%s", why);
  return false;
}

/* ---- /v1/status/feeds ---- */

static const struct feedcfg *cfg_find(const struct node_dashboard *d, const char *name) {
  size_t lo = 0, hi = d->ncfg;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(d->cfg[mid].name, name);
    if (!c) return &d->cfg[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

/* A cursor over rows sorted by feed name (column 0): advance to name. */
struct cur {
  struct db_res *res;
  size_t i, n;
};
static bool cur_at(struct cur *c, const char *name) {
  while (c->i < c->n && strcmp(db_res_get(c->res, c->i, 0), name) < 0) c->i++;
  return c->i < c->n && strcmp(db_res_get(c->res, c->i, 0), name) == 0;
}

struct feedq {
  struct db_res *feeds, *aggs, *last, *obs;
};
static void feedq_free(struct feedq *f) {
  db_res_free(f->feeds);
  db_res_free(f->aggs);
  db_res_free(f->last);
  db_res_free(f->obs);
}

static int feed_queries(struct node_dashboard *d, struct feedq *f, struct ob_err *err) {
  char cid[24], pts[16];
  const char *p[] = {cid, d->registry, pts};
  int rc;
  snprintf(cid, sizeof(cid), "%" PRIu64, d->o.chain_id);
  snprintf(pts, sizeof(pts), "%u", d->o.spark_points);
  rc = q(d, &f->feeds, "SELECT name COLLATE \"C\", decimals FROM oracle_feeds ORDER BY 1", 0, NULL, err);
  /* The aggregates of the newest spark_points round numbers (the primary key's order). */
  if (!rc)
    rc = q(d, &f->aggs,
           "SELECT feed COLLATE \"C\", round, value::text, left_out, observed_at FROM oracle_aggregates"
           " WHERE chain_id = $1::bigint AND registry = $2 AND round > (SELECT coalesce(max(round), 0) FROM oracle_aggregates"
           " WHERE chain_id = $1::bigint AND registry = $2) - $3::int ORDER BY 1, 2",
           3, p, err);
  if (!rc)
    rc = q(d, &f->last,
           "SELECT feed COLLATE \"C\", value::text, round, observed_at FROM oracle_feed_last"
           " WHERE chain_id = $1::bigint AND registry = $2 ORDER BY 1",
           2, p, err);
  /* Every source's answer in the newest round attempt that stored observations (one transaction). */
  if (!rc)
    rc = q(d, &f->obs,
           "SELECT o.feed COLLATE \"C\", o.source, o.error, o.http_status FROM oracle_observations o,"
           " (SELECT round, attempt FROM oracle_observations WHERE chain_id = $1::bigint AND registry = $2"
           "  ORDER BY round DESC, attempt DESC LIMIT 1) l"
           " WHERE o.chain_id = $1::bigint AND o.registry = $2 AND o.round = l.round AND o.attempt = l.attempt"
           " ORDER BY 1, 2",
           2, p, err);
  return rc;
}

struct fstate {
  uint64_t now, stale, down;
};

static void feed_sources(struct ob_jw *w, struct cur *c, const char *name, struct fstate *st) {
  bool any_down = false;
  ob_jw_key(w, "sources");
  ob_jw_arr_begin(w);
  if (cur_at(c, name))
    for (; c->i < c->n && strcmp(db_res_get(c->res, c->i, 0), name) == 0; c->i++) {
      const char *e = db_res_get(c->res, c->i, 2);
      ob_jw_arr_begin(w);
      ob_jw_str(w, db_res_get(c->res, c->i, 1));
      ob_jw_bool(w, e == NULL);
      if (e) ob_jw_str(w, e), any_down = true;
      ob_jw_arr_end(w);
    }
  ob_jw_arr_end(w);
  if (any_down) st->down++;
}

/* The sparkline and the newest aggregate of one feed. */
static void feed_aggs(struct ob_jw *w, struct cur *c, const char *name, unsigned dec, double *latest) {
  const char *val = NULL, *left_out = NULL, *round = NULL;
  char text[160];
  ob_jw_key(w, "spark");
  ob_jw_arr_begin(w);
  if (cur_at(c, name))
    for (; c->i < c->n && strcmp(db_res_get(c->res, c->i, 0), name) == 0; c->i++) {
      const char *v = db_res_get(c->res, c->i, 2);
      round = db_res_get(c->res, c->i, 1);
      val = v, left_out = db_res_get(c->res, c->i, 3);
      if (!v) continue;
      node__dec_text(text, sizeof(text), v, dec);
      snprintf(text, sizeof(text), "%.7g", strtod(text, NULL));
      if (ob_json_number_valid(text, strlen(text))) ob_jw_number(w, text);
    }
  ob_jw_arr_end(w);
  ob_jw_key(w, "value");
  if (val) {
    node__dec_text(text, sizeof(text), val, dec);
    ob_jw_str(w, text);
    *latest = strtod(text, NULL);
  } else {
    ob_jw_null(w);
  }
  if (left_out) {
    ob_jw_key(w, "left_out");
    ob_jw_str(w, left_out);
  }
  ob_jw_key(w, "round");
  if (round) ob_jw_u64(w, (uint64_t)num(round));
  else ob_jw_null(w);
}

static void feed_last(struct ob_jw *w, struct node_dashboard *d, struct cur *c, const char *name, unsigned dec,
                      double latest, struct fstate *st) {
  const struct feedcfg *cfg = cfg_find(d, name);
  char text[160];
  if (cfg) {
    ob_jw_key(w, "heartbeat_s");
    ob_jw_u64(w, cfg->heartbeat_s);
    ob_jw_key(w, "deviation_bps");
    ob_jw_u64(w, cfg->deviation_bps);
  }
  if (!cur_at(c, name)) return;
  node__dec_text(text, sizeof(text), db_res_get(c->res, c->i, 1), dec);
  ob_jw_key(w, "committed");
  ob_jw_str(w, text);
  ob_jw_key(w, "committed_round");
  ob_jw_u64(w, (uint64_t)num(db_res_get(c->res, c->i, 2)));
  ob_jw_key(w, "observed_at");
  ob_jw_i64(w, num(db_res_get(c->res, c->i, 3)));
  double last = strtod(text, NULL);
  if (!isnan(latest) && last != 0) {
    snprintf(text, sizeof(text), "%.2f", fabs(latest - last) / fabs(last) * 10000.0);
    ob_jw_key(w, "change_bps");
    ob_jw_number(w, text);
  }
  if (cfg && st->now > (uint64_t)num(db_res_get(c->res, c->i, 3)) + cfg->heartbeat_s) st->stale++;
}

static int build_feeds(struct node_dashboard *d, struct ob_buf *b, struct ob_err *err) {
  struct feedq f = {0};
  struct cur ca, cl, co;
  struct fstate st = {ob_unix_s(), 0, 0};
  struct ob_jw w;
  int rc = d->registry[0] ? feed_queries(d, &f, err) : 0;
  if (rc) {
    feedq_free(&f);
    return rc;
  }
  ca = (struct cur){f.aggs, 0, db_res_rows(f.aggs)};
  cl = (struct cur){f.last, 0, db_res_rows(f.last)};
  co = (struct cur){f.obs, 0, db_res_rows(f.obs)};
  ob_jw_init(&w, b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "now");
  ob_jw_u64(&w, st.now);
  ob_jw_key(&w, "feeds");
  ob_jw_arr_begin(&w);
  for (size_t i = 0; d->registry[0] && i < db_res_rows(f.feeds); i++) {
    const char *name = db_res_get(f.feeds, i, 0);
    unsigned dec = (unsigned)num(db_res_get(f.feeds, i, 1));
    double latest = NAN;
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "name");
    ob_jw_str(&w, name);
    ob_jw_key(&w, "decimals");
    ob_jw_u64(&w, dec);
    feed_aggs(&w, &ca, name, dec, &latest);
    feed_last(&w, d, &cl, name, dec, latest, &st);
    feed_sources(&w, &co, name, &st);
    ob_jw_obj_end(&w);
  }
  ob_jw_arr_end(&w);
  ob_jw_obj_end(&w);
  d->feeds_count = d->registry[0] ? db_res_rows(f.feeds) : 0;
  d->feeds_stale = st.stale, d->feeds_down = st.down;
  feedq_free(&f);
  rc = ob_jw_finish(&w);
  return rc ? ob_err_set(err, rc, "cannot write the feeds document") : 0;
}

/* ---- /v1/rounds ---- */

static int rounds_query(struct node_dashboard *d, struct db_res **res, uint64_t limit, struct ob_err *err) {
  char cid[24], lim[24];
  const char *p[] = {cid, d->registry[0] ? d->registry : NULL, lim};
  snprintf(cid, sizeof(cid), "%" PRIu64, d->o.chain_id);
  snprintf(lim, sizeof(lim), "%" PRIu64, limit);
  return q(d, res,
           "SELECT r.round, r.step, r.feeds, r.gas_used, r.tx_hash, r.cid, extract(epoch FROM r.created_at)::bigint,"
           " extract(epoch FROM r.updated_at)::bigint, o.state, o.feeds_due,"
           " CASE WHEN r.step = 'confirmed' THEN (extract(epoch FROM r.updated_at - coalesce(o.started_at, r.created_at)) * 1000)::bigint END,"
           " r.registry, r.chain_id, o.error"
           " FROM rounds r LEFT JOIN oracle_rounds o USING (chain_id, registry, round)"
           " WHERE ($2::text IS NULL AND r.chain_id = $1::bigint) OR (r.chain_id = $1::bigint AND r.registry = $2)"
           " ORDER BY r.round DESC, r.created_at DESC LIMIT $3::bigint",
           3, p, err);
}

static void opt_num(struct ob_jw *w, const char *key, const char *v) {
  ob_jw_key(w, key);
  if (v) ob_jw_number(w, v);
  else ob_jw_null(w);
}

static void write_round(struct ob_jw *w, struct node_dashboard *d, struct db_res *res, size_t i) {
  const char *why = NULL, *check;
  uint64_t round = (uint64_t)num(db_res_get(res, i, 0));
  bool ours = d->registry[0] && strcmp(db_res_get(res, i, 11), d->registry) == 0;
  ob_jw_obj_begin(w);
  ob_jw_key(w, "round");
  ob_jw_u64(w, round);
  ob_jw_key(w, "registry");
  ob_jw_str(w, db_res_get(res, i, 11));
  ob_jw_key(w, "step");
  ob_jw_str(w, db_res_get(res, i, 1));
  opt_num(w, "feeds", db_res_get(res, i, 2));
  opt_num(w, "gas_used", db_res_get(res, i, 3));
  ob_jw_key(w, "tx_hash");
  ob_jw_str(w, db_res_get(res, i, 4));
  ob_jw_key(w, "cid");
  ob_jw_str(w, db_res_get(res, i, 5));
  opt_num(w, "created_at", db_res_get(res, i, 6));
  opt_num(w, "updated_at", db_res_get(res, i, 7));
  opt_num(w, "fetch_to_confirm_ms", db_res_get(res, i, 10));
  check = ours && strcmp(db_res_get(res, i, 1), "confirmed") == 0 ? node_proofapi_round_check(d->o.proofapi, round, &why)
                                                                    : "unknown";
  ob_jw_key(w, "verify");
  ob_jw_str(w, check);
  if (why) {
    ob_jw_key(w, "verify_error");
    ob_jw_str(w, why);
  }
  if (db_res_get(res, i, 13)) {
    ob_jw_key(w, "error");
    ob_jw_str(w, db_res_get(res, i, 13));
  }
  ob_jw_obj_end(w);
}

static int build_rounds(struct node_dashboard *d, struct ob_buf *b, uint64_t limit, struct ob_err *err) {
  struct db_res *res = NULL;
  struct ob_jw w;
  int rc = rounds_query(d, &res, limit, err);
  if (rc) return rc;
  ob_jw_init(&w, b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "rounds");
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < db_res_rows(res); i++) write_round(&w, d, res, i);
  ob_jw_arr_end(&w);
  ob_jw_obj_end(&w);
  db_res_free(res);
  rc = ob_jw_finish(&w);
  return rc ? ob_err_set(err, rc, "cannot write the rounds document") : 0;
}

/* ---- /v1/txs ---- */

static const struct {
  const char *name, *where;
} tx_states[] = {
    {"pending", "state IN ('queued', 'signed', 'broadcast')"},
    {"bumped", "bumps > 0"},
    {"failed", "state = 'failed'"},
    {"confirmed", "state IN ('confirmed', 'finalized')"},
    {"superseded", "state = 'superseded'"},
    {"all", "true"},
};

/* {"queued": n, …} from "SELECT key, count" rows. */
static int counts(struct node_dashboard *d, struct ob_jw *w, const char *key, const char *sql, struct ob_err *err) {
  struct db_res *res = NULL;
  int rc = q(d, &res, sql, 0, NULL, err);
  if (rc) return rc;
  ob_jw_key(w, key);
  ob_jw_obj_begin(w);
  for (size_t i = 0; i < db_res_rows(res); i++) {
    ob_jw_key(w, db_res_get(res, i, 0));
    ob_jw_number(w, db_res_get(res, i, 1));
  }
  ob_jw_obj_end(w);
  db_res_free(res);
  return 0;
}

static void write_versions(struct ob_jw *w, struct cur *v, const char *id) {
  ob_jw_key(w, "versions");
  ob_jw_arr_begin(w);
  if (cur_at(v, id))
    for (; v->i < v->n && strcmp(db_res_get(v->res, v->i, 0), id) == 0; v->i++) {
      ob_jw_obj_begin(w);
      opt_num(w, "version", db_res_get(v->res, v->i, 1));
      ob_jw_key(w, "hash");
      ob_jw_str(w, db_res_get(v->res, v->i, 2));
      ob_jw_key(w, "max_fee_wei");
      ob_jw_str(w, db_res_get(v->res, v->i, 3));
      ob_jw_key(w, "max_priority_fee_wei");
      ob_jw_str(w, db_res_get(v->res, v->i, 4));
      ob_jw_key(w, "gas_price_wei");
      ob_jw_str(w, db_res_get(v->res, v->i, 5));
      opt_num(w, "signed_at", db_res_get(v->res, v->i, 6));
      ob_jw_obj_end(w);
    }
  ob_jw_arr_end(w);
}

static void write_tx(struct ob_jw *w, struct db_res *t, size_t i, struct cur *v) {
  static const char *const keys[] = {"id", "chain_id", "from", "nonce", "to", "purpose", "state", "bumps",
                                     "error", "mined_hash", "block_number", "gas_used", "created_at", "updated_at"};
  static const bool numeric[] = {1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1};
  ob_jw_obj_begin(w);
  for (size_t k = 0; k < OB_ARRAY_LEN(keys); k++) {
    if (numeric[k]) opt_num(w, keys[k], db_res_get(t, i, k));
    else ob_jw_key(w, keys[k]), ob_jw_str(w, db_res_get(t, i, k));
  }
  write_versions(w, v, db_res_get(t, i, 0));
  ob_jw_obj_end(w);
}

static int build_txs(struct node_dashboard *d, struct ob_buf *b, size_t si, uint64_t limit, struct ob_err *err) {
  struct db_res *t = NULL, *v = NULL;
  struct ob_buf sql;
  struct ob_jw w;
  struct cur vc;
  char lim[24];
  const char *p[] = {lim};
  int rc;
  snprintf(lim, sizeof(lim), "%" PRIu64, limit);
  ob_buf_init(&sql, 4096);
  ob_buf_addf(&sql,
              "SELECT id::text COLLATE \"C\", chain_id, from_addr, nonce, to_addr, purpose, state, bumps, error, mined_hash,"
              " block_number, gas_used, extract(epoch FROM created_at)::bigint, extract(epoch FROM updated_at)::bigint"
              " FROM chain_txs WHERE %s ORDER BY id DESC LIMIT $1::bigint",
              tx_states[si].where);
  rc = q(d, &t, sql.buf, 1, p, err);
  ob_buf_release(&sql);
  /* The versions of the listed transactions, sorted as text like the ids above. */
  if (!rc) {
    /* the ids listed, as one parameter */
    struct ob_buf ids;
    ob_buf_init(&ids, (size_t)1 << 20);
    for (size_t i = 0; i < db_res_rows(t); i++) ob_buf_addf(&ids, "%s%s", i ? "," : "", db_res_get(t, i, 0));
    rc = q(d, &v,
           "SELECT tx_id::text COLLATE \"C\", version, hash, max_fee_wei::text, max_priority_fee_wei::text, gas_price_wei::text,"
           " extract(epoch FROM signed_at)::bigint FROM chain_tx_versions"
           " WHERE tx_id = ANY (string_to_array(nullif($1, ''), ',')::bigint[]) ORDER BY 1, 2",
           1, (const char *[]){ids.buf}, err);
    ob_buf_release(&ids);
  }
  if (!rc) {
    vc = (struct cur){v, 0, db_res_rows(v)};
    ob_jw_init(&w, b, false);
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "state");
    ob_jw_str(&w, tx_states[si].name);
    rc = counts(d, &w, "counts", "SELECT state, count(*) FROM chain_txs GROUP BY 1 UNION ALL SELECT 'bumped', count(*) FROM chain_txs WHERE bumps > 0", err);
    ob_jw_key(&w, "txs");
    ob_jw_arr_begin(&w);
    for (size_t i = 0; !rc && i < db_res_rows(t); i++) write_tx(&w, t, i, &vc);
    ob_jw_arr_end(&w);
    ob_jw_obj_end(&w);
    if (ob_jw_finish(&w) && !rc) rc = ob_err_set(err, OB_ENOMEM, "cannot write the transactions document");
  }
  db_res_free(t);
  db_res_free(v);
  return rc;
}

/* ---- /v1/pins/summary ---- */

static int pins_failures(struct node_dashboard *d, struct ob_jw *w, struct ob_err *err) {
  struct db_res *res = NULL;
  int rc = q(d, &res,
             "SELECT coalesce(last_error, '(no reason recorded)'), count(*), extract(epoch FROM max(updated_at))::bigint"
             " FROM pins WHERE status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
             0, NULL, err);
  if (rc) return rc;
  ob_jw_key(w, "failures");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < db_res_rows(res); i++) {
    ob_jw_obj_begin(w);
    ob_jw_key(w, "reason");
    ob_jw_str(w, db_res_get(res, i, 0));
    opt_num(w, "count", db_res_get(res, i, 1));
    opt_num(w, "last_at", db_res_get(res, i, 2));
    ob_jw_obj_end(w);
  }
  ob_jw_arr_end(w);
  db_res_free(res);
  return 0;
}

static int pins_throughput(struct node_dashboard *d, struct ob_jw *w, struct ob_err *err) {
  struct db_res *res = NULL;
  int rc = q(d, &res,
             "SELECT count(*) FILTER (WHERE pinned_at > now() - interval '5 minutes'),"
             " coalesce(sum(size) FILTER (WHERE pinned_at > now() - interval '5 minutes'), 0),"
             " count(*), coalesce(sum(size), 0),"
             " (SELECT count(*) FROM pins WHERE status = 'queued' AND attempts > 0)"
             " FROM pins WHERE status = 'pinned' AND pinned_at > now() - interval '1 hour'",
             0, NULL, err);
  if (rc) return rc;
  ob_jw_key(w, "throughput");
  ob_jw_obj_begin(w);
  opt_num(w, "pinned_5m", db_res_get(res, 0, 0));
  opt_num(w, "bytes_5m", db_res_get(res, 0, 1));
  opt_num(w, "pinned_1h", db_res_get(res, 0, 2));
  opt_num(w, "bytes_1h", db_res_get(res, 0, 3));
  ob_jw_obj_end(w);
  opt_num(w, "retrying", db_res_get(res, 0, 4));
  db_res_free(res);
  return 0;
}

static int models(struct node_dashboard *d, struct ob_jw *w, struct ob_err *err) {
  struct db_res *res = NULL;
  int rc = q(d, &res,
             "SELECT name, version, step, cid, size, (SELECT count(*) FROM models WHERE step = 'registered')"
             " FROM models ORDER BY updated_at DESC LIMIT 20",
             0, NULL, err);
  if (rc) return rc;
  ob_jw_key(w, "models");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "registered");
  ob_jw_number(w, db_res_rows(res) ? db_res_get(res, 0, 5) : "0");
  ob_jw_key(w, "recent");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < db_res_rows(res); i++) {
    ob_jw_obj_begin(w);
    ob_jw_key(w, "name");
    ob_jw_str(w, db_res_get(res, i, 0));
    ob_jw_key(w, "version");
    ob_jw_str(w, db_res_get(res, i, 1));
    ob_jw_key(w, "step");
    ob_jw_str(w, db_res_get(res, i, 2));
    ob_jw_key(w, "cid");
    ob_jw_str(w, db_res_get(res, i, 3));
    opt_num(w, "size", db_res_get(res, i, 4));
    ob_jw_obj_end(w);
  }
  ob_jw_arr_end(w);
  ob_jw_obj_end(w);
  db_res_free(res);
  return 0;
}

static int build_pins(struct node_dashboard *d, struct ob_buf *b, struct ob_err *err) {
  struct ob_jw w;
  int rc;
  ob_jw_init(&w, b, false);
  ob_jw_obj_begin(&w);
  rc = counts(d, &w, "by_status", "SELECT status, count(*) FROM pins GROUP BY 1 ORDER BY 1", err);
  if (!rc) rc = pins_throughput(d, &w, err);
  if (!rc) rc = pins_failures(d, &w, err);
  if (!rc) rc = models(d, &w, err);
  ob_jw_obj_end(&w);
  if (ob_jw_finish(&w) && !rc) rc = ob_err_set(err, OB_ENOMEM, "cannot write the pins document");
  return rc;
}

/* ---- /v1/status ---- */

enum what { W_STATUS, W_FEEDS, W_ROUNDS, W_TXS, W_PINS };

#define IPFS_CHECK_MS 2000

static void status_peers(struct node_dashboard *d, struct ob_jw *w, bool *ok) {
  struct db_res *res = NULL;
  struct ob_err err;
  bool pg, ipfs = true;
  ob_err_clear(&err);
  pg = q(d, &res, "SELECT 1", 0, NULL, &err) == 0;
  db_res_free(res);
  if (d->o.ipfs_check) node__ipfs_probe(&d->ipfs, IPFS_CHECK_MS), ipfs = d->ipfs.ok;
  ob_jw_key(w, "node");
  ob_jw_str(w, d->o.node_id);
  ob_jw_key(w, "version");
  ob_jw_str(w, d->o.version);
  ob_jw_key(w, "role");
  ob_jw_str(w, "serve");
  ob_jw_key(w, "peers");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "postgres");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "ok");
  ob_jw_bool(w, pg);
  if (!pg) ob_jw_key(w, "error"), ob_jw_str(w, err.msg);
  ob_jw_obj_end(w);
  if (d->o.ipfs_check) {
    ob_jw_key(w, "ipfs");
    ob_jw_obj_begin(w);
    ob_jw_key(w, "ok");
    ob_jw_bool(w, ipfs);
    if (!ipfs) ob_jw_key(w, "error"), ob_jw_str(w, d->ipfs.why);
    ob_jw_obj_end(w);
  }
  ob_jw_obj_end(w);
  *ok = pg && ipfs;
}

static struct centry *document(struct node_dashboard *d, struct node_http_req *r, enum what what, uint64_t limit,
                               size_t si);

static void status_feeds(struct node_dashboard *d, struct ob_jw *w) {
  /* The counts come from the current feeds document (into the cache, where the page's next request
   * finds it; mostly a check that it is still right). */
  if (d->registry[0]) (void)document(d, NULL, W_FEEDS, 0, 0);
  ob_jw_key(w, "feeds");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "count");
  ob_jw_u64(w, d->feeds_count);
  ob_jw_key(w, "stale");
  ob_jw_u64(w, d->feeds_stale);
  ob_jw_key(w, "sources_down");
  ob_jw_u64(w, d->feeds_down);
  ob_jw_obj_end(w);
}

static int build_status(struct node_dashboard *d, struct ob_buf *b, struct ob_err *err) {
  struct db_res *res = NULL;
  struct ob_jw w;
  bool ok = true;
  int rc;
  ob_jw_init(&w, b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "now");
  ob_jw_u64(&w, ob_unix_s());
  if (d->o.daemon) ok = node_daemon_status_write(d->o.daemon, &w);
  else status_peers(d, &w, &ok);
  ob_jw_key(&w, "status");
  ob_jw_str(&w, ok ? "ok" : "unhealthy");
  ob_jw_key(&w, "chain_id");
  ob_jw_u64(&w, d->o.chain_id);
  ob_jw_key(&w, "registry");
  ob_jw_str(&w, d->registry[0] ? d->registry : NULL);
  status_feeds(d, &w);
  rc = rounds_query(d, &res, 1, err);
  ob_jw_key(&w, "latest_round");
  if (!rc && db_res_rows(res)) write_round(&w, d, res, 0);
  else ob_jw_null(&w);
  db_res_free(res);
  if (!rc) rc = counts(d, &w, "txs", "SELECT state, count(*) FROM chain_txs GROUP BY 1 UNION ALL SELECT 'bumped', count(*) FROM chain_txs WHERE bumps > 0", err);
  if (!rc) rc = counts(d, &w, "pins", "SELECT status, count(*) FROM pins GROUP BY 1 ORDER BY 1", err);
  if (!rc) rc = counts(d, &w, "models", "SELECT 'registered', count(*) FROM models WHERE step = 'registered'", err);
  ob_jw_obj_end(&w);
  if (ob_jw_finish(&w) && !rc) rc = ob_err_set(err, OB_ENOMEM, "cannot write the status document");
  return rc;
}

/* ---- the cache ---- */

static struct centry *cache_slot(struct node_dashboard *d, const char *key, bool *fresh) {
  struct centry *lru = &d->cache[0];
  uint64_t now = ob_mono_ms();
  for (size_t i = 0; i < NCACHE; i++) {
    struct centry *e = &d->cache[i];
    if (e->body && strcmp(e->key, key) == 0) {
      *fresh = now - e->at_ms < CACHE_MS;
      e->used = ++d->uses;
      return e;
    }
    if (e->used < lru->used) lru = e;
  }
  centry_release(lru);
  snprintf(lru->key, sizeof(lru->key), "%s", key);
  lru->used = ++d->uses;
  *fresh = false;
  return lru;
}

static int build(struct node_dashboard *d, enum what what, uint64_t limit, size_t si, struct ob_buf *b,
                 struct ob_err *err) {
  switch (what) {
  case W_STATUS: return build_status(d, b, err);
  case W_FEEDS: return build_feeds(d, b, err);
  case W_ROUNDS: return build_rounds(d, b, limit, err);
  case W_TXS: return build_txs(d, b, si, limit, err);
  default: return build_pins(d, b, err);
  }
}

/* What the feeds document is built from, in one cheap statement (indexes only): the newest
 * observation, the newest round's last step, the feeds, the last commit. The same text: the document
 * in the cache is still right, whatever its age. "" when it cannot be read (then rebuilt). */
static void feeds_version(struct node_dashboard *d, char *out, size_t cap) {
  char cid[24];
  const char *p[] = {cid, d->registry};
  struct db_res *res = NULL;
  out[0] = 0;
  snprintf(cid, sizeof(cid), "%" PRIu64, d->o.chain_id);
  if (q(d, &res,
        "SELECT concat_ws('/', (SELECT max(id) FROM oracle_observations),"
        " (SELECT round || ':' || state || ':' || updated_at FROM oracle_rounds WHERE chain_id = $1::bigint AND registry = $2"
        "  ORDER BY round DESC LIMIT 1),"
        " (SELECT count(*) || ':' || max(changed_at) FROM oracle_feeds),"
        " (SELECT max(committed_at) FROM oracle_feed_last WHERE chain_id = $1::bigint AND registry = $2))",
        2, p, NULL) == 0 &&
      db_res_rows(res) == 1)
    snprintf(out, cap, "%s", db_res_get(res, 0, 0) ? db_res_get(res, 0, 0) : "");
  db_res_free(res);
}

/* The cached document for (what, limit, si), built again when older than CACHE_MS (the feeds: when
 * what they are built from changed, or the feeds' ages and heartbeats after a minute). NULL: answered
 * (r NULL: nobody to answer). */
static struct centry *document(struct node_dashboard *d, struct node_http_req *r, enum what what, uint64_t limit,
                               size_t si) {
  char key[KEY_MAX], version[160] = "";
  struct centry *e;
  struct ob_buf b;
  struct ob_err err;
  bool fresh;
  int rc;
  snprintf(key, sizeof(key), "%d/%" PRIu64 "/%zu", (int)what, limit, si);
  e = cache_slot(d, key, &fresh);
  if (fresh) return e;
  if (what == W_FEEDS) {
    feeds_version(d, version, sizeof(version));
    if (e->body && version[0] && strcmp(version, e->version) == 0 && ob_mono_ms() - e->at_ms < 60 * CACHE_MS) {
      e->at_ms = ob_mono_ms() - CACHE_MS / 2; /* checked again in half a second */
      return e;
    }
  }
  ob_err_clear(&err);
  ob_buf_init(&b, BODY_MAX);
  rc = build(d, what, limit, si, &b, &err);
  if (!rc) rc = centry_set(e, 200, "application/json", &b);
  if (!rc) snprintf(e->version, sizeof(e->version), "%s", what == W_FEEDS ? version : "");
  ob_buf_release(&b);
  if (!rc) {
    e->at_ms = ob_mono_ms();
    return e;
  }
  centry_release(e);
  if (r) node_http_error(r, 503, "UNAVAILABLE", "%s", ob_err_msg(&err, rc));
  else OB_LOG(OB_LOG_WARN, "dashboard", "cannot build a document", "error", ob_err_msg(&err, rc), NULL);
  return NULL;
}

static void serve_json(struct node_dashboard *d, struct node_http_req *r, enum what what, uint64_t limit, size_t si) {
  struct centry *e = document(d, r, what, limit, si);
  if (e) send_entry(r, e, "no-cache");
}

/* ?limit=N: 0 when absent (then def); else checked 1..MAX_LIMIT. false: answered 400. */
static bool limit_arg(struct node_http_req *r, uint64_t def, uint64_t *out) {
  const char *s = node_http_query(r, "limit");
  *out = def;
  if (!s) return true;
  if (ob_parse_u64(out, s, "limit", NULL) || *out < 1 || *out > MAX_LIMIT) {
    node_http_error(r, 400, "BAD_REQUEST", "limit: expected an integer from 1 to %d, got '%.40s'", MAX_LIMIT, s);
    return false;
  }
  return true;
}

static bool no_other_args(struct node_http_req *r, const char *const *allowed, size_t n) {
  const char *name, *value;
  for (size_t i = 0; node_http_query_at(r, i, &name, &value); i++) {
    bool ok = false;
    for (size_t k = 0; k < n; k++) ok = ok || strcmp(name, allowed[k]) == 0;
    if (!ok) {
      node_http_error(r, 400, "BAD_REQUEST", "unknown query argument '%.40s'", name);
      return false;
    }
  }
  return true;
}

static void h_status(void *ud, struct node_http_req *r) {
  if (auth_json(ud, r) && no_other_args(r, NULL, 0)) serve_json(ud, r, W_STATUS, 0, 0);
}
static void h_feeds(void *ud, struct node_http_req *r) {
  if (auth_json(ud, r) && no_other_args(r, NULL, 0)) serve_json(ud, r, W_FEEDS, 0, 0);
}
static void h_pins(void *ud, struct node_http_req *r) {
  if (auth_json(ud, r) && no_other_args(r, NULL, 0)) serve_json(ud, r, W_PINS, 0, 0);
}
static void h_rounds(void *ud, struct node_http_req *r) {
  static const char *const args[] = {"limit"};
  uint64_t limit;
  if (auth_json(ud, r) && no_other_args(r, args, 1) && limit_arg(r, 20, &limit)) serve_json(ud, r, W_ROUNDS, limit, 0);
}
static void h_txs(void *ud, struct node_http_req *r) {
  static const char *const args[] = {"limit", "state"};
  const char *s;
  size_t si = 0;
  uint64_t limit;
  if (!auth_json(ud, r) || !no_other_args(r, args, 2) || !limit_arg(r, 50, &limit)) return;
  if ((s = node_http_query(r, "state"))) {
    for (si = 0; si < OB_ARRAY_LEN(tx_states) && strcmp(tx_states[si].name, s) != 0; si++) {
    }
    if (si == OB_ARRAY_LEN(tx_states)) {
      node_http_error(r, 400, "BAD_REQUEST",
                      "state: expected pending, bumped, failed, confirmed, superseded or all, got '%.40s'", s);
      return;
    }
  }
  serve_json(ud, r, W_TXS, limit, si);
}

/* ---- the page ---- */

static const struct ob_embedded_file *file_find(const char *name) {
  for (const struct ob_embedded_file *f = node_dashboard_files; f->name; f++)
    if (strcmp(f->name, name) == 0) return f;
  return NULL;
}

static const char *file_type(const char *name) {
  const char *dot = strrchr(name, '.');
  if (dot && strcmp(dot, ".js") == 0) return "text/javascript; charset=utf-8";
  if (dot && strcmp(dot, ".css") == 0) return "text/css; charset=utf-8";
  if (dot && strcmp(dot, ".svg") == 0) return "image/svg+xml";
  return "text/html; charset=utf-8";
}

static void h_file(void *ud, struct node_http_req *r) {
  struct node_dashboard *d = ud;
  const char *name = node_http_param(r, "file");
  const struct ob_embedded_file *f = name && strcmp(name, "index.html") != 0 ? file_find(name) : NULL;
  struct centry *e;
  struct ob_buf b;
  if (!f) {
    node_http_error(r, 404, "NOT_FOUND", "no dashboard file '%.100s'", name ? name : "");
    return;
  }
  e = &d->statics[(size_t)(f - node_dashboard_files) % OB_ARRAY_LEN(d->statics)];
  if (!e->body || strcmp(e->key, name) != 0) {
    ob_buf_init(&b, BODY_MAX);
    if (ob_buf_add(&b, f->data, f->len) || centry_set(e, 200, file_type(name), &b)) {
      ob_buf_release(&b);
      node_http_error(r, 500, "INTERNAL", "out of memory");
      return;
    }
    snprintf(e->key, sizeof(e->key), "%s", name);
  }
  /* The files only change with the binary: revalidated (ETag) on each load, never stale. */
  send_entry(r, e, "no-cache");
}

static void html_esc(struct ob_buf *b, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': ob_buf_addstr(b, "&lt;"); break;
    case '>': ob_buf_addstr(b, "&gt;"); break;
    case '&': ob_buf_addstr(b, "&amp;"); break;
    case '"': ob_buf_addstr(b, "&quot;"); break;
    case '\'': ob_buf_addstr(b, "&#39;"); break;
    default: ob_buf_addch(b, *s);
    }
  }
}

static const char *jstr(const struct ob_json *o, const char *k) {
  const struct ob_json *v = ob_json_get(o, k);
  if (ob_json_is(v, OB_JSON_STRING) || ob_json_is(v, OB_JSON_NUMBER)) return v->str;
  return NULL;
}

static void html_peer(struct ob_buf *b, const char *name, const struct ob_json *p, const char *extra) {
  bool ok = ob_json_is(ob_json_get(p, "ok"), OB_JSON_BOOL) && ob_json_get(p, "ok")->b;
  ob_buf_addf(b, "<li class=\"%s\" data-peer=\"", ok ? "up" : "down");
  html_esc(b, name);
  ob_buf_addstr(b, "\"><span class=\"badge\">");
  ob_buf_addstr(b, ok ? "up" : "down");
  ob_buf_addstr(b, "</span> ");
  html_esc(b, name);
  if (extra) ob_buf_addstr(b, " "), html_esc(b, extra);
  if (!ok && jstr(p, "error")) ob_buf_addstr(b, ": <span class=\"err\">"), html_esc(b, jstr(p, "error")), ob_buf_addstr(b, "</span>");
  ob_buf_addstr(b, "</li>");
}

static void html_counts(struct ob_buf *b, const char *title, const struct ob_json *o) {
  ob_buf_addstr(b, "<dt>");
  html_esc(b, title);
  ob_buf_addstr(b, "</dt><dd>");
  for (size_t i = 0; o && o->type == OB_JSON_OBJECT && i < o->len; i++) {
    ob_buf_addstr(b, i ? ", " : "");
    html_esc(b, o->items[i]->str);
    ob_buf_addch(b, ' ');
    html_esc(b, o->keys[i]);
  }
  if (!o || !o->len) ob_buf_addstr(b, "none");
  ob_buf_addstr(b, "</dd>");
}

/* The summary the page shows before (and without) its JavaScript, from the /v1/status document. */
static void html_summary(struct ob_buf *b, const struct ob_json *s) {
  const struct ob_json *peers = ob_json_get(s, "peers"), *rpc = ob_json_get(peers, "rpc"),
                       *f = ob_json_get(s, "feeds"), *lr = ob_json_get(s, "latest_round");
  const char *st = jstr(s, "status");
  ob_buf_addf(b, "<p class=\"overall %s\" id=\"overall\">Node ", st && strcmp(st, "ok") == 0 ? "up" : "down");
  html_esc(b, jstr(s, "node"));
  ob_buf_addstr(b, ": <strong>");
  html_esc(b, st);
  ob_buf_addstr(b, "</strong>, <span id=\"role\">");
  html_esc(b, jstr(s, "role"));
  ob_buf_addstr(b, "</span></p><ul class=\"peers\" id=\"peers-ssr\">");
  html_peer(b, "postgres", ob_json_get(peers, "postgres"), NULL);
  if (ob_json_get(peers, "ipfs")) html_peer(b, "ipfs", ob_json_get(peers, "ipfs"), NULL);
  for (size_t i = 0; rpc && i < rpc->len; i++) {
    char extra[64] = "";
    const struct ob_json *e = ob_json_at(rpc, i);
    if (jstr(e, "head")) snprintf(extra, sizeof(extra), "head %s, lag %s", jstr(e, "head"), jstr(e, "lag") ? jstr(e, "lag") : "?");
    html_peer(b, jstr(e, "url") ? jstr(e, "url") : "rpc", e, extra[0] ? extra : jstr(e, "health"));
  }
  ob_buf_addstr(b, "</ul><dl class=\"counts\"><dt>feeds</dt><dd>");
  html_esc(b, jstr(f, "count"));
  ob_buf_addstr(b, " (");
  html_esc(b, jstr(f, "stale"));
  ob_buf_addstr(b, " stale, ");
  html_esc(b, jstr(f, "sources_down"));
  ob_buf_addstr(b, " with a source down)</dd><dt>latest round</dt><dd id=\"latest-ssr\">");
  if (lr && lr->type == OB_JSON_OBJECT) {
    html_esc(b, jstr(lr, "round"));
    ob_buf_addstr(b, " (");
    html_esc(b, jstr(lr, "step"));
    ob_buf_addstr(b, ", ");
    html_esc(b, jstr(lr, "feeds"));
    ob_buf_addstr(b, " feeds, verify ");
    html_esc(b, jstr(lr, "verify"));
    ob_buf_addstr(b, ")");
  } else {
    ob_buf_addstr(b, "none yet");
  }
  ob_buf_addstr(b, "</dd>");
  html_counts(b, "transactions", ob_json_get(s, "txs"));
  html_counts(b, "pins", ob_json_get(s, "pins"));
  html_counts(b, "models", ob_json_get(s, "models"));
  ob_buf_addstr(b, "</dl>");
}

/* JSON inside <script type="application/json">: "</" cannot end the element. */
static void add_script_json(struct ob_buf *out, const char *key, const struct centry *e) {
  ob_buf_addf(out, "\"%s\":", key);
  for (size_t i = 0; i < e->len; i++) {
    if (e->body[i] == '<' && i + 1 < e->len && e->body[i + 1] == '/') ob_buf_addstr(out, "<\\");
    else ob_buf_addch(out, e->body[i]);
  }
}

/* The documents the page's first render needs besides the feeds (which it preloads), so it draws
 * without waiting for four more requests. */
static int initial_data(struct node_dashboard *d, struct node_http_req *r, struct ob_buf *out) {
  static const struct {
    const char *key;
    enum what what;
    uint64_t limit;
  } docs[] = {{"rounds", W_ROUNDS, 10}, {"txs", W_TXS, 20}, {"pins", W_PINS, 0}, {"status", W_STATUS, 0}};
  ob_buf_addstr(out, "<script type=\"application/json\" id=\"initial\">{");
  for (size_t i = 0; i < OB_ARRAY_LEN(docs); i++) {
    struct centry *e = document(d, r, docs[i].what, docs[i].limit, 0);
    if (!e) return OB_EIO; /* answered */
    if (i) ob_buf_addch(out, ',');
    add_script_json(out, docs[i].key, e);
  }
  return ob_buf_addstr(out, "}</script>");
}

static int render_page(struct node_dashboard *d, struct node_http_req *r, struct ob_buf *out) {
  const struct ob_embedded_file *f = file_find("index.html");
  const char *mark = f ? strstr(f->data, "<!--summary-->") : NULL, *mark2 = f ? strstr(f->data, "<!--initial-->") : NULL;
  struct centry *e;
  struct ob_json *s = NULL;
  int rc;
  if (!mark || !mark2 || mark2 < mark) return OB_ENOENT;
  /* The feeds now, so the page's preload of them is answered from memory, beside its scripts. */
  if (d->registry[0] && !document(d, r, W_FEEDS, 0, 0)) return OB_EIO;
  if ((rc = initial_data(d, r, out))) return rc;
  ob_buf_reset(out);
  if (!(e = document(d, r, W_STATUS, 0, 0))) return OB_EIO;
  rc = ob_json_parse(&s, e->body, e->len, NULL, NULL);
  if (!rc) rc = ob_buf_add(out, f->data, (size_t)(mark - f->data));
  if (!rc) html_summary(out, s);
  if (!rc) rc = ob_buf_add(out, mark, (size_t)(mark2 - mark));
  if (!rc) rc = initial_data(d, r, out);
  if (!rc) rc = ob_buf_addstr(out, mark2);
  ob_json_free(s);
  return rc;
}

static const char login_page[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\"><title>obridge: sign in</title><link rel=\"stylesheet\" href=\"/dash/style.css\"></head><body><main "
    "id=\"main\"><h1>obridge</h1><p>This node's dashboard needs an operator's access token (<code>obridge tenant token operator</code>).</p>"
    "<form method=\"post\" action=\"/dash/login\"><label for=\"token\">Access token</label> <input id=\"token\" "
    "name=\"token\" type=\"password\" autocomplete=\"off\" required> <button type=\"submit\">Sign in</button></form>"
    "</main></body></html>";

static void h_page(void *ud, struct node_http_req *r) {
  struct node_dashboard *d = ud;
  struct ob_buf b;
  const char *why = NULL;
  int st = unauthorized(d, r, &why);
  if (st) {
    node_http_add_header(r, "Cache-Control", "no-store");
    node_http_reply(r, st, "text/html; charset=utf-8", login_page, sizeof(login_page) - 1);
    return;
  }
  ob_buf_init(&b, BODY_MAX);
  int rc = render_page(d, r, &b);
  if (rc == OB_EIO) {
    ob_buf_release(&b);
    return;
  }
  if (rc) {
    node_http_error(r, 500, "INTERNAL", "cannot render the page");
  } else {
    node_http_add_header(r, "Cache-Control", "no-store");
    node_http_add_header(r, "Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'");
    node_http_add_header(r, "X-Content-Type-Options", "nosniff");
    node_http_reply(r, 200, "text/html; charset=utf-8", b.buf, b.len);
  }
  ob_buf_release(&b);
}

static int unhex(int c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* token=… from a form body (application/x-www-form-urlencoded). */
bool node__form_token(const char *body, char *out, size_t cap) {
  const char *p = body;
  size_t o = 0;
  while (p && *p && strncmp(p, "token=", 6) != 0) p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL;
  if (!p || !*p) return false;
  for (p += 6; *p && *p != '&'; p++) {
    if (o + 1 >= cap) return out[0] = 0, false; /* longer than any token: refused, not cut */
    if (*p == '%' && unhex(p[1]) >= 0 && unhex(p[2]) >= 0) out[o++] = (char)(unhex(p[1]) * 16 + unhex(p[2])), p += 2;
    else out[o++] = *p == '+' ? ' ' : *p;
    if (!out[o - 1]) return out[0] = 0, false; /* %00 */
  }
  out[o] = 0;
  return o > 0;
}

static void h_login(void *ud, struct node_http_req *r) {
  struct node_dashboard *d = ud;
  char tok[160], cookie[256];
  const char *why = NULL;
  int st;
  if (!node__form_token(node_http_body(r, NULL), tok, sizeof(tok)) || !token_shape(tok, strlen(tok))) {
    node_http_error(r, 400, "BAD_REQUEST", "expected a form with a well-formed token field");
    return;
  }
  if ((st = token_check(d, tok, &why))) {
    ob_memclear(tok, sizeof(tok));
    if (st == 401) node_http_add_header(r, "WWW-Authenticate", "Bearer");
    node_http_error(r, st, st == 401 ? "UNAUTHORIZED" : "FORBIDDEN", "%s", why);
    return;
  }
  snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict", tok);
  ob_memclear(tok, sizeof(tok));
  node_http_add_header(r, "Set-Cookie", cookie);
  ob_memclear(cookie, sizeof(cookie));
  node_http_add_header(r, "Location", "/");
  node_http_reply(r, 303, NULL, "", 0);
}

/* ---- lifecycle ---- */

static int cmp_cfg(const void *a, const void *b) {
  return strcmp(((const struct feedcfg *)a)->name, ((const struct feedcfg *)b)->name);
}

static void cfg_free(struct feedcfg *c, size_t n) {
  for (size_t i = 0; i < n; i++) ob_free(c[i].name);
  ob_free(c);
}

int node_dashboard_set_feeds(struct node_dashboard *d, const struct oracle_feed *feeds, size_t n) {
  struct feedcfg *c = ob_calloc(n ? n : 1, sizeof(*c));
  if (!c) return OB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    if (!(c[i].name = ob_strdup(feeds[i].name))) {
      cfg_free(c, i);
      return OB_ENOMEM;
    }
    c[i].heartbeat_s = feeds[i].heartbeat_s;
    c[i].deviation_bps = feeds[i].deviation_bps;
  }
  qsort(c, n, sizeof(*c), cmp_cfg);
  cfg_free(d->cfg, d->ncfg);
  d->cfg = c, d->ncfg = n;
  return 0;
}

int node_dashboard_new(struct node_dashboard **out, const struct node_dashboard_opts *o, struct ob_err *err) {
  struct node_dashboard *d;
  uint8_t reg[20];
  *out = NULL;
  if (o->registry && chain_addr_parse(reg, o->registry, NULL))
    return ob_err_set(err, OB_EINVAL, "dashboard: registry '%s' is not an address", o->registry);
  if (!(d = ob_calloc(1, sizeof(*d)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  d->o = *o;
  d->ipfs.fn = o->ipfs_check, d->ipfs.ud = o->ipfs_ud, d->ipfs.loop = o->loop;
  if (!d->o.spark_points) d->o.spark_points = 20;
  if (d->o.spark_points > 64) d->o.spark_points = 64;
  if (!d->o.version) d->o.version = "";
  if (!d->o.node_id) d->o.node_id = "";
  if (o->registry) ob_hex_encode0x(d->registry, reg, 20);
  *out = d;
  return 0;
}

int node_dashboard_add_routes(struct node_dashboard *d, struct node_http *http, struct ob_err *err) {
  int rc = node_http_route(http, "GET", "/", h_page, d, err);
  if (!rc) rc = node_http_route(http, "GET", "/dash/{file}", h_file, d, err);
  if (!rc) rc = node_http_route(http, "POST", "/dash/login", h_login, d, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/status", h_status, d, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/status/feeds", h_feeds, d, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/rounds", h_rounds, d, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/txs", h_txs, d, err);
  if (!rc) rc = node_http_route(http, "GET", "/v1/pins/summary", h_pins, d, err);
  return rc;
}

void node_dashboard_free(struct node_dashboard *d) {
  if (!d) return;
  node__ipfs_probe_release(&d->ipfs);
  for (size_t i = 0; i < NCACHE; i++) centry_release(&d->cache[i]);
  for (size_t i = 0; i < OB_ARRAY_LEN(d->statics); i++) centry_release(&d->statics[i]);
  cfg_free(d->cfg, d->ncfg);
  ob_free(d);
}
