/* obridge util: offline helpers on the chain encoders (keccak, ABI, RLP), like cast's.
 *
 * Each subcommand is one run_* function and one row of subs[] at the end of the file; add new ones
 * (e.g. typed-data-hash, sign-typed-data) the same way. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_util_sign.h"
#include "ob/chain/abi.h"
#include "ob/chain/keccak.h"
#include "ob/chain/rlp.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"

#define UTIL_MAX_INPUT ((size_t)64 << 20)

static int finish_parse(int rc, char **pos, int npos, int want_min, int want_max, const struct cli_cmd *self) {
  if (rc)
    return rc == CLI_DONE ? CLI_DONE : CLI_EXIT_USAGE;
  if (npos < want_min || (want_max >= 0 && npos > want_max)) {
    (void)pos;
    cli_failf(OB_EUSAGE, "wrong number of arguments\nusage: obridge %s", self->usage);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

/* Print hex (0x...) or {"KEY":"0x..."} with --json. */
static int print_hex(const uint8_t *p, size_t n, bool json, const char *key) {
  char *hex = ob_malloc(2 * n + 3);
  if (!hex)
    return cli_failf(OB_ENOMEM, "out of memory");
  ob_hex_encode0x(hex, p, n);
  if (json)
    printf("{\"%s\":\"%s\"}\n", key, hex);
  else
    printf("%s\n", hex);
  ob_free(hex);
  return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAIL;
}

/* ---- keccak ---- */

static int run_keccak(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"text", CLI_VALUE, "STR", "hash the UTF-8 bytes of STR instead of hex input"},
      {"json", CLI_FLAG, NULL, "print {\"hash\":\"0x...\"}"},
      {0}};
  char **pos = NULL;
  int npos = 0, exit_code;
  const struct cli_opt *text = &opts[0];
  (void)cli;
  int rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  rc = finish_parse(rc, pos, npos, text->set ? 0 : 1, text->set ? 0 : 1, self);
  if (rc) {
    exit_code = rc == CLI_DONE ? 0 : rc;
    goto out;
  }
  uint8_t h[32];
  if (text->set) {
    chain_keccak256(h, text->value, strlen(text->value));
  } else {
    struct ob_err err;
    uint8_t *data = NULL;
    size_t n = 0;
    ob_err_clear(&err);
    rc = ob_hex_decode_alloc(&data, &n, pos[0], strlen(pos[0]), &err);
    if (rc) {
      exit_code = cli_fail(rc, &err);
      goto out;
    }
    chain_keccak256(h, data, n);
    ob_free(data);
  }
  exit_code = print_hex(h, 32, cli_opt(opts, "json")->set, "hash");
out:
  return exit_code;
}

/* ---- abi-encode ---- */

static int encode_args(struct ob_buf *out, const char *sigtext, char **args, int nargs, bool calldata,
                       struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  int rc = chain_abi_sig_parse(&sig, sigtext, err);
  if (rc)
    return rc;
  if (calldata && sig->name[0] == '\0') {
    chain_abi_sig_free(sig);
    return ob_err_set(err, OB_EINVAL, "--calldata needs a function name in the signature '%s'", sigtext);
  }
  rc = chain_abi_parse_args(&v, sig->inputs, (const char *const *)args, (size_t)nargs, err);
  if (rc == 0) {
    rc = calldata ? chain_abi_encode_call(out, sig, &v) : chain_abi_encode(out, &v);
    if (rc)
      ob_err_set(err, rc, "cannot encode: %s", ob_strerror(rc));
    chain_abi_value_free(&v);
  }
  chain_abi_sig_free(sig);
  return rc;
}

static int run_abi_encode(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"calldata", CLI_FLAG, NULL, "prefix the 4-byte function selector (like cast calldata)"},
      {"json", CLI_FLAG, NULL, "print {\"data\":\"0x...\"}"},
      {0}};
  char **pos = NULL;
  int npos = 0, exit_code;
  struct ob_err err;
  struct ob_buf out;
  (void)cli;
  ob_err_clear(&err);
  ob_buf_init(&out, UTIL_MAX_INPUT);
  int rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  rc = finish_parse(rc, pos, npos, 1, -1, self);
  if (rc) {
    exit_code = rc == CLI_DONE ? 0 : rc;
    goto out;
  }
  rc = encode_args(&out, pos[0], pos + 1, npos - 1, cli_opt(opts, "calldata")->set, &err);
  if (rc)
    exit_code = cli_fail(rc, &err);
  else
    exit_code = print_hex((const uint8_t *)out.buf, out.len, cli_opt(opts, "json")->set, "data");
out:
  ob_buf_release(&out);
  return exit_code;
}

/* ---- abi-decode ---- */

static int print_values(const struct chain_abi_value *v, bool json) {
  struct ob_buf b;
  int rc = 0;
  ob_buf_init(&b, OB_BUF_MAX_DEFAULT);
  if (json) {
    struct ob_jw w;
    ob_jw_init(&w, &b, false);
    chain_abi_json(&w, v);
    rc = ob_jw_finish(&w);
    if (rc == 0)
      rc = ob_buf_addch(&b, '\n');
  } else {
    for (size_t i = 0; rc == 0 && i < v->n; i++) {
      rc = chain_abi_format(&b, &v->items[i]);
      if (rc == 0)
        rc = ob_buf_addch(&b, '\n');
    }
  }
  if (rc == 0)
    rc = cli_out(b.buf, b.len);
  else
    rc = cli_failf(rc, "cannot print the values: %s", ob_strerror(rc));
  ob_buf_release(&b);
  return rc;
}

static int decode_hex_arg(const char *hex, uint8_t **data, size_t *n, struct ob_err *err) {
  int rc = ob_hex_decode_alloc(data, n, hex, strlen(hex), err);
  return rc ? ob_err_prefix(err, rc, "data") : 0;
}

static int decode_and_print(const char *sigtext, const char *hex, bool input, bool json, struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  uint8_t *data = NULL;
  size_t n = 0;
  int rc = chain_abi_sig_parse(&sig, sigtext, err);
  if (rc == 0)
    rc = decode_hex_arg(hex, &data, &n, err);
  if (rc)
    goto out;
  if (input)
    rc = chain_abi_decode_call(&v, sig, data, n, err);
  else
    rc = chain_abi_decode(&v, sig->outputs ? sig->outputs : sig->inputs, data, n, err);
  if (rc == 0) {
    rc = print_values(&v, json) == 0 ? 0 : OB_EIO;
    chain_abi_value_free(&v);
  }
out:
  ob_free(data);
  chain_abi_sig_free(sig);
  return rc;
}

static int run_abi_decode(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"input", CLI_FLAG, NULL, "HEX is calldata: check the selector, decode the inputs"},
      {"json", CLI_FLAG, NULL, "print a JSON array of the values (as cast --json)"},
      {0}};
  char **pos = NULL;
  int npos = 0, exit_code = 0;
  struct ob_err err;
  (void)cli;
  ob_err_clear(&err);
  int rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  rc = finish_parse(rc, pos, npos, 2, 2, self);
  if (rc) {
    exit_code = rc == CLI_DONE ? 0 : rc;
    goto out;
  }
  rc = decode_and_print(pos[0], pos[1], cli_opt(opts, "input")->set, cli_opt(opts, "json")->set, &err);
  if (rc == OB_EIO)
    exit_code = CLI_EXIT_FAIL;
  else if (rc)
    exit_code = cli_fail(rc, &err);
out:
  return exit_code;
}

/* ---- rlp-decode ---- */

static void rlp_json(struct ob_jw *w, const struct chain_rlp_item *it) {
  if (!it->is_list) {
    char *hex = ob_malloc(2 * it->len + 3);
    if (!hex) {
      w->status = w->status ? w->status : OB_ENOMEM;
      return;
    }
    ob_hex_encode0x(hex, it->p, it->len);
    ob_jw_str(w, hex);
    ob_free(hex);
    return;
  }
  struct chain_rlp_iter iter;
  struct chain_rlp_item sub;
  chain_rlp_iter_init(&iter, it);
  ob_jw_arr_begin(w);
  while (chain_rlp_iter_next(&iter, &sub, NULL) == 1)
    rlp_json(w, &sub);
  ob_jw_arr_end(w);
}

static int run_rlp_decode(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"json", CLI_FLAG, NULL, "print compact JSON (the default is indented JSON)"},
      {0}};
  char **pos = NULL;
  int npos = 0, exit_code = 0;
  struct ob_err err;
  uint8_t *data = NULL;
  size_t n = 0;
  (void)cli;
  ob_err_clear(&err);
  int rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  rc = finish_parse(rc, pos, npos, 1, 1, self);
  if (rc) {
    exit_code = rc == CLI_DONE ? 0 : rc;
    goto out;
  }
  struct chain_rlp_item item;
  rc = decode_hex_arg(pos[0], &data, &n, &err);
  if (rc == 0)
    rc = chain_rlp_decode(&item, data, n, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  struct ob_buf b;
  struct ob_jw w;
  ob_buf_init(&b, OB_BUF_MAX_DEFAULT);
  ob_jw_init(&w, &b, !cli_opt(opts, "json")->set);
  rlp_json(&w, &item);
  rc = ob_jw_finish(&w);
  if (rc == 0 && (b.len == 0 || b.buf[b.len - 1] != '\n'))
    rc = ob_buf_addch(&b, '\n');
  exit_code = rc ? cli_failf(rc, "cannot print the items: %s", ob_strerror(rc)) : cli_out(b.buf, b.len);
  ob_buf_release(&b);
out:
  ob_free(data);
  return exit_code;
}

/* ---- decode-revert ---- */

static int describe_revert(struct ob_buf *out, const char *hex, const struct cli_opt *errs, struct ob_err *err) {
  struct chain_abi_sig **sigs = ob_calloc(errs->nvalues ? errs->nvalues : 1, sizeof(*sigs));
  uint8_t *data = NULL;
  size_t n = 0, nsigs = 0;
  int rc = sigs ? 0 : ob_err_set(err, OB_ENOMEM, "out of memory");
  for (; rc == 0 && nsigs < errs->nvalues; nsigs++)
    rc = chain_abi_sig_parse(&sigs[nsigs], errs->values[nsigs], err);
  if (rc == 0)
    rc = decode_hex_arg(hex, &data, &n, err);
  if (rc == 0)
    rc = chain_abi_decode_revert(out, data, n, sigs, nsigs, err);
  for (size_t i = 0; sigs && i < nsigs; i++)
    chain_abi_sig_free(sigs[i]);
  ob_free(sigs);
  ob_free(data);
  return rc;
}

static int run_decode_revert(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"error", CLI_MULTI, "SIG", "a custom error signature to match, e.g. 'Unauthorized(address)'"},
      {"json", CLI_FLAG, NULL, "print {\"error\":\"...\",\"known\":true|false}"},
      {0}};
  char **pos = NULL;
  int npos = 0, exit_code = 0;
  struct ob_err err;
  struct ob_buf out;
  (void)cli;
  ob_err_clear(&err);
  ob_buf_init(&out, OB_BUF_MAX_DEFAULT);
  int rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  rc = finish_parse(rc, pos, npos, 1, 1, self);
  if (rc) {
    exit_code = rc == CLI_DONE ? 0 : rc;
    goto out;
  }
  rc = describe_revert(&out, pos[0], cli_opt(opts, "error"), &err);
  if (rc && rc != OB_ENOENT) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  if (cli_opt(opts, "json")->set) {
    struct ob_buf b;
    struct ob_jw w;
    ob_buf_init(&b, OB_BUF_MAX_DEFAULT);
    ob_jw_init(&w, &b, false);
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "error");
    ob_jw_strn(&w, out.buf, out.len);
    ob_jw_key(&w, "known");
    ob_jw_bool(&w, rc == 0);
    ob_jw_obj_end(&w);
    exit_code = ob_jw_finish(&w) == 0 && ob_buf_addch(&b, '\n') == 0 ? cli_out(b.buf, b.len) : CLI_EXIT_FAIL;
    ob_buf_release(&b);
  } else {
    exit_code = ob_buf_addch(&out, '\n') == 0 ? cli_out(out.buf, out.len) : CLI_EXIT_FAIL;
  }
  if (exit_code == 0 && rc == OB_ENOENT)
    exit_code = CLI_EXIT_FAIL; /* printed, but not recognised */
out:
  ob_buf_release(&out);
  return exit_code;
}

/* ---- the table ---- */

static const struct cli_cmd cmd_keccak = {
    .name = "keccak", .summary = "Keccak-256 of hex bytes or of a text (like cast keccak)",
    .usage = "util keccak (HEX | --text STR) [--json]",
    .example = "obridge util keccak --text 'transfer(address,uint256)'", .run = run_keccak};
static const struct cli_cmd cmd_abi_encode = {
    .name = "abi-encode", .summary = "ABI-encode arguments for a signature (like cast abi-encode / calldata)",
    .usage = "util abi-encode SIG [ARG...] [--calldata] [--json]",
    .example = "obridge util abi-encode 'commit(uint64,bytes32,string)' 7 0x$(printf '%064d' 1) bafy... --calldata",
    .details = "Arguments are written as cast takes them: decimal or 0x numbers (negative for intN),\n"
               "0x addresses, true/false, 0x hex bytes, strings as they are, arrays [a,b], tuples (x,y).\n"
               "SIG may be a bare type list such as '(uint256,address[])'.",
    .run = run_abi_encode};
static const struct cli_cmd cmd_abi_decode = {
    .name = "abi-decode", .summary = "decode ABI data for a signature (like cast abi-decode)",
    .usage = "util abi-decode SIG HEX [--input] [--json]",
    .example = "obridge util abi-decode 'balanceOf(address)(uint256)' 0x...",
    .details = "Decodes the outputs of 'name(inputs)(outputs)', else the inputs; with --input, HEX is\n"
               "calldata whose selector must match. One value per line, as cast prints them.",
    .run = run_abi_decode};
static const struct cli_cmd cmd_rlp_decode = {
    .name = "rlp-decode", .summary = "decode strict RLP into JSON (strings as 0x hex, lists as arrays)",
    .usage = "util rlp-decode HEX [--json]", .example = "obridge util rlp-decode 0xc88363617483646f67",
    .run = run_rlp_decode};
static const struct cli_cmd cmd_decode_revert = {
    .name = "decode-revert", .summary = "describe revert data: Error(string), Panic(uint256), custom errors",
    .usage = "util decode-revert HEX [--error SIG]... [--json]",
    .example = "obridge util decode-revert 0x4e487b710000000000000000000000000000000000000000000000000000000000000011",
    .details = "Exit 1 when no signature matches the selector (the selector and data are still printed).",
    .run = run_decode_revert};

/* Add new util subcommands here (and their run_* function above). */
static const struct cli_cmd *const subs[] = {
    &cmd_keccak,
    &cmd_abi_encode,
    &cmd_abi_decode,
    &cmd_rlp_decode,
    &cmd_decode_revert,
    &cli_util_typed_data_hash_cmd,
    &cli_util_sign_typed_data_cmd,
    NULL,
};

const struct cli_cmd cli_cmd_util = {
    .name = "util", .summary = "offline encoders: keccak, ABI, RLP, revert data, EIP-712 typed data",
    .usage = "util <keccak|abi-encode|abi-decode|rlp-decode|decode-revert|typed-data-hash|sign-typed-data> [options]",
    .example = "obridge util keccak --text hello", .subs = subs};
