/* obridge doctor: is everything this node needs there and working? One line per check, with
 * what to do when it fails and how long it took; `--only` picks the checks a node needs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_db.h"
#include "cli_doctor.h"
#include "config.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"

enum { CK_CONFIG, CK_DATABASE, CK_MIGRATIONS, CK_CHAIN, CK_IPFS, CK_KEYSTORE, CK_N };
static const char *const check_names[CK_N + 1] = {"config", "database", "migrations", "chain", "ipfs", "keystore", "db"};

static struct db *check_database(const struct ob_config *c, struct doctor_result *r) {
  struct db_opts o;
  struct db *db = NULL;
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  db_opts_init(&o);
  o.url = c->db_url;
  o.connect_timeout_s = c->db_connect_timeout_s;
  o.answer_timeout_ms = c->db_answer_timeout_s * 1000u;
  o.application_name = c->db_application_name;
  rc = db_open(&db, &o, &err);
  if (rc) {
    doctor_set(r, rc, "%s", ob_err_msg(&err, rc));
    doctor_fix(r, "start PostgreSQL or fix database.url / $OBRIDGE_DATABASE_URL");
    return NULL;
  }
  doctor_set(r, 0, "PostgreSQL %s reachable", db_server_version(db));
  return db;
}

static void check_migrations(struct db *db, struct doctor_result *r) {
  struct db_migration_set set;
  struct db_migration_status *st = NULL;
  struct ob_err err;
  size_t n = 0, pending = 0, edited = 0;
  int rc;
  ob_err_clear(&err);
  rc = db_migrations_builtin(&set, &err);
  if (!rc) {
    rc = db_migrate_status(db, &set, &st, &n, &err);
    db_migrations_release(&set);
  }
  if (rc) {
    doctor_set(r, rc, "%s", ob_err_msg(&err, rc));
    doctor_fix(r, "check the database user's rights");
    return;
  }
  for (size_t i = 0; i < n; i++) {
    pending += !st[i].applied;
    edited += st[i].edited;
  }
  ob_free(st);
  if (edited) {
    doctor_set(r, OB_ECHECK, "%zu applied migrations differ from this obridge's", edited);
    doctor_fix(r, "run 'obridge db status' and use the obridge version that created the database");
  } else if (pending) {
    doctor_set(r, OB_ECHECK, "%zu of %zu migrations pending", pending, n);
    doctor_fix(r, "run 'obridge db migrate'");
  } else {
    doctor_set(r, 0, "%zu of %zu applied", n, n);
  }
}

static int check_keystore(const struct ob_config *c, struct doctor_result *r) {
  if (!c->keystore) {
    doctor_set(r, OB_ECHECK, "no keystore configured");
    doctor_fix(r, "create one with 'obridge key new' and set chain.keystore or $OBRIDGE_KEYSTORE");
    return 0;
  }
  if (access(c->keystore, R_OK) != 0) {
    const char *env = ob_config_env_source(c, "chain.keystore");
    doctor_set(r, OB_ENOENT, "cannot read keystore '%s'%s%s%s", c->keystore, env ? " (from $" : "", env ? env : "",
               env ? ")" : "");
    doctor_fix(r, "check chain.keystore and the file's permissions");
    return 0;
  }
  return doctor_keystore(c, r);
}

static void skip(struct doctor_result *r, const char *why, const char *fix) {
  r->ran = true;
  r->skipped = true;
  doctor_set(r, OB_ECHECK, "skipped: %s", why);
  doctor_fix(r, "%s", fix);
}

static const char *check_name(const void *ctx, size_t i) { return ((const char *const *)ctx)[i]; }

/* "db,ipfs" -> want[]; config is always checked (everything else needs it). */
static int parse_only(const char *list, bool want[CK_N]) {
  const char *p = list;
  for (size_t i = 0; i < CK_N; i++) want[i] = i == CK_CONFIG;
  while (*p) {
    size_t n = strcspn(p, ","), k;
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), p);
    for (k = 0; k <= CK_N; k++)
      if (strcmp(name, check_names[k]) == 0) break;
    if (k > CK_N) {
      const char *near = ob_str_nearest(name, check_name, check_names, CK_N + 1);
      if (near)
        return cli_failf(OB_EUSAGE, "doctor --only: unknown check '%s'. Did you mean '%s'?", name, near);
      return cli_failf(OB_EUSAGE,
                       "doctor --only: unknown check '%s' (expected config, database, migrations, chain, ipfs, "
                       "keystore or db)",
                       name);
    }
    if (k == CK_N) want[CK_DATABASE] = want[CK_MIGRATIONS] = true; /* db */
    else want[k] = true;
    p += n + (p[n] == ',');
  }
  if (want[CK_MIGRATIONS]) want[CK_DATABASE] = true; /* migrations are read through the database */
  return 0;
}

static void add_result(struct ob_jw *w, const struct doctor_result *r) {
  ob_jw_obj_begin(w);
  ob_jw_key(w, "check");
  ob_jw_str(w, r->name);
  ob_jw_key(w, "ok");
  ob_jw_bool(w, r->code == 0);
  ob_jw_key(w, "detail");
  ob_jw_str(w, r->detail);
  if (r->code) {
    ob_jw_key(w, "fix");
    ob_jw_str(w, r->fix);
  }
  ob_jw_key(w, "elapsed_ms");
  ob_jw_u64(w, r->elapsed_ms);
  ob_jw_obj_end(w);
}

static void load_config(struct cli *cli, struct doctor_result *r) {
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  rc = cli_config_load(cli, &err);
  if (rc) {
    doctor_set(r, rc, "%s", ob_err_msg(&err, rc));
    doctor_fix(r, "fix the config file ('obridge config check' shows the same error)");
  } else {
    doctor_set(r, 0, "%s", cli->config->source ? cli->config->source : "no file: defaults and environment");
  }
}

static void run_checks(struct cli *cli, struct doctor_result *r, const bool want[CK_N]) {
  struct db *db = NULL;
  uint64_t t0 = ob_mono_ms();
  r[CK_CONFIG].ran = true;
  load_config(cli, &r[CK_CONFIG]);
  r[CK_CONFIG].elapsed_ms = ob_mono_ms() - t0;
  if (!cli->config) return;
  for (size_t i = CK_DATABASE; i < CK_N; i++) {
    if (!want[i]) continue;
    if (i == CK_MIGRATIONS && !db) {
      skip(&r[i], "database unreachable", "fix the database check first");
      continue;
    }
    t0 = ob_mono_ms();
    r[i].ran = true;
    switch (i) {
    case CK_DATABASE: db = check_database(cli->config, &r[i]); break;
    case CK_MIGRATIONS: check_migrations(db, &r[i]); break;
    case CK_CHAIN: doctor_chain(cli->config, &r[i]); break;
    case CK_IPFS: doctor_ipfs(cli->config, &r[i]); break;
    default: check_keystore(cli->config, &r[i]); break;
    }
    r[i].elapsed_ms = ob_mono_ms() - t0;
  }
  db_close(db);
}

static int run_doctor(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print the checks as JSON"},
                           {"only", CLI_VALUE, "LIST",
                            "run only these checks, comma-separated: config, database, migrations, chain, ipfs, "
                            "keystore; db means database and migrations"},
                           {0}};
  struct doctor_result r[CK_N];
  bool want[CK_N], json;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), failed = 0, peer_down = 0;
  enum ob_log_level saved = ob_log_min_level;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  json = cli_opt(opts, "json")->set;
  if (cli_opt(opts, "only")->set) {
    if ((rc = parse_only(cli_opt(opts, "only")->value, want))) return rc;
  } else {
    for (size_t i = 0; i < CK_N; i++) want[i] = true;
  }
  memset(r, 0, sizeof(r));
  for (size_t i = 0; i < CK_N; i++) r[i].name = check_names[i];
  /* The report is the output: what the libraries would log is in the check lines already. */
  if (!cli_log_chosen()) ob_log_set_level(OB_LOG_OFF);
  run_checks(cli, r, want);
  ob_log_set_level(saved);
  for (size_t i = 0; i < CK_N; i++) {
    if (!want[i]) continue;
    if (!r[i].ran) skip(&r[i], "the config did not load", "fix the config first");
    if (r[i].code) failed++;
    if (ob_err_exit_code(r[i].code) == CLI_EXIT_PEER) peer_down++;
  }
  if (json) {
    struct cli_json j;
    struct ob_jw *jw = cli_json_begin(&j);
    ob_jw_obj_begin(jw);
    ob_jw_key(jw, "ok");
    ob_jw_bool(jw, failed == 0);
    ob_jw_key(jw, "checks");
    ob_jw_arr_begin(jw);
    for (size_t i = 0; i < CK_N; i++)
      if (want[i]) add_result(jw, &r[i]);
    ob_jw_arr_end(jw);
    ob_jw_obj_end(jw);
    cli_json_end(&j);
  } else {
    for (size_t i = 0; i < CK_N; i++) {
      if (!want[i]) continue;
      if (r[i].skipped) printf("%-4s %-10s %s\n", "FAIL", r[i].name, r[i].detail);
      else
        printf("%-4s %-10s %s (%llu ms)\n", r[i].code ? "FAIL" : "ok", r[i].name, r[i].detail,
               (unsigned long long)r[i].elapsed_ms);
      if (r[i].code) printf("     %-10s fix: %s\n", "", r[i].fix);
    }
    printf("%s\n", failed ? "doctor: some checks failed" : "doctor: all checks passed");
  }
  if (!failed) return CLI_EXIT_OK;
  return peer_down ? CLI_EXIT_PEER : CLI_EXIT_FAIL;
}

const struct cli_cmd cli_cmd_doctor = {
    .name = "doctor",
    .summary = "check config, database and migrations, chain endpoint, IPFS API and keystore",
    .usage = "doctor [--only LIST] [--json]",
    .details = "Each line says ok or FAIL, what was found, what to do and how long the check took. A check\n"
               "that needs an unreachable peer is skipped and says so. A pin-only node runs\n"
               "'doctor --only db,ipfs'. Exits 0 when every check passes, 3 when a peer is unreachable,\n"
               "1 otherwise.",
    .example = "obridge --config obridge.json doctor --only db,ipfs",
    .run = run_doctor};
