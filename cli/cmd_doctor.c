/* obridge doctor: is everything this node needs there and working? One line per check, with
 * what to do when it fails. */
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
#include "ob/core/util.h"
#include "ob/db/db.h"

static int check_database(struct cli *cli, struct doctor_result *r) {
  struct ob_config *c = cli->config;
  struct db_opts o;
  struct db *db;
  struct db_migration_set set;
  struct db_migration_status *st = NULL;
  struct ob_err err;
  size_t n = 0, pending = 0, edited = 0;
  int rc;
  ob_err_clear(&err);
  db_opts_init(&o);
  o.url = c->db_url;
  o.connect_timeout_s = c->db_connect_timeout_s;
  o.application_name = c->db_application_name;
  rc = db_open(&db, &o, &err);
  if (rc) {
    doctor_set(r, rc, "%s", ob_err_msg(&err, rc));
    doctor_fix(r, "start PostgreSQL or fix database.url / $OBRIDGE_DATABASE_URL");
    return rc;
  }
  doctor_set(r, 0, "PostgreSQL %s reachable", db_server_version(db));
  rc = db_migrations_builtin(&set, &err);
  if (!rc) rc = db_migrate_status(db, &set, &st, &n, &err);
  r[1].ran = true;
  if (rc) {
    doctor_set(&r[1], rc, "%s", ob_err_msg(&err, rc));
    doctor_fix(&r[1], "check the database user's rights");
  } else {
    for (size_t i = 0; i < n; i++) {
      pending += !st[i].applied;
      edited += st[i].edited;
    }
    if (edited) {
      doctor_set(&r[1], OB_ECHECK, "%zu applied migrations differ from this obridge's", edited);
      doctor_fix(&r[1], "run 'obridge db status' and use the obridge version that created the database");
    } else if (pending) {
      doctor_set(&r[1], OB_ECHECK, "%zu of %zu migrations pending", pending, n);
      doctor_fix(&r[1], "run 'obridge db migrate'");
    } else {
      doctor_set(&r[1], 0, "%zu of %zu applied", n, n);
    }
  }
  ob_free(st);
  if (!rc) db_migrations_release(&set);
  db_close(db);
  return 0;
}

static int check_keystore(struct cli *cli, struct doctor_result *r) {
  struct ob_config *c = cli->config;
  if (!c->keystore) {
    doctor_set(r, OB_ECHECK, "no keystore configured");
    doctor_fix(r, "create one with 'obridge key new' and set chain.keystore or $OBRIDGE_KEYSTORE");
    return 0;
  }
  if (access(c->keystore, R_OK) != 0) {
    doctor_set(r, OB_ENOENT, "cannot read keystore '%s'", c->keystore);
    doctor_fix(r, "check chain.keystore and the file's permissions");
    return 0;
  }
  return doctor_keystore(c, r);
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
  ob_jw_obj_end(w);
}

static int run_doctor(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print the checks as JSON"}, {0}};
  struct doctor_result r[6] = {{.name = "config"}, {.name = "database"}, {.name = "migrations"},
                               {.name = "chain"}, {.name = "ipfs"}, {.name = "keystore"}};
  struct ob_err err;
  bool json;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), failed = 0, peer_down = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  json = cli_opt(opts, "json")->set;
  ob_err_clear(&err);
  r[0].ran = true;
  {
    int cfg_rc = 0;
    /* Load quietly: the error goes into the check line. */
    const char *path = cli->config_path;
    if (!path) path = getenv("OBRIDGE_CONFIG");
    if (path && !*path) path = NULL;
    if (!path && access("obridge.json", F_OK) == 0) path = "obridge.json";
    cfg_rc = ob_config_load(&cli->config, path, &err);
    if (cfg_rc) {
      doctor_set(&r[0], cfg_rc, "%s", ob_err_msg(&err, cfg_rc));
      doctor_fix(&r[0], "fix the config file ('obridge config check' shows the same error)");
    } else {
      doctor_set(&r[0], 0, "%s", cli->config->source ? cli->config->source : "no file: defaults and environment");
    }
  }
  if (cli->config) {
    r[1].ran = true;
    check_database(cli, &r[1]);
    r[3].ran = true;
    doctor_chain(cli->config, &r[3]);
    r[4].ran = true;
    doctor_ipfs(cli->config, &r[4]);
    r[5].ran = true;
    check_keystore(cli, &r[5]);
  }
  for (size_t i = 0; i < OB_ARRAY_LEN(r); i++) {
    if (!r[i].ran) {
      doctor_set(&r[i], OB_ECHECK, "skipped: the config did not load");
      doctor_fix(&r[i], "fix the config first");
    }
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
    for (size_t i = 0; i < OB_ARRAY_LEN(r); i++) add_result(jw, &r[i]);
    ob_jw_arr_end(jw);
    ob_jw_obj_end(jw);
    cli_json_end(&j);
  } else {
    for (size_t i = 0; i < OB_ARRAY_LEN(r); i++) {
      printf("%-4s %-10s %s\n", r[i].code ? "FAIL" : "ok", r[i].name, r[i].detail);
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
    .usage = "doctor [--json]",
    .details = "Exits 0 when every check passes, 3 when a peer is unreachable, 1 otherwise.",
    .example = "obridge --config obridge.json doctor",
    .run = run_doctor};
