/* The metrics registry and its Prometheus text writer. Series are kept in a plain array per
 * family and found by a linear scan: a family holds at most a few thousand series (one per feed),
 * recorded once per round, so a hash would buy nothing measurable. */
#include "ob/core/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"

#define MAX_BOUNDS 32

enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM };

struct series {
  char *lv[OB_METRIC_MAX_LABELS];
  double value;    /* counter, gauge; histogram: the sum */
  uint64_t count;  /* histogram */
  uint64_t *buckets; /* histogram: one per bound (not cumulative), +Inf is count */
};

struct ob_metric {
  enum kind kind;
  char *name, *help;
  char *labels[OB_METRIC_MAX_LABELS];
  size_t nlabels;
  double bounds[MAX_BOUNDS];
  size_t nbounds;
  struct series *s;
  size_t n, cap;
};

struct collector {
  void (*fn)(void *ud, struct ob_metrics *m);
  void *ud;
};

struct ob_metrics {
  struct ob_metric **f;
  size_t n, cap;
  struct collector *c;
  size_t nc;
};

int ob_metrics_new(struct ob_metrics **out, struct ob_err *err) {
  *out = ob_calloc(1, sizeof(**out));
  return *out ? 0 : ob_err_set(err, OB_ENOMEM, "cannot create the metrics registry: out of memory");
}

static void series_release(struct series *s, size_t nlabels) {
  for (size_t i = 0; i < nlabels; i++) ob_free(s->lv[i]);
  ob_free(s->buckets);
}

void ob_metric_clear(struct ob_metric *f) {
  for (size_t i = 0; i < f->n; i++) series_release(&f->s[i], f->nlabels);
  f->n = 0;
}

static void family_free(struct ob_metric *f) {
  ob_metric_clear(f);
  ob_free(f->s);
  for (size_t i = 0; i < f->nlabels; i++) ob_free(f->labels[i]);
  ob_free(f->name);
  ob_free(f->help);
  ob_free(f);
}

void ob_metrics_free(struct ob_metrics *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) family_free(m->f[i]);
  ob_free(m->f);
  ob_free(m->c);
  ob_free(m);
}

static bool name_ok(const char *s, size_t n, bool colon) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

/* Split "a,b" into f->labels. */
static int parse_labels(struct ob_metric *f, const char *labels, struct ob_err *err) {
  const char *p = labels;
  while (p && *p) {
    size_t n = strcspn(p, ",");
    if (f->nlabels == OB_METRIC_MAX_LABELS)
      return ob_err_set(err, OB_EINVAL, "metric '%s': more than %d labels", f->name, OB_METRIC_MAX_LABELS);
    if (!name_ok(p, n, false) || (n == 2 && strncmp(p, "le", 2) == 0) || (n >= 2 && strncmp(p, "__", 2) == 0))
      return ob_err_set(err, OB_EINVAL, "metric '%s': bad label name '%.*s'", f->name, (int)n, p);
    f->labels[f->nlabels] = ob_malloc(n + 1);
    if (!f->labels[f->nlabels]) return ob_err_set(err, OB_ENOMEM, "out of memory");
    memcpy(f->labels[f->nlabels], p, n);
    f->labels[f->nlabels++][n] = 0;
    p += n;
    if (*p == ',') p++;
  }
  return 0;
}

static bool same_shape(const struct ob_metric *a, const struct ob_metric *b) {
  if (a->kind != b->kind || a->nlabels != b->nlabels || a->nbounds != b->nbounds) return false;
  for (size_t i = 0; i < a->nlabels; i++)
    if (strcmp(a->labels[i], b->labels[i]) != 0) return false;
  for (size_t i = 0; i < a->nbounds; i++)
    if (a->bounds[i] != b->bounds[i]) return false;
  return true;
}

static int check_bounds(const char *name, const double *bounds, size_t n, struct ob_err *err) {
  if (n > MAX_BOUNDS) return ob_err_set(err, OB_EINVAL, "metric '%s': more than %d buckets", name, MAX_BOUNDS);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      return ob_err_set(err, OB_EINVAL, "metric '%s': bucket bounds must be finite and increasing", name);
  return 0;
}

static int declare(struct ob_metrics *m, struct ob_metric **out, enum kind kind, const char *name, const char *help,
                   const char *labels, const double *bounds, size_t nbounds, struct ob_err *err) {
  struct ob_metric *f;
  int rc;
  if (!name || !name_ok(name, strlen(name), true)) return ob_err_set(err, OB_EINVAL, "bad metric name '%s'", name ? name : "");
  if ((rc = check_bounds(name, bounds, nbounds, err))) return rc;
  if (!(f = ob_calloc(1, sizeof(*f)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  f->kind = kind;
  f->name = ob_strdup(name);
  f->help = ob_strdup(help ? help : "");
  f->nbounds = nbounds;
  if (nbounds) memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
  rc = !f->name || !f->help ? ob_err_set(err, OB_ENOMEM, "out of memory") : parse_labels(f, labels, err);
  for (size_t i = 0; !rc && i < m->n; i++) {
    if (strcmp(m->f[i]->name, name) != 0) continue;
    if (!same_shape(m->f[i], f)) rc = ob_err_set(err, OB_EINVAL, "metric '%s' already declared with another type or labels", name);
    else *out = m->f[i];
    family_free(f);
    return rc;
  }
  if (!rc && m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct ob_metric **nf = ob_realloc(m->f, cap * sizeof(*nf));
    if (!nf) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    else m->f = nf, m->cap = cap;
  }
  if (rc) {
    family_free(f);
    return rc;
  }
  m->f[m->n++] = f;
  *out = f;
  return 0;
}

int ob_metrics_counter(struct ob_metrics *m, struct ob_metric **out, const char *name, const char *help,
                       const char *labels, struct ob_err *err) {
  return declare(m, out, K_COUNTER, name, help, labels, NULL, 0, err);
}
int ob_metrics_gauge(struct ob_metrics *m, struct ob_metric **out, const char *name, const char *help,
                     const char *labels, struct ob_err *err) {
  return declare(m, out, K_GAUGE, name, help, labels, NULL, 0, err);
}
int ob_metrics_histogram(struct ob_metrics *m, struct ob_metric **out, const char *name, const char *help,
                         const char *labels, const double *bounds, size_t nbounds, struct ob_err *err) {
  return declare(m, out, K_HISTOGRAM, name, help, labels, bounds, nbounds, err);
}

static struct series *find(const struct ob_metric *f, const char *const *lv) {
  for (size_t i = 0; i < f->n; i++) {
    size_t k = 0;
    while (k < f->nlabels && strcmp(f->s[i].lv[k], lv[k] ? lv[k] : "") == 0) k++;
    if (k == f->nlabels) return &f->s[i];
  }
  return NULL;
}

/* The series of lv, created (zero) when new; NULL when out of memory. */
static struct series *get(struct ob_metric *f, const char *const *lv) {
  struct series *s = find(f, lv);
  if (s) return s;
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 4;
    struct series *ns = ob_realloc(f->s, cap * sizeof(*ns));
    if (!ns) return NULL;
    f->s = ns, f->cap = cap;
  }
  s = &f->s[f->n];
  memset(s, 0, sizeof(*s));
  for (size_t k = 0; k < f->nlabels; k++)
    if (!(s->lv[k] = ob_strdup(lv[k] ? lv[k] : ""))) goto out_free;
  if (f->kind == K_HISTOGRAM && f->nbounds && !(s->buckets = ob_calloc(f->nbounds, sizeof(*s->buckets))))
    goto out_free;
  f->n++;
  return s;
out_free:
  series_release(s, f->nlabels);
  return NULL;
}

int ob_metric_add(struct ob_metric *f, const char *const *lv, double v) {
  struct series *s;
  if (f->kind == K_HISTOGRAM || isnan(v) || (f->kind == K_COUNTER && v < 0)) return OB_EINVAL;
  if (!(s = get(f, lv))) return OB_ENOMEM;
  s->value += v;
  return 0;
}

int ob_metric_set(struct ob_metric *f, const char *const *lv, double v) {
  struct series *s;
  if (f->kind != K_GAUGE || isnan(v)) return OB_EINVAL;
  if (!(s = get(f, lv))) return OB_ENOMEM;
  s->value = v;
  return 0;
}

int ob_metric_observe(struct ob_metric *f, const char *const *lv, double v) {
  struct series *s;
  if (f->kind != K_HISTOGRAM || isnan(v)) return OB_EINVAL;
  if (!(s = get(f, lv))) return OB_ENOMEM;
  for (size_t i = 0; i < f->nbounds; i++)
    if (v <= f->bounds[i]) {
      s->buckets[i]++;
      break;
    }
  s->count++;
  s->value += v;
  return 0;
}

double ob_metric_value(const struct ob_metric *f, const char *const *lv) {
  const struct series *s = find(f, lv);
  return s ? s->value : 0;
}

int ob_metrics_on_collect(struct ob_metrics *m, void (*fn)(void *ud, struct ob_metrics *m), void *ud) {
  struct collector *c = ob_realloc(m->c, (m->nc + 1) * sizeof(*c));
  if (!c) return OB_ENOMEM;
  m->c = c;
  c[m->nc].fn = fn;
  c[m->nc++].ud = ud;
  return 0;
}

/* ---- the text format ---- */

/* The writer keeps the first append error: a failed append empties the buffer (buf.h), and what
 * follows must not then fill it with half a page. */
struct w {
  struct ob_buf *b;
  int rc;
};

static void put(struct w *w, const char *s) {
  if (!w->rc) w->rc = ob_buf_addstr(w->b, s);
}

static void putf(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct w *w, const char *fmt, ...) {
  va_list ap;
  if (w->rc) return;
  va_start(ap, fmt);
  w->rc = ob_buf_vaddf(w->b, fmt, ap);
  va_end(ap);
}

/* A sample value: integers as integers, others with enough digits to round-trip. */
static void put_number(struct w *w, double v) {
  if (isinf(v)) put(w, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor(v) && fabs(v) < 1e15) putf(w, "%.0f", v);
  else putf(w, "%.17g", v);
}

/* HELP text escapes backslash and newline; label values also the double quote. */
static void put_escaped(struct w *w, const char *s, bool quote) {
  for (; *s; s++) {
    if (*s == '\\') put(w, "\\\\");
    else if (*s == '\n') put(w, "\\n");
    else if (quote && *s == '"') put(w, "\\\"");
    else putf(w, "%c", *s);
  }
}

/* name{a="x",b="y"[,le="…"]} */
static void put_series_name(struct w *w, const struct ob_metric *f, const struct series *s, const char *suffix,
                            const char *le) {
  putf(w, "%s%s", f->name, suffix);
  if (!f->nlabels && !le) return;
  put(w, "{");
  for (size_t k = 0; k < f->nlabels; k++) {
    putf(w, "%s%s=\"", k ? "," : "", f->labels[k]);
    put_escaped(w, s->lv[k], true);
    put(w, "\"");
  }
  if (le) putf(w, "%sle=\"%s\"", f->nlabels ? "," : "", le);
  put(w, "}");
}

static void write_histogram(struct w *w, const struct ob_metric *f, const struct series *s) {
  uint64_t cum = 0;
  char le[40];
  for (size_t i = 0; i < f->nbounds; i++) {
    cum += s->buckets[i];
    snprintf(le, sizeof(le), "%.15g", f->bounds[i]); /* the bounds as written: 0.1, not 0.10000000000000001 */
    put_series_name(w, f, s, "_bucket", le);
    putf(w, " %llu\n", (unsigned long long)cum);
  }
  put_series_name(w, f, s, "_bucket", "+Inf");
  putf(w, " %llu\n", (unsigned long long)s->count);
  put_series_name(w, f, s, "_sum", NULL);
  put(w, " ");
  put_number(w, s->value);
  put(w, "\n");
  put_series_name(w, f, s, "_count", NULL);
  putf(w, " %llu\n", (unsigned long long)s->count);
}

static void write_family(struct w *w, const struct ob_metric *f) {
  static const char *const types[] = {"counter", "gauge", "histogram"};
  putf(w, "# HELP %s ", f->name);
  put_escaped(w, f->help, false);
  putf(w, "\n# TYPE %s %s\n", f->name, types[f->kind]);
  for (size_t i = 0; i < f->n; i++) {
    if (f->kind == K_HISTOGRAM) {
      write_histogram(w, f, &f->s[i]);
      continue;
    }
    put_series_name(w, f, &f->s[i], "", NULL);
    put(w, " ");
    put_number(w, f->s[i].value);
    put(w, "\n");
  }
}

int ob_metrics_write(struct ob_metrics *m, struct ob_buf *out) {
  struct w w = {out, 0};
  for (size_t i = 0; i < m->nc; i++) m->c[i].fn(m->c[i].ud, m);
  for (size_t i = 0; i < m->n && !w.rc; i++) write_family(&w, m->f[i]);
  return w.rc;
}
