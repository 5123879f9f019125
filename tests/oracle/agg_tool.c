/* agg_tool: obridge's conversion and median-mad over JSON lines, for the property test against
 * tests/oracle/aggregate_ref.mjs.
 *
 * In (stdin), one set per line:  {"decimals":8,"k":"3","quorum":2,"values":[1.5,"2e3",…]}
 * Out (stdout), one per line:    {"x":["150000000",null,…],"outlier":[false,null,…],"ok":true,"value":"…"}
 * A value that does not convert (bad text, outside int256) does not count: its x and outlier are
 * null. "value" is null when the feed is left out. Exit 2 on a malformed line (named on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"
#include "ob/oracle/aggregate.h"
#include "ob/oracle/value.h"

struct set {
  uint64_t decimals, quorum;
  struct oracle_k k;
  const struct ob_json *values;
};

static int read_set(struct set *s, const struct ob_json *doc, struct ob_err *err) {
  const struct ob_json *k = ob_json_get(doc, "k");
  int rc = ob_json_u64(ob_json_get(doc, "decimals"), &s->decimals, err);
  if (!rc)
    rc = ob_json_u64(ob_json_get(doc, "quorum"), &s->quorum, err);
  if (!rc)
    rc = oracle_k_parse(&s->k, ob_json_string(k), err);
  s->values = ob_json_get(doc, "values");
  if (!rc && (!ob_json_is(s->values, OB_JSON_ARRAY) || s->decimals > ORACLE_DECIMALS_MAX || s->quorum > UINT32_MAX))
    rc = ob_err_set(err, OB_EPARSE, "expected values[], decimals <= 36, quorum <= 2^32-1");
  return rc;
}

static void write_result(struct ob_jw *w, const struct set *s, const bool *counted, const struct chain_u256 *x,
                         const bool *outlier, const struct oracle_agg *res) {
  char t[CHAIN_U256_DEC_MAX];
  size_t n = s->values->len, j = 0;
  ob_jw_obj_begin(w);
  ob_jw_key(w, "x");
  ob_jw_arr_begin(w);
  for (size_t i = 0, c = 0; i < n; i++)
    ob_jw_str(w, counted[i] ? oracle_value_to_text(t, &x[c++]) : NULL);
  ob_jw_arr_end(w);
  ob_jw_key(w, "outlier");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < n; i++)
    if (counted[i])
      ob_jw_bool(w, outlier[j++]);
    else
      ob_jw_null(w);
  ob_jw_arr_end(w);
  ob_jw_key(w, "ok");
  ob_jw_bool(w, res->ok);
  ob_jw_key(w, "value");
  ob_jw_str(w, res->ok ? oracle_value_to_text(t, &res->value) : NULL);
  ob_jw_obj_end(w);
}

static int one_line(struct ob_buf *out, const char *line, size_t len, struct ob_err *err) {
  struct ob_json *doc = NULL;
  struct set s;
  int rc = ob_json_parse(&doc, line, len, NULL, err);
  if (!rc)
    rc = read_set(&s, doc, err);
  if (rc) {
    ob_json_free(doc);
    return rc;
  }
  size_t n = s.values->len, c = 0;
  struct chain_u256 *x = ob_calloc(n + 1, sizeof(*x));
  bool *counted = ob_calloc(n + 1, sizeof(bool)), *outlier = ob_calloc(n + 1, sizeof(bool));
  struct oracle_agg res;
  for (size_t i = 0; i < n; i++)
    if (oracle_value_from_json(&x[c], ob_json_at(s.values, i), (unsigned)s.decimals, "value", NULL) == 0)
      counted[i] = true, c++;
  rc = oracle_aggregate(&res, outlier, x, c, &s.k, (uint32_t)s.quorum, err);
  if (!rc) {
    struct ob_jw w;
    ob_jw_init(&w, out, false);
    write_result(&w, &s, counted, x, outlier, &res);
    rc = ob_jw_finish(&w);
    if (!rc)
      rc = ob_buf_addch(out, '\n');
  }
  ob_free(x);
  ob_free(counted);
  ob_free(outlier);
  ob_json_free(doc);
  return rc;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0, lineno = 0;
  ssize_t len;
  struct ob_buf out;
  struct ob_err err;
  ob_buf_init(&out, OB_BUF_MAX_DEFAULT);
  while ((len = getline(&line, &cap, stdin)) > 0) {
    lineno++;
    ob_err_clear(&err);
    int rc = one_line(&out, line, (size_t)len, &err);
    if (rc) {
      fprintf(stderr, "agg_tool: line %zu: %s\n", lineno, ob_err_msg(&err, rc));
      free(line);
      ob_buf_release(&out);
      return 2;
    }
    fwrite(out.buf, 1, out.len, stdout);
    ob_buf_reset(&out);
  }
  free(line);
  ob_buf_release(&out);
  return 0;
}
