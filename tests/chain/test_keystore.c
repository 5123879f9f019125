/* Keystore: the spec's v3 vectors, round trips, and every bad-input error. */
#include <stdlib.h>
#include <string.h>

#include "ob/chain/keystore.h"
#include "ob/chain/signer.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob_test.h"
#include "../../chain/src/keystore_int.h"

static const char anvil0[] = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

static struct ob_json *load(const char *rel) {
  struct ob_buf b;
  struct ob_json *j = NULL;
  ob_buf_init(&b, 1 << 20);
  if (ob_file_read(ob_test_src(rel), &b, 1 << 20, NULL) || ob_json_parse(&j, b.buf, b.len, NULL, NULL)) abort();
  ob_buf_release(&b);
  return j;
}

static void dump(struct ob_buf *b, const struct ob_json *v) {
  ob_buf_init(b, 1 << 20);
  if (ob_json_dump(b, v)) abort();
}

OB_TEST(keystore_spec_vectors) {
  struct ob_json *all = load("tests/vectors/keystore/basic_tests.json");
  for (size_t i = 0; i < all->len; i++) {
    const struct ob_json *c = all->items[i];
    const char *pw = ob_json_string(ob_json_get(c, "password"));
    uint8_t want[32], got[32];
    struct ob_buf doc;
    struct ob_err e;
    int rc;
    dump(&doc, ob_json_get(c, "json"));
    ob_hex_decode_fixed(want, 32, ob_json_string(ob_json_get(c, "priv")), NULL);
    ob_err_clear(&e);
    rc = chain_keystore_decrypt(got, doc.buf, doc.len, pw, strlen(pw), NULL, all->keys[i], &e);
    OB_CHECK_MSG(rc == 0, "%s: %s", all->keys[i], e.msg);
    OB_CHECK_MEM(got, want, 32);
    ob_err_clear(&e);
    OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "testpasswore", 12, NULL, all->keys[i], &e), OB_EAUTH);
    OB_CHECK_MSG(strcmp(e.msg, "wrong password for keystore 'test1'") == 0 ||
                 strcmp(e.msg, "wrong password for keystore 'test2'") == 0, "message: %s", e.msg);
    ob_buf_release(&doc);
  }
  ob_json_free(all);
}

OB_TEST(keystore_v2_cbc_refused) {
  struct ob_json *all = load("tests/vectors/keystore/pbkdf2_test.json");
  struct ob_buf doc;
  struct ob_err e;
  uint8_t k[32];
  dump(&doc, ob_json_get(all->items[0], "json"));
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(k, doc.buf, doc.len, "testpassword", 12, NULL, "old.json", &e), OB_EUNSUP);
  OB_CHECK_CONTAINS(e.msg, "keystore 'old.json': version 2 is not supported");
  ob_buf_release(&doc);
  ob_json_free(all);
}

/* Encrypt with light scrypt parameters and the anvil key; returns the document. */
static void make(struct ob_buf *doc, struct chain_signer *s, uint8_t key[32], const char *pw) {
  struct chain_keystore_opts o;
  uint8_t a[20];
  ob_hex_decode_fixed(key, 32, anvil0, NULL);
  if (chain_key_address(s, a, key, NULL)) abort();
  chain_keystore_opts_init(&o);
  o.scrypt_n = 1024;
  ob_buf_init(doc, 1 << 16);
  if (chain_keystore_encrypt(doc, key, a, pw, strlen(pw), &o, NULL)) abort();
}

/* Replace the first occurrence of from by to in doc (same length or not). */
static void edit(struct ob_buf *doc, const char *from, const char *to) {
  char *p = strstr(doc->buf, from);
  struct ob_buf n;
  if (!p) abort();
  ob_buf_init(&n, 1 << 16);
  ob_buf_add(&n, doc->buf, (size_t)(p - doc->buf));
  ob_buf_addstr(&n, to);
  ob_buf_addstr(&n, p + strlen(from));
  ob_buf_release(doc);
  *doc = n;
}

OB_TEST(keystore_roundtrip_and_inspect) {
  struct chain_signer *s = NULL;
  struct ob_buf doc;
  struct chain_keystore_info info;
  uint8_t key[32], got[32], a[20];
  OB_REQUIRE(chain_signer_new(&s, NULL) == 0);
  make(&doc, s, key, "pässwörd");
  OB_CHECK_EQ(chain_keystore_inspect(&info, doc.buf, doc.len, "k", NULL), 0);
  OB_CHECK(info.has_address);
  chain_key_address(s, a, key, NULL);
  OB_CHECK_MEM(info.address, a, 20);
  OB_CHECK_STR(info.kdf, "scrypt");
  OB_CHECK_EQ(strlen(info.id), 36);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pässwörd", strlen("pässwörd"), s, "k", NULL), 0);
  OB_CHECK_MEM(got, key, 32);
  OB_CHECK(strstr(doc.buf, anvil0) == NULL); /* the key is not in the clear */
  ob_buf_release(&doc);
  chain_signer_free(s);
}

OB_TEST(keystore_bad_inputs) {
  struct chain_signer *s = NULL;
  struct ob_buf doc;
  struct ob_err e;
  uint8_t key[32], got[32];
  char *mac;
  OB_REQUIRE(chain_signer_new(&s, NULL) == 0);
  /* Unknown KDF. */
  make(&doc, s, key, "pw");
  edit(&doc, "\"kdf\":\"scrypt\"", "\"kdf\":\"argon2id\"");
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pw", 2, s, "x.json", &e), OB_EUNSUP);
  OB_CHECK_STR(e.msg, "keystore 'x.json': unknown kdf 'argon2id' (expected scrypt or pbkdf2)");
  ob_buf_release(&doc);
  /* Tampered MAC (one digit changed): indistinguishable from a wrong password. */
  make(&doc, s, key, "pw");
  mac = strstr(doc.buf, "\"mac\":\"") + 7;
  *mac = *mac == '0' ? '1' : '0';
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pw", 2, s, "x.json", &e), OB_EAUTH);
  OB_CHECK_STR(e.msg, "wrong password for keystore 'x.json'");
  /* Truncated MAC. */
  memmove(mac + 1, mac + 64, strlen(mac + 64) + 1);
  doc.len = strlen(doc.buf);
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pw", 2, s, "x.json", &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "keystore 'x.json': crypto.mac is not 32 bytes of hex");
  ob_buf_release(&doc);
  /* Wrong password. */
  make(&doc, s, key, "pw");
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pX", 2, s, "x.json", &e), OB_EAUTH);
  OB_CHECK_STR(e.msg, "wrong password for keystore 'x.json'");
  /* Address field that does not match the key. */
  edit(&doc, "\"address\":\"f", "\"address\":\"0");
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pw", 2, s, "x.json", &e), OB_EMISMATCH);
  OB_CHECK_CONTAINS(e.msg, "the key is for 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 but the file says");
  /* Memory-hungry scrypt parameters are refused before any work. */
  edit(&doc, "\"n\":1024", "\"n\":1073741824");
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_keystore_decrypt(got, doc.buf, doc.len, "pw", 2, s, "x.json", &e), OB_ELIMIT);
  OB_CHECK_STR(e.msg, "keystore 'x.json': scrypt parameters need more than 1024 MiB");
  ob_buf_release(&doc);
  /* Not JSON, not an object, missing crypto. */
  OB_CHECK_EQ(chain_keystore_decrypt(got, "{", 1, "pw", 2, s, "y", &e), OB_EPARSE);
  OB_CHECK_CONTAINS(e.msg, "keystore 'y' is not JSON");
  OB_CHECK_EQ(chain_keystore_decrypt(got, "{\"version\":3}", 13, "pw", 2, s, "y", &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "keystore 'y': crypto is missing or not an object");
  chain_signer_free(s);
}

OB_TEST(keystore_bad_write_options) {
  struct chain_keystore_opts o;
  struct ob_buf doc;
  uint8_t k[32] = {1}, a[20] = {0};
  chain_keystore_opts_init(&o);
  o.scrypt_n = 1000;
  ob_buf_init(&doc, 1 << 16);
  OB_CHECK_EQ(chain_keystore_encrypt(&doc, k, a, "p", 1, &o, NULL), OB_EINVAL);
  ob_buf_release(&doc);
}

/* The own ROMix (used where OpenSSL refuses small r) equals RFC 7914 and OpenSSL. */
OB_TEST(keystore_scrypt_own_equals_openssl) {
  static const char rfc[] = "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906";
  static const char rfc2[] = "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                             "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
  uint8_t a[64], b[64], want[64];
  OB_CHECK_EQ(chain__scrypt(a, 64, "", 0, (const uint8_t *)"", 0, 16, 1, 1, CHAIN__SCRYPT_OWN), 0);
  ob_hex_decode_fixed(want, 64, rfc, NULL);
  OB_CHECK_MEM(a, want, 64);
  OB_CHECK_EQ(chain__scrypt(a, 64, "password", 8, (const uint8_t *)"NaCl", 4, 1024, 8, 16, CHAIN__SCRYPT_OWN), 0);
  ob_hex_decode_fixed(want, 64, rfc2, NULL);
  OB_CHECK_MEM(a, want, 64);
  ob_test_rng_seed(7);
  for (int i = 0; i < 20; i++) {
    uint8_t salt[32];
    char pw[16];
    uint32_t r = 1 + (uint32_t)(ob_test_rand() % 4), p = 1 + (uint32_t)(ob_test_rand() % 3);
    uint64_t n = (uint64_t)2 << (ob_test_rand() % 9);
    ob_test_rand_bytes(salt, sizeof(salt));
    ob_test_rand_bytes(pw, sizeof(pw));
    OB_CHECK_EQ(chain__scrypt(a, 32, pw, sizeof(pw), salt, 32, n, r, p, CHAIN__SCRYPT_OWN), 0);
    OB_CHECK_EQ(chain__scrypt(b, 32, pw, sizeof(pw), salt, 32, n, r, p, CHAIN__SCRYPT_OPENSSL), 0);
    OB_CHECK_MSG(memcmp(a, b, 32) == 0, "n=%llu r=%u p=%u differ", (unsigned long long)n, r, p);
  }
}
