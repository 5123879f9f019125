/* A server on node/http.h with test routes, for tests/node/test_http.sh:
 *   http_tool PORT_FILE [LISTEN] [MAX_BODY]
 * writes the bound port to PORT_FILE, serves until SIGTERM. Routes:
 *   GET /hello                 "hello\n" (text/plain)
 *   GET /pins/{id}             {"id":…,"status":[…all status= args],"limit":…,"auth":…,"lei":…}
 *   POST /echo                 the body back, with its length in X-Length
 *   GET /big                   2 MiB of 'x'
 *   GET /deferred              answered 200 ms later from a timer
 *   GET /stream                three SSE events 50 ms apart, then the end
 *   GET /v1/feeds/{name...}/latest   the name (which may hold '/')
 *   GET /etag                  ETag "v1"; 304 when If-None-Match matches */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/node/http.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

struct app {
  struct chain_loop *loop;
  struct node_http *srv;
  struct chain_timer *poll, *later, *tick;
  struct node_http_req *deferred, *stream;
  int events;
  bool done;
};

static void hello(void *ud, struct node_http_req *r) {
  (void)ud;
  node_http_reply(r, 200, "text/plain", "hello\n", 6);
}

static void pin(void *ud, struct node_http_req *r) {
  struct ob_buf b;
  struct ob_jw w;
  const char *st[8];
  size_t n = node_http_query_all(r, "status", st, 8);
  (void)ud;
  ob_buf_init(&b, 1 << 20);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "id");
  ob_jw_str(&w, node_http_param(r, "id"));
  ob_jw_key(&w, "status");
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < n && i < 8; i++) ob_jw_str(&w, st[i]);
  ob_jw_arr_end(&w);
  ob_jw_key(&w, "limit");
  ob_jw_str(&w, node_http_query(r, "limit"));
  ob_jw_key(&w, "auth");
  ob_jw_str(&w, node_http_header(r, "Authorization"));
  ob_jw_key(&w, "lei");
  ob_jw_str(&w, node_http_header(r, "Last-Event-ID"));
  ob_jw_obj_end(&w);
  if (ob_jw_finish(&w) == 0) node_http_reply_json(r, 200, &b);
  ob_buf_release(&b);
}

static void feed(void *ud, struct node_http_req *r) {
  const char *n = node_http_param(r, "name");
  (void)ud;
  node_http_reply(r, 200, "text/plain", n, strlen(n));
}

static void echo(void *ud, struct node_http_req *r) {
  size_t len;
  const char *body = node_http_body(r, &len);
  char n[32];
  (void)ud;
  snprintf(n, sizeof(n), "%zu", len);
  node_http_add_header(r, "X-Length", n);
  node_http_reply(r, 200, "application/octet-stream", body, len);
}

static void big(void *ud, struct node_http_req *r) {
  size_t n = (size_t)2 << 20;
  char *p = malloc(n);
  (void)ud;
  memset(p, 'x', n);
  node_http_reply(r, 200, "text/plain", p, n);
  free(p);
}

static void deferred_gone(void *ud, struct node_http_req *r) {
  struct app *a = ud;
  (void)r;
  a->deferred = NULL;
}
static void later(void *ud) {
  struct app *a = ud;
  if (a->deferred) node_http_reply(a->deferred, 200, "text/plain", "later\n", 6);
  a->deferred = NULL;
}
static void deferred(void *ud, struct node_http_req *r) {
  struct app *a = ud;
  if (a->deferred) {
    node_http_error(r, 409, "BUSY", "one deferred request at a time");
    return;
  }
  a->deferred = r;
  node_http_on_close(r, deferred_gone, a);
  chain_timer_start(a->later, 200, 0);
}

static void stream_gone(void *ud, struct node_http_req *r) {
  struct app *a = ud;
  (void)r;
  a->stream = NULL;
  chain_timer_stop(a->tick);
}
static void tick(void *ud) {
  struct app *a = ud;
  char ev[64];
  int n;
  if (!a->stream) return;
  n = snprintf(ev, sizeof(ev), "id: %d\ndata: {\"n\":%d}\n\n", a->events, a->events);
  node_http_stream_write(a->stream, ev, (size_t)n);
  if (++a->events == 3) {
    chain_timer_stop(a->tick);
    node_http_stream_end(a->stream);
    a->stream = NULL;
  }
}
static void stream(void *ud, struct node_http_req *r) {
  struct app *a = ud;
  if (a->stream) {
    node_http_error(r, 409, "BUSY", "one stream at a time");
    return;
  }
  a->stream = r;
  a->events = 0;
  node_http_on_close(r, stream_gone, a);
  node_http_stream_begin(r, 200, "text/event-stream");
  chain_timer_start(a->tick, 50, 50);
}

static void etag(void *ud, struct node_http_req *r) {
  const char *inm = node_http_header(r, "If-None-Match");
  (void)ud;
  node_http_add_header(r, "ETag", "\"v1\"");
  if (inm && strcmp(inm, "\"v1\"") == 0) node_http_reply(r, 304, NULL, NULL, 0);
  else node_http_reply(r, 200, "text/plain", "v1\n", 3);
}

static void poll_stop(void *ud) {
  struct app *a = ud;
  if (stop) a->done = true;
}

int main(int argc, char **argv) {
  struct app a = {0};
  struct node_http_opts o;
  struct ob_err err;
  FILE *f;
  struct sigaction sa;
  if (argc < 2) {
    fprintf(stderr, "usage: http_tool PORT_FILE [LISTEN] [MAX_BODY]\n");
    return 2;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  ob_log_set_level(OB_LOG_INFO);
  node_http_opts_init(&o);
  if (argc > 2) o.listen = argv[2];
  if (argc > 3) o.max_body = (size_t)strtoull(argv[3], NULL, 10);
  o.cors_origin = "*";
  if (chain_loop_new(&a.loop, &err) || node_http_new(&a.srv, a.loop, &o, &err)) {
    fprintf(stderr, "http_tool: %s\n", err.msg);
    chain_loop_free(a.loop);
    return 1;
  }
  node_http_route(a.srv, "GET", "/hello", hello, &a, NULL);
  node_http_route(a.srv, "GET", "/pins/{id}", pin, &a, NULL);
  node_http_route(a.srv, "DELETE", "/pins/{id}", pin, &a, NULL);
  node_http_route(a.srv, "POST", "/echo", echo, &a, NULL);
  node_http_route(a.srv, "GET", "/v1/feeds/{name...}/latest", feed, &a, NULL);
  node_http_route(a.srv, "GET", "/big", big, &a, NULL);
  node_http_route(a.srv, "GET", "/deferred", deferred, &a, NULL);
  node_http_route(a.srv, "GET", "/stream", stream, &a, NULL);
  node_http_route(a.srv, "GET", "/etag", etag, &a, NULL);
  if (node_http_route(a.srv, "GET", "/bad/{", hello, &a, &err) == 0) return 1;
  chain_timer_new(&a.poll, a.loop, poll_stop, &a, NULL);
  chain_timer_new(&a.later, a.loop, later, &a, NULL);
  chain_timer_new(&a.tick, a.loop, tick, &a, NULL);
  chain_timer_start(a.poll, 20, 20);
  f = fopen(argv[1], "w");
  if (!f) return 1;
  fprintf(f, "%d\n", node_http_port(a.srv));
  fclose(f);
  chain_loop_run_until(a.loop, &a.done);
  chain_timer_free(a.poll);
  chain_timer_free(a.later);
  chain_timer_free(a.tick);
  node_http_free(a.srv);
  chain_loop_free(a.loop);
  return 0;
}
