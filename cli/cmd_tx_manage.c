/* obridge tx send|run|ls|show: the transaction manager from the command line. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_db.h"
#include "cli_key.h"
#include "cli_tx.h"
#include "config.h"
#include "ob/chain/keystore.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/chain/txm.h"
#include "ob/chain/txm_signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/chain_store.h"

/* ---- the key ---- */

/* --key-file (a hex private key, for development and tests) or the configured keystore, unlocked
 * the one way the CLI unlocks keystores (cli_key_unlock: password file, environment, prompt). */
static int load_key(struct cli *cli, const struct ob_config *c, const char *key_file, uint8_t key32[32],
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

struct mgr {
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
};

static void mgr_close(struct mgr *g) {
  chain_txm_free(g->m);
  chain_rpc_free(g->rpc);
  chain_loop_free(g->loop);
  chain_key_signer_free(g->ks);
  if (g->db && g->lock[0]) db_advisory_unlock(g->db, g->lock, NULL);
  db_close(g->db);
  ob_free(g->urls);
}

static int mgr_open(struct mgr *g, struct cli *cli, const char *key_file, int *exit_code) {
  struct ob_config *c = cli_config(cli, exit_code);
  struct chain_rpc_opts ro;
  struct chain_txm_opts to;
  struct ob_err err;
  uint8_t key[32];
  int rc;
  memset(g, 0, sizeof(*g));
  if (!c) return -1;
  ob_err_clear(&err);
  if (cli_db_open(cli, &g->db, exit_code)) return -1;
  rc = load_key(cli, c, key_file, key, &err);
  if (!rc) rc = chain_key_signer_new(&g->ks, &g->signer, key, &err);
  ob_memclear(key, sizeof(key));
  if (rc) goto fail;
  g->ndb.db = g->db;
  g->ndb.chain_id = c->chain_id;
  ob_hex_encode0x(g->ndb.from, g->signer.from, 20);
  node_chain_txm_store(&g->store, &g->ndb);
  /* One manager per sender at a time: it waits for another one to finish. */
  snprintf(g->lock, sizeof(g->lock), "txm:%" PRIu64 ":%s", c->chain_id, g->ndb.from);
  if ((rc = db_advisory_lock(g->db, g->lock, false, &err)) != 0) {
    g->lock[0] = 0;
    goto fail;
  }
  if (cli_chain_opts(&ro, &g->urls, c)) {
    rc = ob_err_set(&err, OB_ENOMEM, "out of memory");
    goto fail;
  }
  chain_txm_opts_init(&to);
  to.chain_id = c->chain_id;
  to.confirmations = c->confirmations;
  to.bump_after_blocks = c->bump_after_blocks;
  to.max_fee_wei = c->max_fee_gwei * 1000000000ULL;
  to.max_priority_fee_wei = c->max_priority_fee_gwei * 1000000000ULL;
  rc = chain_loop_new(&g->loop, &err);
  if (!rc) rc = chain_rpc_new(&g->rpc, g->loop, &ro, &err);
  if (!rc) rc = chain_txm_new(&g->m, g->rpc, &to, &g->signer, &g->store, NULL, NULL, &err);
  if (!rc) rc = chain_txm_start(g->m, &err);
  if (!rc) return 0;
fail:
  *exit_code = cli_fail(rc, &err);
  mgr_close(g);
  return -1;
}

static bool run_until_idle(struct mgr *g, uint64_t timeout_ms) {
  uint64_t end = ob_mono_ms() + timeout_ms;
  while (!chain_txm_idle(g->m) && ob_mono_ms() < end) chain_loop_run_once(g->loop);
  return chain_txm_idle(g->m);
}

/* ---- tx send ---- */

static int parse_req(struct chain_txm_req *q, struct cli_opt *opts, uint8_t **data, struct ob_err *err) {
  const char *to = cli_opt(opts, "to")->value, *hex = cli_opt(opts, "data")->value;
  int rc = 0;
  memset(q, 0, sizeof(*q));
  q->gas_limit = 100000;
  if (!to) return ob_err_set(err, OB_EUSAGE, "--to is required");
  if ((rc = chain_addr_parse(q->to, to, err)) != 0) return ob_err_prefix(err, OB_EUSAGE, "--to");
  q->has_to = true;
  if (cli_opt(opts, "value")->value &&
      (rc = ob_parse_u64(cli_opt(opts, "value")->value, &q->value_wei, "--value", err)) != 0)
    return rc;
  if (cli_opt(opts, "gas")->value && (rc = ob_parse_u64(cli_opt(opts, "gas")->value, &q->gas_limit, "--gas", err)) != 0)
    return rc;
  if (hex && (rc = ob_hex_decode_alloc(data, &q->data_len, hex, strlen(hex), err)) != 0)
    return ob_err_prefix(err, OB_EUSAGE, "--data");
  q->data = *data;
  q->key = cli_opt(opts, "key")->value;
  q->purpose = cli_opt(opts, "purpose")->value;
  return 0;
}

static int run_send(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"to", CLI_VALUE, "ADDR", "recipient (0x…, EIP-55 or one case)"},
                           {"value", CLI_VALUE, "WEI", "amount in wei (default 0)"},
                           {"data", CLI_VALUE, "HEX", "calldata (0x…)"},
                           {"gas", CLI_VALUE, "N", "gas limit (default 100000)"},
                           {"key", CLI_VALUE, "KEY", "idempotency key: sending the same key again returns the first transaction"},
                           {"purpose", CLI_VALUE, "TEXT", "note stored with the transaction"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"wait", CLI_FLAG, NULL, "wait until it is confirmed (chain.confirmations)"},
                           {"json", CLI_FLAG, NULL, "print the result as JSON"},
                           {0}};
  struct chain_txm_req q;
  struct ob_err err;
  struct mgr g;
  uint8_t *data = NULL;
  int64_t id = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if ((rc = parse_req(&q, opts, &data, &err)) != 0) {
    ob_free(data);
    return cli_fail(rc, &err);
  }
  if (mgr_open(&g, cli, cli_opt(opts, "key-file")->value, &exit_code)) {
    ob_free(data);
    return exit_code;
  }
  rc = chain_txm_submit(g.m, &q, &id, &err);
  ob_free(data);
  if (rc) {
    exit_code = cli_fail(rc, &err);
  } else {
    /* Without --wait: until everything of this sender is out (sent, not necessarily mined). */
    struct chain_txm_counts c;
    uint64_t end = ob_mono_ms() + 30000;
    do {
      chain_loop_run_once(g.loop);
      chain_txm_counts(g.m, &c);
    } while ((c.queued || c.signed_) && ob_mono_ms() < end);
    if (cli_opt(opts, "wait")->set && !run_until_idle(&g, 600000)) exit_code = cli_failf(OB_ETIMEDOUT, "not confirmed in time");
    if (cli_opt(opts, "json")->set) printf("{\"id\":%" PRId64 "}\n", id);
    else printf("%" PRId64 "\n", id);
  }
  mgr_close(&g);
  return exit_code;
}

static int run_run(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {0}};
  struct mgr g;
  uint64_t t = 600;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (cli_opt(opts, "timeout")->value && ob_parse_u64(cli_opt(opts, "timeout")->value, &t, "--timeout", NULL))
    return cli_failf(OB_EUSAGE, "--timeout: expected seconds");
  if (mgr_open(&g, cli, cli_opt(opts, "key-file")->value, &exit_code)) return exit_code;
  if (!run_until_idle(&g, t * 1000)) exit_code = cli_failf(OB_ETIMEDOUT, "transactions still pending after %" PRIu64 " s", t);
  mgr_close(&g);
  return exit_code;
}

/* ---- tx ls / show ---- */

static const char *const cols[] = {"id", "nonce", "state", "from_addr", "to_addr", "value_wei", "gas_limit", "purpose",
                                   "idem_key", "replaces", "mined_hash", "block_number", "receipt_status", "bumps",
                                   "error", "created_at", "updated_at", "versions"};
#define TX_SELECT                                                                                                       \
  "SELECT id, nonce, state, from_addr, to_addr, value_wei::text, gas_limit, purpose, idem_key, replaces, mined_hash, "  \
  "block_number, receipt_status, bumps, error, created_at::text, updated_at::text, "                                   \
  "(SELECT string_agg(hash, ',' ORDER BY version) FROM chain_tx_versions v WHERE v.tx_id = t.id) FROM chain_txs t "

static bool col_is_number(size_t i) { return i <= 1 || i == 6 || i == 9 || i == 11 || i == 12 || i == 13; }

static void row_json(struct ob_jw *w, const struct db_res *res, size_t r) {
  ob_jw_obj_begin(w);
  for (size_t i = 0; i < OB_ARRAY_LEN(cols); i++) {
    const char *v = db_res_get(res, r, i);
    ob_jw_key(w, cols[i]);
    if (!v) ob_jw_null(w);
    else if (i == OB_ARRAY_LEN(cols) - 1) {
      const char *p = v;
      ob_jw_arr_begin(w);
      while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        ob_jw_strn(w, p, n);
        p += n + (e ? 1 : 0);
      }
      ob_jw_arr_end(w);
    } else if (col_is_number(i)) ob_jw_number(w, v);
    else ob_jw_str(w, v);
  }
  ob_jw_obj_end(w);
}

static int print_rows(const struct db_res *res, bool json, bool one) {
  if (json) {
    struct ob_buf b;
    struct ob_jw w;
    ob_buf_init(&b, (size_t)64 << 20);
    ob_jw_init(&w, &b, false);
    if (!one) ob_jw_arr_begin(&w);
    for (size_t r = 0; r < db_res_rows(res); r++) row_json(&w, res, r);
    if (!one) ob_jw_arr_end(&w);
    ob_jw_finish(&w);
    ob_buf_addch(&b, '\n');
    cli_out(b.buf, b.len);
    ob_buf_release(&b);
  } else if (one) {
    for (size_t i = 0; i < OB_ARRAY_LEN(cols); i++)
      printf("%-15s %s\n", cols[i], db_res_get(res, 0, i) ? db_res_get(res, 0, i) : "-");
  } else {
    for (size_t r = 0; r < db_res_rows(res); r++)
      printf("%-6s nonce %-6s %-10s %s %s\n", db_res_get(res, r, 0), db_res_get(res, r, 1), db_res_get(res, r, 2),
             db_res_get(res, r, 10) ? db_res_get(res, r, 10) : "-", db_res_get(res, r, 7));
  }
  return 0;
}

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"state", CLI_VALUE, "S", "only this state (queued, signed, broadcast, confirmed, finalized, failed, superseded)"},
                           {"json", CLI_FLAG, NULL, "print as JSON"},
                           {0}};
  struct db *db;
  struct db_res *res = NULL;
  struct ob_err err;
  enum chain_tx_state st;
  const char *state;
  const char *p[1];
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  state = cli_opt(opts, "state")->value;
  if (state && chain_tx_state_parse(state, &st))
    return cli_failf(OB_EUSAGE, "--state: unknown state '%s' (expected queued, signed, broadcast, confirmed, finalized, failed or superseded)", state);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  ob_err_clear(&err);
  p[0] = state;
  rc = db_exec(db, &res, DB_RETRY, state ? TX_SELECT "WHERE state = $1 ORDER BY id" : TX_SELECT "ORDER BY id",
               state ? 1 : 0, p, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else print_rows(res, cli_opt(opts, "json")->set, false);
  db_res_free(res);
  db_close(db);
  return exit_code;
}

static int run_show(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print as JSON"}, {0}};
  struct db *db;
  struct db_res *res = NULL;
  struct ob_err err;
  char **pos = NULL;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  const char *p[1];
  uint64_t id;
  bool by_hash;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != 1) return cli_failf(OB_EUSAGE, "expected one HASH or ID\nusage: obridge %s", self->usage);
  by_hash = ob_str_starts(pos[0], "0x");
  if (by_hash ? strlen(pos[0]) != 66 : ob_parse_u64(pos[0], &id, "ID", NULL) != 0)
    return cli_failf(OB_EUSAGE, "'%s' is neither a transaction hash (0x + 64 hex digits) nor an id", pos[0]);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  ob_err_clear(&err);
  p[0] = pos[0];
  rc = db_exec(db, &res, DB_RETRY,
               by_hash ? TX_SELECT "WHERE id = (SELECT tx_id FROM chain_tx_versions WHERE hash = lower($1))" : TX_SELECT "WHERE id = $1::bigint",
               1, p, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (db_res_rows(res) == 0) exit_code = cli_failf(OB_ENOENT, "no transaction '%s'", pos[0]);
  else print_rows(res, cli_opt(opts, "json")->set, true);
  db_res_free(res);
  db_close(db);
  return exit_code;
}

const struct cli_cmd cli_tx_send = {
    .name = "send", .summary = "queue a transaction (nonce from the database), sign, store, broadcast",
    .usage = "tx send --to ADDR [--value WEI] [--data HEX] [--gas N] [--key KEY] [--purpose TEXT] [--key-file PATH] [--wait] [--json]",
    .example = "obridge tx send --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 1 --key payout-7 --wait",
    .details = "Prints the transaction id. Recovers what an earlier run left (re-sends signed and broadcast ones) first.",
    .run = run_send};
const struct cli_cmd cli_tx_run = {
    .name = "run", .summary = "recover and drive this sender's pending transactions until none is pending",
    .usage = "tx run [--key-file PATH] [--timeout S]", .example = "obridge tx run --timeout 120", .run = run_run};
const struct cli_cmd cli_tx_ls = {
    .name = "ls", .summary = "list transactions", .usage = "tx ls [--state S] [--json]",
    .example = "obridge tx ls --state broadcast --json", .run = run_ls};
const struct cli_cmd cli_tx_show = {
    .name = "show", .summary = "one transaction, by id or by the hash of any of its versions",
    .usage = "tx show HASH|ID [--json]", .example = "obridge tx show 42", .run = run_show};
