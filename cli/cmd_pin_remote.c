/* obridge pin remote service add|ls|rm: remote pinning services (the Pinning Service API: another
 * obridge, an ipfs-cluster's pinsvc endpoint, a commercial service) that pins.replicate_to names;
 * the pin workers then replicate every pinned CID there (node/replica.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_db.h"
#include "ob/db/db.h"
#include "ob/node/replica.h"

static int run_add(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"token-file", CLI_VALUE, "F", "file holding the service's bearer token (kept there, read at each call)"},
                           {0}};
  char **pos = NULL, path[PATH_MAX];
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  struct ob_err err;
  struct db *db = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (npos != 2 || !cli_opt(opts, "token-file")->set)
    return cli_failf(OB_EUSAGE, "pin remote service add: give NAME URL --token-file F\nusage: obridge %s", self->usage);
  if (!realpath(cli_opt(opts, "token-file")->value, path))
    return cli_failf(OB_EINVAL, "--token-file '%s' cannot be read", cli_opt(opts, "token-file")->value);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = node_remote_service_add(db, pos[0], pos[1], path, &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  printf("remote pinning service %s added (%s); name it in pins.replicate_to to replicate every pin there\n", pos[0], pos[1]);
  return 0;
}

static int run_rm(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{0}};
  char **pos = NULL;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  struct ob_err err;
  struct db *db = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "pin remote service rm: give one NAME\nusage: obridge %s", self->usage);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = node_remote_service_rm(db, pos[0], &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  printf("remote pinning service %s removed with its replica rows (the copies there stay)\n", pos[0]);
  return 0;
}

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print a JSON array"}, {0}};
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  struct ob_err err;
  struct db *db = NULL;
  struct db_res *r = NULL;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = node_remote_service_list(db, &r, &err);
  db_close(db);
  if (rc) return cli_fail(rc, &err);
  if (cli_opt(opts, "json")->set) {
    struct cli_json cj;
    struct ob_jw *w = cli_json_begin(&cj);
    ob_jw_arr_begin(w);
    for (size_t i = 0; i < db_res_rows(r); i++) {
      ob_jw_obj_begin(w);
      ob_jw_key(w, "name");
      ob_jw_str(w, db_res_get(r, i, 0));
      ob_jw_key(w, "url");
      ob_jw_str(w, db_res_get(r, i, 1));
      ob_jw_key(w, "token_file");
      ob_jw_str(w, db_res_get(r, i, 2));
      ob_jw_key(w, "pinned");
      ob_jw_number(w, db_res_get(r, i, 3));
      ob_jw_key(w, "pending");
      ob_jw_number(w, db_res_get(r, i, 4));
      ob_jw_key(w, "failed");
      ob_jw_number(w, db_res_get(r, i, 5));
      ob_jw_obj_end(w);
    }
    ob_jw_arr_end(w);
    exit_code = cli_json_end(&cj);
  } else {
    printf("%-20s %-40s %8s %8s %8s\n", "NAME", "URL", "PINNED", "PENDING", "FAILED");
    for (size_t i = 0; i < db_res_rows(r); i++)
      printf("%-20s %-40s %8s %8s %8s\n", db_res_get(r, i, 0), db_res_get(r, i, 1), db_res_get(r, i, 3), db_res_get(r, i, 4),
             db_res_get(r, i, 5));
  }
  db_res_free(r);
  return exit_code;
}

static const struct cli_cmd cmd_add = {
    .name = "add", .summary = "add a remote pinning service (IPFS Pinning Service API) for replicas",
    .usage = "pin remote service add NAME URL --token-file F",
    .details = "URL is the service's endpoint (its routes are URL/pins). The token stays in F (read at each\n"
               "call; the database keeps the path). Name the service in pins.replicate_to: the pin workers\n"
               "then ask it to pin every pinned CID, poll until it says pinned, and retry with backoff.",
    .example = "obridge pin remote service add backup https://pins.example.org --token-file /etc/obridge/backup.token",
    .run = run_add};
static const struct cli_cmd cmd_ls = {.name = "ls", .summary = "list the remote services and their replica counts",
                                      .usage = "pin remote service ls [--json]", .example = "obridge pin remote service ls",
                                      .run = run_ls};
static const struct cli_cmd cmd_rm = {.name = "rm", .summary = "remove a remote service and its replica rows",
                                      .usage = "pin remote service rm NAME", .example = "obridge pin remote service rm backup",
                                      .run = run_rm};
static const struct cli_cmd *const service_subs[] = {&cmd_add, &cmd_ls, &cmd_rm, NULL};
static const struct cli_cmd cmd_service = {.name = "service", .summary = "remote pinning services for replicas",
                                           .usage = "pin remote service <add|ls|rm> [options]",
                                           .example = "obridge pin remote service ls", .subs = service_subs};
static const struct cli_cmd *const remote_subs[] = {&cmd_service, NULL};
const struct cli_cmd cli_cmd_pin_remote = {.name = "remote", .summary = "replicas on remote pinning services",
                                           .usage = "pin remote service <add|ls|rm> [options]",
                                           .example = "obridge pin remote service ls", .subs = remote_subs};
