/* The one storage file that includes curl: the Kubo transport (a blocking easy handle per client,
 * kept between calls so the connection is reused) and the HTTP(S) download source of URL pins.
 *
 * The download source runs its easy handle in a private curl multi handle and is pumped from the
 * reader, so an upload's read callback can pull a download through without a thread and with a
 * bounded read-ahead buffer (the download pauses when the buffer is full). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kubo_int.h"
#include "ob/core/alloc.h"
#include "ob/core/log.h"
#include "ob/core/util.h"

struct kubo__http {
  CURL *easy;
  unsigned connect_timeout_s, stall_timeout_s;
  char errbuf[CURL_ERROR_SIZE];
};

struct call_ctx {
  const struct kubo__req *req;
  struct kubo__reply *reply;
  int read_rc;
  struct ob_err read_err;
  bool canceled, stalled;
  uint64_t last_bytes, last_change_ms; /* no-progress detection */
  unsigned stall_ms;
};

int kubo__http_new(struct kubo__http **out, unsigned connect_timeout_s, unsigned stall_timeout_s,
                   struct ob_err *err) {
  struct kubo__http *h = ob_calloc(1, sizeof(*h));
  if (!h) return ob_err_set(err, OB_ENOMEM, "kubo: out of memory");
  h->easy = curl_easy_init();
  if (!h->easy) {
    ob_free(h);
    return ob_err_set(err, OB_ENOMEM, "kubo: cannot create a curl handle");
  }
  h->connect_timeout_s = connect_timeout_s;
  h->stall_timeout_s = stall_timeout_s;
  *out = h;
  return 0;
}

void kubo__http_free(struct kubo__http *h) {
  if (!h) return;
  curl_easy_cleanup(h->easy);
  ob_free(h);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  struct call_ctx *c = ud;
  kubo__reply_header(c->reply, p, size * n);
  return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  struct call_ctx *c = ud;
  return kubo__reply_data(c->reply, p, size * n) ? 0 : size * n;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud) {
  struct call_ctx *c = ud;
  size_t got = 0;
  c->read_rc = c->req->upload(c->req->upload_ud, buf, size * n, &got, &c->read_err);
  return c->read_rc ? CURL_READFUNC_ABORT : got;
}

/* One file part of a tree add: opened at its first read, closed at its end. */
struct part_ctx {
  struct call_ctx *c;
  const struct ipfs_add_part *part;
  int fd;
  int64_t sent;
};

static size_t on_part_read(char *buf, size_t size, size_t n, void *ud) {
  struct part_ctx *p = ud;
  ssize_t got;
  if (p->fd < 0) {
    if (p->sent) return 0;
    p->fd = open(p->part->path, O_RDONLY | O_CLOEXEC);
    if (p->fd < 0) {
      p->c->read_rc = ob_err_set(&p->c->read_err, OB_EIO, "cannot open '%s': %s", p->part->path, strerror(errno));
      return CURL_READFUNC_ABORT;
    }
  }
  do got = read(p->fd, buf, size * n);
  while (got < 0 && errno == EINTR);
  if (got < 0) {
    p->c->read_rc = ob_err_set(&p->c->read_err, OB_EIO, "cannot read '%s': %s", p->part->path, strerror(errno));
    return CURL_READFUNC_ABORT;
  }
  p->sent += got;
  if (p->sent > p->part->size || (got == 0 && p->sent != p->part->size)) {
    p->c->read_rc = ob_err_set(&p->c->read_err, OB_EIO, "'%s' changed size while it was uploaded", p->part->path);
    return CURL_READFUNC_ABORT;
  }
  if (got == 0 || p->sent == p->part->size) {
    close(p->fd);
    p->fd = -1;
    if (!p->sent) p->sent = -1; /* an empty file: do not open it again */
  }
  return (size_t)got;
}

static void part_free(void *ud) {
  struct part_ctx *p = ud;
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
}

/* The multipart body of a tree add; parts[] (one ctx per part) belongs to the caller. */
static int tree_mime(curl_mime *mime, struct call_ctx *c, struct part_ctx *pc, struct ob_err *err) {
  struct ob_buf name;
  int rc = 0;
  ob_buf_init(&name, 1 << 16);
  for (size_t i = 0; i < c->req->nparts && !rc; i++) {
    const struct ipfs_add_part *ap = &c->req->parts[i];
    curl_mimepart *part = curl_mime_addpart(mime);
    ob_buf_reset(&name);
    if (!part || (rc = kubo__escape(&name, ap->name)) || (rc = ob_buf_addch(&name, 0))) {
      rc = ob_err_set(err, OB_ENOMEM, "out of memory");
      break;
    }
    curl_mime_name(part, "file");
    curl_mime_filename(part, name.buf);
    if (!ap->path) {
      curl_mime_type(part, "application/x-directory");
      curl_mime_data(part, "", 0);
      continue;
    }
    curl_mime_type(part, "application/octet-stream");
    pc[i] = (struct part_ctx){.c = c, .part = ap, .fd = -1};
    curl_mime_data_cb(part, (curl_off_t)ap->size, on_part_read, NULL, part_free, &pc[i]);
  }
  ob_buf_release(&name);
  return rc;
}

static int on_xfer(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  struct call_ctx *c = ud;
  uint64_t now = ob_mono_ms(), moved = (uint64_t)ulnow + (uint64_t)dlnow;
  (void)dltotal;
  (void)ultotal;
  /* curl calls this at least once a second, bytes moving or not: a stall is seen within about a
   * second of stall_timeout_s (CURLOPT_LOW_SPEED_* would add its 5 s averaging window). */
  if (moved != c->last_bytes) {
    c->last_bytes = moved;
    c->last_change_ms = now;
  } else if (now - c->last_change_ms >= c->stall_ms) {
    c->stalled = true;
    return 1;
  }
  if (c->req->progress && c->req->progress(c->req->progress_ud, (uint64_t)ulnow, (uint64_t)dlnow)) {
    c->canceled = true;
    return 1;
  }
  return 0;
}

static void set_common(struct kubo__http *h, struct call_ctx *c) {
  CURL *e = h->easy;
  curl_easy_setopt(e, CURLOPT_URL, c->req->url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)h->connect_timeout_s);
  /* No total timeout: on_xfer fails the call when no byte moved for stall_timeout_s. */
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xfer);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, c);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
}

static int map_curl(struct kubo__http *h, struct call_ctx *c, CURLcode res, struct ob_err *err) {
  const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(res);
  if (c->read_rc) {
    if (err) *err = c->read_err;
    return c->read_rc;
  }
  if (c->stalled)
    return ob_err_set(err, OB_ETIMEDOUT, "kubo: no progress for %u s", c->stall_ms / 1000u);
  if (c->canceled) return ob_err_set(err, OB_ECANCELED, "kubo: call interrupted");
  if (c->reply->rc) return kubo__reply_finish(c->reply, err);
  /* The node answered with an error and then closed: its message is worth more than ours. */
  if (c->reply->status >= 400 && c->reply->errbody.len) return kubo__reply_finish(c->reply, err);
  switch (res) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
    return ob_err_set(err, OB_EUNREACH, "kubo: cannot reach the IPFS API: %s", why);
  case CURLE_OPERATION_TIMEDOUT:
    if (c->reply->status == 0 && strstr(why, "onnect"))
      return ob_err_set(err, OB_ETIMEDOUT, "kubo: cannot connect within %u s: %s", h->connect_timeout_s, why);
    return ob_err_set(err, OB_ETIMEDOUT, "kubo: no progress for %u s: %s", h->stall_timeout_s, why);
  default:
    return ob_err_set(err, OB_EUNREACH, "kubo: connection to the IPFS API lost: %s", why);
  }
}

int kubo__http_post(struct kubo__http *h, const struct kubo__req *req, struct kubo__reply *reply,
                    struct ob_err *err) {
  unsigned stall_s = req->stall_timeout_s ? req->stall_timeout_s : h->stall_timeout_s;
  struct call_ctx c = {.req = req, .reply = reply, .last_change_ms = ob_mono_ms(), .stall_ms = stall_s * 1000u};
  struct curl_slist *hdrs = NULL;
  curl_mime *mime = NULL;
  struct part_ctx *pc = NULL;
  CURLcode res;
  int rc;
  ob_err_clear(&c.read_err);
  curl_easy_reset(h->easy);
  h->errbuf[0] = 0;
  set_common(h, &c);
  hdrs = curl_slist_append(hdrs, "Expect:");
  for (const char *const *hl = req->headers; hl && *hl; hl++) hdrs = curl_slist_append(hdrs, *hl);
  if (req->body) hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
  curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, hdrs);
  if (req->method && strcmp(req->method, "GET") == 0) {
    curl_easy_setopt(h->easy, CURLOPT_HTTPGET, 1L);
  } else if (req->method && strcmp(req->method, "POST") != 0) {
    curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST, req->method);
  }
  if (req->method && strcmp(req->method, "GET") == 0) {
    /* no body */
  } else if (req->body) {
    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, req->body);
    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
  } else if (req->upload) {
    curl_mimepart *part;
    mime = curl_mime_init(h->easy);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filename(part, req->filename ? req->filename : "file");
    /* Every part needs a Content-Type: the js node refuses parts without one. */
    curl_mime_type(part, "application/octet-stream");
    curl_mime_data_cb(part, req->upload_size >= 0 ? (curl_off_t)req->upload_size : -1, on_read, NULL,
                      NULL, &c);
    curl_easy_setopt(h->easy, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h->easy, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
  } else if (req->parts) {
    mime = curl_mime_init(h->easy);
    if (!mime || !(pc = ob_calloc(req->nparts, sizeof(*pc)))) {
      rc = ob_err_set(err, OB_ENOMEM, "out of memory");
      goto out;
    }
    if ((rc = tree_mime(mime, &c, pc, err))) goto out;
    curl_easy_setopt(h->easy, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h->easy, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
  } else {
    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE, 0L);
  }
  res = curl_easy_perform(h->easy);
  rc = res == CURLE_OK ? kubo__reply_finish(reply, err) : map_curl(h, &c, res, err);
out:
  curl_mime_free(mime);
  ob_free(pc);
  curl_slist_free_all(hdrs);
  return rc;
}

/* ---------------------------------------------------------------- download source */
struct ipfs_url_src {
  CURLM *multi;
  CURL *easy;
  char *buf;          /* read-ahead: bytes [pos, len) are unread */
  size_t pos, len, cap;
  bool paused, done, headers_done;
  CURLcode result;
  uint64_t received, max;
  unsigned stall_timeout_s;
  const atomic_int *stop;
  int rc;
  struct ob_err err;
  char url[512];      /* for messages, user-info masked */
  char errbuf[CURL_ERROR_SIZE];
};

void ipfs_url_opts_init(struct ipfs_url_opts *o) {
  memset(o, 0, sizeof(*o));
  o->max_bytes = UINT64_MAX;
  o->connect_timeout_s = 10;
  o->stall_timeout_s = 60;
  o->buffer_bytes = (size_t)1 << 20;
}

static size_t url_on_body(char *p, size_t size, size_t n, void *ud) {
  struct ipfs_url_src *s = ud;
  size_t k = size * n;
  if (s->received + k > s->max) {
    s->rc = ob_err_set(&s->err, OB_ELIMIT, "download of '%s' is larger than the limit of %llu bytes",
                       s->url, (unsigned long long)s->max);
    return 0;
  }
  if (s->pos && s->len + k > s->cap) {
    memmove(s->buf, s->buf + s->pos, s->len - s->pos);
    s->len -= s->pos;
    s->pos = 0;
  }
  if (s->len + k > s->cap && s->len > 0) {
    s->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  if (s->len + k > s->cap) { /* a single delivery larger than the buffer: grow once */
    char *nb = ob_realloc(s->buf, k);
    if (!nb) {
      s->rc = ob_err_set(&s->err, OB_ENOMEM, "download of '%s': out of memory", s->url);
      return 0;
    }
    s->buf = nb;
    s->cap = k;
  }
  memcpy(s->buf + s->len, p, k);
  s->len += k;
  s->received += k;
  return k;
}

static size_t url_on_header(char *p, size_t size, size_t n, void *ud) {
  struct ipfs_url_src *s = ud;
  long code = 0;
  if (size * n <= 2 && (p[0] == '\r' || p[0] == '\n')) {
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && (code < 300 || code >= 400)) s->headers_done = true;
  }
  return size * n;
}

static void url_pump(struct ipfs_url_src *s) {
  int running = 0, left = 0;
  CURLMsg *m;
  curl_multi_perform(s->multi, &running);
  while ((m = curl_multi_info_read(s->multi, &left))) {
    if (m->msg == CURLMSG_DONE) {
      s->done = true;
      s->result = m->data.result;
    }
  }
  if (!s->done && running) curl_multi_poll(s->multi, NULL, 0, 500, NULL);
}

static int url_error(struct ipfs_url_src *s, struct ob_err *err) {
  long code = 0;
  const char *why = s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result);
  if (s->rc) {
    if (err) *err = s->err;
    return s->rc;
  }
  curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
  switch (s->result) {
  case CURLE_HTTP_RETURNED_ERROR: {
    int rc = (code == 404 || code == 410) ? OB_ENOENT : (code >= 500 || code == 429) ? OB_EUNREACH : OB_EPEER;
    ob_err_set(err, rc, "cannot download '%s': HTTP %ld", s->url, code);
    if (err) err->http_status = (int)code;
    return rc;
  }
  case CURLE_FILESIZE_EXCEEDED:
    return ob_err_set(err, OB_ELIMIT, "cannot download '%s': larger than the limit of %llu bytes", s->url,
                      (unsigned long long)s->max);
  case CURLE_OPERATION_TIMEDOUT:
    return ob_err_set(err, OB_ETIMEDOUT, "cannot download '%s': %s", s->url, why);
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    return ob_err_set(err, OB_EINVAL, "cannot download '%s': %s", s->url, why);
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CACERT_BADFILE:
    return ob_err_set(err, OB_EPEER, "cannot download '%s': TLS verification failed: %s", s->url, why);
  default:
    return ob_err_set(err, OB_EUNREACH, "cannot download '%s': %s", s->url, why);
  }
}

static int url_setup(struct ipfs_url_src *s, const char *url, const struct ipfs_url_opts *o) {
  CURL *e = s->easy;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)o->stall_timeout_s);
  if (o->max_bytes < (uint64_t)INT64_MAX)
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, url_on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, url_on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
  return curl_multi_add_handle(s->multi, e) == CURLM_OK ? 0 : OB_ENOMEM;
}

static void mask_url(char *out, size_t cap, const char *url) {
  ob_log_redact_url(out, cap, url);
}

int ipfs_url_src_open(struct ipfs_url_src **out, const char *url, const struct ipfs_url_opts *o,
                      int64_t *size_out, struct ob_err *err) {
  struct ipfs_url_src *s;
  curl_off_t cl = -1;
  int rc;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return ob_err_set(err, OB_EINVAL, "cannot download '%s': not an http:// or https:// URL", url);
  s = ob_calloc(1, sizeof(*s));
  if (!s) return ob_err_set(err, OB_ENOMEM, "out of memory");
  ob_err_clear(&s->err);
  mask_url(s->url, sizeof(s->url), url);
  s->max = o->max_bytes;
  s->cap = o->buffer_bytes ? o->buffer_bytes : (size_t)1 << 20;
  s->buf = ob_malloc(s->cap);
  s->multi = curl_multi_init();
  s->easy = curl_easy_init();
  if (!s->buf || !s->multi || !s->easy || url_setup(s, url, o)) {
    ipfs_url_src_close(s);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  s->stop = o->stop;
  while (!s->headers_done && !s->done && !(s->stop && *s->stop)) url_pump(s);
  if (!s->headers_done && !s->done) {
    rc = ob_err_set(err, OB_ECANCELED, "download of '%s' interrupted", s->url);
    ipfs_url_src_close(s);
    return rc;
  }
  if (s->done && s->result != CURLE_OK) {
    rc = url_error(s, err);
    ipfs_url_src_close(s);
    return rc;
  }
  curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  if (cl >= 0 && (uint64_t)cl > s->max) {
    rc = ob_err_set(err, OB_ELIMIT, "cannot download '%s': %lld bytes, larger than the limit of %llu bytes",
                    s->url, (long long)cl, (unsigned long long)s->max);
    ipfs_url_src_close(s);
    return rc;
  }
  if (size_out) *size_out = cl >= 0 ? (int64_t)cl : -1;
  *out = s;
  return 0;
}

int ipfs_url_src_read(void *src, void *buf, size_t cap, size_t *got, struct ob_err *err) {
  struct ipfs_url_src *s = src;
  size_t k;
  while (s->pos == s->len && !s->done) {
    if (s->stop && *s->stop) return ob_err_set(err, OB_ECANCELED, "download of '%s' interrupted", s->url);
    s->pos = s->len = 0;
    if (s->paused) {
      s->paused = false;
      curl_easy_pause(s->easy, CURLPAUSE_CONT);
    }
    url_pump(s);
  }
  if (s->pos == s->len) {
    *got = 0;
    return s->result == CURLE_OK && !s->rc ? 0 : url_error(s, err);
  }
  k = s->len - s->pos < cap ? s->len - s->pos : cap;
  memcpy(buf, s->buf + s->pos, k);
  s->pos += k;
  *got = k;
  return 0;
}

void ipfs_url_src_close(struct ipfs_url_src *s) {
  if (!s) return;
  if (s->multi && s->easy) curl_multi_remove_handle(s->multi, s->easy);
  if (s->easy) curl_easy_cleanup(s->easy);
  if (s->multi) curl_multi_cleanup(s->multi);
  ob_free(s->buf);
  ob_free(s);
}
