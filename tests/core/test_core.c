#include <stdlib.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/log.h"
#include "ob/core/sha256.h"
#include "ob/core/util.h"
#include "ob_test.h"

OB_TEST(err_prefix_chains) {
  struct ob_err err;
  ob_err_clear(&err);
  OB_CHECK_EQ(ob_err_set(&err, OB_EINVAL, "expected a %s URL", "ws://"), OB_EINVAL);
  OB_CHECK_EQ(ob_err_prefix(&err, OB_EINVAL, ".chain.endpoints[%d].url", 1), OB_EINVAL);
  OB_CHECK_EQ(ob_err_prefix(&err, OB_EINVAL, "config"), OB_EINVAL);
  OB_CHECK_STR(err.msg, "config: .chain.endpoints[1].url: expected a ws:// URL");
  OB_CHECK_STR(ob_errname(OB_ETIMEDOUT), "ETIMEDOUT");
  OB_CHECK_EQ(ob_err_exit_code(OB_ETIMEDOUT), 3);
  OB_CHECK_EQ(ob_err_exit_code(OB_EUNREACH), 3);
  OB_CHECK_EQ(ob_err_exit_code(OB_EPARSE), 2);
  OB_CHECK_EQ(ob_err_exit_code(OB_ECHECK), 1);
  OB_CHECK_EQ(ob_err_exit_code(0), 0);
  OB_CHECK_STR(ob_err_msg(NULL, OB_ENOMEM), "out of memory");
}

OB_TEST(buf_ceiling_frees_and_stays_usable) {
  struct ob_buf b;
  ob_buf_init(&b, 8);
  OB_CHECK_STR(b.buf, "");
  OB_CHECK_EQ(ob_buf_addstr(&b, "12345678"), 0);
  OB_CHECK_STR(b.buf, "12345678");
  OB_CHECK_EQ(ob_buf_addch(&b, '9'), OB_ELIMIT);
  OB_CHECK_EQ(b.len, 0);
  OB_CHECK_STR(b.buf, "");
  OB_CHECK_EQ(ob_buf_addf(&b, "%d-%s", 42, "x"), 0);
  OB_CHECK_STR(b.buf, "42-x");
  ob_buf_consume(&b, 3);
  OB_CHECK_STR(b.buf, "x");
  ob_buf_release(&b);
  OB_CHECK(b.buf != NULL);
}

OB_TEST(hex_roundtrip_and_errors) {
  uint8_t out[4];
  char text[11];
  size_t n = 0;
  struct ob_err err;
  ob_err_clear(&err);
  OB_CHECK_EQ(ob_hex_decode(out, sizeof(out), &n, "0xDEADbeef", 10, &err), 0);
  OB_CHECK_EQ(n, 4);
  ob_hex_encode0x(text, out, 4);
  OB_CHECK_STR(text, "0xdeadbeef");
  OB_CHECK_EQ(ob_hex_decode(out, sizeof(out), &n, "abc", 3, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "odd-length hex");
  OB_CHECK_EQ(ob_hex_decode(out, sizeof(out), &n, "0xzz", 4, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "invalid hex digit at position 2");
  OB_CHECK_EQ(ob_hex_decode(out, sizeof(out), &n, "0011223344", 10, &err), OB_ESPACE);
  OB_CHECK_EQ(ob_hex_decode_fixed(out, 4, "0x001122", &err), OB_EPARSE);
  OB_CHECK_EQ(ob_hex_decode(out, sizeof(out), &n, "0x", 2, &err), 0);
  OB_CHECK_EQ(n, 0);
}

static char logged[4096];
static void capture(void *ud, const char *line, size_t len) {
  size_t cur = strlen(logged);
  snprintf(logged + cur, sizeof(logged) - cur, "%.*s", (int)len, line);
}

OB_TEST(log_never_prints_secrets) {
  logged[0] = '\0';
  ob_log_set_sink(capture, NULL);
  ob_log_set_level(OB_LOG_INFO);
  OB_LOG(OB_LOG_INFO, "test", "opened keystore", "path", "/k.json", "password", "hunter2",
         "!seed", "abandon abandon", "Private_Key", "0xac09", NULL);
  OB_LOG(OB_LOG_DEBUG, "test", "hidden below the level", NULL);
  ob_log_set_sink(NULL, NULL);
  OB_CHECK_CONTAINS(logged, "level=info sys=test msg=\"opened keystore\" path=/k.json");
  OB_CHECK_CONTAINS(logged, "password=[redacted]");
  OB_CHECK_CONTAINS(logged, "seed=[redacted]");
  OB_CHECK_CONTAINS(logged, "Private_Key=[redacted]");
  OB_CHECK(strstr(logged, "hunter2") == NULL);
  OB_CHECK(strstr(logged, "abandon") == NULL);
  OB_CHECK(strstr(logged, "0xac09") == NULL);
  OB_CHECK(strstr(logged, "hidden") == NULL);
}

/* The before-write hook runs before each line reaches the sink (a progress bar clears its line). */
static void mark_before(void *ud) {
  size_t cur = strlen(logged);
  (*(int *)ud)++;
  snprintf(logged + cur, sizeof(logged) - cur, "<cleared>");
}

OB_TEST(log_before_write_hook_runs_first) {
  int calls = 0;
  logged[0] = '\0';
  ob_log_set_sink(capture, NULL);
  ob_log_set_level(OB_LOG_INFO);
  ob_log_set_before_write(mark_before, &calls);
  OB_LOG(OB_LOG_WARN, "test", "one", NULL);
  OB_LOG(OB_LOG_DEBUG, "test", "below the level", NULL);
  ob_log_set_before_write(NULL, NULL);
  OB_LOG(OB_LOG_WARN, "test", "two", NULL);
  ob_log_set_sink(NULL, NULL);
  OB_CHECK_EQ(calls, 1);
  OB_CHECK(strncmp(logged, "<cleared>ts=", 12) == 0);
  OB_CHECK(strstr(logged, "<cleared>") == strrchr(logged, '<'));
}

OB_TEST(log_redacts_url_passwords) {
  char out[256];
  ob_log_redact_url(out, sizeof(out), "postgresql://user:s3cret@db.example:5432/ob?sslmode=require");
  OB_CHECK_STR(out, "postgresql://user:***@db.example:5432/ob?sslmode=require");
  ob_log_redact_url(out, sizeof(out), "host=db user=u password='a b' dbname=x");
  OB_CHECK_STR(out, "host=db user=u password=*** dbname=x");
  ob_log_redact_url(out, sizeof(out), "ws://127.0.0.1:8545");
  OB_CHECK_STR(out, "ws://127.0.0.1:8545");
}

OB_TEST(sha256_known_answers) {
  uint8_t h[32];
  char hex[65];
  struct ob_sha256 s;
  ob_sha256(h, "abc", 3);
  ob_hex_encode(hex, h, 32);
  OB_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  OB_REQUIRE(ob_sha256_init(&s) == 0);
  ob_sha256_update(&s, "a", 1);
  ob_sha256_update(&s, "bc", 2);
  ob_sha256_final(&s, h);
  ob_hex_encode(hex, h, 32);
  OB_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

OB_TEST(parse_u64_strict) {
  uint64_t v;
  struct ob_err err;
  OB_CHECK_EQ(ob_parse_u64(&v, "18446744073709551615", "--n", &err), 0);
  OB_CHECK(v == UINT64_MAX);
  OB_CHECK_EQ(ob_parse_u64(&v, "18446744073709551616", "--n", &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "out of range");
  OB_CHECK_EQ(ob_parse_u64(&v, "-1", "--nonce", &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "--nonce: expected a decimal integer, got '-1'");
  OB_CHECK_EQ(ob_parse_u64(&v, "", "--n", &err), OB_EINVAL);
}

static int fail_after = -1;
static void *failing_malloc(size_t n) { return fail_after-- == 0 ? NULL : malloc(n); }
static void *failing_realloc(void *p, size_t n) { return fail_after-- == 0 ? NULL : realloc(p, n); }

OB_TEST(buf_survives_allocation_failure) {
  struct ob_allocator a = {failing_malloc, failing_realloc, free};
  struct ob_buf b;
  ob_set_allocator(&a);
  ob_buf_init(&b, 1 << 20);
  fail_after = 0;
  OB_CHECK_EQ(ob_buf_addstr(&b, "hello"), OB_ENOMEM);
  OB_CHECK_EQ(b.len, 0);
  fail_after = -1;
  OB_CHECK_EQ(ob_buf_addstr(&b, "hello"), 0);
  OB_CHECK_STR(b.buf, "hello");
  ob_buf_release(&b);
  ob_set_allocator(NULL);
}
