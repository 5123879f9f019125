/* The registry contract from C (registry.h). */
#include "ob/node/registry.h"
#include "ob/node/adapter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/chain/keccak.h"
#include "ob/chain/rpc.h"
#include "ob/contracts/contracts.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"
#include "ob/core/util.h"

#define CALL_TIMEOUT_MS 30000

static const char *const registry_errors[] = {
    "NotOwner(address)", "NotPendingOwner(address)", "EmptySignerSet()", "TooManySigners(uint256,uint256)",
    "ZeroSigner(uint256)", "DuplicateSigner(uint256,address)", "ThresholdOutOfRange(uint256,uint256)",
    "MaxAgeOutOfRange(uint256,uint256,uint256)", "ZeroRoot()", "ZeroCount()", "EmptyField(string)",
    "StaleRound(uint64,uint64)", "TimestampBeforeLatest(uint64,uint64)", "TimestampTooNew(uint64,uint256)",
    "TimestampTooOld(uint64,uint256)", "NotEnoughSignatures(uint256,uint256)", "BadSignatureLength(uint256,uint256)",
    "HighS(uint256)", "BadV(uint256,uint8)", "InvalidSignature(uint256)", "UnknownSigner(uint256,address)",
    "SignerNotAscending(uint256,address,address)", "ModelExists(bytes32)"};
#define NERRORS (sizeof(registry_errors) / sizeof(registry_errors[0]))

int node_registry_describe_revert(struct ob_buf *out, const uint8_t *data, size_t len) {
  struct chain_abi_sig *sigs[NERRORS];
  size_t n = 0;
  int rc;
  for (size_t i = 0; i < NERRORS; i++)
    if (chain_abi_sig_parse(&sigs[n], registry_errors[i], NULL) == 0) n++;
  rc = chain_abi_decode_revert(out, data, len, sigs, n, NULL);
  for (size_t i = 0; i < n; i++) chain_abi_sig_free(sigs[i]);
  return rc;
}

/* Encode sig(args as cast text) into out. */
static int encode(struct ob_buf *out, const char *sigtext, const char *const *argv, size_t argc, bool with_selector,
                  struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  int rc = chain_abi_sig_parse(&sig, sigtext, err);
  memset(&v, 0, sizeof(v));
  if (!rc) rc = chain_abi_parse_args(&v, sig->inputs, argv, argc, err);
  if (!rc) rc = with_selector ? chain_abi_encode_call(out, sig, &v) : chain_abi_encode(out, &v);
  if (rc == OB_ENOMEM) ob_err_set(err, rc, "out of memory");
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  return rc;
}

/* "[0x…,0x…]" of n items of w bytes each. */
static int hex_list(struct ob_buf *b, const uint8_t *items, size_t n, size_t w) {
  char *h = ob_malloc(2 * w + 3);
  int rc = h ? ob_buf_addch(b, '[') : OB_ENOMEM;
  for (size_t i = 0; !rc && i < n; i++) {
    ob_hex_encode0x(h, items + i * w, w);
    rc = ob_buf_addf(b, "%s%s", i ? "," : "", h);
  }
  if (!rc) rc = ob_buf_addch(b, ']');
  if (!rc) rc = ob_buf_addch(b, 0);
  ob_free(h);
  return rc;
}

/* (address[] signers, uint8 threshold) encoded after a selector (with_selector, for setSigners) or
 * after the init code (a deploy's constructor arguments). */
static int encode_signer_set(struct ob_buf *out, const char *sig, const uint8_t (*signers)[20], size_t n,
                             unsigned threshold, bool with_selector, struct ob_err *err) {
  struct ob_buf list;
  char th[24];
  const char *argv[2];
  int rc;
  ob_buf_init(&list, 1 << 20);
  if (hex_list(&list, &signers[0][0], n, 20)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  snprintf(th, sizeof(th), "%u", threshold);
  argv[0] = list.buf, argv[1] = th;
  rc = encode(out, sig, argv, 2, with_selector, err);
  ob_buf_release(&list);
  return rc;
}

int node_registry_deploy_code(struct ob_buf *out, const uint8_t (*signers)[20], size_t n, unsigned threshold,
                              struct ob_err *err) {
  size_t got = 0;
  int rc;
  if (ob_buf_grow(out, ob_registry_bytecode_hex_len / 2)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = ob_hex_decode((uint8_t *)out->buf + out->len, ob_registry_bytecode_hex_len / 2, &got, ob_registry_bytecode_hex,
                     ob_registry_bytecode_hex_len, err);
  if (rc) return rc;
  out->len += got;
  return encode_signer_set(out, "(address[],uint8)", signers, n, threshold, false, err);
}

int node_registry_commit_data(struct ob_buf *out, uint64_t round, const uint8_t root[32], const char *cid,
                              uint64_t timestamp, uint32_t count, const uint8_t (*sigs)[65], size_t n,
                              struct ob_err *err) {
  struct ob_buf list;
  char r[24], rt[67], ts[24], cn[24];
  const char *argv[6];
  int rc;
  ob_buf_init(&list, 1 << 20);
  if (hex_list(&list, &sigs[0][0], n, 65)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  snprintf(r, sizeof(r), "%" PRIu64, round);
  ob_hex_encode0x(rt, root, 32);
  snprintf(ts, sizeof(ts), "%" PRIu64, timestamp);
  snprintf(cn, sizeof(cn), "%" PRIu32, count);
  argv[0] = r, argv[1] = rt, argv[2] = cid, argv[3] = ts, argv[4] = cn, argv[5] = list.buf;
  rc = encode(out, "commit(uint64,bytes32,string,uint64,uint32,bytes[])", argv, 6, true, err);
  ob_buf_release(&list);
  return rc;
}

int node_registry_set_signers_data(struct ob_buf *out, const uint8_t (*signers)[20], size_t n, unsigned threshold,
                                   struct ob_err *err) {
  return encode_signer_set(out, "setSigners(address[],uint8)", signers, n, threshold, true, err);
}

int node_registry_set_max_age_data(struct ob_buf *out, uint64_t seconds, struct ob_err *err) {
  char s[24];
  const char *argv[1] = {s};
  snprintf(s, sizeof(s), "%" PRIu64, seconds);
  return encode(out, "setMaxAge(uint64)", argv, 1, true, err);
}

int node_registry_transfer_ownership_data(struct ob_buf *out, const uint8_t to[20], struct ob_err *err) {
  char a[43];
  const char *argv[1] = {a};
  ob_hex_encode0x(a, to, 20);
  return encode(out, "transferOwnership(address)", argv, 1, true, err);
}

int node_registry_accept_ownership_data(struct ob_buf *out, struct ob_err *err) {
  return encode(out, "acceptOwnership()", NULL, 0, true, err);
}

/* ---- readers ---- */

/* Describe hex revert data into err when it decodes as a registry error. True when it did. */
static bool describe_hex(const char *hex, size_t n, struct ob_err *err) {
  uint8_t *d = NULL;
  size_t len = 0;
  struct ob_buf b;
  bool ok = false;
  if (ob_hex_decode_alloc(&d, &len, hex, n, NULL) != 0) return false;
  ob_buf_init(&b, 4096);
  if (len >= 4 && node_adapter_describe_revert(&b, d, len) == 0 && b.buf) {
    ob_err_set(err, OB_EREVERT, "adapter: %s", b.buf);
    ok = true;
  } else if (len >= 4 && (ob_buf_reset(&b), node_registry_describe_revert(&b, d, len) == 0) && b.buf) {
    ob_err_set(err, OB_EREVERT, "registry: %s", b.buf);
    ok = true;
  }
  ob_buf_release(&b);
  ob_free(d);
  return ok;
}

/* Turn an eth_call error carrying revert data into the registry's error name: the data after the
 * message ("(rpc 3): 0x…", cut at 200 characters), else anvil's "custom error 0xSELECTOR: ARGS". */
static int name_revert(int rc, struct ob_err *err) {
  const char *p;
  if (rc != OB_EREVERT || !err) return rc;
  if ((p = strstr(err->msg, "): 0x")) != NULL &&
      describe_hex(p + 3, strspn(p + 5, "0123456789abcdefABCDEF") + 2, err))
    return rc;
  if ((p = strstr(err->msg, "custom error 0x")) != NULL && strspn(p + 15, "0123456789abcdefABCDEF") == 8 &&
      strncmp(p + 23, ": ", 2) == 0) {
    char hex[sizeof(err->msg)];
    size_t a = strspn(p + 25, "0123456789abcdefABCDEF");
    snprintf(hex, sizeof(hex), "%.8s%.*s", p + 15, (int)a, p + 25);
    describe_hex(hex, strlen(hex), err);
  }
  return rc;
}

/* eth_call of data at reg from `from` (may be NULL); the result's bytes into out. */
static int eth_call_at(struct chain_rpc *rpc, const uint8_t *from, const uint8_t *reg, const uint8_t *data,
                       size_t len, const char *block, struct ob_buf *out, struct ob_err *err) {
  struct ob_buf params, res;
  struct ob_json *j = NULL;
  char a[43];
  char *h = ob_malloc(2 * len + 3);
  int rc;
  if (!h) return ob_err_set(err, OB_ENOMEM, "out of memory");
  ob_buf_init(&params, (size_t)1 << 30);
  ob_buf_init(&res, (size_t)1 << 26);
  ob_hex_encode0x(h, data, len);
  rc = ob_buf_addstr(&params, "[{");
  if (from) {
    ob_hex_encode0x(a, from, 20);
    if (!rc) rc = ob_buf_addf(&params, "\"from\":\"%s\",", a);
  }
  if (reg) {
    ob_hex_encode0x(a, reg, 20);
    if (!rc) rc = ob_buf_addf(&params, "\"to\":\"%s\",", a);
  }
  if (!rc) rc = ob_buf_addf(&params, "\"data\":\"%s\"},\"%s\"]", h, block ? block : "latest");
  ob_free(h);
  if (rc) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  if (!rc) rc = name_revert(chain_rpc_call_sync(rpc, "eth_call", params.buf, 0, CALL_TIMEOUT_MS, &res, err), err);
  if (!rc) rc = ob_json_parse(&j, res.buf, res.len, NULL, err);
  if (!rc && out) {
    const char *s = ob_json_string(j);
    uint8_t *d = NULL;
    size_t n = 0;
    if (!s || ob_hex_decode_alloc(&d, &n, s, strlen(s), NULL))
      rc = ob_err_set(err, OB_EPEER, "eth_call: expected hex bytes in the result");
    else if (ob_buf_add(out, d, n))
      rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    ob_free(d);
  }
  ob_json_free(j);
  ob_buf_release(&params);
  ob_buf_release(&res);
  return rc;
}

static int eth_call(struct chain_rpc *rpc, const uint8_t *from, const uint8_t *reg, const uint8_t *data, size_t len,
                    struct ob_buf *out, struct ob_err *err) {
  return eth_call_at(rpc, from, reg, data, len, NULL, out, err);
}

int node_contract_call(struct chain_rpc *rpc, const uint8_t *from, const uint8_t to[20], const uint8_t *data,
                       size_t len, struct ob_buf *out, struct ob_err *err) {
  return eth_call(rpc, from, to, data, len, out, err);
}

int node_registry_simulate(struct chain_rpc *rpc, const uint8_t from[20], const uint8_t *reg, const uint8_t *data,
                           size_t len, struct ob_err *err) {
  return eth_call(rpc, from, reg, data, len, NULL, err);
}

int node_registry_check_code(struct chain_rpc *rpc, const uint8_t reg[20], struct ob_err *err) {
  struct ob_buf res;
  char a[43], params[80];
  int rc;
  ob_hex_encode0x(a, reg, 20);
  snprintf(params, sizeof(params), "[\"%s\",\"latest\"]", a);
  ob_buf_init(&res, (size_t)1 << 26);
  rc = chain_rpc_call_sync(rpc, "eth_getCode", params, 0, CALL_TIMEOUT_MS, &res, err);
  if (!rc && (res.len < 4 || strncmp(res.buf, "\"0x\"", 4) == 0))
    rc = ob_err_set(err, OB_EINVAL, "registry %s: no contract code at this address", a);
  ob_buf_release(&res);
  return rc;
}

/* Call a view function and decode its outputs into v (owned, free with the returned sig). */
static int view_at(struct chain_rpc *rpc, const uint8_t reg[20], const char *block, const char *sigtext,
                   const char *const *argv, size_t argc, struct chain_abi_sig **sig, struct chain_abi_value *v,
                   struct ob_err *err) {
  struct ob_buf data, out;
  int rc;
  memset(v, 0, sizeof(*v));
  ob_buf_init(&data, 1 << 20);
  ob_buf_init(&out, (size_t)1 << 26);
  rc = chain_abi_sig_parse(sig, sigtext, err);
  if (!rc) rc = encode(&data, sigtext, argv, argc, true, err);
  if (!rc) rc = eth_call_at(rpc, NULL, reg, (const uint8_t *)data.buf, data.len, block, &out, err);
  if (!rc && chain_abi_decode(v, (*sig)->outputs, (const uint8_t *)out.buf, out.len, err))
    rc = ob_err_set(err, OB_EPEER, "registry %s: the reply does not decode (%s)", (*sig)->name, err ? err->msg : "");
  ob_buf_release(&data);
  ob_buf_release(&out);
  return rc;
}

static int view(struct chain_rpc *rpc, const uint8_t reg[20], const char *sigtext, const char *const *argv,
                size_t argc, struct chain_abi_sig **sig, struct chain_abi_value *v, struct ob_err *err) {
  return view_at(rpc, reg, NULL, sigtext, argv, argc, sig, v, err);
}

static uint64_t num64(const struct chain_abi_value *v) {
  uint64_t x = 0;
  chain_u256_to_u64(&v->num, &x);
  return x;
}

int node_registry_latest(struct chain_rpc *rpc, const uint8_t reg[20], uint64_t *round, uint8_t root[32],
                         uint64_t *timestamp, struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  int rc = view(rpc, reg, "latest()(uint64,bytes32,uint64)", NULL, 0, &sig, &v, err);
  if (!rc) {
    *round = num64(&v.items[0]);
    memcpy(root, v.items[1].data, 32);
    *timestamp = num64(&v.items[2]);
  }
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  return rc;
}

int node_registry_root_of(struct chain_rpc *rpc, const uint8_t reg[20], uint64_t round, uint8_t root[32],
                          struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  char r[24];
  const char *argv[1] = {r};
  int rc;
  snprintf(r, sizeof(r), "%" PRIu64, round);
  rc = view(rpc, reg, "rootOf(uint64)(bytes32)", argv, 1, &sig, &v, err);
  if (!rc) memcpy(root, v.items[0].data, 32);
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  return rc;
}

int node_registry_signers(struct chain_rpc *rpc, const uint8_t reg[20], struct node_registry_state *st,
                          struct ob_err *err) {
  return node_registry_signers_at(rpc, reg, NULL, st, err);
}

int node_registry_signers_at(struct chain_rpc *rpc, const uint8_t reg[20], const char *block,
                             struct node_registry_state *st, struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  int rc = view_at(rpc, reg, block, "signers()(address[],uint8)", NULL, 0, &sig, &v, err);
  if (!rc && v.items[0].n > NODE_REGISTRY_MAX_SIGNERS)
    rc = ob_err_set(err, OB_EPEER, "registry signers(): %zu signers, more than %d", v.items[0].n, NODE_REGISTRY_MAX_SIGNERS);
  if (!rc) {
    st->nsigners = v.items[0].n;
    for (size_t i = 0; i < st->nsigners; i++) memcpy(st->signers[i], v.items[0].items[i].data, 20);
    st->threshold = (unsigned)num64(&v.items[1]);
  }
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  return rc;
}

static int read_addr(struct chain_rpc *rpc, const uint8_t reg[20], const char *sigtext, uint8_t out[20],
                     struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  int rc = view(rpc, reg, sigtext, NULL, 0, &sig, &v, err);
  if (!rc) memcpy(out, v.items[0].data, 20);
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  return rc;
}

int node_registry_read(struct chain_rpc *rpc, const uint8_t reg[20], struct node_registry_state *st,
                       struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  int rc;
  memset(st, 0, sizeof(*st));
  memset(&v, 0, sizeof(v));
  rc = node_registry_check_code(rpc, reg, err);
  if (!rc) rc = read_addr(rpc, reg, "owner()(address)", st->owner, err);
  if (!rc) rc = read_addr(rpc, reg, "pendingOwner()(address)", st->pending_owner, err);
  if (!rc) rc = node_registry_signers(rpc, reg, st, err);
  if (!rc) rc = view(rpc, reg, "maxAge()(uint64)", NULL, 0, &sig, &v, err);
  if (!rc) st->max_age = num64(&v.items[0]);
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  if (!rc) rc = node_registry_latest(rpc, reg, &st->latest_round, st->latest_root, &st->latest_timestamp, err);
  return rc;
}

int node_registry_verify_data(struct ob_buf *out, uint64_t round, const uint8_t feed_id[32],
                              const struct chain_u256 *value, unsigned decimals, uint64_t observed_at,
                              const uint8_t (*proof)[32], size_t n, struct ob_err *err) {
  static const char sigtext[] = "verify(uint64,bytes32,int256,uint8,uint64,bytes32[])";
  uint8_t h[32], w[32];
  int rc;
  chain_keccak256(h, sigtext, sizeof(sigtext) - 1);
  rc = ob_buf_add(out, h, 4);
#define WORD_U64(x)                                        \
  do {                                                     \
    memset(w, 0, 32);                                      \
    for (int i_ = 0; i_ < 8; i_++) w[31 - i_] = (uint8_t)((uint64_t)(x) >> (8 * i_)); \
    if (!rc) rc = ob_buf_add(out, w, 32);                  \
  } while (0)
  WORD_U64(round);
  if (!rc) rc = ob_buf_add(out, feed_id, 32);
  chain_u256_to_be(w, value);
  if (!rc) rc = ob_buf_add(out, w, 32);
  WORD_U64(decimals);
  WORD_U64(observed_at);
  WORD_U64(6 * 32); /* offset of proof */
  WORD_U64(n);
  for (size_t i = 0; i < n && !rc; i++) rc = ob_buf_add(out, proof[i], 32);
#undef WORD_U64
  return rc ? ob_err_set(err, rc, "verify calldata: out of memory") : 0;
}

/* ---- the model index */

#define MODEL_REGISTERED_SIG "ModelRegistered(bytes32,string,string,string,bytes32,uint64)"

int node_registry_register_model_data(struct ob_buf *out, const char *name, const char *version, const char *cid,
                                      const uint8_t digest[32], uint64_t size, const uint8_t (*sigs)[65], size_t n,
                                      struct ob_err *err) {
  struct ob_buf list;
  char d[67], sz[24];
  const char *argv[6];
  int rc;
  ob_buf_init(&list, 1 << 20);
  if (hex_list(&list, &sigs[0][0], n, 65)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  ob_hex_encode0x(d, digest, 32);
  snprintf(sz, sizeof(sz), "%" PRIu64, size);
  argv[0] = name, argv[1] = version, argv[2] = cid, argv[3] = d, argv[4] = sz, argv[5] = list.buf;
  rc = encode(out, "registerModel(string,string,string,bytes32,uint64,bytes[])", argv, 6, true, err);
  ob_buf_release(&list);
  return rc;
}

int node_registry_model(struct chain_rpc *rpc, const uint8_t reg[20], const char *name, const char *version,
                        struct node_model_entry *e, struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  const char *argv[2] = {name, version};
  int rc = view(rpc, reg, "model(string,string)(string,bytes32,uint64,uint64)", argv, 2, &sig, &v, err);
  memset(e, 0, sizeof(*e));
  snprintf(e->name, sizeof(e->name), "%s", name);
  snprintf(e->version, sizeof(e->version), "%s", version);
  if (!rc) {
    if (v.items[0].len >= sizeof(e->cid)) rc = ob_err_set(err, OB_EPEER, "model(): cid too long");
    else {
      memcpy(e->cid, v.items[0].data, v.items[0].len);
      e->cid[v.items[0].len] = '\0';
      memcpy(e->digest, v.items[1].data, 32);
      e->size = num64(&v.items[2]);
      e->registered_at = num64(&v.items[3]);
    }
  }
  chain_abi_value_free(&v);
  chain_abi_sig_free(sig);
  return rc;
}

static int model_log(const struct ob_json *log, struct chain_abi_sig *sig, struct node_model_entry *e,
                     struct ob_err *err) {
  const char *data = ob_json_string(ob_json_get(log, "data"));
  const char *blk = ob_json_string(ob_json_get(log, "blockNumber"));
  const char *tx = ob_json_string(ob_json_get(log, "transactionHash"));
  uint8_t *d = NULL;
  size_t n = 0;
  struct chain_abi_value v;
  int rc;
  memset(e, 0, sizeof(*e));
  if (!data || ob_hex_decode_alloc(&d, &n, data, strlen(data), NULL))
    return ob_err_set(err, OB_EPEER, "ModelRegistered log: data is not hex");
  rc = chain_abi_decode(&v, sig->inputs, d, n, err);
  ob_free(d);
  if (rc) return ob_err_set(err, OB_EPEER, "ModelRegistered log: data does not decode");
  if (v.items[0].len >= sizeof(e->name) || v.items[1].len >= sizeof(e->version) || v.items[2].len >= sizeof(e->cid))
    rc = ob_err_set(err, OB_EPEER, "ModelRegistered log: a field is too long");
  if (!rc) {
    memcpy(e->name, v.items[0].data, v.items[0].len);
    memcpy(e->version, v.items[1].data, v.items[1].len);
    memcpy(e->cid, v.items[2].data, v.items[2].len);
    memcpy(e->digest, v.items[3].data, 32);
    e->size = num64(&v.items[4]);
    if (blk) e->block = strtoull(blk, NULL, 16);
    if (tx) snprintf(e->tx, sizeof(e->tx), "%s", tx);
  }
  chain_abi_value_free(&v);
  return rc;
}

int node_registry_model_logs(struct chain_rpc *rpc, const uint8_t reg[20],
                             int (*each)(void *ud, const struct node_model_entry *e, struct ob_err *err), void *ud,
                             struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  struct ob_buf res;
  uint64_t head = 0, step = 10000;
  uint8_t topic[32];
  char t0[67], a[43], params[512];
  int rc;
  ob_buf_init(&res, (size_t)1 << 28);
  rc = chain_rpc_call_sync(rpc, "eth_blockNumber", "[]", 0, 30000, &res, err);
  if (!rc) {
    struct ob_json *j = NULL;
    if (ob_json_parse(&j, res.buf, res.len, NULL, err) || chain_json_quantity(j, &head, "eth_blockNumber", err))
      rc = ob_err_set(err, OB_EPEER, "eth_blockNumber: not a quantity");
    ob_json_free(j);
  }
  if (!rc) rc = chain_abi_sig_parse(&sig, "ModelRegistered(string,string,string,bytes32,uint64)", err);
  chain_keccak256(topic, MODEL_REGISTERED_SIG, strlen(MODEL_REGISTERED_SIG));
  ob_hex_encode0x(t0, topic, 32);
  ob_hex_encode0x(a, reg, 20);
  for (uint64_t from = 0; !rc && from <= head; from += step) {
    uint64_t to = head - from < step ? head : from + step - 1;
    struct ob_json *j = NULL;
    snprintf(params, sizeof(params),
             "[{\"address\":\"%s\",\"topics\":[\"%s\"],\"fromBlock\":\"0x%" PRIx64 "\",\"toBlock\":\"0x%" PRIx64 "\"}]",
             a, t0, from, to);
    ob_buf_reset(&res);
    rc = chain_rpc_call_sync(rpc, "eth_getLogs", params, 0, 30000, &res, err);
    if (!rc && (ob_json_parse(&j, res.buf, res.len, NULL, err) || !ob_json_is(j, OB_JSON_ARRAY)))
      rc = ob_err_set(err, OB_EPEER, "eth_getLogs: expected an array");
    for (size_t i = 0; !rc && ob_json_at(j, i); i++) {
      struct node_model_entry e;
      rc = model_log(ob_json_at(j, i), sig, &e, err);
      if (!rc) rc = each(ud, &e, err);
    }
    ob_json_free(j);
    if (to == head) break;
  }
  chain_abi_sig_free(sig);
  ob_buf_release(&res);
  return rc;
}
