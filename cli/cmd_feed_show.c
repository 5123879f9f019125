/* obridge feed show NAME: what the database keeps of a feed (node/oracle_store.h): the
 * observations of its last round, its last aggregate and its last committed value. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_db.h"
#include "cli_feed.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/db/db.h"
#include "ob/node/oracle_store.h"
#include "ob/oracle/value.h"

static void show_json(struct ob_jw *w, const char *name, const struct node_oracle_obs_row *rows, size_t n,
                      const struct node_oracle_agg_row *a, bool has_a, const struct node_oracle_last *l, bool has_l) {
  char v[CHAIN_U256_DEC_MAX];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name"), ob_jw_str(w, name);
  ob_jw_key(w, "observations"), ob_jw_arr_begin(w);
  for (size_t i = 0; i < n; i++) {
    ob_jw_obj_begin(w);
    ob_jw_key(w, "round"), ob_jw_u64(w, rows[i].round);
    ob_jw_key(w, "source"), ob_jw_str(w, rows[i].source);
    ob_jw_key(w, "raw"), rows[i].raw ? ob_jw_str(w, rows[i].raw) : ob_jw_null(w);
    ob_jw_key(w, "value"), rows[i].has_value ? ob_jw_str(w, oracle_value_to_text(v, &rows[i].value)) : ob_jw_null(w);
    ob_jw_key(w, "error"), rows[i].error ? ob_jw_str(w, rows[i].error) : ob_jw_null(w);
    ob_jw_key(w, "status"), rows[i].http_status ? ob_jw_u64(w, (uint64_t)rows[i].http_status) : ob_jw_null(w);
    ob_jw_key(w, "latencyMs"), ob_jw_u64(w, rows[i].latency_ms);
    ob_jw_key(w, "at"), ob_jw_str(w, rows[i].observed_at);
    ob_jw_key(w, "outlier"), rows[i].outlier < 0 ? ob_jw_null(w) : ob_jw_bool(w, rows[i].outlier == 1);
    ob_jw_obj_end(w);
  }
  ob_jw_arr_end(w);
  ob_jw_key(w, "aggregate");
  if (!has_a) ob_jw_null(w);
  else {
    ob_jw_obj_begin(w);
    ob_jw_key(w, "round"), ob_jw_u64(w, a->round);
    ob_jw_key(w, "value"), a->ok ? ob_jw_str(w, oracle_value_to_text(v, &a->value)) : ob_jw_null(w);
    ob_jw_key(w, "decimals"), ob_jw_u64(w, a->decimals);
    ob_jw_key(w, "observedAt"), ob_jw_u64(w, a->observed_at);
    ob_jw_key(w, "leftOut"), a->ok ? ob_jw_null(w) : ob_jw_str(w, a->left_out);
    ob_jw_key(w, "due"), a->due[0] ? ob_jw_str(w, a->due) : ob_jw_null(w);
    ob_jw_obj_end(w);
  }
  ob_jw_key(w, "committed");
  if (!has_l) ob_jw_null(w);
  else {
    ob_jw_obj_begin(w);
    ob_jw_key(w, "round"), ob_jw_u64(w, l->round);
    ob_jw_key(w, "value"), ob_jw_str(w, oracle_value_to_text(v, &l->value));
    ob_jw_key(w, "decimals"), ob_jw_u64(w, l->decimals);
    ob_jw_key(w, "observedAt"), ob_jw_u64(w, l->observed_at);
    ob_jw_key(w, "committedAt"), ob_jw_str(w, l->committed_at);
    ob_jw_obj_end(w);
  }
  ob_jw_obj_end(w);
}

static void show_text(const char *name, const struct node_oracle_obs_row *rows, size_t n,
                      const struct node_oracle_agg_row *a, bool has_a, const struct node_oracle_last *l, bool has_l) {
  char v[CHAIN_U256_DEC_MAX];
  printf("feed %s\n", name);
  if (n) printf("observations (round %" PRIu64 "):\n", rows[0].round);
  for (size_t i = 0; i < n; i++) {
    char st[16] = "-";
    if (rows[i].http_status) snprintf(st, sizeof(st), "%d", rows[i].http_status);
    printf("  %-16s %-5s %5" PRIu32 " ms  %s  %s%s  raw %s\n", rows[i].source, st, rows[i].latency_ms, rows[i].observed_at,
           rows[i].has_value ? oracle_value_to_text(v, &rows[i].value) : "error: ",
           rows[i].has_value ? (rows[i].outlier == 1 ? " (outlier)" : "") : rows[i].error, rows[i].raw ? rows[i].raw : "-");
  }
  if (!n) printf("no observations\n");
  if (has_a && a->ok)
    printf("aggregate round %" PRIu64 ": %s (%s)\n", a->round, oracle_value_to_text(v, &a->value), a->due[0] ? a->due : "not due");
  else if (has_a) printf("aggregate round %" PRIu64 ": left out: %s\n", a->round, a->left_out);
  if (has_l)
    printf("committed round %" PRIu64 ": %s (observedAt %" PRIu64 ", %s)\n", l->round, oracle_value_to_text(v, &l->value),
           l->observed_at, l->committed_at);
  else printf("never committed\n");
}

static int run_feed_show(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"json", CLI_FLAG, NULL, "print {name, observations: [{round, source, raw, value, error, status, latencyMs, at, outlier}], aggregate, committed}"},
                           {0}};
  struct node_oracle_obs_row *rows = NULL;
  struct node_oracle_agg_row a;
  struct node_oracle_last l;
  struct node_oracle_ctx sc;
  struct ob_config *c;
  struct ob_err err;
  char **pos = NULL;
  uint8_t reg[20];
  size_t n = 0;
  int npos = 0;
  bool has_a = false, has_l = false;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != 1) return cli_failf(OB_EUSAGE, "feed show: expected one feed NAME");
  if (oracle_feed_name_check(pos[0], strlen(pos[0]), &err)) return cli_fail(OB_EUSAGE, &err);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, reg, &exit_code)) return exit_code;
  memset(&sc, 0, sizeof(sc));
  sc.chain_id = c->chain_id;
  ob_hex_encode0x(sc.registry, reg, 20);
  if (cli_db_open(cli, &sc.db, &exit_code)) return exit_code;
  ob_err_clear(&err);
  rc = node_oracle_obs_last(&sc, pos[0], &rows, &n, &err);
  if (!rc) rc = node_oracle_aggregate_last(&sc, pos[0], &a, &has_a, &err);
  if (!rc) rc = node_oracle_last_get(&sc, pos[0], &l, &has_l, &err);
  if (!rc && !n && !has_a && !has_l) rc = ob_err_set(&err, OB_ENOENT, "feed '%s': nothing recorded (never in a round)", pos[0]);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    show_json(cli_json_begin(&cj), pos[0], rows, n, &a, has_a, &l, has_l);
    exit_code = cli_json_end(&cj);
  } else {
    show_text(pos[0], rows, n, &a, has_a, &l, has_l);
  }
  node_oracle_obs_rows_free(rows, n);
  db_close(sc.db);
  return exit_code;
}

const struct cli_cmd cli_cmd_feed_show = {
    .name = "show", .summary = "a feed's last observations (every source's raw text, value or error), aggregate and committed value",
    .usage = "feed show NAME [--registry ADDR] [--json]",
    .example = "obridge feed show ETH/USD --json",
    .details = "From the database: the observations of the feed's last round (per source: raw text, value at the "
               "feed's decimals or the error, HTTP status, latency, time, outlier flag), its last aggregate (or why it "
               "was left out, and whether it was due) and its last committed value. --json prints {\"name\", "
               "\"observations\": [{\"round\", \"source\", \"raw\", \"value\", \"error\", \"status\", \"latencyMs\", "
               "\"at\", \"outlier\"}], \"aggregate\": {\"round\", \"value\", \"decimals\", \"observedAt\", \"leftOut\", "
               "\"due\"}|null, \"committed\": {\"round\", \"value\", \"decimals\", \"observedAt\", \"committedAt\"}|null}.",
    .run = run_feed_show, .needs_config = true};
