/* libFuzzer harness: feeds from JSON (oracle_feedset_add_json and its every-error form), as a feeds
 * file or the config's array. Invariants: the all-or-nothing add succeeds exactly when the collecting
 * add reports nothing, and then both hold the same feeds; a failed add leaves the set unchanged;
 * every accepted source's path compiles back from its text. */
#include <stdint.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/jsonpath.h"

static void count(void *ud, const struct ob_err *e) {
  (void)e;
  ++*(size_t *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ob_json_limits lim;
  struct ob_json *doc = NULL;
  struct oracle_feedset a, b;
  struct ob_err err;
  size_t nerr = 0;
  int rc, rc_all;
  ob_json_limits_init(&lim);
  lim.max_bytes = 1 << 20;
  lim.max_depth = 16;
  if (ob_json_parse(&doc, (const char *)data, size, &lim, &err) != 0) return 0;
  oracle_feedset_init(&a);
  oracle_feedset_init(&b);
  rc = oracle_feedset_add_json(&a, doc, "f.json", &err);
  rc_all = oracle_feedset_add_json_all(&b, doc, "f.json", count, &nerr);
  if ((rc == 0) != (nerr == 0) || (rc == 0) != (rc_all == 0)) __builtin_trap();
  if (rc && a.n != 0) __builtin_trap();
  if (!rc && a.n != b.n) __builtin_trap();
  for (size_t i = 0; i < a.n; i++)
    for (size_t s = 0; s < a.feeds[i].nsources; s++) {
      struct oracle_jsonpath *jp = NULL;
      if (oracle_jsonpath_compile(&jp, a.feeds[i].sources[s].path, NULL) != 0) __builtin_trap();
      oracle_jsonpath_free(jp);
      if (oracle_feedset_find(&a, a.feeds[i].name) != &a.feeds[i]) __builtin_trap();
    }
  oracle_feedset_release(&a);
  oracle_feedset_release(&b);
  ob_json_free(doc);
  return 0;
}
