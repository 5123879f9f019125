/* The obridge command line: one binary, git-style commands, one file per command.
 *
 * A command is a struct cli_cmd: name, one-line summary, usage, options, example, and either a
 * run function or a table of subcommands. cli_parse handles --help, unknown options and missing
 * values for every command the same way. Results go to stdout, chatter and errors to stderr.
 *
 * Exit codes (ob_err_exit_code): 0 done; 1 the operation or check failed; 2 bad usage or bad input;
 * 3 a peer (PostgreSQL, chain, IPFS, a data source) unreachable or timed out — worth retrying. */
#ifndef OB_CLI_H
#define OB_CLI_H
#include <stdbool.h>
#include <stddef.h>

#include "ob/core/err.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_PEER 3
#define CLI_DONE (-1000) /* cli_parse: --help was printed, exit 0 */

enum cli_opt_kind { CLI_FLAG, CLI_VALUE, CLI_MULTI };

struct cli_opt {
  const char *name;    /* "json" for --json */
  enum cli_opt_kind kind;
  const char *metavar; /* "PATH" */
  const char *help;
  char short_name;     /* 'r' for -r (flags may be bundled: -rq); 0 for none */
  /* filled by cli_parse */
  bool set;
  const char *value;   /* CLI_VALUE: last value; CLI_MULTI: first */
  const char **values; /* CLI_MULTI: all values (owned by cli) */
  size_t nvalues;
};

struct cli;
struct cli_cmd {
  const char *name;
  const char *summary;
  const char *usage;   /* after "obridge ": "db migrate [--json]" */
  const char *example;
  const char *details; /* optional paragraph */
  int (*run)(struct cli *cli, int argc, char **argv, const struct cli_cmd *self);
  const struct cli_cmd *const *subs; /* NULL-terminated, for commands with subcommands */
  bool needs_config;
  bool long_running; /* a worker or daemon: logs at info unless the log level was chosen */
};

struct ob_config;
struct cli {
  const char *config_path;     /* --config, before the command */
  struct ob_config *config;    /* loaded on first use by cli_config() */
  const char *prog;
};

/* Parse argv (argv[0] is the command name) against opts (terminated by {0}). Positional arguments
 * are returned in *pos / *npos: the array belongs to the CLI and lives until exit — never free it
 * (nor opts' values). An argument like -1 or -0.5 is a positional (a negative number), not an option. --help prints the command's help and returns
 * CLI_DONE. Errors print "obridge CMD: unknown option '--x'" and the usage line, and return
 * OB_EUSAGE. */
int cli_parse(const struct cli_cmd *cmd, struct cli_opt *opts, int argc, char **argv,
              char ***pos, int *npos);
void cli_help(const struct cli_cmd *cmd, const struct cli_opt *opts, bool to_stderr);
struct cli_opt *cli_opt(struct cli_opt *opts, const char *name);

/* The log level. Every command logs warnings only unless -v (info), -vv (debug), -vvv (trace),
 * --log-level, $OBRIDGE_LOG_LEVEL or the config's log.level chose otherwise; long-running commands
 * default to info. cli_parse takes -v/-vv/--verbose anywhere on the line. */
#include "ob/core/log.h"
void cli_log_choose(enum ob_log_level lvl);
bool cli_log_chosen(void);
/* 1, 2 or 3 for "-v", "-vv", "-vvv" ("--verbose" is 1), else 0. */
int cli_verbose_flag(const char *arg);

/* Dispatch to a subcommand of cmd (argv[0] is cmd's name). An unknown one is
 * "'pni' is not an obridge command. Did you mean 'pin'?", exit 2; `help A B` shows A B's help. */
int cli_dispatch(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv);

/* Load the config (once): --config, $OBRIDGE_CONFIG, ./obridge.json, else defaults; then the
 * environment. On failure prints the error and returns NULL with *rc set. */
struct ob_config *cli_config(struct cli *cli, int *rc);
/* The same without printing: 0 or the error in err (naming $OBRIDGE_CONFIG when the path came from it). */
int cli_config_load(struct cli *cli, struct ob_err *err);

/* Print "obridge: error: MSG" to stderr and return the CLI exit code for code. */
int cli_fail(int code, const struct ob_err *err);
int cli_failf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write a whole buffer to stdout; returns 0 or CLI_EXIT_FAIL. */
int cli_out(const char *s, size_t n);

/* One JSON document on stdout: `struct ob_jw *w = cli_json_begin(&j); …write…; return cli_json_end(&j);`
 * cli_json_end finishes the writer, adds the newline, writes it out and frees everything; it returns
 * 0 or CLI_EXIT_FAIL (and says why on stderr). */
#include "ob/core/buf.h"
#include "ob/core/json.h"
struct cli_json {
  struct ob_buf b;
  struct ob_jw w;
};
struct ob_jw *cli_json_begin(struct cli_json *j);
int cli_json_end(struct cli_json *j);

/* Every top-level command, defined in its own cmd_*.c file. */
extern const struct cli_cmd cli_cmd_db;
extern const struct cli_cmd cli_cmd_doctor;
extern const struct cli_cmd cli_cmd_config;
extern const struct cli_cmd cli_cmd_util;
extern const struct cli_cmd cli_cmd_key;
extern const struct cli_cmd cli_cmd_tx;
extern const struct cli_cmd cli_cmd_pin;
extern const struct cli_cmd cli_cmd_verify;
extern const struct cli_cmd cli_cmd_cid;
extern const struct cli_cmd cli_cmd_model;
extern const struct cli_cmd cli_cmd_chain;
extern const struct cli_cmd cli_cmd_registry;
extern const struct cli_cmd cli_cmd_commit;
extern const struct cli_cmd cli_cmd_run;
extern const struct cli_cmd cli_cmd_feed;
extern const struct cli_cmd cli_cmd_serve;
extern const struct cli_cmd cli_cmd_tenant;
extern const struct cli_cmd cli_cmd_consumer;
/* oracle.push_adapters ("FEED=ADAPTER,…"): `consumer push` of each pair (cmd_consumer.c; the daemon's child). */
int cli_consumer_push_all(struct cli *cli, const char *spec);
#endif
