/* obridge config show|check, and the one place the CLI loads the config. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "ob/core/buf.h"
#include "ob/core/log.h"

struct ob_config *cli_config(struct cli *cli, int *rc) {
  struct ob_err err;
  const char *path = cli->config_path;
  if (cli->config) return cli->config;
  ob_err_clear(&err);
  if (!path) path = getenv("OBRIDGE_CONFIG");
  if (path && !*path) path = NULL;
  if (!path && access("obridge.json", F_OK) == 0) path = "obridge.json";
  *rc = ob_config_load(&cli->config, path, &err);
  if (*rc) {
    *rc = cli_fail(*rc, &err);
    return NULL;
  }
  if (cli->config->log_level && !getenv("OBRIDGE_LOG_LEVEL") && ob_log_min_level == OB_LOG_INFO) {
    enum ob_log_level l;
    if (ob_log_parse_level(cli->config->log_level, &l) == 0) ob_log_set_level(l);
  }
  return cli->config;
}

static int run_show(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{0}};
  struct ob_config *c;
  struct ob_buf out;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!(c = cli_config(cli, &rc))) return rc;
  ob_buf_init(&out, 1 << 20);
  rc = ob_config_dump(c, &out);
  ob_buf_addch(&out, '\n');
  rc = rc ? cli_failf(rc, "cannot print the config") : cli_out(out.buf, out.len);
  ob_buf_release(&out);
  return rc;
}

static int run_check(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{0}};
  struct ob_config *c;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!(c = cli_config(cli, &rc))) return rc;
  printf("config ok: %s\n", c->source ? c->source : "(no file: defaults and environment)");
  return 0;
}

static const struct cli_cmd cmd_show = {
    .name = "show", .summary = "print the effective config (file + environment + defaults) as JSON",
    .usage = "config show", .example = "obridge --config obridge.json config show", .run = run_show};
static const struct cli_cmd cmd_check = {
    .name = "check", .summary = "validate the config and exit 0, or print what is wrong and exit 2",
    .usage = "config check", .example = "obridge --config obridge.json config check", .run = run_check};
static const struct cli_cmd *const subs[] = {&cmd_show, &cmd_check, NULL};

const struct cli_cmd cli_cmd_config = {
    .name = "config", .summary = "show or check the configuration", .usage = "config <show|check>",
    .example = "obridge config check", .subs = subs};
