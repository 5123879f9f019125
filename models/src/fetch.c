/* Resumable, checked downloads (see ob/models/fetch.h). The one models/ file that includes curl. */
#include "ob/models/fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/sha256.h"
#include "ob/core/util.h"

#define VAL_MAX 200
#define URL_MAX 4096
#define BLOCK (1u << 20)
#define RING_ALIGN 4096u      /* O_DIRECT's alignment of buffers, offsets and lengths */
#define RING_CHUNK (4u << 20) /* one slot of the staging ring: one hash update, one write */
#define RING_N 4              /* slots: 16 MiB per file in flight */

void model_fetch_opts_init(struct model_fetch_opts *o) {
  memset(o, 0, sizeof(*o));
  o->parallel = 4;
  o->connect_timeout_s = 10;
  o->stall_timeout_s = 60;
  o->max_attempts = 8;
}

/* What a response's headers said. */
struct head {
  long status;
  char etag[VAL_MAX], last_modified[VAL_MAX], linked_etag[VAL_MAX], location[URL_MAX];
  char content_range[VAL_MAX];
  int64_t length, linked_size;
};

/* The staging ring between the receiving thread and the disk. Received bytes are copied into a slot
 * of RING_CHUNK bytes; a full slot is hashed by the hasher thread (in order: SHA-256 is sequential)
 * and written by the writer thread at its offset, at the same time, and is free again when both are
 * done. The receiving thread does nothing but copy, so the network, the hash and the disk each get a
 * thread.
 *
 * The writer writes with O_DIRECT: the bytes go to the device as they come, rather than piling up in
 * the page cache for the fsync in finish() (a 2 GiB file: 1.7 GB/s written through O_DIRECT on this
 * kind of machine, 0.3-0.9 GB/s through the page cache and fsync). Slots start at offsets aligned to
 * RING_ALIGN; a slot's unaligned end (the last bytes of a transfer) goes through the page cache, as
 * does everything on a filesystem without O_DIRECT (tmpfs).
 *
 * Between transfers the ring is empty: ring_flush() wrote every byte received, so PATH.part holds
 * j->have bytes and a retry starts from them. ring_prime() starts the next slot at the aligned
 * offset at or below j->have, with the bytes already there read back (already hashed: `skip`). */
struct ring {
  int dfd;                    /* PATH.part opened O_DIRECT, -1 when the filesystem refused it */
  int fd;                     /* the job's own descriptor */
  uint8_t *mem;               /* RING_N slots of RING_CHUNK, aligned */
  struct slot {
    uint64_t off;             /* file offset of the slot's first byte */
    size_t len, skip;         /* bytes in the slot; the first `skip` are hashed already */
    bool full, hashed, written;
  } s[RING_N];
  unsigned fill;              /* the slot taking bytes */
  bool open;                  /* s[fill] takes bytes (ring_prime since the last ring_flush) */
  struct ob_sha256 *h;
  int err;                    /* errno of a failed write, sticky until ring_flush reports it */
  bool stop, started;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t hasher, writer;
};

/* One file's run. */
struct job {
  struct model_fetch_file *f;
  const struct model_fetch_opts *o;
  struct shared *sh;
  char part[URL_MAX + 8], state[URL_MAX + 8];
  char target[URL_MAX];       /* the URL the bytes come from (after redirects) */
  char validator[VAL_MAX];    /* X-Linked-Etag, else ETag, else Last-Modified */
  char if_range[VAL_MAX];     /* the target's strong ETag or Last-Modified */
  int64_t size;               /* expected, -1 unknown */
  bool want_known;
  uint8_t want[32];
  /* the transfer in progress */
  int fd;
  struct ob_sha256 h;
  uint64_t have;              /* bytes on disk */
  uint64_t pos;               /* offset of the next body byte */
  uint8_t tail[MODEL_FETCH_TAIL];
  uint64_t tail_from;         /* offset of tail[0]; bytes [tail_from, have) are compared, not written */
  bool tail_bad, write_failed;
  int write_errno;            /* why write_failed */
  bool tail_hashed;           /* the tail's bytes are in the hash already (a retry in this process) */
  uint64_t range_start;       /* the Range asked for by the transfer in progress */
  struct ring ring;
  char open_validator[VAL_MAX];
  struct head hd;
  char errbuf[CURL_ERROR_SIZE];
};

struct shared {
  pthread_mutex_t mu;
  struct model_fetch_file *files;
  size_t n, next;
  uint64_t total_known;
  const struct model_fetch_opts *o;
};

static void note(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct job *j, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->f->note, sizeof(j->f->note), fmt, ap);
  va_end(ap);
  ob_log_f(OB_LOG_INFO, "models", "%s: %s", j->f->path, j->f->note);
  if (j->o->note) {
    pthread_mutex_lock(&j->sh->mu);
    j->o->note(j->o->ctx, j->f, j->f->note);
    pthread_mutex_unlock(&j->sh->mu);
  }
}

static void report_progress(struct job *j, bool force) {
  struct shared *sh = j->sh;
  static __thread uint64_t last;
  uint64_t now;
  if (!j->o->progress) return;
  now = ob_mono_ms();
  pthread_mutex_lock(&sh->mu);
  j->f->progress_ = j->have > j->pos ? j->have : j->pos;
  if (force || now - last >= 100) {
    uint64_t done = 0;
    for (size_t i = 0; i < sh->n; i++) done += sh->files[i].progress_;
    j->o->progress(j->o->ctx, done, sh->total_known);
    last = now;
  }
  pthread_mutex_unlock(&sh->mu);
}

/* ---- headers */

static void copy_val(char *out, size_t cap, const char *v, size_t n) {
  while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) n--;
  while (n && *v == ' ') v++, n--;
  if (n >= cap) n = cap - 1;
  memcpy(out, v, n);
  out[n] = '\0';
}

static bool hdr_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':') return false;
  *val = line + k + 1;
  *vlen = n - k - 1;
  return true;
}

static size_t on_header(char *line, size_t sz, size_t nm, void *ud) {
  struct head *h = ud;
  size_t n = sz * nm, vl;
  const char *v;
  char num[32];
  if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
    const char *sp = memchr(line, ' ', n);
    memset(h, 0, sizeof(*h));
    h->length = h->linked_size = -1;
    if (sp && (size_t)(sp - line) + 4 <= n) h->status = strtol(sp + 1, NULL, 10);
    return n;
  }
  if (hdr_is(line, n, "etag", &v, &vl)) copy_val(h->etag, sizeof(h->etag), v, vl);
  else if (hdr_is(line, n, "last-modified", &v, &vl)) copy_val(h->last_modified, sizeof(h->last_modified), v, vl);
  else if (hdr_is(line, n, "x-linked-etag", &v, &vl)) copy_val(h->linked_etag, sizeof(h->linked_etag), v, vl);
  else if (hdr_is(line, n, "location", &v, &vl)) copy_val(h->location, sizeof(h->location), v, vl);
  else if (hdr_is(line, n, "content-range", &v, &vl)) copy_val(h->content_range, sizeof(h->content_range), v, vl);
  else if (hdr_is(line, n, "content-length", &v, &vl) || hdr_is(line, n, "x-linked-size", &v, &vl)) {
    uint64_t x;
    copy_val(num, sizeof(num), v, vl);
    if (ob_parse_u64(&x, num, "size", NULL) == 0 && x <= INT64_MAX) {
      if (tolower((unsigned char)line[0]) == 'x') h->linked_size = (int64_t)x;
      else h->length = (int64_t)x;
    }
  }
  return n;
}

/* A quoted or bare 64-hex-digit ETag is a sha256 (Hugging Face's LFS files). */
static bool etag_sha256(uint8_t out[32], const char *etag) {
  char hex[65];
  size_t n;
  if (strncmp(etag, "W/", 2) == 0) return false;
  if (*etag == '"') etag++;
  n = strlen(etag);
  if (n && etag[n - 1] == '"') n--;
  if (n != 64) return false;
  memcpy(hex, etag, 64);
  hex[64] = '\0';
  return ob_hex_decode_fixed(out, 32, hex, NULL) == 0;
}

static CURL *easy_new(struct job *j, const char *url) {
  CURL *e = curl_easy_init();
  if (!e) return NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, j->o->allow_http ? "http,https" : "https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)j->o->connect_timeout_s);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)j->o->stall_timeout_s);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &j->hd);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024); /* curl's largest: fewer calls per byte */
  curl_easy_setopt(e, CURLOPT_USERAGENT, "obridge/" OB_VERSION);
  j->errbuf[0] = '\0';
  memset(&j->hd, 0, sizeof(j->hd));
  j->hd.length = j->hd.linked_size = -1;
  return e;
}

static int curl_fail(struct job *j, CURLcode c, const char *what) {
  int code = c == CURLE_OPERATION_TIMEDOUT ? OB_ETIMEDOUT
             : (c == CURLE_UNSUPPORTED_PROTOCOL || c == CURLE_URL_MALFORMAT) ? OB_EINVAL
                                                                             : OB_EUNREACH;
  return ob_err_set(&j->f->err, code, "%s '%.300s': %s", what, j->target[0] ? j->target : j->f->url,
                    j->errbuf[0] ? j->errbuf : curl_easy_strerror(c));
}

/* HEAD the URL, following up to 5 redirects by hand so the linked headers of a 302 are seen. */
static int resolve(struct job *j) {
  char url[URL_MAX], linked[VAL_MAX] = "";
  int64_t linked_size = -1;
  snprintf(url, sizeof url, "%s", j->f->url);
  for (int hop = 0; hop < 6; hop++) {
    CURL *e = easy_new(j, url);
    CURLcode c;
    char *redir = NULL;
    if (!e) return ob_err_set(&j->f->err, OB_ENOMEM, "out of memory");
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    snprintf(j->target, sizeof j->target, "%s", url);
    c = curl_easy_perform(e);
    if (c != CURLE_OK) {
      int rc = curl_fail(j, c, "cannot reach");
      curl_easy_cleanup(e);
      return rc;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &j->hd.status);
    if (j->hd.linked_etag[0] && !linked[0]) snprintf(linked, sizeof linked, "%s", j->hd.linked_etag);
    if (j->hd.linked_size >= 0 && linked_size < 0) linked_size = j->hd.linked_size;
    if (j->hd.status >= 300 && j->hd.status < 400) {
      curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redir);
      if (!redir) {
        curl_easy_cleanup(e);
        return ob_err_set(&j->f->err, OB_EPEER, "'%.300s' answered %ld without a Location", url, j->hd.status);
      }
      snprintf(url, sizeof url, "%s", redir);
      curl_easy_cleanup(e);
      continue;
    }
    curl_easy_cleanup(e);
    if (j->hd.status != 200)
      return ob_err_set(&j->f->err, j->hd.status >= 500 ? OB_EUNREACH : OB_EPEER, "'%.300s' answered HTTP %ld",
                        url, j->hd.status);
    snprintf(j->validator, sizeof j->validator, "%s",
             linked[0] ? linked : j->hd.etag[0] ? j->hd.etag : j->hd.last_modified);
    snprintf(j->if_range, sizeof j->if_range, "%s",
             j->hd.etag[0] && strncmp(j->hd.etag, "W/", 2) != 0 ? j->hd.etag : j->hd.last_modified);
    j->size = linked_size >= 0 ? linked_size : j->hd.length;
    if (j->f->have_sha256) {
      memcpy(j->want, j->f->want_sha256, 32);
      j->want_known = true;
      snprintf(j->f->sha256_source, sizeof j->f->sha256_source, "--sha256");
    } else if (linked[0] && etag_sha256(j->want, linked)) {
      j->want_known = true;
      snprintf(j->f->sha256_source, sizeof j->f->sha256_source, "X-Linked-Etag");
    } else if (etag_sha256(j->want, j->hd.etag)) {
      j->want_known = true;
      snprintf(j->f->sha256_source, sizeof j->f->sha256_source, "ETag");
    }
    if (j->o->max_bytes && j->size > 0 && (uint64_t)j->size > j->o->max_bytes)
      return ob_err_set(&j->f->err, OB_ELIMIT, "'%.300s' is %" PRId64 " bytes, over the limit of %" PRIu64, url,
                        j->size, j->o->max_bytes);
    return 0;
  }
  return ob_err_set(&j->f->err, OB_EPEER, "'%.300s': more than 5 redirects", j->f->url);
}

/* ---- state file */

static int state_write(struct job *j) {
  struct ob_buf b;
  struct ob_jw w;
  int rc;
  ob_buf_init(&b, 64 * 1024);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "url");
  ob_jw_str(&w, j->f->url);
  ob_jw_key(&w, "validator");
  ob_jw_str(&w, j->validator);
  ob_jw_key(&w, "size");
  ob_jw_i64(&w, j->size);
  ob_jw_obj_end(&w);
  rc = ob_jw_finish(&w);
  if (rc == 0) rc = ob_file_write_atomic(j->state, b.buf, b.len, 0644, &j->f->err);
  ob_buf_release(&b);
  return rc;
}

/* The validator the bytes in PATH.part were fetched under, "" when unknown. */
static void state_read(struct job *j, char *validator, size_t cap, char *url, size_t ucap) {
  struct ob_buf b;
  struct ob_json *root = NULL;
  validator[0] = url[0] = '\0';
  ob_buf_init(&b, 64 * 1024);
  if (ob_file_read(j->state, &b, 64 * 1024, NULL) == 0 && ob_json_parse(&root, b.buf, b.len, NULL, NULL) == 0) {
    const char *v = ob_json_string(ob_json_get(root, "validator"));
    const char *u = ob_json_string(ob_json_get(root, "url"));
    if (v) snprintf(validator, cap, "%s", v);
    if (u) snprintf(url, ucap, "%s", u);
  }
  ob_json_free(root);
  ob_buf_release(&b);
}

/* ---- the transfer */

static int restart(struct job *j);



/* ---- the staging ring (struct ring) */

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off) {
  while (n) {
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
  return 0;
}

/* A slot's aligned part through O_DIRECT, the rest through the page cache. A filesystem that takes
 * the O_DIRECT open but not the write (EINVAL: another alignment) gets the page cache from then on. */
static int ring_write_slot(struct ring *r, const uint8_t *p, const struct slot *s) {
  size_t direct = r->dfd >= 0 ? s->len - s->len % RING_ALIGN : 0;
  int e = 0;
  if (direct) {
    e = pwrite_all(r->dfd, p, direct, s->off);
    if (e == EINVAL) {
      ob_log_f(OB_LOG_INFO, "models", "O_DIRECT write refused (EINVAL): writing through the page cache");
      close(r->dfd);
      r->dfd = -1;
      direct = 0;
      e = 0;
    }
  }
  if (e == 0 && direct < s->len) e = pwrite_all(r->fd, p + direct, s->len - direct, s->off + direct);
  return e;
}

/* The hasher (write false) and the writer: each takes the full slots in order and does its part; a
 * slot is free again when both are done. After a failed write the writer only marks slots written. */
static void *ring_stage(struct ring *r, bool write) {
  unsigned next = 0;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    struct slot *s = &r->s[next];
    bool *done = write ? &s->written : &s->hashed;
    if (s->full && !*done) {
      const uint8_t *p = r->mem + (size_t)next * RING_CHUNK;
      bool failed = r->err != 0;
      int e = 0;
      pthread_mutex_unlock(&r->mu);
      if (write && !failed) e = ring_write_slot(r, p, s);
      else if (!write && s->len > s->skip) ob_sha256_update(r->h, p + s->skip, s->len - s->skip);
      pthread_mutex_lock(&r->mu);
      if (e && !r->err) r->err = e;
      *done = true;
      if (s->hashed && s->written) s->full = false;
      next = (next + 1) % RING_N;
      pthread_cond_broadcast(&r->cv);
      continue;
    }
    if (r->stop) break;
    pthread_cond_wait(&r->cv, &r->mu);
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}
static void *ring_hasher(void *arg) { return ring_stage(arg, false); }
static void *ring_writer(void *arg) { return ring_stage(arg, true); }

static int ring_start(struct ring *r, int fd, const char *path, bool direct, struct ob_sha256 *h) {
  memset(r, 0, sizeof(*r));
  r->fd = fd;
  r->h = h;
  r->dfd = -1;
#ifdef O_DIRECT
  if (direct) r->dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
#else
  (void)path;
  (void)direct;
#endif
  if (posix_memalign((void **)&r->mem, RING_ALIGN, (size_t)RING_N * RING_CHUNK) != 0) {
    r->mem = NULL;
    if (r->dfd >= 0) close(r->dfd);
    r->dfd = -1;
    return OB_ENOMEM;
  }
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  if (pthread_create(&r->hasher, NULL, ring_hasher, r) != 0) goto fail;
  if (pthread_create(&r->writer, NULL, ring_writer, r) != 0) {
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->hasher, NULL);
    goto fail;
  }
  r->started = true;
  return 0;
fail:
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  free(r->mem);
  r->mem = NULL;
  if (r->dfd >= 0) close(r->dfd);
  r->dfd = -1;
  return OB_ENOMEM;
}

/* Hand s[fill] to the threads (under r->mu). */
static void ring_submit_locked(struct ring *r) {
  struct slot *s = &r->s[r->fill];
  s->full = true;
  s->hashed = s->written = false;
  pthread_cond_broadcast(&r->cv);
}

/* Write and hash everything received; the ring is empty after. Returns 0 or the errno of a failed
 * write (reported once). */
static int ring_flush(struct ring *r) {
  int e;
  if (!r->started) return 0;
  pthread_mutex_lock(&r->mu);
  if (r->open && r->s[r->fill].len > r->s[r->fill].skip) {
    ring_submit_locked(r);
    r->fill = (r->fill + 1) % RING_N;
  }
  r->open = false;
  for (;;) {
    bool busy = false;
    for (unsigned i = 0; i < RING_N; i++) busy |= r->s[i].full;
    if (!busy) break;
    pthread_cond_wait(&r->cv, &r->mu);
  }
  e = r->err;
  r->err = 0;
  pthread_mutex_unlock(&r->mu);
  return e;
}

/* Take bytes from offset `have` on: PATH.part holds `have` bytes, all hashed. */
static int ring_prime(struct ring *r, uint64_t have) {
  struct slot *s;
  if (!r->started) return OB_EINVAL;
  (void)ring_flush(r);
  s = &r->s[r->fill];
  s->off = have - have % RING_ALIGN;
  s->len = s->skip = (size_t)(have - s->off);
  s->full = s->hashed = s->written = false;
  if (s->len && pread(r->fd, r->mem + (size_t)r->fill * RING_CHUNK, s->len, (off_t)s->off) != (ssize_t)s->len)
    return OB_EIO;
  r->open = true;
  return 0;
}

/* Copy n received bytes in; waits for a free slot when the disk or the hash is behind. Returns 0 or
 * the errno of a failed write. */
static int ring_put(struct ring *r, const char *p, size_t n) {
  while (n) {
    struct slot *s = &r->s[r->fill];
    size_t k = RING_CHUNK - s->len;
    if (k > n) k = n;
    memcpy(r->mem + (size_t)r->fill * RING_CHUNK + s->len, p, k);
    s->len += k;
    p += k;
    n -= k;
    if (s->len == RING_CHUNK) {
      struct slot *next;
      uint64_t off = s->off + RING_CHUNK;
      pthread_mutex_lock(&r->mu);
      ring_submit_locked(r);
      r->fill = (r->fill + 1) % RING_N;
      next = &r->s[r->fill];
      while (next->full && !r->err) pthread_cond_wait(&r->cv, &r->mu);
      if (r->err) {
        int e = r->err;
        pthread_mutex_unlock(&r->mu);
        return e;
      }
      pthread_mutex_unlock(&r->mu);
      next->off = off;
      next->len = next->skip = 0;
    }
  }
  return 0;
}

static void ring_stop(struct ring *r) {
  if (!r->started) return;
  (void)ring_flush(r);
  pthread_mutex_lock(&r->mu);
  r->stop = true;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->hasher, NULL);
  pthread_join(r->writer, NULL);
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  free(r->mem);
  if (r->dfd >= 0) close(r->dfd);
  r->dfd = -1;
  r->started = false;
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud) {
  struct job *j = ud;
  size_t n = sz * nm, off = 0;
  if (j->hd.status != 206 && j->hd.status != 200) return n; /* an error page: not ours */
  if (j->hd.status == 200 && j->range_start > 0) { /* the whole file instead of the range */
    j->range_start = 0;
    note(j, "restarted from 0: the server sent the whole file, not the range from byte %" PRIu64
            " (its ETag or Last-Modified no longer matches)", j->pos);
    if (restart(j) != 0) {
      j->write_failed = true;
      j->write_errno = EIO;
      return 0;
    }
  }
  while (off < n && j->pos < j->have) { /* the tail re-check */
    size_t k = (size_t)(j->have - j->pos);
    if (k > n - off) k = n - off;
    if (memcmp(p + off, j->tail + (j->pos - j->tail_from), k) != 0) {
      j->tail_bad = true;
      return 0; /* aborts the transfer */
    }
    if (!j->tail_hashed) ob_sha256_update(&j->h, p + off, k);
    off += k;
    j->pos += k;
  }
  if (off < n) {
    int e;
    if (j->o->max_bytes && j->pos + (n - off) > j->o->max_bytes) {
      j->write_failed = true;
      j->write_errno = EFBIG;
      return 0;
    }
    e = ring_put(&j->ring, p + off, n - off);
    if (e) {
      j->write_failed = true;
      j->write_errno = e;
      return 0;
    }
    j->pos += n - off;
    j->have = j->pos;
    j->f->received += n - off;
  }
  report_progress(j, false);
  return n;
}

/* Start over: empty PATH.part, a fresh hash. */
static int restart(struct job *j) {
  (void)ring_flush(&j->ring);
  if (ftruncate(j->fd, 0) != 0)
    return ob_err_set(&j->f->err, OB_EIO, "cannot truncate '%s': %s", j->part, strerror(errno));
  ob_sha256_final(&j->h, j->f->sha256);
  if (ob_sha256_init(&j->h) != 0) return ob_err_set(&j->f->err, OB_ENOMEM, "out of memory");
  j->have = j->pos = j->tail_from = 0;
  j->tail_hashed = false;
  j->f->restarted = true;
  return ring_prime(&j->ring, 0) ? ob_err_set(&j->f->err, OB_EIO, "cannot read '%s'", j->part) : 0;
}

/* Hash PATH.part's first `have - tail` bytes from disk, keep the tail in memory for the re-check. */
static int prepare_resume(struct job *j) {
  uint8_t *buf;
  uint64_t upto, off = 0;
  struct stat st;
  if (fstat(j->fd, &st) != 0) return ob_err_set(&j->f->err, OB_EIO, "cannot stat '%s': %s", j->part, strerror(errno));
  j->have = (uint64_t)st.st_size;
  if (j->size >= 0 && j->have > (uint64_t)j->size) { /* longer than the file: start over */
    if (ftruncate(j->fd, 0) != 0) return ob_err_set(&j->f->err, OB_EIO, "cannot truncate '%s': %s", j->part, strerror(errno));
    j->have = 0;
  }
  j->tail_from = j->have > MODEL_FETCH_TAIL ? j->have - MODEL_FETCH_TAIL : 0;
  upto = j->have;
  buf = ob_malloc(BLOCK);
  if (!buf) return ob_err_set(&j->f->err, OB_ENOMEM, "out of memory");
  while (off < upto) {
    size_t want = upto - off > BLOCK ? BLOCK : (size_t)(upto - off);
    ssize_t r = pread(j->fd, buf, want, (off_t)off);
    if (r <= 0) {
      ob_free(buf);
      return ob_err_set(&j->f->err, OB_EIO, "cannot read '%s': %s", j->part, r < 0 ? strerror(errno) : "short");
    }
    if (off + (uint64_t)r > j->tail_from) { /* keep the part at or past tail_from */
      uint64_t s = off > j->tail_from ? off : j->tail_from;
      memcpy(j->tail + (s - j->tail_from), buf + (s - off), (size_t)(off + (uint64_t)r - s));
    }
    if (off < j->tail_from) {
      uint64_t hashed = off + (uint64_t)r > j->tail_from ? j->tail_from - off : (uint64_t)r;
      ob_sha256_update(&j->h, buf, (size_t)hashed);
    }
    off += (uint64_t)r;
  }
  ob_free(buf);
  j->pos = j->tail_from;
  return 0;
}

/* One GET from j->pos. Returns 0 when the file is complete, 1 to try again, or an error. */
static int transfer(struct job *j) {
  CURL *e = easy_new(j, j->target);
  char range[64];
  struct curl_slist *hdrs = NULL;
  CURLcode c;
  uint64_t start = j->pos;
  int rc;
  if (!e) return ob_err_set(&j->f->err, OB_ENOMEM, "out of memory");
  if (ring_prime(&j->ring, j->have) != 0) {
    curl_easy_cleanup(e);
    return ob_err_set(&j->f->err, OB_EIO, "cannot read '%s': %s", j->part, strerror(errno));
  }
  j->tail_bad = j->write_failed = false;
  j->write_errno = 0;
  j->range_start = start;
  if (start > 0) {
    char ifr[VAL_MAX + 16];
    snprintf(range, sizeof range, "%" PRIu64 "-", start);
    curl_easy_setopt(e, CURLOPT_RANGE, range);
    if (j->if_range[0]) {
      snprintf(ifr, sizeof ifr, "If-Range: %s", j->if_range);
      hdrs = curl_slist_append(hdrs, ifr);
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    }
  }
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
  /* The status is known before the first body byte: a 200 to a Range request means start over. */
  c = curl_easy_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &j->hd.status);
  curl_easy_cleanup(e);
  curl_slist_free_all(hdrs);
  rc = ring_flush(&j->ring); /* every byte received is in PATH.part from here on */
  if (rc && !j->write_failed) {
    j->write_failed = true;
    j->write_errno = rc;
  }
  if (j->tail_bad) {
    note(j, "restarted from 0: the %" PRIu64 " bytes before the resume point differ from the server's", j->have - j->tail_from);
    return restart(j) ? -1 : 1;
  }
  if (j->write_failed && j->write_errno == EFBIG)
    return ob_err_set(&j->f->err, OB_ELIMIT, "'%.300s' sent more than the limit of %" PRIu64 " bytes", j->target,
                      j->o->max_bytes);
  if (j->write_failed)
    return ob_err_set(&j->f->err, OB_EIO, "cannot write '%s': %s", j->part, strerror(j->write_errno));
  if (j->hd.status == 416 && start > 0) {
    note(j, "restarted from 0: the server refused the range from byte %" PRIu64 " (HTTP 416)", start);
    return restart(j) ? -1 : 1;
  }
  if (j->hd.status != 0 && j->hd.status != 200 && j->hd.status != 206) {
    rc = ob_err_set(&j->f->err, j->hd.status >= 500 || j->hd.status == 429 ? OB_EUNREACH : OB_EPEER,
                    "'%.300s' answered HTTP %ld", j->target, j->hd.status);
    return rc == OB_EUNREACH ? 1 : rc;
  }
  if (c != CURLE_OK) {
    curl_fail(j, c, "transfer from");
    return 1;
  }
  if (j->size >= 0 && j->pos != (uint64_t)j->size) {
    ob_err_set(&j->f->err, OB_EUNREACH, "'%.300s' ended at byte %" PRIu64 " of %" PRId64, j->target, j->pos, j->size);
    return 1;
  }
  return 0;
}

static int finish(struct job *j) {
  char got[65], want[65];
  ob_sha256_final(&j->h, j->f->sha256);
  j->f->size = j->have;
  if (fsync(j->fd) != 0) return ob_err_set(&j->f->err, OB_EIO, "cannot fsync '%s': %s", j->part, strerror(errno));
  if (j->size >= 0 && j->have != (uint64_t)j->size)
    return ob_err_set(&j->f->err, OB_EMISMATCH, "'%s': got %" PRIu64 " bytes, the server announced %" PRId64,
                      j->f->path, j->have, j->size);
  if (j->want_known && !ob_ct_equal(j->want, j->f->sha256, 32)) {
    ob_hex_encode(got, j->f->sha256, 32);
    ob_hex_encode(want, j->want, 32);
    unlink(j->part);
    unlink(j->state);
    return ob_err_set(&j->f->err, OB_EMISMATCH, "'%s': sha256 mismatch: expected %s (%s), got %s", j->f->path, want,
                      j->f->sha256_source, got);
  }
  if (rename(j->part, j->f->path) != 0)
    return ob_err_set(&j->f->err, OB_EIO, "cannot rename '%s': %s", j->part, strerror(errno));
  unlink(j->state);
  return 0;
}

static int open_part(struct job *j) {
  char old_validator[VAL_MAX], old_url[URL_MAX];
  struct stat st;
  bool exists = stat(j->part, &st) == 0 && st.st_size > 0;
  state_read(j, old_validator, sizeof old_validator, old_url, sizeof old_url);
  j->fd = open(j->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (j->fd < 0) return ob_err_set(&j->f->err, OB_EIO, "cannot open '%s': %s", j->part, strerror(errno));
  if (ring_start(&j->ring, j->fd, j->part, !j->o->buffered_io, &j->h) != 0) return ob_err_set(&j->f->err, OB_ENOMEM, "out of memory");
  if (exists && (!old_validator[0] || strcmp(old_validator, j->validator) != 0 || strcmp(old_url, j->f->url) != 0)) {
    if (!old_validator[0]) note(j, "restarted from 0: no record of what the %jd bytes on disk are", (intmax_t)st.st_size);
    else if (strcmp(old_url, j->f->url) != 0) note(j, "restarted from 0: the bytes on disk came from another URL");
    else note(j, "restarted from 0: the server's %s changed (%.80s -> %.80s)",
              strchr(old_validator, ',') || strchr(old_validator, ':') ? "Last-Modified" : "ETag", old_validator,
              j->validator);
    if (ftruncate(j->fd, 0) != 0) return ob_err_set(&j->f->err, OB_EIO, "cannot truncate '%s'", j->part);
    j->f->restarted = true;
    exists = false;
  }
  snprintf(j->open_validator, sizeof j->open_validator, "%s", j->validator);
  if (state_write(j) != 0) return j->f->err.code ? j->f->err.code : OB_EIO;
  if (ob_sha256_init(&j->h) != 0) return ob_err_set(&j->f->err, OB_ENOMEM, "out of memory");
  if (prepare_resume(j) != 0) return -1;
  if (j->size >= 0) {
    pthread_mutex_lock(&j->sh->mu);
    j->sh->total_known += (uint64_t)j->size;
    pthread_mutex_unlock(&j->sh->mu);
  }
  if (exists && j->have > 0) {
    j->f->resumed_from = j->have;
    note(j, "resumed at %" PRIu64 " bytes%s", j->have, j->size >= 0 ? "" : " (size unknown)");
  }
  return 0;
}

static int already_done(struct job *j) {
  uint64_t size;
  int rc;
  if (access(j->f->path, F_OK) != 0) return 1;
  rc = model_sha256_file(j->f->sha256, &size, j->f->path, &j->f->err);
  if (rc) return rc;
  j->f->size = size;
  j->f->already_done = true;
  pthread_mutex_lock(&j->sh->mu);
  j->sh->total_known += size;
  pthread_mutex_unlock(&j->sh->mu);
  if (j->f->have_sha256 && !ob_ct_equal(j->f->want_sha256, j->f->sha256, 32))
    return ob_err_set(&j->f->err, OB_EMISMATCH, "'%s' is already there with another sha256", j->f->path);
  return 0;
}

/* Before a retry in this process: the hash holds every byte on disk; the last ones are fetched
 * again and compared, not hashed twice. A validator that changed meanwhile starts the file over. */
static int prepare_retry(struct job *j) {
  ssize_t r;
  if (strcmp(j->open_validator, j->validator) != 0) {
    note(j, "restarted from 0: the server's validator changed during the download (%.80s -> %.80s)",
         j->open_validator, j->validator);
    snprintf(j->open_validator, sizeof j->open_validator, "%s", j->validator);
    if (state_write(j) != 0) return j->f->err.code;
    return restart(j);
  }
  j->tail_from = j->have > MODEL_FETCH_TAIL ? j->have - MODEL_FETCH_TAIL : 0;
  j->pos = j->tail_from;
  j->tail_hashed = true;
  if (j->tail_from == j->have) return 0;
  r = pread(j->fd, j->tail, (size_t)(j->have - j->tail_from), (off_t)j->tail_from);
  if (r != (ssize_t)(j->have - j->tail_from))
    return ob_err_set(&j->f->err, OB_EIO, "cannot read '%s'", j->part);
  return 0;
}

static int fetch_attempts(struct job *j) {
  unsigned fails = 0;
  int rc;
  for (;;) {
    uint64_t before = j->have;
    rc = resolve(j);
    if (rc == 0) rc = j->fd < 0 ? open_part(j) : prepare_retry(j);
    if (rc == 0) {
      before = j->have;
      rc = transfer(j);
      if (rc == 0) return 0;
    }
    if (rc < 0 && rc != OB_EUNREACH && rc != OB_ETIMEDOUT) return rc;
    if (j->have > before) fails = 0;
    if (++fails >= j->o->max_attempts) {
      rc = j->f->err.code ? j->f->err.code : OB_EUNREACH;
      return ob_err_prefix(&j->f->err, rc, "giving up after %u attempts without progress", fails);
    }
    ob_log_f(OB_LOG_INFO, "models", "%s: retrying at byte %" PRIu64 ": %s", j->f->path, j->have, j->f->err.msg);
    ob_sleep_ms(fails < 5 ? 100u << fails : 2000);
  }
}

static int fetch_one(struct job *j) {
  int rc = already_done(j);
  if (rc <= 0) return rc;
  if (!j->f->url[0] || ob_str_ends(j->f->url, "/"))
    return ob_err_set(&j->f->err, OB_EINVAL, "'%s' does not name a file", j->f->url);
  snprintf(j->part, sizeof j->part, "%s.part", j->f->path);
  snprintf(j->state, sizeof j->state, "%s.state", j->f->path);
  j->fd = -1;
  rc = fetch_attempts(j);
  ring_stop(&j->ring);
  if (rc == 0) rc = finish(j);
  if (j->fd >= 0) close(j->fd);
  if (j->h.md) ob_sha256_final(&j->h, j->tail); /* frees the context of a failed run */
  return rc;
}

static void *worker(void *arg) {
  struct shared *sh = arg;
  struct job *j = ob_calloc(1, sizeof(*j));
  for (;;) {
    size_t i;
    pthread_mutex_lock(&sh->mu);
    i = sh->next++;
    pthread_mutex_unlock(&sh->mu);
    if (i >= sh->n) break;
    if (!j) {
      sh->files[i].rc = ob_err_set(&sh->files[i].err, OB_ENOMEM, "out of memory");
      continue;
    }
    memset(j, 0, sizeof(*j));
    j->f = &sh->files[i];
    j->o = sh->o;
    j->sh = sh;
    j->size = -1;
    j->f->rc = fetch_one(j);
    if (j->f->rc == 0) {
      pthread_mutex_lock(&sh->mu);
      j->f->progress_ = j->f->size;
      pthread_mutex_unlock(&sh->mu);
      report_progress(j, true);
    }
  }
  ob_free(j);
  return NULL;
}

int model_fetch_run(struct model_fetch_file *files, size_t n, const struct model_fetch_opts *o, struct ob_err *err) {
  struct shared sh = {.files = files, .n = n, .o = o};
  pthread_t th[64];
  size_t nt = o->parallel ? o->parallel : 1;
  int rc = 0;
  if (nt > OB_ARRAY_LEN(th)) nt = OB_ARRAY_LEN(th);
  if (nt > n) nt = n;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return ob_err_set(err, OB_ENOMEM, "curl_global_init failed");
  pthread_mutex_init(&sh.mu, NULL);
  for (size_t i = 0; i < n; i++) {
    ob_err_clear(&files[i].err);
    files[i].rc = 0;
    files[i].progress_ = 0;
  }
  size_t started = 0;
  for (; started < nt; started++)
    if (pthread_create(&th[started], NULL, worker, &sh) != 0) break;
  if (started == 0) worker(&sh); /* no thread could start: do it here */
  for (size_t i = 0; i < started; i++) pthread_join(th[i], NULL);
  pthread_mutex_destroy(&sh.mu);
  curl_global_cleanup();
  for (size_t i = 0; i < n && rc == 0; i++)
    if (files[i].rc) {
      rc = files[i].rc;
      if (err) *err = files[i].err;
    }
  return rc;
}

int model_sha256_file(uint8_t hash32[32], uint64_t *size, const char *path, struct ob_err *err) {
  struct ob_sha256 h;
  uint8_t *buf;
  uint64_t total = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
  if (fd < 0)
    return ob_err_set(err, errno == ENOENT ? OB_ENOENT : OB_EIO, "cannot open '%s': %s", path, strerror(errno));
  buf = ob_malloc(BLOCK);
  if (!buf || ob_sha256_init(&h) != 0) {
    ob_free(buf);
    close(fd);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  for (;;) {
    ssize_t r = read(fd, buf, BLOCK);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      rc = ob_err_set(err, OB_EIO, "cannot read '%s': %s", path, strerror(errno));
      break;
    }
    if (r == 0) break;
    ob_sha256_update(&h, buf, (size_t)r);
    total += (uint64_t)r;
  }
  ob_sha256_final(&h, hash32);
  ob_free(buf);
  close(fd);
  if (size) *size = total;
  return rc;
}
