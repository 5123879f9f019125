/* obridge db migrate|status */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/db/db.h"
#include "cli_db.h"

int cli_db_open(struct cli *cli, struct db **db, int *exit_code) {
  struct ob_config *c = cli_config(cli, exit_code);
  struct db_opts o;
  struct ob_err err;
  int rc;
  if (!c) return -1;
  ob_err_clear(&err);
  db_opts_init(&o);
  o.url = c->db_url;
  o.connect_timeout_s = c->db_connect_timeout_s;
  o.answer_timeout_ms = c->db_answer_timeout_s * 1000u;
  o.application_name = c->db_application_name;
  rc = db_open(db, &o, &err);
  if (rc) {
    *exit_code = cli_fail(rc, &err);
    return -1;
  }
  return 0;
}

static int load_set(struct db_migration_set *set, const char *dir, struct ob_err *err) {
  return dir ? db_migrations_from_dir(set, dir, err) : db_migrations_builtin(set, err);
}

static int run_migrate(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"dir", CLI_VALUE, "DIR", "apply the NNNN_name.sql files of DIR instead of the built-in ones"},
      {"json", CLI_FLAG, NULL, "print the result as JSON"},
      {0}};
  struct db_migration_set set;
  struct db *db;
  struct ob_err err;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), applied = 0, exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  rc = load_set(&set, cli_opt(opts, "dir")->value, &err);
  if (rc) return cli_fail(rc, &err);
  if (cli_db_open(cli, &db, &exit_code)) {
    db_migrations_release(&set);
    return exit_code;
  }
  rc = db_migrate(db, &set, &applied, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
  } else if (cli_opt(opts, "json")->set) {
    printf("{\"applied\":%d,\"total\":%zu}\n", applied, set.n);
  } else {
    printf("migrations: %d applied now, %zu in all, database current\n", applied, set.n);
  }
  db_close(db);
  db_migrations_release(&set);
  return exit_code;
}

static int run_status(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"dir", CLI_VALUE, "DIR", "compare with the files of DIR instead of the built-in ones"},
      {"json", CLI_FLAG, NULL, "print the status as JSON"},
      {0}};
  struct db_migration_set set;
  struct db_migration_status *st = NULL;
  struct db *db;
  struct ob_err err;
  size_t n = 0, pending = 0, edited = 0;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  rc = load_set(&set, cli_opt(opts, "dir")->value, &err);
  if (rc) return cli_fail(rc, &err);
  if (cli_db_open(cli, &db, &exit_code)) {
    db_migrations_release(&set);
    return exit_code;
  }
  rc = db_migrate_status(db, &set, &st, &n, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    pending += !st[i].applied;
    edited += st[i].edited;
  }
  if (cli_opt(opts, "json")->set) {
    struct cli_json j;
    struct ob_jw *jw = cli_json_begin(&j);
    ob_jw_obj_begin(jw);
    ob_jw_key(jw, "current");
    ob_jw_bool(jw, pending == 0 && edited == 0);
    ob_jw_key(jw, "migrations");
    ob_jw_arr_begin(jw);
    for (size_t i = 0; i < n; i++) {
      ob_jw_obj_begin(jw);
      ob_jw_key(jw, "version");
      ob_jw_i64(jw, st[i].version);
      ob_jw_key(jw, "name");
      ob_jw_str(jw, st[i].name);
      ob_jw_key(jw, "state");
      ob_jw_str(jw, st[i].edited ? "edited" : st[i].applied ? "applied" : "pending");
      ob_jw_key(jw, "applied_at");
      ob_jw_str(jw, st[i].applied ? st[i].applied_at : NULL);
      ob_jw_obj_end(jw);
    }
    ob_jw_arr_end(jw);
    ob_jw_obj_end(jw);
    cli_json_end(&j);
  } else {
    for (size_t i = 0; i < n; i++)
      printf("%04d  %-8s %-20s %s\n", st[i].version,
             st[i].edited ? "EDITED" : st[i].applied ? "applied" : "pending",
             st[i].applied ? st[i].applied_at : "-", st[i].name);
    printf("%zu migrations, %zu pending%s\n", n, pending, edited ? ", some EDITED after they were applied" : "");
  }
  if (edited) exit_code = CLI_EXIT_FAIL;
out:
  ob_free(st);
  db_close(db);
  db_migrations_release(&set);
  return exit_code;
}

static const struct cli_cmd cmd_migrate = {
    .name = "migrate", .summary = "apply every pending migration, each in its own transaction",
    .usage = "db migrate [--dir DIR] [--json]", .example = "obridge db migrate", .run = run_migrate};
static const struct cli_cmd cmd_status = {
    .name = "status", .summary = "list migrations: applied, pending, or edited after they were applied (exit 1)",
    .usage = "db status [--dir DIR] [--json]", .example = "obridge db status --json", .run = run_status};
static const struct cli_cmd *const subs[] = {&cmd_migrate, &cmd_status, NULL};

const struct cli_cmd cli_cmd_db = {
    .name = "db", .summary = "database migrations", .usage = "db <migrate|status> [options]",
    .example = "obridge db migrate", .subs = subs};
