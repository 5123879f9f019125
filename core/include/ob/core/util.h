/* Small helpers every area needs: clocks, strict number parsing, whole-file reads. */
#ifndef OB_CORE_UTIL_H
#define OB_CORE_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct ob_err;
struct ob_buf;

#define OB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

uint64_t ob_mono_ms(void);  /* monotonic clock, milliseconds */
uint64_t ob_mono_ns(void);
uint64_t ob_unix_s(void);   /* wall clock, seconds since the epoch */
void ob_sleep_ms(uint64_t ms);

/* Strict decimal: digits only (no sign, no spaces, no leading '+'), fits in uint64.
 * what names the value in the error: "--nonce: expected a decimal integer, got 'x'". */
int ob_parse_u64(uint64_t *out, const char *s, const char *what, struct ob_err *err);

/* Read a whole file into out (appended), failing with OB_ELIMIT past max bytes.
 * Errors name the path: "cannot read 'x.json': No such file or directory" (OB_ENOENT / OB_EIO). */
int ob_file_read(const char *path, struct ob_buf *out, size_t max, struct ob_err *err);
/* Write data to path atomically (temp file + fsync + rename), mode as given. */
int ob_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         struct ob_err *err);

bool ob_str_starts(const char *s, const char *prefix);
bool ob_str_ends(const char *s, const char *suffix);
/* The candidate nearest to a mistyped word ("pni" -> "pin", "endpont" -> "endpoints"), or NULL when
 * none is close: edit distance (insert, delete, substitute, swap two neighbours) at most 1 for words
 * of up to 4 letters, 2 up to 8, else 3; or the word is a prefix of exactly one candidate. The
 * candidates are read through get(ctx, i) for i < n; the first of the nearest wins. */
const char *ob_str_nearest(const char *word, const char *(*get)(const void *ctx, size_t i), const void *ctx,
                           size_t n);
/* Constant-time comparison of n bytes. */
bool ob_ct_equal(const void *a, const void *b, size_t n);
#endif
