/* The Kubo RPC calls: build the URL, pick what to read from each reply value. */
#include <stdio.h>
#include <string.h>

#include "kubo_int.h"
#include "ob/core/alloc.h"
#include "ob/core/json.h"
#include "ob/core/log.h"

struct ipfs_kubo {
  char *api; /* "http://host:port" without a final slash */
  unsigned block_timeout_s;
  struct kubo__http *http;
};

void ipfs_kubo_opts_init(struct ipfs_kubo_opts *o) {
  memset(o, 0, sizeof(*o));
  o->api = "http://127.0.0.1:5001";
  o->connect_timeout_s = 10;
  o->stall_timeout_s = 60;
  o->block_timeout_s = 30;
}

int ipfs_kubo_new(struct ipfs_kubo **out, const struct ipfs_kubo_opts *o, struct ob_err *err) {
  struct ipfs_kubo *k;
  size_t n;
  int rc;
  OB_ARG_CHECK(out && o && o->api);
  if (strncmp(o->api, "http://", 7) != 0 && strncmp(o->api, "https://", 8) != 0)
    return ob_err_set(err, OB_EINVAL, "ipfs.api '%s' is not an http:// or https:// URL", o->api);
  k = ob_calloc(1, sizeof(*k));
  if (!k || !(k->api = ob_strdup(o->api))) {
    ob_free(k);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  n = strlen(k->api);
  while (n && k->api[n - 1] == '/') k->api[--n] = 0;
  k->block_timeout_s = o->block_timeout_s ? o->block_timeout_s : 30;
  rc = kubo__http_new(&k->http, o->connect_timeout_s ? o->connect_timeout_s : 10,
                      o->stall_timeout_s ? o->stall_timeout_s : 60, err);
  if (rc) {
    ipfs_kubo_free(k);
    return rc;
  }
  *out = k;
  return 0;
}

void ipfs_kubo_free(struct ipfs_kubo *k) {
  if (!k) return;
  kubo__http_free(k->http);
  ob_free(k->api);
  ob_free(k);
}

static int url_begin(struct ipfs_kubo *k, struct ob_buf *url, const char *endpoint) {
  ob_buf_init(url, 16 << 10);
  return ob_buf_addf(url, "%s/api/v0/%s", k->api, endpoint);
}

/* POST url with no upload; each NDJSON value goes to on_value. */
static int call(struct ipfs_kubo *k, struct ob_buf *url,
                int (*on_value)(void *, const struct ob_json *, struct ob_err *), void *ud,
                struct ob_err *err) {
  struct kubo__req req = {.url = url->buf, .upload_size = -1};
  struct kubo__reply reply;
  int rc;
  kubo__reply_init(&reply);
  reply.on_value = on_value;
  reply.ud = ud;
  OB_LOG(OB_LOG_DEBUG, "ipfs", "rpc", "url", url->buf, NULL);
  rc = kubo__http_post(k->http, &req, &reply, err);
  kubo__reply_release(&reply);
  ob_buf_release(url);
  return rc;
}

/* cid-base=base32 makes both nodes print CIDv1 in base32; with a CIDv0 argument the js node
 * refuses it ("Cannot string encode V0 in base32"), so it is left out there. */
static int add_cid_base(struct ob_buf *url, const char *cid) {
  if (cid && strlen(cid) == 46 && cid[0] == 'Q' && cid[1] == 'm') return 0;
  return kubo__query_add(url, "cid-base", "base32");
}

static void copy_str(char *out, size_t cap, const char *s) {
  if (!cap) return;
  snprintf(out, cap, "%s", s ? s : "");
}

/* ---- add ---- */
void ipfs_add_opts_init(struct ipfs_add_opts *o) {
  memset(o, 0, sizeof(*o));
  o->pin = true;
  o->size = -1;
}

struct add_ctx {
  struct ipfs_add_result *res;
  bool got;
};

static int add_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct add_ctx *c = ud;
  const char *hash = ob_json_string(ob_json_get(v, "Hash"));
  const char *name = ob_json_string(ob_json_get(v, "Name"));
  uint64_t n = 0;
  if (!ob_json_is(v, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "kubo: add answered a non-object");
  if (!hash) { /* a progress line: {"Name","Bytes"} */
    if (ob_json_get(v, "Bytes") && kubo__json_size(ob_json_get(v, "Bytes"), &n) == 0) c->res->node_bytes = n;
    return 0;
  }
  /* With wrap-with-directory the last line is the directory (Name ""): the last one wins. */
  copy_str(c->res->cid, sizeof(c->res->cid), hash);
  copy_str(c->res->name, sizeof(c->res->name), name);
  c->res->size = 0;
  if (ob_json_get(v, "Size") && kubo__json_size(ob_json_get(v, "Size"), &n) == 0) c->res->size = n;
  if (strlen(hash) >= sizeof(c->res->cid)) return ob_err_set(err, OB_EPARSE, "kubo: add answered an overlong CID");
  c->got = true;
  return 0;
}

static int add_url(struct ipfs_kubo *k, struct ob_buf *url, const struct ipfs_add_opts *o) {
  int rc = url_begin(k, url, "add");
  if (!rc) rc = kubo__query_add(url, "cid-version", o->cid_version ? "1" : "0");
  if (!rc && o->raw_leaves) rc = kubo__query_add(url, "raw-leaves", "true");
  if (!rc && o->chunk_size) {
    char ch[32];
    snprintf(ch, sizeof(ch), "size-%u", o->chunk_size);
    rc = kubo__query_add(url, "chunker", ch);
  }
  if (!rc && o->max_file_links) rc = kubo__query_addu(url, "max-file-links", o->max_file_links);
  if (!rc) rc = kubo__query_add(url, "pin", o->pin ? "true" : "false");
  if (!rc && o->only_hash) rc = kubo__query_add(url, "only-hash", "true");
  if (!rc && o->wrap_with_directory) rc = kubo__query_add(url, "wrap-with-directory", "true");
  if (!rc) rc = kubo__query_add(url, "progress", o->progress ? "true" : "false");
  if (!rc && o->cid_version) rc = kubo__query_add(url, "cid-base", "base32");
  return rc;
}

/* One add call, whatever its body (a stream or a tree of parts): the answer's last line is the root. */
static int run_add(struct ipfs_kubo *k, const struct ipfs_add_opts *o, struct kubo__req *req,
                   struct ipfs_add_result *res, struct ob_err *err) {
  struct add_ctx c = {.res = res};
  struct kubo__reply reply;
  struct ob_buf url;
  int rc;
  if (add_url(k, &url, o)) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  req->url = url.buf;
  kubo__reply_init(&reply);
  reply.on_value = add_value;
  reply.ud = &c;
  rc = kubo__http_post(k->http, req, &reply, err);
  if (!rc && !c.got) rc = ob_err_set(err, OB_EPARSE, "kubo: add finished without a Hash");
  kubo__reply_release(&reply);
  ob_buf_release(&url);
  return rc;
}

int ipfs_kubo_add(struct ipfs_kubo *k, const struct ipfs_add_opts *o, ipfs_read_fn rd, void *rd_ud,
                  ipfs_progress_fn progress, void *progress_ud, struct ipfs_add_result *res,
                  struct ob_err *err) {
  struct kubo__req req = {.upload = rd, .upload_ud = rd_ud, .filename = o->filename,
                          .upload_size = o->size, .progress = progress, .progress_ud = progress_ud};
  memset(res, 0, sizeof(*res));
  return run_add(k, o, &req, res, err);
}

int ipfs_kubo_add_tree(struct ipfs_kubo *k, const struct ipfs_add_opts *o,
                       const struct ipfs_add_part *parts, size_t nparts, ipfs_progress_fn progress,
                       void *progress_ud, struct ipfs_add_result *res, struct ob_err *err) {
  struct kubo__req req = {.parts = parts, .nparts = nparts, .upload_size = -1,
                          .progress = progress, .progress_ud = progress_ud};
  memset(res, 0, sizeof(*res));
  if (!nparts) return ob_err_set(err, OB_EINVAL, "kubo: add of an empty part list");
  return run_add(k, o, &req, res, err);
}

/* ---- cat ---- */
int ipfs_kubo_cat(struct ipfs_kubo *k, const char *path, ipfs_write_fn sink, void *sink_ud,
                  struct ob_err *err) {
  struct kubo__req req = {.upload_size = -1};
  struct kubo__reply reply;
  struct ob_buf url;
  int rc = url_begin(k, &url, "cat");
  /* No timeout= here: on Kubo it bounds the whole call, and a large cat may rightly take long. A
   * missing block shows as no progress and the stall timeout ends the call. */
  if (!rc) rc = kubo__query_add(&url, "arg", path);
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  req.url = url.buf;
  kubo__reply_init(&reply);
  reply.on_raw = sink;
  reply.ud = sink_ud;
  rc = kubo__http_post(k->http, &req, &reply, err);
  kubo__reply_release(&reply);
  ob_buf_release(&url);
  return rc;
}

/* ---- pins ---- */
static int add_timeout(struct ipfs_kubo *k, struct ob_buf *url) {
  int rc = kubo__query_addu(url, "timeout", k->block_timeout_s);
  return rc ? rc : ob_buf_addch(url, 's');
}

static int ignore_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  (void)ud;
  (void)v;
  (void)err;
  return 0;
}

static bool not_pinned_msg(const struct ob_err *err) {
  return err && (strstr(err->msg, "not pinned") || strstr(err->msg, "is not pinned"));
}

int ipfs_kubo_pin_rm(struct ipfs_kubo *k, const char *cid, struct ob_err *err) {
  struct ob_buf url;
  int rc = url_begin(k, &url, "pin/rm");
  if (!rc) rc = kubo__query_add(&url, "arg", cid);
  if (!rc) rc = kubo__query_add(&url, "recursive", "true");
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  rc = call(k, &url, ignore_value, NULL, err);
  if (rc == OB_EPEER && not_pinned_msg(err)) rc = err->code = OB_ENOENT;
  return rc;
}

struct pin_add_ctx {
  ipfs_progress_fn progress;
  void *ud;
  uint64_t blocks;
};

/* {"Pins":["CID"]} at the end; {"Progress":N} lines before it (Kubo with progress=true). */
static int pin_add_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct pin_add_ctx *c = ud;
  uint64_t n = 0;
  if (!ob_json_is(v, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "kubo: pin/add answered a non-object");
  if (ob_json_get(v, "Progress") && kubo__json_size(ob_json_get(v, "Progress"), &n) == 0) c->blocks = n;
  return 0;
}

/* Called by the transport about once a second: pass the blocks fetched so far on. */
static int pin_add_progress(void *ud, uint64_t sent, uint64_t received) {
  struct pin_add_ctx *c = ud;
  (void)sent;
  (void)received;
  return c->progress ? c->progress(c->ud, 0, c->blocks) : 0;
}

int ipfs_kubo_pin_add(struct ipfs_kubo *k, const char *cid, unsigned no_progress_s, ipfs_progress_fn progress,
                      void *progress_ud, struct ob_err *err) {
  struct pin_add_ctx c = {.progress = progress, .ud = progress_ud};
  struct kubo__req req = {.upload_size = -1, .progress = pin_add_progress, .progress_ud = &c,
                          .stall_timeout_s = no_progress_s};
  struct kubo__reply reply;
  struct ob_buf url;
  int rc = url_begin(k, &url, "pin/add");
  if (!rc) rc = kubo__query_add(&url, "arg", cid);
  if (!rc) rc = kubo__query_add(&url, "recursive", "true");
  if (!rc) rc = kubo__query_add(&url, "progress", "true");
  if (!rc) rc = kubo__query_addu(&url, "timeout", no_progress_s);
  if (!rc) rc = ob_buf_addch(&url, 's');
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  req.url = url.buf;
  kubo__reply_init(&reply);
  reply.on_value = pin_add_value;
  reply.ud = &c;
  OB_LOG(OB_LOG_DEBUG, "ipfs", "rpc", "url", url.buf, NULL);
  rc = kubo__http_post(k->http, &req, &reply, err);
  kubo__reply_release(&reply);
  ob_buf_release(&url);
  return rc;
}

int ipfs_kubo_swarm_connect(struct ipfs_kubo *k, const char *maddr, unsigned timeout_s, struct ob_err *err) {
  struct ob_buf url;
  int rc = url_begin(k, &url, "swarm/connect");
  if (!rc) rc = kubo__query_add(&url, "arg", maddr);
  if (!rc) rc = kubo__query_addu(&url, "timeout", timeout_s);
  if (!rc) rc = ob_buf_addch(&url, 's');
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  return call(k, &url, ignore_value, NULL, err);
}

struct pin_ls_ctx {
  int (*fn)(void *ud, const char *cid, const char *type);
  void *ud;
};

/* Kubo: {"Keys":{"CID":{"Type":"recursive"}}} or, streamed, {"Cid":"…","Type":"…"} per line. */
static int pin_ls_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct pin_ls_ctx *c = ud;
  const struct ob_json *keys = ob_json_get(v, "Keys");
  const char *cid = ob_json_string(ob_json_get(v, "Cid"));
  if (cid) return c->fn(c->ud, cid, ob_json_string(ob_json_get(v, "Type")));
  if (!ob_json_is(keys, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "kubo: pin/ls answered without Keys");
  for (size_t i = 0; i < keys->len; i++) {
    int rc = c->fn(c->ud, keys->keys[i], ob_json_string(ob_json_get(keys->items[i], "Type")));
    if (rc) return rc;
  }
  return 0;
}

static int pin_ls(struct ipfs_kubo *k, const char *cid, struct pin_ls_ctx *c, struct ob_err *err) {
  struct ob_buf url;
  int rc = url_begin(k, &url, "pin/ls");
  if (!rc && cid) rc = kubo__query_add(&url, "arg", cid);
  if (!rc) rc = kubo__query_add(&url, "stream", "true");
  if (!rc && cid) rc = add_cid_base(&url, cid);
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  return call(k, &url, pin_ls_value, c, err);
}

struct one_pin {
  bool found;
  char *type;
  size_t cap;
};

static int one_pin_fn(void *ud, const char *cid, const char *type) {
  struct one_pin *p = ud;
  (void)cid;
  p->found = true;
  if (p->type) copy_str(p->type, p->cap, type);
  return 0;
}

int ipfs_kubo_pin_ls(struct ipfs_kubo *k, const char *cid, bool *pinned, char *type, size_t typecap,
                     struct ob_err *err) {
  struct one_pin p = {.type = type, .cap = typecap};
  struct pin_ls_ctx c = {.fn = one_pin_fn, .ud = &p};
  int rc;
  *pinned = false;
  if (type && typecap) type[0] = 0;
  rc = pin_ls(k, cid, &c, err);
  if (rc == OB_EPEER && not_pinned_msg(err)) {
    ob_err_clear(err);
    return 0;
  }
  if (!rc) *pinned = p.found;
  return rc;
}

int ipfs_kubo_pin_ls_all(struct ipfs_kubo *k, int (*fn)(void *ud, const char *cid, const char *type),
                         void *ud, struct ob_err *err) {
  struct pin_ls_ctx c = {.fn = fn, .ud = ud};
  return pin_ls(k, NULL, &c, err);
}

/* ---- stats ---- */
static int block_stat_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  if (kubo__json_size(ob_json_get(v, "Size"), ud))
    return ob_err_set(err, OB_EPARSE, "kubo: block/stat answered without a Size");
  return 0;
}

int ipfs_kubo_block_stat(struct ipfs_kubo *k, const char *cid, uint64_t *size, struct ob_err *err) {
  struct ob_buf url;
  int rc = url_begin(k, &url, "block/stat");
  if (!rc) rc = kubo__query_add(&url, "arg", cid);
  if (!rc) rc = add_cid_base(&url, cid);
  if (!rc) rc = add_timeout(k, &url);
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  return call(k, &url, block_stat_value, size, err);
}

static int files_stat_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct ipfs_files_stat *st = ud;
  copy_str(st->hash, sizeof(st->hash), ob_json_string(ob_json_get(v, "Hash")));
  copy_str(st->type, sizeof(st->type), ob_json_string(ob_json_get(v, "Type")));
  if (kubo__json_size(ob_json_get(v, "Size"), &st->size) ||
      kubo__json_size(ob_json_get(v, "CumulativeSize"), &st->cumulative))
    return ob_err_set(err, OB_EPARSE, "kubo: files/stat answered without Size or CumulativeSize");
  if (ob_json_get(v, "Blocks")) kubo__json_size(ob_json_get(v, "Blocks"), &st->blocks);
  return 0;
}

int ipfs_kubo_files_stat(struct ipfs_kubo *k, const char *cid, struct ipfs_files_stat *st,
                         struct ob_err *err) {
  struct ob_buf url;
  int rc = url_begin(k, &url, "files/stat");
  memset(st, 0, sizeof(*st));
  if (!rc) rc = ob_buf_addstr(&url, "?arg=/ipfs/");
  for (const char *p = cid; !rc && *p; p++) /* a CID is [A-Za-z0-9] */
    rc = (p[0] >= '0' && p[0] <= '9') || (unsigned)((p[0] | 32) - 'a') < 26u ? ob_buf_addch(&url, *p) : OB_EINVAL;
  if (!rc) rc = add_cid_base(&url, cid);
  if (!rc) rc = add_timeout(k, &url);
  if (rc) {
    ob_buf_release(&url);
    return ob_err_set(err, rc, "cannot stat '%s': not a CID", cid);
  }
  return call(k, &url, files_stat_value, st, err);
}

struct id_ctx {
  char *id, *agent;
  size_t idcap, agentcap;
};

static int id_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct id_ctx *c = ud;
  const char *id = ob_json_string(ob_json_get(v, "ID"));
  if (!id) return ob_err_set(err, OB_EPARSE, "kubo: id answered without an ID");
  copy_str(c->id, c->idcap, id);
  copy_str(c->agent, c->agentcap, ob_json_string(ob_json_get(v, "AgentVersion")));
  return 0;
}

int ipfs_kubo_id(struct ipfs_kubo *k, char *id, size_t idcap, char *agent, size_t agentcap,
                 struct ob_err *err) {
  struct id_ctx c = {id, agent, idcap, agentcap};
  struct ob_buf url;
  if (url_begin(k, &url, "id")) return ob_err_set(err, OB_ENOMEM, "out of memory");
  return call(k, &url, id_value, &c, err);
}

struct addrs_ctx {
  int (*fn)(void *ud, const char *maddr);
  void *ud;
};

static int addrs_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct addrs_ctx *c = ud;
  const struct ob_json *a = ob_json_get(v, "Addresses");
  if (!ob_json_string(ob_json_get(v, "ID"))) return ob_err_set(err, OB_EPARSE, "kubo: id answered without an ID");
  if (!ob_json_is(a, OB_JSON_ARRAY)) return 0; /* null when the node listens nowhere */
  for (size_t i = 0; i < a->len && i < 64; i++) {
    const char *s = ob_json_string(a->items[i]);
    int rc = s ? c->fn(c->ud, s) : 0;
    if (rc) return rc;
  }
  return 0;
}

int ipfs_kubo_id_addrs(struct ipfs_kubo *k, int (*fn)(void *ud, const char *maddr), void *ud, struct ob_err *err) {
  struct addrs_ctx c = {fn, ud};
  struct ob_buf url;
  if (url_begin(k, &url, "id")) return ob_err_set(err, OB_ENOMEM, "out of memory");
  return call(k, &url, addrs_value, &c, err);
}

struct ver_ctx {
  char *ver;
  size_t cap;
};

static int version_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct ver_ctx *c = ud;
  const char *s = ob_json_string(ob_json_get(v, "Version"));
  if (!s) return ob_err_set(err, OB_EPARSE, "kubo: version answered without a Version");
  copy_str(c->ver, c->cap, s);
  return 0;
}

int ipfs_kubo_version(struct ipfs_kubo *k, char *ver, size_t cap, struct ob_err *err) {
  struct ver_ctx c = {ver, cap};
  struct ob_buf url;
  if (url_begin(k, &url, "version")) return ob_err_set(err, OB_ENOMEM, "out of memory");
  return call(k, &url, version_value, &c, err);
}

static int repo_stat_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct ipfs_repo_stat *st = ud;
  if (kubo__json_size(ob_json_get(v, "RepoSize"), &st->repo_size) ||
      kubo__json_size(ob_json_get(v, "NumObjects"), &st->num_objects))
    return ob_err_set(err, OB_EPARSE, "kubo: repo/stat answered without RepoSize or NumObjects");
  if (ob_json_get(v, "StorageMax")) kubo__json_size(ob_json_get(v, "StorageMax"), &st->storage_max);
  return 0;
}

int ipfs_kubo_repo_stat(struct ipfs_kubo *k, struct ipfs_repo_stat *st, struct ob_err *err) {
  struct ob_buf url;
  memset(st, 0, sizeof(*st));
  if (url_begin(k, &url, "repo/stat")) return ob_err_set(err, OB_ENOMEM, "out of memory");
  return call(k, &url, repo_stat_value, st, err);
}
