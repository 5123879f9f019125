#include "ob/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"

static uint64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ob_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t ob_mono_ms(void) { return ob_mono_ns() / 1000000u; }
uint64_t ob_unix_s(void) { return clock_ns(CLOCK_REALTIME) / 1000000000u; }

void ob_sleep_ms(uint64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

int ob_parse_u64(uint64_t *out, const char *s, const char *what, struct ob_err *err) {
  uint64_t v = 0;
  if (!s || !*s) return ob_err_set(err, OB_EINVAL, "%s: expected a decimal integer, got ''", what);
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9')
      return ob_err_set(err, OB_EINVAL, "%s: expected a decimal integer, got '%s'", what, s);
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
      return ob_err_set(err, OB_EINVAL, "%s: '%s' is out of range", what, s);
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *out = v;
  return 0;
}

int ob_file_read(const char *path, struct ob_buf *out, size_t max, struct ob_err *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  size_t total = 0;
  if (fd < 0) {
    int e = errno;
    if (err) err->sys_errno = e;
    return ob_err_set(err, e == ENOENT ? OB_ENOENT : OB_EIO, "cannot read '%s': %s", path, strerror(e));
  }
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return ob_err_set(err, OB_EINVAL, "cannot read '%s': is a directory", path);
  }
  for (;;) {
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return ob_err_set(err, OB_EIO, "cannot read '%s': %s", path, strerror(e));
    }
    if (n == 0) break;
    total += (size_t)n;
    if (total > max) {
      close(fd);
      return ob_err_set(err, OB_ELIMIT, "cannot read '%s': larger than %zu bytes", path, max);
    }
    if (ob_buf_add(out, chunk, (size_t)n)) {
      close(fd);
      return ob_err_set(err, OB_ENOMEM, "cannot read '%s': out of memory", path);
    }
  }
  close(fd);
  return 0;
}

int ob_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         struct ob_err *err) {
  char tmp[4096];
  int fd;
  const char *p = data;
  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
    return ob_err_set(err, OB_EINVAL, "path too long: '%s'", path);
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ob_err_set(err, OB_EIO, "cannot create '%s': %s", tmp, strerror(errno));
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return ob_err_set(err, OB_EIO, "cannot write '%s': %s", tmp, strerror(e));
    }
    p += n;
    len -= (size_t)n;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp);
    return ob_err_set(err, OB_EIO, "cannot write '%s': %s", tmp, strerror(errno));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return ob_err_set(err, OB_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(e));
  }
  return 0;
}

bool ob_str_starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ob_str_ends(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Optimal string alignment distance, capped: words longer than 63 bytes are never close. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), d[64][64];
  if (la >= 64 || lb >= 64) return SIZE_MAX;
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

const char *ob_str_nearest(const char *word, const char *(*get)(const void *ctx, size_t i), const void *ctx,
                           size_t n) {
  size_t len = strlen(word), limit = len <= 4 ? 1 : len <= 8 ? 2 : 3, best = SIZE_MAX, prefixed = 0;
  const char *pick = NULL, *prefix = NULL;
  if (!len) return NULL;
  for (size_t i = 0; i < n; i++) {
    const char *c = get(ctx, i);
    size_t dist = edit_distance(word, c);
    if (dist <= limit && dist < best) best = dist, pick = c;
    if (strncmp(c, word, len) == 0 && len >= 2) prefixed++, prefix = c;
  }
  if (pick) return pick;
  return prefixed == 1 ? prefix : NULL;
}

bool ob_ct_equal(const void *a, const void *b, size_t n) {
  const volatile unsigned char *x = a, *y = b;
  unsigned char d = 0;
  for (size_t i = 0; i < n; i++) d |= x[i] ^ y[i];
  return d == 0;
}
