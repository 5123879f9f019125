/* Differential tests against cast (node_modules/.bin/cast, foundry 1.7.1): Keccak-256 of random
 * inputs, ABI encoding and decoding of random signatures and values. Seeded: the seed is printed
 * and OB_TEST_SEED replays it. cast runs once per case from one shell script per test, so a test
 * takes a few seconds. */
#include <stdlib.h>
#include <unistd.h>

#include "ob/chain/abi.h"
#include "ob/chain/keccak.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob_test.h"

#define CASES 1000

static uint64_t seed_and_print(uint64_t dflt) {
  const char *env = getenv("OB_TEST_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 0) : dflt;
  printf("seed %llu (OB_TEST_SEED=%llu replays this run)\n", (unsigned long long)seed,
         (unsigned long long)seed);
  ob_test_rng_seed(seed);
  return seed;
}

static const char *cast_path(void) {
  const char *p = ob_test_src("node_modules/.bin/cast");
  return access(p, X_OK) == 0 ? p : NULL;
}

/* Append s single-quoted for sh. */
static void sh_quote(struct ob_buf *b, const char *s) {
  ob_buf_addch(b, '\'');
  for (; *s; s++)
    if (*s == '\'')
      ob_buf_addstr(b, "'\\''");
    else
      ob_buf_addch(b, *s);
  ob_buf_addch(b, '\'');
}

/* Run script (one output line per case) and split its stdout into lines (borrowed from *all). */
static size_t run_script(const char *script, char **all, char ***lines) {
  char path[600];
  snprintf(path, sizeof path, "%s/cases.sh", ob_test_tmpdir());
  FILE *f = fopen(path, "w");
  if (!f)
    return 0;
  fputs(script, f);
  fclose(f);
  char *err = NULL;
  int st = ob_test_sh(all, &err, "sh '%s'", path);
  if (st != 0)
    fprintf(stderr, "script exit %d: %s\n", st, err ? err : "");
  free(err);
  size_t n = 0, cap = CASES + 1;
  *lines = calloc(cap, sizeof(char *));
  for (char *p = *all, *nl; p && *p && n < cap; p = nl + 1) {
    nl = strchr(p, '\n');
    if (!nl)
      break;
    *nl = '\0';
    (*lines)[n++] = p;
  }
  return n;
}

OB_TEST(keccak_vs_cast_random) {
  const char *cast = cast_path();
  OB_REQUIRE(cast != NULL);
  seed_and_print(0x6b656363);
  static uint8_t data[CASES][400];
  size_t lens[CASES];
  struct ob_buf script;
  ob_buf_init(&script, 0);
  for (int i = 0; i < CASES; i++) {
    /* Mostly short, some around the 136-byte rate and its multiples. */
    size_t r = ob_test_rand() % 10;
    lens[i] = r < 6 ? ob_test_rand() % 140 : r < 9 ? 130 + ob_test_rand() % 150 : ob_test_rand() % 400;
    ob_test_rand_bytes(data[i], lens[i]);
    char hex[803];
    ob_hex_encode0x(hex, data[i], lens[i]);
    ob_buf_addf(&script, "'%s' keccak %s || echo ERR\n", cast, hex);
  }
  char *all = NULL, **lines = NULL;
  size_t n = run_script(script.buf, &all, &lines);
  OB_CHECK_EQ(n, CASES);
  for (size_t i = 0; i < n && i < CASES; i++) {
    uint8_t h[32];
    char hex[67];
    chain_keccak256(h, data[i], lens[i]);
    ob_hex_encode0x(hex, h, 32);
    OB_CHECK_MSG(strcmp(hex, lines[i]) == 0, "case %zu (len %zu): ours %s, cast %s", i, lens[i], hex, lines[i]);
  }
  free(lines);
  free(all);
  ob_buf_release(&script);
}

/* ---- random ABI types and values ---- */

static const char str_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:;!?()[]-_+=/#@*&%";

static void gen_type(struct ob_buf *b, int depth) {
  unsigned r = (unsigned)(ob_test_rand() % 100);
  if (depth < 3 && r < 12) {
    size_t n = 1 + ob_test_rand() % 3;
    ob_buf_addch(b, '(');
    for (size_t i = 0; i < n; i++) {
      if (i)
        ob_buf_addch(b, ',');
      gen_type(b, depth + 1);
    }
    ob_buf_addch(b, ')');
  } else if (depth < 3 && r < 26) {
    gen_type(b, depth + 1);
    if (ob_test_rand() % 2)
      ob_buf_addstr(b, "[]");
    else
      ob_buf_addf(b, "[%u]", (unsigned)(1 + ob_test_rand() % 3));
  } else {
    static const char *const scalars[] = {"uint", "int", "address", "bool", "bytesN", "bytes", "string"};
    const char *s = scalars[ob_test_rand() % 7];
    if (strcmp(s, "uint") == 0 || strcmp(s, "int") == 0)
      ob_buf_addf(b, "%s%u", s, (unsigned)(8 * (1 + ob_test_rand() % 32)));
    else if (strcmp(s, "bytesN") == 0)
      ob_buf_addf(b, "bytes%u", (unsigned)(1 + ob_test_rand() % 32));
    else
      ob_buf_addstr(b, s);
  }
}

static void rand_bits(struct chain_u256 *v, unsigned bits) {
  for (int i = 0; i < 4; i++)
    v->w[i] = ob_test_rand();
  unsigned keep = (unsigned)(ob_test_rand() % (bits + 1));
  if (ob_test_rand() % 8 == 0)
    keep = bits; /* often the full width */
  for (unsigned b = keep; b < 256; b++)
    v->w[b / 64] &= ~((uint64_t)1 << (b % 64));
}

static void gen_int(struct ob_buf *b, const struct chain_abi_type *t) {
  struct chain_u256 v;
  char text[CHAIN_U256_DEC_MAX];
  if (t->kind == CHAIN_ABI_UINT) {
    rand_bits(&v, t->size);
    ob_buf_addstr(b, ob_test_rand() % 3 ? chain_u256_to_dec(text, &v) : chain_u256_to_hex(text, &v));
    return;
  }
  rand_bits(&v, t->size - 1);
  bool neg = ob_test_rand() % 2;
  if (neg && chain_u256_is_zero(&v) && ob_test_rand() % 2) /* sometimes exactly -2^(N-1) */
    v.w[(t->size - 1) / 64] = (uint64_t)1 << ((t->size - 1) % 64);
  if (neg)
    ob_buf_addch(b, '-');
  ob_buf_addstr(b, chain_u256_to_dec(text, &v));
}

static void gen_hex(struct ob_buf *b, size_t n) {
  uint8_t bytes[128];
  char hex[259];
  ob_test_rand_bytes(bytes, n);
  ob_hex_encode0x(hex, bytes, n);
  ob_buf_addstr(b, hex);
}

static void gen_string(struct ob_buf *b, bool nested) {
  size_t n = ob_test_rand() % 4 == 0 ? 0 : 1 + ob_test_rand() % 40;
  if (nested)
    ob_buf_addch(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned r = (unsigned)(ob_test_rand() % 40);
    if (r == 0)
      ob_buf_addstr(b, "\xc3\xa9"); /* é */
    else if (r == 1)
      ob_buf_addstr(b, "\xe2\x8c\x98"); /* ⌘ */
    else if ((i == 0 || i == n - 1) && !nested)
      ob_buf_addch(b, (char)('a' + ob_test_rand() % 26)); /* no edge spaces or brackets at top level */
    else
      ob_buf_addch(b, str_chars[ob_test_rand() % (sizeof str_chars - 1)]);
  }
  if (nested)
    ob_buf_addch(b, '"');
}

static void gen_value(struct ob_buf *b, const struct chain_abi_type *t, bool nested) {
  switch (t->kind) {
  case CHAIN_ABI_UINT:
  case CHAIN_ABI_INT:
    gen_int(b, t);
    return;
  case CHAIN_ABI_ADDRESS: {
    uint8_t a[20];
    char text[43];
    ob_test_rand_bytes(a, 20);
    if (ob_test_rand() % 2)
      chain_addr_checksum(text, a);
    else
      ob_hex_encode0x(text, a, 20);
    ob_buf_addstr(b, text);
    return;
  }
  case CHAIN_ABI_BOOL:
    ob_buf_addstr(b, ob_test_rand() % 2 ? "true" : "false");
    return;
  case CHAIN_ABI_FIXED_BYTES:
    gen_hex(b, t->size);
    return;
  case CHAIN_ABI_BYTES:
    gen_hex(b, ob_test_rand() % 4 == 0 ? 0 : ob_test_rand() % 100);
    return;
  case CHAIN_ABI_STRING:
    gen_string(b, nested);
    return;
  case CHAIN_ABI_ARRAY:
  case CHAIN_ABI_TUPLE: {
    bool arr = t->kind == CHAIN_ABI_ARRAY;
    size_t n = !arr ? t->nfields : t->array_len != CHAIN_ABI_DYNAMIC ? t->array_len : ob_test_rand() % 4;
    ob_buf_addch(b, arr ? '[' : '(');
    for (size_t i = 0; i < n; i++) {
      if (i)
        ob_buf_addstr(b, ob_test_rand() % 2 ? "," : ", ");
      gen_value(b, arr ? t->elem : t->fields[i], true);
    }
    ob_buf_addch(b, arr ? ']' : ')');
    return;
  }
  }
}

struct abi_case {
  char *types;    /* "(uint8,string[])" */
  char *encoding; /* ours, 0x hex */
  char *json;     /* ours, compact */
  char *text;     /* ours, cast's text form, values separated by \001 */
};

enum mode { ENCODE, DECODE_JSON, DECODE_TEXT };

static char *format_text(const struct chain_abi_value *v) {
  struct ob_buf b;
  ob_buf_init(&b, 0);
  for (size_t i = 0; i < v->n; i++) {
    if (i)
      ob_buf_addch(&b, '\001');
    chain_abi_format(&b, &v->items[i]);
  }
  return ob_buf_detach(&b, NULL);
}

/* Make one random case: append the cast command for it to script; fill c. */
static bool make_case(struct abi_case *c, struct ob_buf *script, const char *cast, enum mode mode) {
  struct ob_buf types, val, sigtext;
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  struct ob_err err;
  bool ok = false;
  ob_buf_init(&types, 0);
  ob_buf_init(&val, 0);
  ob_buf_init(&sigtext, 0);
  size_t n = 1 + ob_test_rand() % 4;
  ob_buf_addch(&types, '(');
  for (size_t i = 0; i < n; i++) {
    if (i)
      ob_buf_addch(&types, ',');
    gen_type(&types, 0);
  }
  ob_buf_addch(&types, ')');
  ob_buf_addf(&sigtext, "f%s", types.buf);
  if (chain_abi_sig_parse(&sig, sigtext.buf, &err) != 0) {
    fprintf(stderr, "cannot parse generated '%s': %s\n", sigtext.buf, err.msg);
    goto out;
  }
  const char **argv = calloc(n, sizeof(char *));
  char **owned = calloc(n, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    ob_buf_reset(&val);
    gen_value(&val, sig->inputs->fields[i], false);
    owned[i] = ob_strdup(val.buf);
    argv[i] = owned[i];
  }
  if (chain_abi_parse_args(&v, sig->inputs, argv, n, &err) != 0) {
    fprintf(stderr, "cannot parse generated values of '%s': %s\n", sigtext.buf, err.msg);
  } else {
    struct ob_buf enc, js;
    struct ob_jw w;
    ob_buf_init(&enc, 0);
    ob_buf_init(&js, 0);
    chain_abi_encode(&enc, &v);
    c->encoding = ob_malloc(2 * enc.len + 3);
    ob_hex_encode0x(c->encoding, (const uint8_t *)enc.buf, enc.len);
    ob_jw_init(&w, &js, false);
    chain_abi_json(&w, &v);
    ob_jw_finish(&w);
    c->json = ob_buf_detach(&js, NULL);
    c->text = format_text(&v);
    c->types = ob_strdup(types.buf);
    chain_abi_value_free(&v);
    ob_buf_release(&enc);
    ok = true;
  }
  if (ok && mode == ENCODE) {
    ob_buf_addf(script, "o=$('%s' abi-encode ", cast);
    sh_quote(script, sigtext.buf);
    for (size_t i = 0; i < n; i++) {
      ob_buf_addch(script, ' ');
      sh_quote(script, argv[i]);
    }
    ob_buf_addstr(script, " 2>&1 | tr '\\n' ' ') ; echo \"$o\"\n");
  } else if (ok && mode == DECODE_JSON) {
    ob_buf_addf(script, "o=$('%s' abi-decode --json 'f()%s' %s 2>&1 | tr '\\n' ' '); echo \"$o\"\n", cast,
                c->types, c->encoding);
  } else if (ok) {
    ob_buf_addf(script, "o=$('%s' abi-decode 'f()%s' %s 2>&1 | tr '\\n' '\\001'); echo \"$o\"\n", cast,
                c->types, c->encoding);
  }
  for (size_t i = 0; i < n; i++)
    ob_free(owned[i]);
  free(owned);
  free((void *)argv);
out:
  chain_abi_sig_free(sig);
  ob_buf_release(&types);
  ob_buf_release(&val);
  ob_buf_release(&sigtext);
  return ok;
}

/* Normalise JSON text (cast pretty-prints) through our reader and compact writer. */
static char *normal_json(const char *text) {
  struct ob_json *doc = NULL;
  struct ob_buf b;
  if (ob_json_parse(&doc, text, strlen(text), NULL, NULL) != 0)
    return NULL;
  ob_buf_init(&b, 0);
  ob_json_dump(&b, doc);
  ob_json_free(doc);
  return ob_buf_detach(&b, NULL);
}

static void abi_vs_cast(enum mode mode, int ncases, uint64_t dflt_seed) {
  const char *cast = cast_path();
  OB_REQUIRE(cast != NULL);
  uint64_t seed = seed_and_print(dflt_seed);
  struct abi_case *cases = calloc(CASES, sizeof(*cases));
  struct ob_buf script;
  ob_buf_init(&script, 0);
  int made = 0;
  for (int i = 0; i < ncases; i++)
    made += make_case(&cases[i], &script, cast, mode);
  OB_CHECK_EQ(made, ncases);
  char *all = NULL, **lines = NULL;
  size_t n = run_script(script.buf, &all, &lines);
  OB_CHECK_EQ(n, (size_t)made);
  int bad = 0;
  for (size_t i = 0; i < n && bad < 10; i++) {
    const struct abi_case *c = &cases[i];
    char *line = lines[i];
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\001'))
      line[--len] = '\0';
    const char *mine = mode == ENCODE ? c->encoding : mode == DECODE_JSON ? c->json : c->text;
    char *theirs = mode == DECODE_JSON ? normal_json(line) : ob_strdup(line);
    char *ours = mode == DECODE_JSON ? normal_json(mine) : ob_strdup(mine);
    bool same = theirs && ours && strcmp(theirs, ours) == 0;
    if (!same)
      bad++;
    OB_CHECK_MSG(same, "seed %llu case %zu types %s\n  ours: %s\n  cast: %s", (unsigned long long)seed, i,
                 c->types, mine, line);
    ob_free(theirs);
    ob_free(ours);
  }
  for (int i = 0; i < CASES; i++) {
    ob_free(cases[i].types);
    ob_free(cases[i].encoding);
    ob_free(cases[i].json);
    ob_free(cases[i].text);
  }
  free(cases);
  free(lines);
  free(all);
  ob_buf_release(&script);
}

OB_TEST(abi_encode_vs_cast_random) {
  abi_vs_cast(ENCODE, CASES, 0xab1e);
}

OB_TEST(abi_decode_vs_cast_random) {
  abi_vs_cast(DECODE_JSON, CASES, 0xdec0de);
}

/* cast's text form (number notes, string escapes, nesting): fewer cases, same generator. */
OB_TEST(abi_decode_text_vs_cast_random) {
  abi_vs_cast(DECODE_TEXT, 300, 0x7e47);
}
