/* The registry contract (contracts/ObridgeRegistry.sol, docs/PROTOCOL.md) from C: calldata for every
 * call obridge sends (deploy, commit, setSigners, setMaxAge, transferOwnership, acceptOwnership) and
 * eth_call readers (latest, rootOf, signers, maxAge, owner, pendingOwner), one module for the
 * commands (registry, commit, verify) and the daemon.
 *
 * Readers are blocking (chain_rpc_call_sync on the client's loop; not from inside a loop
 * callback). A revert is decoded against the registry's custom errors: the error message names it
 * ("registry: NotOwner(0x7099…)") and the code is OB_EREVERT. A registry address with no code is
 * OB_EINVAL ("registry 0x…: no contract code at this address"). err may be NULL. */
#ifndef OB_NODE_REGISTRY_H
#define OB_NODE_REGISTRY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_buf;
struct ob_err;
struct chain_rpc;

#define NODE_REGISTRY_MAX_SIGNERS 255

struct node_registry_state {
  uint8_t owner[20], pending_owner[20];
  uint8_t signers[NODE_REGISTRY_MAX_SIGNERS][20];
  size_t nsigners;
  unsigned threshold;
  uint64_t max_age;
  uint64_t latest_round, latest_timestamp;
  uint8_t latest_root[32];
};

/* ---- calldata (appended to out; 0 or OB_ENOMEM / OB_EINVAL) ---- */
/* Creation code: the embedded bytecode followed by the constructor's (address[], uint8). */
int node_registry_deploy_code(struct ob_buf *out, const uint8_t (*signers)[20], size_t n, unsigned threshold,
                              struct ob_err *err);
/* commit(round, root, cid, timestamp, count, signatures): sigs are n 65-byte r||s||v signatures, in
 * the order given (callers sort them by signer address). */
int node_registry_commit_data(struct ob_buf *out, uint64_t round, const uint8_t root[32], const char *cid,
                              uint64_t timestamp, uint32_t count, const uint8_t (*sigs)[65], size_t n,
                              struct ob_err *err);
int node_registry_set_signers_data(struct ob_buf *out, const uint8_t (*signers)[20], size_t n, unsigned threshold,
                                   struct ob_err *err);
int node_registry_set_max_age_data(struct ob_buf *out, uint64_t seconds, struct ob_err *err);
int node_registry_transfer_ownership_data(struct ob_buf *out, const uint8_t to[20], struct ob_err *err);
int node_registry_accept_ownership_data(struct ob_buf *out, struct ob_err *err);

/* ---- readers ---- */
/* OB_EINVAL when there is no code at reg. */
int node_registry_check_code(struct chain_rpc *rpc, const uint8_t reg[20], struct ob_err *err);
/* Everything `registry show` prints (code checked first). */
int node_registry_read(struct chain_rpc *rpc, const uint8_t reg[20], struct node_registry_state *st,
                       struct ob_err *err);
int node_registry_latest(struct chain_rpc *rpc, const uint8_t reg[20], uint64_t *round, uint8_t root[32],
                         uint64_t *timestamp, struct ob_err *err);
int node_registry_root_of(struct chain_rpc *rpc, const uint8_t reg[20], uint64_t round, uint8_t root[32],
                          struct ob_err *err);
/* The signer set and threshold (st->signers, nsigners, threshold). */
int node_registry_signers(struct chain_rpc *rpc, const uint8_t reg[20], struct node_registry_state *st,
                          struct ob_err *err);

/* signers() at a block: block is an RPC block tag ("0x1a", "latest"; NULL = "latest"). */
int node_registry_signers_at(struct chain_rpc *rpc, const uint8_t reg[20], const char *block,
                             struct node_registry_state *st, struct ob_err *err);
/* verify(round, feedId, value, decimals, observedAt, proof) calldata (the contract's proof check of one
 * feed; value is int256 two's complement). Appends to out. */
struct chain_u256;
int node_registry_verify_data(struct ob_buf *out, uint64_t round, const uint8_t feed_id[32],
                              const struct chain_u256 *value, unsigned decimals, uint64_t observed_at,
                              const uint8_t (*proof)[32], size_t n, struct ob_err *err);

/* Dry run: eth_call of data from `from` to reg (NULL: a contract creation). A revert is OB_EREVERT
 * with the registry error's name and arguments in the message; nothing is sent. */
int node_registry_simulate(struct chain_rpc *rpc, const uint8_t from[20], const uint8_t *reg, const uint8_t *data,
                           size_t len, struct ob_err *err);

/* eth_call of data from `from` (may be NULL) to `to`; the returned bytes appended to out (may be NULL).
 * A revert is OB_EREVERT named against the registry's and the feed adapter's errors. */
int node_contract_call(struct chain_rpc *rpc, const uint8_t *from, const uint8_t to[20], const uint8_t *data,
                       size_t len, struct ob_buf *out, struct ob_err *err);

/* Describe revert data (bytes) as "Name(args)" against the registry's errors; appends to out. */
int node_registry_describe_revert(struct ob_buf *out, const uint8_t *data, size_t len);
/* ---- the model index ---- */
/* registerModel(name, version, cid, digest, size, signatures) calldata. */
int node_registry_register_model_data(struct ob_buf *out, const char *name, const char *version, const char *cid,
                                      const uint8_t digest[32], uint64_t size, const uint8_t (*sigs)[65], size_t n,
                                      struct ob_err *err);
struct node_model_entry {
  char name[80], version[80], cid[128];
  uint8_t digest[32];
  uint64_t size;
  uint64_t registered_at; /* block timestamp; 0: not registered */
  uint64_t block;         /* from the log (ls); 0 from model() */
  char tx[67];            /* from the log; "" from model() */
};
/* model(name, version): e->registered_at 0 when there is none. */
int node_registry_model(struct chain_rpc *rpc, const uint8_t reg[20], const char *name, const char *version,
                        struct node_model_entry *e, struct ob_err *err);
/* Every ModelRegistered log of the registry (eth_getLogs over [0, head] in ranges of 10,000 blocks), in
 * chain order: each(ud, entry) per log. */
int node_registry_model_logs(struct chain_rpc *rpc, const uint8_t reg[20],
                             int (*each)(void *ud, const struct node_model_entry *e, struct ob_err *err), void *ud,
                             struct ob_err *err);
#endif
