/* The oracle round's state on PostgreSQL (oracle_store.h). */
#include "ob/node/oracle_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/sha256.h"
#include "ob/db/db.h"
#include "ob/node/round.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"
#include "ob/oracle/value.h"

#define RAW_MAX 2048 /* bytes of a source's raw text kept */

/* ---- PostgreSQL array literals ---- */

/* Append s (NULL: SQL NULL) to an array literal being built in b, quoted; bytes that are not valid
 * UTF-8 or are control characters become '?', so any source text stores. */
static int arr_add(struct ob_buf *b, const char *s, size_t cap) {
  int rc = !b->len ? OB_ENOMEM : b->buf[b->len - 1] == '{' ? 0 : ob_buf_addch(b, ',');
  if (!rc && !s) return ob_buf_add(b, "NULL", 4);
  if (!rc) rc = ob_buf_addch(b, '"');
  for (size_t i = 0; !rc && s[i] && i < cap;) {
    unsigned char ch = (unsigned char)s[i];
    size_t n = ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3 : (ch & 0xf8) == 0xf0 ? 4 : 0;
    bool ok = n > 0 && (n > 1 || ch >= 0x20) && !(n == 2 && ch < 0xc2);
    for (size_t j = 1; ok && j < n; j++) ok = ((unsigned char)s[i + j] & 0xc0) == 0x80;
    if (!ok) {
      rc = ob_buf_addch(b, '?');
      i++;
      continue;
    }
    if (ch == '"' || ch == '\\') rc = ob_buf_addch(b, '\\');
    if (!rc) rc = ob_buf_add(b, s + i, n);
    i += n;
  }
  if (!rc) rc = ob_buf_addch(b, '"');
  return rc;
}

/* An array literal under construction: "{" then elements; arr_end closes it and NUL-terminates. A
 * failed append leaves an empty buffer, which arr_add and arr_end then refuse (OB_ENOMEM). */
static void arr_begin(struct ob_buf *b) {
  ob_buf_init(b, (size_t)1 << 30);
  (void)ob_buf_addch(b, '{');
}
static int arr_end(struct ob_buf *b) {
  if (!b->len) return OB_ENOMEM;
  return ob_buf_add(b, "}", 2); /* with the NUL */
}

static void u64s(char out[24], uint64_t v) { snprintf(out, 24, "%" PRIu64, v); }

/* ---- a fenced transaction ---- */

struct ftx {
  const struct node_oracle_ctx *c;
  int (*fn)(struct db *db, struct ftx *t, struct ob_err *err);
  const void *a;
  size_t n;
  const void *b;
  const void *ids;
  size_t nids;
  const struct node_oracle_round_row *r;
  size_t *out;
  const char *text;
  uint64_t round;
  const bool *obs_outl;     /* collect_tx: each observation's outlier flag */
  const void *aggs;         /* collect_tx: the aggregates */
  size_t naggs;
  char (*dues)[12];         /* agg_part: each aggregate's trigger ("" not due), when not NULL */
};

static int ftx_run(struct db *db, void *ud, struct ob_err *err) {
  struct ftx *t = ud;
  int rc = node_fence_check(db, t->c->fence, err);
  return rc ? rc : t->fn(db, t, err);
}

/* ---- feeds ---- */

void node_oracle_feed_hash(char hex[65], const struct oracle_feed *f) {
  struct ob_sha256 h;
  uint8_t d[32];
  char num[64];
  ob_sha256_init(&h);
  snprintf(num, sizeof(num), "%u|%u|%u|%u|", f->decimals, f->quorum, f->deviation_bps, f->heartbeat_s);
  ob_sha256_update(&h, f->name, strlen(f->name) + 1);
  ob_sha256_update(&h, num, strlen(num));
  ob_sha256_update(&h, f->k.text, strlen(f->k.text) + 1);
  for (size_t i = 0; i < f->nsources; i++) {
    const struct oracle_source *s = &f->sources[i];
    const char *parts[] = {s->name, s->url, s->path, s->multiply ? s->multiply : "", s->divide ? s->divide : "",
                           s->invert ? "1" : "0"};
    for (size_t j = 0; j < 6; j++) ob_sha256_update(&h, parts[j], strlen(parts[j]) + 1);
    for (size_t j = 0; j < s->nheaders; j++) {
      ob_sha256_update(&h, s->headers[j].name, strlen(s->headers[j].name) + 1);
      ob_sha256_update(&h, s->headers[j].env, strlen(s->headers[j].env) + 1);
    }
  }
  ob_sha256_final(&h, d);
  ob_hex_encode(hex, d, 32);
}

int node_oracle_feeds_seen(const struct node_oracle_ctx *c, const struct oracle_feed *const *feeds, size_t n,
                           struct ob_err *err) {
  struct ob_buf names, hashes, decs;
  int rc = 0;
  arr_begin(&names), arr_begin(&hashes), arr_begin(&decs);
  for (size_t i = 0; !rc && i < n; i++) {
    char hex[65], d[8];
    node_oracle_feed_hash(hex, feeds[i]);
    snprintf(d, sizeof(d), "%u", feeds[i]->decimals);
    rc = arr_add(&names, feeds[i]->name, 64);
    if (!rc) rc = arr_add(&hashes, hex, 64);
    if (!rc) rc = arr_add(&decs, d, 8);
  }
  if (!rc) rc = arr_end(&names) || arr_end(&hashes) || arr_end(&decs) ? OB_ENOMEM : 0;
  if (rc) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  else {
    const char *p[3] = {names.buf, hashes.buf, decs.buf};
    rc = db_exec(c->db, NULL, DB_RETRY,
                 "INSERT INTO oracle_feeds AS f (name, config_hash, decimals) "
                 "SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) "
                 "ON CONFLICT (name) DO UPDATE SET last_seen = now(), decimals = EXCLUDED.decimals, "
                 "config_hash = EXCLUDED.config_hash, "
                 "changed_at = CASE WHEN f.config_hash = EXCLUDED.config_hash THEN f.changed_at ELSE now() END "
                 /* an unchanged feed's row is rewritten at most once a minute: every round (1,000 feeds)
                  * rewrote them all, ~25 ms; last_seen is then exact to a minute */
                 "WHERE f.config_hash <> EXCLUDED.config_hash OR f.decimals <> EXCLUDED.decimals "
                 "OR f.last_seen < now() - interval '1 minute'",
                 3, p, err);
  }
  ob_buf_release(&names), ob_buf_release(&hashes), ob_buf_release(&decs);
  return rc;
}

/* ---- rounds ---- */

static int open_tx(struct db *db, struct ftx *t, struct ob_err *err) {
  const struct node_oracle_ctx *c = t->c;
  struct node_oracle_round_row *r = (struct node_oracle_round_row *)t->a;
  struct db_res *res = NULL;
  char cid[24], latest[24], tok[24];
  const char *p[5] = {cid, c->registry, latest, c->holder, tok};
  int rc;
  u64s(cid, c->chain_id);
  u64s(latest, t->round);
  u64s(tok, c->fence ? c->fence->token : 0);
  /* The number: after the chain's latest, every commit round and every oracle round that counted. A
   * nothing-due row of that number is taken again (attempt + 1). */
  rc = db_exec(db, &res, 0,
               "WITH n AS (SELECT greatest($3::bigint, "
               " (SELECT coalesce(max(round), 0) FROM rounds WHERE chain_id = $1 AND registry = $2), "
               " (SELECT coalesce(max(round), 0) FROM oracle_rounds WHERE chain_id = $1 AND registry = $2 "
               "   AND state <> 'nothing-due')) + 1 AS round) "
               "INSERT INTO oracle_rounds AS o (chain_id, registry, round, state, holder, fence_token) "
               "SELECT $1, $2, n.round, 'collect', $4, $5 FROM n "
               "ON CONFLICT (chain_id, registry, round) DO UPDATE SET state = 'collect', attempt = o.attempt + 1, "
               " holder = EXCLUDED.holder, fence_token = EXCLUDED.fence_token, error = NULL, feeds_due = NULL, "
               " started_at = now(), updated_at = now() WHERE o.state = 'nothing-due' "
               "RETURNING round, attempt, state",
               5, p, err);
  if (!rc && db_res_rows(res) != 1)
    rc = ob_err_set(err, OB_ECONFLICT, "cannot open an oracle round: the next number is taken by a round in progress");
  if (!rc) {
    r->round = strtoull(db_res_get(res, 0, 0), NULL, 10);
    r->attempt = (uint32_t)strtoul(db_res_get(res, 0, 1), NULL, 10);
    snprintf(r->state, sizeof(r->state), "%s", db_res_get(res, 0, 2));
  }
  db_res_free(res);
  return rc;
}

int node_oracle_round_open(const struct node_oracle_ctx *c, uint64_t chain_latest, struct node_oracle_round_row *r,
                           bool *resumed, struct ob_err *err) {
  struct db_res *res = NULL;
  struct ftx t;
  char cid[24];
  const char *p[2] = {cid, c->registry};
  int rc;
  u64s(cid, c->chain_id);
  *resumed = false;
  memset(r, 0, sizeof(*r));
  rc = db_exec(c->db, &res, DB_RETRY,
               "SELECT round, attempt, state FROM oracle_rounds WHERE chain_id = $1 AND registry = $2 "
               "AND state NOT IN ('confirmed', 'nothing-due', 'superseded') ORDER BY round LIMIT 1",
               2, p, err);
  if (!rc && db_res_rows(res) == 1) {
    r->round = strtoull(db_res_get(res, 0, 0), NULL, 10);
    r->attempt = (uint32_t)strtoul(db_res_get(res, 0, 1), NULL, 10);
    snprintf(r->state, sizeof(r->state), "%s", db_res_get(res, 0, 2));
    *resumed = true;
  }
  db_res_free(res);
  if (rc || *resumed) return rc;
  memset(&t, 0, sizeof(t));
  t.c = c, t.fn = open_tx, t.a = r, t.round = chain_latest;
  return db_tx(c->db, ftx_run, &t, err);
}

int node_oracle_round_set(struct db *db, const struct node_oracle_ctx *c, uint64_t round, const char *state,
                          struct ob_err *err) {
  char cid[24], rn[24], tok[24];
  const char *p[6] = {cid, c->registry, rn, state, c->holder, tok};
  u64s(cid, c->chain_id);
  u64s(rn, round);
  u64s(tok, c->fence ? c->fence->token : 0);
  return db_exec(db, NULL, 0,
                 "UPDATE oracle_rounds SET state = $4, holder = coalesce($5, holder), fence_token = $6, error = NULL, "
                 "updated_at = now() WHERE chain_id = $1 AND registry = $2 AND round = $3",
                 6, p, err);
}

static int fail_tx(struct db *db, struct ftx *t, struct ob_err *err) {
  char cid[24], rn[24];
  const char *p[4] = {cid, t->c->registry, rn, t->text};
  u64s(cid, t->c->chain_id);
  u64s(rn, t->round);
  return db_exec(db, NULL, 0,
                 "UPDATE oracle_rounds SET error = $4, updated_at = now() WHERE chain_id = $1 AND registry = $2 AND round = $3",
                 4, p, err);
}

int node_oracle_round_fail(const struct node_oracle_ctx *c, uint64_t round, const char *error, struct ob_err *err) {
  struct ftx t;
  memset(&t, 0, sizeof(t));
  t.c = c, t.fn = fail_tx, t.round = round, t.text = error;
  return db_tx(c->db, ftx_run, &t, err);
}

int node_oracle_round_confirm(struct db *db, const struct node_oracle_ctx *c, uint64_t round, struct ob_err *err) {
  char cid[24], rn[24];
  const char *p[3] = {cid, c->registry, rn};
  int rc = node_oracle_round_set(db, c, round, "confirmed", err);
  u64s(cid, c->chain_id);
  u64s(rn, round);
  if (!rc)
    rc = db_exec(db, NULL, 0,
                 "INSERT INTO oracle_feed_last AS l (chain_id, registry, feed, round, value, decimals, observed_at) "
                 "SELECT chain_id, registry, feed, round, value, decimals, observed_at FROM oracle_aggregates "
                 "WHERE chain_id = $1 AND registry = $2 AND round = $3 AND due IS NOT NULL AND value IS NOT NULL "
                 "ON CONFLICT (chain_id, registry, feed) DO UPDATE SET round = EXCLUDED.round, value = EXCLUDED.value, "
                 "decimals = EXCLUDED.decimals, observed_at = EXCLUDED.observed_at, committed_at = now() "
                 "WHERE l.round < EXCLUDED.round",
                 3, p, err);
  return rc;
}

static int abandon_tx(struct db *db, struct ftx *t, struct ob_err *err) {
  char cid[24], rn[24];
  const char *p[4] = {cid, t->c->registry, rn, t->text};
  int rc;
  u64s(cid, t->c->chain_id);
  u64s(rn, t->round);
  /* Only a commit never sent: a submitted one may still be mined. */
  rc = db_exec(db, NULL, 0,
               "UPDATE rounds SET step = 'superseded', updated_at = now() WHERE chain_id = $1 AND registry = $2 "
               "AND round = $3 AND step IN ('built', 'pinned', 'signed')",
               3, p, err);
  if (!rc)
    rc = db_exec(db, NULL, 0,
                 "UPDATE oracle_rounds o SET state = 'superseded', error = $4, updated_at = now() WHERE chain_id = $1 "
                 "AND registry = $2 AND round = $3 AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.chain_id = $1 "
                 "AND r.registry = $2 AND r.round = $3 AND r.step NOT IN ('built', 'pinned', 'signed', 'superseded'))",
                 4, p, err);
  return rc;
}

int node_oracle_round_abandon(const struct node_oracle_ctx *c, uint64_t round, const char *why, struct ob_err *err) {
  struct ftx t;
  memset(&t, 0, sizeof(t));
  t.c = c, t.fn = abandon_tx, t.round = round, t.text = why;
  return db_tx(c->db, ftx_run, &t, err);
}

int node_oracle_round_age(const struct node_oracle_ctx *c, uint64_t round, uint64_t *age_s, struct ob_err *err) {
  struct db_res *res = NULL;
  char cid[24], rn[24];
  const char *p[3] = {cid, c->registry, rn};
  int rc;
  u64s(cid, c->chain_id);
  u64s(rn, round);
  *age_s = 0;
  rc = db_exec(c->db, &res, DB_RETRY,
               "SELECT greatest(0, extract(epoch FROM now() - started_at))::bigint FROM oracle_rounds "
               "WHERE chain_id = $1 AND registry = $2 AND round = $3",
               3, p, err);
  if (!rc && db_res_rows(res) == 1) *age_s = strtoull(db_res_get(res, 0, 0), NULL, 10);
  db_res_free(res);
  return rc;
}

/* ---- observations ---- */

static int obs_part(struct db *db, struct ftx *t, struct ob_err *err) {
  const struct oracle_obs *obs = t->a;
  struct ob_buf a[9];
  char cid[24], rn[24], at[24];
  int rc = 0;
  u64s(cid, t->c->chain_id);
  u64s(rn, t->r->round);
  snprintf(at, sizeof(at), "%" PRIu32, t->r->attempt);
  for (size_t i = 0; i < 9; i++) arr_begin(&a[i]);
  for (size_t i = 0; !rc && i < t->n; i++) {
    const struct oracle_obs *o = &obs[i];
    char v[CHAIN_U256_DEC_MAX], hs[16], lat[16], ams[24];
    snprintf(hs, sizeof(hs), "%d", o->http_status);
    snprintf(lat, sizeof(lat), "%" PRIu32, o->latency_ms);
    u64s(ams, o->at_ms);
    if (!o->rc) oracle_value_to_text(v, &o->value);
    rc = arr_add(&a[0], o->feed->name, 64);
    if (!rc) rc = arr_add(&a[1], o->source->name, 256);
    if (!rc) rc = arr_add(&a[2], o->raw, RAW_MAX);
    if (!rc) rc = arr_add(&a[3], o->rc ? NULL : v, sizeof(v));
    if (!rc) rc = arr_add(&a[4], o->rc ? (o->error ? o->error : "error") : NULL, 1024);
    if (!rc) rc = arr_add(&a[5], o->http_status ? hs : NULL, 16);
    if (!rc) rc = arr_add(&a[6], lat, 16);
    if (!rc) rc = arr_add(&a[7], ams, 24);
    if (!rc) rc = arr_add(&a[8], !t->obs_outl ? NULL : t->obs_outl[i] ? "t" : "f", 2);
  }
  for (size_t i = 0; !rc && i < 9; i++) rc = arr_end(&a[i]);
  if (rc) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  if (!rc) {
    const char *p[4] = {cid, t->c->registry, rn, at};
    rc = db_exec(db, NULL, 0,
                 "DELETE FROM oracle_observations WHERE chain_id = $1 AND registry = $2 AND round = $3 AND attempt = $4",
                 4, p, err);
  }
  if (!rc) {
    const char *p[13] = {cid, t->c->registry, rn, at, a[0].buf, a[1].buf, a[2].buf, a[3].buf, a[4].buf, a[5].buf,
                         a[6].buf, a[7].buf, a[8].buf};
    rc = db_exec(db, NULL, 0,
                 "INSERT INTO oracle_observations (chain_id, registry, round, attempt, feed, source, raw, value, error, "
                 "http_status, latency_ms, at_ms, outlier) SELECT $1, $2, $3, $4, * FROM unnest($5::text[], $6::text[], "
                 "$7::text[], $8::numeric[], $9::text[], $10::int[], $11::int[], $12::bigint[], $13::bool[])",
                 13, p, err);
  }
  for (size_t i = 0; i < 9; i++) ob_buf_release(&a[i]);
  return rc;
}

static int obs_tx(struct db *db, struct ftx *t, struct ob_err *err) {
  int rc = obs_part(db, t, err);
  return rc ? rc : node_oracle_round_set(db, t->c, t->r->round, "aggregate", err);
}

int node_oracle_obs_store(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                          const struct oracle_obs *obs, size_t n, struct ob_err *err) {
  struct ftx t;
  memset(&t, 0, sizeof(t));
  t.c = c, t.fn = obs_tx, t.a = obs, t.n = n, t.r = r;
  return db_tx(c->db, ftx_run, &t, err);
}

void node_oracle_obs_rows_free(struct node_oracle_obs_row *rows, size_t n) {
  for (size_t i = 0; rows && i < n; i++) {
    ob_free(rows[i].feed);
    ob_free(rows[i].source);
    ob_free(rows[i].raw);
    ob_free(rows[i].error);
  }
  ob_free(rows);
}

static char *dup_or_null(const char *s) { return s ? ob_strdup(s) : NULL; }

#define OBS_COLS                                                                                         \
  "id, round, attempt, feed, source, raw, value::text, error, coalesce(http_status, 0), latency_ms, at_ms, " \
  "CASE WHEN outlier IS NULL THEN -1 WHEN outlier THEN 1 ELSE 0 END, "                                    \
  "to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static int obs_rows(struct db_res *res, struct node_oracle_obs_row **rows, size_t *n, struct ob_err *err) {
  size_t m = db_res_rows(res);
  *rows = m ? ob_calloc(m, sizeof(**rows)) : NULL;
  if (m && !*rows) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < m; i++) {
    struct node_oracle_obs_row *o = &(*rows)[i];
    const char *v = db_res_get(res, i, 6);
    o->id = strtoll(db_res_get(res, i, 0), NULL, 10);
    o->round = strtoull(db_res_get(res, i, 1), NULL, 10);
    o->attempt = (uint32_t)strtoul(db_res_get(res, i, 2), NULL, 10);
    o->feed = ob_strdup(db_res_get(res, i, 3));
    o->source = ob_strdup(db_res_get(res, i, 4));
    o->raw = dup_or_null(db_res_get(res, i, 5));
    o->error = dup_or_null(db_res_get(res, i, 7));
    o->http_status = (int)strtol(db_res_get(res, i, 8), NULL, 10);
    o->latency_ms = (uint32_t)strtoul(db_res_get(res, i, 9), NULL, 10);
    o->at_ms = strtoull(db_res_get(res, i, 10), NULL, 10);
    o->outlier = (int)strtol(db_res_get(res, i, 11), NULL, 10);
    snprintf(o->observed_at, sizeof(o->observed_at), "%s", db_res_get(res, i, 12));
    *n = i + 1;
    if (!o->feed || !o->source) return ob_err_set(err, OB_ENOMEM, "out of memory");
    if (v && oracle_value_parse_canonical(&o->value, v, "stored value", err) == 0) o->has_value = true;
    else if (v) return OB_EPARSE;
  }
  return 0;
}

int node_oracle_obs_load(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                         struct node_oracle_obs_row **rows, size_t *n, struct ob_err *err) {
  struct db_res *res = NULL;
  char cid[24], rn[24], at[24];
  const char *p[4] = {cid, c->registry, rn, at};
  int rc;
  u64s(cid, c->chain_id);
  u64s(rn, r->round);
  snprintf(at, sizeof(at), "%" PRIu32, r->attempt);
  *rows = NULL, *n = 0;
  rc = db_exec(c->db, &res, DB_RETRY,
               "SELECT " OBS_COLS " FROM oracle_observations WHERE chain_id = $1 AND registry = $2 AND round = $3 "
               "AND attempt = $4 ORDER BY convert_to(feed, 'UTF8'), convert_to(source, 'UTF8')",
               4, p, err);
  if (!rc) rc = obs_rows(res, rows, n, err);
  db_res_free(res);
  return rc;
}

int node_oracle_obs_last(const struct node_oracle_ctx *c, const char *feed, struct node_oracle_obs_row **rows,
                         size_t *n, struct ob_err *err) {
  struct db_res *res = NULL;
  char cid[24];
  const char *p[3] = {cid, c->registry, feed};
  int rc;
  u64s(cid, c->chain_id);
  *rows = NULL, *n = 0;
  rc = db_exec(c->db, &res, DB_RETRY,
               "WITH last AS (SELECT round, attempt FROM oracle_observations WHERE chain_id = $1 AND registry = $2 "
               " AND feed = $3 ORDER BY id DESC LIMIT 1) "
               "SELECT " OBS_COLS " FROM oracle_observations o JOIN last USING (round, attempt) "
               "WHERE o.chain_id = $1 AND o.registry = $2 AND o.feed = $3 ORDER BY convert_to(source, 'UTF8')",
               3, p, err);
  if (!rc) rc = obs_rows(res, rows, n, err);
  db_res_free(res);
  return rc;
}

/* ---- aggregates and triggers ---- */

static int agg_part(struct db *db, struct ftx *t, struct ob_err *err) {
  const struct node_oracle_agg_row *a = t->a;
  const int64_t *ids = t->ids;
  const bool *outl = t->b;
  struct ob_buf b[11], oi, of;
  struct db_res *res = NULL;
  char cid[24], rn[24];
  int rc = 0;
  u64s(cid, t->c->chain_id);
  u64s(rn, t->r->round);
  for (size_t i = 0; i < 11; i++) arr_begin(&b[i]);
  arr_begin(&oi), arr_begin(&of);
  for (size_t i = 0; !rc && i < t->n; i++) {
    char v[CHAIN_U256_DEC_MAX], d[8], q[16], cn[16], rm[16], oa[24], bps[16], hb[16];
    if (a[i].ok) oracle_value_to_text(v, &a[i].value);
    snprintf(d, sizeof(d), "%u", a[i].decimals);
    snprintf(q, sizeof(q), "%" PRIu32, a[i].quorum);
    snprintf(cn, sizeof(cn), "%" PRIu32, a[i].counted);
    snprintf(rm, sizeof(rm), "%" PRIu32, a[i].remaining);
    u64s(oa, a[i].observed_at);
    snprintf(bps, sizeof(bps), "%" PRIu32, a[i].deviation_bps);
    snprintf(hb, sizeof(hb), "%" PRIu32, a[i].heartbeat_s);
    const char *vals[11] = {a[i].feed, d, a[i].k, q, a[i].ok ? v : NULL, a[i].ok ? NULL : a[i].left_out, cn, rm, oa, bps, hb};
    for (size_t j = 0; !rc && j < 11; j++) rc = arr_add(&b[j], vals[j], 256);
  }
  for (size_t i = 0; !rc && i < t->nids; i++) {
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, ids[i]);
    rc = arr_add(&oi, id, 24);
    if (!rc) rc = arr_add(&of, outl[i] ? "t" : "f", 2);
  }
  for (size_t i = 0; !rc && i < 11; i++) rc = arr_end(&b[i]);
  if (!rc) rc = arr_end(&oi) || arr_end(&of) ? OB_ENOMEM : 0;
  if (rc) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  if (!rc) {
    const char *p[3] = {cid, t->c->registry, rn};
    rc = db_exec(db, NULL, 0, "DELETE FROM oracle_aggregates WHERE chain_id = $1 AND registry = $2 AND round = $3", 3, p,
                 err);
  }
  if (!rc && t->nids) {
    const char *p[5] = {oi.buf, of.buf};
    rc = db_exec(db, NULL, 0,
                 "UPDATE oracle_observations o SET outlier = u.f FROM unnest($1::bigint[], $2::bool[]) AS u(id, f) "
                 "WHERE o.id = u.id",
                 2, p, err);
  }
  if (!rc) {
    /* The triggers, from the database: the first value of a feed (or after its decimals changed), a
     * move of at least deviation_bps from the last committed value, or the heartbeat. */
    const char *p[14] = {cid, t->c->registry, rn, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, b[5].buf,
                         b[6].buf, b[7].buf, b[8].buf, b[9].buf, b[10].buf};
    rc = db_exec(db, &res, 0,
                 "WITH a AS (SELECT * FROM unnest($4::text[], $5::int[], $6::text[], $7::int[], $8::numeric[], "
                 " $9::text[], $10::int[], $11::int[], $12::bigint[], $13::bigint[], $14::bigint[]) "
                 " AS x(feed, decimals, k, quorum, value, left_out, counted, remaining, observed_at, bps, hb)), "
                 "ins AS (INSERT INTO oracle_aggregates (chain_id, registry, round, feed, decimals, k, quorum, value, "
                 " left_out, counted, remaining, observed_at, due) "
                 " SELECT $1, $2, $3, a.feed, a.decimals, a.k, a.quorum, a.value, a.left_out, a.counted, a.remaining, "
                 "  a.observed_at, CASE WHEN a.value IS NULL THEN NULL "
                 "   WHEN l.feed IS NULL OR l.decimals <> a.decimals THEN 'first' "
                 "   WHEN a.bps > 0 AND a.value <> l.value AND abs(a.value - l.value) * 10000 >= a.bps * abs(l.value) "
                 "    THEN 'deviation' "
                 "   WHEN a.observed_at - l.observed_at >= a.hb THEN 'heartbeat' END "
                 " FROM a LEFT JOIN oracle_feed_last l ON l.chain_id = $1 AND l.registry = $2 AND l.feed = a.feed "
                 " RETURNING feed, due) "
                 "SELECT feed, due FROM ins WHERE due IS NOT NULL ORDER BY convert_to(feed, 'UTF8')",
                 14, p, err);
  }
  if (!rc) {
    char nd[24];
    const char *p[4] = {cid, t->c->registry, rn, nd};
    *t->out = db_res_rows(res);
    /* the due feeds, in the aggregates' order (both by feed, byte order) */
    for (size_t i = 0, j = 0; t->dues && i < t->n; i++) {
      t->dues[i][0] = 0;
      if (j < *t->out && strcmp(db_res_get(res, j, 0), a[i].feed) == 0)
        snprintf(t->dues[i], sizeof(t->dues[i]), "%s", db_res_get(res, j++, 1));
    }
    u64s(nd, *t->out);
    rc = node_oracle_round_set(db, t->c, t->r->round, *t->out ? "batch" : "nothing-due", err);
    if (!rc)
      rc = db_exec(db, NULL, 0,
                   "UPDATE oracle_rounds SET feeds_due = $4 WHERE chain_id = $1 AND registry = $2 AND round = $3", 4, p,
                   err);
  }
  db_res_free(res);
  for (size_t i = 0; i < 11; i++) ob_buf_release(&b[i]);
  ob_buf_release(&oi), ob_buf_release(&of);
  return rc;
}

int node_oracle_aggregates_store(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                                 const struct node_oracle_agg_row *a, size_t n, const int64_t *ids,
                                 const bool *outlier, size_t nids, size_t *due, struct ob_err *err) {
  struct ftx t;
  memset(&t, 0, sizeof(t));
  t.c = c, t.fn = agg_part, t.a = a, t.n = n, t.r = r, t.ids = ids, t.b = outlier, t.nids = nids, t.out = due;
  return db_tx(c->db, ftx_run, &t, err);
}

/* obs_part then agg_part: the aggregates' rows are t->aggs. */
static int collect_tx(struct db *db, struct ftx *t, struct ob_err *err) {
  int rc = obs_part(db, t, err);
  struct ftx u = *t;
  if (rc) return rc;
  u.a = t->aggs, u.n = t->naggs, u.ids = NULL, u.nids = 0;
  return agg_part(db, &u, err);
}

int node_oracle_collect_store(const struct node_oracle_ctx *c, const struct node_oracle_round_row *r,
                              const struct oracle_obs *obs, const bool *outlier, size_t n,
                              const struct node_oracle_agg_row *aggs, size_t naggs, char (*dues)[12], size_t *due,
                              struct ob_err *err) {
  struct ftx t;
  memset(&t, 0, sizeof(t));
  t.c = c, t.fn = collect_tx, t.a = obs, t.n = n, t.r = r, t.obs_outl = outlier, t.aggs = aggs, t.naggs = naggs;
  t.dues = dues, t.out = due;
  return db_tx(c->db, ftx_run, &t, err);
}

#define AGG_COLS                                                                                        \
  "feed, decimals, k, quorum, value::text, coalesce(left_out, ''), counted, remaining, observed_at, " \
  "coalesce(due, ''), round"

static int agg_row(struct db_res *res, size_t i, struct node_oracle_agg_row *a, struct ob_err *err) {
  const char *v = db_res_get(res, i, 4);
  memset(a, 0, sizeof(*a));
  snprintf(a->feed, sizeof(a->feed), "%s", db_res_get(res, i, 0));
  a->decimals = (uint8_t)strtoul(db_res_get(res, i, 1), NULL, 10);
  snprintf(a->k, sizeof(a->k), "%s", db_res_get(res, i, 2));
  a->quorum = (uint32_t)strtoul(db_res_get(res, i, 3), NULL, 10);
  snprintf(a->left_out, sizeof(a->left_out), "%s", db_res_get(res, i, 5));
  a->counted = (uint32_t)strtoul(db_res_get(res, i, 6), NULL, 10);
  a->remaining = (uint32_t)strtoul(db_res_get(res, i, 7), NULL, 10);
  a->observed_at = strtoull(db_res_get(res, i, 8), NULL, 10);
  snprintf(a->due, sizeof(a->due), "%s", db_res_get(res, i, 9));
  a->round = strtoull(db_res_get(res, i, 10), NULL, 10);
  a->ok = v != NULL;
  return v ? oracle_value_parse_canonical(&a->value, v, "stored aggregate", err) : 0;
}

int node_oracle_aggregates_load(const struct node_oracle_ctx *c, uint64_t round, struct node_oracle_agg_row **rows,
                                size_t *n, struct ob_err *err) {
  struct db_res *res = NULL;
  char cid[24], rn[24];
  const char *p[3] = {cid, c->registry, rn};
  int rc;
  u64s(cid, c->chain_id);
  u64s(rn, round);
  *rows = NULL, *n = 0;
  rc = db_exec(c->db, &res, DB_RETRY,
               "SELECT " AGG_COLS " FROM oracle_aggregates WHERE chain_id = $1 AND registry = $2 AND round = $3 "
               "ORDER BY convert_to(feed, 'UTF8')",
               3, p, err);
  if (!rc && db_res_rows(res) && !(*rows = ob_calloc(db_res_rows(res), sizeof(**rows))))
    rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < db_res_rows(res); i++) {
    rc = agg_row(res, i, &(*rows)[i], err);
    *n = i + 1;
  }
  db_res_free(res);
  return rc;
}

int node_oracle_aggregate_last(const struct node_oracle_ctx *c, const char *feed, struct node_oracle_agg_row *row,
                               bool *found, struct ob_err *err) {
  struct db_res *res = NULL;
  char cid[24];
  const char *p[3] = {cid, c->registry, feed};
  int rc;
  u64s(cid, c->chain_id);
  *found = false;
  rc = db_exec(c->db, &res, DB_RETRY,
               "SELECT " AGG_COLS " FROM oracle_aggregates WHERE chain_id = $1 AND registry = $2 AND feed = $3 "
               "ORDER BY round DESC LIMIT 1",
               3, p, err);
  if (!rc && db_res_rows(res) == 1) {
    rc = agg_row(res, 0, row, err);
    *found = rc == 0;
  }
  db_res_free(res);
  return rc;
}

int node_oracle_last_get(const struct node_oracle_ctx *c, const char *feed, struct node_oracle_last *l, bool *found,
                         struct ob_err *err) {
  struct db_res *res = NULL;
  char cid[24];
  const char *p[3] = {cid, c->registry, feed};
  int rc;
  u64s(cid, c->chain_id);
  *found = false;
  memset(l, 0, sizeof(*l));
  rc = db_exec(c->db, &res, DB_RETRY,
               "SELECT round, value::text, decimals, observed_at, "
               "to_char(committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM oracle_feed_last "
               "WHERE chain_id = $1 AND registry = $2 AND feed = $3",
               3, p, err);
  if (!rc && db_res_rows(res) == 1) {
    l->round = strtoull(db_res_get(res, 0, 0), NULL, 10);
    rc = oracle_value_parse_canonical(&l->value, db_res_get(res, 0, 1), "stored value", err);
    l->decimals = (uint8_t)strtoul(db_res_get(res, 0, 2), NULL, 10);
    l->observed_at = strtoull(db_res_get(res, 0, 3), NULL, 10);
    snprintf(l->committed_at, sizeof(l->committed_at), "%s", db_res_get(res, 0, 4));
    *found = rc == 0;
  }
  db_res_free(res);
  return rc;
}

/* ---- retention ---- */

int node_oracle_retention(struct db *db, uint32_t days, uint32_t batch, uint32_t max_batches, uint64_t *deleted,
                          struct ob_err *err) {
  char d[16], b[16];
  const char *p[2] = {d, b};
  uint64_t total = 0;
  int rc = 0;
  snprintf(d, sizeof(d), "%" PRIu32, days);
  snprintf(b, sizeof(b), "%" PRIu32, batch ? batch : 1);
  for (uint32_t i = 0; !rc && i < max_batches; i++) {
    struct db_res *res = NULL;
    uint64_t n;
    /* Bounded: each statement deletes at most `batch` of the oldest rows, so no long lock and no
     * huge transaction, whatever has piled up. */
    rc = db_exec(db, &res, DB_RETRY,
                 "DELETE FROM oracle_observations WHERE id IN (SELECT id FROM oracle_observations "
                 "WHERE observed_at < now() - make_interval(days => $1::int) ORDER BY observed_at LIMIT $2::int)",
                 2, p, err);
    n = rc ? 0 : strtoull(db_res_cmd_tuples(res), NULL, 10);
    db_res_free(res);
    total += n;
    if (n < (batch ? batch : 1)) break;
  }
  if (deleted) *deleted = total;
  return rc;
}
