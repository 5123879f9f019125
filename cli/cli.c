/* Option parsing, help and error output shared by every command. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ob/core/alloc.h"
#include "ob/core/log.h"
#include "ob/core/util.h"

static const char exit_codes_help[] =
    "Exit codes: 0 done; 1 the operation or check failed; 2 bad usage or bad input;\n"
    "            3 a peer (PostgreSQL, chain, IPFS, a data source) unreachable or timed out.\n";

void cli_help(const struct cli_cmd *cmd, const struct cli_opt *opts, bool to_stderr) {
  FILE *f = to_stderr ? stderr : stdout;
  size_t width = 0;
  fprintf(f, "usage: obridge %s\n\n%s\n", cmd->usage, cmd->summary);
  if (cmd->details) fprintf(f, "\n%s\n", cmd->details);
  if (cmd->subs) {
    fprintf(f, "\nCommands:\n");
    for (const struct cli_cmd *const *s = cmd->subs; *s; s++)
      fprintf(f, "  %-14s %s\n", (*s)->name, (*s)->summary);
  }
  bool shorts = false;
  for (const struct cli_opt *o = opts; o && o->name; o++) {
    size_t w = strlen(o->name) + (o->metavar ? strlen(o->metavar) + 1 : 0);
    if (w > width) width = w;
    shorts = shorts || o->short_name;
  }
  if (opts && opts->name) {
    fprintf(f, "\nOptions:\n");
    for (const struct cli_opt *o = opts; o->name; o++) {
      char left[128], sh[8] = "";
      snprintf(left, sizeof(left), "%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
      if (shorts) snprintf(sh, sizeof(sh), o->short_name ? "-%c, " : "    ", o->short_name);
      fprintf(f, "  %s--%-*s  %s%s\n", sh, (int)width, left, o->help,
              o->kind == CLI_MULTI ? " (repeatable)" : "");
    }
  }
  fprintf(f, "  %s--%-*s  %s\n", shorts ? "-h, " : "", (int)(width ? width : 4), "help", "show this help");
  if (cmd->example) fprintf(f, "\nExample:\n  %s\n", cmd->example);
  fprintf(f, "\n%s", exit_codes_help);
}

struct cli_opt *cli_opt(struct cli_opt *opts, const char *name) {
  for (struct cli_opt *o = opts; o && o->name; o++)
    if (strcmp(o->name, name) == 0) return o;
  return NULL;
}

/* "obridge pin add": the leading lower-case words of the usage line ("pin add PATH…"). */
static void cmd_path(const struct cli_cmd *cmd, char *out, size_t cap) {
  const char *u = cmd->usage;
  size_t n = 0;
  for (;;) {
    size_t w = strspn(u + n, "abcdefghijklmnopqrstuvwxyz0123456789-");
    if (w == 0 || (u[n + w] != ' ' && u[n + w] != '\0') || u[n] == '-') break;
    n += w;
    if (u[n] == ' ') n++;
  }
  while (n && u[n - 1] == ' ') n--;
  snprintf(out, cap, "obridge%s%.*s", n ? " " : "", (int)n, u);
}

static int usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const struct cli_cmd *cmd, const char *fmt, ...) {
  va_list ap;
  char path[128];
  cmd_path(cmd, path, sizeof(path));
  fprintf(stderr, "obridge: error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: obridge %s\n(see '%s --help')\n", cmd->usage, path);
  return OB_EUSAGE;
}

/* ---- log level ----
 * The first that is given wins: -v/-vv/--log-level, $OBRIDGE_LOG_LEVEL, the config's log.level; else
 * the command's default: warnings only for one-shot commands, info for long-running ones. */
static bool log_chosen;

void cli_log_choose(enum ob_log_level lvl) {
  ob_log_set_level(lvl);
  log_chosen = true;
}

bool cli_log_chosen(void) { return log_chosen; }

int cli_verbose_flag(const char *a) {
  size_t n;
  if (strcmp(a, "--verbose") == 0) return 1;
  if (a[0] != '-' || a[1] != 'v') return 0;
  n = strspn(a + 1, "v");
  return a[1 + n] == '\0' && n <= 3 ? (int)n : 0;
}

static void verbose(int n) {
  static int total;
  total += n;
  cli_log_choose(total >= 3 ? OB_LOG_TRACE : total == 2 ? OB_LOG_DEBUG : OB_LOG_INFO);
}

static const char *opt_name(const void *ctx, size_t i) { return ((const struct cli_opt *)ctx)[i].name; }

static int unknown_option(const struct cli_cmd *cmd, const struct cli_opt *opts, const char *a) {
  char name[64];
  size_t n = 0;
  const char *near;
  while (opts && opts[n].name) n++;
  snprintf(name, sizeof(name), "%.*s", (int)strcspn(a + 2, "="), a + 2);
  near = a[1] == '-' ? ob_str_nearest(name, opt_name, opts, n) : NULL;
  if (near) return usage_error(cmd, "unknown option '%s'. Did you mean '--%s'?", a, near);
  return usage_error(cmd, "unknown option '%s'", a);
}

/* Arrays cli_parse hands out live as long as the process: they are tracked here and freed at exit,
 * so commands never have to release them. */
static void **tracked;
static size_t ntracked;

static void free_tracked(void) {
  for (size_t i = 0; i < ntracked; i++) ob_free(tracked[i]);
  ob_free(tracked);
  tracked = NULL;
  ntracked = 0;
}

static void *track(void *old, void *p) {
  for (size_t i = 0; i < ntracked; i++)
    if (tracked[i] == old && old) {
      tracked[i] = p;
      return p;
    }
  if (p) {
    void **t = ob_realloc(tracked, (ntracked + 1) * sizeof(*t));
    if (!t) return p; /* untracked: a leak at exit, never a crash */
    if (!tracked) atexit(free_tracked);
    tracked = t;
    tracked[ntracked++] = p;
  }
  return p;
}

static int add_value(struct cli_opt *o, const char *v) {
  const char **nv = track(o->values, ob_realloc(o->values, (o->nvalues + 1) * sizeof(*nv)));
  if (!nv) return OB_ENOMEM;
  o->values = nv;
  o->values[o->nvalues++] = v;
  if (!o->value || o->kind == CLI_VALUE) o->value = v;
  return 0;
}

int cli_parse(const struct cli_cmd *cmd, struct cli_opt *opts, int argc, char **argv,
              char ***pos, int *npos) {
  static char *none[1];
  char **p = track(NULL, ob_calloc((size_t)argc + 1, sizeof(*p)));
  int n = 0;
  bool only_pos = false;
  if (!p) return OB_ENOMEM;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i], *eq, name[128];
    struct cli_opt *o;
    if (only_pos || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9') || a[1] == '.') {
      p[n++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = true;
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      cli_help(cmd, opts, false);
      return CLI_DONE;
    }
    if (cli_verbose_flag(a) && !cli_opt(opts, "verbose")) {
      verbose(cli_verbose_flag(a));
      continue;
    }
    if (a[1] != '-') {
      /* -r, -rq (bundled flags), -n VALUE: only options that declare a short name. */
      for (const char *c = a + 1; *c; c++) {
        o = NULL;
        for (struct cli_opt *s = opts; s && s->name && !o; s++)
          if (s->short_name == *c) o = s;
        if (!o) return unknown_option(cmd, opts, a);
        o->set = true;
        if (o->kind == CLI_FLAG) continue;
        if (c[1] || i + 1 >= argc) return usage_error(cmd, "option '-%c' needs a value", *c);
        add_value(o, argv[++i]);
      }
      continue;
    }
    eq = strchr(a, '=');
    snprintf(name, sizeof(name), "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
    o = cli_opt(opts, name);
    if (!o) {
      return unknown_option(cmd, opts, a);
    }
    o->set = true;
    if (o->kind == CLI_FLAG) {
      if (eq) {
        return usage_error(cmd, "option '--%s' takes no value", o->name);
      }
      continue;
    }
    if (eq) {
      add_value(o, eq + 1);
    } else if (i + 1 < argc) {
      add_value(o, argv[++i]);
    } else {
      return usage_error(cmd, "option '--%s' needs a value", o->name);
    }
  }
  if (pos) *pos = n ? p : none;
  if (npos) *npos = n;
  return 0;
}

/* ---- dispatch ---- */

static const char *sub_name(const void *ctx, size_t i) { return ((const struct cli_cmd *const *)ctx)[i]->name; }

static const struct cli_cmd *find_sub(const struct cli_cmd *cmd, const char *name) {
  for (const struct cli_cmd *const *s = cmd->subs; s && *s; s++)
    if (strcmp((*s)->name, name) == 0) return *s;
  return NULL;
}

/* "'pni' is not an obridge command. Did you mean 'pin'?" (git's wording), exit 2. */
static int not_a_command(const struct cli_cmd *cmd, const char *word) {
  char path[128];
  size_t n = 0;
  const char *near;
  while (cmd->subs && cmd->subs[n]) n++;
  near = ob_str_nearest(word, sub_name, cmd->subs, n);
  cmd_path(cmd, path, sizeof(path));
  if (near) fprintf(stderr, "obridge: '%s' is not an %s command. Did you mean '%s'?\n", word, path, near);
  else fprintf(stderr, "obridge: '%s' is not an %s command. See '%s --help'.\n", word, path, path);
  return CLI_EXIT_USAGE;
}

static int run_sub(struct cli *cli, const struct cli_cmd *s, int argc, char **argv) {
  if (s->run && s->long_running && !log_chosen) ob_log_set_level(OB_LOG_INFO);
  return s->run ? s->run(cli, argc, argv, s) : cli_dispatch(cli, s, argc, argv);
}

/* `help A B …`: the help of the command reached by walking the words. */
static int help_for(struct cli *cli, const struct cli_cmd *cmd, int nwords, char **words) {
  for (int i = 0; i < nwords; i++) {
    const struct cli_cmd *s = find_sub(cmd, words[i]);
    if (!s) return not_a_command(cmd, words[i]);
    cmd = s;
    if (cmd->run) {
      char *args[] = {words[i], (char *)"--help", NULL};
      if (i + 1 < nwords) {
        char path[128];
        cmd_path(cmd, path, sizeof(path));
        fprintf(stderr, "obridge: '%s' has no subcommands. See '%s --help'.\n", path, path);
        return CLI_EXIT_USAGE;
      }
      return cmd->run(cli, 2, args, cmd);
    }
  }
  cli_help(cmd, NULL, false);
  return CLI_EXIT_OK;
}

int cli_dispatch(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv) {
  const struct cli_cmd *s;
  if (argc < 2) {
    cli_help(cmd, NULL, true);
    return CLI_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
    return help_for(cli, cmd, strcmp(argv[1], "help") == 0 ? argc - 2 : 0, argv + 2);
  s = find_sub(cmd, argv[1]);
  if (!s) return not_a_command(cmd, argv[1]);
  return run_sub(cli, s, argc - 1, argv + 1);
}

int cli_fail(int code, const struct ob_err *err) {
  fprintf(stderr, "obridge: error: %s\n", ob_err_msg(err, code));
  return ob_err_exit_code(code);
}

int cli_failf(int code, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "obridge: error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return ob_err_exit_code(code);
}

void cli_warnf(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "obridge: warning: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_notef(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "obridge: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cli_out(const char *s, size_t n) {
  if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0) return CLI_EXIT_FAIL;
  return CLI_EXIT_OK;
}

struct ob_jw *cli_json_begin(struct cli_json *j) {
  ob_buf_init(&j->b, (size_t)256 << 20);
  ob_jw_init(&j->w, &j->b, false);
  return &j->w;
}

int cli_json_end(struct cli_json *j) {
  int rc = ob_jw_finish(&j->w);
  if (!rc) rc = ob_buf_addch(&j->b, '\n');
  rc = rc ? cli_failf(rc, "cannot write the JSON output: %s", ob_strerror(rc)) : cli_out(j->b.buf, j->b.len);
  ob_buf_release(&j->b);
  return rc;
}
