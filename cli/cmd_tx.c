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

/* --data: 0x-hex (bare hex digits are taken too); anything else is named for what it is. */
static int parse_data(uint8_t **out, size_t *n, const char *d, struct ob_err *err) {
  bool prefixed = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
  if (!prefixed && strspn(d, "0123456789abcdefABCDEF") != strlen(d))
    return ob_err_set(err, OB_EUSAGE, "--data: '%.40s%s' is not 0x-hex (missing 0x / not hex)", d, strlen(d) > 40 ? "…" : "");
  return ob_hex_decode_alloc(out, n, d, strlen(d), err) ? ob_err_prefix(err, OB_EUSAGE, "--data") : 0;
}

static int parse_fee(bool *has, struct chain_u256 *v, struct cli_opt *opts, const char *name, struct ob_err *err) {
  char what[32];
  const char *t = cli_opt(opts, name)->value;
  *has = t != NULL;
  if (!t) return 0;
  snprintf(what, sizeof(what), "--%s", name);
  return chain_u256_parse_amount(v, t, 9, what, err);
}

int cli_tx_fields_parse(struct cli_tx_fields *f, struct cli_opt *opts, struct ob_err *err) {
  const char *to = cli_opt(opts, "to")->value, *value = cli_opt(opts, "value")->value, *d = cli_opt(opts, "data")->value;
  const char *gas = cli_opt(opts, "gas-limit")->value ? cli_opt(opts, "gas-limit")->value : cli_opt(opts, "gas")->value;
  int rc;
  memset(f, 0, sizeof(*f));
  if (cli_opt(opts, "gas-limit")->value && cli_opt(opts, "gas")->value)
    return ob_err_set(err, OB_EUSAGE, "give --gas-limit or its alias --gas, not both");
  if (to && (rc = chain_addr_parse(f->to, to, err))) return ob_err_prefix(err, OB_EUSAGE, "--to");
  f->has_to = to != NULL;
  if (value && (rc = chain_u256_parse_amount(&f->value, value, 0, "--value", err))) return rc;
  if (gas && (rc = ob_parse_u64(&f->gas_limit, gas, cli_opt(opts, "gas-limit")->value ? "--gas-limit" : "--gas", err)))
    return rc;
  f->has_gas_limit = gas != NULL;
  if (f->has_gas_limit && f->gas_limit == 0) return ob_err_set(err, OB_EUSAGE, "--gas-limit must be at least 1");
  if ((rc = parse_fee(&f->has_gas_price, &f->gas_price, opts, "gas-price", err)) ||
      (rc = parse_fee(&f->has_max_fee, &f->max_fee, opts, "max-fee", err)) ||
      (rc = parse_fee(&f->has_priority_fee, &f->priority_fee, opts, "priority-fee", err)))
    return rc;
  if (f->has_max_fee && f->has_priority_fee && chain_u256_cmp(&f->priority_fee, &f->max_fee) > 0)
    return ob_err_set(err, OB_EUSAGE, "--priority-fee is above --max-fee");
  if (d && (rc = parse_data(&f->data, &f->data_len, d, err))) return rc;
  return 0;
}

void cli_tx_fields_free(struct cli_tx_fields *f) {
  ob_free(f->data);
  f->data = NULL;
}

static int opt_u64(uint64_t *v, struct cli_opt *opts, const char *name, struct ob_err *err) {
  char what[32];
  snprintf(what, sizeof(what), "--%s", name);
  if (!cli_opt(opts, name)->value) return ob_err_set(err, OB_EUSAGE, "%s is required", what);
  return ob_parse_u64(v, cli_opt(opts, name)->value, what, err);
}

/* Fill tx from the options; f keeps --data (the caller frees it with cli_tx_fields_free). */
static int build_tx(struct chain_tx *tx, struct cli_tx_fields *f, struct cli_opt *opts, struct ob_err *err) {
  int rc = cli_tx_fields_parse(f, opts, err);
  bool legacy = f->has_gas_price, eip1559 = f->has_max_fee || f->has_priority_fee;
  if (rc) return rc;
  if (legacy == eip1559 || (eip1559 && !(f->has_max_fee && f->has_priority_fee)))
    return ob_err_set(err, OB_EUSAGE, "give either --gas-price (legacy) or both --max-fee and --priority-fee (EIP-1559)");
  chain_tx_init(tx, legacy ? CHAIN_TX_LEGACY : CHAIN_TX_EIP1559);
  if ((rc = opt_u64(&tx->chain_id, opts, "chain-id", err)) || (rc = opt_u64(&tx->nonce, opts, "nonce", err))) return rc;
  if (!f->has_gas_limit) return ob_err_set(err, OB_EUSAGE, "--gas-limit is required");
  if (tx->chain_id == 0) return ob_err_set(err, OB_EUSAGE, "--chain-id must be at least 1");
  tx->gas_limit = f->gas_limit;
  tx->gas_price = f->gas_price;
  tx->max_fee = f->max_fee;
  tx->max_priority_fee = f->priority_fee;
  tx->value = f->value;
  tx->has_to = f->has_to;
  memcpy(tx->to, f->to, 20);
  if (!f->has_to && f->data_len == 0) return ob_err_set(err, OB_EUSAGE, "without --to (contract creation) --data is required");
  tx->data = f->data;
  tx->data_len = f->data_len;
  return 0;
}

static int run_sign(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"keystore", CLI_VALUE, "FILE", "the signer's keystore (default: chain.keystore)"},
      {"password-file", CLI_VALUE, "FILE", "read the password from FILE (else $OBRIDGE_KEYSTORE_PASSWORD or a prompt)"},
      {"chain-id", CLI_VALUE, "N", "EIP-155 chain id"},
      {"nonce", CLI_VALUE, "N", "the sender's nonce"},
      CLI_TX_FIELD_OPTS,
      {"json", CLI_FLAG, NULL, "print the fields, sender, hash and raw bytes as JSON"},
      {0}};
  struct chain_signer *s = NULL;
  struct chain_tx tx;
  struct cli_tx_fields f;
  struct ob_buf raw;
  struct ob_err err;
  uint8_t key[32], from[20];
  const char *path;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  ob_buf_init(&raw, TX_DATA_MAX * 2);
  memset(key, 0, sizeof(key));
  memset(&f, 0, sizeof(f));
  if ((rc = build_tx(&tx, &f, opts, &err))) goto out;
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
  cli_tx_fields_free(&f);
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
             "(--gas-price GWEI | --max-fee GWEI --priority-fee GWEI) [--to ADDR] [--value AMOUNT] [--data HEX] [--json]",
    .example = "obridge tx sign --keystore keys/signer1 --chain-id 31337 --nonce 0 --gas-limit 21000 "
               "--max-fee 2 --priority-fee 1 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 0.5ether",
    .details = "Amounts take units: --value 1ether, 1.5gwei, 100wei, 0x… or plain wei; fee flags are in gwei "
               "unless a unit says otherwise (--max-fee 2000000000wei). --gas is an alias of --gas-limit.",
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
