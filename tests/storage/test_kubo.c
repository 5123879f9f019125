/* Kubo reply reader and request building, without a node: replies recorded from the js node and
 * Kubo's documented shapes, fed in every split, plus error bodies and X-Stream-Error trailers. */
#include <stdlib.h>

#include "kubo_int.h"
#include "ob/core/json.h"
#include "ob/storage/pin.h"
#include "ob_test.h"

struct seen {
  int n;
  char hash[8][128];
};

static int collect(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct seen *s = ud;
  const char *h = ob_json_string(ob_json_get(v, "Hash"));
  (void)err;
  if (s->n < 8) snprintf(s->hash[s->n], sizeof(s->hash[0]), "%s", h ? h : "-");
  s->n++;
  return 0;
}

/* Feed status + headers + body split every `step` bytes; returns finish's code. */
static int feed(const char *status, const char *headers, const char *body, size_t step, struct seen *s,
                struct ob_err *err) {
  struct kubo__reply r;
  size_t n = strlen(body);
  int rc = 0;
  kubo__reply_init(&r);
  r.on_value = collect;
  r.ud = s;
  kubo__reply_header(&r, status, strlen(status));
  for (const char *h = headers; h && *h;) {
    const char *e = strchr(h, '\n');
    size_t k = e ? (size_t)(e - h) + 1 : strlen(h);
    kubo__reply_header(&r, h, k);
    h += k;
  }
  for (size_t i = 0; i < n && !rc; i += step) rc = kubo__reply_data(&r, body + i, n - i < step ? n - i : step);
  rc = kubo__reply_finish(&r, err);
  kubo__reply_release(&r);
  return rc;
}

static const char add_body[] =
    "{\"Name\":\"f\",\"Bytes\":262144}\n"
    "{\"Name\":\"f\",\"Bytes\":524288}\n"
    "{\"Name\":\"f\",\"Hash\":\"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4\",\"Size\":\"12\"}\n";

OB_TEST(ndjson_any_split) {
  for (size_t step = 1; step <= sizeof(add_body); step++) {
    struct seen s = {0};
    struct ob_err err;
    int rc = feed("HTTP/1.1 200 OK\r\n", "Trailer: X-Stream-Error\r\n", add_body, step, &s, &err);
    OB_CHECK_EQ(rc, 0);
    OB_CHECK_EQ(s.n, 3);
    OB_CHECK_STR(s.hash[2], "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
  }
}

OB_TEST(last_line_without_newline) {
  struct seen s = {0};
  struct ob_err err;
  OB_CHECK_EQ(feed("HTTP/1.1 200 OK\r\n", NULL, "{\"Hash\":\"Qm1\"}\n{\"Hash\":\"Qm2\"}", 5, &s, &err), 0);
  OB_CHECK_EQ(s.n, 2);
  OB_CHECK_STR(s.hash[1], "Qm2");
}

OB_TEST(error_body_carries_node_message) {
  struct seen s = {0};
  struct ob_err err;
  int rc = feed("HTTP/1.1 500 Internal Server Error\r\n", "Content-Type: application/json\r\n",
                "{\"Message\":\"Failed to remove pin: Qm is not pinned\",\"Code\":0,\"Type\":\"error\"}\n", 7,
                &s, &err);
  OB_CHECK_EQ(rc, OB_EPEER);
  OB_CHECK_EQ(err.http_status, 500);
  OB_CHECK_CONTAINS(err.msg, "kubo: Failed to remove pin: Qm is not pinned");
  OB_CHECK_EQ(s.n, 0);
}

OB_TEST(client_errors_are_not_retryable) {
  struct seen s = {0};
  struct ob_err err;
  int rc = feed("HTTP/1.1 400 Bad Request\r\n", NULL,
                "{\"Message\":\"Invalid request query input\",\"Code\":1,\"Type\":\"error\"}", 64, &s, &err);
  OB_CHECK_EQ(rc, OB_EINVAL);
  OB_CHECK(!ipfs_pin_error_retryable(rc));
  rc = feed("HTTP/1.1 404 Not Found\r\n", NULL, "404 page not found", 64, &s, &err);
  OB_CHECK_EQ(rc, OB_EUNSUP);
  OB_CHECK_CONTAINS(err.msg, "404 page not found");
  rc = feed("HTTP/1.1 500 Internal Server Error\r\n", NULL,
            "{\"Message\":\"context deadline exceeded: request timed out\",\"Code\":0}", 64, &s, &err);
  OB_CHECK_EQ(rc, OB_ETIMEDOUT);
  OB_CHECK(ipfs_pin_error_retryable(rc));
}

OB_TEST(stream_error_trailer_fails_a_200) {
  struct seen s = {0};
  struct ob_err err;
  struct kubo__reply r;
  int rc;
  kubo__reply_init(&r);
  r.on_value = collect;
  r.ud = &s;
  kubo__reply_header(&r, "HTTP/1.1 200 OK\r\n", 17);
  kubo__reply_header(&r, "Trailer: X-Stream-Error\r\n", 25);
  OB_CHECK_EQ(kubo__reply_data(&r, "{\"Name\":\"f\",\"Bytes\":10}\n", 24), 0);
  /* libcurl hands trailers to the header callback after the body. */
  kubo__reply_header(&r, "X-Stream-Error: unexpected end of multipart data\r\n", 50);
  rc = kubo__reply_finish(&r, &err);
  OB_CHECK_EQ(rc, OB_EPEER);
  OB_CHECK_STR(err.msg, "kubo: unexpected end of multipart data");
  kubo__reply_release(&r);
}

OB_TEST(status_after_continue_wins) {
  struct seen s = {0};
  struct ob_err err;
  struct kubo__reply r;
  kubo__reply_init(&r);
  r.on_value = collect;
  r.ud = &s;
  kubo__reply_header(&r, "HTTP/1.1 100 Continue\r\n", 23);
  kubo__reply_header(&r, "HTTP/1.1 200 OK\r\n", 17);
  OB_CHECK_EQ(kubo__reply_data(&r, "{\"Hash\":\"x\"}\n", 13), 0);
  OB_CHECK_EQ(kubo__reply_finish(&r, &err), 0);
  OB_CHECK_EQ(s.n, 1);
  kubo__reply_release(&r);
}

OB_TEST(garbage_and_limits) {
  struct seen s = {0};
  struct ob_err err;
  char *big;
  int rc = feed("HTTP/1.1 200 OK\r\n", NULL, "{\"Hash\":\"x\"}\nnot json\n", 3, &s, &err);
  OB_CHECK_EQ(rc, OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "kubo: cannot read reply line 2");
  rc = feed("", NULL, "{}", 3, &s, &err);
  OB_CHECK_EQ(rc, OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "without a status line");
  big = malloc(KUBO__LINE_MAX + 10);
  OB_REQUIRE(big);
  memset(big, ' ', KUBO__LINE_MAX + 9);
  big[0] = '"';
  big[KUBO__LINE_MAX + 9] = 0;
  rc = feed("HTTP/1.1 200 OK\r\n", NULL, big, 65536, &s, &err);
  OB_CHECK_EQ(rc, OB_ELIMIT);
  free(big);
}

OB_TEST(sizes_as_number_or_string) {
  const char *texts[] = {"12", "\"12\""};
  for (size_t i = 0; i < 2; i++) {
    struct ob_json *v = NULL;
    uint64_t n = 0;
    OB_REQUIRE(ob_json_parse(&v, texts[i], strlen(texts[i]), NULL, NULL) == 0);
    OB_CHECK_EQ(kubo__json_size(v, &n), 0);
    OB_CHECK_EQ(n, 12);
    ob_json_free(v);
  }
  {
    struct ob_json *v = NULL;
    uint64_t n = 0;
    OB_REQUIRE(ob_json_parse(&v, "\"-1\"", 4, NULL, NULL) == 0);
    OB_CHECK(kubo__json_size(v, &n) != 0);
    ob_json_free(v);
  }
}

OB_TEST(query_is_percent_encoded) {
  struct ob_buf u;
  ob_buf_init(&u, 1024);
  OB_CHECK_EQ(ob_buf_addstr(&u, "http://h/api/v0/cat"), 0);
  OB_CHECK_EQ(kubo__query_add(&u, "arg", "/ipfs/Qm x&y=z"), 0);
  OB_CHECK_EQ(kubo__query_addu(&u, "timeout", 30), 0);
  OB_CHECK_STR(u.buf, "http://h/api/v0/cat?arg=/ipfs/Qm%20x%26y%3Dz&timeout=30");
  ob_buf_release(&u);
}

OB_TEST(api_url_checked) {
  struct ipfs_kubo_opts o;
  struct ipfs_kubo *k = NULL;
  struct ob_err err;
  ipfs_kubo_opts_init(&o);
  o.api = "ftp://127.0.0.1:5001";
  OB_CHECK_EQ(ipfs_kubo_new(&k, &o, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "not an http:// or https:// URL");
  o.api = "http://127.0.0.1:1/";
  OB_CHECK_EQ(ipfs_kubo_new(&k, &o, &err), 0);
  {
    char ver[32];
    int rc = ipfs_kubo_version(k, ver, sizeof(ver), &err);
    OB_CHECK_EQ(rc, OB_EUNREACH);
    OB_CHECK_CONTAINS(err.msg, "cannot reach the IPFS API");
  }
  ipfs_kubo_free(k);
}

OB_TEST(status_and_origin_names) {
  enum ipfs_pin_status st;
  struct ob_err err;
  OB_CHECK_EQ(ipfs_pin_status_parse(&st, "pinned", &err), 0);
  OB_CHECK_EQ(st, IPFS_PIN_PINNED);
  OB_CHECK_STR(ipfs_pin_status_name(IPFS_PIN_FAILED), "failed");
  OB_CHECK_EQ(ipfs_pin_status_parse(&st, "done", &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "unknown pin status 'done'");
}
