/* CID text and binary forms, and the two profiles. */
#include "ob/storage/cid.h"

#include <string.h>

#include "ob/core/err.h"
#include "ob/storage/multibase.h"

static const struct ipfs_profile_params profiles[] = {
    [IPFS_PROFILE_V0_2015] = {0, 262144, false, 174, ""},
    [IPFS_PROFILE_V1_2025] = {1, 1048576, true, 1024,
                              "cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024"},
};
static const char *const profile_names[] = {
    [IPFS_PROFILE_V0_2015] = "unixfs-v0-2015",
    [IPFS_PROFILE_V1_2025] = "unixfs-v1-2025",
};

#define CIDV0_TEXT_LEN 46
#define SHOW_MAX 80 /* characters of bad input echoed in a message */

int ipfs_profile_parse(enum ipfs_profile *out, const char *name, struct ob_err *err) {
  for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++) {
    if (strcmp(name, profile_names[i]) == 0) {
      *out = (enum ipfs_profile)i;
      return 0;
    }
  }
  return ob_err_set(err, OB_EINVAL, "unknown profile '%.*s': expected unixfs-v0-2015 or unixfs-v1-2025",
                    SHOW_MAX, name);
}

const char *ipfs_profile_name(enum ipfs_profile p) {
  return (unsigned)p <= IPFS_PROFILE_V1_2025 ? profile_names[p] : "unknown";
}

const struct ipfs_profile_params *ipfs_profile_params(enum ipfs_profile p) {
  return &profiles[(unsigned)p <= IPFS_PROFILE_V1_2025 ? p : IPFS_PROFILE_V0_2015];
}

/* Parse a multihash that must fill bytes[off..len) exactly. Returns NULL or a reason. */
static const char *parse_multihash(struct ipfs_cid *c, size_t off) {
  uint64_t code, dlen;
  size_t k = ipfs_varint_get(c->bytes + off, c->len - off, &code);
  if (!k) return "truncated or malformed multihash code";
  off += k;
  k = ipfs_varint_get(c->bytes + off, c->len - off, &dlen);
  if (!k) return "truncated or malformed multihash length";
  off += k;
  if (dlen > IPFS_CID_MAX_DIGEST) return "multihash digest longer than 64 bytes";
  if (dlen != c->len - off) return dlen > c->len - off ? "multihash digest truncated" : "trailing bytes after the multihash";
  if (code == IPFS_MH_SHA2_256 && dlen != 32) return "sha2-256 digest is not 32 bytes";
  c->mh_code = code;
  c->digest_off = off;
  c->digest_len = (size_t)dlen;
  return NULL;
}

static const char *parse_binary(struct ipfs_cid *c) {
  uint64_t ver, codec;
  size_t k, kc;
  if (c->len == 34 && c->bytes[0] == 0x12 && c->bytes[1] == 0x20) {
    c->version = 0;
    c->codec = IPFS_CODEC_DAG_PB;
    return parse_multihash(c, 0);
  }
  k = ipfs_varint_get(c->bytes, c->len, &ver);
  if (!k) return "malformed version varint";
  if (ver != 1) return ver == 0x12 ? "a CIDv0 must be a 34-byte sha2-256 multihash" : "unsupported CID version";
  c->version = 1;
  kc = ipfs_varint_get(c->bytes + k, c->len - k, &codec);
  if (!kc) return "truncated or malformed codec";
  c->codec = codec;
  return parse_multihash(c, k + kc);
}

int ipfs_cid_from_bytes(struct ipfs_cid *out, const uint8_t *bytes, size_t len, struct ob_err *err) {
  struct ipfs_cid c;
  const char *why;
  if (len == 0 || len > IPFS_CID_MAX_BYTES)
    return ob_err_set(err, OB_EPARSE, "binary CID: length %zu out of range", len);
  memset(&c, 0, sizeof c);
  memcpy(c.bytes, bytes, len);
  c.len = len;
  why = parse_binary(&c);
  if (why) return ob_err_set(err, OB_EPARSE, "binary CID: %s", why);
  *out = c;
  return 0;
}

/* The first character of text outside alphabet (either case when fold), as an index or len. */
static size_t first_invalid(const char *text, size_t len, const char *alphabet, bool fold) {
  for (size_t i = 0; i < len; i++) {
    char ch = fold && text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] - 'A' + 'a') : text[i];
    if (!ch || !strchr(alphabet, ch)) return i;
  }
  return len;
}

/* Positions in messages count from the start of the whole text, prefix included. */
static const char *bad_char(struct ob_err *e, const char *text, size_t len, size_t start,
                            const char *alphabet, bool fold, const char *base) {
  size_t at = start + first_invalid(text + start, len - start, alphabet, fold);
  if (at == len) return NULL;
  ob_err_set(e, OB_EPARSE, "invalid %s character '%c' at position %zu", base, text[at], at);
  return e->msg;
}

/* Decode text into c->bytes; returns NULL or a reason. */
static const char *decode_text(struct ipfs_cid *c, const char *text, size_t len, bool *v0text,
                               struct ob_err *e) {
  static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
  static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const char *why;
  int rc;
  *v0text = false;
  if ((text[0] == 'b' || text[0] == 'B') && (why = bad_char(e, text, len, 1, b32, true, "base32")))
    return why;
  if ((text[0] == 'z' || text[0] == 'Q') && (why = bad_char(e, text, len, text[0] == 'z', b58, false, "base58btc")))
    return why;
  if (len == CIDV0_TEXT_LEN && text[0] == 'Q' && text[1] == 'm') {
    *v0text = true;
    rc = ipfs_base58btc_decode(c->bytes, sizeof c->bytes, &c->len, text, len, e);
  } else if (text[0] == 'b' || text[0] == 'B') {
    for (size_t i = 1; i < len; i++) /* 'b' is lower-case base32, 'B' upper-case */
      if ((text[i] >= 'a' && text[i] <= 'z' && text[0] == 'B') ||
          (text[i] >= 'A' && text[i] <= 'Z' && text[0] == 'b'))
        return "base32 letters in the wrong case for the multibase prefix";
    rc = ipfs_base32_decode(c->bytes, sizeof c->bytes, &c->len, text + 1, len - 1, e);
  } else if (text[0] == 'z') {
    rc = ipfs_base58btc_decode(c->bytes, sizeof c->bytes, &c->len, text + 1, len - 1, e);
  } else {
    return "unsupported multibase prefix (expected Qm…, b… or z…)";
  }
  if (rc == OB_ESPACE || rc == OB_ELIMIT) return "too long";
  if (rc) return e->msg;
  return NULL;
}

int ipfs_cid_parse_n(struct ipfs_cid *out, const char *text, size_t len, struct ob_err *err) {
  struct ipfs_cid c;
  struct ob_err e;
  const char *why;
  bool v0text;
  size_t show = len < SHOW_MAX ? len : SHOW_MAX;
  memset(&c, 0, sizeof c);
  if (len == 0) return ob_err_set(err, OB_EPARSE, "'' is not a CID: empty");
  if (memchr(text, '\0', len))
    return ob_err_set(err, OB_EPARSE, "'%.*s' is not a CID: contains a NUL byte", (int)show, text);
  if (len > 2 * IPFS_CID_TEXT_MAX) {
    why = "too long";
  } else if (!(why = decode_text(&c, text, len, &v0text, &e))) {
    why = parse_binary(&c);
    if (!why && v0text != (c.version == 0))
      why = v0text ? "not a sha2-256 multihash" : "a CIDv0 must be written in base58btc without a prefix";
  }
  if (why) return ob_err_set(err, OB_EPARSE, "'%.*s%s' is not a CID: %s", (int)show, text,
                             len > show ? "…" : "", why);
  *out = c;
  return 0;
}

int ipfs_cid_parse(struct ipfs_cid *out, const char *text, struct ob_err *err) {
  return ipfs_cid_parse_n(out, text, strlen(text), err);
}

int ipfs_cid_from_sha256(struct ipfs_cid *out, unsigned version, uint64_t codec,
                         const uint8_t digest32[32]) {
  struct ipfs_cid c;
  size_t n = 0;
  if (version > 1 || (version == 0 && codec != IPFS_CODEC_DAG_PB)) return OB_EINVAL;
  memset(&c, 0, sizeof c);
  if (version == 1) {
    c.bytes[n++] = 1;
    n += ipfs_varint_put(c.bytes + n, codec);
  }
  c.bytes[n++] = IPFS_MH_SHA2_256;
  c.bytes[n++] = 32;
  memcpy(c.bytes + n, digest32, 32);
  c.version = version;
  c.codec = codec;
  c.mh_code = IPFS_MH_SHA2_256;
  c.digest_off = n;
  c.digest_len = 32;
  c.len = n + 32;
  *out = c;
  return 0;
}

int ipfs_cid_format(char *out, size_t outcap, const struct ipfs_cid *cid) {
  if (cid->version == 0) return ipfs_base58btc_encode(out, outcap, cid->bytes, cid->len);
  if (outcap < 2) return OB_ESPACE;
  out[0] = 'b';
  return ipfs_base32_encode(out + 1, outcap - 1, cid->bytes, cid->len);
}

int ipfs_cid_format_base58(char *out, size_t outcap, const struct ipfs_cid *cid) {
  if (cid->version == 0) return ipfs_base58btc_encode(out, outcap, cid->bytes, cid->len);
  if (outcap < 2) return OB_ESPACE;
  out[0] = 'z';
  return ipfs_base58btc_encode(out + 1, outcap - 1, cid->bytes, cid->len);
}

bool ipfs_cid_equal(const struct ipfs_cid *a, const struct ipfs_cid *b) {
  return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

bool ipfs_cid_same_multihash(const struct ipfs_cid *a, const struct ipfs_cid *b) {
  return a->mh_code == b->mh_code && a->digest_len == b->digest_len &&
         memcmp(a->bytes + a->digest_off, b->bytes + b->digest_off, a->digest_len) == 0;
}
