/* Solidity ABI: signatures, values as cast writes them, encoding and checked decoding.
 *
 * A signature is text as cast takes it: "commit(uint64,bytes32,string,uint64,uint32,bytes[])",
 * "balanceOf(address)(uint256)" (inputs, then outputs), or a bare type list "(uint256,address[])".
 * Types: uintN/intN (N = 8..256, step 8; "uint"/"int" mean 256), address, bool, bytesN (1..32),
 * bytes, string, T[k], T[], and tuples "(T1,T2,...)" (also spelled "tuple(...)"). Spaces and
 * parameter names ("transfer(address to, uint256 amount)") are allowed and dropped.
 *
 * Values are trees of struct chain_abi_value, made from text (chain_abi_parse_args), by decoding
 * (chain_abi_decode) and printed as cast prints them (chain_abi_format, chain_abi_json).
 *
 * Ownership: chain_abi_sig_parse returns an owned signature (chain_abi_sig_free); a value tree is
 * owned by the caller (chain_abi_value_free) and borrows the types of the signature it was made for,
 * so free the values first. Nothing keeps global state; different objects may be used by different
 * threads. err may be NULL everywhere. Every function that allocates says so. */
#ifndef OB_CHAIN_ABI_H
#define OB_CHAIN_ABI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
struct ob_buf;
struct ob_err;
struct ob_jw;

#define CHAIN_ABI_MAX_DEPTH 32        /* nesting of arrays and tuples in a signature */
#define CHAIN_ABI_MAX_FIXED 65536     /* largest k in T[k] */
#define CHAIN_ABI_DYNAMIC ((size_t)-1) /* array_len of T[] */

enum chain_abi_kind {
  CHAIN_ABI_UINT,
  CHAIN_ABI_INT,
  CHAIN_ABI_ADDRESS,
  CHAIN_ABI_BOOL,
  CHAIN_ABI_FIXED_BYTES,
  CHAIN_ABI_BYTES,
  CHAIN_ABI_STRING,
  CHAIN_ABI_ARRAY,
  CHAIN_ABI_TUPLE,
};

struct chain_abi_type {
  enum chain_abi_kind kind;
  unsigned size;                  /* UINT/INT: bits; FIXED_BYTES: bytes */
  size_t array_len;               /* ARRAY: k, or CHAIN_ABI_DYNAMIC */
  struct chain_abi_type *elem;    /* ARRAY: element type (owned) */
  struct chain_abi_type **fields; /* TUPLE: field types (owned) */
  size_t nfields;
};

struct chain_abi_sig {
  char *name;                     /* "" for a bare type list (owned) */
  struct chain_abi_type *inputs;  /* a TUPLE (owned) */
  struct chain_abi_type *outputs; /* a TUPLE, or NULL when the text has no second list (owned) */
};

struct chain_abi_value {
  const struct chain_abi_type *type; /* borrowed from the signature */
  struct chain_u256 num;             /* UINT, INT (two's complement), BOOL (0 or 1) */
  uint8_t *data;                     /* ADDRESS (20), FIXED_BYTES (size), BYTES, STRING (owned) */
  size_t len;
  struct chain_abi_value *items;     /* ARRAY, TUPLE: elements (owned) */
  size_t n;
};

/* ---- signatures ---- */
/* Parse a signature. Allocates. Returns: 0; OB_EPARSE naming the position and fault ("abi
 * signature 'f(uint7)': at 2: unknown type 'uint7'", unbalanced parentheses, ...); OB_ELIMIT
 * (nesting deeper than CHAIN_ABI_MAX_DEPTH, k above CHAIN_ABI_MAX_FIXED); OB_ENOMEM. */
int chain_abi_sig_parse(struct chain_abi_sig **out, const char *text, struct ob_err *err);
void chain_abi_sig_free(struct chain_abi_sig *sig); /* NULL is a no-op */
/* Append the canonical type text: "uint256", "(uint256,address[])[2]". Returns 0 or ob_buf's code. */
int chain_abi_type_canonical(struct ob_buf *out, const struct chain_abi_type *t);
/* Canonical "name(types)" of the inputs (outputs are not part of it). */
int chain_abi_sig_canonical(struct ob_buf *out, const struct chain_abi_sig *sig);
/* keccak256 of the canonical signature: 4-byte function selector, 32-byte event topic 0. */
int chain_abi_selector(uint8_t out4[4], const struct chain_abi_sig *sig);
int chain_abi_topic(uint8_t out32[32], const struct chain_abi_sig *sig);
bool chain_abi_type_is_dynamic(const struct chain_abi_type *t);

/* ---- values from text ---- */
/* Make a TUPLE value of the types in tuple from argv[0..argc), one argument per field, each
 * written as cast takes it: decimal or 0x numbers (a leading '-' for intN), addresses (mixed
 * case must be a valid EIP-55 checksum), true/false, 0x hex for bytes/bytesN (bytesN exactly N
 * bytes), strings as they are (top-level surrounding quotes dropped; inside [] and () quoted or
 * bare), arrays "[a,b]", tuples "(x,y)". Allocates. Returns: 0; OB_EINVAL for a wrong argument
 * count; OB_EPARSE / OB_ELIMIT naming the argument and the value ("argument 2 (uint8): value '256'
 * does not fit uint8"). Out: *out (value tree, owned) on success. */
int chain_abi_parse_args(struct chain_abi_value *out, const struct chain_abi_type *tuple,
                         const char *const *argv, size_t argc, struct ob_err *err);
/* Free what a value owns (not v itself); the value is zeroed. */
void chain_abi_value_free(struct chain_abi_value *v);

/* ---- encoding ---- */
/* Append the ABI encoding of v (a TUPLE for argument lists). Returns 0; OB_ELIMIT / OB_ENOMEM. */
int chain_abi_encode(struct ob_buf *out, const struct chain_abi_value *v);
/* Append selector(sig) || encoding of args (a TUPLE of sig->inputs): calldata. */
int chain_abi_encode_call(struct ob_buf *out, const struct chain_abi_sig *sig,
                          const struct chain_abi_value *args);

/* ---- decoding ---- */
/* Decode data[0..len) as type t (a TUPLE for argument lists); trailing bytes are allowed. Every
 * offset and length is checked against the data, values must be clean (uintN/intN in range,
 * bool 0 or 1, address and bytesN padding zero), and the number of values is bounded by the data
 * size (aliased offsets cannot blow it up). Allocates. Returns: 0; OB_EPARSE naming the byte
 * offset ("abi: at byte 64: offset 4096 points outside the data (96 bytes)"); OB_ENOMEM.
 * Out: *out (owned) on success. */
int chain_abi_decode(struct chain_abi_value *out, const struct chain_abi_type *t,
                     const uint8_t *data, size_t len, struct ob_err *err);
/* Decode calldata: checks the 4-byte selector of sig, then decodes sig->inputs. OB_EMISMATCH
 * when the selector differs. */
int chain_abi_decode_call(struct chain_abi_value *out, const struct chain_abi_sig *sig,
                          const uint8_t *data, size_t len, struct ob_err *err);

/* ---- printing (as cast abi-decode prints) ---- */
/* One value as cast's text: numbers in decimal, with " [1.234e5]" from 10000 up (abs value);
 * addresses EIP-55; bytes 0x hex; strings quoted with Rust-style escapes; "[a, b]", "(a, b)". */
int chain_abi_format(struct ob_buf *out, const struct chain_abi_value *v);
/* One value as cast --json writes it: integers as JSON numbers when they fit u64 (uintN) or i64
 * (intN), else as decimal strings; addresses, bytes as strings; arrays and tuples as arrays. */
void chain_abi_json(struct ob_jw *w, const struct chain_abi_value *v);

/* ---- revert data ---- */
/* Describe revert data: Error(string) -> "Error(\"msg\")", Panic(uint256) -> "Panic(0x11:
 * arithmetic overflow)", a custom error among errors[0..nerrors) (parsed signatures, matched by
 * selector) -> "Name(arg, ...)" formatted as chain_abi_format does, empty data -> "empty revert
 * data". Appends to out. Returns 0; OB_ENOENT when no signature matches (out gets "unknown error
 * 0x12345678" and the data's hex); OB_EPARSE if the arguments do not decode. */
int chain_abi_decode_revert(struct ob_buf *out, const uint8_t *data, size_t len,
                            struct chain_abi_sig *const *errors, size_t nerrors, struct ob_err *err);
#endif
