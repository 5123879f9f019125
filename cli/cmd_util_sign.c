/* obridge util typed-data-hash FILE | util sign-typed-data --keystore F FILE (EIP-712 v4 JSON). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_util_sign.h"
#include "ob/chain/eip712.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"

/* Read FILE ("-" = stdin) and hash it. */
static int hash_file(const char *path, struct chain_eip712_hashes *h, struct ob_err *err) {
  struct ob_buf doc;
  int rc;
  ob_buf_init(&doc, CHAIN_EIP712_MAX_BYTES);
  if (strcmp(path, "-") == 0) rc = ob_file_read("/dev/stdin", &doc, CHAIN_EIP712_MAX_BYTES, err);
  else rc = ob_file_read(path, &doc, CHAIN_EIP712_MAX_BYTES, err);
  if (!rc && (rc = chain_eip712_hash_json(h, doc.buf, doc.len, err))) ob_err_prefix(err, rc, "'%s'", path);
  ob_buf_release(&doc);
  return rc;
}

static void jw_hex(struct ob_jw *w, const char *key, const uint8_t *p, size_t n) {
  char h[2 * 65 + 3];
  ob_hex_encode0x(h, p, n);
  ob_jw_key(w, key), ob_jw_str(w, h);
}

static int one_file(const struct cli_cmd *self, int npos, char **pos) {
  if (npos == 1) return 0;
  return cli_failf(OB_EUSAGE, "expected one typed-data file (or -)\nusage: obridge %s", self->usage);
}

static int run_hash(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print digest, domainSeparator and messageHash as JSON"}, {0}};
  struct chain_eip712_hashes h;
  struct ob_err err;
  char **pos = NULL, hex[67];
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if ((rc = one_file(self, npos, pos))) return rc;
  ob_err_clear(&err);
  if ((rc = hash_file(pos[0], &h, &err))) return cli_fail(rc, &err);
  if (cli_opt(opts, "json")->set) {
    struct cli_json j;
    struct ob_jw *w = cli_json_begin(&j);
    ob_jw_obj_begin(w);
    jw_hex(w, "digest", h.digest, 32);
    jw_hex(w, "domainSeparator", h.domain_separator, 32);
    jw_hex(w, "messageHash", h.message_hash, 32);
    ob_jw_obj_end(w);
    return cli_json_end(&j);
  }
  ob_hex_encode0x(hex, h.digest, 32);
  printf("%s\n", hex);
  return 0;
}

static int run_sign(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"keystore", CLI_VALUE, "FILE", "the signer's keystore (default: chain.keystore)"},
      {"password-file", CLI_VALUE, "FILE", "read the password from FILE (else $OBRIDGE_KEYSTORE_PASSWORD or a prompt)"},
      {"json", CLI_FLAG, NULL, "print signature, digest and signer as JSON"},
      {0}};
  struct chain_eip712_hashes h;
  struct chain_signer *s = NULL;
  struct ob_err err;
  uint8_t key[32], addr[20], sig[65];
  char **pos = NULL, hex[133], a[43];
  const char *path;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if ((rc = one_file(self, npos, pos))) return rc;
  ob_err_clear(&err);
  memset(key, 0, sizeof(key));
  /* Hash first: a bad document is reported before any password is asked for. */
  if ((rc = hash_file(pos[0], &h, &err))) return cli_fail(rc, &err);
  if (!(path = cli_key_path(cli, cli_opt(opts, "keystore")->value, &exit_code))) return exit_code;
  if (!(rc = chain_signer_new(&s, &err)) &&
      !(rc = cli_key_unlock(cli, s, path, cli_opt(opts, "password-file")->value, key, addr, &err)))
    rc = chain_sign(s, sig, h.digest, key, &err);
  ob_memclear(key, sizeof(key));
  chain_signer_free(s);
  if (rc) return cli_fail(rc, &err);
  ob_hex_encode0x(hex, sig, 65);
  if (!cli_opt(opts, "json")->set) {
    printf("%s\n", hex);
    return 0;
  }
  chain_addr_checksum(a, addr);
  printf("{\"signature\":\"%s\",\"digest\":\"", hex);
  ob_hex_encode0x(hex, h.digest, 32);
  printf("%s\",\"signer\":\"%s\"}\n", hex, a);
  return 0;
}

const struct cli_cmd cli_util_typed_data_hash_cmd = {
    .name = "typed-data-hash", .summary = "EIP-712 digest of an eth_signTypedData_v4 JSON document",
    .usage = "util typed-data-hash FILE|- [--json]", .example = "obridge util typed-data-hash mail.json",
    .run = run_hash};
const struct cli_cmd cli_util_sign_typed_data_cmd = {
    .name = "sign-typed-data", .summary = "sign an eth_signTypedData_v4 JSON document (65 bytes r||s||v, v 27/28)",
    .usage = "util sign-typed-data [--keystore FILE] [--password-file FILE] FILE|- [--json]",
    .example = "obridge util sign-typed-data --keystore keys/signer1 --password-file pw.txt commitment.json",
    .run = run_sign};
