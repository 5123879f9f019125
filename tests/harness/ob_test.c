#include "ob_test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"

int ob_test_failures;
static struct ob_test_case *head, **tail = &head;
static const char *current;
static char tmpdir[512];

void ob_test_register(struct ob_test_case *tc) {
  *tail = tc;
  tail = &tc->next;
}

void ob_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "FAIL %s: %s:%d: ", current ? current : "?", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  ob_test_failures++;
}

const char *ob_test_src(const char *rel) {
  static char path[4096];
  const char *root = getenv("OB_SOURCE_DIR");
  snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
  return path;
}

const char *ob_test_tmpdir(void) {
  if (!tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/obtest-%s-XXXXXX", base ? base : "/tmp", current ? current : "x");
    if (!mkdtemp(tmpdir)) {
      fprintf(stderr, "cannot create a temporary directory: %s\n", strerror(errno));
      exit(2);
    }
    /* Peers started under it run as other users (PostgreSQL refuses root). */
    chmod(tmpdir, 0755);
  }
  return tmpdir;
}

const char *ob_test_peer(const char *name) {
  static char value[1024];
  const char *v = getenv(name), *dir = getenv("OB_PEERS_DIR");
  char path[1024], line[2048], prefix[256];
  FILE *f;
  if (v && *v) return v;
  if (!dir) return NULL;
  snprintf(path, sizeof(path), "%s/env", dir);
  snprintf(prefix, sizeof(prefix), "export %s=", name);
  f = fopen(path, "r");
  if (!f) return NULL;
  v = NULL;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, prefix, strlen(prefix)) == 0) {
      char *s = line + strlen(prefix);
      s[strcspn(s, "\n")] = '\0';
      if (*s == '\'' && strlen(s) >= 2) {
        s++;
        s[strlen(s) - 1] = '\0';
      }
      snprintf(value, sizeof(value), "%s", s);
      v = value;
    }
  }
  fclose(f);
  return v;
}

static uint64_t rng[4];
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
void ob_test_rng_seed(uint64_t seed) {
  const char *env = getenv("OB_TEST_SEED");
  if (env) seed = strtoull(env, NULL, 0);
  for (int i = 0; i < 4; i++) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    rng[i] = z ^ (z >> 31);
  }
}
uint64_t ob_test_rand(void) {
  uint64_t r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;
  rng[2] ^= rng[0];
  rng[3] ^= rng[1];
  rng[1] ^= rng[2];
  rng[0] ^= rng[3];
  rng[2] ^= t;
  rng[3] = rotl(rng[3], 45);
  return r;
}
void ob_test_rand_bytes(void *out, size_t n) {
  unsigned char *p = out;
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(ob_test_rand() >> 24);
}

static char *slurp(FILE *f) {
  struct ob_buf b;
  char chunk[4096];
  size_t n;
  ob_buf_init(&b, (size_t)256 << 20);
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) ob_buf_add(&b, chunk, n);
  return ob_buf_detach(&b, NULL);
}

int ob_test_sh(char **out, char **err_out, const char *fmt, ...) {
  struct ob_buf cmd;
  va_list ap;
  char errpath[600];
  FILE *p;
  int st;
  ob_buf_init(&cmd, 1 << 20);
  va_start(ap, fmt);
  ob_buf_vaddf(&cmd, fmt, ap);
  va_end(ap);
  snprintf(errpath, sizeof(errpath), "%s/stderr.txt", ob_test_tmpdir());
  ob_buf_addf(&cmd, " 2>'%s'", errpath);
  p = popen(cmd.buf, "r");
  ob_buf_release(&cmd);
  if (!p) return -1;
  if (out) *out = slurp(p);
  else free(slurp(p));
  st = pclose(p);
  if (err_out) {
    FILE *e = fopen(errpath, "r");
    *err_out = e ? slurp(e) : ob_strdup("");
    if (e) fclose(e);
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void rm_rf(const char *dir) {
  char cmd[700];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "warning: cannot remove %s\n", dir);
}

int main(int argc, char **argv) {
  const char *only = NULL;
  int ran = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--list") == 0) {
      for (struct ob_test_case *t = head; t; t = t->next) printf("%s\n", t->name);
      return 0;
    }
    if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
  }
  ob_test_rng_seed(0x0b1d6e);
  for (struct ob_test_case *t = head; t; t = t->next) {
    int before = ob_test_failures;
    if (only && strcmp(only, t->name) != 0) continue;
    current = t->name;
    tmpdir[0] = '\0';
    t->fn();
    ran++;
    printf("%s %s\n", ob_test_failures == before ? "ok" : "FAILED", t->name);
    if (tmpdir[0] && ob_test_failures == before) rm_rf(tmpdir);
  }
  if (!ran) {
    fprintf(stderr, "no test case named '%s'\n", only ? only : "");
    return 2;
  }
  return ob_test_failures ? 1 : 0;
}

const char *ob_test_fresh_db(void) {
  static char url[1024];
  static unsigned seq;
  const char *base = ob_test_peer("OBRIDGE_DATABASE_URL");
  char name[128], *out = NULL, *err = NULL;
  int rc;
  if (!base) {
    ob_test_fail(__FILE__, __LINE__, "no PostgreSQL: OBRIDGE_DATABASE_URL unset and no $OB_PEERS_DIR/env");
    return NULL;
  }
  snprintf(name, sizeof(name), "t_%s_%ld_%u", current ? current : "x", (long)getpid(), seq++);
  rc = ob_test_sh(&out, &err, "psql -X -q -v ON_ERROR_STOP=1 '%s' -c 'CREATE DATABASE \"%s\"'", base, name);
  if (rc != 0) ob_test_fail(__FILE__, __LINE__, "cannot create database %s: %s", name, err ? err : "");
  free(out);
  free(err);
  /* The peers' URL ends in /postgres: swap the database name. */
  {
    const char *slash = strrchr(base, '/');
    const char *q = strchr(base, '?');
    snprintf(url, sizeof(url), "%.*s/%s%s", (int)(slash - base), base, name, q ? q : "");
  }
  return rc == 0 ? url : NULL;
}
