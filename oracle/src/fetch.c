/* Source fetches on curl multi, driven by the caller's loop (struct oracle_loop): the only file of
 * oracle/ that includes curl.h.
 *
 * Redirects are followed here rather than by curl (CURLOPT_FOLLOWLOCATION would send a source's
 * custom headers, its API key, to whatever host the redirect names): each hop is checked (count,
 * never https to http), and a hop to another origin goes without the source's headers.
 *
 * A source's timeout runs from the moment its request goes out on a connection (curl's
 * PREREQFUNCTION), on a timer of ours: a transfer queued behind the per-host connection limit is not
 * timed out for the queue. Connecting has its own limit (the same timeout), and curl's overall
 * timeout bounds the rest, the wait in the queue included (QUEUE_MAX_MS more). */
#include "ob/oracle/fetch.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/jsonpath.h"
#include "ob/oracle/value.h"

#define QUEUE_MAX_MS 30000

struct backoff {
  char *key; /* "FEED\x1fSOURCE" */
  uint64_t until_ms;
};

struct batch;
struct oracle_fetcher {
  struct oracle_loop loop;
  struct oracle_fetch_opts opts;
  char *ca_file, *user_agent;
  CURLM *multi;
  void *timer;
  struct batch *batches; /* in flight */
  struct backoff *backoffs;
  size_t nbackoffs;
  /* Transfers waiting for an easy handle: at most opts.max_in_flight exist at once (each costs curl
   * ~20 KB of buffers, so 3,000 sources at once would hold 60 MB). */
  struct xfer *qhead, *qtail;
  size_t in_flight;
};

struct xfer {
  struct batch *b;
  size_t i;
  CURL *easy;
  struct curl_slist *headers; /* holds secrets: wiped before it is freed */
  struct ob_buf body;
  bool over_cap, https, same_origin;
  unsigned hops;
  uint64_t start_ms; /* monotonic: added to the multi handle */
  uint64_t sent_ms;  /* monotonic: the first request went out (0: not yet) */
  void *timer;       /* the source's timeout, started at sent_ms */
  struct xfer *qnext; /* in the fetcher's queue */
  char errbuf[CURL_ERROR_SIZE];
};

struct batch {
  struct oracle_fetcher *f;
  struct batch *next, *prev;
  struct oracle_loop loop;
  struct oracle_obs *obs;
  struct xfer *x; /* one per observation; easy is NULL when not (or no longer) in flight */
  size_t n, pending;
  oracle_fetch_cb cb;
  void *ud;
  void *done_timer;
};

static uint64_t unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void oracle_fetch_opts_init(struct oracle_fetch_opts *o) {
  memset(o, 0, sizeof(*o));
  o->max_per_host = 8;
  o->max_total = 64;
  o->max_in_flight = 256;
  o->allow_http = true;
  o->backoff_default_s = 60;
  o->backoff_max_s = 3600;
}

void oracle_obs_release(struct oracle_obs *o, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ob_free(o[i].raw);
    ob_free(o[i].error);
    o[i].raw = o[i].error = NULL;
  }
}

/* ---- backoff per source ---- */

static void backoff_key(char *out, size_t cap, const struct oracle_obs *o) {
  snprintf(out, cap, "%s\x1f%s", o->feed->name, o->source->name);
}

/* The time the source is backed off until, or 0. Expired entries are dropped. */
static uint64_t backoff_get(struct oracle_fetcher *f, const struct oracle_obs *o, uint64_t now) {
  char key[300];
  backoff_key(key, sizeof(key), o);
  for (size_t i = 0; i < f->nbackoffs; i++) {
    if (strcmp(f->backoffs[i].key, key) != 0) continue;
    if (f->backoffs[i].until_ms > now) return f->backoffs[i].until_ms;
    ob_free(f->backoffs[i].key);
    f->backoffs[i] = f->backoffs[--f->nbackoffs];
    return 0;
  }
  return 0;
}

static void backoff_set(struct oracle_fetcher *f, const struct oracle_obs *o, uint64_t until) {
  char key[300];
  struct backoff *nb;
  backoff_key(key, sizeof(key), o);
  for (size_t i = 0; i < f->nbackoffs; i++)
    if (strcmp(f->backoffs[i].key, key) == 0) {
      f->backoffs[i].until_ms = until;
      return;
    }
  if (!(nb = ob_realloc(f->backoffs, (f->nbackoffs + 1) * sizeof(*nb)))) return;
  f->backoffs = nb;
  if ((nb[f->nbackoffs].key = ob_strdup(key))) nb[f->nbackoffs++].until_ms = until;
}

/* ---- observations ---- */

static void obs_fail(struct oracle_obs *o, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void obs_fail(struct oracle_obs *o, int rc, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  o->rc = rc;
  ob_free(o->error);
  o->error = ob_strdup(msg);
}

/* Printable prefix of a body for messages (control bytes as '?'). */
static void body_excerpt(char *out, size_t cap, const char *p, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < cap; i++) {
    unsigned char c = (unsigned char)p[i];
    out[k++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
  }
  out[k] = '\0';
}

/* A 2xx body: JSON (whatever the Content-Type says), the path, the number, the transforms. */
static void take_value(struct oracle_obs *o, const struct ob_buf *body) {
  const struct oracle_source *s = o->source;
  struct ob_json_limits lim;
  struct ob_json *doc = NULL;
  struct ob_err err;
  const char *raw;
  size_t rawlen;
  char ex[48];
  int rc;
  ob_json_limits_init(&lim);
  lim.max_bytes = s->max_bytes;
  ob_err_clear(&err);
  if (body->len == 0) {
    obs_fail(o, OB_EPARSE, "empty reply");
    return;
  }
  if ((rc = ob_json_parse(&doc, body->buf, body->len, &lim, &err))) {
    body_excerpt(ex, sizeof(ex), body->buf, body->len);
    obs_fail(o, OB_EPARSE, "reply is not JSON (%zu bytes: '%s%s'): %s", body->len, ex,
             body->len >= sizeof(ex) ? "…" : "", err.msg);
    return;
  }
  rc = oracle_jsonpath_find_number(&raw, &rawlen, s->jp, doc, &err);
  if (!rc && !(o->raw = ob_strndup(raw, rawlen))) rc = ob_err_set(&err, OB_ENOMEM, "out of memory");
  if (!rc)
    rc = oracle_value_convert(&o->value, raw, rawlen, o->feed->decimals, s->invert, s->multiply, s->divide, "value",
                              &err);
  ob_json_free(doc);
  if (rc) obs_fail(o, rc, "%s", err.msg);
  else o->rc = 0;
}

static void http_error(struct oracle_obs *o, long status, const struct ob_buf *body) {
  struct ob_json *doc = NULL;
  char msg[200] = "";
  if (body->len && ob_json_parse(&doc, body->buf, body->len, NULL, NULL) == 0)
    oracle_json_error_message(msg, sizeof(msg), doc);
  ob_json_free(doc);
  obs_fail(o, OB_EPEER, "HTTP %ld%s%s%s", status, *msg ? ": '" : "", msg, *msg ? "'" : "");
}

static void rate_limited(struct oracle_fetcher *f, struct oracle_obs *o, CURL *easy) {
  curl_off_t ra = -1;
  uint64_t secs = f->opts.backoff_default_s;
  bool given = curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0;
  if (given) secs = (uint64_t)ra;
  if (secs > f->opts.backoff_max_s) secs = f->opts.backoff_max_s;
  if (secs == 0) secs = 1;
  o->retry_after_ms = o->at_ms + secs * 1000;
  backoff_set(f, o, o->retry_after_ms);
  obs_fail(o, OB_EPEER, "HTTP 429 (rate limited): backed off for %llu s%s", (unsigned long long)secs,
           given ? " (Retry-After)" : "");
}

static void curl_error(struct oracle_obs *o, const struct xfer *x, CURLcode res) {
  const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(res);
  if (res == CURLE_OPERATION_TIMEDOUT && !x->sent_ms)
    obs_fail(o, OB_ETIMEDOUT, "no connection within %llu ms (connecting, or queued behind the host's connection limit)",
             (unsigned long long)(ob_mono_ms() - x->start_ms));
  else if (res == CURLE_OPERATION_TIMEDOUT)
    obs_fail(o, OB_ETIMEDOUT, "timed out after %u ms", o->source->timeout_ms);
  else if (res == CURLE_WRITE_ERROR && x->over_cap)
    obs_fail(o, OB_ELIMIT, "reply larger than the cap of %zu bytes", o->source->max_bytes);
  else if (res == CURLE_COULDNT_RESOLVE_HOST || res == CURLE_COULDNT_CONNECT)
    obs_fail(o, OB_EUNREACH, "cannot connect: %s", why);
  else if (res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CONNECT_ERROR ||
           res == CURLE_SSL_CERTPROBLEM || res == CURLE_SSL_CACERT_BADFILE)
    obs_fail(o, OB_EPEER, "TLS: %s", why);
  else
    obs_fail(o, OB_EPEER, "%s", why);
}

/* ---- curl multi on the loop ---- */

static void check_done(struct oracle_fetcher *f);
static void pump(struct oracle_fetcher *f);
static void on_source_timeout(void *ud);

static void on_poll(void *ud, int fd, int events, int status) {
  struct oracle_fetcher *f = ud;
  int flags = 0, running;
  if (events & 1) flags |= CURL_CSELECT_IN;
  if (events & 2) flags |= CURL_CSELECT_OUT;
  if (status < 0) flags |= CURL_CSELECT_ERR;
  curl_multi_socket_action(f->multi, fd, flags, &running);
  check_done(f);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
  struct oracle_fetcher *f = userp;
  void *p = socketp;
  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    if (p) f->loop.poll_free(p);
    curl_multi_assign(f->multi, s, NULL);
    return 0;
  }
  if (!p) {
    if (f->loop.poll_new(&p, f->loop.ctx, s, on_poll, f)) return -1;
    curl_multi_assign(f->multi, s, p);
  }
  f->loop.poll_set(p, (what & CURL_POLL_IN ? 1 : 0) | (what & CURL_POLL_OUT ? 2 : 0));
  return 0;
}

static void on_timer(void *ud) {
  struct oracle_fetcher *f = ud;
  int running;
  curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done(f);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct oracle_fetcher *f = userp;
  (void)multi;
  if (timeout_ms < 0) f->loop.timer_stop(f->timer);
  else f->loop.timer_start(f->timer, (uint64_t)timeout_ms, 0);
  return 0;
}

/* ---- one transfer ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  struct xfer *x = ud;
  size_t len = size * n;
  if (x->body.len + len > x->b->obs[x->i].source->max_bytes || ob_buf_add(&x->body, p, len) != 0) {
    x->over_cap = true;
    return 0; /* curl stops the transfer: CURLE_WRITE_ERROR */
  }
  return len;
}

static void wipe_headers(struct xfer *x) {
  for (struct curl_slist *h = x->headers; h; h = h->next) ob_memclear(h->data, strlen(h->data));
  curl_slist_free_all(x->headers);
  x->headers = NULL;
}

static const char *env_value(const struct oracle_fetcher *f, const char *name) {
  return f->opts.getenv ? f->opts.getenv(f->opts.getenv_ud, name) : getenv(name);
}

/* Accept and, on the source's own origin, its headers with their values from the environment.
 * Returns 0, or an error naming the missing variable (the value itself never appears). */
static int build_headers(struct xfer *x, char *why, size_t cap) {
  const struct oracle_source *s = x->b->obs[x->i].source;
  const struct oracle_fetcher *f = x->b->f;
  struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
  wipe_headers(x);
  for (size_t i = 0; h && x->same_origin && i < s->nheaders; i++) {
    const char *v = env_value(f, s->headers[i].env);
    size_t n;
    char *line;
    if (!v || !*v) {
      snprintf(why, cap, "header '%s': $%s is not set", s->headers[i].name, s->headers[i].env);
      x->headers = h;
      return OB_EINVAL;
    }
    if (strpbrk(v, "\r\n")) {
      snprintf(why, cap, "header '%s': $%s holds a line break", s->headers[i].name, s->headers[i].env);
      x->headers = h;
      return OB_EINVAL;
    }
    n = strlen(s->headers[i].name) + strlen(v) + 3;
    if (!(line = ob_malloc(n))) break;
    snprintf(line, n, "%s: %s", s->headers[i].name, v);
    struct curl_slist *nh = curl_slist_append(h, line);
    ob_memclear(line, n);
    ob_free(line);
    if (!nh) break;
    h = nh;
  }
  x->headers = h;
  if (!h) {
    snprintf(why, cap, "out of memory");
    return OB_ENOMEM;
  }
  return 0;
}

/* The first request of the source goes out on a connection: its timeout starts now (not while it
 * waited in the queue for a connection to the host). */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port) {
  struct xfer *x = ud;
  (void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
  if (!x->sent_ms) {
    x->sent_ms = ob_mono_ms();
    x->b->loop.timer_start(x->timer, x->b->obs[x->i].source->timeout_ms, 0);
  }
  return CURL_PREREQFUNC_OK;
}

static void set_opts(struct xfer *x, const char *url) {
  uint32_t timeout_ms = x->b->obs[x->i].source->timeout_ms;
  struct oracle_fetcher *f = x->b->f;
  CURL *e = x->easy;
  const char *protos = f->opts.allow_http ? "http,https" : "https";
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding this curl decodes */
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
  /* Our timer ends the transfer timeout_ms after the request went out; curl's bounds the rest. */
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout_ms + QUEUE_MAX_MS));
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* followed in follow_redirect */
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protos);
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, x->https ? "https" : protos);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  /* Over TLS, ALPN says at the handshake whether the host multiplexes: wait for that rather than
   * open a connection per request. Plain http:// is HTTP/1.1, where waiting would queue every
   * request behind the first response. */
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, x->https ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (f->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, f->ca_file);
}

/* Scheme, host and port of url (lower-case host; default ports filled in). */
static bool origin_of(char *out, size_t cap, const char *url) {
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL;
  bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
  if (ok) {
    for (char *p = host; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    snprintf(out, cap, "%s://%s:%s", scheme, host, port);
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return ok;
}

/* A 3xx with a Location: go there if the rules allow. Returns true when the transfer goes on. */
static bool follow_redirect(struct xfer *x, const char *to) {
  struct oracle_obs *o = &x->b->obs[x->i];
  struct oracle_fetcher *f = x->b->f;
  char here[300], there[300], why[200];
  bool to_https = ob_str_starts(to, "https://");
  if (!to_https && !ob_str_starts(to, "http://")) {
    obs_fail(o, OB_EPEER, "redirect to '%.200s' refused (not http or https)", to);
    return false;
  }
  if (x->https && !to_https) {
    obs_fail(o, OB_EPEER, "redirect from https to http refused ('%.200s')", to);
    return false;
  }
  if (x->hops >= o->source->max_redirects) {
    obs_fail(o, OB_EPEER, "more than %u redirect%s (the last to '%.200s')", o->source->max_redirects,
             o->source->max_redirects == 1 ? "" : "s", to);
    return false;
  }
  x->hops++;
  x->https = to_https;
  x->same_origin = x->same_origin && origin_of(here, sizeof(here), o->source->url) &&
                   origin_of(there, sizeof(there), to) && strcmp(here, there) == 0;
  if (build_headers(x, why, sizeof(why))) {
    obs_fail(o, OB_EINVAL, "%s", why);
    return false;
  }
  ob_buf_reset(&x->body);
  x->over_cap = false;
  x->errbuf[0] = '\0';
  set_opts(x, to);
  OB_LOG(OB_LOG_DEBUG, "oracle", "redirect", "feed", o->feed->name, "source", o->source->name, "to", to, NULL);
  if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
    obs_fail(o, OB_ENOMEM, "cannot follow the redirect");
    return false;
  }
  return true;
}

static void xfer_release(struct xfer *x) {
  if (x->timer) {
    x->b->loop.timer_free(x->timer);
    x->timer = NULL;
  }
  if (x->easy) {
    curl_multi_remove_handle(x->b->f->multi, x->easy);
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
    x->b->f->in_flight--;
  }
  wipe_headers(x);
  ob_buf_release(&x->body);
}

static void batch_step(struct batch *b) {
  if (--b->pending == 0) b->loop.timer_start(b->done_timer, 0, 0);
}

/* The transfer ended (or one hop of it). */
static void xfer_done(struct xfer *x, CURLcode res) {
  struct oracle_obs *o = &x->b->obs[x->i];
  long status = 0, version = 0, conns = 0;
  char *location = NULL;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &version);
  curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &conns);
  curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &location);
  curl_multi_remove_handle(x->b->f->multi, x->easy);
  o->http_status = (int)status;
  o->http_version = version == CURL_HTTP_VERSION_2_0 ? 20 : version == CURL_HTTP_VERSION_1_1 ? 11
                    : version == CURL_HTTP_VERSION_1_0 ? 10 : version == CURL_HTTP_VERSION_3 ? 30 : 0;
  o->reused = status > 0 && conns == 0;
  o->at_ms = unix_ms();
  o->latency_ms = (uint32_t)(ob_mono_ms() - (x->sent_ms ? x->sent_ms : x->start_ms));
  if (res == CURLE_OK && status >= 300 && status < 400 && location) {
    char *to = ob_strdup(location); /* location lives in the handle we reuse */
    bool going = to && follow_redirect(x, to);
    if (!to) obs_fail(o, OB_ENOMEM, "out of memory");
    ob_free(to);
    if (going) return;
  } else if (res != CURLE_OK) {
    curl_error(o, x, res);
  } else if (status == 429) {
    rate_limited(x->b->f, o, x->easy);
  } else if (status < 200 || status >= 300) {
    http_error(o, status, &x->body);
  } else {
    take_value(o, &x->body);
  }
  OB_LOG(OB_LOG_DEBUG, "oracle", o->rc ? "source failed" : "source value", "feed", o->feed->name, "source",
         o->source->name, "error", o->error ? o->error : "", NULL);
  xfer_release(x);
  batch_step(x->b);
}

/* The source's timeout since its request went out: end the transfer here (from the loop, outside
 * curl's callbacks). */
static void on_source_timeout(void *ud) {
  struct xfer *x = ud;
  struct oracle_obs *o = &x->b->obs[x->i];
  curl_multi_remove_handle(x->b->f->multi, x->easy);
  o->at_ms = unix_ms();
  o->latency_ms = (uint32_t)(ob_mono_ms() - x->sent_ms);
  obs_fail(o, OB_ETIMEDOUT, "timed out after %u ms", o->source->timeout_ms);
  OB_LOG(OB_LOG_DEBUG, "oracle", "source failed", "feed", o->feed->name, "source", o->source->name, "error", o->error,
         NULL);
  xfer_release(x);
  batch_step(x->b);
  pump(x->b->f);
}

static void check_done(struct oracle_fetcher *f) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(f->multi, &left))) {
    struct xfer *x = NULL;
    if (m->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    if (x) xfer_done(x, m->data.result);
  }
  pump(f);
}


/* "2026-12-05T08:00:00Z" */
static void iso_time(char out[32], uint64_t unix_ms_) {
  time_t t = (time_t)(unix_ms_ / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Start source i of b, or settle its observation at once (backed off, header not set). */
static void xfer_start(struct batch *b, size_t i, uint64_t now) {
  struct oracle_obs *o = &b->obs[i];
  struct xfer *x = &b->x[i];
  char why[200], when[32];
  uint64_t until = backoff_get(b->f, o, now);
  x->b = b;
  x->i = i;
  x->https = ob_str_starts(o->source->url, "https://");
  x->same_origin = true;
  x->start_ms = ob_mono_ms();
  ob_buf_init(&x->body, o->source->max_bytes);
  o->at_ms = now;
  if (until) {
    iso_time(when, until);
    o->retry_after_ms = until;
    obs_fail(o, OB_ESTATE, "backed off until %s (HTTP 429 before)", when);
  } else if (!x->https && !b->f->opts.allow_http) {
    obs_fail(o, OB_EINVAL, "plain http:// sources are not allowed");
  } else if (build_headers(x, why, sizeof(why))) {
    obs_fail(o, OB_EINVAL, "%s", why);
  } else {
    struct oracle_fetcher *f = b->f;
    if (f->qtail) f->qtail->qnext = x;
    else f->qhead = x;
    f->qtail = x;
    b->pending++;
  }
}

/* Give queued transfers an easy handle while fewer than max_in_flight have one. */
static void pump(struct oracle_fetcher *f) {
  size_t max = f->opts.max_in_flight ? f->opts.max_in_flight : 256;
  while (f->qhead && f->in_flight < max) {
    struct xfer *x = f->qhead;
    struct oracle_obs *o = &x->b->obs[x->i];
    if (!(f->qhead = x->qnext)) f->qtail = NULL;
    x->qnext = NULL;
    if (x->b->loop.timer_new(&x->timer, x->b->loop.ctx, on_source_timeout, x) || !(x->easy = curl_easy_init())) {
      obs_fail(o, OB_ENOMEM, "out of memory");
      xfer_release(x);
      batch_step(x->b);
      continue;
    }
    set_opts(x, o->source->url);
    f->in_flight++;
    if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
      obs_fail(o, OB_ENOMEM, "cannot start the transfer");
      xfer_release(x);
      batch_step(x->b);
    }
  }
}

/* ---- batches ---- */

static void batch_free(struct batch *b) {
  for (size_t i = 0; i < b->n; i++)
    if (b->x[i].b) xfer_release(&b->x[i]);
  oracle_obs_release(b->obs, b->n);
  b->loop.timer_free(b->done_timer);
  ob_free(b->obs);
  ob_free(b->x);
  ob_free(b);
}

static void batch_unlink(struct batch *b) {
  if (b->prev) b->prev->next = b->next;
  else if (b->f) b->f->batches = b->next;
  if (b->next) b->next->prev = b->prev;
  b->next = b->prev = NULL;
}

static void on_batch_done(void *ud) {
  struct batch *b = ud;
  batch_unlink(b);
  b->f = NULL; /* cb may free the fetcher */
  b->cb(b->ud, b->obs, b->n);
  batch_free(b);
}

int oracle_fetch(struct oracle_fetcher *f, const struct oracle_feed *const *feeds, size_t n, oracle_fetch_cb cb,
                 void *ud, struct ob_err *err) {
  struct batch *b = ob_calloc(1, sizeof(*b));
  size_t total = 0, k = 0;
  uint64_t now = unix_ms();
  for (size_t i = 0; i < n; i++) total += feeds[i]->nsources;
  if (!b || !(b->obs = ob_calloc(total ? total : 1, sizeof(*b->obs))) || !(b->x = ob_calloc(total ? total : 1, sizeof(*b->x))) ||
      f->loop.timer_new(&b->done_timer, f->loop.ctx, on_batch_done, b)) {
    if (b) {
      ob_free(b->obs);
      ob_free(b->x);
    }
    ob_free(b);
    return ob_err_set(err, OB_ENOMEM, "cannot start a fetch: out of memory");
  }
  b->f = f;
  b->loop = f->loop;
  b->n = total;
  b->cb = cb;
  b->ud = ud;
  b->pending = 1; /* held until every transfer is started */
  b->next = f->batches;
  if (f->batches) f->batches->prev = b;
  f->batches = b;
  for (size_t i = 0; i < n; i++)
    for (size_t s = 0; s < feeds[i]->nsources; s++, k++) {
      b->obs[k].feed = feeds[i];
      b->obs[k].source = &feeds[i]->sources[s];
      b->obs[k].rc = OB_ECANCELED;
      xfer_start(b, k, now);
    }
  batch_step(b);
  pump(f);
  return 0;
}

/* ---- the fetcher ---- */

int oracle_fetcher_new(struct oracle_fetcher **out, const struct oracle_loop *loop, const struct oracle_fetch_opts *o,
                       struct ob_err *err) {
  struct oracle_fetcher *f = ob_calloc(1, sizeof(*f));
  *out = NULL;
  if (!f) return ob_err_set(err, OB_ENOMEM, "cannot create the fetcher: out of memory");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  f->loop = *loop;
  f->opts = *o;
  f->ca_file = o->ca_file ? ob_strdup(o->ca_file) : NULL;
  f->user_agent = ob_strdup(o->user_agent ? o->user_agent : "obridge");
  f->multi = curl_multi_init();
  if (!f->multi || !f->user_agent || (o->ca_file && !f->ca_file) || loop->timer_new(&f->timer, loop->ctx, on_timer, f)) {
    oracle_fetcher_free(f);
    return ob_err_set(err, OB_ENOMEM, "cannot create the fetcher: out of memory");
  }
  curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
  curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
  curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)(o->max_per_host ? o->max_per_host : 8));
  curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)(o->max_total ? o->max_total : 64));
  curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)(o->max_total ? o->max_total : 64));
  *out = f;
  return 0;
}

void oracle_fetcher_free(struct oracle_fetcher *f) {
  if (!f) return;
  f->qhead = f->qtail = NULL;
  while (f->batches) {
    struct batch *b = f->batches;
    batch_unlink(b);
    batch_free(b);
  }
  if (f->multi) curl_multi_cleanup(f->multi); /* closes the connections: their polls go through socket_cb */
  if (f->timer) f->loop.timer_free(f->timer);
  for (size_t i = 0; i < f->nbackoffs; i++) ob_free(f->backoffs[i].key);
  ob_free(f->backoffs);
  ob_free(f->ca_file);
  ob_free(f->user_agent);
  ob_free(f);
}
