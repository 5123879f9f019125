/* The node's HTTP server: libwebsockets listening on the node's one struct chain_loop (libuv), so
 * /health, /metrics, the pinning service API and the proof API are served beside the chain
 * client, the fetcher and the timers, with no second HTTP stack and no thread.
 * node/src/http.c is the one node/ file that includes libwebsockets.h.
 *
 * Routes: method + path pattern -> handler. A pattern is literal segments and `{name}` segments
 * ("/pins/{requestid}"), each `{name}` matching one non-empty segment (read with
 * node_http_param); one `{name...}` per pattern matches one or more segments, for values that may
 * hold a '/' ("/v1/feeds/{name...}/latest": libwebsockets decodes %2F in the path, so the feed
 * ETH%2FUSD arrives as two segments and the parameter gives back "ETH/USD"). A path with no route is 404; a path some route has, with another method, is
 * 405 with an Allow header; HEAD is answered by a GET route without the body; OPTIONS is the CORS
 * preflight when cors_origin is set. Query arguments are decoded (`?status=queued&limit=10`,
 * repeated names kept in order); the path arrives percent-decoded by libwebsockets.
 *
 * Requests: a handler gets a struct node_http_req and must answer it once, with node_http_reply,
 * node_http_reply_json, node_http_error or node_http_stream_begin, at once or later from the loop
 * (a deferred answer). If the client goes away first, the request's on_close callback (set with
 * node_http_on_close) runs and the request is invalid afterwards: whoever kept it must drop it.
 * (On HTTP/1.1 nothing is read while a request is open, so a client that left is noticed when
 * its answer is written; such a request is logged with status 499.)
 * A body (POST, PUT, PATCH) is read before the handler runs, up to opts.max_body bytes; a larger
 * one is refused with 413 and the handler never sees it.
 *
 * Errors have one shape everywhere, the IPFS Pinning Service API's:
 *   {"error":{"reason":"NOT_FOUND","details":"no route for GET /x"}}
 *
 * Every finished request is logged in logfmt (sys=http, method, path, status, bytes, ms, remote);
 * the query string and the Authorization header are never logged.
 *
 * Rules: the loop's thread only; err may be NULL; strings returned are borrowed from the request
 * until it is answered or closed. */
#ifndef OB_NODE_HTTP_H
#define OB_NODE_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_buf;
struct chain_loop;
struct node_http;
struct node_http_req;

struct node_http_opts {
  const char *listen;      /* "HOST:PORT" ("[::1]:PORT"); port 0: any free port. Default "127.0.0.1:0" */
  size_t max_body;         /* request body cap, bytes (default 1 MiB) */
  const char *cors_origin; /* NULL: no CORS headers; else Access-Control-Allow-Origin's value ("*") */
  const char *tls_cert;    /* PEM certificate (chain) file: with tls_key, HTTPS only (no plain HTTP) */
  const char *tls_key;     /* PEM private key file */
};
void node_http_opts_init(struct node_http_opts *o);

/* Listen. Allocates; *out owned (node_http_free, before the loop is freed).
 * Returns 0; OB_EINVAL (listen is not HOST:PORT; only one of tls_cert and tls_key; a file that
 * cannot be read); OB_EIO (cannot bind: the address named; a certificate or key lws refuses). */
int node_http_new(struct node_http **out, struct chain_loop *loop, const struct node_http_opts *o,
                  struct ob_err *err);
/* Close every connection (their on_close callbacks run), stop listening, free. NULL is a no-op. */
void node_http_free(struct node_http *s);
/* Whether host (of a HOST:PORT listen address) is a loopback address (127.0.0.0/8, ::1). */
bool node_http_loopback(const char *listen);
/* The port actually bound (the kernel's choice when opts.listen said 0). */
int node_http_port(const struct node_http *s);

typedef void (*node_http_handler)(void *ud, struct node_http_req *req);
/* Add a route. method: "GET", "POST", "PUT", "PATCH", "DELETE". pattern and method are copied.
 * Routes are tried in the order added; the first match wins.
 * Returns 0; OB_EINVAL (pattern not starting with '/', an empty or unclosed {name}, two {name...});
 * OB_ENOMEM. */
int node_http_route(struct node_http *s, const char *method, const char *pattern, node_http_handler h, void *ud,
                    struct ob_err *err);

/* ---- the request ---- */
const char *node_http_method(const struct node_http_req *r); /* "GET", "HEAD", "POST", … */
const char *node_http_path(const struct node_http_req *r);   /* decoded, without the query */
const char *node_http_remote(const struct node_http_req *r); /* the client's address */
/* The value of a {name} segment of the matched pattern; NULL if the pattern has none. */
const char *node_http_param(const struct node_http_req *r, const char *name);
/* The first value of a query argument (decoded), "" for `?flag`, NULL when absent. */
const char *node_http_query(const struct node_http_req *r, const char *name);
/* Every value of a query argument in order (up to cap). Returns how many there are. */
size_t node_http_query_all(const struct node_http_req *r, const char *name, const char **out, size_t cap);
/* The i-th query argument (0-based, in order): false past the last. */
bool node_http_query_at(const struct node_http_req *r, size_t i, const char **name, const char **value);
/* A request header by name, any case ("Authorization", "If-None-Match", "Last-Event-ID");
 * NULL when absent. Copied on first use (allocates). */
const char *node_http_header(struct node_http_req *r, const char *name);
/* The request body (NUL-terminated; "" without one). */
const char *node_http_body(const struct node_http_req *r, size_t *len);

/* Called once if the connection closes before the request is answered (or while it streams). */
void node_http_on_close(struct node_http_req *r, void (*cb)(void *ud, struct node_http_req *r), void *ud);

/* ---- answering ---- */
/* Add a reply header (before the reply). name without the colon. Returns 0; OB_ENOMEM; OB_ESTATE
 * when already answered. */
int node_http_add_header(struct node_http_req *r, const char *name, const char *value);
/* Answer with a body (copied). content_type NULL: no Content-Type. Returns 0; OB_ENOMEM; OB_ESTATE
 * when already answered. */
int node_http_reply(struct node_http_req *r, int status, const char *content_type, const void *body, size_t len);
/* Answer with the JSON text in json (consumed: the buffer is left empty). */
int node_http_reply_json(struct node_http_req *r, int status, struct ob_buf *json);
/* Answer {"error":{"reason":reason,"details":…}} with status. */
int node_http_error(struct node_http_req *r, int status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A streamed answer (Server-Sent Events): headers now, without a length; then any number of
 * writes (each queued and sent as the socket allows); end closes the connection. The request
 * stays valid until node_http_stream_end or its on_close. Returns 0; OB_ENOMEM; OB_ESTATE. */
int node_http_stream_begin(struct node_http_req *r, int status, const char *content_type);
int node_http_stream_write(struct node_http_req *r, const void *data, size_t len);
void node_http_stream_end(struct node_http_req *r);
/* Bytes written to the stream and not yet sent (a client that does not read lets them grow). */
size_t node_http_stream_queued(const struct node_http_req *r);

/* Counters (tests, /metrics). */
struct node_http_stats {
  uint64_t requests, errors_4xx, errors_5xx, refused_body, open_conns;
};
void node_http_stats(const struct node_http *s, struct node_http_stats *out);
#endif
