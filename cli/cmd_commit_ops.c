/* obridge commit build|sign|submit: the commit flow for operators who each hold one key on their own
 * machine. build writes the round's batch document; sign writes a detached signature of its
 * commitment; submit checks the signatures against the batch and the on-chain signer set (ordered by
 * signer address; duplicates and strangers refused before any gas is spent), pins the batch and
 * sends the commit through the transaction manager (key commit:<registry>:<round>). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_db.h"
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
#include "ob/db/db.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/node/registry.h"
#include "ob/node/values.h"
#include "ob/storage/cid.h"

#define MAX_SIGS 255

int cli_commit_pin(const struct ob_config *c, const char *name, const struct ob_buf *doc, char *cid, struct ob_err *err);

/* A batch file, parsed and checked (schema rules, ids, values, root, proofs), with its CID. */
static int read_batch(const char *path, const struct ob_config *c, struct node_batch *b, struct ob_buf *doc,
                      char cid[IPFS_CID_TEXT_MAX], struct ob_err *err) {
  struct ipfs_dag_builder *d = NULL;
  struct ipfs_cid id;
  enum ipfs_profile prof;
  int rc = ob_file_read(path, doc, NODE_BATCH_MAX_BYTES, err);
  if (!rc && (rc = node_batch_parse(b, doc->buf, doc->len, err)) != 0) {
    char m[sizeof(err->msg)];
    snprintf(m, sizeof(m), "%s", err->msg);
    return ob_err_set(err, OB_EINVAL, "batch '%s': %s", path, m);
  }
  if (!rc) rc = ipfs_profile_parse(&prof, c->ipfs_profile ? c->ipfs_profile : "unixfs-v1-2025", err);
  if (!rc) rc = ipfs_dag_builder_new(&d, prof, err);
  if (!rc) rc = ipfs_dag_builder_update(d, doc->buf, doc->len);
  if (!rc) rc = ipfs_dag_builder_finish(d, &id, NULL, err);
  if (!rc && ipfs_cid_format(cid, IPFS_CID_TEXT_MAX, &id)) rc = ob_err_set(err, OB_EINVAL, "batch CID does not format");
  ipfs_dag_builder_free(d);
  return rc;
}

static void digest_of(const struct node_batch *b, const char *cid, uint8_t d[32]) {
  struct chain_commitment cm;
  cm.round = b->round;
  memcpy(cm.root, b->root, 32);
  cm.cid = cid;
  cm.timestamp = b->timestamp;
  cm.count = (uint32_t)b->nfeeds;
  chain_eip712_commitment_digest(d, b->chain_id, b->registry, &cm);
}

static int open_rpc(const struct ob_config *c, struct chain_loop **loop, struct chain_rpc **rpc, const char ***urls,
                    struct ob_err *err) {
  struct chain_rpc_opts ro;
  int rc;
  if (cli_chain_opts(&ro, urls, c)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = chain_loop_new(loop, err);
  if (!rc) rc = chain_rpc_new(rpc, *loop, &ro, err);
  return rc;
}

/* ---- build ---- */

static int run_build(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"values", CLI_VALUE, "FILE", "the round's values"},
                           {"out", CLI_VALUE, "BATCH", "where to write the batch document"},
                           {"round", CLI_VALUE, "N", "round number (default: one more than the chain's latest)"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {0}};
  struct ob_config *c;
  struct node_batch b;
  struct ob_buf vf, doc;
  struct ob_err err;
  struct chain_loop *loop = NULL;
  struct chain_rpc *rpc = NULL;
  const char **urls = NULL;
  uint8_t reg[20], root[32];
  uint64_t round = 0, latest = 0, lts = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!cli_opt(opts, "values")->value || !cli_opt(opts, "out")->value) return cli_failf(OB_EUSAGE, "--values and --out are required");
  if (cli_opt(opts, "round")->value && (ob_parse_u64(&round, cli_opt(opts, "round")->value, "--round", NULL) || !round))
    return cli_failf(OB_EUSAGE, "--round: expected a round number from 1");
  if (!(c = cli_config(cli, &exit_code)) || cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code))
    return exit_code;
  ob_err_clear(&err);
  node_batch_init(&b);
  ob_buf_init(&vf, (size_t)1 << 28);
  ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
  rc = ob_file_read(cli_opt(opts, "values")->value, &vf, (size_t)1 << 28, &err);
  if (!rc) rc = node_values_load(&b, vf.buf, vf.len, ob_unix_s(), &err);
  if (rc == OB_ECHECK) rc = OB_EINVAL;
  if (!rc) rc = open_rpc(c, &loop, &rpc, &urls, &err);
  if (!rc) rc = node_registry_check_code(rpc, reg, &err);
  if (!rc) rc = node_registry_latest(rpc, reg, &latest, root, &lts, &err);
  if (!rc) {
    b.chain_id = c->chain_id;
    memcpy(b.registry, reg, 20);
    b.round = round ? round : latest + 1;
    b.timestamp = ob_unix_s() > lts ? ob_unix_s() : lts;
    rc = node_batch_seal(&b, &err);
    if (rc == OB_ECHECK) rc = OB_EINVAL;
  }
  if (!rc) rc = node_batch_write(&b, &doc, &err);
  if (!rc) rc = ob_file_write_atomic(cli_opt(opts, "out")->value, doc.buf, doc.len, 0644, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else {
    char r[67];
    ob_hex_encode0x(r, b.root, 32);
    printf("round %" PRIu64 "\nroot  %s\n", b.round, r);
  }
  chain_rpc_free(rpc);
  chain_loop_free(loop);
  ob_free(urls);
  node_batch_release(&b);
  ob_buf_release(&vf);
  ob_buf_release(&doc);
  return exit_code;
}

/* ---- sign ---- */

static int run_sign(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"batch", CLI_VALUE, "BATCH", "the batch document"},
                           {"out", CLI_VALUE, "SIG", "where to write the signature (JSON)"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {0}};
  struct ob_config *c;
  struct node_batch b;
  struct ob_buf doc, out;
  struct ob_err err;
  struct chain_signer *s = NULL;
  struct ob_jw w;
  uint8_t key[32], addr[20], d[32], sig[65];
  char cid[IPFS_CID_TEXT_MAX], a[43], h[135];
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!cli_opt(opts, "batch")->value || !cli_opt(opts, "out")->value) return cli_failf(OB_EUSAGE, "--batch and --out are required");
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  ob_err_clear(&err);
  node_batch_init(&b);
  ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
  ob_buf_init(&out, 1 << 16);
  rc = read_batch(cli_opt(opts, "batch")->value, c, &b, &doc, cid, &err);
  if (!rc) rc = cli_txm_load_key(cli, c, cli_opt(opts, "key-file")->value, key, &err);
  if (!rc) rc = chain_signer_new(&s, &err);
  if (!rc) rc = chain_key_address(s, addr, key, &err);
  if (!rc) {
    digest_of(&b, cid, d);
    rc = chain_sign(s, sig, d, key, &err);
  }
  ob_memclear(key, sizeof(key));
  if (!rc && (rc = ob_jw_init(&w, &out, false)) == 0) {
    ob_jw_obj_begin(&w);
    chain_addr_checksum(a, addr);
    ob_jw_key(&w, "signer"), ob_jw_str(&w, a);
    ob_hex_encode0x(h, d, 32);
    ob_jw_key(&w, "digest"), ob_jw_str(&w, h);
    ob_hex_encode0x(h, sig, 65);
    ob_jw_key(&w, "signature"), ob_jw_str(&w, h);
    ob_jw_key(&w, "round"), ob_jw_u64(&w, b.round);
    chain_addr_checksum(a, b.registry);
    ob_jw_key(&w, "registry"), ob_jw_str(&w, a);
    ob_jw_key(&w, "chainId"), ob_jw_u64(&w, b.chain_id);
    ob_jw_key(&w, "cid"), ob_jw_str(&w, cid);
    ob_jw_obj_end(&w);
    rc = ob_jw_finish(&w);
    if (!rc) rc = ob_buf_addch(&out, '\n');
    if (!rc) rc = ob_file_write_atomic(cli_opt(opts, "out")->value, out.buf, out.len, 0644, &err);
  }
  if (rc) exit_code = cli_fail(rc, &err);
  chain_signer_free(s);
  node_batch_release(&b);
  ob_buf_release(&doc);
  ob_buf_release(&out);
  return exit_code;
}

/* ---- submit ---- */

struct osig {
  uint8_t addr[20];
  uint8_t sig[65];
};
static int by_addr(const void *x, const void *y) { return memcmp(((const struct osig *)x)->addr, ((const struct osig *)y)->addr, 20); }

/* Read one signature file; it must be for this batch's digest and recover to its signer. */
static int read_sig(const char *path, const uint8_t digest[32], const struct chain_signer *s, struct osig *o,
                    struct ob_err *err) {
  struct ob_buf t;
  struct ob_json *j = NULL;
  uint8_t d[32], rec[20];
  const char *signer, *dg, *sg;
  int rc;
  ob_buf_init(&t, 1 << 16);
  rc = ob_file_read(path, &t, 1 << 16, err);
  if (!rc) rc = ob_json_parse(&j, t.buf, t.len, NULL, err);
  if (!rc) {
    signer = ob_json_string(ob_json_get(j, "signer"));
    dg = ob_json_string(ob_json_get(j, "digest"));
    sg = ob_json_string(ob_json_get(j, "signature"));
    if (!signer || !dg || !sg || chain_addr_parse(o->addr, signer, NULL) || ob_hex_decode_fixed(d, 32, dg, NULL) ||
        ob_hex_decode_fixed(o->sig, 65, sg, NULL))
      rc = ob_err_set(err, OB_EINVAL, "signature '%s': expected {signer, digest, signature (65 bytes), …}", path);
    else if (memcmp(d, digest, 32) != 0)
      rc = ob_err_set(err, OB_EINVAL, "signature '%s' is for another commitment (round, registry, chain or batch) than this batch", path);
    else if (chain_recover(s, rec, digest, o->sig, NULL) || memcmp(rec, o->addr, 20) != 0)
      rc = ob_err_set(err, OB_EINVAL, "signature '%s' is not %s's signature of this batch", path, signer);
  }
  ob_json_free(j);
  ob_buf_release(&t);
  return rc;
}

static int run_submit(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"batch", CLI_VALUE, "BATCH", "the batch document"},
                           {"sig", CLI_MULTI, "SIG", "a signature file (once per signature)"},
                           {"key-file", CLI_VALUE, "PATH", "sender: hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {"json", CLI_FLAG, NULL, "print {registry, round, root, cid, tx, gasUsed}"},
                           {0}};
  static struct osig sigs[MAX_SIGS];
  static struct node_registry_state st;
  uint8_t (*raw)[65] = NULL;
  struct ob_config *c;
  struct node_batch b;
  struct node_tx_rows rows;
  struct node_tx_row row;
  struct ob_buf doc, data;
  struct ob_err err;
  struct chain_signer *s = NULL;
  struct cli_txm g;
  struct cli_opt *so;
  uint8_t digest[32];
  char cid[IPFS_CID_TEXT_MAX], pinned[IPFS_CID_TEXT_MAX], key[96], regl[43], regc[43], root[67], name[64];
  uint64_t deadline;
  size_t n = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  so = cli_opt(opts, "sig");
  if (!cli_opt(opts, "batch")->value || !so->nvalues) return cli_failf(OB_EUSAGE, "--batch and at least one --sig are required");
  if (so->nvalues > MAX_SIGS) return cli_failf(OB_EUSAGE, "more than %d --sig", MAX_SIGS);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  ob_err_clear(&err);
  node_batch_init(&b);
  ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
  ob_buf_init(&data, 1 << 24);
  memset(&rows, 0, sizeof(rows));
  rc = read_batch(cli_opt(opts, "batch")->value, c, &b, &doc, cid, &err);
  if (!rc && b.chain_id != c->chain_id)
    rc = ob_err_set(&err, OB_EINVAL, "batch is for chain %" PRIu64 ", the config's chain is %" PRIu64, b.chain_id, c->chain_id);
  if (!rc) rc = chain_signer_new(&s, &err);
  if (!rc) digest_of(&b, cid, digest);
  for (size_t i = 0; !rc && i < so->nvalues; i++) {
    rc = read_sig(so->values[i], digest, s, &sigs[n], &err);
    for (size_t j = 0; !rc && j < n; j++)
      if (memcmp(sigs[j].addr, sigs[n].addr, 20) == 0) {
        char a[43];
        chain_addr_checksum(a, sigs[n].addr);
        rc = ob_err_set(&err, OB_EINVAL, "signer %s signed twice ('%s')", a, so->values[i]);
      }
    if (!rc) n++;
  }
  chain_signer_free(s);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto done;
  }
  qsort(sigs, n, sizeof(sigs[0]), by_addr);
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) goto done;
  rc = node_registry_read(g.rpc, b.registry, &st, &err);
  for (size_t i = 0; !rc && i < n; i++) {
    bool member = false;
    for (size_t j = 0; j < st.nsigners; j++) member = member || memcmp(st.signers[j], sigs[i].addr, 20) == 0;
    if (!member) {
      char a[43];
      chain_addr_checksum(a, sigs[i].addr);
      rc = ob_err_set(&err, OB_EINVAL, "signer %s is not in the registry's signer set", a);
    }
  }
  if (!rc && n < st.threshold) rc = ob_err_set(&err, OB_EINVAL, "%zu signatures, the registry needs %u", n, st.threshold);
  if (!rc) {
    snprintf(name, sizeof(name), "round-%" PRIu64 ".json", b.round);
    rc = cli_commit_pin(c, name, &doc, pinned, &err);
    if (!rc && strcmp(pinned, cid) != 0) rc = ob_err_set(&err, OB_EMISMATCH, "the node pinned %s, the batch's CID is %s", pinned, cid);
  }
  if (!rc && !(raw = ob_calloc(n, 65))) rc = ob_err_set(&err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n; i++) memcpy(raw[i], sigs[i].sig, 65);
  if (!rc) rc = node_registry_commit_data(&data, b.round, b.root, cid, b.timestamp, (uint32_t)b.nfeeds,
                                          (const uint8_t (*)[65])raw, n, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else {
    ob_hex_encode0x(regl, b.registry, 20);
    snprintf(key, sizeof(key), "commit:%s:%" PRIu64, regl, b.round);
    snprintf(name, sizeof(name), "commit round %" PRIu64, b.round);
    if (!cli_registry_send(&g, b.registry, &data, 400000, name, key, &row, &rows, &exit_code)) {
      chain_addr_checksum(regc, b.registry);
      ob_hex_encode0x(root, b.root, 32);
      if (cli_opt(opts, "json")->set) {
        struct cli_json cj;
        struct ob_jw *w = cli_json_begin(&cj);
        ob_jw_obj_begin(w);
        ob_jw_key(w, "registry"), ob_jw_str(w, regc);
        ob_jw_key(w, "round"), ob_jw_u64(w, b.round);
        ob_jw_key(w, "root"), ob_jw_str(w, root);
        ob_jw_key(w, "cid"), ob_jw_str(w, cid);
        ob_jw_key(w, "tx"), ob_jw_str(w, row.mined_hash);
        ob_jw_key(w, "gasUsed"), ob_jw_u64(w, row.gas_used);
        ob_jw_obj_end(w);
        exit_code = cli_json_end(&cj);
      } else {
        printf("round    %" PRIu64 "\nroot     %s\ncid      %s\ntx       %s\ngas used %" PRIu64 "\n", b.round, root, cid,
               row.mined_hash, row.gas_used);
      }
    }
  }
  cli_txm_close(&g);
done:
  ob_free(raw);
  node_tx_rows_free(&rows);
  node_batch_release(&b);
  ob_buf_release(&doc);
  ob_buf_release(&data);
  return exit_code;
}

/* ---- status ---- */

static int run_status(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"limit", CLI_VALUE, "N", "at most N rounds, newest first (default 20)"},
                           {"json", CLI_FLAG, NULL, "print {registry, rounds: [{round, step, root, feeds, cid, tx, gasUsed, updatedAt}]}"},
                           {0}};
  struct node_round_row *rows = NULL;
  struct ob_config *c;
  struct ob_err err;
  struct db *db = NULL;
  uint8_t reg[20];
  char regl[43], regc[43];
  uint64_t limit = 20;
  size_t n = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (cli_opt(opts, "limit")->value &&
      (ob_parse_u64(&limit, cli_opt(opts, "limit")->value, "--limit", NULL) || limit == 0 || limit > 1000000))
    return cli_failf(OB_EUSAGE, "--limit: expected a count from 1 to 1000000, got '%s'", cli_opt(opts, "limit")->value);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code)) return exit_code;
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  ob_hex_encode0x(regl, reg, 20);
  chain_addr_checksum(regc, reg);
  ob_err_clear(&err);
  if ((rc = node_round_list(db, c->chain_id, regl, (size_t)limit, &rows, &n, &err))) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "registry"), ob_jw_str(w, regc);
    ob_jw_key(w, "rounds"), ob_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
      ob_jw_obj_begin(w);
      ob_jw_key(w, "round"), ob_jw_u64(w, rows[i].round);
      ob_jw_key(w, "step"), ob_jw_str(w, rows[i].step);
      ob_jw_key(w, "root"), ob_jw_str(w, rows[i].root);
      ob_jw_key(w, "feeds"), ob_jw_u64(w, rows[i].feeds);
      ob_jw_key(w, "cid"), rows[i].cid[0] ? ob_jw_str(w, rows[i].cid) : ob_jw_null(w);
      ob_jw_key(w, "tx"), rows[i].tx_hash[0] ? ob_jw_str(w, rows[i].tx_hash) : ob_jw_null(w);
      ob_jw_key(w, "gasUsed"), rows[i].gas_used ? ob_jw_u64(w, rows[i].gas_used) : ob_jw_null(w);
      ob_jw_key(w, "updatedAt"), ob_jw_str(w, rows[i].updated_at);
      ob_jw_obj_end(w);
    }
    ob_jw_arr_end(w);
    ob_jw_obj_end(w);
    exit_code = cli_json_end(&cj);
  } else {
    printf("registry %s\n", regc);
    if (!n) printf("no rounds\n");
    for (size_t i = 0; i < n; i++)
      printf("round %-8" PRIu64 " %-10s %6" PRIu32 " feeds  %s  %s  %s\n", rows[i].round, rows[i].step, rows[i].feeds,
             rows[i].updated_at, rows[i].cid[0] ? rows[i].cid : "-", rows[i].tx_hash[0] ? rows[i].tx_hash : "-");
  }
  node_round_rows_free(rows, n);
  db_close(db);
  return exit_code;
}

const struct cli_cmd cli_commit_build = {
    .name = "build", .summary = "write the round's batch document from a values file",
    .usage = "commit build --values FILE --out BATCH [--round N] [--registry ADDR]",
    .example = "obridge commit build --values round.json --out batch.json", .run = run_build};
const struct cli_cmd cli_commit_sign = {
    .name = "sign", .summary = "sign a batch's commitment: a detached signature file",
    .usage = "commit sign --batch BATCH --out SIG [--key-file PATH]",
    .example = "obridge commit sign --batch batch.json --out alice.sig", .run = run_sign};
const struct cli_cmd cli_commit_submit = {
    .name = "submit", .summary = "check the signatures, pin the batch, send the commit and wait for it",
    .usage = "commit submit --batch BATCH --sig SIG [--sig SIG…] [--key-file PATH] [--timeout S] [--json]",
    .example = "obridge commit submit --batch batch.json --sig alice.sig --sig bob.sig", .run = run_submit};
const struct cli_cmd cli_commit_status = {
    .name = "status", .summary = "the registry's rounds in the database: step reached (confirmed, superseded, …)",
    .usage = "commit status [--registry ADDR] [--limit N] [--json]",
    .example = "obridge commit status --json", .run = run_status};
