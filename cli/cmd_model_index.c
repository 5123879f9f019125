/* The model index: pin, sign and register a fetched model (the rest of `model fetch`), and
 * `model ls|show|verify|get` from the chain and IPFS alone (docs/MODELS.md).
 *
 * A model of one file is pinned as that file: the entry's sha256 and size are the file's. A model
 * of several files is pinned as one directory holding the files and MANIFEST.sha256 (one line per
 * file, sorted by name: 64 hex digits, two spaces, the name; `sha256sum -c` reads it): the entry's
 * sha256 is the manifest's, its size the sum of the files' sizes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_chain.h"
#include "cli_model.h"
#include "cli_pin.h"
#include "cli_sign.h"
#include "cli_txm.h"
#include "config.h"
#include "ob/chain/eip712.h"
#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/sha256.h"
#include "ob/core/util.h"
#include "ob/node/model_store.h"
#include "ob/node/registry.h"
#include "ob/storage/cid.h"
#include "ob/storage/kubo.h"

#define MANIFEST "MANIFEST.sha256"
#define MODEL_GAS 600000

static void crash_at(const char *step) {
  const char *v = getenv("OB_TEST_CRASH_AT");
  if (v && strcmp(v, step) == 0) _exit(9);
}

static int step_rank(const char *s) {
  static const char *const steps[] = {"fetched", "checked", "pinned", "registered"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, steps[i]) == 0) return i + 1;
  return 0;
}

/* a/b into out (cut short when it does not fit: the open or rename that follows then fails). */
static void pjoin(char *out, size_t cap, const char *a, const char *b) {
  int n = snprintf(out, cap, "%s/%s", a, b);
  if (n < 0 || (size_t)n >= cap) out[0] = '\0';
}

static const char *base_name(const char *p) { return strrchr(p, '/') ? strrchr(p, '/') + 1 : p; }

static int by_name(const void *a, const void *b) {
  return strcmp(base_name(*(const char *const *)a), base_name(*(const char *const *)b));
}

/* The manifest of the files (sorted by name) into out. */
static int manifest_of(struct ob_buf *out, const struct cli_model_fetch *mf, struct ob_err *err) {
  const char **names = ob_calloc(mf->n, sizeof(*names));
  int rc = 0;
  if (!names) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < mf->n; i++) names[i] = mf->paths[i];
  qsort(names, mf->n, sizeof(*names), by_name);
  for (size_t i = 0; i < mf->n && !rc; i++) {
    char hex[65];
    for (size_t k = 0; k < mf->n; k++)
      if (mf->paths[k] == names[i]) ob_hex_encode(hex, mf->files[k].sha256, 32);
    rc = ob_buf_addf(out, "%s  %s\n", hex, base_name(names[i]));
  }
  ob_free(names);
  return rc ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
}

/* STAGING/NAME@VERSION.pin: hard links to the files and the manifest, nothing else. */
static int pin_dir(char *dir, size_t cap, const struct cli_model_fetch *mf, const struct ob_buf *manifest,
                   struct ob_err *err) {
  char p[4200];
  DIR *d;
  struct dirent *e;
  snprintf(dir, cap, "%s.pin", mf->dir);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) return ob_err_set(err, OB_EIO, "cannot create '%s': %s", dir, strerror(errno));
  if ((d = opendir(dir))) { /* leftovers of an earlier run */
    while ((e = readdir(d)))
      if (e->d_name[0] != '.') {
        pjoin(p, sizeof p, dir, e->d_name);
        unlink(p);
      }
    closedir(d);
  }
  for (size_t i = 0; i < mf->n; i++) {
    pjoin(p, sizeof p, dir, base_name(mf->paths[i]));
    if (link(mf->paths[i], p) != 0) return ob_err_set(err, OB_EIO, "cannot link '%s': %s", p, strerror(errno));
  }
  pjoin(p, sizeof p, dir, MANIFEST);
  return ob_file_write_atomic(p, manifest->buf, manifest->len, 0644, err);
}

static int files_json(struct ob_buf *out, const struct cli_model_fetch *mf) {
  struct ob_jw w;
  ob_jw_init(&w, out, false);
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < mf->n; i++) {
    char hex[67];
    ob_hex_encode0x(hex, mf->files[i].sha256, 32);
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "name"), ob_jw_str(&w, base_name(mf->paths[i]));
    ob_jw_key(&w, "url"), ob_jw_str(&w, mf->files[i].url);
    ob_jw_key(&w, "size"), ob_jw_u64(&w, mf->files[i].size);
    ob_jw_key(&w, "sha256"), ob_jw_str(&w, hex);
    ob_jw_obj_end(&w);
  }
  ob_jw_arr_end(&w);
  if (ob_jw_finish(&w) || ob_buf_addch(out, 0)) return OB_ENOMEM;
  return 0;
}

static int fail(int *exit_code, int rc, const struct ob_err *err) {
  *exit_code = cli_fail(rc, err);
  return -1;
}

/* Register the entry (already checked not to be on chain): sign by the configured keys, send through
 * the transaction manager. */
static int register_entry(struct cli_txm *g, struct cli *cli, const struct ob_config *c, const uint8_t reg[20],
                          const struct chain_model_entry *me, const struct cli_model_opts *mo, struct node_tx_row *txr,
                          struct node_tx_rows *rows, int *exit_code) {
  static struct node_registry_state st;
  static struct keys keys;
  static struct sig sigs[MAX_KEYS];
  uint8_t digest[32], (*raw)[65] = NULL;
  char key[256], regl[43], purpose[200];
  struct ob_buf data;
  struct ob_err err;
  size_t nsigs = 0;
  int rc;
  ob_err_clear(&err);
  ob_buf_init(&data, 1 << 20);
  rc = node_registry_read(g->rpc, reg, &st, &err);
  if (!rc) rc = cli_sign_keys_load(cli, c, mo->signer_files, mo->key_file, &keys, &err);
  chain_eip712_model_entry_digest(digest, c->chain_id, reg, me);
  if (!rc) rc = cli_sign_digest(&keys, &st, digest, sigs, &nsigs, &err);
  ob_memclear(&keys, sizeof(keys));
  if (!rc && !(raw = ob_calloc(nsigs ? nsigs : 1, 65))) rc = ob_err_set(&err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < nsigs; i++) memcpy(raw[i], sigs[i].sig, 65);
  if (!rc)
    rc = node_registry_register_model_data(&data, me->name, me->version, me->cid, me->sha256, me->size,
                                           (const uint8_t (*)[65])raw, nsigs, &err);
  ob_free(raw);
  if (rc) {
    ob_buf_release(&data);
    return fail(exit_code, rc, &err);
  }
  ob_hex_encode0x(regl, reg, 20);
  snprintf(key, sizeof key, "model:%s:%s@%s", regl, me->name, me->version);
  snprintf(purpose, sizeof purpose, "register model %s@%s", me->name, me->version);
  rc = cli_registry_send(g, reg, &data, MODEL_GAS, purpose, key, txr, rows, exit_code);
  ob_buf_release(&data);
  return rc;
}

int cli_model_publish(struct cli *cli, struct cli_model_fetch *mf, const char *name, const char *version,
                      const struct cli_model_opts *mo, int *exit_code) {
  struct ob_config *c = cli_config(cli, exit_code);
  struct node_model_row row;
  struct node_model_entry onchain;
  struct node_tx_rows rows = {0};
  struct node_tx_row txr;
  struct chain_model_entry me;
  struct cli_txm g;
  struct ob_buf manifest, fj;
  struct ob_err err;
  uint8_t reg[20], sha[32];
  uint64_t size = 0, deadline;
  char regl[43], shahex[67], dir[4200];
  int found = 0, rc = 0, ret = -1;
  if (!c || cli_registry_addr(cli, mo->registry, reg, exit_code)) return -1;
  deadline = ob_mono_ms() + mo->timeout_s * 1000;
  ob_err_clear(&err);
  ob_hex_encode0x(regl, reg, 20);
  ob_buf_init(&manifest, 1 << 24);
  ob_buf_init(&fj, 1 << 24);
  memset(&me, 0, sizeof(me));
  if (mf->n == 1) {
    memcpy(sha, mf->files[0].sha256, 32);
    size = mf->files[0].size;
  } else {
    if ((rc = manifest_of(&manifest, mf, &err))) return fail(exit_code, rc, &err);
    ob_sha256(sha, manifest.buf, manifest.len);
    for (size_t i = 0; i < mf->n; i++) size += mf->files[i].size;
  }
  ob_hex_encode0x(shahex, sha, 32);
  if ((rc = files_json(&fj, mf))) {
    ob_buf_release(&manifest);
    return fail(exit_code, OB_ENOMEM, &err);
  }
  if (cli_txm_open(&g, cli, mo->key_file, NULL, deadline, exit_code)) goto out_bufs;
  if ((rc = node_model_find(g.db, c->chain_id, regl, name, version, &row, &found, &err))) goto fail;
  if (!found || step_rank(row.step) < 3) {
    if ((rc = node_model_fetched(g.db, c->chain_id, regl, name, version, fj.buf, shahex, size, &err))) goto fail;
    crash_at("fetched");
    if ((rc = node_model_step(g.db, c->chain_id, regl, name, version, "checked", NULL, 0, NULL, &err))) goto fail;
    crash_at("checked");
    snprintf(row.step, sizeof row.step, "checked");
    row.cid[0] = '\0';
  } else if (strcmp(row.sha256, shahex) != 0) {
    rc = ob_err_set(&err, OB_EINVAL, "%s@%s is already %s with sha256 %s, these files give %s: entries are immutable",
                    name, version, row.step, row.sha256, shahex);
    goto fail;
  }
  if (!row.cid[0]) {
    if (mf->n > 1 && (rc = pin_dir(dir, sizeof dir, mf, &manifest, &err))) goto fail;
    if ((rc = cli_pin_path_wait(cli, mf->n > 1 ? dir : mf->paths[0], mf->n > 1, mf->label, row.cid, sizeof row.cid,
                                &err)))
      goto fail;
    if ((rc = node_model_step(g.db, c->chain_id, regl, name, version, "pinned", row.cid, 0, NULL, &err))) goto fail;
    crash_at("pinned");
  }
  me.name = name, me.version = version, me.cid = row.cid, me.size = size;
  memcpy(me.sha256, sha, 32);
  if ((rc = node_registry_model(g.rpc, reg, name, version, &onchain, &err))) goto fail;
  if (onchain.registered_at) {
    /* ours (a crash after sending) or someone else's: immutable either way */
    if (strcmp(onchain.cid, row.cid) || memcmp(onchain.digest, sha, 32) || onchain.size != size) {
      char h[67];
      ob_hex_encode0x(h, onchain.digest, 32);
      rc = ob_err_set(&err, OB_EINVAL, "%s@%s is already registered (cid %s, sha256 %s, %" PRIu64 " bytes): entries are immutable",
                      name, version, onchain.cid, h, onchain.size);
      goto fail;
    }
    cli_notef("%s@%s is already registered with this content", name, version);
  } else if (register_entry(&g, cli, c, reg, &me, mo, &txr, &rows, exit_code)) {
    goto out;
  } else {
    snprintf(mf->tx_hash, sizeof mf->tx_hash, "%s", txr.mined_hash);
  }
  crash_at("submitted");
  if ((rc = node_model_step(g.db, c->chain_id, regl, name, version, "registered", NULL, 0,
                            mf->tx_hash[0] ? mf->tx_hash : NULL, &err)))
    goto fail;
  snprintf(mf->cid, sizeof mf->cid, "%s", row.cid);
  snprintf(mf->sha256_hex, sizeof mf->sha256_hex, "%s", shahex);
  chain_addr_checksum(mf->registry, reg);
  mf->total_size = size;
  ret = 0;
  goto out;
fail:
  *exit_code = cli_fail(rc, &err);
out:
  node_tx_rows_free(&rows);
  cli_txm_close(&g);
out_bufs:
  ob_buf_release(&manifest);
  ob_buf_release(&fj);
  return ret;
}

/* ---- reading the index: ls, show, verify, get (chain and IPFS only, no database) ---- */

struct reader {
  struct ob_config *c;
  struct chain_loop *loop;
  struct chain_rpc *rpc;
  struct ipfs_kubo *kubo;
  const char **urls;
  uint8_t reg[20];
};

static int reader_open(struct reader *r, struct cli *cli, const char *registry, bool ipfs, int *exit_code) {
  struct chain_rpc_opts ro;
  struct ob_err err;
  int rc;
  memset(r, 0, sizeof(*r));
  ob_err_clear(&err);
  if (!(r->c = cli_config(cli, exit_code)) || cli_registry_addr(cli, registry, r->reg, exit_code)) return -1;
  if (cli_chain_opts(&ro, &r->urls, r->c)) return *exit_code = cli_failf(OB_ENOMEM, "out of memory"), -1;
  rc = chain_loop_new(&r->loop, &err);
  if (!rc) rc = chain_rpc_new(&r->rpc, r->loop, &ro, &err);
  if (!rc && ipfs) {
    struct ipfs_kubo_opts ko;
    ipfs_kubo_opts_init(&ko);
    ko.api = r->c->ipfs_api;
    ko.connect_timeout_s = r->c->ipfs_connect_timeout_s;
    ko.stall_timeout_s = r->c->ipfs_stall_timeout_s;
    rc = ipfs_kubo_new(&r->kubo, &ko, &err);
  }
  if (rc) return *exit_code = cli_fail(rc, &err), -1;
  return 0;
}

static void reader_close(struct reader *r) {
  ipfs_kubo_free(r->kubo);
  chain_rpc_free(r->rpc);
  chain_loop_free(r->loop);
  ob_free(r->urls);
}

/* NAME@VERSION into its parts (pointers into buf). */
static int split_ref(const char *ref, char *buf, size_t cap, const char **name, const char **version, struct ob_err *err) {
  char *at;
  int rc;
  snprintf(buf, cap, "%s", ref);
  at = strchr(buf, '@');
  if (!at) return ob_err_set(err, OB_EUSAGE, "'%.80s': expected NAME@VERSION", ref);
  *at = '\0';
  *name = buf, *version = at + 1;
  if ((rc = cli_model_ident_check("name", *name, err)) || (rc = cli_model_ident_check("version", *version, err))) return rc;
  return 0;
}

static void entry_json(struct ob_jw *w, const struct node_model_entry *e) {
  char h[67];
  ob_hex_encode0x(h, e->digest, 32);
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name"), ob_jw_str(w, e->name);
  ob_jw_key(w, "version"), ob_jw_str(w, e->version);
  ob_jw_key(w, "cid"), ob_jw_str(w, e->cid);
  ob_jw_key(w, "sha256"), ob_jw_str(w, h);
  ob_jw_key(w, "size"), ob_jw_u64(w, e->size);
  if (e->block) ob_jw_key(w, "block"), ob_jw_u64(w, e->block);
  if (e->tx[0]) ob_jw_key(w, "tx"), ob_jw_str(w, e->tx);
  if (e->registered_at) ob_jw_key(w, "registeredAt"), ob_jw_u64(w, e->registered_at);
  ob_jw_obj_end(w);
}

struct entries {
  struct node_model_entry *v;
  size_t n;
};

static int collect(void *ud, const struct node_model_entry *e, struct ob_err *err) {
  struct entries *l = ud;
  struct node_model_entry *v = ob_realloc(l->v, (l->n + 1) * sizeof(*v));
  if (!v) return ob_err_set(err, OB_ENOMEM, "out of memory");
  l->v = v;
  l->v[l->n++] = *e;
  return 0;
}

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"json", CLI_FLAG, NULL, "print a JSON array"},
                           {0}};
  struct reader r;
  struct entries l = {0};
  struct ob_err err;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (reader_open(&r, cli, cli_opt(opts, "registry")->value, false, &exit_code)) return exit_code;
  ob_err_clear(&err);
  rc = node_registry_model_logs(r.rpc, r.reg, collect, &l, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) {
    struct cli_json j;
    struct ob_jw *w = cli_json_begin(&j);
    ob_jw_arr_begin(w);
    for (size_t i = 0; i < l.n; i++) entry_json(w, &l.v[i]);
    ob_jw_arr_end(w);
    exit_code = cli_json_end(&j);
  } else {
    for (size_t i = 0; i < l.n; i++) {
      char h[65], ref[170];
      ob_hex_encode(h, l.v[i].digest, 32);
      snprintf(ref, sizeof ref, "%s@%s", l.v[i].name, l.v[i].version);
      printf("%-32s %-62s %14" PRIu64 "  %s\n", ref, l.v[i].cid, l.v[i].size, h);
    }
  }
  ob_free(l.v);
  reader_close(&r);
  return exit_code;
}

/* The registered entry of NAME@VERSION (model()), with the tx and block of its log. */
static int lookup(struct reader *r, const char *name, const char *version, struct node_model_entry *e, struct ob_err *err) {
  struct entries l = {0};
  int rc = node_registry_model(r->rpc, r->reg, name, version, e, err);
  if (rc) return rc;
  if (!e->registered_at) return ob_err_set(err, OB_ENOENT, "%s@%s is not registered", name, version);
  if (!node_registry_model_logs(r->rpc, r->reg, collect, &l, NULL))
    for (size_t i = 0; i < l.n; i++)
      if (!strcmp(l.v[i].name, name) && !strcmp(l.v[i].version, version)) {
        e->block = l.v[i].block;
        memcpy(e->tx, l.v[i].tx, sizeof e->tx);
      }
  ob_free(l.v);
  return 0;
}

static int run_show(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"json", CLI_FLAG, NULL, "print as JSON"},
                           {0}};
  struct reader r;
  struct node_model_entry e;
  struct ob_err err;
  char **pos = NULL, buf[200];
  const char *name, *version;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "model show: give one NAME@VERSION");
  if ((rc = split_ref(pos[0], buf, sizeof buf, &name, &version, &err))) return cli_fail(rc, &err);
  if (reader_open(&r, cli, cli_opt(opts, "registry")->value, false, &exit_code)) return exit_code;
  rc = lookup(&r, name, version, &e, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) {
    struct cli_json j;
    entry_json(cli_json_begin(&j), &e);
    exit_code = cli_json_end(&j);
  } else {
    char h[67];
    ob_hex_encode0x(h, e.digest, 32);
    printf("name          %s\nversion       %s\ncid           %s\nsha256        %s\nsize          %" PRIu64
           "\nregistered at %" PRIu64 "\nblock         %" PRIu64 "\ntx            %s\n",
           e.name, e.version, e.cid, h, e.size, e.registered_at, e.block, e.tx[0] ? e.tx : "-");
  }
  reader_close(&r);
  return exit_code;
}

/* ---- content from IPFS, checked ---- */

struct sink {
  int fd;
  struct ob_sha256 h;
  uint64_t n;
  struct ob_buf *mem; /* the manifest: kept in memory */
  struct ipfs_dag_builder *dag; /* a one-file model: its CID computed as the bytes arrive */
  struct ob_buf *head;          /* verify of a one-file model: the first bytes (8 + a safetensors header) */
  uint64_t head_want;
};

/* Keep the 8-byte length and, when it is a plausible safetensors header length, the header. */
static int keep_head(struct sink *s, const uint8_t *p, size_t n) {
  while (n && s->head->len < s->head_want) {
    size_t k = s->head_want - s->head->len < n ? (size_t)(s->head_want - s->head->len) : n;
    if (ob_buf_add(s->head, p, k)) return OB_ENOMEM;
    p += k, n -= k;
    if (s->head->len == 8 && s->head_want == 8) {
      uint64_t hl = 0;
      for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)s->head->buf[i];
      if (hl <= MODEL_ST_MAX_HEADER) s->head_want = 8 + hl;
    }
  }
  return 0;
}

static int sink_write(void *ud, const void *buf, size_t n, struct ob_err *err) {
  struct sink *s = ud;
  const char *p = buf;
  ob_sha256_update(&s->h, buf, n);
  if (s->dag && ipfs_dag_builder_update(s->dag, buf, n)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  s->n += n;
  if (s->mem) return ob_buf_add(s->mem, buf, n) ? ob_err_set(err, OB_ELIMIT, "manifest too large") : 0;
  if (s->head && keep_head(s, buf, n)) return ob_err_set(err, OB_ENOMEM, "out of memory for the header");
  while (n && s->fd >= 0) {
    ssize_t w = write(s->fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return ob_err_set(err, OB_EIO, "cannot write: %s", strerror(errno));
    p += w, n -= (size_t)w;
  }
  return 0;
}

/* cat ipfs_path into file (or mem), hashing (and building its CID when dag is given); durable: fsync
 * the file (get moves it into place; verify deletes it). */
static int cat_to(struct reader *r, const char *ipfs_path, const char *file, struct ob_buf *mem,
                  struct ipfs_dag_builder *dag, bool durable, struct ob_buf *head, uint8_t sha[32], uint64_t *size,
                  struct ob_err *err) {
  struct sink s = {.fd = -1, .mem = mem, .dag = dag, .head = head, .head_want = 8};
  int rc;
  if (ob_sha256_init(&s.h)) return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (file && (s.fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
    ob_sha256_final(&s.h, sha);
    return ob_err_set(err, OB_EIO, "cannot create '%s': %s", file, strerror(errno));
  }
  rc = ipfs_kubo_cat(r->kubo, ipfs_path, sink_write, &s, err);
  ob_sha256_final(&s.h, sha);
  if (s.fd >= 0) {
    bool bad = durable && fsync(s.fd) != 0;
    if (close(s.fd) != 0) bad = true;
    if (bad && !rc) rc = ob_err_set(err, OB_EIO, "cannot write '%s'", file);
  }
  *size = s.n;
  return rc;
}

/* A file whose header reads as safetensors' (length ≤ 100 MB, then '{') is checked as one. */
static bool looks_safetensors(const char *path) {
  uint8_t h[9];
  uint64_t n = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t r = fd >= 0 ? read(fd, h, 9) : -1;
  if (fd >= 0) close(fd);
  if (r != 9) return false;
  for (int i = 7; i >= 0; i--) n = n << 8 | h[i];
  return n <= MODEL_ST_MAX_HEADER && h[8] == '{';
}

struct check {
  bool failed;
  size_t files;
  char single[300]; /* the file's name in dir for a one-file model */
};

#define CHECK_FAIL(ck, ...) (cli_warnf(__VA_ARGS__), (ck)->failed = true)

/* Parse the manifest: lines "HEX  NAME". Returns the number of entries or -1. */
static int manifest_parse(const struct ob_buf *m, char names[][256], uint8_t (*shas)[32], size_t max) {
  size_t n = 0, off = 0;
  while (off < m->len) {
    const char *line = m->buf + off, *nl = memchr(line, '\n', m->len - off);
    size_t len = nl ? (size_t)(nl - line) : m->len - off;
    char hex[65];
    if (n == max || len < 67 || len - 66 >= 256 || line[64] != ' ' || line[65] != ' ') return -1;
    memcpy(hex, line, 64), hex[64] = '\0';
    if (ob_hex_decode_fixed(shas[n], 32, hex, NULL)) return -1;
    memcpy(names[n], line + 66, len - 66), names[n][len - 66] = '\0';
    if (cli_model_ident_check("file", names[n], NULL)) return -1;
    n++;
    off += len + 1;
  }
  return (int)n;
}

/* Download e's content into dir (empty) and check it: CID recomputed, sha256 and size against the
 * entry, each file against the manifest, safetensors checked. Returns 0 (ck->failed says the
 * verdict) or an error that stopped the check. */
static int fetch_checked(struct reader *r, const struct node_model_entry *e, const char *dir, const char *name,
                         bool durable, struct check *ck, struct ob_err *err) {
  static char names[4096][256];
  static uint8_t shas[4096][32];
  struct ob_buf man, head;
  struct ipfs_cid want, got;
  uint8_t sha[32];
  uint64_t size = 0, total = 0;
  char path[4400], ipath[600], text[IPFS_CID_TEXT_MAX];
  int n, rc;
  memset(ck, 0, sizeof(*ck));
  if ((rc = ipfs_cid_parse(&want, e->cid, err))) return CHECK_FAIL(ck, "the entry's cid '%s' is not a CID", e->cid), 0;
  ob_buf_init(&man, 1 << 24);
  ob_buf_init(&head, 8 + (size_t)MODEL_ST_MAX_HEADER);
  snprintf(ipath, sizeof ipath, "%s/" MANIFEST, e->cid);
  rc = cat_to(r, ipath, NULL, &man, NULL, false, NULL, sha, &size, NULL);
  if (rc == 0) { /* a directory */
    if (memcmp(sha, e->digest, 32)) CHECK_FAIL(ck, "%s: sha256 of %s differs from the entry's", e->cid, MANIFEST);
    n = manifest_parse(&man, names, shas, 4096);
    if (n < 0) CHECK_FAIL(ck, "%s: %s is not a manifest", e->cid, MANIFEST);
    pjoin(path, sizeof path, dir, MANIFEST);
    if (!ck->failed && (rc = ob_file_write_atomic(path, man.buf, man.len, 0644, err))) goto out;
    for (int i = 0; i < n && !ck->failed; i++) {
      pjoin(ipath, sizeof ipath, e->cid, names[i]);
      pjoin(path, sizeof path, dir, names[i]);
      if ((rc = cat_to(r, ipath, path, NULL, NULL, durable, NULL, sha, &size, err))) {
        CHECK_FAIL(ck, "%s: cannot read from IPFS: %s", ipath, ob_err_msg(err, rc));
        rc = 0;
        break;
      }
      total += size;
      if (memcmp(sha, shas[i], 32)) CHECK_FAIL(ck, "%s: sha256 differs from the manifest's", ipath);
      ck->files++;
    }
    if (!ck->failed && total != e->size)
      CHECK_FAIL(ck, "%s: the files hold %" PRIu64 " bytes, the entry says %" PRIu64, e->cid, total, e->size);
    if (!ck->failed && (rc = ipfs_cid_of_dir(&got, NULL, dir, IPFS_PROFILE_V1_2025, err))) goto out;
  } else { /* one file */
    snprintf(ck->single, sizeof ck->single, "%s", name);
    pjoin(path, sizeof path, dir, name);
    struct ipfs_dag_builder *dag = NULL;
    if ((rc = ipfs_dag_builder_new(&dag, IPFS_PROFILE_V1_2025, err))) goto out;
    /* verify keeps no copy: the CID and sha256 as the bytes arrive, the header in memory */
    if ((rc = cat_to(r, e->cid, durable ? path : NULL, NULL, dag, durable, durable ? NULL : &head, sha, &size, err))) {
      ipfs_dag_builder_free(dag);
      CHECK_FAIL(ck, "%s: cannot read from IPFS: %s", e->cid, ob_err_msg(err, rc));
      rc = 0;
      goto out;
    }
    rc = ipfs_dag_builder_finish(dag, &got, NULL, err);
    ipfs_dag_builder_free(dag);
    if (rc) goto out;
    ck->files = 1;
    if (memcmp(sha, e->digest, 32)) CHECK_FAIL(ck, "%s: sha256 differs from the entry's", e->cid);
    if (size != e->size) CHECK_FAIL(ck, "%s: %" PRIu64 " bytes, the entry says %" PRIu64, e->cid, size, e->size);
    if (!durable && head.len > 8 && head.buf[8] == '{' && !ck->failed) {
      struct ob_err se;
      ob_err_clear(&se);
      if ((rc = model_st_check(NULL, (const uint8_t *)head.buf, head.len, size, &se))) {
        CHECK_FAIL(ck, "%s: %s", e->cid, ob_err_msg(&se, rc));
        rc = 0;
      }
    }
  }
  if (!ck->failed && !ipfs_cid_equal(&got, &want)) {
    ipfs_cid_format(text, sizeof text, &got);
    CHECK_FAIL(ck, "the content's CID is %s, the entry says %s", text, e->cid);
  }
  /* safetensors: every *.safetensors of a directory, a single file that looks like one */
  for (int i = 0; !ck->failed && i < (int)ck->files && (durable || !ck->single[0]); i++) {
    struct ob_err se;
    const char *f = ck->single[0] ? ck->single : names[i];
    pjoin(path, sizeof path, dir, f);
    if (ck->single[0] ? !looks_safetensors(path) : !ob_str_ends(f, ".safetensors")) continue;
    ob_err_clear(&se);
    if ((rc = model_st_check_path(NULL, path, &se))) {
      CHECK_FAIL(ck, "%s", ob_err_msg(&se, rc));
      rc = 0;
    }
  }
out:
  ob_buf_release(&man);
  ob_buf_release(&head);
  return rc;
}

static int scratch_dir(char *out, size_t cap, const char *parent, struct ob_err *err) {
  snprintf(out, cap, "%s/.obridge-model-XXXXXX", parent);
  if (!mkdtemp(out)) return ob_err_set(err, OB_EIO, "cannot create a directory in '%s': %s", parent, strerror(errno));
  return 0;
}

static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[4400];
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      pjoin(p, sizeof p, dir, e->d_name);
      unlink(p);
    }
  if (d) closedir(d);
  rmdir(dir);
}

static int verify_one(struct reader *r, const char *name, const char *version, const char *work, bool json,
                      struct ob_jw *w, struct ob_err *err) {
  struct node_model_entry e;
  struct check ck;
  char dir[4200];
  int rc = lookup(r, name, version, &e, err);
  if (rc) return rc;
  if ((rc = scratch_dir(dir, sizeof dir, work, err))) return rc;
  rc = fetch_checked(r, &e, dir, name, false, &ck, err);
  remove_tree(dir);
  if (rc) return rc;
  if (json) {
    ob_jw_obj_begin(w);
    ob_jw_key(w, "model"), ob_jw_strn(w, name, strlen(name));
    ob_jw_key(w, "version"), ob_jw_str(w, version);
    ob_jw_key(w, "cid"), ob_jw_str(w, e.cid);
    ob_jw_key(w, "files"), ob_jw_u64(w, ck.files);
    ob_jw_key(w, "ok"), ob_jw_bool(w, !ck.failed);
    ob_jw_obj_end(w);
  } else {
    printf("%s@%s  %s  %s\n", name, version, e.cid, ck.failed ? "FAILED" : "ok");
  }
  return ck.failed ? OB_ECHECK : 0;
}

static int run_verify(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {"all", CLI_FLAG, NULL, "every registered entry (from the ModelRegistered logs)"},
                           {"work", CLI_VALUE, "DIR", "where the content is downloaded to be checked (default $TMPDIR or /tmp)"},
                           {"json", CLI_FLAG, NULL, "print a JSON array of {model, version, cid, files, ok}"},
                           {0}};
  struct reader r;
  struct entries l = {0};
  struct ob_err err;
  struct cli_json j;
  struct ob_jw *w = NULL;
  char **pos = NULL, buf[200];
  const char *name, *version, *work = cli_opt(opts, "work")->value;
  size_t failed = 0;
  bool json;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  json = cli_opt(opts, "json")->set;
  work = cli_opt(opts, "work")->value ? cli_opt(opts, "work")->value : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  ob_err_clear(&err);
  if (cli_opt(opts, "all")->set == (npos == 1) || npos > 1)
    return cli_failf(OB_EUSAGE, "model verify: give one NAME@VERSION or --all");
  if (npos == 1 && (rc = split_ref(pos[0], buf, sizeof buf, &name, &version, &err))) return cli_fail(rc, &err);
  if (reader_open(&r, cli, cli_opt(opts, "registry")->value, true, &exit_code)) return exit_code;
  if (npos == 0 && (rc = node_registry_model_logs(r.rpc, r.reg, collect, &l, &err))) {
    reader_close(&r);
    return cli_fail(rc, &err);
  }
  if (json) w = cli_json_begin(&j), ob_jw_arr_begin(w);
  for (size_t i = 0; i < (npos ? 1 : l.n); i++) {
    rc = npos ? verify_one(&r, name, version, work, json, w, &err)
              : verify_one(&r, l.v[i].name, l.v[i].version, work, json, w, &err);
    if (rc == OB_ECHECK) failed++;
    else if (rc) {
      exit_code = cli_fail(rc, &err);
      break;
    }
  }
  if (json) {
    ob_jw_arr_end(w);
    if (cli_json_end(&j) && !exit_code) exit_code = CLI_EXIT_FAIL;
  }
  if (!exit_code && failed) exit_code = CLI_EXIT_FAIL;
  ob_free(l.v);
  reader_close(&r);
  return exit_code;
}

static int run_get(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"out", CLI_VALUE, "DIR", "where the files go (created; files already there are replaced)"},
                           {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
                           {0}};
  struct reader r;
  struct node_model_entry e;
  struct check ck;
  struct ob_err err;
  char **pos = NULL, buf[200], dir[4200], from[4400], to[4400];
  const char *name, *version, *out = cli_opt(opts, "out")->value;
  int npos = 0, exit_code = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  DIR *d;
  struct dirent *de;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  out = cli_opt(opts, "out")->value;
  ob_err_clear(&err);
  if (npos != 1 || !out) return cli_failf(OB_EUSAGE, "model get: give NAME@VERSION and --out DIR");
  if ((rc = split_ref(pos[0], buf, sizeof buf, &name, &version, &err))) return cli_fail(rc, &err);
  if (mkdir(out, 0755) != 0 && errno != EEXIST) return cli_failf(OB_EIO, "cannot create '%s': %s", out, strerror(errno));
  if (reader_open(&r, cli, cli_opt(opts, "registry")->value, true, &exit_code)) return exit_code;
  rc = lookup(&r, name, version, &e, &err);
  if (!rc) rc = scratch_dir(dir, sizeof dir, out, &err);
  if (rc) {
    reader_close(&r);
    return cli_fail(rc, &err);
  }
  rc = fetch_checked(&r, &e, dir, name, true, &ck, &err);
  if (rc || ck.failed) {
    remove_tree(dir);
    reader_close(&r);
    return rc ? cli_fail(rc, &err) : cli_failf(OB_ECHECK, "%s@%s: the content does not match its entry: nothing written", name, version);
  }
  /* checked: move into place */
  d = opendir(dir);
  while (d && (de = readdir(d)) && !exit_code) {
    if (de->d_name[0] == '.') continue;
    pjoin(from, sizeof from, dir, de->d_name);
    pjoin(to, sizeof to, out, de->d_name);
    if (rename(from, to) != 0) exit_code = cli_failf(OB_EIO, "cannot move '%s' to '%s': %s", from, to, strerror(errno));
    else printf("%s\n", to);
  }
  if (d) closedir(d);
  remove_tree(dir);
  reader_close(&r);
  return exit_code;
}

const struct cli_cmd cli_cmd_model_ls = {
    .name = "ls", .summary = "registered models, from the registry's ModelRegistered logs (no database)",
    .usage = "model ls [--registry ADDR] [--json]", .example = "obridge model ls --json", .run = run_ls};
const struct cli_cmd cli_cmd_model_show = {
    .name = "show", .summary = "one registered model: cid, sha256, size, when",
    .usage = "model show NAME@VERSION [--registry ADDR] [--json]", .example = "obridge model show llama@1", .run = run_show};
const struct cli_cmd cli_cmd_model_verify = {
    .name = "verify",
    .summary = "check registered models: content from IPFS, CID and sha256 recomputed, safetensors checked",
    .usage = "model verify NAME@VERSION|--all [--registry ADDR] [--work DIR] [--json]",
    .example = "obridge model verify llama@1",
    .details = "The entry comes from the chain (model()), the content from IPFS; the CID is recomputed locally\n"
               "(unixfs-v1-2025), the sha256 of the file (or of MANIFEST.sha256 and each file it lists) and the\n"
               "size compared with the entry, each *.safetensors file checked. Exit: 0 all ok, 1 a check failed.",
    .run = run_verify};
const struct cli_cmd cli_cmd_model_get = {
    .name = "get", .summary = "download a registered model from IPFS, verified before it is moved into DIR",
    .usage = "model get NAME@VERSION --out DIR [--registry ADDR]", .example = "obridge model get llama@1 --out models/",
    .details = "A one-file model is written as DIR/NAME; a directory model as its files and MANIFEST.sha256.\n"
               "Nothing is moved into DIR unless every check of `model verify` passes (exit 1 otherwise).",
    .run = run_get};
