/* The batch document of a round (docs/PROTOCOL.md "Batch document"): built from oracle/ values
 * and chain/'s Merkle tree, written as canonical JSON, and read back with every rule checked.
 *
 * Building (the commit pipeline):
 *   struct node_batch b;  node_batch_init(&b);  b.chain_id = …; b.registry = …; b.round = …; b.timestamp = …;
 *   struct node_batch_feed *f = node_batch_add_feed(&b, "ETH/USD", 8, err);  f->observed_at = …;
 *   either f->value = … (no observations) or, per source, node_batch_add_obs(f, "bn", x, at, err),
 *   then node_batch_feed_set_aggregation(f, &k, quorum) and node_batch_feed_aggregate(f, &res, err)
 *   (outlier flags and value from median-mad; a feed below quorum is for the caller to drop);
 *   node_batch_seal(&b, err)   sorts, checks every rule, builds the tree: root and proofs;
 *   node_batch_write(&b, &buf, err)   the canonical bytes to pin.
 * Reading (obridge verify): node_batch_parse(&b, text, len, err) parses and checks every rule,
 * recomputes ids, each value from its observations, the root and every proof; errors name the
 * feed ("batch: feeds[2] 'ETH/USD': proof[1] is not the tree's").
 *
 * Canonical form (what node_batch_write produces, byte for byte): compact JSON (no whitespace, no
 * trailing newline), keys in the order PROTOCOL.md shows them (schema, chainId, registry, round,
 * timestamp, root, leafEncoding, feeds; per feed name, id, value, decimals, observedAt, proof,
 * aggregation, observations; aggregation method, k, quorum; observation source, value, at,
 * outlier), feeds by name bytes, observations by source bytes, values canonical decimal strings,
 * hex lower case with 0x, the registry EIP-55, `outlier` only when true, and `aggregation` /
 * `observations` only together (a feed committed from a bare value has neither).
 * The reader accepts any key order and whitespace (a document written by other tools), and
 * enforces every other rule.
 *
 * Ownership: a batch owns its feeds, names, observations and proofs; node_batch_release frees
 * them (a released batch is an empty, reusable one). Feed pointers from node_batch_add_feed stay
 * valid until the next add_feed or seal (they may move). err may be NULL. No global state. */
#ifndef OB_NODE_BATCH_H
#define OB_NODE_BATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
#include "ob/oracle/aggregate.h"
struct ob_buf;
struct ob_err;

#define NODE_BATCH_SCHEMA "obridge/batch/v1"
#define NODE_BATCH_INT_MAX (((uint64_t)1 << 53) - 1) /* the largest JSON integer published */
#define NODE_BATCH_SOURCE_MAX 128                      /* bytes in a source name */
#define NODE_BATCH_MAX_BYTES ((size_t)1 << 29)         /* a document read back: 512 MiB */

struct node_batch_obs {
  char *source;            /* owned, 1..NODE_BATCH_SOURCE_MAX bytes, no NUL */
  struct chain_u256 value; /* int256 at the feed's decimals */
  uint64_t at;             /* unix seconds */
  bool outlier;
};

struct node_batch_feed {
  char *name;               /* owned; PROTOCOL.md name rules */
  uint8_t id[32];           /* keccak256(name), set by add_feed / parse */
  struct chain_u256 value;  /* int256 */
  uint8_t decimals;         /* 0..36 */
  uint64_t observed_at;
  bool has_aggregation;     /* aggregation + observations present */
  struct oracle_k k;
  uint32_t quorum;
  struct node_batch_obs *obs; /* owned */
  size_t nobs, obs_cap;
  uint8_t (*proof)[32];     /* owned, set by seal / parse */
  size_t proof_len;
};

struct node_batch {
  uint64_t chain_id;
  uint8_t registry[20];
  uint64_t round;
  uint64_t timestamp;
  uint8_t root[32];         /* set by seal / parse */
  struct node_batch_feed *feeds; /* owned */
  size_t nfeeds, feeds_cap;
};

void node_batch_init(struct node_batch *b); /* no allocation */
void node_batch_release(struct node_batch *b);

/* Append a feed (name copied, checked, id computed). Returns the feed (valid until the next
 * add_feed or seal) or NULL with OB_EPARSE (bad name), OB_EINVAL (decimals > 36), OB_ENOMEM. */
struct node_batch_feed *node_batch_add_feed(struct node_batch *b, const char *name, unsigned decimals,
                                            struct ob_err *err);
/* Append an observation (source copied). Returns 0; OB_EPARSE (source empty, too long or with
 * NUL); OB_ENOMEM. */
int node_batch_add_obs(struct node_batch_feed *f, const char *source, const struct chain_u256 *value,
                       uint64_t at, struct ob_err *err);
/* Declare the feed's aggregation (median-mad with k and quorum >= 1). */
void node_batch_feed_set_aggregation(struct node_batch_feed *f, const struct oracle_k *k, uint32_t quorum);
/* Run median-mad over the feed's observations: sets each outlier flag, and f->value when the
 * feed reaches its quorum (res->ok). Returns 0 (see res); OB_EINVAL without an aggregation;
 * OB_ENOMEM. */
int node_batch_feed_aggregate(struct node_batch_feed *f, struct oracle_agg *res, struct ob_err *err);

/* Sort feeds and observations, check every rule (at least one feed, unique names and sources,
 * integers <= 2^53-1, round >= 1, an aggregated feed's value and flags equal median-mad of its
 * observations), build the tree, set root and proofs. Returns 0; OB_EPARSE / OB_ELIMIT /
 * OB_ECHECK naming the feed; OB_ENOMEM. */
int node_batch_seal(struct node_batch *b, struct ob_err *err);
/* Append the canonical JSON of a sealed batch to out. Returns 0; OB_ESTATE if not sealed;
 * ob_buf's OB_ELIMIT / OB_ENOMEM. */
int node_batch_write(const struct node_batch *b, struct ob_buf *out, struct ob_err *err);

/* Parse text[0..len) and check it completely (see the header comment); on success b holds the
 * document (b must be initialised; its old contents are released). Returns 0; OB_EPARSE for
 * malformed JSON, a missing, unknown or ill-typed key, bad hex, a non-canonical value, unsorted
 * or duplicate names or sources; OB_ELIMIT for sizes; OB_ECHECK for a feed id, value, outlier
 * flag, proof or root that does not match what the document itself implies; each naming the
 * feed and key. */
int node_batch_parse(struct node_batch *b, const char *text, size_t len, struct ob_err *err);

/* The leaf of a feed (for callers that verify against the contract). */
struct chain_merkle_leaf;
void node_batch_feed_leaf(struct chain_merkle_leaf *leaf, const struct node_batch_feed *f);
#endif
