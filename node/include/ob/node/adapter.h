/* The feed adapter contract (contracts/ObridgeFeedAdapter.sol) from C: its creation code, the calldata
 * of update(), and a reader of its state, for `obridge registry deploy-adapter`, `obridge consumer
 * push` and the proof API (which hands out update() calldata).
 *
 * Readers are blocking (eth_call through chain_rpc_call_sync: not from inside a loop callback). A revert
 * of the adapter is named ("adapter: StaleUpdate(3, 4)", OB_EREVERT). err may be NULL. */
#ifndef OB_NODE_ADAPTER_H
#define OB_NODE_ADAPTER_H
#include <stddef.h>
#include <stdint.h>

struct ob_buf;
struct ob_err;
struct chain_rpc;
struct chain_u256;

#define NODE_ADAPTER_DESCRIPTION_MAX 256 /* bytes of a description obridge deploys */

/* Creation code: the embedded bytecode and the constructor's (address registry, bytes32 feedId,
 * uint8 decimals, string description), appended to out. Returns 0; OB_EINVAL (decimals > 36,
 * description too long); OB_ENOMEM. */
int node_adapter_deploy_code(struct ob_buf *out, const uint8_t registry[20], const uint8_t feed_id[32],
                             unsigned decimals, const char *description, struct ob_err *err);

/* update(round, value, observedAt, proof) calldata, appended to out (value: int256 two's complement).
 * Returns 0; OB_ENOMEM. */
int node_adapter_update_data(struct ob_buf *out, uint64_t round, const struct chain_u256 *value, uint64_t observed_at,
                             const uint8_t (*proof)[32], size_t n, struct ob_err *err);

struct node_adapter_state {
  uint8_t registry[20];
  uint8_t feed_id[32];
  unsigned decimals;
  uint64_t latest_round; /* 0 before the first update */
};
/* registry(), feedId(), decimals(), latestRound() of the adapter at addr. Returns 0; OB_EINVAL (no code
 * there, or not an adapter); the peer's errors. */
int node_adapter_read(struct chain_rpc *rpc, const uint8_t addr[20], struct node_adapter_state *st,
                      struct ob_err *err);

/* Describe revert data as "Name(args)" against the adapter's errors; appends to out. Returns 0, or
 * OB_ENOENT when the selector is not one of them. */
int node_adapter_describe_revert(struct ob_buf *out, const uint8_t *data, size_t len);
#endif
