/* obridge: the one binary. Global options come before the command:
 *   obridge [--config PATH] [--log-level L] <command> [<subcommand>] [options] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ob/core/log.h"

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
    &cli_cmd_chain,
    NULL,
};

static const struct cli_cmd root = {
    .name = "obridge",
    .summary = "obridge: an oracle and storage bridge (feeds to an EVM chain, files to IPFS).",
    .usage = "[--config PATH] [--log-level LEVEL] <command> [<subcommand>] [options]",
    .example = "obridge --config obridge.json doctor",
    .details = "Global options:\n"
               "  --config PATH        config file (else $OBRIDGE_CONFIG, else ./obridge.json)\n"
               "  --log-level LEVEL    trace, debug, info, warn, error or off (default info)\n"
               "  --version            print the version\n"
               "\n'obridge help COMMAND' or 'obridge COMMAND --help' shows a command's help.",
    .subs = commands,
};

int main(int argc, char **argv) {
  struct cli cli = {.prog = argv[0]};
  const char *lvl = getenv("OBRIDGE_LOG_LEVEL");
  int i = 1, rc;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--version") == 0) {
      printf("obridge %s\n", OB_VERSION);
      return 0;
    } else if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--log-level") == 0) {
      if (i + 1 >= argc)
        return cli_failf(OB_EUSAGE, "option '%s' needs a value\nusage: obridge %s", argv[i], root.usage);
      if (argv[i][2] == 'c') cli.config_path = argv[++i];
      else lvl = argv[++i];
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      cli.config_path = argv[i] + 9;
    } else if (strncmp(argv[i], "--log-level=", 12) == 0) {
      lvl = argv[i] + 12;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cli_help(&root, NULL, false);
      return 0;
    } else {
      return cli_failf(OB_EUSAGE, "unknown option '%s'\nusage: obridge %s", argv[i], root.usage);
    }
  }
  if (lvl) {
    enum ob_log_level l;
    if (ob_log_parse_level(lvl, &l) != 0)
      return cli_failf(OB_EUSAGE, "--log-level: unknown level '%s' (expected trace, debug, info, warn, error or off)", lvl);
    ob_log_set_level(l);
  }
  /* Shift so that argv[0] is "obridge" for the dispatcher. */
  argv[i - 1] = (char *)"obridge";
  rc = cli_dispatch(&cli, &root, argc - i + 1, argv + i - 1);
  ob_config_free(cli.config);
  return rc;
}
