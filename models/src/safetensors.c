/* safetensors checks: see ob/models/safetensors.h for the format and the rules (they follow
 * huggingface/safetensors' tensor.rs, read_metadata and Metadata::validate). */
#include "ob/models/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/json.h"

static const struct {
  const char *name;
  unsigned bits;
} dtypes[MODEL_ST_NDTYPES] = {
    [MODEL_ST_BOOL] = {"BOOL", 8},         [MODEL_ST_F4] = {"F4", 4},
    [MODEL_ST_F6_E2M3] = {"F6_E2M3", 6},   [MODEL_ST_F6_E3M2] = {"F6_E3M2", 6},
    [MODEL_ST_U8] = {"U8", 8},             [MODEL_ST_I8] = {"I8", 8},
    [MODEL_ST_F8_E5M2] = {"F8_E5M2", 8},   [MODEL_ST_F8_E4M3] = {"F8_E4M3", 8},
    [MODEL_ST_F8_E8M0] = {"F8_E8M0", 8},   [MODEL_ST_F8_E4M3FNUZ] = {"F8_E4M3FNUZ", 8},
    [MODEL_ST_F8_E5M2FNUZ] = {"F8_E5M2FNUZ", 8},
    [MODEL_ST_I16] = {"I16", 16},          [MODEL_ST_U16] = {"U16", 16},
    [MODEL_ST_F16] = {"F16", 16},          [MODEL_ST_BF16] = {"BF16", 16},
    [MODEL_ST_I32] = {"I32", 32},          [MODEL_ST_U32] = {"U32", 32},
    [MODEL_ST_F32] = {"F32", 32},          [MODEL_ST_C64] = {"C64", 64},
    [MODEL_ST_F64] = {"F64", 64},          [MODEL_ST_I64] = {"I64", 64},
    [MODEL_ST_U64] = {"U64", 64},
};

const char *model_st_dtype_name(enum model_st_dtype d) {
  return (unsigned)d < MODEL_ST_NDTYPES ? dtypes[d].name : "?";
}

unsigned model_st_dtype_bits(enum model_st_dtype d) {
  return (unsigned)d < MODEL_ST_NDTYPES ? dtypes[d].bits : 0;
}

int model_st_dtype_parse(const char *name, size_t len) {
  for (int i = 0; i < MODEL_ST_NDTYPES; i++)
    if (strlen(dtypes[i].name) == len && memcmp(dtypes[i].name, name, len) == 0)
      return i;
  return -1;
}

struct tensor {
  const char *name; /* borrowed from the JSON tree */
  const struct ob_json *shape;
  int dtype;
  uint64_t begin, end;
};

static int tensor_cmp(const void *a, const void *b) {
  const struct tensor *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

static int u64_of(const struct ob_json *v, uint64_t *out, const char *name, const char *what,
                  struct ob_err *err) {
  if (ob_json_u64(v, out, NULL) == 0)
    return 0;
  if (ob_json_is(v, OB_JSON_NUMBER))
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': %s: expected an integer in 0..2^64-1, got %.40s",
                      name, what, v->str);
  return ob_err_set(err, OB_EPARSE, "tensor '%.200s': %s: expected an integer, got %s", name, what,
                    v ? ob_json_type_name(v->type) : "nothing");
}

/* One tensor entry's fields: dtype, shape, data_offsets (other keys are ignored, as serde does). */
static int read_tensor(struct tensor *t, const char *name, const struct ob_json *v, struct ob_err *err) {
  const struct ob_json *dt, *off;
  uint64_t dim;
  t->name = name;
  if (!ob_json_is(v, OB_JSON_OBJECT))
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': expected an object, got %s", name,
                      ob_json_type_name(v->type));
  dt = ob_json_get(v, "dtype");
  t->shape = ob_json_get(v, "shape");
  off = ob_json_get(v, "data_offsets");
  if (!dt || !t->shape || !off)
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': missing '%s'", name,
                      !dt ? "dtype" : !t->shape ? "shape" : "data_offsets");
  if (!ob_json_is(dt, OB_JSON_STRING))
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': dtype: expected a string, got %s", name,
                      ob_json_type_name(dt->type));
  t->dtype = model_st_dtype_parse(dt->str, dt->len);
  if (t->dtype < 0)
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': unknown dtype '%.40s'", name, dt->str);
  if (!ob_json_is(t->shape, OB_JSON_ARRAY))
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': shape: expected an array, got %s", name,
                      ob_json_type_name(t->shape->type));
  for (size_t i = 0; i < t->shape->len; i++)
    if (u64_of(t->shape->items[i], &dim, name, "shape", err) != 0)
      return OB_EPARSE;
  if (!ob_json_is(off, OB_JSON_ARRAY) || off->len != 2)
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': data_offsets: expected [begin, end]", name);
  if (u64_of(off->items[0], &t->begin, name, "data_offsets", err) != 0 ||
      u64_of(off->items[1], &t->end, name, "data_offsets", err) != 0)
    return OB_EPARSE;
  return 0;
}

static int read_metadata(size_t *count, const struct ob_json *v, struct ob_err *err) {
  if (ob_json_is(v, OB_JSON_NULL))
    return 0;
  if (!ob_json_is(v, OB_JSON_OBJECT))
    return ob_err_set(err, OB_EPARSE, "__metadata__: expected a map of strings, got %s",
                      ob_json_type_name(v->type));
  for (size_t i = 0; i < v->len; i++)
    if (!ob_json_is(v->items[i], OB_JSON_STRING))
      return ob_err_set(err, OB_EPARSE, "__metadata__: '%.200s': expected a string, got %s", v->keys[i],
                        ob_json_type_name(v->items[i]->type));
  *count = v->len;
  return 0;
}

/* shape product × bits / 8, exactly, or an error naming the tensor (Metadata::validate). */
static int tensor_bytes(uint64_t *bytes, uint64_t *elems, const struct tensor *t, struct ob_err *err) {
  uint64_t n = 1, bits;
  for (size_t i = 0; i < t->shape->len; i++) {
    uint64_t dim = 0;
    (void)ob_json_u64(t->shape->items[i], &dim, NULL);
    if (__builtin_mul_overflow(n, dim, &n))
      return ob_err_set(err, OB_EPARSE, "tensor '%.200s': the shape's element count overflows 64 bits",
                        t->name);
  }
  if (__builtin_mul_overflow(n, (uint64_t)model_st_dtype_bits(t->dtype), &bits))
    return ob_err_set(err, OB_EPARSE, "tensor '%.200s': the size of %" PRIu64 " × %s overflows 64 bits",
                      t->name, n, model_st_dtype_name(t->dtype));
  if (bits % 8 != 0)
    return ob_err_set(err, OB_EPARSE,
                      "tensor '%.200s': %" PRIu64 " elements of %s do not fill whole bytes (%" PRIu64 " bits)",
                      t->name, n, model_st_dtype_name(t->dtype), bits);
  *bytes = bits / 8;
  *elems = n;
  return 0;
}

static int validate(struct model_st_summary *sum, struct tensor *ts, size_t n, struct ob_err *err) {
  uint64_t at = 0, bytes = 0, elems = 0;
  qsort(ts, n, sizeof(*ts), tensor_cmp);
  for (size_t i = 0; i < n; i++) {
    const struct tensor *t = &ts[i];
    if (t->begin != at || t->end < t->begin) {
      if (t->end < t->begin)
        return ob_err_set(err, OB_EPARSE, "tensor '%.200s': data_offsets [%" PRIu64 ", %" PRIu64 "] end before they begin",
                          t->name, t->begin, t->end);
      return ob_err_set(err, OB_EPARSE,
                        "tensor '%.200s': data_offsets [%" PRIu64 ", %" PRIu64 "] %s: expected it to begin at %" PRIu64,
                        t->name, t->begin, t->end, t->begin < at ? "overlap the tensor before" : "leave a gap", at);
    }
    at = t->end;
    if (tensor_bytes(&bytes, &elems, t, err) != 0)
      return OB_EPARSE;
    if (t->end - t->begin != bytes)
      return ob_err_set(err, OB_EPARSE,
                        "tensor '%.200s': data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                        " bytes, the shape × %s needs %" PRIu64,
                        t->name, t->begin, t->end, t->end - t->begin, model_st_dtype_name(t->dtype), bytes);
    if (__builtin_add_overflow(sum->params, elems, &sum->params))
      sum->params = UINT64_MAX;
  }
  sum->data_len = at;
  return 0;
}

static int check_tree(struct model_st_summary *sum, const struct ob_json *root, struct ob_err *err) {
  struct tensor *ts;
  size_t n = 0;
  int rc = 0;
  if (!ob_json_is(root, OB_JSON_OBJECT))
    return ob_err_set(err, OB_EPARSE, "header: expected a JSON object, got %s", ob_json_type_name(root->type));
  ts = ob_calloc(root->len ? root->len : 1, sizeof(*ts));
  if (!ts)
    return ob_err_set(err, OB_ENOMEM, "header: out of memory for %zu tensors", root->len);
  for (size_t i = 0; i < root->len && rc == 0; i++) {
    if (strcmp(root->keys[i], "__metadata__") == 0)
      rc = read_metadata(&sum->metadata, root->items[i], err);
    else
      rc = read_tensor(&ts[n++], root->keys[i], root->items[i], err);
  }
  sum->tensors = n;
  if (rc == 0)
    rc = validate(sum, ts, n, err);
  ob_free(ts);
  return rc;
}

int model_st_check(struct model_st_summary *sum, const uint8_t *head, size_t head_len, uint64_t file_size,
                   struct ob_err *err) {
  struct model_st_summary s = {0};
  struct ob_json_limits lim;
  struct ob_json *root = NULL;
  uint64_t n = 0;
  int rc;
  if (file_size < 8)
    return ob_err_set(err, OB_EPARSE, "file of %" PRIu64 " bytes is shorter than the 8-byte header length",
                      file_size);
  if (head_len < 8)
    return ob_err_set(err, OB_EIO, "the first 8 bytes of the file were not read");
  for (int i = 7; i >= 0; i--)
    n = n << 8 | head[i];
  if (n > MODEL_ST_MAX_HEADER)
    return ob_err_set(err, OB_EPARSE, "header length %" PRIu64 " is over the format's limit of %u bytes", n,
                      MODEL_ST_MAX_HEADER);
  if (8 + n > file_size)
    return ob_err_set(err, OB_EPARSE, "header length %" PRIu64 " runs past the end of the file (%" PRIu64 " bytes)",
                      n, file_size);
  if (head_len < 8 + n)
    return ob_err_set(err, OB_EIO, "the header's %" PRIu64 " bytes were not read", n);
  ob_json_limits_init(&lim);
  lim.max_bytes = MODEL_ST_MAX_HEADER;
  lim.max_string = MODEL_ST_MAX_HEADER;
  lim.max_depth = 128; /* serde_json's recursion limit */
  lim.max_nodes = 16u << 20;
  rc = ob_json_parse(&root, (const char *)head + 8, (size_t)n, &lim, err);
  if (rc == OB_ENOMEM)
    return rc;
  if (rc != 0)
    return ob_err_prefix(err, OB_EPARSE, "header is not a JSON object");
  s.header_len = n;
  rc = check_tree(&s, root, err);
  ob_json_free(root);
  if (rc != 0)
    return rc;
  if (s.data_len != file_size - 8 - n) {
    if (s.data_len > file_size - 8 - n)
      return ob_err_set(err, OB_EPARSE, "the tensors need %" PRIu64 " data bytes, the file has %" PRIu64
                        " (truncated)", s.data_len, file_size - 8 - n);
    return ob_err_set(err, OB_EPARSE, "%" PRIu64 " trailing bytes after the last tensor's data",
                      file_size - 8 - n - s.data_len);
  }
  if (sum)
    *sum = s;
  return 0;
}

static int pread_all(int fd, uint8_t *buf, size_t len, uint64_t off, struct ob_err *err) {
  while (len > 0) {
    ssize_t r = pread(fd, buf, len, (off_t)off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      ob_err_set(err, OB_EIO, "cannot read the header: %s", r < 0 ? strerror(errno) : "file shrank");
      if (err)
        err->sys_errno = r < 0 ? errno : 0;
      return OB_EIO;
    }
    buf += r;
    len -= (size_t)r;
    off += (uint64_t)r;
  }
  return 0;
}

int model_st_check_fd(struct model_st_summary *sum, int fd, struct ob_err *err) {
  struct stat st;
  uint8_t len8[8];
  uint8_t *head;
  uint64_t n = 0;
  int rc;
  if (fstat(fd, &st) != 0)
    return ob_err_set(err, OB_EIO, "cannot stat the file: %s", strerror(errno));
  if (st.st_size < 8)
    return model_st_check(sum, NULL, 0, (uint64_t)st.st_size, err);
  if ((rc = pread_all(fd, len8, 8, 0, err)) != 0)
    return rc;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | len8[i];
  if (n > MODEL_ST_MAX_HEADER || 8 + n > (uint64_t)st.st_size)
    return model_st_check(sum, len8, 8, (uint64_t)st.st_size, err);
  head = ob_malloc((size_t)n + 8);
  if (!head)
    return ob_err_set(err, OB_ENOMEM, "out of memory for a header of %" PRIu64 " bytes", n);
  rc = pread_all(fd, head, (size_t)n + 8, 0, err);
  if (rc == 0)
    rc = model_st_check(sum, head, (size_t)n + 8, (uint64_t)st.st_size, err);
  ob_free(head);
  return rc;
}

int model_st_check_path(struct model_st_summary *sum, const char *path, struct ob_err *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int rc;
  if (fd < 0) {
    int e = errno;
    rc = ob_err_set(err, e == ENOENT ? OB_ENOENT : OB_EIO, "cannot open '%s': %s", path, strerror(e));
    if (err)
      err->sys_errno = e;
    return rc;
  }
  rc = model_st_check_fd(sum, fd, err);
  close(fd);
  if (rc != 0)
    return ob_err_prefix(err, rc, "'%s' is not a valid safetensors file", path);
  return 0;
}
