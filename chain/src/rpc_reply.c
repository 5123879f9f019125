/* Reading JSON-RPC messages from a peer: replies, notifications, error objects, revert data.
 * Everything here takes outside bytes and is fuzzed (tests/fuzz/fuzz_rpc_reply.c). */
#include <string.h>

#include "ob/chain/rpc.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"
#include "ob/core/util.h"

static void classify(const struct ob_json *v, struct chain_rpc_msg *m) {
  const struct ob_json *id, *params;
  memset(m, 0, sizeof(*m));
  m->kind = CHAIN_MSG_OTHER;
  if (!ob_json_is(v, OB_JSON_OBJECT)) return;
  id = ob_json_get(v, "id");
  params = ob_json_get(v, "params");
  if (ob_json_is(ob_json_get(v, "method"), OB_JSON_STRING) && ob_json_is(params, OB_JSON_OBJECT) &&
      ob_json_string(ob_json_get(params, "subscription"))) {
    m->kind = CHAIN_MSG_NOTIFICATION;
    m->sub_id = ob_json_string(ob_json_get(params, "subscription"));
    m->sub_result = ob_json_get(params, "result");
    return;
  }
  m->result = ob_json_get(v, "result");
  m->error = ob_json_get(v, "error");
  if (!m->result && !m->error) return;
  m->kind = CHAIN_MSG_REPLY;
  if (id && ob_json_is(id, OB_JSON_NUMBER) && ob_json_u64(id, &m->id, NULL) == 0) m->has_id = true;
  if (m->error && ob_json_is(m->error, OB_JSON_NULL)) m->error = NULL;
  if (m->error) m->result = NULL;
  else if (!m->result) m->kind = CHAIN_MSG_OTHER;
}

int chain_rpc_msg_read(const char *text, size_t len, size_t max,
                       void (*each)(void *ud, const struct chain_rpc_msg *m), void *ud, struct ob_err *err) {
  struct ob_json_limits lim;
  struct ob_json *root = NULL;
  struct chain_rpc_msg m;
  int rc;
  ob_json_limits_init(&lim);
  lim.max_bytes = max;
  if (lim.max_string > max) lim.max_string = max;
  rc = ob_json_parse(&root, text, len, &lim, err);
  if (rc) return rc;
  if (ob_json_is(root, OB_JSON_ARRAY)) {
    for (size_t i = 0; i < root->len; i++) {
      classify(root->items[i], &m);
      each(ud, &m);
    }
  } else {
    classify(root, &m);
    each(ud, &m);
  }
  ob_json_free(root);
  return 0;
}

static uint64_t be_word_u64(const uint8_t *w, bool *fits) {
  uint64_t v = 0;
  *fits = true;
  for (size_t i = 0; i < 24; i++)
    if (w[i]) *fits = false;
  for (size_t i = 24; i < 32; i++) v = v << 8 | w[i];
  return v;
}

/* Printable ASCII stays, everything else becomes '?': a reason is for people and logs. */
static void copy_printable(char *out, size_t cap, const uint8_t *p, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < cap; i++) out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
  out[o] = 0;
}

static bool decode_error_string(char *out, size_t cap, const uint8_t *d, size_t n) {
  bool fits;
  uint64_t off, len;
  if (n < 4 + 64) return false;
  off = be_word_u64(d + 4, &fits);
  if (!fits || off > n - 4 - 32) return false;
  len = be_word_u64(d + 4 + off, &fits);
  if (!fits || len > n - 4 - 32 - off) return false;
  copy_printable(out, cap, d + 4 + 32 + off, (size_t)len);
  return true;
}

static const char *panic_name(uint64_t code) {
  switch (code) {
  case 0x01: return "assertion failed";
  case 0x11: return "arithmetic overflow";
  case 0x12: return "division by zero";
  case 0x21: return "invalid enum value";
  case 0x22: return "bad storage byte array";
  case 0x31: return "pop on empty array";
  case 0x32: return "array index out of bounds";
  case 0x41: return "out of memory";
  case 0x51: return "call to zero function";
  default: return "unknown";
  }
}

void chain_revert_reason(char *out, size_t cap, const char *data_hex) {
  uint8_t *d = NULL;
  size_t n = 0;
  bool done = false;
  if (!cap) return;
  out[0] = 0;
  if (!data_hex) return;
  if (ob_hex_decode_alloc(&d, &n, data_hex, strlen(data_hex), NULL) == 0 && n >= 4) {
    if (memcmp(d, "\x08\xc3\x79\xa0", 4) == 0) {
      done = decode_error_string(out, cap, d, n);
    } else if (memcmp(d, "\x4e\x48\x7b\x71", 4) == 0 && n == 36) {
      bool fits;
      uint64_t code = be_word_u64(d + 4, &fits);
      if (fits) {
        snprintf(out, cap, "panic 0x%02llx (%s)", (unsigned long long)code, panic_name(code));
        done = true;
      }
    }
  }
  ob_free(d);
  if (!done) snprintf(out, cap, "%s", data_hex);
}

static const char *error_data(const struct ob_json *error) {
  const struct ob_json *data = ob_json_get(error, "data");
  if (ob_json_string(data)) return ob_json_string(data);
  if (ob_json_is(data, OB_JSON_OBJECT)) return ob_json_string(ob_json_get(data, "data"));
  return NULL;
}

int chain_rpc_error_from_json(const struct ob_json *error, const char *method, struct ob_err *err) {
  const char *msg = ob_json_string(ob_json_get(error, "message"));
  const char *data = error_data(error);
  int64_t code = 0;
  int rc = OB_EPEER;
  char reason[200] = "";
  if (ob_json_i64(ob_json_get(error, "code"), &code, NULL) != 0) code = 0;
  if (!msg) msg = "no message";
  if (data && ob_str_starts(data, "0x")) chain_revert_reason(reason, sizeof(reason), data);
  if (reason[0] || code == 3 || strstr(msg, "revert")) rc = OB_EREVERT;
  if (reason[0] && !strstr(msg, reason))
    ob_err_set(err, rc, "%s: %s (rpc %lld): %s", method ? method : "rpc", msg, (long long)code, reason);
  else
    ob_err_set(err, rc, "%s: %s (rpc %lld)", method ? method : "rpc", msg, (long long)code);
  if (err) err->rpc_code = (long)code;
  return rc;
}

int chain_json_quantity(const struct ob_json *v, uint64_t *out, const char *what, struct ob_err *err) {
  const char *s = ob_json_string(v);
  uint64_t x = 0;
  size_t n, i = 2;
  if (!s) {
    return ob_err_set(err, OB_EPARSE, "%s: expected a hex quantity string, got %s", what,
                      v ? ob_json_type_name(v->type) : "nothing");
  }
  n = strlen(s);
  if (n < 3 || n > 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    return ob_err_set(err, OB_EPARSE, "%s: expected a hex quantity like \"0x1a\", got \"%.80s\"", what, s);
  for (; i < n && s[i] == '0'; i++) {}
  if (n - i > 16) return ob_err_set(err, OB_ELIMIT, "%s: %.80s does not fit 64 bits", what, s);
  for (; i < n; i++) {
    char ch = s[i];
    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
    if (d < 0) return ob_err_set(err, OB_EPARSE, "%s: '%c' is not a hex digit in \"%.80s\"", what, ch, s);
    x = x << 4 | (uint64_t)d;
  }
  *out = x;
  return 0;
}

int chain_json_quantity_u256(const struct ob_json *v, struct chain_u256 *out, const char *what, struct ob_err *err) {
  const char *s = ob_json_string(v);
  if (!s) {
    return ob_err_set(err, OB_EPARSE, "%s: expected a hex quantity string, got %s", what,
                      v ? ob_json_type_name(v->type) : "nothing");
  }
  if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
    return ob_err_set(err, OB_EPARSE, "%s: expected a hex quantity like \"0x1a\", got \"%.80s\"", what, s);
  return chain_u256_parse(out, s, what, err);
}
