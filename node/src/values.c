/* The values file (values.h). */
#include "ob/node/values.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/node/batch.h"
#include "ob/oracle/aggregate.h"
#include "ob/oracle/value.h"

static int only_keys(const struct ob_json *o, const char *const *keys, const char *where, struct ob_err *err) {
  for (size_t i = 0; i < o->len; i++) {
    bool ok = false;
    for (const char *const *k = keys; *k; k++) ok = ok || strcmp(o->keys[i], *k) == 0;
    if (!ok) return ob_err_set(err, OB_EPARSE, "values: %s: unknown key '%s'", where, o->keys[i]);
  }
  return 0;
}

static int get_u64(const struct ob_json *v, uint64_t *out, uint64_t max, const char *where, const char *key,
                   struct ob_err *err) {
  if (!ob_json_is(v, OB_JSON_NUMBER) || ob_json_u64(v, out, NULL) || *out > max)
    return ob_err_set(err, OB_EPARSE, "values: %s: '%s' must be an integer from 0 to %" PRIu64, where, key, max);
  return 0;
}

static int one_feed(struct node_batch *b, const struct ob_json *jf, size_t idx, uint64_t now, struct ob_err *err) {
  static const char *const fkeys[] = {"name", "decimals", "value", "observedAt", "aggregation", "observations", NULL};
  static const char *const okeys[] = {"source", "value", "at", NULL};
  static const char *const akeys[] = {"k", "quorum", NULL};
  const struct ob_json *jn = ob_json_get(jf, "name"), *jv, *jobs, *jagg, *jat;
  struct node_batch_feed *f;
  struct chain_u256 given;
  char where[200];
  uint64_t dec, at, max_at = 0;
  int rc;
  snprintf(where, sizeof(where), "feeds[%zu]", idx);
  if (!ob_json_is(jf, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "values: %s: expected an object", where);
  if ((rc = only_keys(jf, fkeys, where, err))) return rc;
  if (!ob_json_string(jn)) return ob_err_set(err, OB_EPARSE, "values: %s: 'name' must be a string", where);
  snprintf(where, sizeof(where), "feeds[%zu] '%.100s'", idx, ob_json_string(jn));
  if ((rc = get_u64(ob_json_get(jf, "decimals"), &dec, 36, where, "decimals", err))) return rc;
  if (!(f = node_batch_add_feed(b, ob_json_string(jn), (unsigned)dec, err))) return err ? err->code : OB_EINVAL;
  jv = ob_json_get(jf, "value");
  jobs = ob_json_get(jf, "observations");
  jagg = ob_json_get(jf, "aggregation");
  if (jv && (rc = oracle_value_from_json(&given, jv, (unsigned)dec, where, err))) return rc;
  if (!jv && !jobs) return ob_err_set(err, OB_EPARSE, "values: %s: give 'value' or 'observations'", where);
  if (jagg && !jobs) return ob_err_set(err, OB_EPARSE, "values: %s: 'aggregation' without 'observations'", where);
  if (jobs) {
    struct oracle_k k;
    uint64_t quorum = 1;
    struct oracle_agg res;
    if (!ob_json_is(jobs, OB_JSON_ARRAY) || jobs->len == 0)
      return ob_err_set(err, OB_EPARSE, "values: %s: 'observations' must be a non-empty array", where);
    oracle_k_parse(&k, "3", NULL);
    if (jagg) {
      const struct ob_json *jk = ob_json_get(jagg, "k");
      if (!ob_json_is(jagg, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "values: %s: 'aggregation' must be an object", where);
      if ((rc = only_keys(jagg, akeys, where, err))) return rc;
      if (jk) {
        const char *kt = ob_json_is(jk, OB_JSON_NUMBER) ? jk->str : ob_json_string(jk);
        if (!kt) return ob_err_set(err, OB_EPARSE, "values: %s: aggregation 'k' must be a number", where);
        if ((rc = oracle_k_parse(&k, kt, err))) return rc;
      }
      if (ob_json_get(jagg, "quorum") &&
          ((rc = get_u64(ob_json_get(jagg, "quorum"), &quorum, UINT32_MAX, where, "quorum", err)) != 0))
        return rc;
      if (quorum == 0) return ob_err_set(err, OB_EPARSE, "values: %s: 'quorum' must be at least 1", where);
    }
    for (size_t i = 0; i < jobs->len; i++) {
      const struct ob_json *o = jobs->items[i];
      const char *src = ob_json_string(ob_json_get(o, "source"));
      struct chain_u256 x;
      char ow[260];
      snprintf(ow, sizeof(ow), "%s observations[%zu]", where, i);
      if (!ob_json_is(o, OB_JSON_OBJECT) || !src) return ob_err_set(err, OB_EPARSE, "values: %s: expected {source, value, at}", ow);
      if ((rc = only_keys(o, okeys, ow, err))) return rc;
      for (size_t j = 0; j < f->nobs; j++)
        if (strcmp(f->obs[j].source, src) == 0) return ob_err_set(err, OB_EINVAL, "values: %s: duplicate source '%s'", ow, src);
      if ((rc = oracle_value_from_json(&x, ob_json_get(o, "value"), (unsigned)dec, ow, err))) return rc;
      if ((rc = get_u64(ob_json_get(o, "at"), &at, ((uint64_t)1 << 53) - 1, ow, "at", err))) return rc;
      if (at > max_at) max_at = at;
      if ((rc = node_batch_add_obs(f, src, &x, at, err))) return rc;
    }
    node_batch_feed_set_aggregation(f, &k, (uint32_t)quorum);
    if ((rc = node_batch_feed_aggregate(f, &res, err))) return rc;
    if (!res.ok) return ob_err_set(err, OB_ECHECK, "values: %s: %s", where, res.reason);
    if (jv && memcmp(&given, &f->value, sizeof(given)) != 0) {
      char a[CHAIN_U256_DEC_MAX], g[CHAIN_U256_DEC_MAX];
      return ob_err_set(err, OB_ECHECK,
                        "values: %s: 'value' is %s, not the aggregate of its observations, %s (integers at %u decimals)",
                        where, oracle_value_to_text(g, &given), oracle_value_to_text(a, &f->value), (unsigned)dec);
    }
  } else {
    f->value = given;
  }
  jat = ob_json_get(jf, "observedAt");
  if (jat) {
    if ((rc = get_u64(jat, &at, ((uint64_t)1 << 53) - 1, where, "observedAt", err))) return rc;
    f->observed_at = at;
  } else {
    f->observed_at = max_at ? max_at : now;
  }
  return 0;
}

/* Feed names sorted, ties by index: duplicates end up side by side (n log n, not n² comparisons). */
struct name_at {
  const char *name;
  size_t idx;
};
static int by_name_at(const void *a, const void *b) {
  const struct name_at *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* The first feed (by index) whose name an earlier feed has: "feeds[j] 'A': duplicate feed name (also
 * feeds[i])", i the first with that name. */
static int no_duplicate_names(const struct node_batch *b, struct ob_err *err) {
  struct name_at *v = ob_calloc(b->nfeeds ? b->nfeeds : 1, sizeof(*v));
  size_t dup = SIZE_MAX, also = 0;
  if (!v) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < b->nfeeds; i++) v[i].name = b->feeds[i].name, v[i].idx = i;
  qsort(v, b->nfeeds, sizeof(*v), by_name_at);
  for (size_t i = 1; i < b->nfeeds; i++)
    if (strcmp(v[i].name, v[i - 1].name) == 0 && strcmp(v[i].name, i > 1 ? v[i - 2].name : "") != 0 && v[i].idx < dup)
      dup = v[i].idx, also = v[i - 1].idx; /* the second of its group: the first duplicate of that name */
  ob_free(v);
  if (dup == SIZE_MAX) return 0;
  return ob_err_set(err, OB_EINVAL, "values: feeds[%zu] '%.100s': duplicate feed name (also feeds[%zu])", dup,
                    b->feeds[dup].name, also);
}

int node_values_load(struct node_batch *b, const char *text, size_t len, uint64_t now, struct ob_err *err) {
  static const char *const keys[] = {"feeds", NULL};
  struct ob_json *j = NULL;
  const struct ob_json *feeds;
  int rc = ob_json_parse(&j, text, len, NULL, err);
  if (rc) return rc;
  feeds = ob_json_get(j, "feeds");
  if (!ob_json_is(j, OB_JSON_OBJECT)) rc = ob_err_set(err, OB_EPARSE, "values: expected an object {\"feeds\": [...]}");
  else if (!(rc = only_keys(j, keys, "top level", err)) && (!ob_json_is(feeds, OB_JSON_ARRAY) || feeds->len == 0))
    rc = ob_err_set(err, OB_EPARSE, "values: 'feeds' must be a non-empty array");
  for (size_t i = 0; !rc && i < feeds->len; i++) rc = one_feed(b, feeds->items[i], i, now, err);
  if (!rc) rc = no_duplicate_names(b, err);
  ob_json_free(j);
  return rc;
}
