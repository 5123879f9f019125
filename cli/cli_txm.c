/* Opening a transaction manager from the command line (cli_txm.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_db.h"
#include "cli_key.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/keystore.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"
#include "ob/db/db.h"

/* ---- the key ---- */

/* --key-file (a hex private key, for development and tests) or the configured keystore, unlocked
 * the one way the CLI unlocks keystores (cli_key_unlock: password file, environment, prompt). */
int cli_txm_load_key(struct cli *cli, const struct ob_config *c, const char *key_file, uint8_t key32[32],
                    struct ob_err *err) {
  struct chain_signer *s = NULL;
  uint8_t addr[20];
  int rc;
  if (key_file) {
    struct ob_buf a;
    ob_buf_init(&a, 1 << 16);
    rc = ob_file_read(key_file, &a, 200, err);
    while (!rc && a.len && (a.buf[a.len - 1] == '\n' || a.buf[a.len - 1] == '\r' || a.buf[a.len - 1] == ' '))
      a.buf[--a.len] = 0;
    if (!rc && ob_hex_decode_fixed(key32, 32, a.buf, NULL) != 0)
      rc = ob_err_set(err, OB_EPARSE, "key file '%s': expected 32 bytes of hex", key_file);
    ob_memclear(a.buf, a.len);
    ob_buf_release(&a);
    return rc;
  }
  if (!c->keystore)
    return ob_err_set(err, OB_EUSAGE, "no key: set chain.keystore (and its password), or give --key-file");
  rc = chain_signer_new(&s, err);
  if (!rc) rc = cli_key_unlock(cli, s, c->keystore, NULL, key32, addr, err);
  chain_signer_free(s);
  return rc;
}

/* ---- a running manager ---- */


void cli_txm_close(struct cli_txm *g) {
  chain_txm_free(g->m);
  if (!g->borrowed) chain_rpc_free(g->rpc);
  if (!g->borrowed) chain_loop_free(g->loop);
  chain_key_signer_free(g->ks);
  if (g->db && g->lock[0]) db_advisory_unlock(g->db, g->lock, NULL);
  if (!g->borrowed) db_close(g->db);
  ob_free(g->urls);
  memset(g, 0, sizeof(*g));
}

unsigned cli_txm_ms_left(uint64_t deadline) {
  uint64_t now = ob_mono_ms();
  return now >= deadline ? 0 : (unsigned)(deadline - now);
}

/* A fee flag as a ceiling in wei per gas (uint256, as the manager's fees). */
static int fee_ceiling(struct chain_u256 *out, bool has, const struct chain_u256 *v, const char *what, struct ob_err *err) {
  if (!has) return 0;
  if (chain_u256_is_zero(v)) return ob_err_set(err, OB_EUSAGE, "%s: expected a fee ceiling of at least 1 wei per gas", what);
  *out = *v;
  return 0;
}

/* A ceiling from the configuration, in gwei, as wei (exact for any uint64 of gwei). */
static void gwei_to_wei(struct chain_u256 *out, uint64_t gwei) {
  chain_u256_from_u64(out, gwei);
  chain_u256_mul_small(out, 1000000000ULL, 0);
}

/* The manager's options from the config; f (may be NULL) overrides the fee ceilings. */
static int txm_opts(struct chain_txm_opts *to, const struct ob_config *c, const struct cli_tx_fields *f, struct ob_err *err) {
  int rc;
  chain_txm_opts_init(to);
  to->chain_id = c->chain_id;
  to->confirmations = c->confirmations;
  to->bump_after_blocks = c->bump_after_blocks;
  gwei_to_wei(&to->max_fee_wei, c->max_fee_gwei);
  gwei_to_wei(&to->max_priority_fee_wei, c->max_priority_fee_gwei);
  if (f && ((rc = fee_ceiling(&to->max_fee_wei, f->has_max_fee, &f->max_fee, "--max-fee", err)) ||
            (rc = fee_ceiling(&to->max_fee_wei, f->has_gas_price, &f->gas_price, "--gas-price", err)) ||
            (rc = fee_ceiling(&to->max_priority_fee_wei, f->has_priority_fee, &f->priority_fee, "--priority-fee", err))))
    return rc;
  to->min_priority_fee_wei = *chain_u256_min(&to->min_priority_fee_wei, &to->max_priority_fee_wei);
  return 0;
}

/* The key signer and the store of this sender on g->db. */
static int txm_signer(struct cli_txm *g, struct cli *cli, const struct ob_config *c, const char *key_file, struct ob_err *err) {
  uint8_t key[32];
  int rc = cli_txm_load_key(cli, c, key_file, key, err);
  if (!rc) rc = chain_key_signer_new(&g->ks, &g->signer, key, err);
  ob_memclear(key, sizeof(key));
  if (rc) return rc;
  g->ndb.db = g->db;
  g->ndb.chain_id = c->chain_id;
  ob_hex_encode0x(g->ndb.from, g->signer.from, 20);
  node_chain_txm_store(&g->store, &g->ndb);
  snprintf(g->lock, sizeof(g->lock), "txm:%" PRIu64 ":%s", c->chain_id, g->ndb.from);
  return 0;
}

/* Open the database, the key, the chain and the manager (recovering what an earlier run left),
 * all within g->deadline. f (may be NULL) overrides the fee ceilings for this run. */
int cli_txm_open(struct cli_txm *g, struct cli *cli, const char *key_file, const struct cli_tx_fields *f, uint64_t deadline,
                    int *exit_code) {
  struct ob_config *c = cli_config(cli, exit_code);
  struct chain_rpc_opts ro;
  struct chain_txm_opts to;
  struct ob_err err;
  int rc;
  memset(g, 0, sizeof(*g));
  g->deadline = deadline;
  if (!c) return -1;
  ob_err_clear(&err);
  if (cli_db_open(cli, &g->db, exit_code)) return -1;
  if ((rc = txm_signer(g, cli, c, key_file, &err))) goto fail;
  /* One manager per sender at a time: it waits for another one to finish. */
  if ((rc = db_advisory_lock(g->db, g->lock, false, &err)) != 0) {
    g->lock[0] = 0;
    goto fail;
  }
  if (cli_chain_opts(&ro, &g->urls, c)) {
    rc = ob_err_set(&err, OB_ENOMEM, "out of memory");
    goto fail;
  }
  if ((rc = txm_opts(&to, c, f, &err))) goto fail;
  to.start_timeout_ms = cli_txm_ms_left(deadline);
  if (!to.start_timeout_ms) {
    rc = ob_err_set(&err, OB_ETIMEDOUT, "timed out before reaching the chain");
    goto fail;
  }
  rc = chain_loop_new(&g->loop, &err);
  if (!rc) rc = chain_rpc_new(&g->rpc, g->loop, &ro, &err);
  if (!rc) rc = chain_txm_new(&g->m, g->rpc, &to, &g->signer, &g->store, NULL, NULL, &err);
  if (!rc) rc = chain_txm_start(g->m, &err);
  if (!rc) return 0;
fail:
  *exit_code = cli_fail(rc, &err);
  cli_txm_close(g);
  return -1;
}

int cli_txm_open_on(struct cli_txm *g, struct cli *cli, struct db *db, struct chain_loop *loop, struct chain_rpc *rpc,
                    uint64_t start_timeout_ms, struct ob_err *err) {
  const struct ob_config *c = cli->config;
  struct chain_txm_opts to;
  int rc;
  memset(g, 0, sizeof(*g));
  g->borrowed = true;
  g->db = db, g->loop = loop, g->rpc = rpc;
  if (!c) return ob_err_set(err, OB_ESTATE, "no configuration loaded");
  if ((rc = txm_signer(g, cli, c, NULL, err))) goto fail;
  if ((rc = db_advisory_lock(g->db, g->lock, true, err)) != 0) {
    g->lock[0] = 0;
    if (rc == OB_ECONFLICT) rc = ob_err_set(err, OB_ECONFLICT, "another process sends from %s (lock '%s')", g->ndb.from, g->lock);
    goto fail;
  }
  if ((rc = txm_opts(&to, c, NULL, err))) goto fail;
  to.start_timeout_ms = start_timeout_ms;
  rc = chain_txm_new(&g->m, g->rpc, &to, &g->signer, &g->store, NULL, NULL, err);
  if (!rc) rc = chain_txm_start(g->m, err);
  if (!rc) return 0;
fail:
  cli_txm_close(g);
  return rc;
}

bool cli_txm_run_until_idle(struct cli_txm *g) {
  while (!chain_txm_idle(g->m) && cli_txm_ms_left(g->deadline)) chain_loop_run_once(g->loop);
  return chain_txm_idle(g->m);
}

/* --timeout S (default def): the deadline for the whole command. */
int cli_txm_parse_timeout(uint64_t *deadline, struct cli_opt *opts, uint64_t def) {
  uint64_t t = def;
  const char *v = cli_opt(opts, "timeout")->value;
  if (v && (ob_parse_u64(&t, v, "--timeout", NULL) || t == 0 || t > 86400 * 365))
    return cli_failf(OB_EUSAGE, "--timeout: expected seconds (1 or more), got '%s'", v);
  *deadline = ob_mono_ms() + t * 1000;
  return 0;
}

