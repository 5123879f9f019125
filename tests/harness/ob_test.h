/* A tiny test registry (secp256k1/libuv style).
 *
 *   OB_TEST(hex_roundtrip) { OB_CHECK(x == 1); OB_CHECK_STR(a, "b"); }
 *   OB_TEST_MAIN()
 *
 * Each OB_TEST line must start at column 0: CMake scans for them and registers one CTest test per
 * case (`test_AREA --only CASE`). `--list` prints the cases. A failed check prints file:line and
 * the values, and the case fails (the remaining checks still run). */
#ifndef OB_TEST_H
#define OB_TEST_H
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct ob_test_case {
  const char *name;
  void (*fn)(void);
  struct ob_test_case *next;
};
void ob_test_register(struct ob_test_case *tc);
extern int ob_test_failures;
void ob_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define OB_TEST(name)                                                              \
  static void test_##name(void);                                                   \
  static struct ob_test_case tc_##name = {#name, test_##name, NULL};               \
  __attribute__((constructor)) static void reg_##name(void) { ob_test_register(&tc_##name); } \
  static void test_##name(void)

#define OB_CHECK(cond) \
  do { if (!(cond)) ob_test_fail(__FILE__, __LINE__, "check failed: %s", #cond); } while (0)
#define OB_CHECK_MSG(cond, ...) \
  do { if (!(cond)) ob_test_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define OB_CHECK_EQ(a, b)                                                               \
  do { long long a_ = (long long)(a), b_ = (long long)(b);                              \
       if (a_ != b_) ob_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); } while (0)
#define OB_CHECK_STR(a, b)                                                              \
  do { const char *a_ = (a), *b_ = (b);                                                 \
       if (!a_ || !b_ || strcmp(a_, b_) != 0)                                           \
         ob_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,          \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define OB_CHECK_CONTAINS(hay, needle)                                                  \
  do { const char *h_ = (hay), *n_ = (needle);                                          \
       if (!h_ || !strstr(h_, n_))                                                      \
         ob_test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_); } while (0)
#define OB_CHECK_MEM(a, b, n)                                                           \
  do { if (memcmp((a), (b), (n)) != 0) ob_test_fail(__FILE__, __LINE__, "%s and %s differ", #a, #b); } while (0)
/* Stop the case at once (for preconditions whose failure makes the rest meaningless). */
#define OB_REQUIRE(cond) \
  do { if (!(cond)) { ob_test_fail(__FILE__, __LINE__, "required: %s", #cond); return; } } while (0)

/* ---- helpers for tests ---- */
/* Path under the source tree (OB_SOURCE_DIR) — static buffer, valid until the next call. */
const char *ob_test_src(const char *rel);
/* A fresh temporary directory for this case (removed at exit unless the case failed). */
const char *ob_test_tmpdir(void);
/* A peer setting: the environment variable if set, else the line `export NAME=...` in
 * $OB_PEERS_DIR/env. NULL if neither (the case then fails with a clear message). */
const char *ob_test_peer(const char *name);
/* A fresh empty database on the test cluster; returns its URL (static, valid until next call). */
const char *ob_test_fresh_db(void);
/* Deterministic pseudo-random numbers (xoshiro256**), seeded by OB_TEST_SEED or the given seed. */
void ob_test_rng_seed(uint64_t seed);
uint64_t ob_test_rand(void);
void ob_test_rand_bytes(void *out, size_t n);
/* Run a command line through /bin/sh, capturing stdout (and stderr if err_out) into malloc'd
 * strings. Returns the exit status (or -1). */
int ob_test_sh(char **out, char **err_out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
