/* A tiny metrics registry: counters, gauges and histograms with labels, written out in the
 * Prometheus text exposition format (version 0.0.4) for the daemon's GET /metrics.
 *
 * A registry is an explicit object (libraries keep no globals): the daemon owns one and hands it,
 * borrowed, to whoever records (the round pipeline, the fetcher, the pin workers' collector).
 * Families are declared once by name; declaring the same name again with the same type and labels
 * returns the same family, so two recorders may declare what they use without coordinating.
 *
 *   struct ob_metric *rounds;
 *   ob_metrics_counter(m, &rounds, "obridge_rounds_total", "rounds by outcome", "outcome", &err);
 *   ob_metric_add(rounds, (const char *[]){"committed"}, 1);
 *
 * Label values are given as an array with one entry per label the family declared (NULL when it
 * has none); they are copied. Collectors registered with ob_metrics_on_collect run at the start
 * of every ob_metrics_write, to refresh gauges read from elsewhere (queue sizes, endpoint health).
 *
 * Rules: not thread-safe (the loop's thread only); err may be NULL; a family pointer stays valid
 * until ob_metrics_free. Recording allocates only for a label set not seen before. */
#ifndef OB_CORE_METRICS_H
#define OB_CORE_METRICS_H
#include <stddef.h>

struct ob_err;
struct ob_buf;
struct ob_metrics;
struct ob_metric;

#define OB_METRIC_MAX_LABELS 4

/* Returns: 0; OB_ENOMEM. *out owned (ob_metrics_free; NULL is a no-op). */
int ob_metrics_new(struct ob_metrics **out, struct ob_err *err);
void ob_metrics_free(struct ob_metrics *m);

/* Declare a family. name: [a-zA-Z_:][a-zA-Z0-9_:]*; labels: NULL or "a,b" (at most
 * OB_METRIC_MAX_LABELS names of [a-zA-Z_][a-zA-Z0-9_]*, "le" not allowed). Histogram bounds are
 * strictly increasing, at most 32 (+Inf is implied).
 * Returns: 0 (*out the family); OB_EINVAL for a bad name, label or bounds, or a name already
 * declared with another type or labels; OB_ENOMEM. */
int ob_metrics_counter(struct ob_metrics *m, struct ob_metric **out, const char *name, const char *help,
                       const char *labels, struct ob_err *err);
int ob_metrics_gauge(struct ob_metrics *m, struct ob_metric **out, const char *name, const char *help,
                     const char *labels, struct ob_err *err);
int ob_metrics_histogram(struct ob_metrics *m, struct ob_metric **out, const char *name, const char *help,
                         const char *labels, const double *bounds, size_t nbounds, struct ob_err *err);

/* Record. lv: one value per declared label (borrowed for the call). add: counters (v >= 0) and
 * gauges; set: gauges; observe: histograms. Returns 0; OB_EINVAL (wrong kind, a negative counter
 * increment, NaN); OB_ENOMEM. */
int ob_metric_add(struct ob_metric *f, const char *const *lv, double v);
int ob_metric_set(struct ob_metric *f, const char *const *lv, double v);
int ob_metric_observe(struct ob_metric *f, const char *const *lv, double v);
/* Drop every series of a family (a gauge snapshot about to be refilled: states that vanished). */
void ob_metric_clear(struct ob_metric *f);
/* The current value of a counter or gauge series (tests, health); 0 when it does not exist. */
double ob_metric_value(const struct ob_metric *f, const char *const *lv);

/* Run fn(ud, m) at the start of every write. Returns 0; OB_ENOMEM. */
int ob_metrics_on_collect(struct ob_metrics *m, void (*fn)(void *ud, struct ob_metrics *m), void *ud);

/* Append the exposition text (HELP and TYPE lines, then each series) to out.
 * Returns 0; the buffer's error (OB_ELIMIT / OB_ENOMEM). */
int ob_metrics_write(struct ob_metrics *m, struct ob_buf *out);
#endif
