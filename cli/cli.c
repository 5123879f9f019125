/* Option parsing, help and error output shared by every command. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ob/core/alloc.h"

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
  for (const struct cli_opt *o = opts; o && o->name; o++) {
    size_t w = strlen(o->name) + (o->metavar ? strlen(o->metavar) + 1 : 0);
    if (w > width) width = w;
  }
  if (opts && opts->name) {
    fprintf(f, "\nOptions:\n");
    for (const struct cli_opt *o = opts; o->name; o++) {
      char left[128];
      snprintf(left, sizeof(left), "%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
      fprintf(f, "  --%-*s  %s%s\n", (int)width, left, o->help,
              o->kind == CLI_MULTI ? " (repeatable)" : "");
    }
  }
  fprintf(f, "  --%-*s  %s\n", (int)(width ? width : 4), "help", "show this help");
  if (cmd->example) fprintf(f, "\nExample:\n  %s\n", cmd->example);
  fprintf(f, "\n%s", exit_codes_help);
}

struct cli_opt *cli_opt(struct cli_opt *opts, const char *name) {
  for (struct cli_opt *o = opts; o && o->name; o++)
    if (strcmp(o->name, name) == 0) return o;
  return NULL;
}

static int usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const struct cli_cmd *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "obridge: error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: obridge %s\n(see 'obridge %.*s --help')\n", cmd->usage,
          (int)strcspn(cmd->usage, " ["), cmd->usage);
  return OB_EUSAGE;
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
    if (a[1] != '-') {
      return usage_error(cmd, "unknown option '%s'", a);
    }
    eq = strchr(a, '=');
    snprintf(name, sizeof(name), "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
    o = cli_opt(opts, name);
    if (!o) {
      return usage_error(cmd, "unknown option '%s'", a);
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

int cli_dispatch(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    if (argc >= 3 && strcmp(argv[1], "help") == 0) {
      for (const struct cli_cmd *const *s = cmd->subs; *s; s++)
        if (strcmp((*s)->name, argv[2]) == 0) {
          char *args[] = {argv[2], (char *)"--help", NULL};
          return (*s)->run ? (*s)->run(cli, 2, args, *s) : cli_dispatch(cli, *s, 2, args);
        }
    }
    cli_help(cmd, NULL, argc < 2);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  for (const struct cli_cmd *const *s = cmd->subs; *s; s++) {
    if (strcmp((*s)->name, argv[1]) == 0)
      return (*s)->run ? (*s)->run(cli, argc - 1, argv + 1, *s) : cli_dispatch(cli, *s, argc - 1, argv + 1);
  }
  fprintf(stderr, "obridge: error: unknown command '%s %s'\nusage: obridge %s\n(see 'obridge %s --help')\n",
          cmd->name, argv[1], cmd->usage, cmd->name);
  return CLI_EXIT_USAGE;
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
