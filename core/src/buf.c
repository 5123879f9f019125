#include "ob/core/buf.h"

#include <stdio.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"

static char ob_buf_empty[1];

void ob_buf_init(struct ob_buf *b, size_t max) {
  b->buf = ob_buf_empty;
  b->len = 0;
  b->alloc = 0;
  b->max = max ? max : OB_BUF_MAX_DEFAULT;
}

void ob_buf_release(struct ob_buf *b) {
  if (b->alloc) ob_free(b->buf);
  ob_buf_init(b, b->max);
}

void ob_buf_reset(struct ob_buf *b) {
  b->len = 0;
  b->buf[0] = '\0';
}

int ob_buf_grow(struct ob_buf *b, size_t extra) {
  size_t need, cap;
  char *p;
  if (extra > b->max - b->len) {
    ob_buf_release(b);
    return OB_ELIMIT;
  }
  need = b->len + extra + 1;
  if (need <= b->alloc) return 0;
  cap = b->alloc ? b->alloc : 64;
  while (cap < need) cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
  if (cap > b->max + 1) cap = b->max + 1;
  p = ob_realloc(b->alloc ? b->buf : NULL, cap);
  if (!p) {
    ob_buf_release(b);
    return OB_ENOMEM;
  }
  if (!b->alloc) p[0] = '\0';
  b->buf = p;
  b->alloc = cap;
  return 0;
}

int ob_buf_add(struct ob_buf *b, const void *p, size_t n) {
  int rc = ob_buf_grow(b, n);
  if (rc) return rc;
  if (n) memcpy(b->buf + b->len, p, n);
  b->len += n;
  b->buf[b->len] = '\0';
  return 0;
}

int ob_buf_addstr(struct ob_buf *b, const char *s) { return ob_buf_add(b, s, strlen(s)); }

int ob_buf_addch(struct ob_buf *b, char c) { return ob_buf_add(b, &c, 1); }

int ob_buf_vaddf(struct ob_buf *b, const char *fmt, va_list ap) {
  va_list cp;
  int n, rc;
  va_copy(cp, ap);
  n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (n < 0) return OB_EINVAL;
  rc = ob_buf_grow(b, (size_t)n);
  if (rc) return rc;
  vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int ob_buf_addf(struct ob_buf *b, const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = ob_buf_vaddf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *ob_buf_detach(struct ob_buf *b, size_t *len_out) {
  char *p;
  if (len_out) *len_out = b->len;
  if (b->alloc) {
    p = b->buf;
  } else {
    p = ob_malloc(1);
    if (p) p[0] = '\0';
  }
  ob_buf_init(b, b->max);
  return p;
}

void ob_buf_consume(struct ob_buf *b, size_t n) {
  if (n >= b->len) {
    ob_buf_reset(b);
    return;
  }
  memmove(b->buf, b->buf + n, b->len - n);
  b->len -= n;
  b->buf[b->len] = '\0';
}
