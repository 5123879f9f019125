/* obridge feed run --once: the oracle round from cron (node_oracle_round, node/oracle.h).
 *
 * feed run --once takes a PostgreSQL advisory lock per registry (oracle-round:<chain>:<registry>)
 * on its own connection before anything else, and every write of the round checks, in its
 * transaction, that this session still holds it (node_fence, token 0): two runs started together
 * never both run a round; the second says who holds the lock (host:pid, from the holder's
 * application_name) and exits 0. A run that crashed leaves its round in PostgreSQL; the next run
 * resumes it before it starts another.
 *
 * OB_TEST_CRASH_AT=collected|aggregated|built|pinned|signed|submitted makes the process _exit
 * right after that step (crash tests). OB_TEST_OBSERVATIONS=FILE takes the sources' answers from a
 * file instead of fetching them (tests of the round without a source server): {"FEED": {"SOURCE":
 * "123.45" | {"error": "…", "status": 500}}}. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_db.h"
#include "cli_feed.h"
#include "cli_sign.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/node/oracle.h"
#include "ob/node/oracle_loop.h"
#include "ob/node/oracle_store.h"
#include "ob/node/round.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"
#include "ob/oracle/value.h"

static void crash_at(const char *step) {
  const char *v = getenv("OB_TEST_CRASH_AT");
  if (v && strcmp(v, step) == 0) _exit(9);
}

static void note(void *ud, const char *msg) {
  (void)ud;
  cli_notef("%s", msg);
}

/* ---- observations from a file (OB_TEST_OBSERVATIONS) ---- */

static int file_one(struct oracle_obs *o, const struct ob_json *v, struct ob_err *err) {
  const struct ob_json *e = ob_json_get(v, "error");
  uint64_t st = 0;
  o->at_ms = ob_unix_s() * 1000;
  o->latency_ms = 1;
  if (e) {
    o->rc = OB_EPEER;
    o->error = ob_strdup(ob_json_string(e) ? ob_json_string(e) : "error");
    if (ob_json_get(v, "status")) (void)ob_json_u64(ob_json_get(v, "status"), &st, NULL);
    o->http_status = (int)st;
    return o->error ? 0 : ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  o->http_status = 200;
  o->raw = ob_strndup(v->str, v->len);
  if (!o->raw) return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (oracle_value_from_json(&o->value, v, o->feed->decimals, "value", NULL) != 0) {
    o->rc = OB_EPARSE;
    o->error = ob_strdup("not a number");
  }
  return 0;
}

static void obs_free(void *ud, struct oracle_obs *obs, size_t n) {
  (void)ud;
  for (size_t i = 0; i < n; i++) ob_free(obs[i].raw), ob_free(obs[i].error);
  ob_free(obs);
}

static int file_collect(void *ud, const struct oracle_feed *const *feeds, size_t n, struct oracle_obs **out,
                        size_t *nout, struct ob_err *err) {
  struct ob_buf t;
  struct ob_json *j = NULL;
  size_t total = 0, k = 0;
  int rc;
  ob_buf_init(&t, 1 << 24);
  rc = ob_file_read((const char *)ud, &t, 1 << 24, err);
  if (!rc) rc = ob_json_parse(&j, t.buf, t.len, NULL, err);
  for (size_t i = 0; i < n; i++) total += feeds[i]->nsources;
  *out = NULL, *nout = 0;
  if (!rc && !(*out = ob_calloc(total ? total : 1, sizeof(**out)))) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n; i++)
    for (size_t s = 0; !rc && s < feeds[i]->nsources; s++, k++) {
      const struct ob_json *v = ob_json_get(ob_json_get(j, feeds[i]->name), feeds[i]->sources[s].name);
      struct oracle_obs *o = &(*out)[k];
      o->feed = feeds[i], o->source = &feeds[i]->sources[s];
      *nout = k + 1;
      if (v) rc = file_one(o, v, err);
      else o->rc = OB_ETIMEDOUT, o->error = ob_strdup("no answer in OB_TEST_OBSERVATIONS"), o->at_ms = ob_unix_s() * 1000;
    }
  ob_json_free(j);
  ob_buf_release(&t);
  return rc;
}

/* ---- observations from the sources (the fetcher) ---- */

/* Every source once, on a private loop (node_fetch_blocking): a failed source is an observation with
 * its error, so only running out of memory fails the collect step. */
static int fetch_collect(void *ud, const struct oracle_feed *const *feeds, size_t n, struct oracle_obs **out,
                         size_t *nout, struct ob_err *err) {
  struct oracle_fetch_opts fo;
  cli_fetch_opts(&fo, (const struct ob_config *)ud);
  return node_fetch_blocking(out, nout, &fo, feeds, n, err);
}

static void fetch_release(void *ud, struct oracle_obs *obs, size_t n) {
  (void)ud;
  node_obs_free(obs, n);
}

/* ---- the lock ---- */

/* Who holds lock: "host:pid" from the holder's application_name ("obridge feed run host:pid"). */
static void lock_holder(struct db *db, const char *lock, char *out, size_t cap) {
  struct db_res *r = NULL;
  const char *p[1] = {lock};
  snprintf(out, cap, "another process");
  if (db_exec(db, &r, 0,
              "SELECT coalesce(nullif(a.application_name, ''), 'pid ' || a.pid) || ' (backend ' || a.pid || ')' "
              "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
              "AND l.classid = ((hashtextextended($1, 0) >> 32) & 4294967295)::bigint::oid "
              "AND l.objid = (hashtextextended($1, 0) & 4294967295)::bigint::oid LIMIT 1",
              1, p, NULL) == 0 &&
      db_res_rows(r) == 1)
    snprintf(out, cap, "%s", db_res_get(r, 0, 0));
  db_res_free(r);
}

static int name_session(struct db *db, const char *who) {
  char app[128];
  const char *p[1] = {app};
  snprintf(app, sizeof(app), "obridge feed run %s", who);
  return db_exec(db, NULL, 0, "SELECT set_config('application_name', $1, false)", 1, p, NULL);
}

/* ---- output ---- */

static void print_feeds_json(struct ob_jw *w, const struct node_oracle_result *res) {
  ob_jw_key(w, "feeds"), ob_jw_arr_begin(w);
  for (size_t i = 0; i < res->nfeeds; i++) {
    const struct node_oracle_feed_result *f = &res->feeds[i];
    ob_jw_obj_begin(w);
    ob_jw_key(w, "name"), ob_jw_str(w, f->feed);
    ob_jw_key(w, "value"), f->ok ? ob_jw_str(w, f->value) : ob_jw_null(w);
    ob_jw_key(w, "decimals"), ob_jw_u64(w, f->decimals);
    ob_jw_key(w, "due"), f->due[0] ? ob_jw_str(w, f->due) : ob_jw_null(w);
    ob_jw_key(w, "committed"), ob_jw_bool(w, f->committed);
    ob_jw_key(w, "sources"), ob_jw_u64(w, f->counted + f->errors);
    ob_jw_key(w, "counted"), ob_jw_u64(w, f->counted);
    ob_jw_key(w, "outliers"), ob_jw_u64(w, f->counted - f->remaining);
    ob_jw_key(w, "errors"), ob_jw_u64(w, f->errors);
    ob_jw_key(w, "leftOut"), f->ok ? ob_jw_null(w) : ob_jw_str(w, f->left_out);
    ob_jw_obj_end(w);
  }
  ob_jw_arr_end(w);
}

static int print_result(bool json, const char *regc, const struct node_oracle_result *res) {
  if (json) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    bool c = strcmp(res->outcome, "committed") == 0;
    ob_jw_obj_begin(w);
    ob_jw_key(w, "round"), ob_jw_u64(w, res->round);
    ob_jw_key(w, "outcome"), ob_jw_str(w, res->outcome);
    ob_jw_key(w, "registry"), ob_jw_str(w, regc);
    ob_jw_key(w, "attempt"), ob_jw_u64(w, res->attempt);
    ob_jw_key(w, "resumedFrom"), res->resumed_from[0] ? ob_jw_str(w, res->resumed_from) : ob_jw_null(w);
    ob_jw_key(w, "root"), c ? ob_jw_str(w, res->commit.root) : ob_jw_null(w);
    ob_jw_key(w, "cid"), c ? ob_jw_str(w, res->commit.cid) : ob_jw_null(w);
    ob_jw_key(w, "tx"), c ? ob_jw_str(w, res->commit.tx) : ob_jw_null(w);
    ob_jw_key(w, "gasUsed"), c ? ob_jw_u64(w, res->commit.gas_used) : ob_jw_null(w);
    print_feeds_json(w, res);
    ob_jw_key(w, "timingsMs"), ob_jw_obj_begin(w);
    {
      const char *k[] = {"fetch", "store", "aggregate", "batch", "pin", "sign", "submit", "confirm", "total"};
      const uint64_t v[] = {res->ms.fetch, res->ms.store, res->ms.aggregate, res->ms.batch, res->ms.pin,
                            res->ms.sign, res->ms.submit, res->ms.confirm, res->ms.total};
      for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) ob_jw_key(w, k[i]), ob_jw_u64(w, v[i]);
    }
    ob_jw_obj_end(w);
    ob_jw_obj_end(w);
    return cli_json_end(&cj);
  }
  printf("round %" PRIu64 ": %s%s%s\n", res->round, res->outcome, res->resumed_from[0] ? ", resumed from " : "",
         res->resumed_from);
  if (strcmp(res->outcome, "committed") == 0)
    printf("root  %s\ncid   %s\ntx    %s\n", res->commit.root, res->commit.cid, res->commit.tx);
  for (size_t i = 0; i < res->nfeeds; i++) {
    const struct node_oracle_feed_result *f = &res->feeds[i];
    printf("  %-24s %-28s %s%s%s (%" PRIu32 " counted, %" PRIu32 " failed)\n", f->feed, f->ok ? f->value : "-",
           f->committed ? "committed" : f->ok ? "not due" : "left out: ", f->ok ? "" : f->left_out,
           f->due[0] && f->committed ? "" : "", f->counted, f->errors);
  }
  return 0;
}

/* ---- feed run ---- */

struct frun {
  struct ob_config *c;
  struct oracle_feedset fs;
  const struct oracle_feed **sel;
  size_t nsel;
  struct keys keys;
  struct db *db; /* holds the lock, writes the round */
  char lock[96], who[96], regl[43], regc[43];
  uint8_t reg[20];
};

/* The feeds of the round: every configured one, or the --feed ones. */
static int select_feeds(struct frun *f, struct cli_opt *opt) {
  f->sel = ob_calloc(f->fs.n ? f->fs.n : 1, sizeof(*f->sel));
  if (!f->sel) return cli_failf(OB_ENOMEM, "out of memory");
  if (!opt->set) {
    for (size_t i = 0; i < f->fs.n; i++) f->sel[f->nsel++] = &f->fs.feeds[i];
  } else {
    for (size_t i = 0; i < opt->nvalues; i++) {
      const struct oracle_feed *x = oracle_feedset_find(&f->fs, opt->values[i]);
      bool dup = false;
      if (!x) return cli_failf(OB_EUSAGE, "--feed: no feed '%s' in the configuration", opt->values[i]);
      for (size_t j = 0; j < f->nsel; j++) dup = dup || f->sel[j] == x;
      if (!dup) f->sel[f->nsel++] = x;
    }
  }
  if (!f->nsel) return cli_failf(OB_EUSAGE, "no feeds configured (oracle.feeds, oracle.feeds_dir)");
  return 0;
}

static int run_round(struct frun *f, struct cli *cli, struct cli_opt *opts, uint64_t deadline) {
  struct node_commit_ctx ctx;
  struct node_oracle_opts o;
  struct node_oracle_result res;
  struct node_fence fence = {0, f->lock};
  struct cli_txm g;
  struct ob_err err;
  const char *obs_file = getenv("OB_TEST_OBSERVATIONS");
  int exit_code = 0, rc;
  if (cli_txm_open(&g, cli, cli_opt(opts, "key-file")->value, NULL, deadline, &exit_code)) return exit_code;
  memset(&ctx, 0, sizeof(ctx));
  ctx.db = f->db, ctx.loop = g.loop, ctx.rpc = g.rpc, ctx.m = g.m;
  memcpy(ctx.from, g.signer.from, 20);
  ctx.chain_id = f->c->chain_id;
  memcpy(ctx.registry, f->reg, 20);
  ctx.keys = (const uint8_t(*)[32])f->keys.key, ctx.addrs = (const uint8_t(*)[20])f->keys.addr, ctx.nkeys = f->keys.n;
  ctx.ipfs_api = f->c->ipfs_api, ctx.ipfs_profile = f->c->ipfs_profile;
  ctx.ipfs_connect_timeout_s = f->c->ipfs_connect_timeout_s, ctx.ipfs_stall_timeout_s = f->c->ipfs_stall_timeout_s;
  ctx.deadline = deadline;
  ctx.fence = &fence;
  ctx.note = note;
  ctx.crash_at = crash_at;
  memset(&o, 0, sizeof(o));
  o.commit = &ctx;
  o.feeds = f->sel, o.nfeeds = f->nsel;
  o.holder = f->who;
  o.retention_days = f->c->oracle_retention_days;
  if (obs_file) {
    o.provider.ud = (void *)obs_file;
    o.provider.collect = file_collect;
    o.provider.release = obs_free;
  } else {
    o.provider.ud = f->c;
    o.provider.collect = fetch_collect;
    o.provider.release = fetch_release;
  }
  ob_err_clear(&err);
  rc = node_oracle_round(&o, &res, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else exit_code = print_result(cli_opt(opts, "json")->set, f->regc, &res);
  node_oracle_result_release(&res);
  cli_txm_close(&g);
  return exit_code;
}

static int run_feed_run(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"once", CLI_FLAG, NULL, "run one round, then exit (the daemon is `obridge run`)"},
                           {"feed", CLI_MULTI, "NAME", "only this feed (repeat for more; default: every configured feed)"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"key-file", CLI_VALUE, "PATH", "sender: hex private key file instead of the keystore (development)"},
                           {"signer-key-files", CLI_VALUE, "A,B", "hex key files that sign the commitment (default: commit.signer_keystores, else the sender's key)"},
                           {"timeout", CLI_VALUE, "S", "give up after S seconds (default 600; a rerun resumes the round)"},
                           {"json", CLI_FLAG, NULL, "print {round, outcome, registry, attempt, resumedFrom, root, cid, tx, gasUsed, feeds: [...]}"},
                           {0}};
  static struct frun f;
  struct ob_err err;
  uint64_t deadline;
  char host[64] = "";
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!cli_opt(opts, "once")->set) return cli_failf(OB_EUSAGE, "feed run: --once is required (the daemon is `obridge run`)");
  memset(&f, 0, sizeof(f));
  oracle_feedset_init(&f.fs);
  ob_err_clear(&err);
  if (!(f.c = cli_config(cli, &exit_code))) return exit_code;
  if (cli_registry_addr(cli, cli_opt(opts, "registry")->value, f.reg, &exit_code)) return exit_code;
  if ((exit_code = cli_txm_parse_timeout(&deadline, opts, 600)) != 0) return exit_code;
  ob_hex_encode0x(f.regl, f.reg, 20);
  chain_addr_checksum(f.regc, f.reg);
  if ((rc = cli_feeds_load(f.c, &f.fs, &err))) {
    exit_code = cli_feeds_exit(rc);
    cli_fail(rc, &err);
    goto out;
  }
  if ((exit_code = select_feeds(&f, cli_opt(opts, "feed"))) != 0) goto out;
  /* The lock first: a second run leaves before it unlocks a key or touches the chain. */
  gethostname(host, sizeof(host) - 1);
  snprintf(f.who, sizeof(f.who), "%s:%ld", host, (long)getpid());
  snprintf(f.lock, sizeof(f.lock), "oracle-round:%" PRIu64 ":%s", f.c->chain_id, f.regl);
  if (cli_db_open(cli, &f.db, &exit_code)) goto out;
  (void)name_session(f.db, f.who);
  rc = db_advisory_lock(f.db, f.lock, true, &err);
  if (rc == OB_ECONFLICT) {
    char holder[200];
    lock_holder(f.db, f.lock, holder, sizeof(holder));
    if (cli_opt(opts, "json")->set) {
      struct cli_json cj;
      struct ob_jw *w = cli_json_begin(&cj);
      ob_jw_obj_begin(w);
      ob_jw_key(w, "round"), ob_jw_null(w);
      ob_jw_key(w, "outcome"), ob_jw_str(w, "locked");
      ob_jw_key(w, "holder"), ob_jw_str(w, holder);
      ob_jw_key(w, "feeds"), ob_jw_arr_begin(w), ob_jw_arr_end(w);
      ob_jw_obj_end(w);
      exit_code = cli_json_end(&cj);
    }
    cli_notef("another round is running: lock '%s' is held by %s; nothing done", f.lock, holder);
    goto out;
  }
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  if ((rc = cli_sign_keys_load(cli, f.c, cli_opt(opts, "signer-key-files")->value, cli_opt(opts, "key-file")->value,
                               &f.keys, &err))) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  exit_code = run_round(&f, cli, opts, deadline);
out:
  ob_memclear(&f.keys, sizeof(f.keys));
  if (f.db && f.lock[0]) (void)db_advisory_unlock(f.db, f.lock, NULL);
  db_close(f.db);
  ob_free(f.sel);
  oracle_feedset_release(&f.fs);
  return exit_code;
}

const struct cli_cmd cli_cmd_feed_run = {
    .name = "run", .summary = "run one oracle round (cron): fetch, aggregate, commit the feeds that are due",
    .usage = "feed run --once [--feed NAME…] [--registry ADDR] [--key-file PATH] [--signer-key-files A,B] [--timeout S] [--json]",
    .example = "obridge feed run --once --json",
    .details = "One round, then exit: 0 when it committed or nothing was due (or another run holds the round lock: it "
               "says which process), 1 when the round failed, 2 for bad input, 3 when a peer is unreachable. A feed is "
               "due on its first value, a move of at least deviation_bps from its last committed value, or its "
               "heartbeat. A run that stopped half-way (crash, timeout) leaves its round in PostgreSQL, and the next run "
               "resumes it. --json prints {\"round\", \"outcome\": \"committed\"|\"nothing-due\"|\"locked\", \"registry\", "
               "\"attempt\", \"resumedFrom\", \"root\", \"cid\", \"tx\", \"gasUsed\", \"timingsMs\", \"feeds\": [{\"name\", \"value\", "
               "\"decimals\", \"due\", \"committed\", \"sources\", \"counted\", \"outliers\", \"errors\", \"leftOut\"}]} "
               "(locked: {\"round\": null, \"outcome\": \"locked\", \"holder\", \"feeds\": []}).",
    .run = run_feed_run, .needs_config = true};

