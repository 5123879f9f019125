/* The metrics registry: exposition text exactly, label escaping, histogram buckets, refusals.
 * (The daemon's /metrics is also parsed by prometheus_client in tests/cli/test_run.sh.) */
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/metrics.h"
#include "ob_test.h"

static void collect(void *ud, struct ob_metrics *m) {
  struct ob_metric *g;
  (void)ud;
  if (ob_metrics_gauge(m, &g, "t_collected", "set at scrape time", NULL, NULL) == 0) ob_metric_set(g, NULL, 7);
}

OB_TEST(metrics_text_format_exact) {
  struct ob_metrics *m;
  struct ob_metric *c, *g, *h, *again;
  struct ob_buf b;
  const double bounds[] = {0.1, 1};
  OB_REQUIRE(ob_metrics_new(&m, NULL) == 0);
  OB_CHECK_EQ(ob_metrics_counter(m, &c, "t_rounds_total", "rounds by outcome", "outcome", NULL), 0);
  OB_CHECK_EQ(ob_metrics_counter(m, &again, "t_rounds_total", "other help", "outcome", NULL), 0);
  OB_CHECK(again == c);
  OB_CHECK_EQ(ob_metrics_gauge(m, &g, "t_age_seconds", "age\\of \"x\"\nline", "feed,source", NULL), 0);
  OB_CHECK_EQ(ob_metrics_histogram(m, &h, "t_latency_seconds", "latency", NULL, bounds, 2, NULL), 0);
  OB_CHECK_EQ(ob_metric_add(c, (const char *[]){"committed"}, 1), 0);
  OB_CHECK_EQ(ob_metric_add(c, (const char *[]){"committed"}, 2), 0);
  OB_CHECK_EQ(ob_metric_add(c, (const char *[]){"failed"}, 1), 0);
  OB_CHECK_EQ(ob_metric_add(c, (const char *[]){"failed"}, -1), OB_EINVAL);
  OB_CHECK_EQ(ob_metric_set(g, (const char *[]){"ETH/USD", "a\"b\\c\nd"}, 1.5), 0);
  OB_CHECK_EQ(ob_metric_observe(h, NULL, 0.05), 0);
  OB_CHECK_EQ(ob_metric_observe(h, NULL, 0.5), 0);
  OB_CHECK_EQ(ob_metric_observe(h, NULL, 3), 0);
  OB_CHECK_EQ(ob_metric_set(c, (const char *[]){"x"}, 1), OB_EINVAL);
  OB_CHECK_EQ(ob_metric_observe(g, (const char *[]){"a", "b"}, 1), OB_EINVAL);
  OB_CHECK_EQ(ob_metrics_on_collect(m, collect, NULL), 0);
  OB_CHECK(ob_metric_value(c, (const char *[]){"committed"}) == 3);
  ob_buf_init(&b, 1 << 20);
  OB_CHECK_EQ(ob_metrics_write(m, &b), 0);
  OB_CHECK_STR(b.buf,
               "# HELP t_rounds_total rounds by outcome\n"
               "# TYPE t_rounds_total counter\n"
               "t_rounds_total{outcome=\"committed\"} 3\n"
               "t_rounds_total{outcome=\"failed\"} 1\n"
               "# HELP t_age_seconds age\\\\of \"x\"\\nline\n"
               "# TYPE t_age_seconds gauge\n"
               "t_age_seconds{feed=\"ETH/USD\",source=\"a\\\"b\\\\c\\nd\"} 1.5\n"
               "# HELP t_latency_seconds latency\n"
               "# TYPE t_latency_seconds histogram\n"
               "t_latency_seconds_bucket{le=\"0.1\"} 1\n"
               "t_latency_seconds_bucket{le=\"1\"} 2\n"
               "t_latency_seconds_bucket{le=\"+Inf\"} 3\n"
               "t_latency_seconds_sum 3.5499999999999998\n"
               "t_latency_seconds_count 3\n"
               "# HELP t_collected set at scrape time\n"
               "# TYPE t_collected gauge\n"
               "t_collected 7\n");
  ob_metric_clear(g);
  ob_buf_reset(&b);
  OB_CHECK_EQ(ob_metrics_write(m, &b), 0);
  OB_CHECK(strstr(b.buf, "ETH/USD") == NULL);
  ob_buf_release(&b);
  ob_metrics_free(m);
}

OB_TEST(metrics_refuse_bad_declarations) {
  struct ob_metrics *m;
  struct ob_metric *f;
  struct ob_err err;
  const double bad[] = {1, 1};
  OB_REQUIRE(ob_metrics_new(&m, NULL) == 0);
  OB_CHECK_EQ(ob_metrics_counter(m, &f, "9bad", "", NULL, &err), OB_EINVAL);
  OB_CHECK_EQ(ob_metrics_counter(m, &f, "ok_total", "", "le", &err), OB_EINVAL);
  OB_CHECK_EQ(ob_metrics_counter(m, &f, "ok_total", "", "a-b", &err), OB_EINVAL);
  OB_CHECK_EQ(ob_metrics_counter(m, &f, "ok_total", "", "a,b,c,d,e", &err), OB_EINVAL);
  OB_CHECK_EQ(ob_metrics_histogram(m, &f, "h", "", NULL, bad, 2, &err), OB_EINVAL);
  OB_CHECK_EQ(ob_metrics_counter(m, &f, "ok_total", "", "a", &err), 0);
  OB_CHECK_EQ(ob_metrics_gauge(m, &f, "ok_total", "", "a", &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "already declared");
  OB_CHECK_EQ(ob_metrics_counter(m, &f, "ok_total", "", "b", &err), OB_EINVAL);
  ob_metrics_free(m);
}

OB_TEST(metrics_buffer_limit_is_an_error_not_a_torn_page) {
  struct ob_metrics *m;
  struct ob_metric *g;
  struct ob_buf b;
  char name[32];
  OB_REQUIRE(ob_metrics_new(&m, NULL) == 0);
  OB_REQUIRE(ob_metrics_gauge(m, &g, "t_g", "g", "feed", NULL) == 0);
  for (int i = 0; i < 100; i++) {
    snprintf(name, sizeof(name), "feed-%d", i);
    OB_CHECK_EQ(ob_metric_set(g, (const char *[]){name}, i), 0);
  }
  ob_buf_init(&b, 500);
  OB_CHECK(ob_metrics_write(m, &b) != 0);
  ob_buf_release(&b);
  ob_metrics_free(m);
}
