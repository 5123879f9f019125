/* The transaction manager's store on PostgreSQL (tables of migrations/0003_chain.sql). Every
 * multi-statement change runs in one database transaction (db_tx). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ob/chain/txm.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"
#include "ob/node/txm_store.h"

struct u64s {
  char v[8][24];
};
static const char *u64s(struct u64s *s, int i, uint64_t x) {
  snprintf(s->v[i], sizeof(s->v[i]), "%" PRIu64, x);
  return s->v[i];
}

/* data as hex text for decode($n, 'hex'); owned, ob_free. */
static char *hex_of(const uint8_t *p, size_t n) {
  char *h = ob_malloc(2 * n + 1);
  if (h) ob_hex_encode(h, p, n);
  return h;
}

static int parse_u64_col(const struct db_res *res, size_t row, size_t col, uint64_t *out, struct ob_err *err) {
  const char *v = db_res_get(res, row, col);
  *out = 0;
  return v ? ob_parse_u64(out, v, db_res_name(res, col), err) : 0;
}

/* A numeric(78,0) column read as text; NULL is 0. */
static int parse_u256_col(const struct db_res *res, size_t row, size_t col, struct chain_u256 *out, struct ob_err *err) {
  const char *v = db_res_get(res, row, col);
  chain_u256_from_u64(out, 0);
  return v ? chain_u256_parse(out, v, db_res_name(res, col), err) : 0;
}

/* ---- insert ---- */

struct ins {
  struct node_chain_db *x;
  const struct chain_txm_req *r;
  uint64_t chain_next, nonce;
  bool at; /* insert_at: nonce given */
  int64_t id;
  bool existed;
};

/* Append "what A (now B)" to the list of differences. */
static void differs(struct ob_buf *d, const char *what, const char *was, const char *now) {
  if (d->len) ob_buf_add(d, ", ", 2);
  ob_buf_addf(d, "%s %s (now %s)", what, was, now);
}

/* The key's transaction of this sender, if any: the same request returns it; another request is
 * refused, naming what differs (as payment APIs do). */
static int find_key(struct db *db, struct ins *in, struct ob_err *err) {
  struct u64s s;
  struct db_res *res = NULL;
  const struct chain_txm_req *r = in->r;
  const char *p[3] = {u64s(&s, 0, in->x->chain_id), in->x->from, r->key};
  int rc = db_exec(db, &res, 0,
                   "SELECT id, nonce, to_addr, value_wei::text, encode(data, 'hex'), gas_limit FROM chain_txs "
                   "WHERE chain_id = $1 AND from_addr = $2 AND idem_key = $3 ORDER BY id LIMIT 1", 3, p, err);
  if (!rc && db_res_rows(res) == 1) {
    uint64_t id = 0, gas = 0;
    char to[43] = "", val[CHAIN_U256_DEC_MAX], gasnow[24], *hex = hex_of(r->data, r->data_len);
    const char *was_to = db_res_get(res, 0, 2), *was_hex = db_res_get(res, 0, 4);
    struct ob_buf d;
    ob_buf_init(&d, 4096);
    in->existed = true;
    rc = parse_u64_col(res, 0, 0, &id, err);
    if (!rc) rc = parse_u64_col(res, 0, 1, &in->nonce, err);
    if (!rc) rc = parse_u64_col(res, 0, 5, &gas, err);
    in->id = (int64_t)id;
    if (r->has_to) ob_hex_encode0x(to, r->to, 20);
    chain_u256_to_dec(val, &r->value);
    snprintf(gasnow, sizeof(gasnow), "%" PRIu64, r->gas_limit);
    if (!hex) rc = rc ? rc : ob_err_set(err, OB_ENOMEM, "out of memory");
    if (!rc && strcmp(was_to ? was_to : "", to) != 0)
      differs(&d, "to", was_to ? was_to : "(contract creation)", r->has_to ? to : "(contract creation)");
    if (!rc && strcmp(db_res_get(res, 0, 3), val) != 0) differs(&d, "value", db_res_get(res, 0, 3), val);
    if (!rc && strcmp(was_hex, hex) != 0) {
      if (d.len) ob_buf_add(&d, ", ", 2);
      ob_buf_addf(&d, "data of %zu bytes (now %zu other bytes)", strlen(was_hex) / 2, r->data_len);
    }
    if (!rc && gas != r->gas_limit) differs(&d, "gas limit", db_res_get(res, 0, 5), gasnow);
    if (!rc && d.len)
      rc = ob_err_set(err, OB_EINVAL, "idempotency key '%s' was used by tx %" PRIu64 " for a different request: %s", r->key,
                      id, d.buf);
    ob_buf_release(&d);
    ob_free(hex);
  }
  db_res_free(res);
  return rc;
}

static int take_nonce(struct db *db, struct ins *in, struct ob_err *err) {
  struct u64s s;
  struct db_res *res = NULL;
  const char *p[3] = {u64s(&s, 0, in->x->chain_id), in->x->from, u64s(&s, 1, in->chain_next)};
  uint64_t next = 0;
  int rc = db_exec(db, NULL, 0,
                   "INSERT INTO chain_nonces (chain_id, address, next_nonce) VALUES ($1, $2, $3) "
                   "ON CONFLICT (chain_id, address) DO NOTHING", 3, p, err);
  if (!rc) rc = db_exec(db, &res, 0, "SELECT next_nonce FROM chain_nonces WHERE chain_id = $1 AND address = $2 FOR UPDATE",
                        2, p, err);
  if (!rc) rc = parse_u64_col(res, 0, 0, &next, err);
  db_res_free(res);
  if (rc) return rc;
  if (in->at) next = next > in->nonce + 1 ? next : in->nonce + 1;
  else {
    in->nonce = next > in->chain_next ? next : in->chain_next;
    next = in->nonce + 1;
  }
  p[2] = u64s(&s, 2, next);
  return db_exec(db, NULL, 0, "UPDATE chain_nonces SET next_nonce = $3 WHERE chain_id = $1 AND address = $2", 3, p, err);
}

static int insert_row(struct db *db, const struct chain_txm_req *r, struct node_chain_db *x, uint64_t nonce,
                      int64_t replaces, int64_t *id, struct ob_err *err) {
  struct u64s s;
  char to[43], *data = hex_of(r->data, r->data_len), rep[24], val[CHAIN_U256_DEC_MAX];
  struct db_res *res = NULL;
  const char *p[10];
  uint64_t v = 0;
  int rc;
  if (!data) return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (r->has_to) ob_hex_encode0x(to, r->to, 20);
  snprintf(rep, sizeof(rep), "%" PRId64, replaces);
  p[0] = u64s(&s, 0, x->chain_id);
  p[1] = x->from;
  p[2] = u64s(&s, 1, nonce);
  p[3] = r->has_to ? to : NULL;
  p[4] = chain_u256_to_dec(val, &r->value);
  p[5] = data;
  p[6] = u64s(&s, 3, r->gas_limit);
  p[7] = r->purpose ? r->purpose : "";
  p[8] = r->key;
  p[9] = replaces ? rep : NULL;
  rc = db_exec(db, &res, 0,
               "INSERT INTO chain_txs (chain_id, from_addr, nonce, to_addr, value_wei, data, gas_limit, purpose, idem_key, "
               "replaces, state) VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), $7, $8, $9, $10, 'queued') RETURNING id",
               10, p, err);
  if (!rc) rc = parse_u64_col(res, 0, 0, &v, err);
  *id = (int64_t)v;
  db_res_free(res);
  ob_free(data);
  return rc;
}

static int ins_fn(struct db *db, void *ud, struct ob_err *err) {
  struct ins *in = ud;
  int rc;
  in->existed = false;
  if (in->r->key && (rc = find_key(db, in, err)) != 0) return rc;
  if (in->existed) return 0;
  if ((rc = take_nonce(db, in, err)) != 0) return rc;
  return insert_row(db, in->r, in->x, in->nonce, 0, &in->id, err);
}

static int st_insert(void *ud, const struct chain_txm_req *r, uint64_t chain_next, int64_t *id, uint64_t *nonce,
                     bool *existed, struct ob_err *err) {
  struct ins in = {ud, r, chain_next, 0, false, 0, false};
  int rc = db_tx(((struct node_chain_db *)ud)->db, ins_fn, &in, err);
  if (rc) return rc;
  *id = in.id;
  *nonce = in.nonce;
  *existed = in.existed;
  return 0;
}

static int st_insert_at(void *ud, const struct chain_txm_req *r, uint64_t nonce, int64_t *id, struct ob_err *err) {
  struct ins in = {ud, r, 0, nonce, true, 0, false};
  int rc;
  struct chain_txm_req copy = *r;
  copy.key = NULL;
  in.r = &copy;
  rc = db_tx(((struct node_chain_db *)ud)->db, ins_fn, &in, err);
  if (!rc) *id = in.id;
  return rc;
}

/* ---- versions and state ---- */

struct ver_ctx {
  int64_t id;
  int version;
  const struct chain_txm_ver *v;
};

static int ver_fn(struct db *db, void *ud, struct ob_err *err) {
  struct ver_ctx *c = ud;
  char id[24], version[16], fee[3][CHAIN_U256_DEC_MAX], *raw = hex_of(c->v->raw, c->v->raw_len);
  const char *p[7];
  int rc;
  if (!raw) return ob_err_set(err, OB_ENOMEM, "out of memory");
  snprintf(id, sizeof(id), "%" PRId64, c->id);
  snprintf(version, sizeof(version), "%d", c->version);
  p[0] = id;
  p[1] = version;
  p[2] = c->v->hash;
  p[3] = raw;
  p[4] = c->v->legacy ? NULL : chain_u256_to_dec(fee[0], &c->v->max_fee);
  p[5] = c->v->legacy ? NULL : chain_u256_to_dec(fee[1], &c->v->max_priority_fee);
  p[6] = c->v->legacy ? chain_u256_to_dec(fee[2], &c->v->gas_price) : NULL;
  rc = db_exec(db, NULL, 0,
               "INSERT INTO chain_tx_versions (tx_id, version, hash, raw, max_fee_wei, max_priority_fee_wei, gas_price_wei) "
               "VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6, $7)", 7, p, err);
  ob_free(raw);
  /* bumps counts versions, whichever process made them */
  if (!rc) rc = db_exec(db, NULL, 0,
                        "UPDATE chain_txs SET state = CASE WHEN state = 'queued' THEN 'signed' ELSE state END, "
                        "bumps = GREATEST(bumps, $2::integer), updated_at = now() WHERE id = $1",
                        2, p, err);
  return rc;
}

static int st_add_version(void *ud, int64_t id, int version, const struct chain_txm_ver *v, struct ob_err *err) {
  struct ver_ctx c = {id, version, v};
  return db_tx(((struct node_chain_db *)ud)->db, ver_fn, &c, err);
}

static int st_update(void *ud, int64_t id, const struct chain_txm_update *u, struct ob_err *err) {
  struct node_chain_db *x = ud;
  struct u64s s;
  char ids[24], status[16];
  bool mined = u->state == CHAIN_TX_CONFIRMED || u->state == CHAIN_TX_FINALIZED ||
               (u->state == CHAIN_TX_FAILED && u->mined_hash);
  const char *p[10];
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  snprintf(status, sizeof(status), "%d", u->receipt_status);
  p[0] = ids;
  p[1] = chain_tx_state_name(u->state);
  p[2] = mined ? u->mined_hash : NULL;
  p[3] = mined ? u64s(&s, 0, u->block_number) : NULL;
  p[4] = mined ? u->block_hash : NULL;
  p[5] = mined ? status : NULL;
  p[6] = mined ? u64s(&s, 1, u->gas_used) : NULL;
  p[7] = u->error;
  p[8] = u64s(&s, 2, u->broadcast_block);
  p[9] = u64s(&s, 3, (uint64_t)u->bumps);
  int rc;
  /* Safe to repeat: it sets the same values again. */
  rc = db_exec(x->db, NULL, DB_RETRY,
                 "UPDATE chain_txs SET state = $2, mined_hash = $3, block_number = $4, block_hash = $5, "
                 "receipt_status = $6, gas_used = $7, error = $8, "
                 "broadcast_block = CASE WHEN $2 = 'broadcast' THEN $9::bigint ELSE broadcast_block END, "
                 "bumps = GREATEST(bumps, $10::integer), updated_at = now() WHERE id = $1",
                 10, p, err);
  /* Refused for good and never mined: its nonce was not used. If it was the last one handed out,
   * the next transaction takes it (else every later one would wait behind a gap). */
  if (!rc && u->state == CHAIN_TX_FAILED && !mined)
    rc = db_exec(x->db, NULL, DB_RETRY,
                 "UPDATE chain_nonces n SET next_nonce = t.nonce FROM chain_txs t WHERE t.id = $1 "
                 "AND n.chain_id = t.chain_id AND n.address = t.from_addr AND n.next_nonce = t.nonce + 1 "
                 "AND NOT EXISTS (SELECT 1 FROM chain_txs o WHERE o.chain_id = t.chain_id AND o.from_addr = t.from_addr "
                 "AND o.nonce = t.nonce AND o.state <> 'failed' AND o.state <> 'superseded')",
                 1, p, err);
  return rc;
}

struct sup_ctx {
  struct node_chain_db *x;
  int64_t old_id, new_id;
  const struct chain_txm_req *r;
};

static int sup_fn(struct db *db, void *ud, struct ob_err *err) {
  struct sup_ctx *c = ud;
  struct db_res *res = NULL;
  char id[24];
  const char *p[1] = {id};
  uint64_t nonce = 0;
  const char *state;
  int rc;
  snprintf(id, sizeof(id), "%" PRId64, c->old_id);
  rc = db_exec(db, &res, 0, "SELECT nonce, state FROM chain_txs WHERE id = $1 FOR UPDATE", 1, p, err);
  if (rc) return rc;
  if (db_res_rows(res) != 1) {
    db_res_free(res);
    return ob_err_set(err, OB_ENOENT, "no transaction %s", id);
  }
  state = db_res_get(res, 0, 1);
  if (strcmp(state, "queued") && strcmp(state, "signed") && strcmp(state, "broadcast")) {
    rc = ob_err_set(err, OB_ESTATE, "transaction %s is %s: only a pending one can be replaced", id, state);
    db_res_free(res);
    return rc;
  }
  rc = parse_u64_col(res, 0, 0, &nonce, err);
  db_res_free(res);
  if (!rc) rc = db_exec(db, NULL, 0, "UPDATE chain_txs SET state = 'superseded', updated_at = now() WHERE id = $1", 1, p, err);
  if (!rc) rc = insert_row(db, c->r, c->x, nonce, c->old_id, &c->new_id, err);
  return rc;
}

static int st_supersede(void *ud, int64_t old_id, const struct chain_txm_req *r, int64_t *new_id, struct ob_err *err) {
  struct sup_ctx c = {ud, old_id, 0, r};
  int rc = db_tx(((struct node_chain_db *)ud)->db, sup_fn, &c, err);
  if (!rc) *new_id = c.new_id;
  return rc;
}

/* ---- loading ---- */

static int load_versions(struct db *db, const char *id, struct chain_txm_loaded *l, struct ob_buf *store,
                         struct ob_err *err) {
  struct db_res *res = NULL;
  const char *p[1] = {id};
  struct chain_txm_ver *v;
  size_t n;
  int rc = db_exec(db, &res, 0,
                   "SELECT hash, encode(raw, 'hex'), max_fee_wei::text, max_priority_fee_wei::text, gas_price_wei::text "
                   "FROM chain_tx_versions WHERE tx_id = $1 ORDER BY version", 1, p, err);
  if (rc) return rc;
  n = db_res_rows(res);
  v = ob_calloc(n ? n : 1, sizeof(*v));
  if (!v) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    uint8_t *raw = NULL;
    const char *h = db_res_get(res, i, 1);
    snprintf(v[i].hash, sizeof(v[i].hash), "%s", db_res_get(res, i, 0));
    rc = ob_hex_decode_alloc(&raw, &v[i].raw_len, h, strlen(h), err);
    v[i].raw = raw;
    v[i].legacy = db_res_get(res, i, 2) == NULL;
    if (!rc) rc = parse_u256_col(res, i, 2, &v[i].max_fee, err);
    if (!rc) rc = parse_u256_col(res, i, 3, &v[i].max_priority_fee, err);
    if (!rc) rc = parse_u256_col(res, i, 4, &v[i].gas_price, err);
  }
  db_res_free(res);
  l->vers = v;
  l->nvers = n;
  (void)store;
  return rc;
}

static void free_versions(struct chain_txm_loaded *l) {
  for (size_t i = 0; i < l->nvers; i++) ob_free((void *)l->vers[i].raw);
  ob_free((void *)l->vers);
}

static int load_row(struct db *db, const struct db_res *res, size_t i, struct chain_txm_loaded *l, uint8_t **data,
                    struct ob_err *err) {
  uint64_t id = 0, rep = 0;
  const char *to = db_res_get(res, i, 3), *hex = db_res_get(res, i, 5);
  int rc;
  memset(l, 0, sizeof(*l));
  rc = parse_u64_col(res, i, 0, &id, err);
  if (!rc) rc = parse_u64_col(res, i, 1, &l->nonce, err);
  if (!rc) rc = chain_tx_state_parse(&l->state, db_res_get(res, i, 2));
  if (!rc && to) rc = ob_hex_decode_fixed(l->req.to, 20, to, err), l->req.has_to = true;
  if (!rc) rc = chain_u256_parse(&l->req.value, db_res_get(res, i, 4), "value_wei", err);
  if (!rc) rc = ob_hex_decode_alloc(data, &l->req.data_len, hex, strlen(hex), err);
  if (!rc) rc = parse_u64_col(res, i, 6, &l->req.gas_limit, err);
  if (!rc) rc = parse_u64_col(res, i, 7, &rep, err);
  if (!rc) rc = parse_u64_col(res, i, 10, &l->block_number, err);
  if (rc) return rc;
  l->req.data = *data;
  l->id = (int64_t)id;
  l->replaces = (int64_t)rep;
  if (db_res_get(res, i, 8)) snprintf(l->mined_hash, sizeof(l->mined_hash), "%s", db_res_get(res, i, 8));
  if (db_res_get(res, i, 9)) snprintf(l->block_hash, sizeof(l->block_hash), "%s", db_res_get(res, i, 9));
  return load_versions(db, db_res_get(res, i, 0), l, NULL, err);
}

static int st_load_active(void *ud, void (*each)(void *cbud, const struct chain_txm_loaded *t), void *cbud,
                          struct ob_err *err) {
  struct node_chain_db *x = ud;
  struct u64s s;
  struct db_res *res = NULL;
  const char *p[2] = {u64s(&s, 0, x->chain_id), x->from};
  int rc = db_exec(x->db, &res, DB_RETRY,
                   "SELECT id, nonce, state, to_addr, value_wei, encode(data, 'hex'), gas_limit, replaces, mined_hash, "
                   "block_hash, block_number FROM chain_txs t WHERE chain_id = $1 AND from_addr = $2 AND "
                   "(state IN ('queued', 'signed', 'broadcast', 'confirmed') OR (state = 'superseded' AND EXISTS ("
                   " SELECT 1 FROM chain_txs p WHERE p.chain_id = t.chain_id AND p.from_addr = t.from_addr "
                   " AND p.nonce = t.nonce AND p.state IN ('queued', 'signed', 'broadcast')))) "
                   "ORDER BY nonce, id", 2, p, err);
  if (rc) return rc;
  for (size_t i = 0; i < db_res_rows(res) && !rc; i++) {
    struct chain_txm_loaded l;
    uint8_t *data = NULL;
    rc = load_row(x->db, res, i, &l, &data, err);
    if (!rc) each(cbud, &l);
    free_versions(&l);
    ob_free(data);
  }
  db_res_free(res);
  return rc;
}

static int st_next_nonce(void *ud, uint64_t *next, struct ob_err *err) {
  struct node_chain_db *x = ud;
  struct u64s s;
  struct db_res *res = NULL;
  const char *p[2] = {u64s(&s, 0, x->chain_id), x->from};
  int rc = db_exec(x->db, &res, DB_RETRY, "SELECT next_nonce FROM chain_nonces WHERE chain_id = $1 AND address = $2", 2,
                   p, err);
  *next = 0;
  if (!rc && db_res_rows(res) == 1) rc = parse_u64_col(res, 0, 0, next, err);
  db_res_free(res);
  return rc;
}

void node_chain_txm_store(struct chain_txm_store *out, struct node_chain_db *ctx) {
  memset(out, 0, sizeof(*out));
  out->ud = ctx;
  out->insert = st_insert;
  out->insert_at = st_insert_at;
  out->add_version = st_add_version;
  out->update = st_update;
  out->supersede = st_supersede;
  out->load_active = st_load_active;
  out->next_nonce = st_next_nonce;
}

/* ---- the queries of `obridge tx` ---- */

#define TX_ROW_SELECT                                                                                       \
  "SELECT id, chain_id, nonce, state, from_addr, coalesce(to_addr, ''), value_wei::text, gas_limit, purpose, " \
  "idem_key, coalesce(replaces, 0), coalesce(mined_hash, ''), coalesce(block_number, 0), "                    \
  "coalesce(receipt_status, -1), coalesce(gas_used, 0), error, bumps, "                                       \
  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "                                \
  "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "                                \
  "coalesce((SELECT string_agg(hash, ',' ORDER BY version) FROM chain_tx_versions v WHERE v.tx_id = t.id), '') " \
  ", f.version, f.max_fee_wei::text, f.max_priority_fee_wei::text, f.gas_price_wei::text "                     \
  "FROM chain_txs t LEFT JOIN LATERAL (SELECT version, max_fee_wei, max_priority_fee_wei, gas_price_wei "      \
  "FROM chain_tx_versions v WHERE v.tx_id = t.id ORDER BY (v.hash = t.mined_hash) IS TRUE DESC, version DESC " \
  "LIMIT 1) f ON true "

static char *dup_or_null(const char *s) {
  char *d;
  size_t n;
  if (!s) return NULL;
  n = strlen(s);
  d = ob_malloc(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

static int parse_i64_col(const struct db_res *res, size_t row, size_t col, int64_t *out, struct ob_err *err) {
  const char *v = db_res_get(res, row, col);
  uint64_t u = 0;
  int rc;
  bool neg = v && v[0] == '-';
  *out = 0;
  if (!v) return 0;
  rc = ob_parse_u64(&u, neg ? v + 1 : v, db_res_name(res, col), err);
  if (!rc) *out = neg ? -(int64_t)u : (int64_t)u;
  return rc;
}

static int row_of(const struct db_res *res, size_t i, struct node_tx_row *r, struct ob_err *err) {
  uint64_t bumps = 0;
  int64_t status = -1;
  const char *hashes = db_res_get(res, i, 19);
  int rc = parse_i64_col(res, i, 0, &r->id, err);
  if (!rc) rc = parse_u64_col(res, i, 1, &r->chain_id, err);
  if (!rc) rc = parse_u64_col(res, i, 2, &r->nonce, err);
  snprintf(r->state, sizeof(r->state), "%s", db_res_get(res, i, 3));
  snprintf(r->from, sizeof(r->from), "%s", db_res_get(res, i, 4));
  snprintf(r->to, sizeof(r->to), "%s", db_res_get(res, i, 5));
  if (!rc) rc = chain_u256_parse(&r->value, db_res_get(res, i, 6), "value_wei", err);
  if (!rc) rc = parse_u64_col(res, i, 7, &r->gas_limit, err);
  r->purpose = dup_or_null(db_res_get(res, i, 8));
  r->key = dup_or_null(db_res_get(res, i, 9));
  if (!rc) rc = parse_i64_col(res, i, 10, &r->replaces, err);
  snprintf(r->mined_hash, sizeof(r->mined_hash), "%s", db_res_get(res, i, 11));
  if (!rc) rc = parse_u64_col(res, i, 12, &r->block_number, err);
  if (!rc) rc = parse_i64_col(res, i, 13, &status, err);
  r->receipt_status = (int)status;
  if (!rc) rc = parse_u64_col(res, i, 14, &r->gas_used, err);
  r->error = dup_or_null(db_res_get(res, i, 15));
  if (!rc) rc = parse_u64_col(res, i, 16, &bumps, err);
  r->bumps = (int)bumps;
  r->has_fees = db_res_get(res, i, 20) != NULL;
  r->legacy = r->has_fees && db_res_get(res, i, 21) == NULL;
  if (!rc) rc = parse_u256_col(res, i, 21, &r->max_fee, err);
  if (!rc) rc = parse_u256_col(res, i, 22, &r->max_priority_fee, err);
  if (!rc) rc = parse_u256_col(res, i, 23, &r->gas_price, err);
  snprintf(r->created_at, sizeof(r->created_at), "%s", db_res_get(res, i, 17));
  snprintf(r->updated_at, sizeof(r->updated_at), "%s", db_res_get(res, i, 18));
  if (!rc && !r->purpose) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  if (!rc && hashes[0]) {
    size_t n = 1;
    for (const char *p = hashes; *p; p++) n += *p == ',';
    r->hashes = ob_calloc(n, sizeof(*r->hashes));
    if (!r->hashes) return ob_err_set(err, OB_ENOMEM, "out of memory");
    for (const char *p = hashes; *p && r->nhashes < n;) {
      size_t len = strcspn(p, ",");
      snprintf(r->hashes[r->nhashes++], sizeof(r->hashes[0]), "%.*s", (int)(len < 66 ? len : 66), p);
      p += len + (p[len] == ',');
    }
  }
  return rc;
}

static int rows_of(struct db *db, const char *sql, int n, const char *const *p, struct node_tx_rows *out,
                   struct ob_err *err) {
  struct db_res *res = NULL;
  int rc = db_exec(db, &res, DB_RETRY, sql, n, p, err);
  if (!rc && db_res_rows(res)) {
    out->v = ob_calloc(db_res_rows(res), sizeof(*out->v));
    if (!out->v) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < db_res_rows(res); i++) {
      out->n++;
      rc = row_of(res, i, &out->v[i], err);
    }
  }
  db_res_free(res);
  return rc;
}

int node_tx_list(struct db *db, const char *state, struct node_tx_rows *out, struct ob_err *err) {
  const char *p[1] = {state};
  memset(out, 0, sizeof(*out));
  return state ? rows_of(db, TX_ROW_SELECT "WHERE state = $1 ORDER BY id", 1, p, out, err)
               : rows_of(db, TX_ROW_SELECT "ORDER BY id", 0, p, out, err);
}

int node_tx_find(struct db *db, const char *ref, struct node_tx_rows *out, struct ob_err *err) {
  const char *p[1] = {ref};
  uint64_t id;
  size_t n = strlen(ref);
  memset(out, 0, sizeof(*out));
  if (ob_parse_u64(&id, ref, "id", NULL) == 0) return db ? rows_of(db, TX_ROW_SELECT "WHERE id = $1::bigint", 1, p, out, err) : 0;
  if (n < 6 || n > 66 || (ref[0] != '0' || (ref[1] != 'x' && ref[1] != 'X')) || strspn(ref + 2, "0123456789abcdefABCDEF") != n - 2)
    return ob_err_set(err, OB_EINVAL,
                      "'%s' is neither a transaction id, a hash (0x + 64 hex digits), nor a hash prefix (0x + at least 4 hex digits)",
                      ref);
  if (!db) return 0;
  /* ref is hex only: nothing in it is special to LIKE */
  return rows_of(db,
                 TX_ROW_SELECT "WHERE id IN (SELECT tx_id FROM chain_tx_versions WHERE hash LIKE lower($1) || '%') "
                               "OR mined_hash LIKE lower($1) || '%' ORDER BY id",
                 1, p, out, err);
}

void node_tx_rows_free(struct node_tx_rows *r) {
  for (size_t i = 0; i < r->n; i++) {
    ob_free(r->v[i].purpose);
    ob_free(r->v[i].key);
    ob_free(r->v[i].error);
    ob_free(r->v[i].hashes);
  }
  ob_free(r->v);
  memset(r, 0, sizeof(*r));
}
