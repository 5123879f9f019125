/* obridge verify: check committed rounds from the chain and IPFS alone (node/verify.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_chain.h"
#include "config.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/node/batch.h"
#include "ob/node/verify.h"
#include "ob/storage/kubo.h"

static void round_json(struct ob_jw *w, const struct node_verify_round *r) {
  char h[67], a[43];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "round");
  ob_jw_u64(w, r->round);
  ob_jw_key(w, "committed");
  ob_jw_bool(w, r->committed);
  if (r->committed) {
    ob_hex_encode0x(h, r->root, 32);
    ob_jw_key(w, "root");
    ob_jw_str(w, h);
    ob_jw_key(w, "cid");
    ob_jw_str(w, r->cid);
    ob_hex_encode0x(h, r->tx, 32);
    ob_jw_key(w, "tx");
    ob_jw_str(w, h);
    ob_jw_key(w, "block");
    ob_jw_u64(w, r->block);
    ob_jw_key(w, "timestamp");
    ob_jw_u64(w, r->timestamp);
    ob_jw_key(w, "count");
    ob_jw_u64(w, r->count);
  }
  ob_jw_key(w, "signers");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < r->nsigners; i++) {
    chain_addr_checksum(a, r->signers[i]);
    ob_jw_str(w, a);
  }
  ob_jw_arr_end(w);
  ob_jw_key(w, "threshold");
  ob_jw_u64(w, r->threshold);
  ob_jw_key(w, "feeds");
  ob_jw_u64(w, r->feeds);
  ob_jw_key(w, "checks");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < r->nchecks; i++) ob_jw_str(w, r->checks[i]);
  ob_jw_arr_end(w);
  ob_jw_key(w, "failures");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < r->nfailures; i++) ob_jw_str(w, r->failures[i]);
  ob_jw_arr_end(w);
  ob_jw_key(w, "ok");
  ob_jw_bool(w, r->ok);
  ob_jw_obj_end(w);
}

static void round_text(const struct node_verify_round *r) {
  char h[67];
  if (!r->committed) {
    printf("round %" PRIu64 ": FAIL\n", r->round);
  } else {
    ob_hex_encode0x(h, r->root, 32);
    printf("round %" PRIu64 ": %s  root %s  cid %s  block %" PRIu64 "  signers %zu (threshold %u)  feeds %zu  checks %zu",
           r->round, r->ok ? "ok" : "FAIL", h, r->cid, r->block, r->nsigners, r->threshold, r->feeds, r->nchecks);
    for (size_t i = 0; i < r->nchecks; i++) printf("%s%s", i ? ", " : " (", r->checks[i]);
    printf("%s\n", r->nchecks ? ")" : "");
  }
  for (size_t i = 0; i < r->nfailures; i++) printf("  failed: %s\n", r->failures[i]);
}

static int run_verify(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"round", CLI_VALUE, "N", "the round to check"},
                           {"feed", CLI_VALUE, "NAME", "only this feed's contract proof (the document is checked whole)"},
                           {"all", CLI_FLAG, NULL, "every feed of --round N; without --round, every committed round"},
                           {"json", CLI_FLAG, NULL, "print the result as JSON"},
                           {"rpc", CLI_VALUE, "URL", "chain endpoint (default: chain.endpoints)"},
                           {"ipfs", CLI_VALUE, "URL", "IPFS RPC API (default: ipfs.api)"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default: chain.registry)"},
                           {"document", CLI_VALUE, "FILE", "test only: check these bytes instead of the fetched document"},
                           {0}};
  struct ob_config *c;
  struct chain_loop *loop = NULL;
  struct chain_rpc *rpc = NULL;
  struct ipfs_kubo *kubo = NULL;
  struct chain_rpc_opts ro;
  struct ipfs_kubo_opts ko;
  struct node_verify_ctx ctx;
  struct ob_buf doc;
  struct ob_err err;
  const char **urls = NULL, *one_url[1];
  const char *reg_text, *feed = cli_opt(opts, "feed")->value;
  uint64_t *rounds = NULL, one_round = 0;
  size_t nrounds = 0, failed = 0;
  bool json, all, have_round;
  int exit_code, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  feed = cli_opt(opts, "feed")->value;
  json = cli_opt(opts, "json")->set;
  all = cli_opt(opts, "all")->set;
  have_round = cli_opt(opts, "round")->set;
  ob_err_clear(&err);
  if (have_round) {
    char *end = NULL;
    const char *s = cli_opt(opts, "round")->value;
    if (!s || !*s || s[0] == '-' || (one_round = strtoull(s, &end, 10), *end) || one_round == 0)
      return cli_failf(OB_EUSAGE, "--round: expected a round number >= 1, got '%s'", s ? s : "");
  }
  if (feed && all) return cli_failf(OB_EUSAGE, "--feed and --all exclude each other\nusage: obridge %s", self->usage);
  if (feed && !have_round) return cli_failf(OB_EUSAGE, "--feed needs --round N\nusage: obridge %s", self->usage);
  if (have_round && !feed && !all)
    return cli_failf(OB_EUSAGE, "--round N needs --feed NAME or --all\nusage: obridge %s", self->usage);
  if (!have_round && !all) return cli_failf(OB_EUSAGE, "expected --round N (--feed NAME | --all) or --all\nusage: obridge %s", self->usage);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  memset(&ctx, 0, sizeof(ctx));
  reg_text = cli_opt(opts, "registry")->value ? cli_opt(opts, "registry")->value : c->registry;
  if (!reg_text || !*reg_text)
    return cli_failf(OB_EUSAGE, "no registry: give --registry ADDR or set chain.registry / OBRIDGE_REGISTRY");
  if (chain_addr_parse(ctx.registry, reg_text, &err)) return cli_fail(OB_EUSAGE, &err);
  ob_buf_init(&doc, NODE_BATCH_MAX_BYTES);
  if (cli_opt(opts, "document")->set) {
    if ((rc = ob_file_read(cli_opt(opts, "document")->value, &doc, NODE_BATCH_MAX_BYTES, &err)) != 0) {
      ob_buf_release(&doc);
      return cli_fail(rc == OB_ENOENT ? OB_EUSAGE : rc, &err);
    }
    ctx.document = doc.buf ? doc.buf : "";
    ctx.document_len = doc.len;
  }
  if (cli_chain_opts(&ro, &urls, c)) {
    ob_buf_release(&doc);
    return cli_fail(OB_ENOMEM, NULL);
  }
  if (cli_opt(opts, "rpc")->value) {
    one_url[0] = cli_opt(opts, "rpc")->value;
    ro.urls = one_url;
    ro.nurls = 1;
  }
  ro.chain_id = 0; /* verify on whatever chain the endpoint serves; the documents name theirs */
  ipfs_kubo_opts_init(&ko);
  ko.api = cli_opt(opts, "ipfs")->value ? cli_opt(opts, "ipfs")->value : c->ipfs_api;
  ko.connect_timeout_s = c->ipfs_connect_timeout_s;
  ko.stall_timeout_s = c->ipfs_stall_timeout_s;
  rc = chain_loop_new(&loop, &err);
  if (!rc) rc = chain_rpc_new(&rpc, loop, &ro, &err);
  if (!rc) rc = ipfs_kubo_new(&kubo, &ko, &err);
  if (!rc) rc = chain_rpc_wait(rpc, CHAIN_WAIT_FIRST, ro.request_timeout_ms ? ro.request_timeout_ms : 10000, &err);
  if (rc) goto out;
  ctx.rpc = rpc;
  ctx.loop = loop;
  ctx.kubo = kubo;
  if (have_round) {
    rounds = &one_round;
    nrounds = 1;
  } else if ((rc = node_verify_committed_rounds(&ctx, &rounds, &nrounds, &err)) != 0)
    goto out;
  {
    struct cli_json j;
    struct ob_jw *w = json ? cli_json_begin(&j) : NULL;
    if (w) {
      ob_jw_obj_begin(w);
      ob_jw_key(w, "registry");
      {
        char a[43];
        chain_addr_checksum(a, ctx.registry);
        ob_jw_str(w, a);
      }
      ob_jw_key(w, "rounds");
      ob_jw_arr_begin(w);
    }
    for (size_t i = 0; i < nrounds && !rc; i++) {
      struct node_verify_round r;
      rc = node_verify_one(&ctx, rounds[i], have_round ? feed : NULL, &r, &err);
      if (!rc) {
        if (!r.ok) failed++;
        if (w) round_json(w, &r);
        else round_text(&r);
      }
      node_verify_round_release(&r);
    }
    if (w) {
      ob_jw_arr_end(w);
      ob_jw_key(w, "ok");
      ob_jw_bool(w, !rc && failed == 0);
      ob_jw_obj_end(w);
      if (rc) {
        ob_jw_finish(&j.w);
        ob_buf_release(&j.b);
      } else if (cli_json_end(&j))
        rc = OB_EIO;
    }
  }
  if (!rc && !have_round && nrounds == 0 && !json) printf("no committed rounds\n");
out:
  if (rc) exit_code = cli_fail(rc, &err);
  else if (failed) exit_code = cli_failf(OB_ECHECK, "%zu of %zu round(s) failed verification", failed, nrounds);
  else exit_code = CLI_EXIT_OK;
  if (rounds != &one_round) ob_free(rounds);
  ipfs_kubo_free(kubo);
  chain_rpc_free(rpc);
  chain_loop_free(loop);
  ob_free(urls);
  ob_buf_release(&doc);
  return exit_code;
}

const struct cli_cmd cli_cmd_verify = {
    .name = "verify",
    .summary = "check committed rounds from the chain and IPFS alone (no database)",
    .usage = "verify --round N (--feed NAME | --all) [--json] | verify --all [--json]  [--rpc URL] [--ipfs URL] [--registry ADDR]",
    .example = "obridge verify --all\nobridge verify --round 7 --feed ETH/USD --json",
    .details = "Reads the round's Committed log and rootOf, fetches the batch document by CID, recomputes its CID, "
               "every value from its observations (median-mad), the root and every proof, recovers the signers "
               "of the commit transaction against the signer set at that block, and calls the registry's "
               "verify() for each feed. Exit 0 all holds; 1 naming each thing that does not; 2 bad usage; "
               "3 a peer unreachable.",
    .run = run_verify,
    .needs_config = true,
};
