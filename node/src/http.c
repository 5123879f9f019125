/* The HTTP server on libwebsockets (LWS_SERVER_OPTION_LIBUV on the node's loop, as chain/src/ws.c
 * puts the websocket client there). The one node/ file that includes libwebsockets.h.
 *
 * One struct node_http_req per request, hung on the connection's session data; a connection
 * serves its requests one after the other (HTTP/1.1 keep-alive). A reply is built whole (status,
 * headers, body) and written from LWS_CALLBACK_HTTP_WRITEABLE in pieces of WRITE_CHUNK, so a
 * large /metrics page never blocks the loop; a stream is a queue of pieces. */
#include "ob/node/http.h"

#include <libwebsockets.h>
#include <netdb.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "ob/chain/loop.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"

#define WRITE_CHUNK 16384
#define HEADER_ROOM 8192
#define MAX_SEGMENTS 16
#define MAX_ARGS 64
#define MAX_REPLY_HEADERS 16
/* A body over the cap whose Content-Length is at most this is read and dropped before the 413 goes
 * out: a client still sending when the server answers and closes gets a reset, not the answer.
 * Larger ones get the 413 at once and the connection closes. */
#define DRAIN_MAX ((uint64_t)64 << 20)

struct route {
  char method[8];
  char *pattern;           /* owned copy */
  char *seg[MAX_SEGMENTS]; /* into pattern; "{name}" segments have seg[i][0] == '{' */
  size_t nseg;
  int greedy; /* index of the {name...} segment, or -1 */
  node_http_handler h;
  void *ud;
};

struct hdr {
  char *name, *value;
};

struct piece {
  struct piece *next;
  size_t len;
  unsigned char data[]; /* LWS_PRE headroom, then the bytes */
};

struct node_http_req {
  struct node_http *srv;
  struct lws *wsi;
  char method[8];
  char *path;
  char remote[64];
  uint64_t t0;
  const struct route *route;
  const char *pnames[MAX_SEGMENTS], *pvalues[MAX_SEGMENTS]; /* pvalues into segbuf */
  size_t nparams;
  char *segbuf;
  char *greedy; /* the value of a {name...} parameter (owned) */
  char *args[MAX_ARGS]; /* "name\0value" each, owned */
  size_t nargs;
  struct hdr *in_hdrs; /* headers read so far (owned) */
  size_t nin;
  struct ob_buf body;
  bool body_over;   /* over the cap: the rest is drained, then 413 */
  uint64_t drained;
  /* the answer */
  bool answered, head_only, close_after, hdr_sent, streaming, stream_ended;
  int status;
  char *ctype;
  struct hdr out_hdrs[MAX_REPLY_HEADERS];
  size_t nout;
  struct ob_buf reply;
  size_t sent;
  struct piece *qhead, *qtail;
  size_t queued; /* bytes in the stream queue */
  uint64_t bytes;
  void (*on_close)(void *ud, struct node_http_req *r);
  void *on_close_ud;
};

struct sess {
  struct node_http_req *req;
};

struct node_http {
  struct lws_context *lws;
  struct chain_loop *loop;
  struct node_http_opts o;
  char *cors;
  int port;
  struct route *routes;
  size_t nroutes;
  struct node_http_stats st;
};

void node_http_opts_init(struct node_http_opts *o) {
  memset(o, 0, sizeof(*o));
  o->listen = "127.0.0.1:0";
  o->max_body = (size_t)1 << 20;
}

/* ---- requests ---- */

static void req_free(struct node_http_req *r) {
  struct piece *p, *next;
  if (!r) return;
  for (size_t i = 0; i < r->nargs; i++) ob_free(r->args[i]);
  for (size_t i = 0; i < r->nin; i++) ob_free(r->in_hdrs[i].name), ob_free(r->in_hdrs[i].value);
  ob_free(r->in_hdrs);
  for (size_t i = 0; i < r->nout; i++) ob_free(r->out_hdrs[i].name), ob_free(r->out_hdrs[i].value);
  for (p = r->qhead; p; p = next) next = p->next, ob_free(p);
  ob_buf_release(&r->body);
  ob_buf_release(&r->reply);
  ob_free(r->ctype);
  ob_free(r->segbuf);
  ob_free(r->greedy);
  ob_free(r->path);
  ob_free(r);
}

const char *node_http_method(const struct node_http_req *r) { return r->method; }
const char *node_http_path(const struct node_http_req *r) { return r->path; }
const char *node_http_remote(const struct node_http_req *r) { return r->remote; }

const char *node_http_param(const struct node_http_req *r, const char *name) {
  for (size_t i = 0; i < r->nparams; i++)
    if (strcmp(r->pnames[i], name) == 0) return r->pvalues[i];
  return NULL;
}

size_t node_http_query_all(const struct node_http_req *r, const char *name, const char **out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < r->nargs; i++) {
    if (strcmp(r->args[i], name) != 0) continue;
    if (n < cap) out[n] = r->args[i] + strlen(r->args[i]) + 1;
    n++;
  }
  return n;
}

bool node_http_query_at(const struct node_http_req *r, size_t i, const char **name, const char **value) {
  if (i >= r->nargs) return false;
  *name = r->args[i];
  *value = r->args[i] + strlen(r->args[i]) + 1;
  return true;
}

const char *node_http_query(const struct node_http_req *r, const char *name) {
  const char *v = NULL;
  return node_http_query_all(r, name, &v, 1) ? v : NULL;
}

const char *node_http_body(const struct node_http_req *r, size_t *len) {
  if (len) *len = r->body.len;
  return r->body.buf;
}

void node_http_on_close(struct node_http_req *r, void (*cb)(void *ud, struct node_http_req *r), void *ud) {
  r->on_close = cb;
  r->on_close_ud = ud;
}

/* A known header's token ("if-none-match:"), or -1 for a custom one. */
static int header_token(const char *name) {
  size_t n = strlen(name);
  for (int t = 0; t < (int)WSI_TOKEN_COUNT; t++) {
    const unsigned char *s = lws_token_to_string((enum lws_token_indexes)t);
    if (s && strlen((const char *)s) == n + 1 && s[n] == ':' && strncasecmp((const char *)s, name, n) == 0) return t;
  }
  return -1;
}

/* Copy a header of the request from lws; NULL when absent (or the request is gone). */
static char *header_copy(struct lws *wsi, const char *name) {
  char lname[128], *v;
  int t = header_token(name), len;
  size_t n = strlen(name);
  if (t >= 0) len = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
  else {
    if (n + 2 > sizeof(lname)) return NULL;
    for (size_t i = 0; i < n; i++) lname[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    lname[n] = ':';
    lname[n + 1] = 0;
    len = lws_hdr_custom_length(wsi, lname, (int)n + 1);
  }
  if (len <= 0 || !(v = ob_malloc((size_t)len + 1))) return NULL;
  if ((t >= 0 ? lws_hdr_copy(wsi, v, len + 1, (enum lws_token_indexes)t)
              : lws_hdr_custom_copy(wsi, v, len + 1, lname, (int)n + 1)) < 0) {
    ob_free(v);
    return NULL;
  }
  return v;
}

const char *node_http_header(struct node_http_req *r, const char *name) {
  struct hdr *h;
  char *v;
  for (size_t i = 0; i < r->nin; i++)
    if (strcasecmp(r->in_hdrs[i].name, name) == 0) return r->in_hdrs[i].value;
  if (!r->wsi || !(v = header_copy(r->wsi, name))) return NULL;
  if (!(h = ob_realloc(r->in_hdrs, (r->nin + 1) * sizeof(*h)))) {
    ob_free(v);
    return NULL;
  }
  r->in_hdrs = h;
  h[r->nin].name = ob_strdup(name);
  h[r->nin].value = v;
  if (!h[r->nin].name) {
    ob_free(v);
    return NULL;
  }
  return h[r->nin++].value;
}

/* ---- answering ---- */

int node_http_add_header(struct node_http_req *r, const char *name, const char *value) {
  if (r->answered) return OB_ESTATE;
  if (r->nout == MAX_REPLY_HEADERS) return OB_ELIMIT;
  r->out_hdrs[r->nout].name = ob_strdup(name);
  r->out_hdrs[r->nout].value = ob_strdup(value);
  if (!r->out_hdrs[r->nout].name || !r->out_hdrs[r->nout].value) {
    ob_free(r->out_hdrs[r->nout].name);
    ob_free(r->out_hdrs[r->nout].value);
    return OB_ENOMEM;
  }
  r->nout++;
  return 0;
}

static int answer(struct node_http_req *r, int status, const char *content_type) {
  if (r->answered) return OB_ESTATE;
  if (content_type && !(r->ctype = ob_strdup(content_type))) return OB_ENOMEM;
  r->answered = true;
  r->status = status;
  if (r->wsi) lws_callback_on_writable(r->wsi);
  return 0;
}

int node_http_reply(struct node_http_req *r, int status, const char *content_type, const void *body, size_t len) {
  if (r->answered) return OB_ESTATE;
  ob_buf_reset(&r->reply);
  if (len && ob_buf_add(&r->reply, body, len) != 0) return OB_ENOMEM;
  return answer(r, status, content_type);
}

int node_http_reply_json(struct node_http_req *r, int status, struct ob_buf *json) {
  int rc;
  if (r->answered) return OB_ESTATE;
  ob_buf_release(&r->reply);
  r->reply = *json; /* consumed: the caller's buffer is left empty */
  ob_buf_init(json, json->max);
  rc = answer(r, status, "application/json");
  return rc;
}

int node_http_error(struct node_http_req *r, int status, const char *reason, const char *fmt, ...) {
  char details[512];
  struct ob_buf b;
  struct ob_jw w;
  va_list ap;
  int rc;
  va_start(ap, fmt);
  vsnprintf(details, sizeof(details), fmt, ap);
  va_end(ap);
  ob_buf_init(&b, 1 << 16);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "error");
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "reason");
  ob_jw_str(&w, reason);
  ob_jw_key(&w, "details");
  ob_jw_str(&w, details);
  ob_jw_obj_end(&w);
  ob_jw_obj_end(&w);
  rc = ob_jw_finish(&w);
  if (!rc) rc = node_http_reply_json(r, status, &b);
  ob_buf_release(&b);
  return rc;
}

int node_http_stream_begin(struct node_http_req *r, int status, const char *content_type) {
  int rc = answer(r, status, content_type);
  if (!rc) r->streaming = true;
  return rc;
}

int node_http_stream_write(struct node_http_req *r, const void *data, size_t len) {
  struct piece *p;
  if (!r->streaming || r->stream_ended) return OB_ESTATE;
  if (!(p = ob_malloc(sizeof(*p) + LWS_PRE + len))) return OB_ENOMEM;
  p->next = NULL;
  p->len = len;
  memcpy(p->data + LWS_PRE, data, len);
  if (r->qtail) r->qtail->next = p;
  else r->qhead = p;
  r->qtail = p;
  r->queued += len;
  if (r->wsi) lws_callback_on_writable(r->wsi);
  return 0;
}

size_t node_http_stream_queued(const struct node_http_req *r) { return r->queued; }

void node_http_stream_end(struct node_http_req *r) {
  if (!r->streaming || r->stream_ended) return;
  r->stream_ended = true;
  if (r->wsi) lws_callback_on_writable(r->wsi);
}

/* ---- routing ---- */

static int split_pattern(struct route *rt, struct ob_err *err) {
  char *p = rt->pattern + 1;
  rt->nseg = 0;
  rt->greedy = -1;
  while (*p) {
    char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (rt->nseg == MAX_SEGMENTS) return ob_err_set(err, OB_EINVAL, "route '%s': more than %d segments", rt->pattern, MAX_SEGMENTS);
    if (n == 0) return ob_err_set(err, OB_EINVAL, "route '%s': empty segment", rt->pattern);
    if (p[0] == '{' && (n < 3 || p[n - 1] != '}'))
      return ob_err_set(err, OB_EINVAL, "route '%s': a parameter is written {name}", rt->pattern);
    if (p[0] == '{') p[n - 1] = 0; /* the name is seg + 1 */
    if (p[0] == '{' && n > 5 && strncmp(p + n - 4, "...", 3) == 0) {
      if (rt->greedy >= 0) return ob_err_set(err, OB_EINVAL, "route '%s': at most one {name...}", rt->pattern);
      rt->greedy = (int)rt->nseg;
      p[n - 4] = 0;
    }
    rt->seg[rt->nseg++] = p;
    if (!slash) break;
    *slash = 0;
    p = slash + 1;
  }
  return 0;
}

int node_http_route(struct node_http *s, const char *method, const char *pattern, node_http_handler h, void *ud,
                    struct ob_err *err) {
  struct route *rt, *nr;
  int rc;
  if (!pattern || pattern[0] != '/') return ob_err_set(err, OB_EINVAL, "route '%s': must start with '/'", pattern ? pattern : "");
  if (strlen(method) >= sizeof(rt->method)) return ob_err_set(err, OB_EINVAL, "route '%s': bad method '%s'", pattern, method);
  if (!(nr = ob_realloc(s->routes, (s->nroutes + 1) * sizeof(*nr)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  s->routes = nr;
  rt = &s->routes[s->nroutes];
  memset(rt, 0, sizeof(*rt));
  snprintf(rt->method, sizeof(rt->method), "%s", method);
  if (!(rt->pattern = ob_strdup(pattern))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rt->h = h;
  rt->ud = ud;
  if ((rc = split_pattern(rt, err))) {
    ob_free(rt->pattern);
    return rc;
  }
  s->nroutes++;
  return 0;
}

/* The path's segments [from, to) joined by '/', from r->path itself (segbuf has NULs there). */
static char *join_segments(const struct node_http_req *r, char **seg, size_t from, size_t to) {
  const char *a = r->path + (seg[from] - r->segbuf), *b = r->path + (seg[to - 1] - r->segbuf) + strlen(seg[to - 1]);
  char *v = ob_malloc((size_t)(b - a) + 1);
  if (v) {
    memcpy(v, a, (size_t)(b - a));
    v[b - a] = 0;
  }
  return v;
}

/* Match path (its segments split into segbuf) against rt; fills the request's params. A
 * {name...} segment takes one or more segments (a feed name "ETH/USD", which arrives decoded). */
static bool route_match(const struct route *rt, struct node_http_req *r, char **seg, size_t nseg) {
  size_t extra, j;
  if (rt->greedy < 0 ? rt->nseg != nseg : nseg < rt->nseg) return false;
  extra = nseg - rt->nseg;
  for (size_t i = 0; i < rt->nseg; i++) {
    j = rt->greedy >= 0 && (int)i > rt->greedy ? i + extra : i;
    if (rt->seg[i][0] != '{' && strcmp(rt->seg[i], seg[j]) != 0) return false;
  }
  r->nparams = 0;
  for (size_t i = 0; i < rt->nseg; i++) {
    if (rt->seg[i][0] != '{') continue;
    j = rt->greedy >= 0 && (int)i > rt->greedy ? i + extra : i;
    r->pnames[r->nparams] = rt->seg[i] + 1;
    if ((int)i == rt->greedy) {
      ob_free(r->greedy);
      if (!(r->greedy = join_segments(r, seg, i, i + extra + 1))) return false;
      r->pvalues[r->nparams++] = r->greedy;
    } else {
      r->pvalues[r->nparams++] = seg[j];
    }
  }
  return true;
}

/* Split the request path into segments (in r->segbuf). Returns the count, or -1 when too many. */
static int split_path(struct node_http_req *r, char **seg) {
  char *p;
  int n = 0;
  if (!(r->segbuf = ob_strdup(r->path))) return -1;
  p = r->segbuf + (r->segbuf[0] == '/');
  while (*p) {
    char *slash = strchr(p, '/');
    if (n == MAX_SEGMENTS) return -1;
    seg[n++] = p;
    if (!slash) break;
    *slash = 0;
    p = slash + 1;
  }
  return n;
}

static bool method_is(const struct route *rt, const char *m) {
  return strcmp(rt->method, m) == 0 || (strcmp(m, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
}

static void cors_preflight(struct node_http_req *r, const char *allow) {
  node_http_add_header(r, "Access-Control-Allow-Methods", allow);
  node_http_add_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match, Last-Event-ID");
  node_http_add_header(r, "Access-Control-Max-Age", "600");
  node_http_reply(r, 204, NULL, NULL, 0);
}

static void dispatch(struct node_http *s, struct node_http_req *r) {
  char *seg[MAX_SEGMENTS], allow[128] = "";
  int nseg = split_path(r, seg);
  bool path_known = false;
  if (nseg < 0) {
    node_http_error(r, 404, "NOT_FOUND", "no route for %s %.200s", r->method, r->path);
    return;
  }
  for (size_t i = 0; i < s->nroutes; i++) {
    const struct route *rt = &s->routes[i];
    if (!route_match(rt, r, seg, (size_t)nseg)) continue;
    path_known = true;
    if (!strstr(allow, rt->method)) snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s", allow[0] ? ", " : "", rt->method);
    if (!method_is(rt, r->method)) continue;
    r->route = rt;
    break;
  }
  if (!r->route && path_known && strcmp(r->method, "OPTIONS") == 0 && s->cors) {
    cors_preflight(r, allow);
    return;
  }
  if (!r->route) {
    if (path_known) {
      node_http_add_header(r, "Allow", allow);
      node_http_error(r, 405, "METHOD_NOT_ALLOWED", "%s is not allowed on %.200s (allowed: %s)", r->method, r->path, allow);
    } else {
      node_http_error(r, 404, "NOT_FOUND", "no route for %s %.200s", r->method, r->path);
    }
    return;
  }
  r->route->h(r->route->ud, r);
}

/* ---- libwebsockets ---- */

static const struct {
  enum lws_token_indexes tok;
  const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},     {WSI_TOKEN_POST_URI, "POST"},       {WSI_TOKEN_PUT_URI, "PUT"},
    {WSI_TOKEN_PATCH_URI, "PATCH"}, {WSI_TOKEN_DELETE_URI, "DELETE"},   {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},
};

static void read_args(struct node_http_req *r, struct lws *wsi) {
  char frag[2048];
  for (int i = 0; r->nargs < MAX_ARGS; i++) {
    int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
    char *eq, *a;
    if (n < 0) break;
    eq = strchr(frag, '=');
    if (!(a = ob_malloc((size_t)n + 2))) break;
    memcpy(a, frag, (size_t)n + 1);
    if (eq) a[eq - frag] = 0; /* "name\0value" */
    else a[n + 1] = 0;        /* "name\0" with an empty value */
    r->args[r->nargs++] = a;
  }
}

static struct node_http_req *req_new(struct node_http *s, struct lws *wsi, const char *path) {
  struct node_http_req *r = ob_calloc(1, sizeof(*r));
  if (!r) return NULL;
  r->srv = s;
  r->wsi = wsi;
  r->t0 = ob_mono_ms();
  snprintf(r->method, sizeof(r->method), "?");
  for (size_t i = 0; i < OB_ARRAY_LEN(methods); i++)
    if (lws_hdr_total_length(wsi, methods[i].tok) > 0) {
      snprintf(r->method, sizeof(r->method), "%s", methods[i].name);
      break;
    }
  r->head_only = strcmp(r->method, "HEAD") == 0;
  if (!(r->path = ob_strdup(path && *path ? path : "/"))) {
    ob_free(r);
    return NULL;
  }
  if (lws_get_peer_simple(wsi, r->remote, sizeof(r->remote)) == NULL) snprintf(r->remote, sizeof(r->remote), "?");
  ob_buf_init(&r->body, s->o.max_body + 1);
  ob_buf_init(&r->reply, (size_t)1 << 30);
  read_args(r, wsi);
  return r;
}

/* Content-Length of the request, or -1 without one. */
static long long content_length(struct lws *wsi) {
  char v[32];
  uint64_t n;
  if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) return -1;
  if (ob_parse_u64(&n, v, "Content-Length", NULL) != 0 || n > (uint64_t)1 << 62) return (long long)1 << 62;
  return (long long)n;
}

static bool wants_body(const struct node_http_req *r, struct lws *wsi) {
  if (strcmp(r->method, "POST") && strcmp(r->method, "PUT") && strcmp(r->method, "PATCH")) return false;
  return content_length(wsi) > 0 || lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
}

static void access_log(const struct node_http_req *r) {
  char status[8], bytes[24], ms[24];
  snprintf(status, sizeof(status), "%d", r->status);
  snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)r->bytes);
  snprintf(ms, sizeof(ms), "%llu", (unsigned long long)(ob_mono_ms() - r->t0));
  OB_LOG(OB_LOG_INFO, "http", "request", "method", r->method, "path", r->path, "status", status, "bytes", bytes,
         "ms", ms, "remote", r->remote, NULL);
}

static void count_status(struct node_http *s, int status) {
  s->st.requests++;
  if (status >= 500) s->st.errors_5xx++;
  else if (status >= 400) s->st.errors_4xx++;
}

static const char *reason_text(int status) {
  switch (status) {
  case 413: return "PAYLOAD_TOO_LARGE";
  case 400: return "BAD_REQUEST";
  default: return "ERROR";
  }
}

static int write_headers(struct node_http_req *r, struct lws *wsi) {
  unsigned char buf[LWS_PRE + HEADER_ROOM], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
  lws_filepos_t len = r->streaming ? LWS_ILLEGAL_HTTP_CONTENT_LEN : (lws_filepos_t)r->reply.len;
  if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->ctype, len, &p, end)) return -1;
  for (size_t i = 0; i < r->nout; i++) {
    char name[128];
    size_t n = (size_t)snprintf(name, sizeof(name), "%s:", r->out_hdrs[i].name);
    for (size_t k = 0; k < n && k < sizeof(name); k++) /* lower case, as HTTP/2 requires */
      if (name[k] >= 'A' && name[k] <= 'Z') name[k] = (char)(name[k] + 32);
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)r->out_hdrs[i].value,
                                    (int)strlen(r->out_hdrs[i].value), &p, end))
      return -1;
  }
  if (r->srv->cors &&
      lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
                                  (const unsigned char *)r->srv->cors, (int)strlen(r->srv->cors), &p, end))
    return -1;
  if (r->streaming && lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                                  (const unsigned char *)"no-cache", 8, &p, end))
    return -1;
  if (r->close_after && lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                                    (const unsigned char *)"close", 5, &p, end))
    return -1;
  return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* The request is done: log it, free it. Returns what the lws callback should return. */
static int finish(struct sess *ss, struct lws *wsi) {
  struct node_http_req *r = ss->req;
  bool close = r->close_after || r->streaming || r->head_only;
  count_status(r->srv, r->status);
  access_log(r);
  ss->req = NULL;
  req_free(r);
  if (close) return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int write_stream(struct sess *ss, struct lws *wsi) {
  struct node_http_req *r = ss->req;
  struct piece *p = r->qhead;
  if (p) {
    r->qhead = p->next;
    if (!r->qhead) r->qtail = NULL;
    r->queued -= p->len;
    if (lws_write(wsi, p->data + LWS_PRE, p->len, LWS_WRITE_HTTP) < (int)p->len) {
      ob_free(p);
      return -1;
    }
    r->bytes += p->len;
    ob_free(p);
  }
  if (r->qhead) lws_callback_on_writable(wsi);
  else if (r->stream_ended) return finish(ss, wsi);
  return 0;
}

static int write_body(struct sess *ss, struct lws *wsi) {
  struct node_http_req *r = ss->req;
  unsigned char buf[LWS_PRE + WRITE_CHUNK];
  size_t n = r->reply.len - r->sent;
  bool last;
  if (n > WRITE_CHUNK) n = WRITE_CHUNK;
  last = r->sent + n == r->reply.len;
  memcpy(buf + LWS_PRE, r->reply.buf + r->sent, n);
  if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n) return -1;
  r->sent += n;
  r->bytes += n;
  if (last) return finish(ss, wsi);
  lws_callback_on_writable(wsi);
  return 0;
}

static int on_writeable(struct sess *ss, struct lws *wsi) {
  struct node_http_req *r = ss->req;
  if (!r || !r->answered) return 0;
  if (!r->hdr_sent) {
    if (write_headers(r, wsi)) return -1;
    r->hdr_sent = true;
    if (r->head_only || (!r->streaming && r->reply.len == 0)) return finish(ss, wsi);
    lws_callback_on_writable(wsi);
    return 0;
  }
  return r->streaming ? write_stream(ss, wsi) : write_body(ss, wsi);
}

static int on_http(struct node_http *s, struct sess *ss, struct lws *wsi, const char *path) {
  struct node_http_req *r;
  long long cl;
  if (ss->req) { /* a new request while one is open: cannot happen on HTTP/1.1; refuse */
    return -1;
  }
  if (!(r = req_new(s, wsi, path))) return -1;
  ss->req = r;
  cl = content_length(wsi);
  if (cl > (long long)s->o.max_body) {
    s->st.refused_body++;
    r->close_after = true;
    if ((uint64_t)cl <= DRAIN_MAX) { /* read and drop it, then answer (on_body, BODY_COMPLETION) */
      r->body_over = true;
      return 0;
    }
    /* the body is not read: the connection cannot carry another request */
    node_http_error(r, 413, reason_text(413), "request body of %lld bytes is over the limit of %zu bytes", cl, s->o.max_body);
    return 0;
  }
  if (!wants_body(r, wsi)) dispatch(s, r);
  return 0;
}

static void on_body(struct node_http *s, struct node_http_req *r, const void *in, size_t len) {
  if (r->answered) return;
  if (r->body_over) {
    r->drained += len;
    if (r->drained > DRAIN_MAX)
      node_http_error(r, 413, reason_text(413), "request body over the limit of %zu bytes", s->o.max_body);
    return;
  }
  if (ob_buf_add(&r->body, in, len) != 0) {
    /* A chunked body (no Content-Length) over the cap: answered at once (lws 4.1 does not always
     * report the end of a chunked body here, so it is not drained). */
    s->st.refused_body++;
    r->close_after = true;
    node_http_error(r, 413, reason_text(413), "request body over the limit of %zu bytes", s->o.max_body);
  }
}

static void on_closed(struct sess *ss) {
  struct node_http_req *r = ss->req;
  if (!r) return;
  ss->req = NULL;
  r->wsi = NULL;
  if (r->on_close) r->on_close(r->on_close_ud, r);
  if (!r->streaming) r->status = 499; /* logged as nginx does: the client went away before the answer */
  access_log(r);
  req_free(r);
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  struct sess *ss = user;
  struct node_http *s = lws_context_user(lws_get_context(wsi));
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    return on_http(s, ss, wsi, in);
  case LWS_CALLBACK_HTTP_BODY:
    if (ss && ss->req) on_body(s, ss->req, in, len);
    return 0;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    if (ss && ss->req && !ss->req->answered && ss->req->body_over)
      node_http_error(ss->req, 413, reason_text(413), "request body of %llu bytes is over the limit of %zu bytes",
                      (unsigned long long)ss->req->drained, s->o.max_body);
    else if (ss && ss->req && !ss->req->answered) dispatch(s, ss->req);
    return 0;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return ss ? on_writeable(ss, wsi) : 0;
  case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP: /* not ours */
    return 0;
  case LWS_CALLBACK_WSI_CREATE:
    s->st.open_conns++;
    return 0;
  case LWS_CALLBACK_WSI_DESTROY:
    if (s->st.open_conns) s->st.open_conns--;
    return 0;
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (ss) on_closed(ss);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocols protocols[] = {
    {"http", http_callback, sizeof(struct sess), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_emit(int level, const char *line) {
  char buf[512];
  size_t n = strlen(line);
  if (n >= sizeof(buf)) n = sizeof(buf) - 1;
  memcpy(buf, line, n);
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  buf[n] = 0;
  OB_LOG(level == LLL_ERR ? OB_LOG_DEBUG : OB_LOG_TRACE, "lws", buf, NULL);
}

/* "HOST:PORT" / "[V6]:PORT" into host (without brackets) and port. */
static int parse_listen(const char *listen, char *host, size_t cap, int *port, bool *v6, struct ob_err *err) {
  const char *colon = strrchr(listen, ':'), *h = listen;
  size_t hl;
  uint64_t p;
  if (!colon) return ob_err_set(err, OB_EINVAL, "listen address '%s': expected HOST:PORT", listen);
  hl = (size_t)(colon - listen);
  if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']') h++, hl -= 2;
  *v6 = memchr(h, ':', hl) != NULL;
  if (hl == 0 || hl >= cap) return ob_err_set(err, OB_EINVAL, "listen address '%s': expected HOST:PORT", listen);
  if (ob_parse_u64(&p, colon + 1, "port", NULL) != 0 || p > 65535)
    return ob_err_set(err, OB_EINVAL, "listen address '%s': port must be 0 to 65535", listen);
  memcpy(host, h, hl);
  host[hl] = 0;
  *port = (int)p;
  return 0;
}

/* As chain/src/ws.c: on a foreign loop lws finishes its teardown only as its handles close. */
void node_http_free(struct node_http *s) {
  uint64_t end;
  if (!s) return;
  end = ob_mono_ms() + 2000;
  for (int i = 0; s->lws && ob_mono_ms() < end; i++) {
    if (i % 50 == 0) lws_context_destroy(s->lws);
    if (s->lws) chain_loop_run_nowait(s->loop);
    if (i % 50 == 49) ob_sleep_ms(1);
  }
  for (size_t i = 0; i < s->nroutes; i++) ob_free(s->routes[i].pattern);
  ob_free(s->routes);
  ob_free(s->cors);
  ob_free(s);
}

/* Bind host:port once before lws does: lws 4.1 on a foreign loop survives a failed bind only
 * partly (its context is created without the vhost, and its teardown then leaves handles behind),
 * so the usual failures (address in use, not an address of this machine) are found here. */
static int bind_check(const char *host, int port, const char *listen, struct ob_err *err) {
  struct addrinfo hints, *ai = NULL;
  char ps[8];
  int fd, one = 1, rc;
  memset(&hints, 0, sizeof(hints));
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(ps, sizeof(ps), "%d", port);
  if (getaddrinfo(host, ps, &hints, &ai) != 0 || !ai)
    return ob_err_set(err, OB_EINVAL, "listen address '%s': HOST must be an IP address (127.0.0.1, ::1, 0.0.0.0)", listen);
  fd = socket(ai->ai_family, SOCK_STREAM, 0);
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  rc = fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : -1;
  if (fd >= 0) close(fd);
  freeaddrinfo(ai);
  if (rc) return ob_err_set(err, OB_EIO, "cannot listen on %s: %s", listen, strerror(errno));
  return 0;
}

bool node_http_loopback(const char *listen) {
  char host[256];
  int port;
  bool v6;
  if (parse_listen(listen, host, sizeof(host), &port, &v6, NULL)) return false;
  return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 || strcasecmp(host, "localhost") == 0;
}

/* Both TLS files or neither, and readable now (lws only logs why it cannot load one). */
static int tls_check(const struct node_http_opts *o, struct ob_err *err) {
  const char *f[] = {o->tls_cert, o->tls_key}, *what[] = {"certificate", "private key"};
  if (!o->tls_cert != !o->tls_key)
    return ob_err_set(err, OB_EINVAL, "TLS needs both a certificate and a private key (http.tls_cert, http.tls_key)");
  for (int i = 0; i < 2 && f[i]; i++)
    if (access(f[i], R_OK) != 0) return ob_err_set(err, OB_EINVAL, "cannot read the TLS %s '%s': %s", what[i], f[i], strerror(errno));
  return 0;
}

int node_http_new(struct node_http **out, struct chain_loop *loop, const struct node_http_opts *o,
                  struct ob_err *err) {
  struct lws_context_creation_info info;
  struct node_http *s;
  struct lws_vhost *vh;
  char host[256];
  void *loops[1];
  bool v6 = false;
  int port = 0, rc = parse_listen(o->listen ? o->listen : "127.0.0.1:0", host, sizeof(host), &port, &v6, err);
  if (rc || (rc = tls_check(o, err)) || (rc = bind_check(host, port, o->listen ? o->listen : "127.0.0.1:0", err)))
    return rc;
  if (!(s = ob_calloc(1, sizeof(*s)))) return ob_err_set(err, OB_ENOMEM, "cannot start the HTTP server: out of memory");
  s->o = *o;
  s->loop = loop;
  if (o->cors_origin && !(s->cors = ob_strdup(o->cors_origin))) {
    ob_free(s);
    return ob_err_set(err, OB_ENOMEM, "cannot start the HTTP server: out of memory");
  }
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
  memset(&info, 0, sizeof(info));
  loops[0] = chain_loop_native(loop);
  info.port = port;
  info.iface = host;
  info.protocols = protocols;
  info.options = LWS_SERVER_OPTION_LIBUV | (v6 ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
  info.foreign_loops = loops;
  info.user = s;
  info.gid = -1;
  info.uid = -1;
  info.server_string = "obridge";
  info.timeout_secs = 30;
  info.keepalive_timeout = 30;
  info.pcontext = &s->lws; /* lws clears it when a destroy on our loop has completed */
  if (o->tls_cert) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = o->tls_cert;
    info.ssl_private_key_filepath = o->tls_key;
  }
  s->lws = lws_create_context(&info);
  if (!s->lws) {
    ob_free(s->cors);
    ob_free(s);
    return ob_err_set(err, OB_EIO, "cannot listen on %s (address in use, not an address of this machine%s)", o->listen,
                      o->tls_cert ? ", or a TLS certificate or key that does not load" : "");
  }
  vh = lws_get_vhost_by_name(s->lws, "default");
  s->port = vh ? lws_get_vhost_listen_port(vh) : -1;
  if (s->port <= 0) { /* lws 4.1 keeps the context when the bind fails, without a vhost */
    node_http_free(s);
    return ob_err_set(err, OB_EIO, "cannot listen on %s (address in use, or not an address of this machine)", o->listen);
  }
  *out = s;
  return 0;
}

int node_http_port(const struct node_http *s) { return s->port; }

void node_http_stats(const struct node_http *s, struct node_http_stats *out) { *out = s->st; }

