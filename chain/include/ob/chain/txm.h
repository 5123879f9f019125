/* The transaction manager: every transaction obridge sends, from a nonce to a final state, crash-safe.
 *
 * States (chain_txs.state): queued (nonce allocated) → signed (raw bytes and hash stored, before
 * the first broadcast) → broadcast → confirmed (mined, chain.confirmations deep) → finalized
 * (finality_blocks deep, no longer watched); or failed (reverted when mined, its nonce consumed by
 * a transaction obridge did not send, or refused for good by the node: insufficient funds,
 * intrinsic gas too low); or superseded (replaced at the same nonce by a newer transaction that
 * got mined instead).
 *
 * - Nonces are allocated by the store (PostgreSQL) per (chain id, sender), never in memory.
 * - Fees: EIP-1559 from eth_feeHistory (median tip of the last blocks, twice the next base fee
 *   plus the tip), capped by the ceilings; legacy gas price where the chain has no base fee.
 * - Not mined after bump_after_blocks: re-signed with both fees raised by 12.5 % (the pool's
 *   replacement rule asks for 10 %), up to the ceilings; every version is stored, whichever is mined
 *   wins.
 * - A reorg (the receipt's block no longer canonical, or the receipt gone) sends a confirmed
 *   transaction back to broadcast, and it is sent again. Confirmed is not trusted across
 *   processes: a confirmed transaction loaded at start is "unproven" until this process has seen
 *   its receipt again (a reorg or a node restored from an older state may have undone it), and the
 *   manager is not idle while one is unproven.
 * - chain_txm_start recovers: queued ones are signed, signed/broadcast ones sent again, nonces the
 *   chain used that obridge did not are marked, gaps below the chain's pending nonce filled.
 *
 * The private key never enters the manager: a signer callback signs. Storage goes through
 * struct chain_txm_store (node/ implements it on PostgreSQL), so chain/ has no database code.
 * Everything runs on the client's loop; the store calls are synchronous. One manager per sender
 * at a time (node/ takes an advisory lock per sender). Values and fees are uint256 wei (chain_u256)
 * everywhere, the fee arithmetic included: nothing is cut to 64 bits. */
#ifndef OB_CHAIN_TXM_H
#define OB_CHAIN_TXM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"

struct ob_err;
struct ob_buf;
struct chain_rpc;
struct chain_txm;

enum chain_tx_state {
  CHAIN_TX_QUEUED,
  CHAIN_TX_SIGNED,
  CHAIN_TX_BROADCAST,
  CHAIN_TX_CONFIRMED,
  CHAIN_TX_FINALIZED,
  CHAIN_TX_FAILED,
  CHAIN_TX_SUPERSEDED,
};
const char *chain_tx_state_name(enum chain_tx_state s); /* "queued", … */
int chain_tx_state_parse(enum chain_tx_state *out, const char *s); /* 0 or OB_EINVAL */

/* What to send. */
struct chain_txm_req {
  bool has_to;
  uint8_t to[20];
  struct chain_u256 value; /* wei */
  const uint8_t *data; /* borrowed for the call */
  size_t data_len;
  uint64_t gas_limit;
  const char *purpose; /* free text for people ("commit round 42"); may be NULL */
  const char *key;     /* idempotency key, per sender: a second submit with the same key and the
                          same request returns the first transaction; with a different request
                          (to, value, data, gas limit) it is refused (OB_EINVAL naming what
                          differs). NULL for none */
};

/* One signed version. */
struct chain_txm_ver {
  char hash[67];        /* 0x + 64 hex */
  const uint8_t *raw;   /* borrowed */
  size_t raw_len;
  bool legacy;
  struct chain_u256 max_fee, max_priority_fee; /* EIP-1559, wei per gas */
  struct chain_u256 gas_price;                 /* legacy, wei per gas */
};

/* Fields to sign (the signer builds, signs and encodes the transaction). */
struct chain_txm_sign_req {
  uint64_t chain_id, nonce, gas_limit;
  struct chain_u256 value;
  bool has_to;
  uint8_t to[20];
  const uint8_t *data;
  size_t data_len;
  bool legacy;
  struct chain_u256 max_fee, max_priority_fee, gas_price; /* wei per gas */
};

struct chain_txm_signer {
  void *ud;
  uint8_t from[20];
  /* Append the raw signed transaction to raw and write its hash. Returns 0 or an OB_E* code. */
  int (*sign)(void *ud, const struct chain_txm_sign_req *r, struct ob_buf *raw, uint8_t hash32[32],
              struct ob_err *err);
};

/* A transaction as the store loads it at start (pointers borrowed for the callback). */
struct chain_txm_loaded {
  int64_t id;
  uint64_t nonce;
  enum chain_tx_state state;
  struct chain_txm_req req; /* purpose and key may be NULL */
  int64_t replaces;         /* 0 if none */
  const struct chain_txm_ver *vers; /* in version order */
  size_t nvers;
  char mined_hash[67], block_hash[67]; /* "" if not mined */
  uint64_t block_number;
};

/* A state change. Only the fields for the new state are read. */
struct chain_txm_update {
  enum chain_tx_state state;
  const char *mined_hash;  /* confirmed, finalized */
  uint64_t block_number;
  const char *block_hash;
  int receipt_status;      /* 1 success, 0 reverted */
  uint64_t gas_used;
  const char *error;       /* failed */
  uint64_t broadcast_block; /* broadcast */
  int bumps;              /* versions - 1 (the store keeps the larger of this and its count) */
};

/* Synchronous storage, all for (chain_id, from). Every call returns 0 or an OB_E* code. */
struct chain_txm_store {
  void *ud;
  /* Allocate the next nonce and insert a queued transaction, atomically. chain_next: the chain's
   * pending nonce, the floor for the allocation (nonces below it were used). A known key (of this
   * sender) with the same request returns the existing transaction with *existed = true; with a
   * different request OB_EINVAL naming the key and what differs. */
  int (*insert)(void *ud, const struct chain_txm_req *r, uint64_t chain_next, int64_t *id,
                uint64_t *nonce, bool *existed, struct ob_err *err);
  /* Insert a queued transaction at exactly this nonce (filling a gap). */
  int (*insert_at)(void *ud, const struct chain_txm_req *r, uint64_t nonce, int64_t *id, struct ob_err *err);
  /* Store version `version` (0, 1, …) and move a queued transaction to signed. */
  int (*add_version)(void *ud, int64_t id, int version, const struct chain_txm_ver *v, struct ob_err *err);
  int (*update)(void *ud, int64_t id, const struct chain_txm_update *u, struct ob_err *err);
  /* A new queued transaction at old_id's nonce with r's contents; old_id becomes superseded. */
  int (*supersede)(void *ud, int64_t old_id, const struct chain_txm_req *r, int64_t *new_id,
                   struct ob_err *err);
  /* Every transaction in queued, signed, broadcast or confirmed, and superseded ones at those
   * nonces, in nonce order. */
  int (*load_active)(void *ud, void (*each)(void *cbud, const struct chain_txm_loaded *t), void *cbud,
                     struct ob_err *err);
  /* The store's next nonce (0 if none yet). */
  int (*next_nonce)(void *ud, uint64_t *next, struct ob_err *err);
};

struct chain_txm_opts {
  uint64_t chain_id;
  unsigned confirmations;     /* depth for confirmed: default 1 */
  unsigned finality_blocks;   /* depth for finalized: default 64 */
  unsigned bump_after_blocks; /* default 3 */
  struct chain_u256 max_fee_wei;          /* ceiling on maxFeePerGas / gasPrice: default 500 gwei */
  struct chain_u256 max_priority_fee_wei; /* ceiling on the tip: default 50 gwei */
  struct chain_u256 min_priority_fee_wei; /* floor on the tip: default 1 gwei (capped by the ceiling) */
  unsigned check_interval_ms; /* receipts and bumps at most this often: default 250 */
  unsigned start_timeout_ms;  /* chain_txm_start gives up after this: default 30000 */
};
void chain_txm_opts_init(struct chain_txm_opts *o);

/* Events for the owner (and tests). */
struct chain_txm_cbs {
  void (*on_state)(void *ud, int64_t id, uint64_t nonce, enum chain_tx_state state, const char *hash);
};

/* Create a manager. signer and store are borrowed until chain_txm_free. cbs may be NULL. */
int chain_txm_new(struct chain_txm **out, struct chain_rpc *rpc, const struct chain_txm_opts *o,
                  const struct chain_txm_signer *signer, const struct chain_txm_store *store,
                  const struct chain_txm_cbs *cbs, void *ud, struct ob_err *err);
void chain_txm_free(struct chain_txm *m);

/* Recover (see above) and start watching. Blocking (runs the loop): call once, before submitting. */
int chain_txm_start(struct chain_txm *m, struct ob_err *err);

/* Queue a transaction: nonce allocated and row inserted now; signing and broadcast follow on the
 * loop. *id gets the transaction id. Returns 0 or the store's / chain's errors. */
int chain_txm_submit(struct chain_txm *m, const struct chain_txm_req *r, int64_t *id, struct ob_err *err);

/* Replace a pending transaction with new contents at the same nonce (higher fees, so the pool
 * takes it). Returns 0; OB_ESTATE if id is not pending (already mined or final); OB_ENOENT. */
int chain_txm_supersede(struct chain_txm *m, int64_t id, const struct chain_txm_req *r, int64_t *new_id,
                        struct ob_err *err);

/* Counts of the transactions in memory by state, and whether nothing is pending. unproven:
 * confirmed ones loaded at start whose receipt this process has not seen yet. */
struct chain_txm_counts {
  size_t queued, signed_, broadcast, confirmed, unproven;
  uint64_t bumps, resent, reorgs, rejected;
};
void chain_txm_counts(struct chain_txm *m, struct chain_txm_counts *out);
/* True when no transaction is queued, signed or broadcast, and no confirmed one is unproven. */
bool chain_txm_idle(struct chain_txm *m);
#endif
