/* The transactions of chain_txs as `obridge tx ls|show|send` reads them: rows as structs, the
 * SQL stays in node/ (node/src/txm_store.c, beside the transaction manager's store). */
#ifndef OB_NODE_TXM_STORE_H
#define OB_NODE_TXM_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"

struct db;
struct ob_err;

struct node_tx_row {
  int64_t id;
  uint64_t chain_id, nonce;
  char state[16];
  char from[43], to[43];  /* lower-case 0x-hex; to is "" for a contract creation */
  struct chain_u256 value; /* wei */
  uint64_t gas_limit;
  /* The fees (wei per gas) of the mined version, else of the latest; none before it is signed. */
  bool has_fees, legacy;
  struct chain_u256 max_fee, max_priority_fee; /* EIP-1559 */
  struct chain_u256 gas_price;                 /* legacy */
  char *purpose;           /* never NULL ("" for none) */
  char *key;               /* idempotency key; NULL for none */
  int64_t replaces;        /* the superseded transaction; 0 for none */
  char mined_hash[67];     /* "" when not mined */
  uint64_t block_number;   /* 0 when not mined */
  int receipt_status;      /* 1 success, 0 reverted, -1 not mined */
  uint64_t gas_used;
  char *error;             /* NULL for none */
  int bumps;               /* versions - 1 */
  char created_at[32], updated_at[32]; /* ISO-8601 UTC, "2026-12-04T16:54:08Z" */
  char (*hashes)[67];      /* every version's hash, in version order */
  size_t nhashes;
};

struct node_tx_rows {
  struct node_tx_row *v;
  size_t n;
};

/* Every transaction (all chains and senders) in id order, only those in state (NULL: any).
 * out is owned by the caller (node_tx_rows_free) even on failure. */
int node_tx_list(struct db *db, const char *state, struct node_tx_rows *out, struct ob_err *err);
/* The transactions ref names: a decimal id, the hash of any version, or a prefix of one ("0x" and
 * at least 4 hex digits). Several rows when a prefix is ambiguous; none when nothing matches.
 * OB_EINVAL when ref is none of these forms. With db NULL only the form is checked (no rows). */
int node_tx_find(struct db *db, const char *ref, struct node_tx_rows *out, struct ob_err *err);
void node_tx_rows_free(struct node_tx_rows *r);
#endif
