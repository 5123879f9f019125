/* obridge tx send|run|ls|show: the transaction manager from the command line. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_db.h"
#include "cli_key.h"
#include "cli_tx.h"
#include "cli_txm.h"
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
#include "ob/node/txm_store.h"

/* ---- printing ---- */

static void eip55(char out[43], const char *lower_hex) {
  uint8_t a[20];
  if (lower_hex[0] && ob_hex_decode_fixed(a, 20, lower_hex, NULL) == 0) chain_addr_checksum(out, a);
  else snprintf(out, 43, "%s", lower_hex);
}

static const char *latest_hash(const struct node_tx_row *r) {
  if (r->mined_hash[0]) return r->mined_hash;
  return r->nhashes ? r->hashes[r->nhashes - 1] : "";
}

/* A fee in wei per gas as exact decimal text, or null. */
static void fee_json(struct ob_jw *w, const char *key, bool has, const struct chain_u256 *v) {
  char dec[CHAIN_U256_DEC_MAX];
  ob_jw_key(w, key);
  if (has) ob_jw_str(w, chain_u256_to_dec(dec, v));
  else ob_jw_null(w);
}

/* "max fee         30000000000000000000 wei (30000000000 gwei)" */
static void fee_line(const char *name, const struct chain_u256 *v) {
  char dec[CHAIN_U256_DEC_MAX], gwei[CHAIN_U256_DEC_MAX + 2];
  printf("%-15s %s wei (%s gwei)\n", name, chain_u256_to_dec(dec, v), chain_u256_format_units(gwei, v, 9));
}

static void row_json(struct ob_jw *w, const struct node_tx_row *r) {
  char a[43], dec[CHAIN_U256_DEC_MAX], eth[CHAIN_U256_DEC_MAX + 2];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "id"), ob_jw_u64(w, (uint64_t)r->id);
  ob_jw_key(w, "nonce"), ob_jw_u64(w, r->nonce);
  ob_jw_key(w, "state"), ob_jw_str(w, r->state);
  ob_jw_key(w, "chain_id"), ob_jw_u64(w, r->chain_id);
  eip55(a, r->from);
  ob_jw_key(w, "from_addr"), ob_jw_str(w, a);
  eip55(a, r->to);
  ob_jw_key(w, "to_addr"), ob_jw_str(w, r->to[0] ? a : NULL);
  ob_jw_key(w, "value_wei"), ob_jw_str(w, chain_u256_to_dec(dec, &r->value));
  ob_jw_key(w, "value_eth"), ob_jw_str(w, chain_u256_format_units(eth, &r->value, 18));
  ob_jw_key(w, "gas_limit"), ob_jw_u64(w, r->gas_limit);
  fee_json(w, "max_fee_wei", r->has_fees && !r->legacy, &r->max_fee);
  fee_json(w, "max_priority_fee_wei", r->has_fees && !r->legacy, &r->max_priority_fee);
  fee_json(w, "gas_price_wei", r->has_fees && r->legacy, &r->gas_price);
  ob_jw_key(w, "purpose"), ob_jw_str(w, r->purpose);
  ob_jw_key(w, "idem_key"), ob_jw_str(w, r->key);
  ob_jw_key(w, "replaces");
  if (r->replaces) ob_jw_u64(w, (uint64_t)r->replaces);
  else ob_jw_null(w);
  ob_jw_key(w, "hash"), ob_jw_str(w, latest_hash(r)[0] ? latest_hash(r) : NULL);
  ob_jw_key(w, "mined_hash"), ob_jw_str(w, r->mined_hash[0] ? r->mined_hash : NULL);
  ob_jw_key(w, "block_number");
  if (r->mined_hash[0]) ob_jw_u64(w, r->block_number);
  else ob_jw_null(w);
  ob_jw_key(w, "receipt_status");
  if (r->receipt_status >= 0) ob_jw_u64(w, (uint64_t)r->receipt_status);
  else ob_jw_null(w);
  ob_jw_key(w, "gas_used");
  if (r->mined_hash[0]) ob_jw_u64(w, r->gas_used);
  else ob_jw_null(w);
  ob_jw_key(w, "bumps"), ob_jw_u64(w, (uint64_t)r->bumps);
  ob_jw_key(w, "error"), ob_jw_str(w, r->error);
  ob_jw_key(w, "created_at"), ob_jw_str(w, r->created_at);
  ob_jw_key(w, "updated_at"), ob_jw_str(w, r->updated_at);
  ob_jw_key(w, "versions");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < r->nhashes; i++) ob_jw_str(w, r->hashes[i]);
  ob_jw_arr_end(w);
  ob_jw_obj_end(w);
}

static int print_json(const struct node_tx_rows *rows, bool one) {
  struct cli_json j;
  struct ob_jw *w = cli_json_begin(&j);
  if (!one) ob_jw_arr_begin(w);
  for (size_t i = 0; i < rows->n; i++) row_json(w, &rows->v[i]);
  if (!one) ob_jw_arr_end(w);
  return cli_json_end(&j);
}

static const char *status_name(int s) { return s == 1 ? "success" : s == 0 ? "reverted" : "-"; }

static void print_one(const struct node_tx_row *r) {
  char a[43], dec[CHAIN_U256_DEC_MAX], eth[CHAIN_U256_DEC_MAX + 2];
  printf("%-15s %" PRId64 "\n", "id", r->id);
  printf("%-15s %s\n", "state", r->state);
  printf("%-15s %" PRIu64 "\n", "chain id", r->chain_id);
  printf("%-15s %" PRIu64 "\n", "nonce", r->nonce);
  eip55(a, r->from);
  printf("%-15s %s\n", "from", a);
  eip55(a, r->to);
  printf("%-15s %s\n", "to", r->to[0] ? a : "(contract creation)");
  printf("%-15s %s wei (%s ETH)\n", "value", chain_u256_to_dec(dec, &r->value), chain_u256_format_units(eth, &r->value, 18));
  printf("%-15s %" PRIu64 "\n", "gas limit", r->gas_limit);
  if (r->has_fees && r->legacy) fee_line("gas price", &r->gas_price);
  if (r->has_fees && !r->legacy) fee_line("max fee", &r->max_fee), fee_line("priority fee", &r->max_priority_fee);
  printf("%-15s %s\n", "hash", latest_hash(r)[0] ? latest_hash(r) : "-");
  if (r->mined_hash[0]) {
    printf("%-15s %" PRIu64 "\n", "block", r->block_number);
    printf("%-15s %s\n", "status", status_name(r->receipt_status));
    printf("%-15s %" PRIu64 "\n", "gas used", r->gas_used);
  }
  printf("%-15s %d\n", "bumps", r->bumps);
  for (size_t i = 0; i < r->nhashes; i++) printf("%-15s %s\n", i ? "" : "versions", r->hashes[i]);
  if (r->replaces) printf("%-15s %" PRId64 "\n", "replaces", r->replaces);
  if (r->purpose[0]) printf("%-15s %s\n", "purpose", r->purpose);
  if (r->key) printf("%-15s %s\n", "idempotency key", r->key);
  if (r->error) printf("%-15s %s\n", "error", r->error);
  printf("%-15s %s\n", "created", r->created_at);
  printf("%-15s %s\n", "updated", r->updated_at);
}

static void print_table(const struct node_tx_rows *rows) {
  printf("%-6s %-6s %-10s %-42s %-42s %-24s %-20s %s\n", "ID", "NONCE", "STATE", "FROM", "TO", "VALUE (ETH)", "CREATED", "HASH");
  for (size_t i = 0; i < rows->n; i++) {
    const struct node_tx_row *r = &rows->v[i];
    char from[43], to[43], eth[CHAIN_U256_DEC_MAX + 2];
    eip55(from, r->from);
    eip55(to, r->to);
    printf("%-6" PRId64 " %-6" PRIu64 " %-10s %-42s %-42s %-24s %-20s %s\n", r->id, r->nonce, r->state, from,
           r->to[0] ? to : "(create)", chain_u256_format_units(eth, &r->value, 18), r->created_at,
           latest_hash(r)[0] ? latest_hash(r) : "-");
  }
}

/* ---- tx send ---- */

static int parse_req(struct chain_txm_req *q, struct cli_tx_fields *f, struct cli_opt *opts, struct ob_err *err) {
  const char *key = cli_opt(opts, "idempotency-key")->value;
  int rc = cli_tx_fields_parse(f, opts, err);
  memset(q, 0, sizeof(*q));
  if (rc) return rc;
  if (!f->has_to) return ob_err_set(err, OB_EUSAGE, "--to is required");
  if (key && cli_opt(opts, "key")->value) return ob_err_set(err, OB_EUSAGE, "give --idempotency-key or its alias --key, not both");
  q->has_to = true;
  memcpy(q->to, f->to, 20);
  q->value = f->value;
  q->gas_limit = f->has_gas_limit ? f->gas_limit : 100000;
  q->data = f->data;
  q->data_len = f->data_len;
  q->key = key ? key : cli_opt(opts, "key")->value;
  q->purpose = cli_opt(opts, "purpose")->value;
  return 0;
}

/* What tx send prints: the hash; with --wait the block, status and gas used. A failed
 * transaction is one line on stderr ("tx 4: insufficient funds: 0x… has 0 wei") and exit 1. */
static int report_sent(struct cli_txm *g, int64_t id, bool wait, bool waited, bool json) {
  struct node_tx_rows rows;
  struct ob_err err;
  char ids[24];
  int rc, exit_code = 0;
  ob_err_clear(&err);
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  rc = node_tx_find(g->db, ids, &rows, &err);
  if (rc || rows.n != 1) {
    exit_code = rc ? cli_fail(rc, &err) : cli_failf(OB_ENOENT, "tx %" PRId64 " is gone from the database", id);
    node_tx_rows_free(&rows);
    return exit_code;
  }
  if (json) exit_code = print_json(&rows, true);
  else if (latest_hash(&rows.v[0])[0]) printf("%s\n", latest_hash(&rows.v[0]));
  if (!json && wait && rows.v[0].mined_hash[0])
    printf("block %" PRIu64 "\nstatus %s\ngas used %" PRIu64 "\n", rows.v[0].block_number,
           status_name(rows.v[0].receipt_status), rows.v[0].gas_used);
  if (strcmp(rows.v[0].state, "failed") == 0)
    exit_code = cli_failf(OB_ECHECK, "tx %" PRId64 ": %s", id, rows.v[0].error ? rows.v[0].error : "failed");
  else if (strcmp(rows.v[0].state, "superseded") == 0)
    exit_code = cli_failf(OB_ECHECK, "tx %" PRId64 " was superseded by another transaction at its nonce", id);
  else if (wait && !waited)
    exit_code = cli_failf(OB_ETIMEDOUT, "tx %" PRId64 " is %s, not confirmed within --timeout", id, rows.v[0].state);
  else if (!wait && !latest_hash(&rows.v[0])[0])
    exit_code = cli_failf(OB_ETIMEDOUT, "tx %" PRId64 " is %s, not signed within --timeout", id, rows.v[0].state);
  node_tx_rows_free(&rows);
  return exit_code;
}

static int run_send(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {CLI_TX_FIELD_OPTS,
                           {"idempotency-key", CLI_VALUE, "KEY",
                            "per sender: the same key and request again returns the first transaction; another request with it is refused"},
                           {"key", CLI_VALUE, "KEY", "alias of --idempotency-key"},
                           {"purpose", CLI_VALUE, "TEXT", "note stored with the transaction"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"wait", CLI_FLAG, NULL, "wait until it is confirmed (chain.confirmations)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds, everything included (default 30, 600 with --wait)"},
                           {"json", CLI_FLAG, NULL, "print the transaction as JSON"},
                           {0}};
  struct chain_txm_req q;
  struct cli_tx_fields f;
  struct ob_err err;
  struct cli_txm g;
  uint64_t deadline;
  int64_t id = 0;
  bool wait, waited = false;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  wait = cli_opt(opts, "wait")->set;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, wait ? 600 : 30)) != 0) return exit_code;
  ob_err_clear(&err);
  if ((rc = parse_req(&q, &f, opts, &err)) != 0) {
    cli_tx_fields_free(&f);
    return cli_fail(rc, &err);
  }
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, &f, deadline, &exit_code)) {
    cli_tx_fields_free(&f);
    return exit_code;
  }
  rc = chain_txm_submit(g.m, &q, &id, &err);
  cli_tx_fields_free(&f);
  if (rc) {
    exit_code = cli_fail(rc, &err);
  } else {
    /* Without --wait: until everything of this sender is out (sent, not necessarily mined). */
    struct chain_txm_counts c;
    do {
      chain_loop_run_once(g.loop);
      chain_txm_counts(g.m, &c);
    } while ((c.queued || c.signed_) && cli_txm_ms_left(deadline));
    if (wait) waited = cli_txm_run_until_idle(&g);
    exit_code = report_sent(&g, id, wait, waited, cli_opt(opts, "json")->set);
  }
  cli_txm_close(&g);
  return exit_code;
}

static int run_run(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds, everything included (default 600)"},
                           {0}};
  struct cli_txm g;
  uint64_t deadline, t0 = ob_mono_ms();
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) return exit_code;
  if (!cli_txm_run_until_idle(&g)) {
    struct chain_txm_counts c;
    chain_txm_counts(g.m, &c);
    exit_code = cli_failf(OB_ETIMEDOUT,
                          "after %" PRIu64 " s: %zu transactions still pending, %zu confirmed ones not seen on chain again",
                          (ob_mono_ms() - t0 + 500) / 1000, c.queued + c.signed_ + c.broadcast, c.unproven);
  }
  cli_txm_close(&g);
  return exit_code;
}

/* ---- tx ls / show ---- */

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"state", CLI_VALUE, "S", "only this state (queued, signed, broadcast, confirmed, finalized, failed, superseded)"},
                           {"status", CLI_VALUE, "S", "alias of --state"},
                           {"json", CLI_FLAG, NULL, "print as JSON"},
                           {0}};
  struct db *db;
  struct node_tx_rows rows;
  struct ob_err err;
  enum chain_tx_state st;
  const char *state;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  state = cli_opt(opts, "state")->value ? cli_opt(opts, "state")->value : cli_opt(opts, "status")->value;
  if (state && chain_tx_state_parse(&st, state))
    return cli_failf(OB_EUSAGE, "--state: unknown state '%s' (expected queued, signed, broadcast, confirmed, finalized, failed or superseded)", state);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  ob_err_clear(&err);
  rc = node_tx_list(db, state, &rows, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) exit_code = print_json(&rows, false);
  else print_table(&rows);
  node_tx_rows_free(&rows);
  db_close(db);
  return exit_code;
}

static int run_show(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print as JSON"}, {0}};
  struct db *db;
  struct node_tx_rows rows;
  struct ob_err err;
  char **pos = NULL;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != 1) return cli_failf(OB_EUSAGE, "expected one ID, HASH or hash prefix\nusage: obridge %s", self->usage);
  memset(&rows, 0, sizeof(rows));
  if (node_tx_find(NULL, pos[0], &rows, &err) == OB_EINVAL) return cli_fail(OB_EINVAL, &err); /* the form, before connecting */
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  ob_err_clear(&err);
  rc = node_tx_find(db, pos[0], &rows, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (rows.n == 0) exit_code = cli_failf(OB_ENOENT, "no transaction '%s'", pos[0]);
  else if (rows.n > 1) {
    struct ob_buf b;
    ob_buf_init(&b, 4096);
    for (size_t i = 0; i < rows.n && i < 10; i++) ob_buf_addf(&b, "\n  tx %" PRId64 " %s", rows.v[i].id, latest_hash(&rows.v[i]));
    exit_code = cli_failf(OB_EUSAGE, "'%s' is ambiguous: %zu transactions match%s", pos[0], rows.n, b.buf);
    ob_buf_release(&b);
  } else if (cli_opt(opts, "json")->set) exit_code = print_json(&rows, true);
  else print_one(&rows.v[0]);
  node_tx_rows_free(&rows);
  db_close(db);
  return exit_code;
}

const struct cli_cmd cli_tx_send = {
    .name = "send", .summary = "queue a transaction (nonce from the database), sign, store, broadcast",
    .usage = "tx send --to ADDR [--value AMOUNT] [--data HEX] [--gas-limit N] [--max-fee GWEI] [--priority-fee GWEI] "
             "[--idempotency-key KEY] [--purpose TEXT] [--key-file PATH] [--wait] [--timeout S] [--json]",
    .example = "obridge tx send --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 1.5ether --idempotency-key payout-7 --wait",
    .details = "Prints the transaction hash; with --wait also its block, status and gas used. Recovers what an earlier "
               "run left (re-sends signed and broadcast ones) first. --value takes 1ether, 1.5gwei, 100wei, 0x… or plain "
               "wei; --max-fee / --priority-fee (gwei unless a unit is given) cap the fees of this run. A transaction the "
               "node refuses for good (insufficient funds, intrinsic gas too low) ends failed: one line, exit 1.",
    .run = run_send};
const struct cli_cmd cli_tx_run = {
    .name = "run", .summary = "recover and drive this sender's transactions until none is pending or unproven",
    .usage = "tx run [--key-file PATH] [--timeout S]", .example = "obridge tx run --timeout 120",
    .details = "Confirmed transactions not yet finalized are checked on chain again (a reorg or a node restored from an "
               "older state may have undone them) and sent again when they are gone.",
    .run = run_run};
const struct cli_cmd cli_tx_ls = {
    .name = "ls", .summary = "list transactions", .usage = "tx ls [--state S] [--json]",
    .example = "obridge tx ls --state broadcast --json", .run = run_ls};
const struct cli_cmd cli_tx_show = {
    .name = "show", .summary = "one transaction, by id, by the hash of any of its versions, or a unique hash prefix",
    .usage = "tx show ID|HASH|PREFIX [--json]", .example = "obridge tx show 0x3fa2", .run = run_show};
