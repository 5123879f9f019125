#include "ob/core/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"

enum ob_log_level ob_log_min_level = OB_LOG_INFO;
static void (*log_sink)(void *, const char *, size_t);
static void *log_sink_ud;
static void (*log_before)(void *);
static void *log_before_ud;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

void ob_log_set_level(enum ob_log_level lvl) { ob_log_min_level = lvl; }

static const char *ob_log_level_name(enum ob_log_level lvl) {
  return (unsigned)lvl <= OB_LOG_OFF ? level_names[lvl] : "?";
}

int ob_log_parse_level(enum ob_log_level *out, const char *s) {
  for (int i = 0; i <= OB_LOG_OFF; i++) {
    if (strcasecmp(s, level_names[i]) == 0) {
      *out = (enum ob_log_level)i;
      return 0;
    }
  }
  return OB_EINVAL;
}

void ob_log_set_sink(void (*fn)(void *, const char *, size_t), void *ud) {
  log_sink = fn;
  log_sink_ud = ud;
}

void ob_log_set_before_write(void (*fn)(void *ud), void *ud) {
  log_before = fn;
  log_before_ud = ud;
}

static bool ob_log_key_is_secret(const char *key) {
  static const char *const secret[] = {"password", "passphrase", "secret", "private_key",
                                       "privkey", "key", "token", "authorization", "mnemonic"};
  if (key[0] == '!') return true;
  for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
    if (strcasecmp(key, secret[i]) == 0) return true;
  return false;
}

/* Quote when the value has a space, '=', '"' or a control character; escape inside quotes. */
static void add_value(struct ob_buf *b, const char *v) {
  bool quote = v[0] == '\0';
  for (const char *p = v; *p && !quote; p++)
    if (*p == ' ' || *p == '=' || *p == '"' || (unsigned char)*p < 0x20) quote = true;
  if (!quote) {
    ob_buf_addstr(b, v);
    return;
  }
  ob_buf_addch(b, '"');
  for (const char *p = v; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') ob_buf_addf(b, "\\%c", c);
    else if (c == '\n') ob_buf_addstr(b, "\\n");
    else if (c < 0x20) ob_buf_addf(b, "\\x%02x", c);
    else ob_buf_addch(b, (char)c);
  }
  ob_buf_addch(b, '"');
}

static void add_head(struct ob_buf *b, enum ob_log_level lvl, const char *sys) {
  struct timespec ts;
  struct tm tm;
  char when[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  ob_buf_addf(b, "ts=%s.%03ldZ level=%s sys=%s msg=", when, ts.tv_nsec / 1000000,
              ob_log_level_name(lvl), sys ? sys : "-");
}

static void emit(struct ob_buf *b) {
  ob_buf_addch(b, '\n');
  if (log_before) log_before(log_before_ud);
  if (log_sink) {
    log_sink(log_sink_ud, b->buf, b->len);
  } else {
    ssize_t w = write(STDERR_FILENO, b->buf, b->len);
    (void)w;
  }
  ob_buf_release(b);
}

void ob_log_kv(enum ob_log_level lvl, const char *sys, const char *msg, ...) {
  struct ob_buf b;
  va_list ap;
  const char *k;
  if (!OB_LOG_ENABLED(lvl)) return;
  ob_buf_init(&b, 64 * 1024);
  add_head(&b, lvl, sys);
  add_value(&b, msg);
  va_start(ap, msg);
  while ((k = va_arg(ap, const char *)) != NULL) {
    const char *v = va_arg(ap, const char *);
    ob_buf_addf(&b, " %s=", k[0] == '!' ? k + 1 : k);
    add_value(&b, ob_log_key_is_secret(k) ? "[redacted]" : (v ? v : ""));
  }
  va_end(ap);
  emit(&b);
}

void ob_log_f(enum ob_log_level lvl, const char *sys, const char *fmt, ...) {
  struct ob_buf b, m;
  va_list ap;
  if (!OB_LOG_ENABLED(lvl)) return;
  ob_buf_init(&b, 64 * 1024);
  ob_buf_init(&m, 16 * 1024);
  va_start(ap, fmt);
  ob_buf_vaddf(&m, fmt, ap);
  va_end(ap);
  add_head(&b, lvl, sys);
  add_value(&b, m.buf);
  ob_buf_release(&m);
  emit(&b);
}

void ob_log_redact_url(char *out, size_t cap, const char *url) {
  const char *scheme = strstr(url, "://"), *at, *colon, *pw;
  if (!cap) return;
  if (scheme) {
    const char *auth = scheme + 3;
    const char *end = auth + strcspn(auth, "/?#");
    at = memchr(auth, '@', (size_t)(end - auth));
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
      snprintf(out, cap, "%.*s:***%s", (int)(colon - url), url, at);
      return;
    }
    snprintf(out, cap, "%s", url);
    return;
  }
  /* libpq key=value form: mask the value of password=... */
  pw = strstr(url, "password=");
  if (pw) {
    const char *rest = pw + 9;
    if (*rest == '\'') {
      rest++;
      while (*rest && *rest != '\'') rest += (*rest == '\\' && rest[1]) ? 2 : 1;
      if (*rest) rest++;
    } else {
      while (*rest && !isspace((unsigned char)*rest)) rest++;
    }
    snprintf(out, cap, "%.*spassword=***%s", (int)(pw - url), url, rest);
    return;
  }
  snprintf(out, cap, "%s", url);
}
