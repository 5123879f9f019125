/* The chain area's store interfaces implemented on PostgreSQL (tables of migrations/0003_chain.sql).
 * node/ is where chain/ and db/ meet: chain/ defines the callbacks, this file fills them in.
 *
 * A struct node_chain_db is borrowed by every interface made from it and must outlive them; it
 * borrows the db connection (one thread, like struct db). */
#ifndef OB_NODE_CHAIN_STORE_H
#define OB_NODE_CHAIN_STORE_H
#include <stdint.h>

struct db;
struct chain_watch_store;
struct chain_txm_store;

struct node_chain_db {
  struct db *db;
  uint64_t chain_id;
  char from[43]; /* the sender, lower-case 0x-hex (transaction store only) */
};

/* Log watcher cursors in chain_cursors (chain_id, name). Never allocates. */
void node_chain_watch_store(struct chain_watch_store *out, struct node_chain_db *ctx);
/* Transactions of ctx->from on ctx->chain_id in chain_txs / chain_tx_versions / chain_nonces:
 * nonces allocated under a row lock (SELECT … FOR UPDATE), so processes never share one. */
void node_chain_txm_store(struct chain_txm_store *out, struct node_chain_db *ctx);
#endif
