/* Watching logs without gaps: newHeads and logs subscriptions wake the watcher; logs are handed
 * over from eth_getLogs in bounded block ranges, from the block after the saved cursor up to the
 * head, so that a reconnect, a restart or a missed notification leaves no gap, and each block's
 * logs are handed over once (at least once across a crash between the handover and the cursor
 * save: consumers must be idempotent).
 *
 * The cursor is kept through a store interface (struct chain_watch_store) so that chain/ needs
 * no database: node/ implements it on PostgreSQL (node/include/ob/node/chain_store.h).
 *
 * Reorgs: the hash of the cursor's block is saved with it, and the watcher remembers the hashes of
 * the last reorg_depth ranges it handed over. When the chain no longer holds the cursor's block
 * (a reorg reaching at or below the cursor, also one that happened while the watcher was down),
 * the watcher moves the cursor back to the newest block it handed over that is still on the chain,
 * calls on_reorg, and hands the logs from there on over again, now from the new chain. When none
 * of the remembered blocks is left (a reorg deeper than they reach, or a restart, which remembers
 * only the cursor's block), it goes back reorg_depth blocks before the oldest one it knows.
 * Runs on the client's loop. */
#ifndef OB_CHAIN_WATCH_H
#define OB_CHAIN_WATCH_H
#include <stdbool.h>
#include <stdint.h>

struct ob_err;
struct ob_json;
struct chain_rpc;
struct chain_watch;

/* Where a watcher got to. Calls are synchronous; return 0 or an OB_E* code. */
struct chain_watch_store {
  void *ud;
  /* *found = false when the watcher never saved a cursor. hash67: the block's hash as saved
   * ("0x" + 64 hex digits), or "" if none was. */
  int (*load_cursor)(void *ud, const char *name, uint64_t *block, char hash67[67], bool *found,
                     struct ob_err *err);
  /* hash: the block's hash, or NULL when not known (then the next reorg check of a restarted
   * watcher falls back to going back reorg_depth blocks). */
  int (*save_cursor)(void *ud, const char *name, uint64_t block, const char *hash, struct ob_err *err);
};

struct chain_watch_opts {
  const char *name;        /* cursor name, e.g. "registry" (copied) */
  const char *filter_json; /* eth_getLogs filter without block range: {"address":…,"topics":…} */
  bool has_start_block;    /* no saved cursor: start here (else at the current head) */
  uint64_t start_block;
  uint64_t max_range;      /* blocks per eth_getLogs: default 1000 */
  uint64_t reorg_depth;    /* ranges whose hashes are kept, and blocks gone back when none of
                            * them is left on the chain: default 64 */
};
void chain_watch_opts_init(struct chain_watch_opts *o);

struct chain_watch_cbs {
  /* One log (borrowed for the call), in block order. */
  void (*on_log)(void *ud, const struct ob_json *log);
  /* Called after the cursor moved (every log up to block handed over and saved). */
  void (*on_progress)(void *ud, uint64_t block);
  /* A reorg replaced blocks whose logs were handed over: logs of blocks >= from_block may be
   * gone, and the logs of the chain that replaced them are handed over next (from from_block on,
   * in block order, again through on_log). NULL: consumers rely on being idempotent. */
  void (*on_reorg)(void *ud, uint64_t from_block);
  /* A store or RPC error (the watcher retries by itself). */
  void (*on_error)(void *ud, int code, const struct ob_err *err);
};

/* Start watching. Allocates; *out owned (chain_watch_free before the client). The store is
 * borrowed until chain_watch_free. Returns 0; OB_EINVAL (filter not a JSON object); the store's
 * errors (cursor load). */
int chain_watch_new(struct chain_watch **out, struct chain_rpc *rpc, const struct chain_watch_opts *o,
                    const struct chain_watch_store *store, const struct chain_watch_cbs *cbs, void *ud,
                    struct ob_err *err);
void chain_watch_free(struct chain_watch *w);
/* The last block whose logs were handed over; false before the first. */
bool chain_watch_cursor(const struct chain_watch *w, uint64_t *block);
#endif
