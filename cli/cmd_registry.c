/* obridge registry deploy|show|set-signers|set-max-age|transfer-ownership|accept-ownership|deploy-adapter:
 * the registry contract, and feed adapters over it, through the transaction manager (node/'s registry.h
 * and adapter.h for calldata and reads). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/chain/keccak.h"
#include "ob/node/adapter.h"
#include "ob/node/batch.h"
#include "ob/node/commit_store.h"
#include "ob/node/registry.h"

#define DEPLOY_GAS 4000000
#define ADMIN_GAS 500000
#define ADAPTER_GAS 2000000

/* --signers A,B,C into addrs (at most NODE_REGISTRY_MAX_SIGNERS). */
static int parse_signers(const char *text, uint8_t (*addrs)[20], size_t *n, struct ob_err *err) {
  char *copy, *save = NULL, *tok;
  int rc = 0;
  *n = 0;
  if (!text || !*text) return ob_err_set(err, OB_EUSAGE, "--signers is required (A,B,C)");
  copy = ob_strdup(text);
  if (!copy) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
    if (*n >= NODE_REGISTRY_MAX_SIGNERS) rc = ob_err_set(err, OB_EUSAGE, "--signers: more than %d", NODE_REGISTRY_MAX_SIGNERS);
    else if (chain_addr_parse(addrs[*n], tok, NULL))
      rc = ob_err_set(err, OB_EUSAGE, "--signers: '%s' is not an address (0x and 40 hex digits, EIP-55 or one case)", tok);
    else (*n)++;
  }
  ob_free(copy);
  return rc;
}

static int parse_threshold(const char *v, unsigned *out, struct ob_err *err) {
  uint64_t t;
  if (!v) return ob_err_set(err, OB_EUSAGE, "--threshold is required");
  if (ob_parse_u64(&t, v, "--threshold", NULL) || t == 0 || t > 255)
    return ob_err_set(err, OB_EUSAGE, "--threshold: expected 1 to 255, got '%s'", v);
  *out = (unsigned)t;
  return 0;
}

/* The registry to use: chain.registry / OBRIDGE_REGISTRY, or --registry. */
int cli_registry_addr(struct cli *cli, const char *flag, uint8_t reg[20], int *exit_code) {
  struct ob_config *c = cli_config(cli, exit_code);
  struct ob_err err;
  const char *v = flag ? flag : c ? c->registry : NULL;
  if (!c) return -1;
  if (!v) {
    *exit_code = cli_failf(OB_EUSAGE, "no registry: set chain.registry (or OBRIDGE_REGISTRY), or give --registry");
    return -1;
  }
  ob_err_clear(&err);
  if (chain_addr_parse(reg, v, &err)) {
    *exit_code = cli_failf(OB_EUSAGE, "registry: '%s' is not an address", v);
    return -1;
  }
  return 0;
}

/* Dry-run the call from the sender (a revert names the registry error, nothing is sent), then
 * submit it, wait until confirmed, and load its row. */
int cli_registry_send(struct cli_txm *g, const uint8_t *reg, const struct ob_buf *data, uint64_t gas, const char *purpose,
                      const char *key, struct node_tx_row *row, struct node_tx_rows *rows, int *exit_code) {
  struct chain_txm_req q;
  struct ob_err err;
  char ids[24];
  int64_t id = 0;
  int rc;
  ob_err_clear(&err);
  memset(&q, 0, sizeof(q));
  memset(rows, 0, sizeof(*rows));
  q.has_to = reg != NULL;
  if (reg) memcpy(q.to, reg, 20);
  q.data = (const uint8_t *)data->buf;
  q.data_len = data->len;
  q.gas_limit = gas;
  q.purpose = purpose;
  q.key = key;
  rc = node_registry_simulate(g->rpc, g->signer.from, reg, q.data, q.data_len, &err);
  if (!rc) rc = chain_txm_submit(g->m, &q, &id, &err);
  if (rc) {
    *exit_code = cli_fail(rc, &err);
    return -1;
  }
  if (!cli_txm_run_until_idle(g)) {
    *exit_code = cli_failf(OB_ETIMEDOUT, "tx %" PRId64 " not confirmed within --timeout", id);
    return -1;
  }
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  rc = node_tx_find(g->db, ids, rows, &err);
  if (rc || rows->n != 1) {
    *exit_code = rc ? cli_fail(rc, &err) : cli_failf(OB_ENOENT, "tx %" PRId64 " is gone from the database", id);
    return -1;
  }
  *row = rows->v[0];
  if (strcmp(row->state, "confirmed") && strcmp(row->state, "finalized")) {
    *exit_code = cli_failf(OB_ECHECK, "tx %" PRId64 " %s: %s", id, row->state, row->error ? row->error : "not confirmed");
    return -1;
  }
  if (row->receipt_status != 1) {
    *exit_code = cli_failf(OB_ECHECK, "tx %s reverted", row->mined_hash);
    return -1;
  }
  return 0;
}

static void print_addr(struct ob_jw *w, const uint8_t a[20]) {
  char s[43];
  chain_addr_checksum(s, a);
  ob_jw_str(w, s);
}

/* ---- deploy ---- */

static int run_deploy(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"signers", CLI_VALUE, "A,B,C", "signer addresses"},
                           {"threshold", CLI_VALUE, "K", "signatures a commit needs"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {"json", CLI_FLAG, NULL, "print {registry, tx, block, signers, threshold}"},
                           {0}};
  static uint8_t signers[NODE_REGISTRY_MAX_SIGNERS][20];
  char lower[NODE_REGISTRY_MAX_SIGNERS][43];
  const char *lp[NODE_REGISTRY_MAX_SIGNERS];
  struct node_tx_rows rows;
  struct node_tx_row row;
  struct ob_buf code, res;
  struct ob_json *j = NULL;
  struct ob_err err;
  struct cli_txm g;
  uint8_t addr[20];
  char params[100], reg[43];
  uint64_t deadline;
  size_t n = 0;
  unsigned threshold = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if ((rc = parse_signers(cli_opt(opts, "signers")->value, signers, &n, &err)) ||
      (rc = parse_threshold(cli_opt(opts, "threshold")->value, &threshold, &err)))
    return cli_fail(rc, &err);
  if (threshold > n) return cli_failf(OB_EUSAGE, "--threshold %u is more than the %zu signers", threshold, n);
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  ob_buf_init(&code, 1 << 24);
  if ((rc = node_registry_deploy_code(&code, (const uint8_t (*)[20])signers, n, threshold, &err))) {
    ob_buf_release(&code);
    return cli_fail(rc, &err);
  }
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) {
    ob_buf_release(&code);
    return exit_code;
  }
  memset(&rows, 0, sizeof(rows));
  if (cli_registry_send(&g, NULL, &code, DEPLOY_GAS, "registry deploy", NULL, &row, &rows, &exit_code)) goto out;
  /* the address from the receipt */
  ob_buf_init(&res, 1 << 20);
  snprintf(params, sizeof(params), "[\"%s\"]", row.mined_hash);
  rc = chain_rpc_call_sync(g.rpc, "eth_getTransactionReceipt", params, 0, 30000, &res, &err);
  if (!rc) rc = ob_json_parse(&j, res.buf, res.len, NULL, &err);
  if (!rc && chain_addr_parse(addr, ob_json_string(ob_json_get(j, "contractAddress")), NULL))
    rc = ob_err_set(&err, OB_EPEER, "receipt of %s: no contractAddress", row.mined_hash);
  ob_json_free(j);
  ob_buf_release(&res);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  ob_hex_encode0x(reg, addr, 20);
  for (size_t i = 0; i < n; i++) ob_hex_encode0x(lower[i], signers[i], 20), lp[i] = lower[i];
  if ((rc = node_registry_record(g.db, g.ndb.chain_id, reg, row.mined_hash, row.block_number, lp, n, threshold, &err))) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  chain_addr_checksum(reg, addr);
  if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "registry"), ob_jw_str(w, reg);
    ob_jw_key(w, "tx"), ob_jw_str(w, row.mined_hash);
    ob_jw_key(w, "block"), ob_jw_u64(w, row.block_number);
    ob_jw_key(w, "signers"), ob_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) print_addr(w, signers[i]);
    ob_jw_arr_end(w);
    ob_jw_key(w, "threshold"), ob_jw_u64(w, threshold);
    ob_jw_obj_end(w);
    exit_code = cli_json_end(&cj);
  } else {
    printf("%s\n", reg);
  }
out:
  node_tx_rows_free(&rows);
  ob_buf_release(&code);
  cli_txm_close(&g);
  return exit_code;
}

/* ---- deploy-adapter ---- */

/* The created contract's address from the receipt of hash. */
static int created_address(struct cli_txm *g, const char *hash, uint8_t addr[20], struct ob_err *err) {
  struct ob_buf res;
  struct ob_json *j = NULL;
  char params[100];
  int rc;
  ob_buf_init(&res, 1 << 20);
  snprintf(params, sizeof(params), "[\"%s\"]", hash);
  rc = chain_rpc_call_sync(g->rpc, "eth_getTransactionReceipt", params, 0, 30000, &res, err);
  if (!rc) rc = ob_json_parse(&j, res.buf, res.len, NULL, err);
  if (!rc && chain_addr_parse(addr, ob_json_string(ob_json_get(j, "contractAddress")), NULL))
    rc = ob_err_set(err, OB_EPEER, "receipt of %s: no contractAddress", hash);
  ob_json_free(j);
  ob_buf_release(&res);
  return rc;
}

static int run_deploy_adapter(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"decimals", CLI_VALUE, "N", "the feed's decimals, as in its batch documents (default 8)"},
                           {"description", CLI_VALUE, "S", "description() (default the feed's name)"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {"json", CLI_FLAG, NULL, "print {adapter, feed, feedId, decimals, description, registry, tx, block}"},
                           {0}};
  struct node_tx_rows rows;
  struct node_tx_row row;
  struct node_batch probe;
  struct ob_buf code;
  struct ob_err err;
  struct cli_txm g;
  char **pos = NULL;
  const char *desc, *dv = NULL;
  uint8_t reg[20], id[32], addr[20];
  char a[43], idhex[67];
  uint64_t deadline, dec = 8;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != 1) return cli_failf(OB_EUSAGE, "expected the feed's name\nusage: obridge %s", self->usage);
  ob_err_clear(&err);
  node_batch_init(&probe);
  rc = node_batch_add_feed(&probe, pos[0], 0, &err) ? 0 : OB_EPARSE; /* the feed-name rules, and its id */
  if (!rc) memcpy(id, probe.feeds[0].id, 32);
  node_batch_release(&probe);
  if (rc) return cli_fail(OB_EUSAGE, &err);
  if ((dv = cli_opt(opts, "decimals")->value) && (ob_parse_u64(&dec, dv, "--decimals", NULL) || dec > 36))
    return cli_failf(OB_EUSAGE, "--decimals: expected 0 to 36, got '%s'", dv);
  desc = cli_opt(opts, "description")->value ? cli_opt(opts, "description")->value : pos[0];
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code)) return exit_code;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  ob_buf_init(&code, 1 << 22);
  if ((rc = node_adapter_deploy_code(&code, reg, id, (unsigned)dec, desc, &err))) {
    ob_buf_release(&code);
    return cli_fail(rc == OB_EINVAL ? OB_EUSAGE : rc, &err);
  }
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) {
    ob_buf_release(&code);
    return exit_code;
  }
  memset(&rows, 0, sizeof(rows));
  if ((rc = node_registry_check_code(g.rpc, reg, &err))) exit_code = cli_fail(rc, &err);
  else if (!cli_registry_send(&g, NULL, &code, ADAPTER_GAS, "adapter deploy", NULL, &row, &rows, &exit_code)) {
    if ((rc = created_address(&g, row.mined_hash, addr, &err))) exit_code = cli_fail(rc, &err);
    else if (cli_opt(opts, "json")->set) {
      struct cli_json cj;
      struct ob_jw *w = cli_json_begin(&cj);
      ob_hex_encode0x(idhex, id, 32);
      ob_jw_obj_begin(w);
      ob_jw_key(w, "adapter"), print_addr(w, addr);
      ob_jw_key(w, "feed"), ob_jw_str(w, pos[0]);
      ob_jw_key(w, "feedId"), ob_jw_str(w, idhex);
      ob_jw_key(w, "decimals"), ob_jw_u64(w, dec);
      ob_jw_key(w, "description"), ob_jw_str(w, desc);
      ob_jw_key(w, "registry"), print_addr(w, reg);
      ob_jw_key(w, "tx"), ob_jw_str(w, row.mined_hash);
      ob_jw_key(w, "block"), ob_jw_u64(w, row.block_number);
      ob_jw_obj_end(w);
      exit_code = cli_json_end(&cj);
    } else {
      chain_addr_checksum(a, addr);
      printf("%s\n", a);
    }
  }
  node_tx_rows_free(&rows);
  ob_buf_release(&code);
  cli_txm_close(&g);
  return exit_code;
}

/* ---- show ---- */

static int run_show(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"json", CLI_FLAG, NULL, "print as JSON"},
                           {0}};
  static struct node_registry_state st;
  struct chain_rpc_opts ro;
  struct chain_loop *loop = NULL;
  struct chain_rpc *rpc = NULL;
  const char **urls = NULL;
  struct ob_config *c;
  struct ob_err err;
  uint8_t reg[20];
  char a[43], root[67];
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code)) return exit_code;
  c = cli_config(cli, &exit_code);
  ob_err_clear(&err);
  if (cli_chain_opts(&ro, &urls, c)) return cli_failf(OB_ENOMEM, "out of memory");
  rc = chain_loop_new(&loop, &err);
  if (!rc) rc = chain_rpc_new(&rpc, loop, &ro, &err);
  if (!rc) rc = node_registry_read(rpc, reg, &st, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    static const uint8_t zero[20];
    ob_jw_obj_begin(w);
    ob_jw_key(w, "registry"), print_addr(w, reg);
    ob_jw_key(w, "owner"), print_addr(w, st.owner);
    ob_jw_key(w, "pendingOwner");
    if (memcmp(st.pending_owner, zero, 20)) print_addr(w, st.pending_owner);
    else ob_jw_null(w);
    ob_jw_key(w, "signers"), ob_jw_arr_begin(w);
    for (size_t i = 0; i < st.nsigners; i++) print_addr(w, st.signers[i]);
    ob_jw_arr_end(w);
    ob_jw_key(w, "threshold"), ob_jw_u64(w, st.threshold);
    ob_jw_key(w, "maxAge"), ob_jw_u64(w, st.max_age);
    ob_jw_key(w, "latest"), ob_jw_obj_begin(w);
    ob_hex_encode0x(root, st.latest_root, 32);
    ob_jw_key(w, "round"), ob_jw_u64(w, st.latest_round);
    ob_jw_key(w, "root"), ob_jw_str(w, root);
    ob_jw_key(w, "timestamp"), ob_jw_u64(w, st.latest_timestamp);
    ob_jw_obj_end(w);
    ob_jw_obj_end(w);
    exit_code = cli_json_end(&cj);
  } else {
    static const uint8_t zero[20];
    chain_addr_checksum(a, reg);
    printf("%-15s %s\n", "registry", a);
    chain_addr_checksum(a, st.owner);
    printf("%-15s %s\n", "owner", a);
    chain_addr_checksum(a, st.pending_owner);
    printf("%-15s %s\n", "pending owner", memcmp(st.pending_owner, zero, 20) ? a : "-");
    for (size_t i = 0; i < st.nsigners; i++) {
      chain_addr_checksum(a, st.signers[i]);
      printf("%-15s %s\n", i ? "" : "signers", a);
    }
    printf("%-15s %u of %zu\n", "threshold", st.threshold, st.nsigners);
    printf("%-15s %" PRIu64 " s\n", "max age", st.max_age);
    ob_hex_encode0x(root, st.latest_root, 32);
    printf("%-15s %" PRIu64 " (root %s, timestamp %" PRIu64 ")\n", "latest round", st.latest_round, root,
           st.latest_timestamp);
  }
  chain_rpc_free(rpc);
  chain_loop_free(loop);
  ob_free(urls);
  return exit_code;
}

/* ---- the owner's calls ---- */

enum admin { SET_SIGNERS, SET_MAX_AGE, TRANSFER, ACCEPT };

static int run_admin(struct cli *cli, int argc, char **argv, const struct cli_cmd *self, enum admin what) {
  struct cli_opt opts[] = {{"signers", CLI_VALUE, "A,B,C", "set-signers: the new signer addresses"},
                           {"threshold", CLI_VALUE, "K", "set-signers: signatures a commit needs"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {"json", CLI_FLAG, NULL, "print {tx, block, gasUsed}"},
                           {0}};
  static uint8_t signers[NODE_REGISTRY_MAX_SIGNERS][20];
  struct node_tx_rows rows;
  struct node_tx_row row;
  struct ob_buf data;
  struct ob_err err;
  struct cli_txm g;
  char **pos = NULL;
  uint8_t reg[20], to[20];
  uint64_t deadline, secs = 0;
  size_t n = 0;
  unsigned threshold = 0;
  int npos = 0, want = (what == SET_MAX_AGE || what == TRANSFER) ? 1 : 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != want) return cli_failf(OB_EUSAGE, "expected %d argument%s\nusage: obridge %s", want, want == 1 ? "" : "s", self->usage);
  ob_err_clear(&err);
  ob_buf_init(&data, 1 << 20);
  if (what == SET_SIGNERS) {
    if ((rc = parse_signers(cli_opt(opts, "signers")->value, signers, &n, &err)) ||
        (rc = parse_threshold(cli_opt(opts, "threshold")->value, &threshold, &err)))
      return cli_fail(rc, &err);
    rc = node_registry_set_signers_data(&data, (const uint8_t (*)[20])signers, n, threshold, &err);
  } else if (what == SET_MAX_AGE) {
    if (ob_parse_u64(&secs, pos[0], "SECONDS", NULL)) return cli_failf(OB_EUSAGE, "SECONDS: expected a number, got '%s'", pos[0]);
    rc = node_registry_set_max_age_data(&data, secs, &err);
  } else if (what == TRANSFER) {
    if (chain_addr_parse(to, pos[0], NULL)) return cli_failf(OB_EUSAGE, "ADDR: '%s' is not an address", pos[0]);
    rc = node_registry_transfer_ownership_data(&data, to, &err);
  } else {
    rc = node_registry_accept_ownership_data(&data, &err);
  }
  if (rc) {
    ob_buf_release(&data);
    return cli_fail(rc, &err);
  }
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code) ||
      (exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) {
    ob_buf_release(&data);
    return exit_code ? exit_code : CLI_EXIT_USAGE;
  }
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) {
    ob_buf_release(&data);
    return exit_code;
  }
  memset(&rows, 0, sizeof(rows));
  if ((rc = node_registry_check_code(g.rpc, reg, &err))) exit_code = cli_fail(rc, &err);
  else if (!cli_registry_send(&g, reg, &data, ADMIN_GAS, self->name, NULL, &row, &rows, &exit_code)) {
    if (cli_opt(opts, "json")->set) {
      struct cli_json cj;
      struct ob_jw *w = cli_json_begin(&cj);
      ob_jw_obj_begin(w);
      ob_jw_key(w, "tx"), ob_jw_str(w, row.mined_hash);
      ob_jw_key(w, "block"), ob_jw_u64(w, row.block_number);
      ob_jw_key(w, "gasUsed"), ob_jw_u64(w, row.gas_used);
      ob_jw_obj_end(w);
      exit_code = cli_json_end(&cj);
    } else {
      printf("%s\n", row.mined_hash);
    }
  }
  node_tx_rows_free(&rows);
  ob_buf_release(&data);
  cli_txm_close(&g);
  return exit_code;
}

static int run_set_signers(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  return run_admin(cli, argc, argv, self, SET_SIGNERS);
}
static int run_set_max_age(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  return run_admin(cli, argc, argv, self, SET_MAX_AGE);
}
static int run_transfer(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  return run_admin(cli, argc, argv, self, TRANSFER);
}
static int run_accept(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  return run_admin(cli, argc, argv, self, ACCEPT);
}

static const struct cli_cmd cmd_deploy = {
    .name = "deploy", .summary = "deploy a registry through the transaction manager and record it",
    .usage = "registry deploy --signers A,B,C --threshold K [--key-file PATH] [--timeout S] [--json]",
    .example = "obridge registry deploy --signers 0xA…,0xB…,0xC… --threshold 2",
    .details = "Prints the address (--json: {\"registry\", \"tx\", \"block\", \"signers\", \"threshold\"}). Set it as "
               "chain.registry (or OBRIDGE_REGISTRY) to use it.",
    .run = run_deploy};
static const struct cli_cmd cmd_show = {
    .name = "show", .summary = "owner, pending owner, signers, threshold, max age, latest round (eth_call only)",
    .usage = "registry show [--registry ADDR] [--json]", .example = "obridge registry show --json", .run = run_show};
static const struct cli_cmd cmd_set_signers = {
    .name = "set-signers", .summary = "replace the signer set (owner only)",
    .usage = "registry set-signers --signers A,B,C --threshold K [--registry ADDR] [--key-file PATH] [--json]",
    .example = "obridge registry set-signers --signers 0xA…,0xB… --threshold 2", .run = run_set_signers};
static const struct cli_cmd cmd_set_max_age = {
    .name = "set-max-age", .summary = "how old a commit's timestamp may be (owner only)",
    .usage = "registry set-max-age SECONDS [--registry ADDR] [--key-file PATH] [--json]",
    .example = "obridge registry set-max-age 7200", .run = run_set_max_age};
static const struct cli_cmd cmd_transfer = {
    .name = "transfer-ownership", .summary = "start a two-step ownership transfer (owner only)",
    .usage = "registry transfer-ownership ADDR [--registry ADDR] [--key-file PATH] [--json]",
    .example = "obridge registry transfer-ownership 0x7099…", .run = run_transfer};
static const struct cli_cmd cmd_accept = {
    .name = "accept-ownership", .summary = "accept a pending ownership transfer (the pending owner only)",
    .usage = "registry accept-ownership [--registry ADDR] [--key-file PATH] [--json]",
    .example = "obridge registry accept-ownership --key-file new-owner.key", .run = run_accept};

static const struct cli_cmd cmd_deploy_adapter = {
    .name = "deploy-adapter", .summary = "deploy a Chainlink-compatible feed adapter (AggregatorV3Interface) for one feed",
    .usage = "registry deploy-adapter FEED [--decimals N] [--description S] [--registry ADDR] [--key-file PATH] "
             "[--timeout S] [--json]",
    .example = "obridge registry deploy-adapter ETH/USD --decimals 8 --json",
    .details = "Deploys contracts/ObridgeFeedAdapter.sol (registry, keccak256(FEED), decimals, description) through the\n"
               "transaction manager and prints its address (--json: {\"adapter\", \"feed\", \"feedId\", \"decimals\",\n"
               "\"description\", \"registry\", \"tx\", \"block\"}). --decimals must equal the feed's decimals in its batch\n"
               "documents: the registry's verify() covers them, so another value makes every update fail.\n"
               "Keep it current with 'obridge consumer push FEED --adapter ADDR'.",
    .run = run_deploy_adapter};

static const struct cli_cmd *const subs[] = {&cmd_deploy, &cmd_show, &cmd_set_signers, &cmd_set_max_age,
                                             &cmd_transfer, &cmd_accept, &cmd_deploy_adapter, NULL};
const struct cli_cmd cli_cmd_registry = {
    .name = "registry", .summary = "the registry contract: deploy, show, signer set, max age, ownership; feed adapters",
    .usage = "registry <deploy|show|set-signers|set-max-age|transfer-ownership|accept-ownership|deploy-adapter> [options]",
    .example = "obridge registry show", .subs = subs};
