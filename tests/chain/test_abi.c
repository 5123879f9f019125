#include <stdlib.h>

#include "ob/chain/abi.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob_test.h"

/* Encodings below were made with cast 1.7.1 (node_modules/.bin/cast calldata / abi-encode). */
static const char commit_calldata[] =
    "0x54d595ae00000000000000000000000000000000000000000000000000000000000000070000000000000000000000"
    "000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000"
    "00000000c0000000000000000000000000000000000000000000000000000000006553f1000000000000000000000000"
    "000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000"
    "0000000120000000000000000000000000000000000000000000000000000000000000003b6261667962656967647972"
    "7a74357366703775646d37687537367568377932366e6633656675796c71616266336f636c67747179353566627a6469"
    "000000000000000000000000000000000000000000000000000000000000000000000000020000000000000000000000"
    "000000000000000000000000000000000000000040000000000000000000000000000000000000000000000000000000"
    "000000008000000000000000000000000000000000000000000000000000000000000000010100000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000003abcdef0000000000000000000000000000000000000000000000000000000000";
static const char nested_encoding[] =
    "0x0000000000000000000000000000000000000000000000000000000000000040000000000000000000000000000000"
    "000000000000000000000000000000018000000000000000000000000000000000000000000000000000000000000000"
    "4000000000000000000000000000000000000000000000000000000000000000c0000000000000000000000000000000"
    "000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000"
    "400000000000000000000000000000000000000000000000000000000000000001610000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "020000000000000000000000000000000000000000000000000000000000000040000000000000000000000000000000"
    "000000000000000000000000000000000262630000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000001010203000000000000000000000000"
    "0000000000000000000000000000000000";

/* Encode argv for sig (calldata when call) into a 0x hex string (malloc'd), or NULL with *rc. */
static char *encode_hex(const char *sigtext, const char *const *argv, size_t argc, bool call, int *rc,
                        struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  struct ob_buf b;
  char *hex = NULL;
  ob_buf_init(&b, 0);
  *rc = chain_abi_sig_parse(&sig, sigtext, err);
  if (*rc == 0)
    *rc = chain_abi_parse_args(&v, sig->inputs, argv, argc, err);
  if (*rc == 0) {
    *rc = call ? chain_abi_encode_call(&b, sig, &v) : chain_abi_encode(&b, &v);
    chain_abi_value_free(&v);
  }
  if (*rc == 0 && (hex = ob_malloc(2 * b.len + 3)) != NULL)
    ob_hex_encode0x(hex, (const uint8_t *)b.buf, b.len);
  ob_buf_release(&b);
  chain_abi_sig_free(sig);
  return hex;
}

/* Decode hex with the types of sigtext's outputs (else inputs) and print as cast text or JSON. */
static char *decode_print(const char *sigtext, const char *hex, bool json, int *rc, struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  struct ob_buf b;
  uint8_t *data = NULL;
  size_t n = 0;
  ob_buf_init(&b, 0);
  *rc = chain_abi_sig_parse(&sig, sigtext, err);
  if (*rc == 0)
    *rc = ob_hex_decode_alloc(&data, &n, hex, strlen(hex), err);
  if (*rc == 0)
    *rc = chain_abi_decode(&v, sig->outputs ? sig->outputs : sig->inputs, data, n, err);
  if (*rc == 0 && json) {
    struct ob_jw w;
    ob_jw_init(&w, &b, false);
    chain_abi_json(&w, &v);
    *rc = ob_jw_finish(&w);
  }
  for (size_t i = 0; *rc == 0 && !json && i < v.n; i++) {
    if (i)
      ob_buf_addch(&b, '\n');
    chain_abi_format(&b, &v.items[i]);
  }
  if (*rc == 0)
    chain_abi_value_free(&v);
  ob_free(data);
  chain_abi_sig_free(sig);
  return *rc == 0 ? ob_buf_detach(&b, NULL) : (ob_buf_release(&b), NULL);
}

OB_TEST(abi_selectors_and_topics) {
  struct chain_abi_sig *sig = NULL;
  uint8_t sel[4], topic[32];
  char hex[67];
  struct ob_buf b;
  ob_buf_init(&b, 0);
  OB_REQUIRE(chain_abi_sig_parse(&sig, "transfer(address to, uint256 amount)", NULL) == 0);
  OB_CHECK_EQ(chain_abi_selector(sel, sig), 0);
  ob_hex_encode(hex, sel, 4);
  OB_CHECK_STR(hex, "a9059cbb");
  chain_abi_sig_free(sig);
  OB_REQUIRE(chain_abi_sig_parse(&sig, "Transfer(address indexed from,address indexed to,uint value)", NULL) == 0);
  OB_CHECK_EQ(chain_abi_sig_canonical(&b, sig), 0);
  OB_CHECK_STR(b.buf, "Transfer(address,address,uint256)");
  OB_CHECK_EQ(chain_abi_topic(topic, sig), 0);
  ob_hex_encode(hex, topic, 32);
  OB_CHECK_STR(hex, "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  chain_abi_sig_free(sig);
  ob_buf_reset(&b);
  OB_REQUIRE(chain_abi_sig_parse(&sig, " f ( tuple(uint,bytes32)[2][] , (bool,(int8,string))) (uint64)", NULL) == 0);
  OB_CHECK_EQ(chain_abi_sig_canonical(&b, sig), 0);
  OB_CHECK_STR(b.buf, "f((uint256,bytes32)[2][],(bool,(int8,string)))");
  OB_CHECK(sig->outputs && sig->outputs->nfields == 1);
  chain_abi_sig_free(sig);
  OB_REQUIRE(chain_abi_sig_parse(&sig, "(uint256,address[])", NULL) == 0);
  OB_CHECK_STR(sig->name, "");
  OB_CHECK_EQ(sig->inputs->nfields, 2);
  chain_abi_sig_free(sig);
  ob_buf_release(&b);
}

OB_TEST(abi_encode_matches_cast) {
  const char *args[] = {"7", "0x0000000000000000000000000000000000000000000000000000000000000001",
                        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "1700000000", "3",
                        "[0x01,0xabcdef]"};
  int rc;
  char *hex = encode_hex("commit(uint64,bytes32,string,uint64,uint32,bytes[])", args, 6, true, &rc, NULL);
  OB_CHECK_STR(hex, commit_calldata);
  free(hex);
  const char *args2[] = {"[(1,a),(2, \"bc\")]", "[0x010203]"};
  hex = encode_hex("f((uint8,string)[2],bytes3[])", args2, 2, false, &rc, NULL);
  OB_CHECK_STR(hex, nested_encoding);
  free(hex);
}

OB_TEST(abi_decode_prints_like_cast) {
  int rc;
  struct ob_err err;
  char *text = decode_print("f()((uint8,string)[2],bytes3[])", nested_encoding, false, &rc, &err);
  OB_CHECK_STR(text, "[(1, \"a\"), (2, \"bc\")]\n[0x010203]");
  free(text);
  /* commit's calldata without the selector, decoded as a bare type list. */
  text = decode_print("(uint64,bytes32,string,uint64,uint32,bytes[])", commit_calldata + 10, true, &rc, &err);
  OB_CHECK_STR(text, "[7,\"0x0000000000000000000000000000000000000000000000000000000000000001\","
                     "\"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi\",1700000000,3,"
                     "[\"0x01\",\"0xabcdef\"]]");
  free(text);
  text = decode_print("f()(uint64,bytes32,string,uint64,uint32,bytes[])", commit_calldata + 10, false, &rc, &err);
  OB_CHECK_CONTAINS(text, "1700000000 [1.7e9]\n3\n[0x01, 0xabcdef]");
  free(text);
  /* Numbers: cast's " [x.xxxey]" note from 10000 up, JSON strings past u64/i64. */
  const char *nums[] = {"9999", "-10000", "12345", "18446744073709551616",
                        "-57896044618658097711785492504343953926634992332820282019728792003956564819968"};
  char *enc = encode_hex("(uint256,int256,uint16,uint256,int256)", nums, 5, false, &rc, &err);
  text = decode_print("(uint256,int256,uint16,uint256,int256)", enc, false, &rc, &err);
  OB_CHECK_STR(text, "9999\n-10000 [-1e4]\n12345 [1.234e4]\n18446744073709551616 [1.844e19]\n"
                     "-57896044618658097711785492504343953926634992332820282019728792003956564819968 [-5.789e76]");
  free(text);
  text = decode_print("(uint256,int256,uint16,uint256,int256)", enc, true, &rc, &err);
  OB_CHECK_STR(text, "[9999,-10000,12345,\"18446744073709551616\","
                     "\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\"]");
  free(text);
  free(enc);
  const char *strs[] = {"\"quoted\"", "tab\there \"q\" back\\slash", "0xABcdEFABcdEFabcdEfAbCdefabcdeFABcDEFabCD"};
  enc = encode_hex("(string,string,address)", strs, 3, false, &rc, &err);
  text = decode_print("(string,string,address)", enc, false, &rc, &err);
  OB_CHECK_STR(text, "\"quoted\"\n\"tab\\there \\\"q\\\" back\\\\slash\"\n0xABcdEFABcdEFabcdEfAbCdefabcdeFABcDEFabCD");
  free(text);
  free(enc);
}

static void check_sig_error(const char *text, int code, const char *needle) {
  struct chain_abi_sig *sig = NULL;
  struct ob_err err;
  ob_err_clear(&err);
  int rc = chain_abi_sig_parse(&sig, text, &err);
  OB_CHECK_MSG(rc == code, "'%s': rc %d, want %d", text, rc, code);
  OB_CHECK_CONTAINS(err.msg, needle);
  if (rc == 0)
    chain_abi_sig_free(sig);
}

OB_TEST(abi_bad_signatures) {
  check_sig_error("f(uint256", OB_EPARSE, "unbalanced parentheses");
  check_sig_error("f(uint256))", OB_EPARSE, "unbalanced parentheses");
  check_sig_error("f((uint256,bool)", OB_EPARSE, "unbalanced parentheses");
  check_sig_error("f(uint7)", OB_EPARSE, "unknown type 'uint7'");
  check_sig_error("f(uint264)", OB_EPARSE, "unknown type 'uint264'");
  check_sig_error("f(bytes33)", OB_EPARSE, "unknown type 'bytes33'");
  check_sig_error("f(bytes0)", OB_EPARSE, "unknown type 'bytes0'");
  check_sig_error("f(uint08)", OB_EPARSE, "unknown type 'uint08'");
  check_sig_error("f(fixed128x18)", OB_EPARSE, "unknown type 'fixed128x18'");
  check_sig_error("f(foo)", OB_EPARSE, "abi signature 'f(foo)': at 2: unknown type 'foo'");
  check_sig_error("f(uint256[0])", OB_EPARSE, "array length");
  check_sig_error("f(uint256[65537])", OB_ELIMIT, "array length");
  check_sig_error("f(uint256[)", OB_EPARSE, "expected ']'");
  check_sig_error("f(())", OB_EPARSE, "empty tuple");
  check_sig_error("f(uint256,)", OB_EPARSE, "expected a type");
  check_sig_error("f(uint256[65536][65536])", OB_ELIMIT, "larger than 16 MiB");
  check_sig_error("f(uint256) x", OB_EPARSE, "unexpected text");
  check_sig_error("", OB_EPARSE, "expected '('");
  char deep[200] = "f(";
  for (int i = 0; i < 40; i++)
    strncat(deep, "(", sizeof deep - strlen(deep) - 1);
  strncat(deep, "bool", sizeof deep - strlen(deep) - 1);
  for (int i = 0; i < 41; i++)
    strncat(deep, ")", sizeof deep - strlen(deep) - 1);
  check_sig_error(deep, OB_ELIMIT, "nested deeper than 32");
}

static void check_arg_error(const char *sigtext, const char *arg, int code, const char *needle) {
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  char *hex = encode_hex(sigtext, &arg, 1, false, &rc, &err);
  OB_CHECK_MSG(rc == code, "%s with '%s': rc %d, want %d (%s)", sigtext, arg, rc, code, err.msg);
  OB_CHECK_CONTAINS(err.msg, needle);
  free(hex);
}

OB_TEST(abi_bad_values) {
  check_arg_error("f(uint8)", "256", OB_ELIMIT, "argument 1 (uint8): value '256' does not fit uint8");
  check_arg_error("f(int8)", "-129", OB_ELIMIT, "value '-129' does not fit int8");
  check_arg_error("f(int8)", "128", OB_ELIMIT, "does not fit int8");
  check_arg_error("f(uint256)", "-1", OB_EPARSE, "expected a decimal or 0x-hex integer, got '-1'");
  check_arg_error("f(uint256)", "1e3", OB_EPARSE, "got '1e3'");
  check_arg_error("f(bytes)", "0x123", OB_EPARSE, "odd-length hex");
  check_arg_error("f(bytes)", "0xzz", OB_EPARSE, "argument 1 (bytes)");
  check_arg_error("f(bytes4)", "0x010203", OB_EPARSE, "bytes4 value '0x010203' must be 4 bytes");
  check_arg_error("f(bool)", "1", OB_EPARSE, "expected true or false, got '1'");
  check_arg_error("f(address)", "0x1234", OB_EPARSE, "argument 1 (address)");
  check_arg_error("f(address)", "0xABcdEFABcdEFabcdEfAbCdefabcdeFABcDEFabCc", OB_EPARSE, "argument 1 (address)");
  check_arg_error("f(uint8[2])", "[1,2,3]", OB_EPARSE, "uint8[2] needs 2 values, got 3");
  check_arg_error("f(uint8[])", "[1,2", OB_EPARSE, "expected ',' or ']'");
  check_arg_error("f(uint8[])", "1,2]", OB_EPARSE, "expected '['");
  check_arg_error("f((uint8,bool))", "(1,true,3)", OB_EPARSE, "tuple has more than 2 values");
  check_arg_error("f((uint8,bool))", "(1)", OB_EPARSE, "(uint8,bool) needs 2 values, got 1");
  check_arg_error("f(uint8[])", "[1,2] x", OB_EPARSE, "unexpected text");
  check_arg_error("f(string[])", "[\"abc]", OB_EPARSE, "unterminated string");
  struct ob_err err;
  int rc;
  const char *two[] = {"1", "2"};
  free(encode_hex("f(uint8)", two, 2, false, &rc, &err));
  OB_CHECK_EQ(rc, OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "expected 1 arguments, got 2");
}

static int decode_err(const char *sigtext, const char *hex, struct ob_err *err) {
  int rc;
  ob_err_clear(err);
  free(decode_print(sigtext, hex, true, &rc, err));
  return rc;
}

#define W0 "0000000000000000000000000000000000000000000000000000000000000000"
#define W1 "0000000000000000000000000000000000000000000000000000000000000001"
#define W20 "0000000000000000000000000000000000000000000000000000000000000020"

OB_TEST(abi_decoder_checks_offsets_and_values) {
  struct ob_err err;
  /* The bytes must be there; the zero padding after them may be cut off (as cast accepts). */
  OB_CHECK_EQ(decode_err("(bytes)", "0x" W20 W1 "ab", &err), 0);
  OB_CHECK_EQ(decode_err("(bytes)", "0x" W20 "0000000000000000000000000000000000000000000000000000000000000002" "ab", &err), OB_EPARSE);
  OB_CHECK_EQ(decode_err("(bytes)", "0x" W20 W1 "ab00000000000000000000000000000000000000000000000000000000000000", &err), 0);
  OB_CHECK_EQ(decode_err("(bytes)", "0x" "0000000000000000000000000000000000000000000000000000000000001000" W1, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "abi: at byte 0: offset 4096 points outside the data (64 bytes)");
  OB_CHECK_EQ(decode_err("(bytes)", "0x" W20 "0000000000000000000000000000000000000000000000000000000000000040" W0, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "abi: at byte 32: length 64 runs past the end of the data (96 bytes)");
  OB_CHECK_EQ(decode_err("(bytes)", "0x" "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "points outside the data");
  OB_CHECK_EQ(decode_err("(uint256[])", "0x" W20 "00000000000000000000000000000000000000000000000000000000ffffffff", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "array length 4294967295 runs past the end");
  OB_CHECK_EQ(decode_err("(uint256,uint256)", "0x" W1, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "abi: at byte 32: data too short for a 32-byte word (data is 32 bytes)");
  OB_CHECK_EQ(decode_err("(uint8)", "0x0000000000000000000000000000000000000000000000000000000000000100", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "uint value has bits above its size");
  OB_CHECK_EQ(decode_err("(int8)", "0x00000000000000000000000000000000000000000000000000000000000000ff", &err), OB_EPARSE);
  OB_CHECK_EQ(decode_err("(int8)", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80", &err), 0);
  OB_CHECK_EQ(decode_err("(bool)", "0x0000000000000000000000000000000000000000000000000000000000000002", &err), OB_EPARSE);
  OB_CHECK_EQ(decode_err("(address)", "0x0000000000000000000000010000000000000000000000000000000000000002", &err), OB_EPARSE);
  OB_CHECK_EQ(decode_err("(bytes2)", "0x0102030000000000000000000000000000000000000000000000000000000000", &err), OB_EPARSE);
  OB_CHECK_EQ(decode_err("(uint256)", "0x" W1 "ff", &err), 0); /* trailing bytes are allowed, as cast does */
}

/* Offsets that all point at the same words must not multiply the work: an array of N offsets to
 * one array of N offsets to ... is refused by the value budget, quickly. */
OB_TEST(abi_decoder_bounds_aliased_offsets) {
  struct ob_buf hex;
  ob_buf_init(&hex, 0);
  ob_buf_addstr(&hex, "0x" W20);
  /* At byte 32 an outer array of 60 offsets (relative to byte 64), all 0x780: each points at the
   * same inner array at byte 1984 (length 60, zeros). */
  ob_buf_addstr(&hex, "000000000000000000000000000000000000000000000000000000000000003c");
  for (int i = 0; i < 60; i++)
    ob_buf_addstr(&hex, "0000000000000000000000000000000000000000000000000000000000000780");
  ob_buf_addstr(&hex, "000000000000000000000000000000000000000000000000000000000000003c");
  for (int i = 0; i < 60; i++)
    ob_buf_addstr(&hex, "0000000000000000000000000000000000000000000000000000000000000000");
  struct ob_err err;
  int rc = decode_err("(uint256[][])", hex.buf, &err);
  OB_CHECK_EQ(rc, 0); /* 60 x 60 aliased values: 3600 values, within the budget of 122 words */
  ob_buf_release(&hex);
  ob_buf_init(&hex, 0);
  /* Now 6 levels deep of 60 aliases each: 60^6 values; must be refused, not computed. */
  ob_buf_addstr(&hex, "0x" W20);
  for (int level = 0; level < 6; level++) {
    ob_buf_addstr(&hex, "000000000000000000000000000000000000000000000000000000000000003c");
    for (int i = 0; i < 60; i++)
      ob_buf_addstr(&hex, "0000000000000000000000000000000000000000000000000000000000000780");
  }
  ob_buf_addstr(&hex, W0);
  rc = decode_err("(uint256[][][][][][][])", hex.buf, &err);
  OB_CHECK_EQ(rc, OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "more values than the data can hold");
  ob_buf_release(&hex);
}

static char *revert_text(const char *hex, const char *const *sigs, size_t nsigs, int *rc) {
  struct chain_abi_sig *parsed[4] = {0};
  uint8_t *data = NULL;
  size_t n = 0;
  struct ob_buf b;
  ob_buf_init(&b, 0);
  for (size_t i = 0; i < nsigs; i++)
    chain_abi_sig_parse(&parsed[i], sigs[i], NULL);
  ob_hex_decode_alloc(&data, &n, hex, strlen(hex), NULL);
  *rc = chain_abi_decode_revert(&b, data, n, parsed, nsigs, NULL);
  for (size_t i = 0; i < nsigs; i++)
    chain_abi_sig_free(parsed[i]);
  ob_free(data);
  return ob_buf_detach(&b, NULL);
}

OB_TEST(abi_revert_data) {
  int rc;
  char *t = revert_text("0x08c379a000000000000000000000000000000000000000000000000000000000000000200000000000000000"
                        "000000000000000000000000000000000000000000000014696e73756666696369656e742062616c616e63650"
                        "00000000000000000000000", NULL, 0, &rc);
  OB_CHECK_EQ(rc, 0);
  OB_CHECK_STR(t, "Error(\"insufficient balance\")");
  free(t);
  t = revert_text("0x4e487b710000000000000000000000000000000000000000000000000000000000000011", NULL, 0, &rc);
  OB_CHECK_STR(t, "Panic(0x11: arithmetic underflow or overflow)");
  free(t);
  const char *sigs[] = {"Unauthorized()", "InsufficientBalance(address who, uint256 have, uint256 want)"};
  t = revert_text("0xdb42144d00000000000000000000000000000000000000000000000000000000000000aa000000000000000000"
                  "0000000000000000000000000000000000000000000005000000000000000000000000000000000000000000000000"
                  "000000000000000a", sigs, 2, &rc);
  OB_CHECK_EQ(rc, 0);
  OB_CHECK_STR(t, "InsufficientBalance(0x00000000000000000000000000000000000000AA, 5, 10)");
  free(t);
  t = revert_text("0xdeadbeef01", sigs, 2, &rc);
  OB_CHECK_EQ(rc, OB_ENOENT);
  OB_CHECK_STR(t, "unknown error 0xdeadbeef 0x01");
  free(t);
  t = revert_text("0x", NULL, 0, &rc);
  OB_CHECK_STR(t, "empty revert data");
  free(t);
  t = revert_text("0x08c379a00000", NULL, 0, &rc);
  OB_CHECK_EQ(rc, OB_EPARSE);
  free(t);
}

OB_TEST(abi_decode_call_checks_selector) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  struct ob_err err;
  uint8_t *data = NULL;
  size_t n = 0;
  OB_REQUIRE(chain_abi_sig_parse(&sig, "commit(uint64,bytes32,string,uint64,uint32,bytes[])", NULL) == 0);
  OB_REQUIRE(ob_hex_decode_alloc(&data, &n, commit_calldata, strlen(commit_calldata), NULL) == 0);
  OB_CHECK_EQ(chain_abi_decode_call(&v, sig, data, n, &err), 0);
  OB_CHECK_EQ(v.n, 6);
  OB_CHECK_EQ(v.items[5].n, 2);
  chain_abi_value_free(&v);
  data[0] ^= 1;
  OB_CHECK_EQ(chain_abi_decode_call(&v, sig, data, n, &err), OB_EMISMATCH);
  OB_CHECK_CONTAINS(err.msg, "calldata selector 0x55d595ae is not 0x54d595ae of 'commit'");
  OB_CHECK_EQ(chain_abi_decode_call(&v, sig, data, 3, &err), OB_EPARSE);
  ob_free(data);
  chain_abi_sig_free(sig);
}
