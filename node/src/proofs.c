/* Feed values with their proofs (proofs.h). */
#include "ob/node/proofs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/node/adapter.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/node/registry.h"

#define SCAN_ROUNDS 64

void node_proof_release(struct node_proof *p) {
  if (!p) return;
  ob_free(p->proof);
  p->proof = NULL;
  p->proof_len = 0;
}

static void jw_hex(struct ob_jw *w, const uint8_t *b, size_t n) {
  char s[67];
  if (n > 32) return;
  ob_hex_encode0x(s, b, n);
  ob_jw_str(w, s);
}

/* calldata bytes as 0x hex; null when it cannot be built (out of memory). */
static void jw_calldata(struct ob_jw *w, const struct ob_buf *b, int rc) {
  char *h = rc ? NULL : ob_malloc(2 * b->len + 3);
  if (!h) {
    ob_jw_null(w);
    return;
  }
  ob_hex_encode0x(h, (const uint8_t *)b->buf, b->len);
  ob_jw_str(w, h);
  ob_free(h);
}

void node_proof_list_json(struct ob_jw *w, uint64_t round, const struct node_batch_feed *f) {
  char v[CHAIN_U256_DEC_MAX];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name"), ob_jw_str(w, f->name);
  ob_jw_key(w, "id"), jw_hex(w, f->id, 32);
  ob_jw_key(w, "decimals"), ob_jw_u64(w, f->decimals);
  ob_jw_key(w, "round"), ob_jw_u64(w, round);
  ob_jw_key(w, "value"), ob_jw_str(w, chain_i256_to_dec(v, &f->value));
  ob_jw_key(w, "observedAt"), ob_jw_u64(w, f->observed_at);
  ob_jw_obj_end(w);
}

void node_proof_json(struct ob_jw *w, const struct node_round_meta *m, const struct node_batch_feed *f) {
  char v[CHAIN_U256_DEC_MAX], reg[43];
  struct ob_buf cd;
  int rc;
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name"), ob_jw_str(w, f->name);
  ob_jw_key(w, "id"), jw_hex(w, f->id, 32);
  ob_jw_key(w, "value"), ob_jw_str(w, chain_i256_to_dec(v, &f->value));
  ob_jw_key(w, "decimals"), ob_jw_u64(w, f->decimals);
  ob_jw_key(w, "observedAt"), ob_jw_u64(w, f->observed_at);
  ob_jw_key(w, "round"), ob_jw_u64(w, m->round);
  ob_jw_key(w, "root"), jw_hex(w, m->root, 32);
  ob_jw_key(w, "cid"), ob_jw_str(w, m->cid);
  ob_jw_key(w, "proof"), ob_jw_arr_begin(w);
  for (size_t i = 0; i < f->proof_len; i++) jw_hex(w, f->proof[i], 32);
  ob_jw_arr_end(w);
  ob_jw_key(w, "tx");
  if (m->tx[0]) ob_jw_str(w, m->tx);
  else ob_jw_null(w);
  ob_jw_key(w, "block");
  if (m->block) ob_jw_u64(w, m->block);
  else ob_jw_null(w);
  chain_addr_checksum(reg, m->registry);
  ob_jw_key(w, "registry"), ob_jw_str(w, reg);
  ob_jw_key(w, "calldata"), ob_jw_obj_begin(w);
  ob_buf_init(&cd, 1 << 20);
  rc = node_registry_verify_data(&cd, m->round, f->id, &f->value, f->decimals, f->observed_at,
                                 (const uint8_t (*)[32])f->proof, f->proof_len, NULL);
  ob_jw_key(w, "verify"), jw_calldata(w, &cd, rc);
  ob_buf_reset(&cd);
  rc = node_adapter_update_data(&cd, m->round, &f->value, f->observed_at, (const uint8_t (*)[32])f->proof,
                                f->proof_len, NULL);
  ob_jw_key(w, "update"), jw_calldata(w, &cd, rc);
  ob_buf_release(&cd);
  ob_jw_obj_end(w);
  ob_jw_obj_end(w);
}

/* ---- reading the object back ---- */

static int get_u64(const struct ob_json *o, const char *key, uint64_t *out, struct ob_err *err) {
  const struct ob_json *v = ob_json_get(o, key);
  if (!v || ob_json_u64(v, out, NULL)) return ob_err_set(err, OB_EPARSE, "proof: '%s' is missing or not an integer", key);
  return 0;
}

static int get_hex32(const struct ob_json *o, const char *key, uint8_t out[32], struct ob_err *err) {
  const char *s = ob_json_string(ob_json_get(o, key));
  if (!s || ob_hex_decode_fixed(out, 32, s, NULL))
    return ob_err_set(err, OB_EPARSE, "proof: '%s' is missing or not 32 bytes of 0x hex", key);
  return 0;
}

static int get_proof(const struct ob_json *o, struct node_proof *p, struct ob_err *err) {
  const struct ob_json *a = ob_json_get(o, "proof"), *e;
  size_t n = 0;
  if (!ob_json_is(a, OB_JSON_ARRAY)) return ob_err_set(err, OB_EPARSE, "proof: 'proof' is missing or not an array");
  while (ob_json_at(a, n)) n++;
  if (n > 256) return ob_err_set(err, OB_EPARSE, "proof: 'proof' has %zu items, at most 256", n);
  if (n && !(p->proof = ob_calloc(n, 32))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const char *s = ob_json_string(e = ob_json_at(a, i));
    if (!s || ob_hex_decode_fixed(p->proof[i], 32, s, NULL))
      return ob_err_set(err, OB_EPARSE, "proof: 'proof[%zu]' is not 32 bytes of 0x hex", i);
  }
  p->proof_len = n;
  return 0;
}

static int parse_obj(struct node_proof *p, const struct ob_json *o, struct ob_err *err) {
  const char *name = ob_json_string(ob_json_get(o, "name")), *value = ob_json_string(ob_json_get(o, "value"));
  const char *cid = ob_json_string(ob_json_get(o, "cid")), *reg = ob_json_string(ob_json_get(o, "registry"));
  uint64_t dec = 0;
  int rc;
  if (!ob_json_is(o, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "proof: expected a JSON object");
  if (!name || strlen(name) >= sizeof(p->name)) return ob_err_set(err, OB_EPARSE, "proof: 'name' is missing or too long");
  snprintf(p->name, sizeof(p->name), "%s", name);
  if (!value || chain_i256_parse(&p->value, value, "value", NULL))
    return ob_err_set(err, OB_EPARSE, "proof: 'value' is missing or not an int256 decimal string");
  if (!reg || chain_addr_parse(p->meta.registry, reg, NULL))
    return ob_err_set(err, OB_EPARSE, "proof: 'registry' is missing or not an address");
  snprintf(p->meta.cid, sizeof(p->meta.cid), "%s", cid ? cid : "");
  if ((rc = get_hex32(o, "id", p->id, err)) || (rc = get_hex32(o, "root", p->meta.root, err)) ||
      (rc = get_u64(o, "decimals", &dec, err)) || (rc = get_u64(o, "observedAt", &p->observed_at, err)) ||
      (rc = get_u64(o, "round", &p->meta.round, err)) || (rc = get_proof(o, p, err)))
    return rc;
  if (dec > 36) return ob_err_set(err, OB_EPARSE, "proof: 'decimals' is %" PRIu64 ", at most 36", dec);
  p->decimals = (unsigned)dec;
  return 0;
}

int node_proof_parse(struct node_proof *p, const char *text, size_t len, struct ob_err *err) {
  struct ob_json *j = NULL;
  int rc;
  memset(p, 0, sizeof(*p));
  rc = ob_json_parse(&j, text, len, NULL, err);
  if (rc) return ob_err_prefix(err, rc, "proof");
  rc = parse_obj(p, j, err);
  ob_json_free(j);
  if (rc) node_proof_release(p);
  return rc;
}

/* ---- from the database ---- */

static int take_feed(struct node_proof *p, const struct node_round_row *row, const struct node_batch *b,
                     const struct node_batch_feed *f, struct ob_err *err) {
  memset(p, 0, sizeof(*p));
  p->meta.round = row->round;
  memcpy(p->meta.root, b->root, 32);
  memcpy(p->meta.registry, b->registry, 20);
  snprintf(p->meta.cid, sizeof(p->meta.cid), "%s", row->cid);
  snprintf(p->meta.tx, sizeof(p->meta.tx), "%s", row->tx_hash);
  p->meta.block = row->block;
  snprintf(p->name, sizeof(p->name), "%s", f->name);
  memcpy(p->id, f->id, 32);
  p->value = f->value;
  p->decimals = f->decimals;
  p->observed_at = f->observed_at;
  if (f->proof_len && !(p->proof = ob_calloc(f->proof_len, 32))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (f->proof_len) memcpy(p->proof, f->proof, f->proof_len * 32);
  p->proof_len = f->proof_len;
  return 0;
}

int node_proof_latest(struct db *db, uint64_t chain_id, const char *registry, const char *name, struct node_proof *p,
                      struct ob_err *err) {
  struct node_round_row *rows = NULL;
  struct node_batch b;
  size_t n = 0;
  int rc = node_round_confirmed(db, chain_id, registry, 0, true, SCAN_ROUNDS, &rows, &n, err), found = 0;
  node_batch_init(&b);
  for (size_t i = 0; !rc && !found && i < n; i++) {
    if (!rows[i].batch_len) continue;
    rc = node_batch_parse(&b, rows[i].batch, rows[i].batch_len, err);
    if (rc) rc = ob_err_prefix(err, rc, "round %" PRIu64 "'s batch document", rows[i].round);
    for (size_t k = 0; !rc && !found && k < b.nfeeds; k++)
      if (strcmp(b.feeds[k].name, name) == 0) rc = take_feed(p, &rows[i], &b, &b.feeds[k], err), found = 1;
  }
  if (!rc && !found)
    rc = ob_err_set(err, OB_ENOENT, "feed '%s': no confirmed round of registry %s holds it", name, registry);
  node_batch_release(&b);
  node_round_rows_free(rows, n);
  return rc;
}
