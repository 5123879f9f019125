/* EIP-712: the Mail example, the protocol fast paths against the generic path, bad input. */
#include <stdlib.h>
#include <string.h>

#include "ob/chain/eip712.h"
#include "ob/chain/keccak.h"
#include "ob/chain/signer.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob_test.h"

static void unhex32(uint8_t out[32], const char *h) {
  if (ob_hex_decode_fixed(out, 32, h, NULL)) abort();
}

static void read_src(struct ob_buf *b, const char *rel) {
  ob_buf_init(b, 1 << 20);
  if (ob_file_read(ob_test_src(rel), b, 1 << 20, NULL)) abort();
}

OB_TEST(eip712_mail_example) {
  struct ob_buf doc, et;
  struct ob_json *j = NULL;
  struct chain_eip712_hashes h;
  struct chain_signer *s = NULL;
  uint8_t want[32], key[32], sig[65];
  struct ob_err e;
  read_src(&doc, "tests/vectors/eip712/mail.json");
  ob_err_clear(&e);
  OB_REQUIRE(chain_eip712_hash_json(&h, doc.buf, doc.len, &e) == 0);
  unhex32(want, "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
  OB_CHECK_MEM(h.domain_separator, want, 32);
  unhex32(want, "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
  OB_CHECK_MEM(h.message_hash, want, 32);
  unhex32(want, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
  OB_CHECK_MEM(h.digest, want, 32);
  OB_REQUIRE(ob_json_parse(&j, doc.buf, doc.len, NULL, NULL) == 0);
  ob_buf_init(&et, 4096);
  OB_CHECK_EQ(chain_eip712_encode_type(&et, ob_json_get(j, "types"), "Mail", NULL), 0);
  OB_CHECK_STR(et.buf, "Mail(Person from,Person to,string contents)Person(string name,address wallet)");
  /* The EIP's signature, by keccak256("cow"). */
  chain_keccak256(key, "cow", 3);
  OB_REQUIRE(chain_signer_new(&s, NULL) == 0);
  OB_CHECK_EQ(chain_sign(s, sig, h.digest, key, NULL), 0);
  unhex32(want, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d");
  OB_CHECK_MEM(sig, want, 32);
  unhex32(want, "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562");
  OB_CHECK_MEM(sig + 32, want, 32);
  OB_CHECK_EQ(sig[64], 28);
  chain_signer_free(s);
  ob_buf_release(&et);
  ob_json_free(j);
  ob_buf_release(&doc);
}

/* Without types.EIP712Domain the domain type is inferred from the domain's fields. */
OB_TEST(eip712_inferred_domain) {
  struct ob_buf doc;
  struct chain_eip712_hashes a, b;
  char *p, *q;
  read_src(&doc, "tests/vectors/eip712/mail.json");
  OB_REQUIRE(chain_eip712_hash_json(&a, doc.buf, doc.len, NULL) == 0);
  p = strstr(doc.buf, "\"EIP712Domain\"");
  q = strstr(p, "],") + 2;
  memmove(p, q, strlen(q) + 1);
  doc.len = strlen(doc.buf);
  OB_CHECK_EQ(chain_eip712_hash_json(&b, doc.buf, doc.len, NULL), 0);
  OB_CHECK_MEM(a.digest, b.digest, 32);
  ob_buf_release(&doc);
}

static void random_text(char *out, size_t max) {
  static const char cs[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  size_t n = 1 + ob_test_rand() % (max - 1);
  for (size_t i = 0; i < n; i++) out[i] = cs[ob_test_rand() % (sizeof(cs) - 1)];
  out[n] = '\0';
}

/* The fast paths give what the generic path gives for the same document. */
OB_TEST(eip712_fast_paths_equal_generic) {
  uint64_t seed = 712;
  ob_test_rng_seed(seed);
  printf("seed %llu\n", (unsigned long long)seed);
  for (int i = 0; i < 500; i++) {
    char cid[64], name[32], ver[16];
    uint8_t reg[20], fast[32], fast_m[32];
    uint64_t chain_id = ob_test_rand() >> (ob_test_rand() % 64);
    struct chain_commitment c = {.round = ob_test_rand(), .cid = cid, .timestamp = ob_test_rand() >> 20,
                                 .count = (uint32_t)ob_test_rand()};
    struct chain_model_entry m = {.name = name, .version = ver, .cid = cid, .size = ob_test_rand()};
    struct chain_eip712_hashes h, hm;
    struct ob_buf doc, docm;
    struct ob_err e;
    random_text(cid, sizeof(cid));
    random_text(name, sizeof(name));
    random_text(ver, sizeof(ver));
    ob_test_rand_bytes(reg, 20);
    ob_test_rand_bytes(c.root, 32);
    ob_test_rand_bytes(m.sha256, 32);
    ob_buf_init(&doc, 1 << 16);
    ob_buf_init(&docm, 1 << 16);
    OB_REQUIRE(chain_eip712_commitment_json(&doc, chain_id, reg, &c) == 0);
    OB_REQUIRE(chain_eip712_model_entry_json(&docm, chain_id, reg, &m) == 0);
    ob_err_clear(&e);
    OB_REQUIRE(chain_eip712_hash_json(&h, doc.buf, doc.len, &e) == 0);
    OB_REQUIRE(chain_eip712_hash_json(&hm, docm.buf, docm.len, &e) == 0);
    chain_eip712_commitment_digest(fast, chain_id, reg, &c);
    chain_eip712_model_entry_digest(fast_m, chain_id, reg, &m);
    OB_CHECK_MSG(memcmp(fast, h.digest, 32) == 0, "case %d: commitment %s", i, doc.buf);
    OB_CHECK_MSG(memcmp(fast_m, hm.digest, 32) == 0, "case %d: model entry %s", i, docm.buf);
    ob_buf_release(&doc);
    ob_buf_release(&docm);
  }
}

/* A commitment digest signed by cast, from the document chain_eip712_commitment_json writes:
 * cast wallet sign --data --from-file --private-key <anvil 0> on round 42, root 0x11..11,
 * cid "bafkreiexample", timestamp 1764000000, count 3, chain 31337, registry 0x5FbDB…0aa3. */
OB_TEST(eip712_commitment_kat) {
  struct chain_commitment c = {.round = 42, .cid = "bafkreiexample", .timestamp = 1764000000, .count = 3};
  struct chain_signer *s = NULL;
  uint8_t reg[20], d[32], key[32], sig[65], want[65];
  memset(c.root, 0x11, 32);
  OB_REQUIRE(chain_addr_parse(reg, "0x5FbDB2315678afecb367f032d93F642f64180aa3", NULL) == 0);
  unhex32(key, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  chain_eip712_commitment_digest(d, 31337, reg, &c);
  OB_REQUIRE(chain_signer_new(&s, NULL) == 0);
  OB_CHECK_EQ(chain_sign(s, sig, d, key, NULL), 0);
  OB_REQUIRE(ob_hex_decode_fixed(want, 65, "1e056fc4d144ba0d33bf6c9006c1b755d06ce688b59a682e788a603d4381cc026e911dd0aa4e71d785bb9ea43a6eb180ca0a3e9e2a6668018723101fea97df9f1b", NULL) == 0);
  OB_CHECK_MEM(sig, want, 65);
  chain_signer_free(s);
}

static int hash_text(const char *json, struct ob_err *e) {
  struct chain_eip712_hashes h;
  ob_err_clear(e);
  return chain_eip712_hash_json(&h, json, strlen(json), e);
}

#define DOC(types, primary, msg)                                                                   \
  "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"}]," types "},"            \
  "\"primaryType\":\"" primary "\",\"domain\":{\"name\":\"x\"},\"message\":" msg "}"

OB_TEST(eip712_bad_inputs) {
  struct ob_err e;
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"uint8\"}]", "A", "{\"v\":256}"), &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "message.v: expected a uint8, got '256'");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"uint8\"}]", "A", "{\"v\":\"0xff\"}"), &e), 0);
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"int8\"}]", "A", "{\"v\":-129}"), &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "message.v: expected a int8, got '-129'");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"int8\"}]", "A", "{\"v\":-128}"), &e), 0);
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"Foo\"}]", "A", "{\"v\":1}"), &e), OB_EINVAL);
  OB_CHECK_STR(e.msg, "types.A.v: unknown type 'Foo'");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"uint7\"}]", "A", "{\"v\":1}"), &e), OB_EINVAL);
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"uint8[\"}]", "A", "{\"v\":1}"), &e), OB_EINVAL);
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"uint8[2]\"}]", "A", "{\"v\":[1]}"), &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "message.v: expected 2 elements, got 1");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"B[]\"}],\"B\":[{\"name\":\"w\",\"type\":\"address\"}]",
                            "A", "{\"v\":[{\"w\":\"0x12\"}]}"), &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "message.v[0].w: expected an address, got '0x12'");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"bytes4\"}]", "A", "{\"v\":\"0x1234\"}"), &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "message.v: expected bytes4 as 0x-hex, got '0x1234'");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"bytes\"}]", "A", "{\"v\":\"0x123\"}"), &e), OB_EPARSE);
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"bool\"}]", "A", "{}"), &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "message.v is missing");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\",\"type\":\"bool\"}]", "B", "{}"), &e), OB_EINVAL);
  OB_CHECK_STR(e.msg, "typed data: primaryType 'B' is not in types");
  OB_CHECK_EQ(hash_text(DOC("\"A\":[{\"name\":\"v\"}]", "A", "{}"), &e), OB_EINVAL);
  OB_CHECK_STR(e.msg, "types.A[0]: expected an object with string name and type");
  OB_CHECK_EQ(hash_text("{\"types\":1}", &e), OB_EPARSE);
  OB_CHECK_EQ(hash_text("[", &e), OB_EPARSE);
  OB_CHECK_CONTAINS(e.msg, "typed data is not JSON");
}

/* A struct that contains itself (through an array) hashes; deep values are refused, not crashed. */
OB_TEST(eip712_recursive_type) {
  struct ob_err e;
  struct ob_buf deep;
  OB_CHECK_EQ(hash_text(DOC("\"N\":[{\"name\":\"k\",\"type\":\"N[]\"}]", "N",
                            "{\"k\":[{\"k\":[]},{\"k\":[{\"k\":[]}]}]}"), &e), 0);
  ob_buf_init(&deep, 1 << 20);
  ob_buf_addstr(&deep, DOC("\"N\":[{\"name\":\"k\",\"type\":\"N[]\"}]", "N", ""));
  deep.len -= 1;
  for (int i = 0; i < 40; i++) ob_buf_addstr(&deep, "{\"k\":[");
  for (int i = 0; i < 40; i++) ob_buf_addstr(&deep, "]}");
  ob_buf_addch(&deep, '}');
  OB_CHECK(hash_text(deep.buf, &e) != 0);
  ob_buf_release(&deep);
}

/* The protocol's type strings, read as type descriptions, hash like the fast paths. */
OB_TEST(eip712_type_string_generic_equals_fast) {
  static const char types_str[] =
      "Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)"
      "ModelEntry(string name,string version,string cid,bytes32 sha256,uint64 size)";
  struct chain_commitment c = {.round = 7, .cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
                               .timestamp = 1764000000, .count = 12};
  struct chain_model_entry m = {.name = "llama", .version = "3.1", .cid = "bafkreiabc", .size = 1ull << 40};
  const char commit_msg[] = "{\"round\":7,\"root\":\"0x2222222222222222222222222222222222222222222222222222222222222222\","
                            "\"cid\":\"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi\",\"timestamp\":1764000000,\"count\":12}";
  const char model_msg[] = "{\"name\":\"llama\",\"version\":\"3.1\",\"cid\":\"bafkreiabc\",\"sha256\":"
                           "\"0x3333333333333333333333333333333333333333333333333333333333333333\",\"size\":1099511627776}";
  struct ob_buf tj, et;
  struct ob_json *types = NULL, *cm = NULL, *mm = NULL;
  uint8_t fast[32], generic[32];
  ob_buf_init(&tj, 1 << 16);
  OB_REQUIRE(chain_eip712_types_from_string(&tj, types_str, NULL) == 0);
  OB_REQUIRE(ob_json_parse(&types, tj.buf, tj.len, NULL, NULL) == 0);
  OB_REQUIRE(ob_json_parse(&cm, commit_msg, strlen(commit_msg), NULL, NULL) == 0);
  OB_REQUIRE(ob_json_parse(&mm, model_msg, strlen(model_msg), NULL, NULL) == 0);
  memset(c.root, 0x22, 32);
  memset(m.sha256, 0x33, 32);
  chain_eip712_commitment_hash(fast, &c);
  OB_CHECK_EQ(chain_eip712_hash_struct(generic, types, "Commitment", cm, NULL), 0);
  OB_CHECK_MEM(fast, generic, 32);
  chain_eip712_model_entry_hash(fast, &m);
  OB_CHECK_EQ(chain_eip712_hash_struct(generic, types, "ModelEntry", mm, NULL), 0);
  OB_CHECK_MEM(fast, generic, 32);
  ob_buf_init(&et, 4096);
  OB_CHECK_EQ(chain_eip712_encode_type(&et, types, "ModelEntry", NULL), 0);
  OB_CHECK_STR(et.buf, "ModelEntry(string name,string version,string cid,bytes32 sha256,uint64 size)");
  ob_buf_release(&et);
  ob_json_free(types);
  ob_json_free(cm);
  ob_json_free(mm);
  ob_buf_release(&tj);
}

OB_TEST(eip712_type_string_roundtrip_and_errors) {
  static const char mail[] = "Mail(Person from,Person[] to,string contents)Person(string name,address wallet)";
  struct ob_buf tj, et;
  struct ob_json *types = NULL;
  struct ob_err e;
  ob_buf_init(&tj, 1 << 16);
  ob_buf_init(&et, 4096);
  OB_REQUIRE(chain_eip712_types_from_string(&tj, mail, NULL) == 0);
  OB_REQUIRE(ob_json_parse(&types, tj.buf, tj.len, NULL, NULL) == 0);
  OB_CHECK_EQ(chain_eip712_encode_type(&et, types, "Mail", NULL), 0);
  OB_CHECK_STR(et.buf, mail);
  ob_json_free(types);
  ob_buf_reset(&tj);
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_eip712_types_from_string(&tj, "A(uint8 x", &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "type string: at byte 9: expected ',' or ')'");
  ob_buf_reset(&tj);
  OB_CHECK_EQ(chain_eip712_types_from_string(&tj, "A(uint8)", &e), OB_EPARSE);
  OB_CHECK_CONTAINS(e.msg, "expected 'type name'");
  ob_buf_reset(&tj);
  OB_CHECK_EQ(chain_eip712_types_from_string(&tj, "(uint8 x)", &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "type string: at byte 0: expected Name(");
  ob_buf_reset(&tj);
  OB_CHECK_EQ(chain_eip712_types_from_string(&tj, "A()", &e), 0); /* an empty struct is allowed */
  ob_buf_release(&tj);
  ob_buf_release(&et);
}
