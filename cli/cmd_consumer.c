/* obridge consumer push: keep a feed adapter (contracts/ObridgeFeedAdapter.sol) current. The latest
 * proof of the feed comes from the local database (the rounds table; node/proofs.h) or from a proof
 * API (--api URL, GET URL/v1/feeds/{name}/latest); update(round, value, observedAt, proof) goes out
 * through the transaction manager after a dry run, so a refused update (StaleUpdate, InvalidProof) is
 * named and nothing is sent. An adapter already at that round or newer is left alone (exit 0). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/node/adapter.h"
#include "ob/node/proofs.h"
#include "ob/node/registry.h"
#include "ob/storage/kubo.h"

#define UPDATE_GAS_BASE 150000
#define UPDATE_GAS_PER_NODE 2000
#define API_MAX_BYTES ((uint64_t)1 << 20)

/* URL/v1/feeds/{name, percent-encoded}/latest. */
static int latest_url(struct ob_buf *u, const char *api, const char *name) {
  size_t n = strlen(api);
  int rc;
  while (n && api[n - 1] == '/') n--;
  rc = ob_buf_add(u, api, n);
  if (!rc) rc = ob_buf_addstr(u, "/v1/feeds/");
  for (const unsigned char *p = (const unsigned char *)name; !rc && *p; p++)
    rc = (isalnum(*p) || strchr("-._~", *p)) ? ob_buf_addch(u, (char)*p) : ob_buf_addf(u, "%%%02X", *p);
  if (!rc) rc = ob_buf_addstr(u, "/latest");
  if (!rc) rc = ob_buf_addch(u, 0);
  return rc;
}

static int proof_from_api(const char *api, const char *name, struct node_proof *p, struct ob_err *err) {
  struct ipfs_url_opts o;
  struct ipfs_url_src *src = NULL;
  struct ob_buf u, body;
  char chunk[16384];
  int64_t size;
  size_t got = 0;
  int rc;
  ob_buf_init(&u, 4096);
  ob_buf_init(&body, API_MAX_BYTES);
  ipfs_url_opts_init(&o);
  o.max_bytes = API_MAX_BYTES;
  o.connect_timeout_s = 10;
  o.stall_timeout_s = 30;
  rc = latest_url(&u, api, name) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
  if (!rc) rc = ipfs_url_src_open(&src, u.buf, &o, &size, err);
  if (rc == OB_ENOENT) rc = ob_err_set(err, OB_ENOENT, "%s: the proof API knows no feed '%s' (404)", u.buf, name);
  while (!rc && (rc = ipfs_url_src_read(src, chunk, sizeof(chunk), &got, err)) == 0 && got)
    if (ob_buf_add(&body, chunk, got)) rc = ob_err_set(err, OB_ELIMIT, "%s: the reply is over %" PRIu64 " bytes", u.buf, API_MAX_BYTES);
  ipfs_url_src_close(src);
  if (!rc) rc = node_proof_parse(p, body.buf ? body.buf : "", body.len, err);
  if (!rc && strcmp(p->name, name) != 0) rc = ob_err_set(err, OB_EPEER, "%s: the reply is for feed '%s'", u.buf, p->name);
  ob_buf_release(&u);
  ob_buf_release(&body);
  return rc;
}

static int proof_from_db(struct cli_txm *g, const uint8_t reg[20], const char *name, struct node_proof *p,
                         struct ob_err *err) {
  char r[43];
  ob_hex_encode0x(r, reg, 20);
  return node_proof_latest(g->db, g->ndb.chain_id, r, name, p, err);
}

static void print_json(const struct node_proof *p, const uint8_t adapter[20], uint64_t before, bool pushed,
                       const struct node_tx_row *row) {
  struct cli_json cj;
  struct ob_jw *w = cli_json_begin(&cj);
  char a[43], v[CHAIN_U256_DEC_MAX];
  chain_addr_checksum(a, adapter);
  ob_jw_obj_begin(w);
  ob_jw_key(w, "adapter"), ob_jw_str(w, a);
  ob_jw_key(w, "feed"), ob_jw_str(w, p->name);
  ob_jw_key(w, "round"), ob_jw_u64(w, p->meta.round);
  ob_jw_key(w, "value"), ob_jw_str(w, chain_i256_to_dec(v, &p->value));
  ob_jw_key(w, "observedAt"), ob_jw_u64(w, p->observed_at);
  ob_jw_key(w, "previousRound"), ob_jw_u64(w, before);
  ob_jw_key(w, "pushed"), ob_jw_bool(w, pushed);
  ob_jw_key(w, "tx");
  if (pushed) ob_jw_str(w, row->mined_hash);
  else ob_jw_null(w);
  ob_jw_key(w, "gasUsed");
  if (pushed) ob_jw_u64(w, row->gas_used);
  else ob_jw_null(w);
  ob_jw_obj_end(w);
  cli_json_end(&cj);
}

/* The adapter must be this feed's over this registry, with the proof's decimals. */
static int check_adapter(const struct node_adapter_state *st, const struct node_proof *p, const uint8_t reg[20],
                         struct ob_err *err) {
  char a[43];
  if (memcmp(st->feed_id, p->id, 32) != 0) return ob_err_set(err, OB_EMISMATCH, "the adapter is not feed '%s''s (feedId differs)", p->name);
  if (memcmp(st->registry, reg, 20) != 0) {
    chain_addr_checksum(a, st->registry);
    return ob_err_set(err, OB_EMISMATCH, "the adapter reads registry %s, not this one", a);
  }
  if (st->decimals != p->decimals)
    return ob_err_set(err, OB_EMISMATCH, "the adapter has %u decimals, feed '%s' %u: every update would fail", st->decimals,
                      p->name, p->decimals);
  return 0;
}

static int run_push(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"adapter", CLI_VALUE, "ADDR", "the feed's adapter (obridge registry deploy-adapter)"},
                           {"api", CLI_VALUE, "URL", "take the proof from this proof API instead of the local database"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"key-file", CLI_VALUE, "PATH", "hex private key file instead of the keystore (development)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600)"},
                           {"json", CLI_FLAG, NULL, "print {adapter, feed, round, value, observedAt, previousRound, pushed, tx, gasUsed}"},
                           {0}};
  struct node_adapter_state st;
  struct node_tx_rows rows;
  struct node_tx_row row;
  struct node_proof p;
  struct ob_buf data;
  struct ob_err err;
  struct cli_txm g;
  char **pos = NULL, key[128], a[43];
  const char *api = cli_opt(opts, "api")->value, *av;
  uint8_t reg[20], adapter[20];
  uint64_t deadline;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  api = cli_opt(opts, "api")->value;
  if (npos != 1) return cli_failf(OB_EUSAGE, "expected the feed's name\nusage: obridge %s", self->usage);
  if (!(av = cli_opt(opts, "adapter")->value)) return cli_failf(OB_EUSAGE, "--adapter is required");
  if (chain_addr_parse(adapter, av, NULL)) return cli_failf(OB_EUSAGE, "--adapter: '%s' is not an address", av);
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code)) return exit_code;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) return exit_code;
  ob_err_clear(&err);
  memset(&p, 0, sizeof(p));
  memset(&rows, 0, sizeof(rows));
  ob_buf_init(&data, 1 << 20);
  rc = api ? proof_from_api(api, pos[0], &p, &err) : proof_from_db(&g, reg, pos[0], &p, &err);
  if (!rc && api && memcmp(p.meta.registry, reg, 20) != 0) {
    chain_addr_checksum(a, p.meta.registry);
    rc = ob_err_set(&err, OB_EMISMATCH, "the proof API serves registry %s, not this one", a);
  }
  if (!rc) rc = node_adapter_read(g.rpc, adapter, &st, &err);
  if (!rc) rc = check_adapter(&st, &p, reg, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  if (st.latest_round >= p.meta.round) {
    if (cli_opt(opts, "json")->set) print_json(&p, adapter, st.latest_round, false, NULL);
    else fprintf(stderr, "obridge: the adapter is at round %" PRIu64 ", the latest proof of '%s' is round %" PRIu64 ": nothing to push\n",
                 st.latest_round, p.name, p.meta.round);
    goto out;
  }
  if ((rc = node_adapter_update_data(&data, p.meta.round, &p.value, p.observed_at, (const uint8_t (*)[32])p.proof,
                                     p.proof_len, &err))) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  /* One update per adapter and round, whoever runs it twice. */
  ob_hex_encode0x(a, adapter, 20);
  snprintf(key, sizeof(key), "adapter-update:%s:%" PRIu64, a, p.meta.round);
  if (cli_registry_send(&g, adapter, &data, UPDATE_GAS_BASE + UPDATE_GAS_PER_NODE * p.proof_len, "adapter update", key,
                        &row, &rows, &exit_code))
    goto out;
  if (cli_opt(opts, "json")->set) print_json(&p, adapter, st.latest_round, true, &row);
  else printf("%s\n", row.mined_hash);
out:
  node_tx_rows_free(&rows);
  node_proof_release(&p);
  ob_buf_release(&data);
  cli_txm_close(&g);
  return exit_code;
}

static const struct cli_cmd cmd_push;

/* The daemon's push (oracle.push_adapters, "FEED=ADAPTER,…"): one `consumer push` per pair, in this
 * process (a child of `obridge run`). Returns the worst exit code. */
int cli_consumer_push_all(struct cli *cli, const char *spec) {
  char *copy = ob_strdup(spec), *save = NULL, *tok;
  int worst = 0;
  if (!copy) return cli_failf(OB_ENOMEM, "out of memory");
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strrchr(tok, '=');
    char *argv[8];
    int rc;
    if (!eq || eq == tok || !eq[1]) {
      worst = cli_failf(OB_EUSAGE, "oracle.push_adapters: '%s' is not FEED=ADAPTER", tok);
      continue;
    }
    *eq = 0;
    argv[0] = (char *)"push", argv[1] = tok, argv[2] = (char *)"--adapter", argv[3] = eq + 1;
    argv[4] = (char *)"--timeout", argv[5] = (char *)"120", argv[6] = (char *)"--json", argv[7] = NULL;
    rc = cmd_push.run(cli, 7, argv, &cmd_push);
    if (rc > worst) worst = rc;
  }
  ob_free(copy);
  return worst;
}

static const struct cli_cmd cmd_push = {
    .name = "push", .summary = "send a feed's latest proven value to its adapter (update) through the transaction manager",
    .usage = "consumer push FEED --adapter ADDR [--api URL] [--registry ADDR] [--key-file PATH] [--timeout S] [--json]",
    .example = "obridge consumer push ETH/USD --adapter 0x… --json",
    .details = "The proof is the newest confirmed round holding FEED, from the local database (rounds table) or, with\n"
               "--api, from a proof API's GET /v1/feeds/{FEED}/latest. The adapter is read first (feedId, registry,\n"
               "decimals must match; at that round or newer: nothing is sent, exit 0, --json \"pushed\": false).\n"
               "update() is dry-run, so a refusal (StaleUpdate, InvalidProof) is named with nothing sent, then\n"
               "sent and confirmed (--json: {\"adapter\", \"feed\", \"round\", \"value\", \"observedAt\",\n"
               "\"previousRound\", \"pushed\", \"tx\", \"gasUsed\"}).",
    .run = run_push};

static const struct cli_cmd *const subs[] = {&cmd_push, NULL};
const struct cli_cmd cli_cmd_consumer = {
    .name = "consumer", .summary = "consumers of committed values: push proofs to feed adapters",
    .usage = "consumer <push> [options]", .example = "obridge consumer push ETH/USD --adapter 0x…", .subs = subs};
