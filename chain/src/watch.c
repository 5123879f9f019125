/* Gap-free log watching: subscriptions only wake us up; eth_getLogs over [cursor+1, head] in
 * bounded ranges does the handover, and the cursor is saved after each range.
 *
 * Reorgs: each range starts by fetching its first block and checking that its parent is the
 * block the cursor was saved at (the hash is kept with the cursor). If it is not, the blocks we
 * handed over were replaced: we walk back through the hashes of the last ranges until one is
 * still on the chain, move the cursor there and hand the replaced range over again. The hash of
 * a range's last block is read before its logs, so a reorg in between shows at the next check
 * (and the logs of that block are checked against it) rather than being missed. */
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/chain/watch.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"

#define HASH_LEN 66 /* "0x" + 64 hex digits */

struct seen { /* a block whose logs were handed over, and its hash then */
  uint64_t block;
  char hash[HASH_LEN + 1];
};

enum step { STEP_IDLE, STEP_CHECK, STEP_HEADER, STEP_LOGS, STEP_WALK };

struct chain_watch {
  struct chain_rpc *rpc;
  struct chain_watch_store store;
  struct chain_watch_cbs cbs;
  void *ud;
  char *name;
  struct ob_json *filter;
  uint64_t max_range;
  uint64_t reorg_depth;
  bool has_start;
  uint64_t start_block;
  bool has_next;
  uint64_t next;   /* first block not handed over yet; valid if has_next */
  uint64_t req_id, head_id; /* requests in flight (0 = none), canceled by chain_watch_free */
  uint64_t head;
  bool head_known;
  bool verify; /* check that the cursor's block is still on the chain even if no block follows it */
  enum step step; /* of the request req_id; STEP_IDLE when none */
  uint64_t range_from, range_to;
  char to_hash[HASH_LEN + 1]; /* of range_to, read before its logs */
  struct seen *seen;          /* range ends handed over, oldest first; at most reorg_depth */
  size_t nseen;
  size_t walk;                /* STEP_WALK: index in seen being checked */
  uint64_t sub_heads, sub_logs;
};

void chain_watch_opts_init(struct chain_watch_opts *o) {
  memset(o, 0, sizeof(*o));
  o->max_range = 1000;
  o->reorg_depth = 64;
}

static void report(struct chain_watch *w, int rc, const struct ob_err *err) {
  OB_LOG(OB_LOG_WARN, "chain", "log watcher error", "watcher", w->name, "error", ob_err_msg(err, rc), NULL);
  if (w->cbs.on_error) w->cbs.on_error(w->ud, rc, err);
}

static void catch_up(struct chain_watch *w);

static bool is_hash(const char *s) { return s && strlen(s) == HASH_LEN && s[0] == '0' && s[1] == 'x'; }

/* The hash we saw for block b, or NULL. */
static const char *seen_hash(const struct chain_watch *w, uint64_t b) {
  for (size_t i = w->nseen; i-- > 0;)
    if (w->seen[i].block == b) return w->seen[i].hash;
  return NULL;
}

static void seen_push(struct chain_watch *w, uint64_t b, const char *hash) {
  if (!is_hash(hash) || !w->reorg_depth) return;
  if (w->nseen == w->reorg_depth) memmove(w->seen, w->seen + 1, --w->nseen * sizeof(*w->seen));
  w->seen[w->nseen].block = b;
  memcpy(w->seen[w->nseen].hash, hash, HASH_LEN + 1);
  w->nseen++;
}

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

static void step_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err);

/* Send the request of step s (params already JSON); on failure the watcher goes idle. */
static void send_step(struct chain_watch *w, enum step s, const char *method, const char *params) {
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  w->step = s;
  rc = chain_rpc_call(w->rpc, method, params, 0, 0, step_reply, w, &w->req_id, &err);
  if (rc) {
    w->step = STEP_IDLE;
    report(w, rc, &err);
  }
}

static void get_block(struct chain_watch *w, enum step s, uint64_t b) {
  char params[48];
  snprintf(params, sizeof(params), "[\"0x%llx\",false]", (unsigned long long)b);
  send_step(w, s, "eth_getBlockByNumber", params);
}

static void get_logs(struct chain_watch *w) {
  struct ob_buf params;
  int rc;
  ob_buf_init(&params, 1 << 20);
  rc = build_range(w, &params, w->range_from, w->range_to);
  if (rc) {
    w->step = STEP_IDLE;
    report(w, rc, NULL);
  } else {
    send_step(w, STEP_LOGS, "eth_getLogs", params.buf);
  }
  ob_buf_release(&params);
}

/* Move the cursor back so that `next` is handed over again, and tell the consumer. */
static void rewind_to(struct chain_watch *w, uint64_t next, const char *hash) {
  struct ob_err err;
  char from[24], was[24];
  int rc = 0;
  ob_err_clear(&err);
  snprintf(from, sizeof(from), "%llu", (unsigned long long)next);
  snprintf(was, sizeof(was), "%llu", (unsigned long long)w->next);
  while (w->nseen && w->seen[w->nseen - 1].block >= next) w->nseen--;
  if (next > 0) rc = w->store.save_cursor(w->store.ud, w->name, next - 1, hash, &err);
  if (rc) report(w, rc, &err); /* the next save moves it on; a crash before rewinds again */
  w->next = next;
  OB_LOG(OB_LOG_WARN, "chain", "reorg: handing logs over again", "watcher", w->name, "from_block", from,
         "was_next", was, NULL);
  if (w->cbs.on_reorg) w->cbs.on_reorg(w->ud, next);
}

/* No hash we kept is on the chain any more: go back reorg_depth blocks before the oldest. */
static void rewind_blind(struct chain_watch *w) {
  uint64_t oldest = w->nseen ? w->seen[0].block : w->next - 1;
  uint64_t next = oldest >= w->reorg_depth ? oldest - w->reorg_depth + 1 : 0;
  if (w->has_start && next < w->start_block) next = w->start_block;
  w->nseen = 0;
  rewind_to(w, next, NULL);
}

/* Check seen[w->walk] against the chain, newest first. */
static void walk_on(struct chain_watch *w) {
  if (w->walk == 0) {
    rewind_blind(w);
    w->step = STEP_IDLE;
    catch_up(w);
    return;
  }
  w->walk--;
  get_block(w, STEP_WALK, w->seen[w->walk].block);
}

static void walk_reply(struct chain_watch *w, const struct ob_json *block) {
  struct seen *s = &w->seen[w->walk];
  const char *hash = ob_json_string(ob_json_get(block, "hash"));
  if (!hash || strcmp(hash, s->hash) != 0) {
    walk_on(w);
    return;
  }
  w->step = STEP_IDLE;
  if (s->block + 1 != w->next) rewind_to(w, s->block + 1, s->hash);
  else w->head = s->block; /* the chain is only shorter: wait for it to grow past the cursor */
  catch_up(w);
}

static void start_walk(struct chain_watch *w) {
  w->walk = w->nseen;
  walk_on(w);
}

static void check_reply(struct chain_watch *w, const struct ob_json *block) {
  const char *parent = ob_json_string(ob_json_get(block, "parentHash"));
  const char *want = w->range_from > 0 ? seen_hash(w, w->range_from - 1) : NULL;
  if (!ob_json_is(block, OB_JSON_OBJECT) && !want) { /* the head went back: wait for it */
    w->step = STEP_IDLE;
    w->head = w->range_from - 1;
    return;
  }
  if (!ob_json_is(block, OB_JSON_OBJECT) || !parent || (want && strcmp(parent, want) != 0)) {
    start_walk(w);
    return;
  }
  if (w->range_from == w->range_to) {
    const char *hash = ob_json_string(ob_json_get(block, "hash"));
    snprintf(w->to_hash, sizeof(w->to_hash), "%s", hash ? hash : "");
    get_logs(w);
  } else {
    get_block(w, STEP_HEADER, w->range_to);
  }
}

static void header_reply(struct chain_watch *w, const struct ob_json *block) {
  const char *hash = ob_json_string(ob_json_get(block, "hash"));
  if (!ob_json_is(block, OB_JSON_OBJECT)) { /* the head went back: learn it again */
    w->step = STEP_IDLE;
    w->head = w->range_to - 1;
    catch_up(w);
    return;
  }
  snprintf(w->to_hash, sizeof(w->to_hash), "%s", hash ? hash : "");
  get_logs(w);
}

/* Does the range's last block in these logs have the hash read before them? */
static bool logs_match(const struct chain_watch *w, const struct ob_json *logs) {
  for (size_t i = 0; i < logs->len; i++) {
    const char *h = ob_json_string(ob_json_get(logs->items[i], "blockHash"));
    uint64_t b;
    if (chain_json_quantity(ob_json_get(logs->items[i], "blockNumber"), &b, "log blockNumber", NULL) == 0 &&
        b == w->range_to && h && w->to_hash[0] && strcmp(h, w->to_hash) != 0)
      return false;
  }
  return true;
}

static void logs_done(struct chain_watch *w, const struct ob_json *logs) {
  struct ob_err err;
  int rc;
  w->step = STEP_IDLE;
  if (!logs_match(w, logs)) { /* reorged between the two reads: read the range again */
    catch_up(w);
    return;
  }
  for (size_t i = 0; i < logs->len; i++) w->cbs.on_log(w->ud, logs->items[i]);
  ob_err_clear(&err);
  rc = w->store.save_cursor(w->store.ud, w->name, w->range_to, is_hash(w->to_hash) ? w->to_hash : NULL, &err);
  if (rc) {
    report(w, rc, &err);
    return;
  }
  seen_push(w, w->range_to, w->to_hash);
  w->next = w->range_to + 1;
  if (w->cbs.on_progress) w->cbs.on_progress(w->ud, w->range_to);
  catch_up(w);
}

static void step_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_watch *w = ud;
  struct ob_err serr;
  enum step s = w->step;
  if (rc == OB_ECANCELED) return; /* client going away */
  w->req_id = 0;
  if (rc == 0 && s == STEP_LOGS && !ob_json_is(result, OB_JSON_ARRAY))
    rc = ob_err_set(&serr, OB_EPARSE, "eth_getLogs result: expected an array, got %s", ob_json_type_name(result->type)), err = &serr;
  if (rc) {
    w->step = STEP_IDLE;
    report(w, rc, err);
    return; /* the next head or subscription renewal tries again */
  }
  if (s == STEP_CHECK) check_reply(w, result);
  else if (s == STEP_HEADER) header_reply(w, result);
  else if (s == STEP_WALK) walk_reply(w, result);
  else logs_done(w, result);
}

static void catch_up(struct chain_watch *w) {
  if (w->step != STEP_IDLE || !w->head_known) return;
  if (!w->has_next) { /* no saved cursor and no start block: start at the head */
    w->next = w->head;
    w->has_next = true;
  }
  if (w->next > w->head) { /* a reorg may have replaced blocks up to the head without a new one */
    if (w->verify && w->nseen) {
      w->verify = false;
      start_walk(w);
    }
    return;
  }
  w->range_from = w->next;
  w->range_to = w->head - w->next + 1 > w->max_range ? w->next + w->max_range - 1 : w->head;
  w->to_hash[0] = '\0';
  if (w->next > 0 && seen_hash(w, w->next - 1)) get_block(w, STEP_CHECK, w->range_from);
  else if (w->range_from == w->range_to) get_block(w, STEP_CHECK, w->range_from); /* reads the hash too */
  else get_block(w, STEP_HEADER, w->range_to);
}

/* exact: the head as the node says it is (it may go back); else a block seen, so at least this. */
static void set_head(struct chain_watch *w, uint64_t head, bool exact) {
  if (!w->head_known || head > w->head || exact) w->head = head;
  w->head_known = true;
  if (exact && w->has_next && head < w->next) w->verify = true;
  catch_up(w);
}

static void head_reply(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_watch *w = ud;
  uint64_t n;
  if (rc == OB_ECANCELED) return;
  w->head_id = 0;
  if (rc == 0 && chain_json_quantity(result, &n, "eth_blockNumber result", NULL) == 0) set_head(w, n, true);
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
  if (chain_json_quantity(ob_json_get(result, "number"), &n, "newHeads number", NULL) == 0) set_head(w, n, true);
}

static void on_log_note(void *ud, const struct ob_json *result) {
  struct chain_watch *w = ud;
  uint64_t n;
  if (chain_json_quantity(ob_json_get(result, "blockNumber"), &n, "log blockNumber", NULL) == 0) set_head(w, n, false);
}

static void on_sub_state(void *ud, enum chain_sub_event ev, const struct ob_err *err) {
  struct chain_watch *w = ud;
  (void)err;
  /* (Re)subscribed: what happened in between is fetched from the cursor on. */
  if (ev == CHAIN_SUB_READY) ask_head(w);
}

static int load(struct chain_watch *w, const struct chain_watch_opts *o, struct ob_err *err) {
  bool found = false;
  uint64_t block = 0;
  char hash[HASH_LEN + 1] = "";
  int rc = w->store.load_cursor(w->store.ud, w->name, &block, hash, &found, err);
  if (rc) return rc;
  if (found) {
    w->next = block + 1;
    w->has_next = true;
    seen_push(w, block, hash);
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
  const char *filter = o->filter_json ? o->filter_json : "{}";
  struct ob_buf p;
  int rc;
  if (!w) return ob_err_set(err, OB_ENOMEM, "out of memory");
  w->rpc = rpc;
  w->store = *store;
  w->cbs = *cbs;
  w->ud = ud;
  w->max_range = o->max_range ? o->max_range : 1000;
  w->reorg_depth = o->reorg_depth;
  w->has_start = o->has_start_block;
  w->start_block = o->start_block;
  w->name = ob_strdup(o->name ? o->name : "default");
  w->seen = ob_calloc(w->reorg_depth ? w->reorg_depth : 1, sizeof(*w->seen));
  if (!w->name || !w->seen) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
  else rc = ob_json_parse(&w->filter, filter, strlen(filter), NULL, err);
  if (!rc && !ob_json_is(w->filter, OB_JSON_OBJECT)) rc = ob_err_set(err, OB_EINVAL, "log filter must be a JSON object");
  if (!rc) rc = load(w, o, err);
  ob_buf_init(&p, 1 << 20);
  if (!rc) rc = chain_rpc_subscribe(rpc, "[\"newHeads\"]", &heads, w, &w->sub_heads, err);
  if (!rc && ob_buf_addf(&p, "[\"logs\",%s]", filter) == 0)
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
  if (w->req_id) chain_rpc_cancel(w->rpc, w->req_id);
  if (w->head_id) chain_rpc_cancel(w->rpc, w->head_id);
  if (w->sub_heads) chain_rpc_unsubscribe(w->rpc, w->sub_heads);
  if (w->sub_logs) chain_rpc_unsubscribe(w->rpc, w->sub_logs);
  ob_json_free(w->filter);
  ob_free(w->seen);
  ob_free(w->name);
  ob_free(w);
}

bool chain_watch_cursor(const struct chain_watch *w, uint64_t *block) {
  if (!w->has_next || !w->next) return false;
  *block = w->next - 1;
  return true;
}
