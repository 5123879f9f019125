/* Gap-free log watching: subscriptions only wake us up; eth_getLogs over [cursor+1, head] in
 * bounded ranges does the handover, and the cursor is saved after each range. */
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/watch.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"

struct chain_watch {
  struct chain_rpc *rpc;
  struct chain_watch_store store;
  struct chain_watch_cbs cbs;
  void *ud;
  char *name;
  struct ob_json *filter;
  uint64_t max_range;
  bool has_next;
  uint64_t next;   /* first block not handed over yet; valid if has_next */
  uint64_t logs_id, head_id; /* requests in flight (0 = none), canceled by chain_watch_free */
  uint64_t head;
  bool head_known;
  bool busy, again;
  uint64_t range_to; /* of the eth_getLogs in flight */
  uint64_t sub_heads, sub_logs;
};

void chain_watch_opts_init(struct chain_watch_opts *o) {
  memset(o, 0, sizeof(*o));
  o->max_range = 1000;
}

static void report(struct chain_watch *w, int rc, const struct ob_err *err) {
  OB_LOG(OB_LOG_WARN, "chain", "log watcher error", "watcher", w->name, "error", ob_err_msg(err, rc), NULL);
  if (w->cbs.on_error) w->cbs.on_error(w->ud, rc, err);
}

static void catch_up(struct chain_watch *w);

static int build_range(struct chain_watch *w, struct ob_buf *b, uint64_t from, uint64_t to) {
  struct ob_jw jw;
  char hex[24];
  ob_jw_init(&jw, b, false);
  ob_jw_arr_begin(&jw);
  ob_jw_obj_begin(&jw);
  snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)from);
  ob_jw_key(&jw, "fromBlock");
  ob_jw_str(&jw, hex);
  snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)to);
  ob_jw_key(&jw, "toBlock");
  ob_jw_str(&jw, hex);
  for (size_t i = 0; i < w->filter->len; i++) {
    if (!strcmp(w->filter->keys[i], "fromBlock") || !strcmp(w->filter->keys[i], "toBlock")) continue;
    ob_jw_key(&jw, w->filter->keys[i]);
    ob_jw_value(&jw, w->filter->items[i]);
  }
  ob_jw_obj_end(&jw);
  ob_jw_arr_end(&jw);
  return ob_jw_finish(&jw);
}

static void logs_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_watch *w = ud;
  struct ob_err serr;
  if (rc == OB_ECANCELED) return; /* client going away */
  w->busy = false;
  w->logs_id = 0;
  if (rc == 0 && !ob_json_is(result, OB_JSON_ARRAY))
    rc = ob_err_set(&serr, OB_EPARSE, "eth_getLogs result: expected an array, got %s", ob_json_type_name(result->type)), err = &serr;
  if (rc) {
    report(w, rc, err);
    return; /* the next head or subscription renewal tries again */
  }
  for (size_t i = 0; i < result->len; i++) w->cbs.on_log(w->ud, result->items[i]);
  ob_err_clear(&serr);
  rc = w->store.save_cursor(w->store.ud, w->name, w->range_to, &serr);
  if (rc) {
    report(w, rc, &serr);
    return;
  }
  w->next = w->range_to + 1;
  if (w->cbs.on_progress) w->cbs.on_progress(w->ud, w->range_to);
  catch_up(w);
}

static void catch_up(struct chain_watch *w) {
  struct ob_buf params;
  struct ob_err err;
  uint64_t from, to;
  int rc;
  if (w->busy || !w->head_known) return;
  if (!w->has_next) { /* no saved cursor and no start block: start at the head */
    w->next = w->head;
    w->has_next = true;
  }
  if (w->next > w->head) return;
  from = w->next;
  to = w->head - from + 1 > w->max_range ? from + w->max_range - 1 : w->head;
  ob_buf_init(&params, 1 << 20);
  ob_err_clear(&err);
  rc = build_range(w, &params, from, to);
  if (!rc) rc = chain_rpc_call(w->rpc, "eth_getLogs", params.buf, 0, 0, logs_reply, w, &w->logs_id, &err);
  ob_buf_release(&params);
  if (rc) {
    report(w, rc, &err);
    return;
  }
  w->busy = true;
  w->range_to = to;
}

static void set_head(struct chain_watch *w, uint64_t head) {
  if (!w->head_known || head > w->head) w->head = head;
  w->head_known = true;
  catch_up(w);
}

static void head_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_watch *w = ud;
  uint64_t n;
  if (rc == OB_ECANCELED) return;
  w->head_id = 0;
  if (rc == 0 && chain_json_quantity(result, &n, "eth_blockNumber result", NULL) == 0) set_head(w, n);
  else if (rc) report(w, rc, err);
}

static void ask_head(struct chain_watch *w) {
  struct ob_err err;
  int rc;
  if (w->head_id) return;
  rc = chain_rpc_call(w->rpc, "eth_blockNumber", "[]", 0, 0, head_reply, w, &w->head_id, &err);
  if (rc) report(w, rc, &err);
}

static void on_head(void *ud, const struct ob_json *result) {
  struct chain_watch *w = ud;
  uint64_t n;
  if (chain_json_quantity(ob_json_get(result, "number"), &n, "newHeads number", NULL) == 0) set_head(w, n);
}

static void on_log_note(void *ud, const struct ob_json *result) {
  struct chain_watch *w = ud;
  uint64_t n;
  if (chain_json_quantity(ob_json_get(result, "blockNumber"), &n, "log blockNumber", NULL) == 0) set_head(w, n);
}

static void on_sub_state(void *ud, enum chain_sub_event ev, const struct ob_err *err) {
  struct chain_watch *w = ud;
  /* (Re)subscribed: what happened in between is fetched from the cursor on. */
  if (ev == CHAIN_SUB_READY) ask_head(w);
}

static int load(struct chain_watch *w, const struct chain_watch_opts *o, struct ob_err *err) {
  bool found = false;
  uint64_t block = 0;
  int rc = w->store.load_cursor(w->store.ud, w->name, &block, &found, err);
  if (rc) return rc;
  if (found) {
    w->next = block + 1;
    w->has_next = true;
  } else if (o->has_start_block) {
    w->next = o->start_block;
    w->has_next = true;
  }
  return 0;
}

int chain_watch_new(struct chain_watch **out, struct chain_rpc *rpc, const struct chain_watch_opts *o,
                    const struct chain_watch_store *store, const struct chain_watch_cbs *cbs, void *ud,
                    struct ob_err *err) {
  struct chain_watch *w = ob_calloc(1, sizeof(*w));
  struct chain_sub_cbs heads = {on_head, on_sub_state}, logs = {on_log_note, on_sub_state};
  struct ob_buf p;
  int rc;
  if (!w) return ob_err_set(err, OB_ENOMEM, "out of memory");
  w->rpc = rpc;
  w->store = *store;
  w->cbs = *cbs;
  w->ud = ud;
  w->max_range = o->max_range ? o->max_range : 1000;
  w->name = ob_strdup(o->name ? o->name : "default");
  rc = ob_json_parse(&w->filter, o->filter_json ? o->filter_json : "{}", strlen(o->filter_json ? o->filter_json : "{}"), NULL, err);
  if (!rc && !ob_json_is(w->filter, OB_JSON_OBJECT)) rc = ob_err_set(err, OB_EINVAL, "log filter must be a JSON object");
  if (!rc) rc = load(w, o, err);
  ob_buf_init(&p, 1 << 20);
  if (!rc) rc = chain_rpc_subscribe(rpc, "[\"newHeads\"]", &heads, w, &w->sub_heads, err);
  if (!rc && ob_buf_addf(&p, "[\"logs\",%s]", o->filter_json ? o->filter_json : "{}") == 0)
    rc = chain_rpc_subscribe(rpc, p.buf, &logs, w, &w->sub_logs, err);
  ob_buf_release(&p);
  if (rc) {
    chain_watch_free(w);
    return rc;
  }
  ask_head(w);
  *out = w;
  return 0;
}

void chain_watch_free(struct chain_watch *w) {
  if (!w) return;
  if (w->logs_id) chain_rpc_cancel(w->rpc, w->logs_id);
  if (w->head_id) chain_rpc_cancel(w->rpc, w->head_id);
  if (w->sub_heads) chain_rpc_unsubscribe(w->rpc, w->sub_heads);
  if (w->sub_logs) chain_rpc_unsubscribe(w->rpc, w->sub_logs);
  ob_json_free(w->filter);
  ob_free(w->name);
  ob_free(w);
}

bool chain_watch_cursor(const struct chain_watch *w, uint64_t *block) {
  if (!w->has_next || !w->next) return false;
  *block = w->next - 1;
  return true;
}
