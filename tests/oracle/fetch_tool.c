/* fetch_tool: fetch every feed of a feeds file several times on ONE fetcher (what a daemon does),
 * for tests of what lasts between fetches: 429 backoff, connection reuse, HTTP/2 multiplexing.
 *   fetch_tool [--ca FILE] [--repeat N] [--sleep-ms MS] [--max-per-host N] FEEDS.json
 * Prints one JSON line per observation: {"round","feed","source","rc","status","version","reused",
 * "raw","value","error","retry_after_ms","latency_ms"}. Exit 0 unless the tool itself failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/node/oracle_loop.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/fetch.h"

struct run {
  bool done;
  int round;
};

static void on_fetched(void *ud, struct oracle_obs *obs, size_t n) {
  struct run *r = ud;
  for (size_t i = 0; i < n; i++) {
    const struct oracle_obs *o = &obs[i];
    char v[CHAIN_U256_DEC_MAX];
    struct ob_buf b;
    struct ob_jw w;
    ob_buf_init(&b, 1 << 16);
    ob_jw_init(&w, &b, false);
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "round");
    ob_jw_i64(&w, r->round);
    ob_jw_key(&w, "feed");
    ob_jw_str(&w, o->feed->name);
    ob_jw_key(&w, "source");
    ob_jw_str(&w, o->source->name);
    ob_jw_key(&w, "rc");
    ob_jw_str(&w, o->rc ? ob_errname(o->rc) : "ok");
    ob_jw_key(&w, "status");
    ob_jw_i64(&w, o->http_status);
    ob_jw_key(&w, "version");
    ob_jw_i64(&w, o->http_version);
    ob_jw_key(&w, "reused");
    ob_jw_bool(&w, o->reused);
    ob_jw_key(&w, "raw");
    ob_jw_str(&w, o->raw);
    ob_jw_key(&w, "value");
    ob_jw_str(&w, o->rc ? NULL : oracle_value_to_text(v, &o->value));
    ob_jw_key(&w, "error");
    ob_jw_str(&w, o->error);
    ob_jw_key(&w, "retry_after_ms");
    ob_jw_u64(&w, o->retry_after_ms);
    ob_jw_key(&w, "latency_ms");
    ob_jw_u64(&w, o->latency_ms);
    ob_jw_obj_end(&w);
    if (ob_jw_finish(&w) == 0) printf("%.*s\n", (int)b.len, b.buf);
    ob_buf_release(&b);
  }
  fflush(stdout);
  r->done = true;
}

int main(int argc, char **argv) {
  struct oracle_fetch_opts o;
  struct oracle_feedset fs;
  struct oracle_fetcher *f = NULL;
  struct chain_loop *l = NULL;
  struct oracle_loop ol;
  struct ob_json *doc = NULL;
  struct ob_buf text;
  struct ob_err err;
  const struct oracle_feed **feeds = NULL;
  long repeat = 1, sleep_ms = 0;
  int i = 1, rc;
  oracle_fetch_opts_init(&o);
  for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    if (strcmp(argv[i], "--ca") == 0) o.ca_file = argv[i + 1];
    else if (strcmp(argv[i], "--repeat") == 0) repeat = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--sleep-ms") == 0) sleep_ms = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--max-per-host") == 0) o.max_per_host = (unsigned)strtoul(argv[i + 1], NULL, 10);
    else break;
  }
  if (i != argc - 1) {
    fprintf(stderr, "usage: fetch_tool [--ca FILE] [--repeat N] [--sleep-ms MS] [--max-per-host N] FEEDS.json\n");
    return 2;
  }
  ob_err_clear(&err);
  oracle_feedset_init(&fs);
  ob_buf_init(&text, 16 << 20);
  rc = ob_file_read(argv[i], &text, 16 << 20, &err);
  if (!rc) rc = ob_json_parse(&doc, text.buf, text.len, NULL, &err);
  if (!rc) rc = oracle_feedset_add_json(&fs, doc, argv[i], &err);
  if (!rc) rc = chain_loop_new(&l, &err);
  if (!rc) {
    node_oracle_loop(&ol, l);
    rc = oracle_fetcher_new(&f, &ol, &o, &err);
  }
  if (!rc && !(feeds = calloc(fs.n ? fs.n : 1, sizeof(*feeds)))) rc = OB_ENOMEM;
  for (size_t k = 0; !rc && k < fs.n; k++) feeds[k] = &fs.feeds[k];
  for (long r = 0; !rc && r < repeat; r++) {
    struct run run = {.round = (int)r};
    if (r && sleep_ms) ob_sleep_ms((uint64_t)sleep_ms);
    rc = oracle_fetch(f, feeds, fs.n, on_fetched, &run, &err);
    if (!rc && !chain_loop_run_until(l, &run.done)) rc = ob_err_set(&err, OB_EIO, "the loop stopped");
  }
  if (rc) fprintf(stderr, "fetch_tool: %s\n", ob_err_msg(&err, rc));
  oracle_fetcher_free(f);
  chain_loop_free(l);
  free(feeds);
  ob_json_free(doc);
  ob_buf_release(&text);
  oracle_feedset_release(&fs);
  return rc ? 1 : 0;
}
