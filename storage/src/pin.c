/* The pin worker: one pass over the origin's bytes feeds both the upload and the local CID
 * builder; the node's answer must equal the local CID and pin/ls must confirm it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/storage/pin.h"

static const char *const status_names[] = {"queued", "pinning", "pinned", "failed"};
static const char *const origin_names[] = {"path", "url", "internal", "cid"};

const char *ipfs_pin_status_name(enum ipfs_pin_status s) {
  return (unsigned)s < OB_ARRAY_LEN(status_names) ? status_names[s] : "unknown";
}

int ipfs_pin_status_parse(enum ipfs_pin_status *out, const char *s, struct ob_err *err) {
  for (size_t i = 0; i < OB_ARRAY_LEN(status_names); i++)
    if (strcmp(s, status_names[i]) == 0) return *out = (enum ipfs_pin_status)i, 0;
  return ob_err_set(err, OB_EINVAL, "unknown pin status '%s': expected queued, pinning, pinned or failed", s);
}

const char *ipfs_pin_origin_name(enum ipfs_pin_origin o) {
  return (unsigned)o < OB_ARRAY_LEN(origin_names) ? origin_names[o] : "unknown";
}

int ipfs_pin_origin_parse(enum ipfs_pin_origin *out, const char *s, struct ob_err *err) {
  for (size_t i = 0; i < OB_ARRAY_LEN(origin_names); i++)
    if (strcmp(s, origin_names[i]) == 0) return *out = (enum ipfs_pin_origin)i, 0;
  return ob_err_set(err, OB_EINVAL, "unknown pin origin '%s'", s);
}

void ipfs_pin_worker_opts_init(struct ipfs_pin_worker_opts *o) {
  memset(o, 0, sizeof(*o));
  o->worker_id = "worker";
  o->max_attempts = 5;
  o->retry_base_s = 5;
  o->stall_timeout_s = 60;
  o->fetch_timeout_s = 120;
  o->url_max_bytes = UINT64_MAX;
  o->url_connect_timeout_s = 10;
}

bool ipfs_pin_error_retryable(int code) {
  return code == OB_EUNREACH || code == OB_ETIMEDOUT || code == OB_EPEER || code == OB_EIO ||
         code == OB_ENOMEM || code == OB_ECANCELED;
}

/* ---- the origin as a byte source, teed into the CID builder ---- */
struct source {
  int fd;                       /* path origins */
  struct ipfs_url_src *url;     /* URL origins */
  const unsigned char *mem;     /* ipfs_pin_memory */
  size_t mem_off;
  int64_t size;                 /* -1 unknown */
  const char *what;             /* for messages */
};

struct tee {
  struct source *src;
  struct ipfs_dag_builder *dag;
  const struct ipfs_pin_worker_opts *o;
  const struct ipfs_pin_job *job;
  uint64_t bytes;
  uint64_t last_beat_ms;
};

static int fd_read(struct source *s, void *buf, size_t cap, size_t *got, struct ob_err *err) {
  ssize_t n;
  do n = read(s->fd, buf, cap);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int e = errno;
    ob_err_set(err, OB_EIO, "cannot read '%s': %s", s->what, strerror(e));
    if (err) err->sys_errno = e;
    return OB_EIO;
  }
  *got = (size_t)n;
  return 0;
}

static int mem_read(struct source *s, void *buf, size_t cap, size_t *got) {
  size_t left = (size_t)s->size - s->mem_off;
  *got = left < cap ? left : cap;
  memcpy(buf, s->mem + s->mem_off, *got);
  s->mem_off += *got;
  return 0;
}

static int tee_read(void *ud, void *buf, size_t cap, size_t *got, struct ob_err *err) {
  struct tee *t = ud;
  uint64_t now;
  int rc;
  if (t->o->stop && *t->o->stop) return ob_err_set(err, OB_ECANCELED, "pin of '%s' interrupted", t->src->what);
  if (t->src->url) rc = ipfs_url_src_read(t->src->url, buf, cap, got, err);
  else if (t->src->mem) rc = mem_read(t->src, buf, cap, got);
  else rc = fd_read(t->src, buf, cap, got, err);
  if (rc) return rc;
  if (*got && ipfs_dag_builder_update(t->dag, buf, *got))
    return ob_err_set(err, OB_ENOMEM, "cannot hash '%s': out of memory", t->src->what);
  t->bytes += *got;
  if (t->src->size >= 0 && t->bytes > (uint64_t)t->src->size)
    return ob_err_set(err, OB_EIO, "'%s' grew while it was uploaded", t->src->what);
  if (t->o->progress) t->o->progress(t->o->progress_ud, t->bytes, t->src->size);
  now = ob_mono_ms();
  if (now - t->last_beat_ms >= 5000) {
    t->last_beat_ms = now;
    /* A failed heartbeat is not a failed pin: the store may be restarting. */
    if (t->o->store && t->o->store->heartbeat)
      t->o->store->heartbeat(t->o->store->ud, t->job, t->bytes, NULL);
  }
  return 0;
}

static int source_open(struct source *s, const struct ipfs_pin_worker_opts *o,
                       const struct ipfs_pin_job *job, struct ob_err *err) {
  struct stat st;
  memset(s, 0, sizeof(*s));
  s->fd = -1;
  s->size = -1;
  s->what = job->origin;
  if (job->origin_kind == IPFS_ORIGIN_URL) {
    struct ipfs_url_opts uo;
    ipfs_url_opts_init(&uo);
    uo.max_bytes = o->url_max_bytes;
    uo.connect_timeout_s = o->url_connect_timeout_s;
    uo.stall_timeout_s = o->stall_timeout_s;
    uo.stop = o->stop;
    return ipfs_url_src_open(&s->url, job->origin, &uo, &s->size, err);
  }
  s->fd = open(job->origin, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    int e = errno;
    return ob_err_set(err, e == ENOENT ? OB_ENOENT : e == EACCES ? OB_EINVAL : OB_EIO,
                      "cannot open '%s': %s", job->origin, strerror(e));
  }
  if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(s->fd);
    s->fd = -1;
    return ob_err_set(err, OB_EINVAL, "cannot pin '%s': not a regular file", job->origin);
  }
  s->size = (int64_t)st.st_size;
  return 0;
}

static void source_close(struct source *s) {
  if (s->fd >= 0) close(s->fd);
  ipfs_url_src_close(s->url);
}

/* Stop an upload in flight when the worker is asked to stop (SIGINT/SIGTERM), even while the
 * node is not reading. */
static int stop_check(void *ud, uint64_t sent, uint64_t received) {
  const struct ipfs_pin_worker_opts *o = ud;
  (void)sent;
  (void)received;
  return o->stop && *o->stop;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s && s[1] ? s + 1 : "file";
}

/* Upload + local CID. On success *local is the local CID and res the node's answer. */
static int upload(const struct ipfs_pin_worker_opts *o, const struct ipfs_pin_job *job,
                  struct source *src, struct ipfs_cid *local, struct ipfs_dag_info *info,
                  struct ipfs_add_result *res, uint64_t *bytes, struct ob_err *err) {
  const struct ipfs_profile_params *pp = ipfs_profile_params(job->profile);
  struct tee t = {.src = src, .o = o, .job = job, .last_beat_ms = ob_mono_ms()};
  struct ipfs_add_opts ao;
  int rc = ipfs_dag_builder_new(&t.dag, job->profile, err);
  if (rc) return rc;
  ipfs_add_opts_init(&ao);
  ao.cid_version = (int)pp->cid_version;
  ao.raw_leaves = pp->raw_leaves;
  ao.chunk_size = (uint32_t)pp->chunk_size;
  ao.max_file_links = pp->max_links;
  ao.filename = job->name[0] ? job->name : base_name(job->origin);
  ao.size = src->size;
  rc = ipfs_kubo_add(o->kubo, &ao, tee_read, &t, stop_check, (void *)o, res, err);
  if (!rc && src->size >= 0 && t.bytes != (uint64_t)src->size)
    rc = ob_err_set(err, OB_EIO, "'%s' changed size while it was uploaded", job->origin);
  if (!rc) rc = ipfs_dag_builder_finish(t.dag, local, info, err);
  *bytes = t.bytes;
  ipfs_dag_builder_free(t.dag);
  return rc;
}

/* The node's CID must equal ours as binary CIDs; then pin/ls must list it. */
static int confirm(const struct ipfs_pin_worker_opts *o, const struct ipfs_cid *local,
                   const struct ipfs_dag_info *info, const struct ipfs_add_result *res,
                   struct ob_err *err) {
  struct ipfs_cid node;
  char want[IPFS_CID_TEXT_MAX];
  bool pinned = false;
  int rc = ipfs_cid_parse(&node, res->cid, err);
  if (rc) return ob_err_prefix(err, OB_EPARSE, "kubo: add answered a CID that does not parse");
  ipfs_cid_format(want, sizeof(want), local);
  if (!ipfs_cid_equal(&node, local)) {
    struct ob_err ignored;
    /* Not ours: take the node's pin away again so nothing claims it was pinned for us. */
    ipfs_kubo_pin_rm(o->kubo, res->cid, &ignored);
    return ob_err_set(err, OB_EMISMATCH, "cid mismatch: the node answered %s, the local CID is %s",
                      res->cid, want);
  }
  /* Same CID implies the same DAG; a different Size would mean the node reports nonsense. */
  if (res->size && res->size != info->dag_size)
    return ob_err_set(err, OB_EMISMATCH, "size mismatch for %s: the node answered %llu, the local DAG has %llu bytes",
                      want, (unsigned long long)res->size, (unsigned long long)info->dag_size);
  rc = ipfs_kubo_pin_ls(o->kubo, want, &pinned, NULL, 0, err);
  if (rc) return ob_err_prefix(err, rc, "cannot confirm the pin of %s", want);
  if (!pinned) return ob_err_set(err, OB_EPEER, "the node does not list %s as pinned after add", want);
  return 0;
}

static uint32_t backoff_s(const struct ipfs_pin_worker_opts *o, uint32_t attempt) {
  uint64_t d = o->retry_base_s ? o->retry_base_s : 1;
  for (uint32_t i = 1; i < attempt && d < 3600; i++) d *= 2;
  return d > 3600 ? 3600 : (uint32_t)d;
}

/* ---- directories (add -r) ---- */
struct tree {
  struct ipfs_add_part *parts;
  size_t n, cap, nfiles;
  uint64_t bytes;
  const struct ipfs_pin_worker_opts *o;
  const struct ipfs_pin_job *job;
  uint64_t last_beat_ms;
  int64_t total; /* bytes of all files once walked (the upload adds some multipart framing) */
};

/* Heartbeat every 5 s while the tree is hashed and uploaded (a long job is not taken as stale). */
static void tree_beat(struct tree *t, uint64_t bytes) {
  uint64_t now = ob_mono_ms();
  if (now - t->last_beat_ms < 5000) return;
  t->last_beat_ms = now;
  if (t->o->store && t->o->store->heartbeat) t->o->store->heartbeat(t->o->store->ud, t->job, bytes, NULL);
}

/* Upload progress: stop on request, heartbeat, report. */
static int tree_progress(void *ud, uint64_t sent, uint64_t received) {
  struct tree *t = ud;
  tree_beat(t, sent);
  if (t->o->progress)
    t->o->progress(t->o->progress_ud, t->total >= 0 && sent > (uint64_t)t->total ? (uint64_t)t->total : sent, t->total);
  return stop_check((void *)t->o, sent, received);
}

static void tree_free(struct tree *t) {
  for (size_t i = 0; i < t->n; i++) {
    ob_free((char *)t->parts[i].path);
    ob_free((char *)t->parts[i].name);
  }
  ob_free(t->parts);
}

/* Collect the parts in walk order (each directory before its entries, as Kubo's own CLI sends
 * them: a directory part after its entries would replace them on the js node). Memory: the names
 * and paths of the tree's entries. */
static int tree_entry(void *ud, const char *full, const char *name, bool is_dir, int64_t size,
                      struct ob_err *err) {
  struct tree *t = ud;
  struct ipfs_add_part p = {.name = ob_strdup(name), .path = is_dir ? NULL : ob_strdup(full),
                            .size = size};
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct ipfs_add_part *np = ob_realloc(t->parts, cap * sizeof(*np));
    if (np) {
      t->parts = np;
      t->cap = cap;
    }
  }
  if (!p.name || (!is_dir && !p.path) || t->n == t->cap) {
    ob_free((char *)p.name);
    ob_free((char *)p.path);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  t->parts[t->n++] = p;
  tree_beat(t, t->bytes);
  if (!is_dir) {
    t->nfiles++;
    t->bytes += (uint64_t)size;
  }
  return 0;
}

static int pin_dir(const struct ipfs_pin_worker_opts *o, const struct ipfs_pin_job *job,
                   char cid_out[IPFS_CID_TEXT_MAX], uint64_t *bytes, uint64_t *dag_size, struct ob_err *err) {
  const struct ipfs_profile_params *pp = ipfs_profile_params(job->profile);
  struct tree t = {.o = o, .job = job, .last_beat_ms = ob_mono_ms(), .total = -1};
  struct ipfs_add_opts ao;
  struct ipfs_add_result res;
  struct ipfs_dir_info di;
  struct ipfs_dag_info info = {0};
  struct ipfs_cid local;
  int rc = ipfs_cid_of_dir_walk(&local, &di, job->origin, job->profile, tree_entry, &t, err);
  if (rc) goto out;
  t.total = (int64_t)di.file_bytes;
  ipfs_add_opts_init(&ao);
  ao.cid_version = (int)pp->cid_version;
  ao.raw_leaves = pp->raw_leaves;
  ao.chunk_size = (uint32_t)pp->chunk_size;
  ao.max_file_links = pp->max_links;
  ao.wrap_with_directory = false;
  ao.pin = true;
  rc = ipfs_kubo_add_tree(o->kubo, &ao, t.parts, t.n, tree_progress, &t, &res, err);
  if (rc) goto out;
  *bytes = di.file_bytes;
  *dag_size = info.dag_size = di.dag_size;
  if ((rc = confirm(o, &local, &info, &res, err))) goto out;
  ipfs_cid_format(cid_out, IPFS_CID_TEXT_MAX, &local);
out:
  tree_free(&t);
  return rc;
}

/* ---- CIDs fetched from the network ---- */
struct fetch {
  const struct ipfs_pin_worker_opts *o;
  const struct ipfs_pin_job *job;
  uint64_t last_beat_ms;
};

/* About once a second while pin/add waits: heartbeat every 5 s, stop on request. */
static int fetch_progress(void *ud, uint64_t sent, uint64_t blocks) {
  struct fetch *f = ud;
  uint64_t now = ob_mono_ms();
  (void)sent;
  if (now - f->last_beat_ms >= 5000) {
    f->last_beat_ms = now;
    if (f->o->store && f->o->store->heartbeat) f->o->store->heartbeat(f->o->store->ud, f->job, blocks, NULL);
  }
  return stop_check((void *)f->o, 0, 0);
}

/* Connect to each origin (a failure is logged, not fatal: another origin or a peer already
 * connected may serve the content), pin/add with the no-progress timeout, confirm with pin/ls,
 * then read the sizes (files/stat; a raw block or a non-UnixFS DAG has none: left 0). */
static int pin_cid(const struct ipfs_pin_worker_opts *o, const struct ipfs_pin_job *job, char cid_out[IPFS_CID_TEXT_MAX],
                   uint64_t *bytes, uint64_t *dag_size, struct ob_err *err) {
  struct fetch f = {.o = o, .job = job, .last_beat_ms = ob_mono_ms()};
  struct ipfs_files_stat st;
  struct ipfs_cid cid;
  char text[IPFS_CID_TEXT_MAX];
  const char *p = job->peers;
  bool pinned = false;
  unsigned tried = 0, connected = 0;
  int rc = ipfs_cid_parse(&cid, job->origin, err);
  if (rc) return ob_err_prefix(err, OB_EINVAL, "cannot pin");
  ipfs_cid_format(text, sizeof(text), &cid);
  while (*p) {
    char maddr[1100];
    struct ob_err e;
    size_t n = strcspn(p, "\n");
    if (n && n < sizeof(maddr)) {
      memcpy(maddr, p, n);
      maddr[n] = 0;
      ob_err_clear(&e);
      tried++;
      if (ipfs_kubo_swarm_connect(o->kubo, maddr, 10, &e) == 0) connected++;
      else OB_LOG(OB_LOG_WARN, "ipfs", "cannot connect to an origin", "request", job->request_id, "origin", maddr,
                  "error", e.msg, NULL);
    }
    p += n;
    if (*p) p++;
  }
  rc = ipfs_kubo_pin_add(o->kubo, job->origin, o->fetch_timeout_s ? o->fetch_timeout_s : 120, fetch_progress, &f, err);
  if (rc == OB_ETIMEDOUT || (rc == OB_EPEER && err && strstr(err->msg, "timed out")))
    return ob_err_set(err, OB_ETIMEDOUT, "no progress for %u s fetching %s (%u of %u origins connected): nobody served it",
                      o->fetch_timeout_s ? o->fetch_timeout_s : 120, text, connected, tried);
  if (rc) return ob_err_prefix(err, rc, "cannot pin %s", text);
  rc = ipfs_kubo_pin_ls(o->kubo, job->origin, &pinned, NULL, 0, err);
  if (rc) return ob_err_prefix(err, rc, "cannot confirm the pin of %s", text);
  if (!pinned) return ob_err_set(err, OB_EPEER, "the node does not list %s as pinned after pin/add", text);
  if (ipfs_kubo_files_stat(o->kubo, text, &st, NULL) == 0) {
    *bytes = st.size;
    *dag_size = st.cumulative;
  }
  snprintf(cid_out, IPFS_CID_TEXT_MAX, "%s", text);
  return 0;
}

static int ipfs_pin_run_job(const struct ipfs_pin_worker_opts *o, const struct ipfs_pin_job *job,
                     struct ipfs_pin_outcome *out) {
  struct ipfs_add_result res;
  struct ipfs_cid local;
  struct ipfs_dag_info info;
  struct source src;
  struct ob_err err;
  uint64_t bytes = 0;
  int rc;
  OB_ARG_CHECK(o && o->kubo && job && out);
  memset(out, 0, sizeof(*out));
  ob_err_clear(&err);
  OB_LOG(OB_LOG_INFO, "ipfs", "pin started", "request", job->request_id, "origin", job->origin,
         "profile", ipfs_profile_name(job->profile), NULL);
  if (job->origin_kind == IPFS_ORIGIN_CID) {
    rc = pin_cid(o, job, out->cid, &bytes, &out->dag_size, &err);
  } else if (job->recursive && job->origin_kind == IPFS_ORIGIN_PATH) {
    rc = pin_dir(o, job, out->cid, &bytes, &out->dag_size, &err);
  } else {
    rc = source_open(&src, o, job, &err);
    if (!rc) {
      rc = upload(o, job, &src, &local, &info, &res, &bytes, &err);
      source_close(&src);
    }
    if (!rc) rc = confirm(o, &local, &info, &res, &err);
    if (!rc) {
      ipfs_cid_format(out->cid, sizeof(out->cid), &local);
      out->dag_size = info.dag_size;
    }
  }
  out->size = bytes;
  if (!rc) {
    out->verdict = IPFS_PIN_DONE;
    OB_LOG(OB_LOG_INFO, "ipfs", "pinned", "request", job->request_id, "cid", out->cid, NULL);
    return 0;
  }
  snprintf(out->error, sizeof(out->error), "%s", ob_err_msg(&err, rc));
  out->code = rc;
  if (rc == OB_ECANCELED) {
    /* Stopped, not failed: back to the queue at once, for this or another worker. */
    out->verdict = IPFS_PIN_RETRY;
    out->retry_in_s = 0;
  } else if (!ipfs_pin_error_retryable(rc) || (rc == OB_ETIMEDOUT && job->origin_kind == IPFS_ORIGIN_CID)) {
    /* A CID nobody served within the no-progress timeout ends failed at once (the client asks
     * again, with origins, or `pin recover` queues it again). */
    out->verdict = IPFS_PIN_GIVE_UP;
  } else if (job->attempts >= o->max_attempts) {
    out->verdict = IPFS_PIN_GIVE_UP;
    snprintf(out->error, sizeof(out->error), "gave up after %u attempts: %s", job->attempts, ob_err_msg(&err, rc));
  } else {
    out->verdict = IPFS_PIN_RETRY;
    out->retry_in_s = backoff_s(o, job->attempts);
  }
  if (out->verdict == IPFS_PIN_RETRY) {
    /* The one line a retry makes (the CLI adds none of its own). */
    char in[16], att[16];
    snprintf(in, sizeof(in), "%u", out->retry_in_s);
    snprintf(att, sizeof(att), "%u", job->attempts);
    OB_LOG(OB_LOG_WARN, "ipfs", "pin attempt failed, will retry", "request", job->request_id, "attempt", att,
           "retry_in_s", in, "error", out->error, NULL);
  } else {
    OB_LOG(OB_LOG_WARN, "ipfs", "pin failed", "request", job->request_id, "error", out->error, NULL);
  }
  return 0;
}

int ipfs_pin_memory(const struct ipfs_pin_worker_opts *o, enum ipfs_profile profile, const char *name,
                    const void *data, size_t len, char cid[IPFS_CID_TEXT_MAX], struct ob_err *err) {
  struct ipfs_pin_job job;
  struct ipfs_add_result res;
  struct ipfs_cid local;
  struct ipfs_dag_info info;
  struct source src = {.fd = -1, .mem = data, .size = (int64_t)len};
  uint64_t bytes = 0;
  int rc;
  OB_ARG_CHECK(o && o->kubo && name && (data || !len) && cid);
  memset(&job, 0, sizeof(job));
  snprintf(job.name, sizeof(job.name), "%s", name);
  snprintf(job.origin, sizeof(job.origin), "%s", name);
  job.origin_kind = IPFS_ORIGIN_INTERNAL;
  job.profile = profile;
  src.what = job.origin;
  rc = upload(o, &job, &src, &local, &info, &res, &bytes, err);
  if (!rc) rc = confirm(o, &local, &info, &res, err);
  if (rc) return ob_err_prefix(err, rc, "cannot pin '%s'", name);
  return ipfs_cid_format(cid, IPFS_CID_TEXT_MAX, &local);
}

static bool stopped(const struct ipfs_pin_worker_opts *o) { return o->stop && *o->stop; }

/* The outcome must reach the store: wait for it while it is down (a stop leaves the job pinning;
 * the stale sweep gives it back). */
static int record(const struct ipfs_pin_worker_opts *o, const struct ipfs_pin_job *job,
                  const struct ipfs_pin_outcome *out, struct ob_err *err) {
  for (;;) {
    int rc = o->store->finish(o->store->ud, job, out, err);
    if (rc != OB_EUNREACH) return rc;
    if (stopped(o)) return OB_ECANCELED;
    OB_LOG(OB_LOG_WARN, "ipfs", "store unreachable, will record the outcome later", "request",
           job->request_id, NULL);
    ob_sleep_ms(1000);
  }
}

int ipfs_pin_worker_step(const struct ipfs_pin_worker_opts *o, const char *request_id, bool *ran,
                         struct ipfs_pin_outcome *out, struct ob_err *err) {
  struct ipfs_pin_job job;
  struct ipfs_pin_outcome local_out;
  /* A live worker heartbeats every 5 s while bytes move, and its call fails after stall_timeout_s
   * without progress: its heartbeat is never older than about stall + 5 s. */
  uint32_t stale = o->stall_timeout_s * 2 + 10;
  int rc;
  *ran = false;
  if (!out) out = &local_out;
  if (o->store->requeue_stale) o->store->requeue_stale(o->store->ud, stale, NULL, NULL);
  memset(&job, 0, sizeof(job));
  rc = o->store->claim(o->store->ud, o->worker_id, request_id, &job, err);
  if (rc) return rc;
  *ran = true;
  ipfs_pin_run_job(o, &job, out);
  return record(o, &job, out, err);
}

int ipfs_pin_worker_run(const struct ipfs_pin_worker_opts *o, struct ob_err *err) {
  OB_LOG(OB_LOG_INFO, "ipfs", "pin worker started", "worker", o->worker_id, NULL);
  while (!stopped(o)) {
    bool ran = false;
    int rc = ipfs_pin_worker_step(o, NULL, &ran, NULL, err);
    if (rc == OB_EUNREACH) {
      OB_LOG(OB_LOG_WARN, "ipfs", "queue unreachable, retrying", "error", ob_err_msg(err, rc), NULL);
      ob_sleep_ms(1000);
    } else if (rc == OB_ENOENT) {
      if (o->idle) o->idle(o->idle_ud);
      ob_sleep_ms(500);
    } else if (rc && rc != OB_ESTATE && rc != OB_ECANCELED) {
      OB_LOG(OB_LOG_ERROR, "ipfs", "queue error", "error", ob_err_msg(err, rc), NULL);
      ob_sleep_ms(1000);
    }
  }
  OB_LOG(OB_LOG_INFO, "ipfs", "pin worker stopped", "worker", o->worker_id, NULL);
  return 0;
}
