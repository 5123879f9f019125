/* Checking committed rounds from the chain and IPFS alone (`obridge verify`, docs/PROTOCOL.md
 * "Checking a value"): no database.
 *
 * For a round: its `Committed` log (eth_getLogs on the registry in bounded block ranges) and
 * rootOf(round); the batch document fetched by CID (Kubo `cat`, bounded to NODE_BATCH_MAX_BYTES)
 * and its CID recomputed locally (profile from the CID's version); the document parsed and checked
 * with node_batch_parse (ids, each value from its observations by median-mad, root, every proof);
 * the document's chainId, registry, round, timestamp, root and feed count against the commitment;
 * the signers recovered from the commit transaction's calldata against the EIP-712 digest and the
 * signer set at that block (signers() there); and the contract's verify(...) for each feed, sent
 * as JSON-RPC batches.
 *
 * A check that does not hold is a failure in the report (the function still returns 0); a peer
 * that cannot be reached or answers nonsense is the return code (OB_EUNREACH, OB_ETIMEDOUT,
 * OB_EPEER). err may be NULL. */
#ifndef OB_NODE_VERIFY_H
#define OB_NODE_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/node/registry.h"
#include "ob/storage/cid.h"

struct ob_err;
struct chain_rpc;
struct chain_loop;
struct ipfs_kubo;

struct node_verify_ctx {
  struct chain_rpc *rpc;
  struct chain_loop *loop; /* the rpc's loop (for batches) */
  struct ipfs_kubo *kubo;
  uint8_t registry[20];
  uint64_t chain_id;       /* 0: asked with eth_chainId */
  const char *document;    /* test override: these bytes instead of the fetched document (NULL: fetch) */
  size_t document_len;
  uint64_t log_range;      /* blocks per eth_getLogs call; 0 = 10,000 */
};

struct node_verify_round {
  uint64_t round;
  bool committed;
  uint8_t root[32];
  char cid[IPFS_CID_TEXT_MAX];
  uint8_t tx[32];
  uint64_t block, timestamp;
  uint32_t count;
  uint8_t signers[NODE_REGISTRY_MAX_SIGNERS][20]; /* recovered, in calldata order */
  size_t nsigners;
  unsigned threshold;
  size_t feeds;          /* feeds checked */
  char **checks;         /* owned: what held ("cid", "root", "proofs", …) */
  size_t nchecks;
  char **failures;       /* owned: what did not, each naming the feed or the thing */
  size_t nfailures;
  bool ok;
};

void node_verify_round_release(struct node_verify_round *r);

/* Check one round; feed NULL = every feed, else only that feed's verify() (the document is still
 * checked whole). r is filled (release it). Returns 0 (see r->ok) or a peer error. */
int node_verify_one(struct node_verify_ctx *c, uint64_t round, const char *feed, struct node_verify_round *r,
                    struct ob_err *err);

/* The rounds that have a Committed log, ascending (owned: ob_free). */
int node_verify_committed_rounds(struct node_verify_ctx *c, uint64_t **rounds, size_t *n, struct ob_err *err);
#endif
