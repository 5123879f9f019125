/* Bounded growable byte buffer (curl dynbuf, git strbuf).
 *
 * Invariants: b->buf is never NULL (points at a static "" when empty) and is always
 * NUL-terminated, so it can be used as a C string; len <= max. A failed append (over max or out
 * of memory) frees the contents, leaves the buffer empty and reusable, and returns OB_ELIMIT or
 * OB_ENOMEM. */
#ifndef OB_CORE_BUF_H
#define OB_CORE_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct ob_buf {
  char *buf;
  size_t len;
  size_t alloc; /* 0 while buf points at the static empty string */
  size_t max;   /* ceiling on len */
};

#define OB_BUF_MAX_DEFAULT ((size_t)64 << 20)

void ob_buf_init(struct ob_buf *b, size_t max); /* no allocation */
void ob_buf_release(struct ob_buf *b);          /* frees; buffer is reusable (empty) */
void ob_buf_reset(struct ob_buf *b);            /* len = 0, keeps the allocation */
int ob_buf_add(struct ob_buf *b, const void *p, size_t n);
int ob_buf_addstr(struct ob_buf *b, const char *s);
int ob_buf_addch(struct ob_buf *b, char c);
int ob_buf_addf(struct ob_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ob_buf_vaddf(struct ob_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int ob_buf_grow(struct ob_buf *b, size_t extra); /* make room for extra more bytes */
/* Hand the contents to the caller (owned, free with ob_free; never NULL unless out of memory) and
 * reinitialise the buffer with the same max. *len_out may be NULL. */
char *ob_buf_detach(struct ob_buf *b, size_t *len_out);
/* Drop the first n bytes. */
void ob_buf_consume(struct ob_buf *b, size_t n);
#endif
