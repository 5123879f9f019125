/* obridge feed ls|test: the feeds declared in the config and its feeds directory, and one fetch of
 * a feed's sources with its aggregate, committing nothing. Other feed subcommands live in their own
 * files (cli_feed.h says how to add one). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_feed.h"
#include "config.h"
#include "ob/core/alloc.h"
#include "ob/core/u256.h"
#include "ob/core/util.h"
#include "ob/node/oracle_loop.h"
#include "ob/oracle/aggregate.h"
#include "ob/core/json.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"

/* ---- loading ---- */

/* "config: …" -> "config 'x.json': …" when the config came from a file. */
static void name_config_file(struct ob_err *err, const struct ob_config *c) {
  char msg[sizeof(err->msg)];
  if (!c->source || strncmp(err->msg, "config: ", 8) != 0) return;
  snprintf(msg, sizeof(msg), "%s", err->msg + 8);
  ob_err_set(err, err->code, "config '%s': %s", c->source, msg);
}

/* "(from $OBRIDGE_FEEDS_DIR)" after a directory error when the directory came from there. */
static void name_dir_env(struct ob_err *err, const struct ob_config *c) {
  const char *env = ob_config_env_source(c, "oracle.feeds_dir");
  char msg[sizeof(err->msg)];
  if (!env || !strstr(err->msg, "cannot read the feeds directory")) return;
  snprintf(msg, sizeof(msg), "%s", err->msg);
  ob_err_set(err, err->code, "%s (from $%s)", msg, env);
}

int cli_feeds_load(const struct ob_config *c, struct oracle_feedset *fs, struct ob_err *err) {
  struct oracle_feedset all;
  int rc = 0;
  oracle_feedset_init(&all);
  if (c->oracle_feeds && (rc = oracle_feedset_add_json(&all, c->oracle_feeds, "config", err))) name_config_file(err, c);
  if (!rc && c->feeds_dir && (rc = oracle_feedset_add_dir(&all, c->feeds_dir, err))) name_dir_env(err, c);
  if (rc) {
    oracle_feedset_release(&all);
    return rc;
  }
  oracle_feedset_release(fs);
  *fs = all;
  return 0;
}

struct check_ctx {
  const struct ob_config *c;
  size_t n;
};

static void print_feed_error(void *ud, const struct ob_err *e) {
  struct check_ctx *x = ud;
  struct ob_err copy = *e;
  name_config_file(&copy, x->c);
  name_dir_env(&copy, x->c);
  fprintf(stderr, "obridge: error: %s\n", copy.msg);
  x->n++;
}

size_t cli_feeds_check(const struct ob_config *c, size_t *nfeeds) {
  struct oracle_feedset fs;
  struct check_ctx x = {.c = c};
  oracle_feedset_init(&fs);
  if (c->oracle_feeds) oracle_feedset_add_json_all(&fs, c->oracle_feeds, "config", print_feed_error, &x);
  if (c->feeds_dir) oracle_feedset_add_dir_all(&fs, c->feeds_dir, print_feed_error, &x);
  *nfeeds = fs.n;
  oracle_feedset_release(&fs);
  return x.n;
}

int cli_feeds_exit(int code) { return code == OB_ENOMEM ? CLI_EXIT_FAIL : CLI_EXIT_USAGE; }

void cli_fetch_opts(struct oracle_fetch_opts *o, const struct ob_config *c) {
  oracle_fetch_opts_init(o);
  o->ca_file = c->oracle_ca_file;
  o->max_per_host = c->oracle_max_per_host;
}


/* Load the config and its feeds for a command; prints the error. Returns 0 or the exit code. */
static int load_feeds(struct cli *cli, struct oracle_feedset *fs, const struct ob_config **cfg) {
  struct ob_err err;
  int rc;
  if (!(*cfg = cli_config(cli, &rc))) return rc;
  ob_err_clear(&err);
  if ((rc = cli_feeds_load(*cfg, fs, &err))) {
    fprintf(stderr, "obridge: error: %s\n", ob_err_msg(&err, rc));
    return cli_feeds_exit(rc);
  }
  return 0;
}

/* ---- feed ls ---- */

static void feed_json(struct ob_jw *w, const struct oracle_feed *f) {
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name");
  ob_jw_str(w, f->name);
  ob_jw_key(w, "decimals");
  ob_jw_u64(w, f->decimals);
  ob_jw_key(w, "quorum");
  ob_jw_u64(w, f->quorum);
  ob_jw_key(w, "k");
  ob_jw_str(w, f->k.text);
  ob_jw_key(w, "deviation_bps");
  ob_jw_u64(w, f->deviation_bps);
  ob_jw_key(w, "heartbeat_s");
  ob_jw_u64(w, f->heartbeat_s);
  ob_jw_key(w, "sources");
  ob_jw_u64(w, f->nsources);
  ob_jw_key(w, "origin");
  ob_jw_str(w, f->origin);
  ob_jw_obj_end(w);
}

static int print_ls(const struct oracle_feedset *fs, bool json) {
  if (json) {
    struct cli_json j;
    struct ob_jw *w = cli_json_begin(&j);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "feeds");
    ob_jw_arr_begin(w);
    for (size_t i = 0; i < fs->n; i++) feed_json(w, &fs->feeds[i]);
    ob_jw_arr_end(w);
    ob_jw_obj_end(w);
    return cli_json_end(&j);
  }
  if (isatty(1))
    printf("%-24s  %8s  %6s  %-6s  %13s  %11s  %7s  %s\n", "NAME", "DECIMALS", "QUORUM", "K", "DEVIATION_BPS",
           "HEARTBEAT_S", "SOURCES", "ORIGIN");
  for (size_t i = 0; i < fs->n; i++) {
    const struct oracle_feed *f = &fs->feeds[i];
    printf("%-24s  %8u  %6" PRIu32 "  %-6s  %13" PRIu32 "  %11" PRIu32 "  %7zu  %s\n", f->name, f->decimals, f->quorum,
           f->k.text, f->deviation_bps, f->heartbeat_s, f->nsources, f->origin);
  }
  return fflush(stdout) ? CLI_EXIT_FAIL : 0;
}

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print {\"feeds\": [...]} as JSON"}, {0}};
  struct oracle_feedset fs;
  const struct ob_config *c;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  oracle_feedset_init(&fs);
  if (!(rc = load_feeds(cli, &fs, &c))) rc = print_ls(&fs, cli_opt(opts, "json")->set);
  oracle_feedset_release(&fs);
  return rc;
}

static const struct cli_cmd cmd_ls = {
    .name = "ls", .summary = "list the feeds declared in the config and in the feeds directory",
    .usage = "feed ls [--json]",
    .details = "Columns: NAME, DECIMALS, QUORUM, K, DEVIATION_BPS, HEARTBEAT_S, SOURCES (how many), ORIGIN\n"
               "(\"config\" or the feeds file); a header on a terminal. Feeds come from oracle.feeds, then\n"
               "the *.json files of oracle.feeds_dir ($OBRIDGE_FEEDS_DIR) in name order. Exit 2 when a feed\n"
               "is invalid (the error names its JSON path; `obridge config check` lists every one).",
    .example = "obridge feed ls --json", .run = run_ls};

/* ---- feed test ---- */

/* x (int256 at decimals) as a decimal with every place: "3012.45000000", "-0.5", "12". */
static char *decimal_text(char out[CHAIN_U256_DEC_MAX + 4], const struct chain_u256 *x, unsigned decimals) {
  char digits[CHAIN_U256_DEC_MAX];
  const char *d = chain_i256_to_dec(digits, x);
  bool neg = *d == '-';
  size_t n, k = 0;
  if (neg) d++;
  n = strlen(d);
  if (neg) out[k++] = '-';
  if (decimals == 0) {
    snprintf(out + k, CHAIN_U256_DEC_MAX + 4 - k, "%s", d);
    return out;
  }
  if (n <= decimals) { /* 0.000dd */
    out[k++] = '0';
    out[k++] = '.';
    for (size_t i = n; i < decimals; i++) out[k++] = '0';
    memcpy(out + k, d, n + 1);
    return out;
  }
  memcpy(out + k, d, n - decimals);
  k += n - decimals;
  out[k++] = '.';
  memcpy(out + k, d + n - decimals, decimals + 1);
  return out;
}

struct test_result {
  const struct oracle_feed *f;
  struct oracle_obs *obs;
  size_t n;
  bool *outlier; /* per observation */
  struct oracle_agg agg;
};

/* Aggregate the valid observations; outlier flags go back to their observations. */
static int aggregate_obs(struct test_result *r, struct ob_err *err) {
  struct chain_u256 *x = ob_calloc(r->n ? r->n : 1, sizeof(*x));
  bool *flags = ob_calloc(r->n ? r->n : 1, sizeof(*flags));
  size_t m = 0;
  int rc;
  r->outlier = ob_calloc(r->n ? r->n : 1, sizeof(*r->outlier));
  if (!x || !flags || !r->outlier) {
    ob_free(x);
    ob_free(flags);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < r->n; i++)
    if (r->obs[i].rc == 0) x[m++] = r->obs[i].value;
  rc = oracle_aggregate(&r->agg, flags, x, m, &r->f->k, r->f->quorum, err);
  for (size_t i = 0, j = 0; !rc && i < r->n; i++)
    if (r->obs[i].rc == 0) r->outlier[i] = flags[j++];
  ob_free(x);
  ob_free(flags);
  return rc;
}

static void test_json_source(struct ob_jw *w, const struct test_result *r, size_t i) {
  const struct oracle_obs *o = &r->obs[i];
  char v[CHAIN_U256_DEC_MAX], dv[CHAIN_U256_DEC_MAX + 4];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name");
  ob_jw_str(w, o->source->name);
  ob_jw_key(w, "url");
  ob_jw_str(w, o->source->url);
  ob_jw_key(w, "http_status");
  if (o->http_status) ob_jw_u64(w, (uint64_t)o->http_status);
  else ob_jw_null(w);
  ob_jw_key(w, "http_version");
  if (o->http_version) ob_jw_str(w, o->http_version == 20 ? "2" : o->http_version == 30 ? "3" : o->http_version == 10 ? "1.0" : "1.1");
  else ob_jw_null(w);
  ob_jw_key(w, "latency_ms");
  ob_jw_u64(w, o->latency_ms);
  ob_jw_key(w, "raw");
  ob_jw_str(w, o->raw);
  ob_jw_key(w, "value");
  ob_jw_str(w, o->rc ? NULL : oracle_value_to_text(v, &o->value));
  ob_jw_key(w, "value_decimal");
  ob_jw_str(w, o->rc ? NULL : decimal_text(dv, &o->value, r->f->decimals));
  ob_jw_key(w, "error");
  ob_jw_str(w, o->rc ? o->error : NULL);
  ob_jw_key(w, "outlier");
  ob_jw_bool(w, r->outlier[i]);
  ob_jw_key(w, "backed_off_until_ms");
  if (o->retry_after_ms) ob_jw_u64(w, o->retry_after_ms);
  else ob_jw_null(w);
  ob_jw_obj_end(w);
}

static int test_json(const struct test_result *r) {
  struct cli_json j;
  struct ob_jw *w = cli_json_begin(&j);
  char v[CHAIN_U256_DEC_MAX], dv[CHAIN_U256_DEC_MAX + 4];
  ob_jw_obj_begin(w);
  ob_jw_key(w, "feed");
  ob_jw_str(w, r->f->name);
  ob_jw_key(w, "decimals");
  ob_jw_u64(w, r->f->decimals);
  ob_jw_key(w, "quorum");
  ob_jw_u64(w, r->f->quorum);
  ob_jw_key(w, "k");
  ob_jw_str(w, r->f->k.text);
  ob_jw_key(w, "sources");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < r->n; i++) test_json_source(w, r, i);
  ob_jw_arr_end(w);
  ob_jw_key(w, "aggregate");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "ok");
  ob_jw_bool(w, r->agg.ok);
  ob_jw_key(w, "value");
  ob_jw_str(w, r->agg.ok ? oracle_value_to_text(v, &r->agg.value) : NULL);
  ob_jw_key(w, "value_decimal");
  ob_jw_str(w, r->agg.ok ? decimal_text(dv, &r->agg.value, r->f->decimals) : NULL);
  ob_jw_key(w, "counted");
  ob_jw_u64(w, r->agg.counted);
  ob_jw_key(w, "remaining");
  ob_jw_u64(w, r->agg.remaining);
  ob_jw_key(w, "outliers");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < r->n; i++)
    if (r->outlier[i]) ob_jw_str(w, r->obs[i].source->name);
  ob_jw_arr_end(w);
  ob_jw_key(w, "reason");
  ob_jw_str(w, r->agg.ok ? NULL : r->agg.reason);
  ob_jw_obj_end(w);
  ob_jw_obj_end(w);
  return cli_json_end(&j);
}

static int test_text(const struct test_result *r) {
  char dv[CHAIN_U256_DEC_MAX + 4], st[16];
  size_t nout = 0;
  printf("feed %s: %u decimals, quorum %" PRIu32 ", k %s, %zu sources\n", r->f->name, r->f->decimals, r->f->quorum,
         r->f->k.text, r->f->nsources);
  for (size_t i = 0; i < r->n; i++) {
    const struct oracle_obs *o = &r->obs[i];
    snprintf(st, sizeof(st), o->http_status ? "HTTP %d" : "-", o->http_status);
    printf("  %-16s  %-8s  %5" PRIu32 " ms  ", o->source->name, st, o->latency_ms);
    if (o->raw) printf("raw '%s'  ", o->raw);
    if (o->rc) printf("error: %s\n", o->error ? o->error : "?");
    else printf("value %s%s\n", decimal_text(dv, &o->value, r->f->decimals), r->outlier[i] ? "  (outlier)" : "");
    nout += r->outlier[i];
  }
  if (r->agg.ok) {
    printf("aggregate: %s (%zu of %zu values", decimal_text(dv, &r->agg.value, r->f->decimals), r->agg.remaining,
           r->agg.counted);
    if (nout) {
      printf("; outliers:");
      for (size_t i = 0; i < r->n; i++)
        if (r->outlier[i]) printf(" %s", r->obs[i].source->name);
    }
    printf(")\n");
  } else {
    printf("aggregate: below quorum (%zu of %" PRIu32 "): %s\n", r->agg.remaining, r->f->quorum, r->agg.reason);
  }
  return fflush(stdout) ? CLI_EXIT_FAIL : 0;
}

static const char *feed_name_at(const void *ctx, size_t i) {
  return ((const struct oracle_feedset *)ctx)->feeds[i].name;
}

static int test_main(const struct ob_config *c, const struct oracle_feed *f, bool json) {
  struct oracle_fetch_opts fo;
  struct test_result r = {.f = f};
  struct ob_err err;
  int rc, out;
  ob_err_clear(&err);
  cli_fetch_opts(&fo, c);
  rc = node_fetch_blocking(&r.obs, &r.n, &fo, &f, 1, &err);
  if (!rc) rc = aggregate_obs(&r, &err);
  if (rc) out = cli_fail(rc, &err);
  else out = json ? test_json(&r) : test_text(&r);
  if (!out && !r.agg.ok) out = CLI_EXIT_FAIL;
  node_obs_free(r.obs, r.n);
  ob_free(r.outlier);
  return out;
}

static int run_test(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print the sources and the aggregate as JSON"}, {0}};
  struct oracle_feedset fs;
  const struct ob_config *c;
  const struct oracle_feed *f;
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (npos != 1) return cli_failf(OB_EUSAGE, "feed test: expected one feed name\nusage: obridge %s", self->usage);
  oracle_feedset_init(&fs);
  if ((rc = load_feeds(cli, &fs, &c))) goto out;
  if (!(f = oracle_feedset_find(&fs, pos[0]))) {
    const char *near = ob_str_nearest(pos[0], feed_name_at, &fs, fs.n);
    rc = near ? cli_failf(OB_EINVAL, "feed '%s' is not declared. Did you mean '%s'?", pos[0], near)
              : cli_failf(OB_EINVAL, "feed '%s' is not declared (obridge feed ls lists the feeds)", pos[0]);
    goto out;
  }
  rc = test_main(c, f, cli_opt(opts, "json")->set);
out:
  oracle_feedset_release(&fs);
  return rc;
}

static const struct cli_cmd cmd_test = {
    .name = "test", .summary = "fetch a feed's sources once and aggregate them; commit nothing",
    .usage = "feed test NAME [--json]",
    .details = "Prints each source's HTTP status, latency, the raw text found at its path, and its value\n"
               "(after invert/multiply/divide, at the feed's decimals) or its error; then the aggregate\n"
               "(median-mad, outliers named) or \"below quorum (R of Q)\" with the reason. Nothing is\n"
               "stored or committed. Exit 0 when the feed reached its quorum, 1 when it did not, 2 for an\n"
               "unknown feed or a bad config.",
    .example = "obridge feed test ETH/USD", .run = run_test};

/* The feed subcommands, in the order --help lists them. Add new ones here (see cli_feed.h). */
static const struct cli_cmd *const feed_subs[] = {&cmd_ls, &cmd_test, &cli_cmd_feed_run, &cli_cmd_feed_show, NULL};

const struct cli_cmd cli_cmd_feed = {
    .name = "feed", .summary = "the oracle's feeds: list them, fetch one once, run a round, show what was stored",
    .usage = "feed <ls|test|run|show> [options]", .example = "obridge feed test ETH/USD", .subs = feed_subs};
