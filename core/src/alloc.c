#include "ob/core/alloc.h"

#include <stdlib.h>
#include <string.h>

static struct ob_allocator alloc_hooks = {malloc, realloc, free};

void ob_set_allocator(const struct ob_allocator *a) {
  if (a) alloc_hooks = *a;
  else alloc_hooks = (struct ob_allocator){malloc, realloc, free};
}

void *ob_malloc(size_t n) { return alloc_hooks.malloc_fn(n ? n : 1); }

void *ob_calloc(size_t count, size_t n) {
  void *p;
  if (n && count > (size_t)-1 / n) return NULL;
  p = ob_malloc(count * n);
  if (p) memset(p, 0, count * n);
  return p;
}

void *ob_realloc(void *p, size_t n) { return alloc_hooks.realloc_fn(p, n ? n : 1); }

void ob_free(void *p) {
  if (p) alloc_hooks.free_fn(p);
}

char *ob_strndup(const char *s, size_t n) {
  char *d;
  if (!s) return NULL;
  d = ob_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *ob_strdup(const char *s) { return s ? ob_strndup(s, strlen(s)) : NULL; }

void ob_memclear(void *p, size_t n) {
  /* A volatile function pointer keeps the compiler from proving the memset dead. */
  static void *(*const volatile memset_v)(void *, int, size_t) = memset;
  if (p && n) memset_v(p, 0, n);
}
