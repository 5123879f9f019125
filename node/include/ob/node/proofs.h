/* A feed's value with its Merkle proof from a confirmed round, as the proof API serves it and
 * `obridge consumer push` sends it (docs/CONSUMERS.md):
 *   {"name","id","value","decimals","observedAt","round","root","cid","proof":[…],"tx","block","registry",
 *    "calldata":{"verify":"0x…","update":"0x…"}}
 * `value` is the batch document's decimal string; `calldata.verify` is ObridgeRegistry.verify(…) and
 * `calldata.update` ObridgeFeedAdapter.update(…) for this value, ready for eth_call / a transaction.
 *
 * Ownership: a struct node_proof owns its proof array (node_proof_release). err may be NULL. */
#ifndef OB_NODE_PROOFS_H
#define OB_NODE_PROOFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"

struct ob_err;
struct ob_jw;
struct db;
struct node_batch;
struct node_batch_feed;

/* Where a round was committed: from the rounds table (and its transaction). */
struct node_round_meta {
  uint64_t round;
  uint8_t root[32];
  char cid[128];
  char tx[67];    /* "" when unknown */
  uint64_t block; /* 0 when unknown */
  uint8_t registry[20];
};

struct node_proof {
  struct node_round_meta meta;
  char name[65];
  uint8_t id[32];
  struct chain_u256 value; /* int256 */
  unsigned decimals;
  uint64_t observed_at;
  uint8_t (*proof)[32]; /* owned */
  size_t proof_len;
};
void node_proof_release(struct node_proof *p); /* frees the proof array; p is reusable */

/* Write the API's object for feed f of a round (see above). */
void node_proof_json(struct ob_jw *w, const struct node_round_meta *m, const struct node_batch_feed *f);
/* Write the /v1/feeds list entry {"name","id","decimals","round","value","observedAt"}. */
void node_proof_list_json(struct ob_jw *w, uint64_t round, const struct node_batch_feed *f);

/* Parse the API's object (the keys above; calldata ignored). Returns 0; OB_EPARSE naming the key. */
int node_proof_parse(struct node_proof *p, const char *text, size_t len, struct ob_err *err);

/* The newest confirmed round (of at most the newest 64) whose batch document holds feed `name`, from
 * the rounds table; the document is parsed and checked whole. Returns 0; OB_ENOENT (no confirmed
 * round holds it); OB_EPARSE (a stored document does not parse); the database's errors. */
int node_proof_latest(struct db *db, uint64_t chain_id, const char *registry, const char *name, struct node_proof *p,
                      struct ob_err *err);
#endif
