/* The batch document: builder, canonical writer, and the checking reader (see batch.h). */
#include "ob/node/batch.h"

#include <stdlib.h>
#include <string.h>

#include "ob/chain/merkle.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/oracle/value.h"

static const char *const LEAF_TYPES[4] = {"bytes32", "int256", "uint8", "uint64"};

void node_batch_init(struct node_batch *b) {
  memset(b, 0, sizeof(*b));
}

static void feed_release(struct node_batch_feed *f) {
  for (size_t i = 0; i < f->nobs; i++)
    ob_free(f->obs[i].source);
  ob_free(f->obs);
  ob_free(f->name);
  ob_free(f->proof);
  memset(f, 0, sizeof(*f));
}

void node_batch_release(struct node_batch *b) {
  for (size_t i = 0; i < b->nfeeds; i++)
    feed_release(&b->feeds[i]);
  ob_free(b->feeds);
  node_batch_init(b);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return true;
  size_t n = *cap ? *cap * 2 : 8;
  while (n < need)
    n *= 2;
  void *p = ob_realloc(*arr, n * elem);
  if (!p)
    return false;
  *arr = p;
  *cap = n;
  return true;
}

static struct node_batch_feed *add_feed_n(struct node_batch *b, const char *name, size_t len, unsigned decimals,
                                          struct ob_err *err) {
  if (oracle_feed_name_check(name, len, err) != 0)
    return NULL;
  if (decimals > ORACLE_DECIMALS_MAX) {
    ob_err_set(err, OB_EINVAL, "feed '%s': decimals %u is above %d", name, decimals, ORACLE_DECIMALS_MAX);
    return NULL;
  }
  if (!grow((void **)&b->feeds, &b->feeds_cap, b->nfeeds + 1, sizeof(*b->feeds))) {
    ob_err_set(err, OB_ENOMEM, "batch: out of memory");
    return NULL;
  }
  struct node_batch_feed *f = &b->feeds[b->nfeeds];
  memset(f, 0, sizeof(*f));
  if (!(f->name = ob_strndup(name, len))) {
    ob_err_set(err, OB_ENOMEM, "batch: out of memory");
    return NULL;
  }
  chain_feed_id(f->id, name, len);
  f->decimals = (uint8_t)decimals;
  b->nfeeds++;
  return f;
}

struct node_batch_feed *node_batch_add_feed(struct node_batch *b, const char *name, unsigned decimals,
                                            struct ob_err *err) {
  return add_feed_n(b, name ? name : "", name ? strlen(name) : 0, decimals, err);
}

static int add_obs_n(struct node_batch_feed *f, const char *source, size_t len, const struct chain_u256 *value,
                     uint64_t at, struct ob_err *err) {
  if (len == 0 || len > NODE_BATCH_SOURCE_MAX || memchr(source, '\0', len))
    return ob_err_set(err, OB_EPARSE, "feed '%s': source name '%.*s' must be 1 to %d bytes without NUL", f->name,
                      len > 80 ? 80 : (int)len, source, NODE_BATCH_SOURCE_MAX);
  if (!grow((void **)&f->obs, &f->obs_cap, f->nobs + 1, sizeof(*f->obs)))
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  struct node_batch_obs *o = &f->obs[f->nobs];
  memset(o, 0, sizeof(*o));
  if (!(o->source = ob_strndup(source, len)))
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  o->value = *value;
  o->at = at;
  f->nobs++;
  return 0;
}

int node_batch_add_obs(struct node_batch_feed *f, const char *source, const struct chain_u256 *value,
                       uint64_t at, struct ob_err *err) {
  return add_obs_n(f, source ? source : "", source ? strlen(source) : 0, value, at, err);
}

void node_batch_feed_set_aggregation(struct node_batch_feed *f, const struct oracle_k *k, uint32_t quorum) {
  f->has_aggregation = true;
  f->k = *k;
  f->quorum = quorum;
}

/* median-mad over f's observations: flags written to outlier[0..nobs). */
static int aggregate(const struct node_batch_feed *f, struct oracle_agg *res, bool *outlier, struct ob_err *err) {
  struct chain_u256 *x = ob_malloc((f->nobs + 1) * sizeof(*x));
  if (!x)
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  for (size_t i = 0; i < f->nobs; i++)
    x[i] = f->obs[i].value;
  int rc = oracle_aggregate(res, outlier, x, f->nobs, &f->k, f->quorum, err);
  ob_free(x);
  return rc;
}

int node_batch_feed_aggregate(struct node_batch_feed *f, struct oracle_agg *res, struct ob_err *err) {
  if (!f->has_aggregation)
    return ob_err_set(err, OB_EINVAL, "feed '%s': no aggregation declared", f->name);
  bool *outlier = ob_calloc(f->nobs + 1, sizeof(bool));
  if (!outlier)
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  int rc = aggregate(f, res, outlier, err);
  if (!rc) {
    for (size_t i = 0; i < f->nobs; i++)
      f->obs[i].outlier = outlier[i];
    if (res->ok)
      f->value = res->value;
  }
  ob_free(outlier);
  return rc;
}

/* ---- rules shared by seal and parse ---- */

static int int_ok(uint64_t v, const char *what, struct ob_err *err) {
  if (v > NODE_BATCH_INT_MAX)
    return ob_err_set(err, OB_ELIMIT, "batch: %s %llu is above 2^53-1", what, (unsigned long long)v);
  return 0;
}

static int feed_err(struct ob_err *err, int code, size_t i, const struct node_batch_feed *f, const char *fmt,
                    const char *detail) {
  return ob_err_set(err, code, "batch: feeds[%zu] '%s': %s%s", i, f->name, fmt, detail ? detail : "");
}

/* The feed's value and outlier flags are median-mad of its observations. */
static int check_aggregation(const struct node_batch_feed *f, size_t i, struct ob_err *err) {
  struct oracle_agg res;
  bool *outlier = ob_calloc(f->nobs + 1, sizeof(bool));
  char want[CHAIN_U256_DEC_MAX], got[CHAIN_U256_DEC_MAX];
  if (!outlier)
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  int rc = aggregate(f, &res, outlier, err);
  for (size_t j = 0; !rc && j < f->nobs; j++)
    if (outlier[j] != f->obs[j].outlier)
      rc = ob_err_set(err, OB_ECHECK, "batch: feeds[%zu] '%s': observations[%zu] '%s' is %san outlier by median-mad",
                      i, f->name, j, f->obs[j].source, outlier[j] ? "" : "not ");
  if (!rc && !res.ok)
    rc = feed_err(err, OB_ECHECK, i, f, "below its quorum: ", res.reason);
  if (!rc && chain_u256_cmp(&res.value, &f->value) != 0)
    rc = ob_err_set(err, OB_ECHECK, "batch: feeds[%zu] '%s': value %s is not the median-mad of its observations (%s)",
                    i, f->name, oracle_value_to_text(got, &f->value), oracle_value_to_text(want, &res.value));
  ob_free(outlier);
  return rc;
}

static int check_feed(const struct node_batch_feed *f, size_t i, struct ob_err *err) {
  uint8_t id[32];
  chain_feed_id(id, f->name, strlen(f->name));
  if (memcmp(id, f->id, 32) != 0)
    return feed_err(err, OB_ECHECK, i, f, "id is not keccak256 of the name", NULL);
  if (f->decimals > ORACLE_DECIMALS_MAX)
    return feed_err(err, OB_EPARSE, i, f, "decimals above 36", NULL);
  if (f->observed_at > NODE_BATCH_INT_MAX)
    return feed_err(err, OB_ELIMIT, i, f, "observedAt above 2^53-1", NULL);
  if (!f->has_aggregation)
    return f->nobs ? feed_err(err, OB_EPARSE, i, f, "observations without aggregation", NULL) : 0;
  if (f->nobs == 0)
    return feed_err(err, OB_EPARSE, i, f, "aggregation without observations", NULL);
  if (f->quorum == 0)
    return feed_err(err, OB_EPARSE, i, f, "aggregation.quorum must be at least 1", NULL);
  for (size_t j = 0; j < f->nobs; j++) {
    if (f->obs[j].at > NODE_BATCH_INT_MAX)
      return ob_err_set(err, OB_ELIMIT, "batch: feeds[%zu] '%s': observations[%zu].at above 2^53-1", i, f->name, j);
    if (j && strcmp(f->obs[j - 1].source, f->obs[j].source) >= 0)
      return ob_err_set(err, OB_EPARSE, "batch: feeds[%zu] '%s': observations[%zu] source '%s' is %s", i, f->name,
                        j, f->obs[j].source,
                        strcmp(f->obs[j - 1].source, f->obs[j].source) ? "out of order (ascending bytes)" : "a duplicate");
  }
  return check_aggregation(f, i, err);
}

static int check_rules(const struct node_batch *b, struct ob_err *err) {
  int rc;
  if (b->nfeeds == 0)
    return ob_err_set(err, OB_EPARSE, "batch: no feeds (a round has at least one)");
  if (b->nfeeds > CHAIN_MERKLE_MAX_LEAVES)
    return ob_err_set(err, OB_ELIMIT, "batch: %zu feeds, at most %zu", b->nfeeds, CHAIN_MERKLE_MAX_LEAVES);
  if (b->round == 0 || b->chain_id == 0)
    return ob_err_set(err, OB_EPARSE, "batch: round and chainId must be at least 1");
  if ((rc = int_ok(b->round, "round", err)) || (rc = int_ok(b->timestamp, "timestamp", err)) ||
      (rc = int_ok(b->chain_id, "chainId", err)))
    return rc;
  for (size_t i = 0; i < b->nfeeds; i++) {
    if (i && strcmp(b->feeds[i - 1].name, b->feeds[i].name) >= 0)
      return feed_err(err, OB_EPARSE, i, &b->feeds[i],
                      strcmp(b->feeds[i - 1].name, b->feeds[i].name) ? "out of order (names ascend by bytes)"
                                                                       : "a duplicate name",
                      NULL);
    if ((rc = check_feed(&b->feeds[i], i, err)))
      return rc;
  }
  return 0;
}

void node_batch_feed_leaf(struct chain_merkle_leaf *leaf, const struct node_batch_feed *f) {
  memcpy(leaf->feed_id, f->id, 32);
  leaf->value = f->value;
  leaf->decimals = f->decimals;
  leaf->observed_at = f->observed_at;
}

static int build_tree(const struct node_batch *b, struct chain_merkle *t, struct ob_err *err) {
  uint8_t (*h)[32] = ob_malloc(b->nfeeds * 32);
  if (!h)
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  for (size_t i = 0; i < b->nfeeds; i++) {
    struct chain_merkle_leaf leaf;
    node_batch_feed_leaf(&leaf, &b->feeds[i]);
    chain_merkle_leaf_hash(h[i], &leaf);
  }
  int rc = chain_merkle_build(t, (const uint8_t(*)[32])h, b->nfeeds, err);
  ob_free(h);
  return rc;
}

static int cmp_feed(const void *a, const void *b) {
  return strcmp(((const struct node_batch_feed *)a)->name, ((const struct node_batch_feed *)b)->name);
}

static int cmp_obs(const void *a, const void *b) {
  return strcmp(((const struct node_batch_obs *)a)->source, ((const struct node_batch_obs *)b)->source);
}

int node_batch_seal(struct node_batch *b, struct ob_err *err) {
  struct chain_merkle t;
  uint8_t proof[CHAIN_MERKLE_MAX_PROOF][32];
  if (b->nfeeds)
    qsort(b->feeds, b->nfeeds, sizeof(*b->feeds), cmp_feed);
  for (size_t i = 0; i < b->nfeeds; i++)
    if (b->feeds[i].nobs)
      qsort(b->feeds[i].obs, b->feeds[i].nobs, sizeof(*b->feeds[i].obs), cmp_obs);
  int rc = check_rules(b, err);
  if (rc || (rc = build_tree(b, &t, err)))
    return rc;
  memcpy(b->root, chain_merkle_root(&t), 32);
  for (size_t i = 0; i < b->nfeeds && !rc; i++) {
    struct node_batch_feed *f = &b->feeds[i];
    size_t len = chain_merkle_proof(&t, i, proof);
    ob_free(f->proof);
    f->proof = ob_malloc((len + 1) * 32);
    f->proof_len = len;
    if (!f->proof)
      rc = ob_err_set(err, OB_ENOMEM, "batch: out of memory");
    else
      memcpy(f->proof, proof, len * 32);
  }
  chain_merkle_release(&t);
  return rc;
}

/* ---- canonical writer ---- */

static void jw_hex(struct ob_jw *w, const uint8_t *p, size_t n) {
  char hex[67];
  ob_hex_encode0x(hex, p, n);
  ob_jw_str(w, hex);
}

static void write_feed(struct ob_jw *w, const struct node_batch_feed *f) {
  char t[CHAIN_U256_DEC_MAX];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name");
  ob_jw_str(w, f->name);
  ob_jw_key(w, "id");
  jw_hex(w, f->id, 32);
  ob_jw_key(w, "value");
  ob_jw_str(w, oracle_value_to_text(t, &f->value));
  ob_jw_key(w, "decimals");
  ob_jw_u64(w, f->decimals);
  ob_jw_key(w, "observedAt");
  ob_jw_u64(w, f->observed_at);
  ob_jw_key(w, "proof");
  ob_jw_arr_begin(w);
  for (size_t j = 0; j < f->proof_len; j++)
    jw_hex(w, f->proof[j], 32);
  ob_jw_arr_end(w);
  if (f->has_aggregation) {
    ob_jw_key(w, "aggregation");
    ob_jw_obj_begin(w);
    ob_jw_key(w, "method");
    ob_jw_str(w, "median-mad");
    ob_jw_key(w, "k");
    ob_jw_str(w, f->k.text);
    ob_jw_key(w, "quorum");
    ob_jw_u64(w, f->quorum);
    ob_jw_obj_end(w);
    ob_jw_key(w, "observations");
    ob_jw_arr_begin(w);
    for (size_t j = 0; j < f->nobs; j++) {
      ob_jw_obj_begin(w);
      ob_jw_key(w, "source");
      ob_jw_str(w, f->obs[j].source);
      ob_jw_key(w, "value");
      ob_jw_str(w, oracle_value_to_text(t, &f->obs[j].value));
      ob_jw_key(w, "at");
      ob_jw_u64(w, f->obs[j].at);
      if (f->obs[j].outlier) {
        ob_jw_key(w, "outlier");
        ob_jw_bool(w, true);
      }
      ob_jw_obj_end(w);
    }
    ob_jw_arr_end(w);
  }
  ob_jw_obj_end(w);
}

int node_batch_write(const struct node_batch *b, struct ob_buf *out, struct ob_err *err) {
  struct ob_jw w;
  char addr[43];
  bool sealed = b->nfeeds > 0;
  for (size_t i = 0; i < b->nfeeds; i++)
    sealed &= b->feeds[i].proof != NULL;
  if (!sealed)
    return ob_err_set(err, OB_ESTATE, "batch: not sealed");
  int rc = ob_jw_init(&w, out, false);
  if (rc)
    return ob_err_set(err, rc, "batch: cannot start the JSON writer");
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "schema");
  ob_jw_str(&w, NODE_BATCH_SCHEMA);
  ob_jw_key(&w, "chainId");
  ob_jw_u64(&w, b->chain_id);
  ob_jw_key(&w, "registry");
  chain_addr_checksum(addr, b->registry);
  ob_jw_str(&w, addr);
  ob_jw_key(&w, "round");
  ob_jw_u64(&w, b->round);
  ob_jw_key(&w, "timestamp");
  ob_jw_u64(&w, b->timestamp);
  ob_jw_key(&w, "root");
  jw_hex(&w, b->root, 32);
  ob_jw_key(&w, "leafEncoding");
  ob_jw_arr_begin(&w);
  for (int i = 0; i < 4; i++)
    ob_jw_str(&w, LEAF_TYPES[i]);
  ob_jw_arr_end(&w);
  ob_jw_key(&w, "feeds");
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < b->nfeeds; i++)
    write_feed(&w, &b->feeds[i]);
  ob_jw_arr_end(&w);
  ob_jw_obj_end(&w);
  rc = ob_jw_finish(&w);
  return rc ? ob_err_set(err, rc, "batch: cannot write the document: %s", ob_strerror(rc)) : 0;
}

/* ---- reader ---- */

/* obj must be an object whose keys are all in allowed[0..n) and include every required one
 * (required: bit i for allowed[i]). */
static int keys_ok(const struct ob_json *obj, const char *const *allowed, size_t n, unsigned required,
                   const char *where, struct ob_err *err) {
  if (!ob_json_is(obj, OB_JSON_OBJECT))
    return ob_err_set(err, OB_EPARSE, "batch: %s: expected an object", where);
  for (size_t i = 0; i < obj->len; i++) {
    size_t j = 0;
    while (j < n && strcmp(obj->keys[i], allowed[j]) != 0)
      j++;
    if (j == n)
      return ob_err_set(err, OB_EPARSE, "batch: %s: unknown key '%.60s'", where, obj->keys[i]);
  }
  for (size_t j = 0; j < n; j++)
    if ((required >> j & 1) && !ob_json_get(obj, allowed[j]))
      return ob_err_set(err, OB_EPARSE, "batch: %s: missing '%s'", where, allowed[j]);
  return 0;
}

static int get_int(const struct ob_json *obj, const char *key, uint64_t *out, const char *where, struct ob_err *err) {
  struct ob_err e;
  if (ob_json_u64(ob_json_get(obj, key), out, &e) != 0 || *out > NODE_BATCH_INT_MAX)
    return ob_err_set(err, OB_EPARSE, "batch: %s.%s: expected an integer 0..2^53-1", where, key);
  return 0;
}

static int get_hex32(const struct ob_json *v, uint8_t out[32], const char *where, const char *key, struct ob_err *err) {
  const char *s = ob_json_string(v);
  bool ok = s && v->len == 66 && s[0] == '0' && s[1] == 'x';
  for (size_t i = 2; ok && i < 66; i++)
    ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
  if (!ok || ob_hex_decode_fixed(out, 32, s, NULL) != 0)
    return ob_err_set(err, OB_EPARSE, "batch: %s%s: expected 0x and 64 lower-case hex digits", where, key);
  return 0;
}

static int get_value(const struct ob_json *v, struct chain_u256 *out, const char *where, struct ob_err *err) {
  const char *s = ob_json_string(v);
  if (!s || strlen(s) != v->len)
    return ob_err_set(err, OB_EPARSE, "batch: %s: expected a canonical decimal string", where);
  int rc = oracle_value_parse_canonical(out, s, where, err);
  return rc ? ob_err_prefix(err, rc, "batch") : 0;
}

static int parse_obs(struct node_batch_feed *f, const struct ob_json *arr, const char *where, struct ob_err *err) {
  static const char *const keys[] = {"source", "value", "at", "outlier"};
  char w[256];
  if (!ob_json_is(arr, OB_JSON_ARRAY))
    return ob_err_set(err, OB_EPARSE, "batch: %s.observations: expected an array", where);
  for (size_t j = 0; j < arr->len; j++) {
    const struct ob_json *o = arr->items[j], *src, *out;
    struct chain_u256 x;
    uint64_t at;
    int rc;
    snprintf(w, sizeof w, "%s.observations[%zu]", where, j);
    if ((rc = keys_ok(o, keys, 4, 7, w, err)) || (rc = get_int(o, "at", &at, w, err)))
      return rc;
    src = ob_json_get(o, "source");
    out = ob_json_get(o, "outlier");
    if (!ob_json_is(src, OB_JSON_STRING))
      return ob_err_set(err, OB_EPARSE, "batch: %s.source: expected a string", w);
    if (out && !(ob_json_is(out, OB_JSON_BOOL) && out->b))
      return ob_err_set(err, OB_EPARSE, "batch: %s.outlier: only `true` is written (absent otherwise)", w);
    snprintf(w, sizeof w, "%s.observations[%zu].value", where, j);
    if ((rc = get_value(ob_json_get(o, "value"), &x, w, err)) || (rc = add_obs_n(f, src->str, src->len, &x, at, err)))
      return rc;
    f->obs[f->nobs - 1].outlier = out != NULL;
  }
  return 0;
}

static int parse_aggregation(struct node_batch_feed *f, const struct ob_json *a, const char *where, struct ob_err *err) {
  static const char *const keys[] = {"method", "k", "quorum"};
  char w[256];
  uint64_t quorum;
  int rc;
  snprintf(w, sizeof w, "%s.aggregation", where);
  if ((rc = keys_ok(a, keys, 3, 7, w, err)) || (rc = get_int(a, "quorum", &quorum, w, err)))
    return rc;
  const char *method = ob_json_string(ob_json_get(a, "method")), *k = ob_json_string(ob_json_get(a, "k"));
  if (!method || strcmp(method, "median-mad") != 0)
    return ob_err_set(err, OB_EPARSE, "batch: %s.method: expected \"median-mad\"", w);
  if (!k || strlen(k) != ob_json_get(a, "k")->len || (rc = oracle_k_parse(&f->k, k, err)))
    return ob_err_prefix(err, rc ? rc : OB_EPARSE, "batch: %s", w);
  if (quorum == 0 || quorum > UINT32_MAX)
    return ob_err_set(err, OB_EPARSE, "batch: %s.quorum: expected 1..2^32-1", w);
  f->quorum = (uint32_t)quorum;
  f->has_aggregation = true;
  return 0;
}

static int parse_proof(struct node_batch_feed *f, const struct ob_json *arr, const char *where, struct ob_err *err) {
  char w[256];
  if (!ob_json_is(arr, OB_JSON_ARRAY) || arr->len > CHAIN_MERKLE_MAX_PROOF)
    return ob_err_set(err, OB_EPARSE, "batch: %s.proof: expected an array of at most %d hashes", where,
                      CHAIN_MERKLE_MAX_PROOF);
  if (!(f->proof = ob_malloc((arr->len + 1) * 32)))
    return ob_err_set(err, OB_ENOMEM, "batch: out of memory");
  for (size_t j = 0; j < arr->len; j++) {
    snprintf(w, sizeof w, "%s.proof[%zu]", where, j);
    int rc = get_hex32(arr->items[j], f->proof[j], w, "", err);
    if (rc)
      return rc;
  }
  f->proof_len = arr->len;
  return 0;
}

static int parse_feed(struct node_batch *b, const struct ob_json *o, size_t i, struct ob_err *err) {
  static const char *const keys[] = {"name", "id", "value", "decimals", "observedAt", "proof", "aggregation",
                                     "observations"};
  char where[128];
  uint64_t decimals, at;
  int rc;
  snprintf(where, sizeof where, "feeds[%zu]", i);
  if ((rc = keys_ok(o, keys, 8, 0x3f, where, err)))
    return rc;
  const struct ob_json *name = ob_json_get(o, "name");
  if (!ob_json_is(name, OB_JSON_STRING))
    return ob_err_set(err, OB_EPARSE, "batch: %s.name: expected a string", where);
  snprintf(where, sizeof where, "feeds[%zu] '%.64s'", i, name->str);
  if ((rc = get_int(o, "decimals", &decimals, where, err)) || (rc = get_int(o, "observedAt", &at, where, err)))
    return rc;
  if (decimals > ORACLE_DECIMALS_MAX)
    return ob_err_set(err, OB_EPARSE, "batch: %s.decimals: expected 0..%d", where, ORACLE_DECIMALS_MAX);
  struct node_batch_feed *f = add_feed_n(b, name->str, name->len, (unsigned)decimals, err);
  if (!f)
    return ob_err_prefix(err, err ? err->code : OB_EPARSE, "batch: feeds[%zu]", i);
  uint8_t id[32];
  if ((rc = get_hex32(ob_json_get(o, "id"), id, where, ".id", err)))
    return rc;
  if (memcmp(id, f->id, 32) != 0)
    return ob_err_set(err, OB_ECHECK, "batch: %s.id: not keccak256 of the name", where);
  f->observed_at = at;
  char w[256];
  snprintf(w, sizeof w, "%s.value", where);
  if ((rc = get_value(ob_json_get(o, "value"), &f->value, w, err)) ||
      (rc = parse_proof(f, ob_json_get(o, "proof"), where, err)))
    return rc;
  const struct ob_json *agg = ob_json_get(o, "aggregation"), *obs = ob_json_get(o, "observations");
  if (!agg != !obs)
    return ob_err_set(err, OB_EPARSE, "batch: %s: aggregation and observations come together", where);
  if (agg && ((rc = parse_aggregation(f, agg, where, err)) || (rc = parse_obs(f, obs, where, err))))
    return rc;
  return 0;
}

static int parse_top(struct node_batch *b, const struct ob_json *doc, struct ob_err *err) {
  static const char *const keys[] = {"schema", "chainId", "registry", "round", "timestamp", "root", "leafEncoding",
                                     "feeds"};
  int rc;
  if ((rc = keys_ok(doc, keys, 8, 0xff, "document", err)))
    return rc;
  const char *schema = ob_json_string(ob_json_get(doc, "schema"));
  if (!schema || strcmp(schema, NODE_BATCH_SCHEMA) != 0)
    return ob_err_set(err, OB_EPARSE, "batch: schema: expected \"%s\"", NODE_BATCH_SCHEMA);
  if ((rc = get_int(doc, "chainId", &b->chain_id, "document", err)) ||
      (rc = get_int(doc, "round", &b->round, "document", err)) ||
      (rc = get_int(doc, "timestamp", &b->timestamp, "document", err)) ||
      (rc = get_hex32(ob_json_get(doc, "root"), b->root, "root", "", err)))
    return rc;
  const struct ob_json *reg = ob_json_get(doc, "registry"), *enc = ob_json_get(doc, "leafEncoding");
  char addr[43];
  if (!ob_json_is(reg, OB_JSON_STRING) || chain_addr_parse(b->registry, reg->str, NULL) != 0 ||
      (chain_addr_checksum(addr, b->registry), strcmp(addr, reg->str) != 0))
    return ob_err_set(err, OB_EPARSE, "batch: registry: expected an EIP-55 checksummed address");
  bool enc_ok = ob_json_is(enc, OB_JSON_ARRAY) && enc->len == 4;
  for (size_t i = 0; enc_ok && i < 4; i++)
    enc_ok = ob_json_string(enc->items[i]) && strcmp(enc->items[i]->str, LEAF_TYPES[i]) == 0;
  if (!enc_ok)
    return ob_err_set(err, OB_EPARSE, "batch: leafEncoding: expected [\"bytes32\",\"int256\",\"uint8\",\"uint64\"]");
  const struct ob_json *feeds = ob_json_get(doc, "feeds");
  if (!ob_json_is(feeds, OB_JSON_ARRAY))
    return ob_err_set(err, OB_EPARSE, "batch: feeds: expected an array");
  for (size_t i = 0; i < feeds->len; i++)
    if ((rc = parse_feed(b, feeds->items[i], i, err)))
      return rc;
  return 0;
}

/* Root and every proof equal the tree the feeds imply. */
static int check_tree(const struct node_batch *b, struct ob_err *err) {
  struct chain_merkle t;
  uint8_t proof[CHAIN_MERKLE_MAX_PROOF][32];
  int rc = build_tree(b, &t, err);
  if (rc)
    return rc;
  if (memcmp(chain_merkle_root(&t), b->root, 32) != 0)
    rc = ob_err_set(err, OB_ECHECK, "batch: root is not the Merkle root of the feeds");
  for (size_t i = 0; !rc && i < b->nfeeds; i++) {
    const struct node_batch_feed *f = &b->feeds[i];
    size_t len = chain_merkle_proof(&t, i, proof);
    if (len != f->proof_len)
      rc = ob_err_set(err, OB_ECHECK, "batch: feeds[%zu] '%s': proof has %zu hashes, the tree gives %zu", i, f->name,
                      f->proof_len, len);
    for (size_t j = 0; !rc && j < len; j++)
      if (memcmp(proof[j], f->proof[j], 32) != 0)
        rc = ob_err_set(err, OB_ECHECK, "batch: feeds[%zu] '%s': proof[%zu] is not the tree's", i, f->name, j);
  }
  chain_merkle_release(&t);
  return rc;
}

int node_batch_parse(struct node_batch *b, const char *text, size_t len, struct ob_err *err) {
  struct ob_json *doc = NULL;
  struct ob_json_limits lim;
  node_batch_release(b);
  ob_json_limits_init(&lim);
  lim.max_bytes = NODE_BATCH_MAX_BYTES;
  lim.max_nodes = (size_t)64 << 20;
  int rc = ob_json_parse(&doc, text, len, &lim, err);
  if (rc)
    return ob_err_prefix(err, rc, "batch");
  if (!(rc = parse_top(b, doc, err)) && !(rc = check_rules(b, err)))
    rc = check_tree(b, err);
  ob_json_free(doc);
  if (rc)
    node_batch_release(b);
  return rc;
}
