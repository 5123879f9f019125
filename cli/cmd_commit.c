/* obridge commit --values FILE: the commit pipeline (node/round.h, node_commit_run, shared with the
 * oracle round): build the round's batch document, pin it, sign the commitment with the configured
 * keys, submit it through the transaction manager and wait for confirmation, each step a row in
 * PostgreSQL; a rerun resumes the registry's unfinished round. OB_TEST_CRASH_AT=built|pinned|signed|
 * submitted makes the process _exit right after that step (crash tests). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_sign.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/eip712.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/node/registry.h"
#include "ob/node/round.h"
#include "ob/node/values.h"
#include "ob/storage/cid.h"
#include "ob/storage/kubo.h"
#include "ob/storage/pin.h"

static void crash_at(const char *step) {
  const char *v = getenv("OB_TEST_CRASH_AT");
  if (v && strcmp(v, step) == 0) _exit(9);
}

/* Pin the batch (profile ipfs.profile) and return its CID. */
int cli_commit_pin(const struct ob_config *c, const char *name, const struct ob_buf *doc, char *cid, struct ob_err *err);
int cli_commit_pin(const struct ob_config *c, const char *name, const struct ob_buf *doc, char *cid, struct ob_err *err) {
  struct node_commit_ctx ctx;
  memset(&ctx, 0, sizeof(ctx));
  ctx.ipfs_api = c->ipfs_api;
  ctx.ipfs_profile = c->ipfs_profile;
  ctx.ipfs_connect_timeout_s = c->ipfs_connect_timeout_s;
  ctx.ipfs_stall_timeout_s = c->ipfs_stall_timeout_s;
  return node_commit_pin(&ctx, name, doc->buf, doc->len, cid, err);
}

/* Keys that sign: --signer-key-files A,B (hex files), else commit.signer_keystores (each unlocked with its
 * commit.signer_password_files entry, else the way chain.keystore is), else the sender's key. */
static int load_keys(struct cli *cli, const struct ob_config *c, const char *files, const char *sender_file,
                     struct keys *k, struct ob_err *err) {
  struct chain_signer *s = NULL;
  int rc = chain_signer_new(&s, err);
  k->n = 0;
  if (rc) return rc;
  if (!files && c->signer_keystores.n) {
    const struct ob_paths *ks = &c->signer_keystores, *pw = &c->signer_password_files;
    if (pw->n && pw->n != ks->n)
      rc = ob_err_set(err, OB_EUSAGE, "config: commit.signer_password_files has %zu entries, commit.signer_keystores %zu",
                      pw->n, ks->n);
    if (!rc && ks->n > MAX_KEYS) rc = ob_err_set(err, OB_EUSAGE, "commit.signer_keystores: more than %d", MAX_KEYS);
    for (size_t i = 0; !rc && i < ks->n; i++) {
      rc = cli_key_unlock(cli, s, ks->v[i], pw->n ? pw->v[i] : NULL, k->key[i], k->addr[i], err);
      if (!rc) k->n++;
    }
  } else if (!files) {
    rc = cli_txm_load_key(cli, c, sender_file, k->key[0], err);
    if (!rc) rc = chain_key_address(s, k->addr[0], k->key[0], err);
    if (!rc) k->n = 1;
  } else {
    char *copy = ob_strdup(files), *save = NULL, *tok;
    for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !rc; tok = strtok_r(NULL, ",", &save)) {
      if (k->n >= MAX_KEYS) rc = ob_err_set(err, OB_EUSAGE, "--signer-key-files: more than %d", MAX_KEYS);
      if (!rc) rc = cli_txm_load_key(cli, c, tok, k->key[k->n], err);
      if (!rc) rc = chain_key_address(s, k->addr[k->n], k->key[k->n], err);
      if (!rc) k->n++;
    }
    if (!copy) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    ob_free(copy);
  }
  chain_signer_free(s);
  return rc;
}

/* Sign digest with every key in the on-chain set; at least threshold; sorted by address. Shared with
 * `model fetch` (cli_sign.h). */
int cli_sign_digest(const struct keys *k, const struct node_registry_state *st, const uint8_t digest[32],
                    struct sig *out, size_t *n, struct ob_err *err) {
  struct node_sig ns[MAX_KEYS];
  int rc = node_sign_digest((const uint8_t(*)[32])k->key, (const uint8_t(*)[20])k->addr, k->n, st, digest, ns, n, err);
  for (size_t i = 0; !rc && i < *n; i++) {
    memcpy(out[i].addr, ns[i].addr, 20);
    memcpy(out[i].sig, ns[i].sig, 65);
  }
  ob_memclear(ns, sizeof(ns));
  return rc;
}

int cli_sign_keys_load(struct cli *cli, const struct ob_config *c, const char *files, const char *sender_file,
                       struct keys *k, struct ob_err *err) {
  return load_keys(cli, c, files, sender_file, k, err);
}

extern const struct cli_cmd cli_commit_build, cli_commit_sign, cli_commit_submit, cli_commit_status;

static void note(void *ud, const char *msg) {
  (void)ud;
  cli_notef("%s", msg);
}

static int run_commit(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"values", CLI_VALUE, "FILE", "the round's values (see docs/OPERATIONS.md)"},
                           {"round", CLI_VALUE, "N", "round number (default: one more than the chain's and the database's)"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"key-file", CLI_VALUE, "PATH", "sender: hex private key file instead of the keystore (development)"},
                           {"signer-key-files", CLI_VALUE, "A,B", "hex key files that sign the commitment (default: commit.signer_keystores, else the sender's key)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {"json", CLI_FLAG, NULL, "print {registry, round, root, cid, tx, gasUsed}"},
                           {0}};
  static struct keys keys;
  struct node_commit_ctx ctx;
  struct node_commit_req req;
  struct node_commit_result res;
  struct node_batch b;
  struct ob_config *c;
  struct ob_err err;
  struct cli_txm g;
  uint8_t reg[20];
  char regc[43];
  uint64_t deadline, round = 0;
  int exit_code = 0, rc;
  bool values;
  /* commit build|sign|submit */
  if (argc > 1) {
    const struct cli_cmd *const ops[] = {&cli_commit_build, &cli_commit_sign, &cli_commit_submit, &cli_commit_status};
    for (size_t i = 0; i < 4; i++)
      if (strcmp(argv[1], ops[i]->name) == 0) return ops[i]->run(cli, argc - 1, argv + 1, ops[i]);
  }
  rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  node_batch_init(&b);
  if (cli_opt(opts, "round")->value &&
      (ob_parse_u64(&round, cli_opt(opts, "round")->value, "--round", NULL) || round == 0))
    return cli_failf(OB_EUSAGE, "--round: expected a round number from 1, got '%s'", cli_opt(opts, "round")->value);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code)) return exit_code;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  chain_addr_checksum(regc, reg);
  /* Read the values before touching a peer: bad input is refused with nothing sent. */
  values = cli_opt(opts, "values")->value != NULL;
  if (values) {
    struct ob_buf vf;
    ob_buf_init(&vf, (size_t)1 << 28);
    rc = ob_file_read(cli_opt(opts, "values")->value, &vf, (size_t)1 << 28, &err);
    if (!rc) rc = node_values_load(&b, vf.buf, vf.len, ob_unix_s(), &err);
    ob_buf_release(&vf);
    if (rc) {
      node_batch_release(&b);
      return cli_fail(rc == OB_ECHECK ? OB_EINVAL : rc, &err);
    }
  }
  if ((rc = load_keys(cli, c, cli_opt(opts, "signer-key-files")->value, cli_opt(opts, "key-file")->value, &keys, &err))) {
    node_batch_release(&b);
    return cli_fail(rc, &err);
  }
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) {
    ob_memclear(&keys, sizeof(keys));
    node_batch_release(&b);
    return exit_code;
  }
  memset(&ctx, 0, sizeof(ctx));
  ctx.db = g.db, ctx.loop = g.loop, ctx.rpc = g.rpc, ctx.m = g.m;
  memcpy(ctx.from, g.signer.from, 20);
  ctx.chain_id = c->chain_id;
  memcpy(ctx.registry, reg, 20);
  ctx.keys = (const uint8_t(*)[32])keys.key, ctx.addrs = (const uint8_t(*)[20])keys.addr, ctx.nkeys = keys.n;
  ctx.ipfs_api = c->ipfs_api, ctx.ipfs_profile = c->ipfs_profile;
  ctx.ipfs_connect_timeout_s = c->ipfs_connect_timeout_s, ctx.ipfs_stall_timeout_s = c->ipfs_stall_timeout_s;
  ctx.deadline = deadline;
  ctx.note = note;
  ctx.crash_at = crash_at;
  memset(&req, 0, sizeof(req));
  req.values = values ? &b : NULL;
  req.round = round;
  rc = node_commit_run(&ctx, &req, &res, &err);
  ob_memclear(&keys, sizeof(keys));
  if (rc) {
    exit_code = cli_fail(rc, &err);
  } else if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "registry"), ob_jw_str(w, regc);
    ob_jw_key(w, "round"), ob_jw_u64(w, res.round);
    ob_jw_key(w, "root"), ob_jw_str(w, res.root);
    ob_jw_key(w, "cid"), ob_jw_str(w, res.cid);
    ob_jw_key(w, "tx"), ob_jw_str(w, res.tx);
    ob_jw_key(w, "gasUsed"), ob_jw_u64(w, res.gas_used);
    if (res.superseded) ob_jw_key(w, "superseded"), ob_jw_u64(w, res.superseded);
    ob_jw_obj_end(w);
    exit_code = cli_json_end(&cj);
  } else {
    printf("round    %" PRIu64 "\nroot     %s\ncid      %s\ntx       %s\ngas used %" PRIu64 "\n", res.round, res.root,
           res.cid, res.tx, res.gas_used);
    if (res.superseded) printf("superseded round %" PRIu64 " (never mined)\n", res.superseded);
  }
  node_batch_release(&b);
  cli_txm_close(&g);
  return exit_code;
}

const struct cli_cmd cli_cmd_commit = {
    .name = "commit", .summary = "commit a round: build the batch, pin it, sign, submit, wait for confirmation",
    .usage = "commit --values FILE [--round N] [--registry ADDR] [--key-file PATH] [--signer-key-files A,B] [--timeout S] [--json]\n"
             "       obridge commit build|sign|submit … (one key per operator: see 'obridge commit build --help')\n"
             "       obridge commit status [--json] (the rounds recorded: confirmed, superseded, …)",
    .example = "obridge commit --values round.json --json",
    .details = "Prints round, root, CID, tx hash and gas used (--json: {\"registry\", \"round\", \"root\", \"cid\", \"tx\", "
               "\"gasUsed\"}). Each step is recorded; a rerun resumes the registry's unfinished round from its stored "
               "batch and never commits it twice. New values while the last round's commit is still unmined start a new "
               "round whose commit replaces it at the same nonce: that round ends superseded (--json adds "
               "\"superseded\": its round).",
    .run = run_commit};
