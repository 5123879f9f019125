/* All allocation goes through these, so tests can fail allocation N (libuv uv_replace_allocator).
 * ob_set_allocator is called once at start, before any other call. */
#ifndef OB_CORE_ALLOC_H
#define OB_CORE_ALLOC_H
#include <stddef.h>

void *ob_malloc(size_t n);
void *ob_calloc(size_t count, size_t n);
void *ob_realloc(void *p, size_t n);
void ob_free(void *p);
char *ob_strdup(const char *s);          /* NULL if s is NULL or out of memory */
char *ob_strndup(const char *s, size_t n);

struct ob_allocator {
  void *(*malloc_fn)(size_t);
  void *(*realloc_fn)(void *, size_t);
  void (*free_fn)(void *);
};
/* Replace the allocator; NULL restores libc's. */
void ob_set_allocator(const struct ob_allocator *a);

/* Overwrite memory holding secrets in a way the compiler cannot drop (secp256k1 memclear). */
void ob_memclear(void *p, size_t n);
#endif
