/* obridge: the one binary. Global options come before the command:
 *   obridge [--config PATH] [--log-level L] [-v|-vv] <command> [<subcommand>] [options] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob_version.h"

/* "obridge 0.1.0 (commit 39937b9)": the version and the commit it was built from. */
static void print_version(void) { printf("obridge %s (commit %s)\n", OB_VERSION, OB_GIT_COMMIT); }

static int run_version(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print {\"version\", \"commit\"} as JSON"}, {0}};
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  (void)cli;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (cli_opt(opts, "json")->set) {
    struct cli_json j;
    struct ob_jw *w = cli_json_begin(&j);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "version");
    ob_jw_str(w, OB_VERSION);
    ob_jw_key(w, "commit");
    ob_jw_str(w, OB_GIT_COMMIT);
    ob_jw_obj_end(w);
    return cli_json_end(&j);
  }
  print_version();
  return 0;
}

static const struct cli_cmd cmd_version = {
    .name = "version",
    .summary = "print the version and the git commit it was built from",
    .usage = "version [--json]",
    .example = "obridge version",
    .run = run_version};

/* Every top-level command, in the order --help lists them. Add new commands here. */
static const struct cli_cmd *const commands[] = {
    &cli_cmd_db,
    &cli_cmd_doctor,
    &cli_cmd_config,
    &cli_cmd_util,
    &cli_cmd_key,
    &cli_cmd_tx,
    &cli_cmd_pin,
    &cli_cmd_cid,
    &cli_cmd_model,
    &cli_cmd_chain,
    &cli_cmd_registry,
    &cli_cmd_commit,
    &cli_cmd_feed,
    &cli_cmd_run,
    &cli_cmd_serve,
    &cli_cmd_tenant,
    &cli_cmd_consumer,
    &cmd_version,
    &cli_cmd_verify,
    NULL,
};

static const struct cli_cmd root = {
    .name = "obridge",
    .summary = "obridge: an oracle and storage bridge (feeds to an EVM chain, files to IPFS).",
    .usage = "[--config PATH] [--log-level LEVEL] [-v|-vv] <command> [<subcommand>] [options]",
    .example = "obridge --config obridge.json doctor",
    .details = "Global options:\n"
               "  --config PATH        config file (else $OBRIDGE_CONFIG, else ./obridge.json)\n"
               "  --log-level LEVEL    trace, debug, info, warn, error or off (else $OBRIDGE_LOG_LEVEL,\n"
               "                       else log.level; default warn, info for 'pin worker')\n"
               "  -v, --verbose        log at info; -vv debug, -vvv trace (also after the command)\n"
               "  --version            print the version and the commit it was built from\n"
               "\n'obridge help COMMAND' or 'obridge COMMAND --help' shows a command's help.",
    .subs = commands,
};

int main(int argc, char **argv) {
  struct cli cli = {.prog = argv[0]};
  const char *lvl = getenv("OBRIDGE_LOG_LEVEL"), *what = "$OBRIDGE_LOG_LEVEL";
  int i = 1, rc, verbose = 0;
  if (lvl && !*lvl) lvl = NULL;
  ob_log_set_level(OB_LOG_WARN); /* quiet by default: see cli_log_choose */
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--version") == 0) {
      print_version();
      return 0;
    } else if (cli_verbose_flag(argv[i])) {
      verbose += cli_verbose_flag(argv[i]);
    } else if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--log-level") == 0) {
      if (i + 1 >= argc)
        return cli_failf(OB_EUSAGE, "option '%s' needs a value\nusage: obridge %s", argv[i], root.usage);
      if (argv[i][2] == 'c') cli.config_path = argv[++i];
      else lvl = argv[++i], what = "--log-level";
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      cli.config_path = argv[i] + 9;
    } else if (strncmp(argv[i], "--log-level=", 12) == 0) {
      lvl = argv[i] + 12, what = "--log-level";
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cli_help(&root, NULL, false);
      return 0;
    } else {
      return cli_failf(OB_EUSAGE, "unknown option '%s'\nusage: obridge %s\n(see 'obridge --help')", argv[i],
                       root.usage);
    }
  }
  if (lvl) {
    enum ob_log_level l;
    if (ob_log_parse_level(&l, lvl) != 0)
      return cli_failf(OB_EUSAGE, "%s: unknown level '%s' (expected trace, debug, info, warn, error or off)", what,
                       lvl);
    cli_log_choose(l);
  }
  if (verbose) cli_log_choose(verbose >= 3 ? OB_LOG_TRACE : verbose == 2 ? OB_LOG_DEBUG : OB_LOG_INFO);
  /* Shift so that argv[0] is "obridge" for the dispatcher. */
  argv[i - 1] = (char *)"obridge";
  rc = cli_dispatch(&cli, &root, argc - i + 1, argv + i - 1);
  ob_config_free(cli.config);
  return rc;
}
