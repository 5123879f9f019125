/* obridge tx sign|decode: offline transactions (legacy EIP-155 and EIP-1559), as cast mktx makes them. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_tx.h"
#include "ob/chain/signer.h"
#include "ob/chain/tx.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"

#define TX_DATA_MAX ((size_t)8 << 20)

static void jw_u256(struct ob_jw *w, const char *key, const struct chain_u256 *v) {
  char t[CHAIN_U256_DEC_MAX];
  ob_jw_key(w, key), ob_jw_str(w, chain_u256_to_dec(t, v));
}

static void jw_hex(struct ob_jw *w, const char *key, const uint8_t *p, size_t n) {
  struct ob_buf b;
  ob_buf_init(&b, 2 * n + 3);
  if (ob_buf_grow(&b, 2 * n + 3) == 0) {
    ob_hex_encode0x(b.buf, p, n);
    ob_jw_key(w, key), ob_jw_str(w, b.buf);
  }
  ob_buf_release(&b);
}

/* The whole transaction as JSON (numbers that may pass 2^53 as decimal strings). */
static int print_tx_json(const struct chain_tx *tx, const uint8_t *raw, size_t rawlen, const uint8_t from[20]) {
  struct ob_buf b;
  struct ob_jw w;
  uint8_t h[32];
  char a[43];
  int rc;
  ob_buf_init(&b, 64 << 20);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "type"), ob_jw_u64(&w, (uint64_t)tx->type);
  ob_jw_key(&w, "chainId"), ob_jw_u64(&w, tx->chain_id);
  ob_jw_key(&w, "nonce"), ob_jw_u64(&w, tx->nonce);
  if (tx->type == CHAIN_TX_EIP1559) {
    jw_u256(&w, "maxFeePerGas", &tx->max_fee);
    jw_u256(&w, "maxPriorityFeePerGas", &tx->max_priority_fee);
  } else {
    jw_u256(&w, "gasPrice", &tx->gas_price);
  }
  ob_jw_key(&w, "gasLimit"), ob_jw_u64(&w, tx->gas_limit);
  chain_addr_checksum(a, tx->to);
  ob_jw_key(&w, "to"), ob_jw_str(&w, tx->has_to ? a : NULL);
  jw_u256(&w, "value", &tx->value);
  jw_hex(&w, "data", tx->data, tx->data_len);
  if (tx->type == CHAIN_TX_LEGACY) ob_jw_key(&w, "v"), ob_jw_u64(&w, chain_tx_legacy_v(tx));
  else ob_jw_key(&w, "yParity"), ob_jw_u64(&w, (uint64_t)tx->y_parity);
  jw_hex(&w, "r", tx->r, 32);
  jw_hex(&w, "s", tx->s, 32);
  chain_addr_checksum(a, from);
  ob_jw_key(&w, "from"), ob_jw_str(&w, a);
  chain_tx_hash(h, tx, NULL);
  jw_hex(&w, "hash", h, 32);
  jw_hex(&w, "raw", raw, rawlen);
  ob_jw_obj_end(&w);
  rc = ob_jw_finish(&w);
  if (!rc) ob_buf_addch(&b, '\n'), rc = cli_out(b.buf, b.len);
  ob_buf_release(&b);
  return rc ? CLI_EXIT_FAIL : 0;
}

static int print_raw(const uint8_t *raw, size_t n) {
  struct ob_buf b;
  int rc;
  ob_buf_init(&b, 2 * n + 4);
  if ((rc = ob_buf_grow(&b, 2 * n + 4))) return cli_fail(rc, NULL);
  ob_hex_encode0x(b.buf, raw, n);
  b.len = strlen(b.buf);
  ob_buf_addch(&b, '\n');
  rc = cli_out(b.buf, b.len);
  ob_buf_release(&b);
  return rc;
}

static int opt_u256(struct chain_u256 *v, struct cli_opt *opts, const char *name, struct ob_err *err) {
  const char *t = cli_opt(opts, name)->value;
  char what[32];
  if (!t) return 0;
  snprintf(what, sizeof(what), "--%s", name);
  return chain_u256_parse(v, t, what, err);
}

static int opt_u64(uint64_t *v, struct cli_opt *opts, const char *name, struct ob_err *err) {
  char what[32];
  snprintf(what, sizeof(what), "--%s", name);
  if (!cli_opt(opts, name)->value) return ob_err_set(err, OB_EUSAGE, "%s is required", what);
  return ob_parse_u64(cli_opt(opts, name)->value, v, what, err);
}

/* Fill tx from the options; *data is allocated for --data (owned by the caller). */
static int build_tx(struct chain_tx *tx, uint8_t **data, struct cli_opt *opts, struct ob_err *err) {
  bool legacy = cli_opt(opts, "gas-price")->set, eip1559 = cli_opt(opts, "max-fee")->set || cli_opt(opts, "priority-fee")->set;
  const char *d = cli_opt(opts, "data")->value, *to = cli_opt(opts, "to")->value;
  int rc;
  if (legacy == eip1559 || (eip1559 && !(cli_opt(opts, "max-fee")->set && cli_opt(opts, "priority-fee")->set)))
    return ob_err_set(err, OB_EUSAGE, "give either --gas-price (legacy) or both --max-fee and --priority-fee (EIP-1559)");
  chain_tx_init(tx, legacy ? CHAIN_TX_LEGACY : CHAIN_TX_EIP1559);
  if ((rc = opt_u64(&tx->chain_id, opts, "chain-id", err)) || (rc = opt_u64(&tx->nonce, opts, "nonce", err)) ||
      (rc = opt_u64(&tx->gas_limit, opts, "gas-limit", err)) || (rc = opt_u256(&tx->gas_price, opts, "gas-price", err)) ||
      (rc = opt_u256(&tx->max_fee, opts, "max-fee", err)) || (rc = opt_u256(&tx->max_priority_fee, opts, "priority-fee", err)) ||
      (rc = opt_u256(&tx->value, opts, "value", err)))
    return rc;
  if (tx->chain_id == 0) return ob_err_set(err, OB_EUSAGE, "--chain-id must be at least 1");
  if (eip1559 && chain_u256_cmp(&tx->max_priority_fee, &tx->max_fee) > 0)
    return ob_err_set(err, OB_EUSAGE, "--priority-fee is above --max-fee");
  if (to && (rc = chain_addr_parse(tx->to, to, err))) return ob_err_prefix(err, rc, "--to");
  tx->has_to = to != NULL;
  if (d && (rc = ob_hex_decode_alloc(data, &tx->data_len, d, strlen(d), err))) return ob_err_prefix(err, rc, "--data");
  if (!to && tx->data_len == 0) return ob_err_set(err, OB_EUSAGE, "without --to (contract creation) --data is required");
  tx->data = *data;
  return 0;
}

static int run_sign(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"keystore", CLI_VALUE, "FILE", "the signer's keystore (default: chain.keystore)"},
      {"password-file", CLI_VALUE, "FILE", "read the password from FILE (else $OBRIDGE_KEYSTORE_PASSWORD or a prompt)"},
      {"chain-id", CLI_VALUE, "N", "EIP-155 chain id"},
      {"nonce", CLI_VALUE, "N", "the sender's nonce"},
      {"gas-limit", CLI_VALUE, "N", "gas limit"},
      {"gas-price", CLI_VALUE, "WEI", "legacy transaction: gas price in wei"},
      {"max-fee", CLI_VALUE, "WEI", "EIP-1559: maxFeePerGas in wei"},
      {"priority-fee", CLI_VALUE, "WEI", "EIP-1559: maxPriorityFeePerGas in wei"},
      {"to", CLI_VALUE, "ADDR", "recipient (omit to create a contract)"},
      {"value", CLI_VALUE, "WEI", "value in wei (decimal or 0x-hex; default 0)"},
      {"data", CLI_VALUE, "HEX", "calldata or init code"},
      {"json", CLI_FLAG, NULL, "print the fields, sender, hash and raw bytes as JSON"},
      {0}};
  struct chain_signer *s = NULL;
  struct chain_tx tx;
  struct ob_buf raw;
  struct ob_err err;
  uint8_t key[32], from[20], *data = NULL;
  const char *path;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  ob_buf_init(&raw, TX_DATA_MAX * 2);
  memset(key, 0, sizeof(key));
  if ((rc = build_tx(&tx, &data, opts, &err))) goto out;
  if (!(path = cli_key_path(cli, cli_opt(opts, "keystore")->value, &exit_code))) goto out;
  if ((rc = chain_signer_new(&s, &err)) ||
      (rc = cli_key_unlock(cli, s, path, cli_opt(opts, "password-file")->value, key, from, &err)) ||
      (rc = chain_tx_sign(&tx, s, key, &err)) || (rc = chain_tx_encode(&raw, &tx, &err)))
    goto out;
  exit_code = cli_opt(opts, "json")->set ? print_tx_json(&tx, (const uint8_t *)raw.buf, raw.len, from)
                                         : print_raw((const uint8_t *)raw.buf, raw.len);
out:
  if (rc) exit_code = cli_fail(rc, &err);
  ob_memclear(key, sizeof(key));
  chain_signer_free(s);
  ob_buf_release(&raw);
  ob_free(data);
  return exit_code;
}

static int run_decode(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print JSON (the default; kept for symmetry)"}, {0}};
  struct chain_signer *s = NULL;
  struct chain_tx tx;
  struct ob_err err;
  uint8_t *raw = NULL, from[20];
  size_t n = 0;
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != 1) return cli_failf(OB_EUSAGE, "expected one raw transaction (hex)\nusage: obridge %s", self->usage);
  ob_err_clear(&err);
  if ((rc = ob_hex_decode_alloc(&raw, &n, pos[0], strlen(pos[0]), &err)) || (rc = chain_signer_new(&s, &err)) ||
      (rc = chain_tx_decode(&tx, from, raw, n, s, &err)))
    exit_code = cli_fail(rc, &err);
  else
    exit_code = print_tx_json(&tx, raw, n, from);
  chain_signer_free(s);
  ob_free(raw);
  return exit_code;
}

static const struct cli_cmd cmd_sign = {
    .name = "sign", .summary = "sign a legacy (EIP-155) or EIP-1559 transaction offline; prints the raw bytes",
    .usage = "tx sign [--keystore FILE] [--password-file FILE] --chain-id N --nonce N --gas-limit N "
             "(--gas-price WEI | --max-fee WEI --priority-fee WEI) [--to ADDR] [--value WEI] [--data HEX] [--json]",
    .example = "obridge tx sign --keystore keys/signer1 --chain-id 31337 --nonce 0 --gas-limit 21000 "
               "--max-fee 2000000000 --priority-fee 1000000000 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 1",
    .run = run_sign};
static const struct cli_cmd cmd_decode = {
    .name = "decode", .summary = "decode a raw signed transaction and recover its sender (JSON)",
    .usage = "tx decode HEX [--json]", .example = "obridge tx decode 0x02f8…", .run = run_decode};
static const struct cli_cmd *const subs[] = {&cli_tx_send, &cli_tx_run, &cli_tx_ls, &cli_tx_show,
                                             &cmd_sign, &cmd_decode, NULL};

const struct cli_cmd cli_cmd_tx = {
    .name = "tx", .summary = "transactions: send and drive through the manager, list, show; sign and decode offline",
    .usage = "tx <send|run|ls|show|sign|decode> [options]",
    .example = "obridge tx decode 0x02f8…", .subs = subs};
