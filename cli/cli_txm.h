/* Opening a transaction manager from the command line, one way for tx, registry and commit: the
 * database, the sender's key (--key-file or the configured keystore, unlocked by cli_key_unlock), an
 * advisory lock per sender (one manager per sender at a time), the chain client and the manager,
 * recovering what an earlier run left. */
#ifndef OB_CLI_TXM_H
#define OB_CLI_TXM_H
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "cli_tx.h"
#include "ob/chain/txm.h"
#include "ob/chain/txm_signer.h"
#include "ob/node/chain_store.h"
#include "ob/node/txm_store.h"

struct db;
struct chain_loop;
struct chain_rpc;

struct cli_txm {
  struct db *db;
  struct node_chain_db ndb;
  struct chain_txm_store store;
  struct chain_key_signer *ks;
  struct chain_txm_signer signer;
  struct chain_loop *loop;
  struct chain_rpc *rpc;
  struct chain_txm *m;
  const char **urls;
  char lock[96];
  uint64_t deadline; /* ob_mono_ms(): the command's --timeout */
  bool borrowed;     /* db, loop and rpc are the caller's (cli_txm_open_on) */
};

/* Open everything within deadline (ob_mono_ms()). key_file: a hex key file instead of the keystore
 * (development), may be NULL. f (may be NULL) overrides the fee ceilings for this run. Returns 0, or
 * -1 with *exit_code set and the error printed. */
int cli_txm_open(struct cli_txm *g, struct cli *cli, const char *key_file, const struct cli_tx_fields *f,
                 uint64_t deadline, int *exit_code);
/* The same on the caller's db, loop and rpc (the daemon's; borrowed until cli_txm_close), with the
 * configured keystore, and without waiting: another holder of the sender's lock is OB_ECONFLICT.
 * Returns 0 or an OB_E* code (nothing printed). */
int cli_txm_open_on(struct cli_txm *g, struct cli *cli, struct db *db, struct chain_loop *loop, struct chain_rpc *rpc,
                    uint64_t start_timeout_ms, struct ob_err *err);
void cli_txm_close(struct cli_txm *g);
/* The sender's key: key_file (hex, development) or the configured keystore (cli_key_unlock). The
 * caller wipes key32. 0 or an OB_E* code. */
struct ob_config;
int cli_txm_load_key(struct cli *cli, const struct ob_config *c, const char *key_file, uint8_t key32[32],
                     struct ob_err *err);
/* Run the loop until nothing of this sender is pending, or the deadline. True when idle. */
bool cli_txm_run_until_idle(struct cli_txm *g);
/* Milliseconds until deadline (0 when past). */
unsigned cli_txm_ms_left(uint64_t deadline);
/* --timeout S of opts (default def seconds): the deadline for the whole command. 0 or an exit code. */
int cli_txm_parse_timeout(uint64_t *deadline, struct cli_opt *opts, uint64_t def);

/* The registry (cmd_registry.c), shared by registry and commit. */
struct ob_buf;
/* reg from --registry (flag, may be NULL) or chain.registry. 0, or -1 with *exit_code. */
int cli_registry_addr(struct cli *cli, const char *flag, uint8_t reg[20], int *exit_code);
/* Dry-run data from the sender to reg (NULL: a contract creation; a revert names the registry
 * error and nothing is sent), submit it with key (may be NULL), wait until confirmed; *row points
 * into rows (free with node_tx_rows_free). 0, or -1 with *exit_code. */
int cli_registry_send(struct cli_txm *g, const uint8_t *reg, const struct ob_buf *data, uint64_t gas, const char *purpose,
                      const char *key, struct node_tx_row *row, struct node_tx_rows *rows, int *exit_code);
#endif
