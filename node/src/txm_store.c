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
  return v ? ob_parse_u64(v, out, db_res_name(res, col), err) : 0;
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

static int find_key(struct db *db, struct ins *in, struct ob_err *err) {
  struct db_res *res = NULL;
  const char *p[1] = {in->r->key};
  int rc = db_exec(db, &res, 0, "SELECT id, nonce FROM chain_txs WHERE idem_key = $1", 1, p, err);
  if (!rc && db_res_rows(res) == 1) {
    uint64_t id = 0;
    in->existed = true;
    rc = parse_u64_col(res, 0, 0, &id, err);
    if (!rc) rc = parse_u64_col(res, 0, 1, &in->nonce, err);
    in->id = (int64_t)id;
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
  char to[43], *data = hex_of(r->data, r->data_len), rep[24];
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
  p[4] = u64s(&s, 2, r->value_wei);
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
  struct u64s s;
  char id[24], version[16], *raw = hex_of(c->v->raw, c->v->raw_len);
  const char *p[7];
  int rc;
  if (!raw) return ob_err_set(err, OB_ENOMEM, "out of memory");
  snprintf(id, sizeof(id), "%" PRId64, c->id);
  snprintf(version, sizeof(version), "%d", c->version);
  p[0] = id;
  p[1] = version;
  p[2] = c->v->hash;
  p[3] = raw;
  p[4] = c->v->legacy ? NULL : u64s(&s, 0, c->v->max_fee);
  p[5] = c->v->legacy ? NULL : u64s(&s, 1, c->v->max_priority_fee);
  p[6] = c->v->legacy ? u64s(&s, 2, c->v->gas_price) : NULL;
  rc = db_exec(db, NULL, 0,
               "INSERT INTO chain_tx_versions (tx_id, version, hash, raw, max_fee_wei, max_priority_fee_wei, gas_price_wei) "
               "VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6, $7)", 7, p, err);
  ob_free(raw);
  if (!rc) rc = db_exec(db, NULL, 0, "UPDATE chain_txs SET state = 'signed', updated_at = now() WHERE id = $1 AND state = 'queued'",
                        1, p, err);
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
  /* Safe to repeat: it sets the same values again. */
  return db_exec(x->db, NULL, DB_RETRY,
                 "UPDATE chain_txs SET state = $2, mined_hash = $3, block_number = $4, block_hash = $5, "
                 "receipt_status = $6, gas_used = $7, error = $8, "
                 "broadcast_block = CASE WHEN $2 = 'broadcast' THEN $9::bigint ELSE broadcast_block END, "
                 "bumps = GREATEST(bumps, $10::integer), updated_at = now() WHERE id = $1",
                 10, p, err);
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
                   "SELECT hash, encode(raw, 'hex'), max_fee_wei, max_priority_fee_wei, gas_price_wei "
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
    if (!rc) rc = parse_u64_col(res, i, 2, &v[i].max_fee, err);
    if (!rc) rc = parse_u64_col(res, i, 3, &v[i].max_priority_fee, err);
    if (!rc) rc = parse_u64_col(res, i, 4, &v[i].gas_price, err);
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
  if (!rc) rc = chain_tx_state_parse(db_res_get(res, i, 2), &l->state);
  if (!rc && to) rc = ob_hex_decode_fixed(l->req.to, 20, to, err), l->req.has_to = true;
  if (!rc) rc = parse_u64_col(res, i, 4, &l->req.value_wei, err);
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
