/* The values file of `obridge commit --values FILE` (docs/OPERATIONS.md):
 *   {"feeds":[{"name","decimals","value"?,"observedAt"?,"aggregation"?:{"k","quorum"},
 *              "observations"?:[{"source","value","at"}]}]}
 * Values are decimal text (or JSON numbers) in the feed's units, converted exactly
 * (oracle_value_parse). Given observations, the feed's value is their median-mad aggregate (default
 * aggregation k 3, quorum 1) and a `value` beside them must equal it; observedAt defaults to the
 * latest observation's `at`, else `now`. Errors name the feed: a duplicate name, a value outside
 * int256, a feed below its quorum, an unknown key. */
#ifndef OB_NODE_VALUES_H
#define OB_NODE_VALUES_H
#include <stddef.h>
#include <stdint.h>

struct node_batch;
struct ob_err;

/* Add the file's feeds to b (whose chain id, registry, round and timestamp the caller sets).
 * Returns 0; OB_EPARSE / OB_EINVAL / OB_ECHECK naming the feed and key; OB_ENOMEM. */
int node_values_load(struct node_batch *b, const char *text, size_t len, uint64_t now, struct ob_err *err);
#endif
