/* obridge config show|check, and the one place the CLI loads the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_feed.h"
#include "config.h"
#include "ob/core/buf.h"
#include "ob/core/log.h"

int cli_config_load(struct cli *cli, struct ob_err *err) {
  const char *path = cli->config_path, *env = NULL;
  int rc;
  if (cli->config) return 0;
  if (!path && (path = getenv("OBRIDGE_CONFIG")) && *path) env = "OBRIDGE_CONFIG";
  if (path && !*path) path = NULL;
  if (!path && access("obridge.json", F_OK) == 0) path = "obridge.json";
  rc = ob_config_load(&cli->config, path, err);
  if (rc && env && err) {
    /* Say where the path came from: "config 'x.json' (from $OBRIDGE_CONFIG): …". */
    char msg[sizeof(err->msg)], head[1100];
    size_t hl = (size_t)snprintf(head, sizeof(head), "config '%s'", path);
    snprintf(msg, sizeof(msg), "%s", err->msg);
    if (hl < sizeof(head) && strncmp(msg, head, hl) == 0)
      ob_err_set(err, rc, "%s (from $%s)%s", head, env, msg + hl);
    else
      ob_err_set(err, rc, "%s (from $%s)", msg, env);
  }
  if (!rc && cli->config->log_level && !cli_log_chosen()) {
    enum ob_log_level l;
    if (ob_log_parse_level(&l, cli->config->log_level) == 0) cli_log_choose(l);
  }
  return rc;
}

struct ob_config *cli_config(struct cli *cli, int *rc) {
  struct ob_err err;
  ob_err_clear(&err);
  *rc = cli_config_load(cli, &err);
  if (*rc) {
    *rc = cli_fail(*rc, &err);
    return NULL;
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
  size_t nerr, nfeeds;
  if (!(c = cli_config(cli, &rc))) return rc;
  /* Every bad feed is named, not only the first. */
  if ((nerr = cli_feeds_check(c, &nfeeds)))
    return cli_failf(OB_EINVAL, "%zu error%s in the feeds", nerr, nerr == 1 ? "" : "s");
  printf("config ok: %s", c->source ? c->source : "(no file: defaults and environment)");
  if (nfeeds) printf(" (%zu feed%s)", nfeeds, nfeeds == 1 ? "" : "s");
  printf("\n");
  return 0;
}

static const struct cli_cmd cmd_show = {
    .name = "show", .summary = "print the effective config (file + environment + defaults) as JSON",
    .usage = "config show", .example = "obridge --config obridge.json config show", .run = run_show};
static const struct cli_cmd cmd_check = {
    .name = "check", .summary = "validate the config and its feeds and exit 0, or print every error and exit 2",
    .usage = "config check", .example = "obridge --config obridge.json config check", .run = run_check};
static const struct cli_cmd *const subs[] = {&cmd_show, &cmd_check, NULL};

const struct cli_cmd cli_cmd_config = {
    .name = "config", .summary = "show or check the configuration", .usage = "config <show|check>",
    .example = "obridge config check", .subs = subs};
