/* JSON-RPC client for EVM endpoints: websocket (ws://, wss:// with verified TLS) through
 * libwebsockets, HTTP (http://, https://) through curl multi, all on one struct chain_loop.
 *
 * - Many requests in flight on one connection; replies are matched by id, in any order; batches.
 * - Messages are reassembled up to opts.max_message bytes; a larger reply fails its request with
 *   OB_ELIMIT (or drops the connection when its id cannot be read).
 * - Per-request timeouts (OB_ETIMEDOUT); websocket ping every keepalive interval and a connection
 *   that stays silent for 2 × keepalive is dropped.
 * - Reconnect with jittered exponential backoff. Requests in flight on a lost connection are sent
 *   again when they are safe to repeat (reads, eth_sendRawTransaction: the same bytes have the same
 *   hash); the others fail with OB_EUNREACH "… may or may not have taken effect".
 * - Several endpoints: each is checked (chain id, head block) every health interval and is alive,
 *   out of sync (head more than max_lag_blocks behind the best) or unreachable; requests go to the
 *   first alive endpoint in configuration order, so traffic comes back to a preferred endpoint
 *   when it recovers.
 * - JSON-RPC error objects become OB_EPEER (OB_EREVERT for reverts) with err->rpc_code, the
 *   server's message and the revert reason decoded (Error(string), Panic(uint256)) or the raw data.
 *
 * Threads: everything runs on the loop's thread. Callbacks are never invoked from inside the
 * call that schedules them, and a call that fails never invokes its callback. */
#ifndef OB_CHAIN_RPC_H
#define OB_CHAIN_RPC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_buf;
struct ob_json;
struct chain_loop;
struct chain_rpc;
struct chain_u256;

struct chain_rpc_opts {
  const char *const *urls; /* endpoints in order of preference (copied by chain_rpc_new) */
  size_t nurls;
  uint64_t chain_id;           /* 0: not checked; else an endpoint reporting another id is unusable */
  unsigned request_timeout_ms; /* default per request: 30000 */
  unsigned connect_timeout_ms; /* default 10000 */
  unsigned keepalive_ms;       /* websocket ping interval: 15000 */
  unsigned health_interval_ms; /* head check of every endpoint: 0 = keepalive_ms */
  size_t max_message;          /* largest reply: 64 MiB */
  unsigned backoff_min_ms;     /* first reconnect delay: 100 */
  unsigned backoff_max_ms;     /* cap: 10000 */
  uint64_t max_lag_blocks;     /* out of sync beyond this: 5 */
  const char *ca_file;         /* TLS trust store for wss/https; NULL = system */
  uint64_t seed;               /* jitter; 0 = from the clock */
};
void chain_rpc_opts_init(struct chain_rpc_opts *o);

/* Create a client and start connecting every endpoint. Allocates; *out owned (chain_rpc_free,
 * before the loop is freed). Returns 0; OB_EINVAL for a URL that is not ws/wss/http/https. */
int chain_rpc_new(struct chain_rpc **out, struct chain_loop *loop, const struct chain_rpc_opts *o,
                  struct ob_err *err);
/* Fail every pending request with OB_ECANCELED (callbacks run now), close, free. NULL is a no-op. */
void chain_rpc_free(struct chain_rpc *c);

enum chain_rpc_flags {
  CHAIN_RPC_REPEATABLE = 1, /* safe to send again after a lost connection (default by method) */
  CHAIN_RPC_ONCE = 2,       /* never send twice, whatever the method */
};

/* Reply callback. rc == 0: result is the "result" member (borrowed for the call; JSON null is a
 * node of type OB_JSON_NULL). rc < 0: result is NULL and err says why. */
typedef void chain_rpc_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err);

/* Send one request. params_json is a JSON array text ("[]" if NULL), copied. timeout_ms 0 = the
 * default. Returns 0 (cb will be called exactly once) or OB_EINVAL / OB_ENOMEM (cb never called).
 * *id_out (may be NULL) receives the request id. */
int chain_rpc_call(struct chain_rpc *c, const char *method, const char *params_json, unsigned flags,
                   unsigned timeout_ms, chain_rpc_cb *cb, void *ud, uint64_t *id_out, struct ob_err *err);

/* Forget a request: its callback will not be called (a reply that still comes is ignored).
 * Returns 0 or OB_ENOENT (already answered). */
int chain_rpc_cancel(struct chain_rpc *c, uint64_t id);

struct chain_rpc_req {
  const char *method;
  const char *params_json;
  chain_rpc_cb *cb;
  void *ud;
};
/* Send n requests as one JSON-RPC batch (one message). Each callback is called once. */
int chain_rpc_batch(struct chain_rpc *c, const struct chain_rpc_req *reqs, size_t n, unsigned flags,
                    unsigned timeout_ms, struct ob_err *err);

/* Blocking: run the loop until the reply. *result gets the result as JSON text (appended).
 * Not from inside a loop callback. */
int chain_rpc_call_sync(struct chain_rpc *c, const char *method, const char *params_json,
                        unsigned flags, unsigned timeout_ms, struct ob_buf *result, struct ob_err *err);

/* One-shot for CLI commands: a loop and a client for url, one call, everything freed.
 * Returns what chain_rpc_call_sync returns; OB_EUNREACH when the endpoint cannot be reached. */
int chain_rpc_call_once(const char *url, const char *method, const char *params_json,
                        unsigned timeout_ms, struct ob_buf *result, struct ob_err *err);
/* The same, trusting ca_file (a PEM file of CA certificates) for wss/https; NULL = the system store. */
int chain_rpc_call_once_ca(const char *url, const char *ca_file, const char *method, const char *params_json,
                           unsigned timeout_ms, struct ob_buf *result, struct ob_err *err);

/* ---- subscriptions (websocket endpoints) ---- */
enum chain_sub_event {
  CHAIN_SUB_READY = 1, /* subscribed (again): what came in between may be missing */
  CHAIN_SUB_LOST = 2,  /* the connection carrying it went down; it will be renewed */
};
struct chain_sub_cbs {
  void (*on_data)(void *ud, const struct ob_json *result); /* one notification, borrowed */
  void (*on_state)(void *ud, enum chain_sub_event ev, const struct ob_err *err);
};
/* Subscribe with eth_subscribe params (e.g. ["newHeads"] or ["logs",{"address":…}]), copied.
 * The subscription is renewed on every (re)connection of the active endpoint. *handle is this
 * client's handle (not the node's id). */
int chain_rpc_subscribe(struct chain_rpc *c, const char *params_json, const struct chain_sub_cbs *cbs,
                        void *ud, uint64_t *handle, struct ob_err *err);
int chain_rpc_unsubscribe(struct chain_rpc *c, uint64_t handle);

/* ---- endpoints ---- */
enum chain_health {
  CHAIN_HEALTH_UNKNOWN,     /* connecting, not checked yet */
  CHAIN_HEALTH_ALIVE,
  CHAIN_HEALTH_OUT_OF_SYNC, /* head behind the best by more than max_lag_blocks */
  CHAIN_HEALTH_UNREACHABLE, /* down, timed out, or reports the wrong chain id */
};
const char *chain_health_name(enum chain_health h); /* "alive", "out-of-sync", … */

struct chain_endpoint_status {
  const char *url;      /* borrowed until the client is freed */
  enum chain_health health;
  bool active;          /* requests go here */
  bool head_known;
  uint64_t head;
  uint64_t lag;         /* best head − head */
  uint64_t chain_id;    /* reported, 0 if not known */
  bool wrong_chain_id;  /* chain_id is not the configured one (last_error says so) */
  uint64_t reconnects;
  uint64_t rtt_ms;      /* last head check */
  char last_error[200]; /* "" if none */
};
/* The error for an endpoint reporting the wrong chain id, NUL-terminated into out (200 bytes is
 * enough for a 100-byte url): "endpoint ws://… reports chain id 1, config says 31337". */
void chain_rpc_chain_id_msg(char *out, size_t cap, const char *url, uint64_t reported, uint64_t expected);
/* Fill up to cap entries; returns the number of endpoints. */
size_t chain_rpc_status(struct chain_rpc *c, struct chain_endpoint_status *out, size_t cap);
/* True when some endpoint is usable. */
bool chain_rpc_ready(struct chain_rpc *c);
enum chain_wait {
  CHAIN_WAIT_READY, /* some endpoint usable (reconnecting meanwhile) */
  CHAIN_WAIT_FIRST, /* some endpoint usable, or every endpoint failed once: fail fast */
  CHAIN_WAIT_ALL,   /* every endpoint checked (head known) or failed once */
};
/* Run the loop until `what` or timeout_ms passes. Returns 0; OB_EUNREACH naming every endpoint's
 * last error (READY, FIRST); OB_EINVAL "wrong chain: endpoint … reports chain id …" (READY, FIRST)
 * at once when every endpoint reported a chain id other than the configured one, or at the
 * timeout when some did (a configuration error: retrying will not help); OB_ETIMEDOUT (ALL).
 * Not from inside a loop callback. */
int chain_rpc_wait(struct chain_rpc *c, enum chain_wait what, unsigned timeout_ms, struct ob_err *err);

/* Counters (for tests and `chain status`). */
struct chain_rpc_stats {
  uint64_t sent, replies, resent, failed_unsafe, timeouts, unknown_ids, bad_messages, oversize,
      reconnects;
};
void chain_rpc_stats(struct chain_rpc *c, struct chain_rpc_stats *out);

/* ---- reading replies (outside bytes; fuzzed) ---- */
enum chain_msg_kind { CHAIN_MSG_REPLY, CHAIN_MSG_NOTIFICATION, CHAIN_MSG_OTHER };
struct chain_rpc_msg {
  enum chain_msg_kind kind;
  bool has_id;
  uint64_t id;                      /* REPLY with a numeric id */
  const struct ob_json *result;     /* REPLY without error */
  const struct ob_json *error;      /* REPLY with an error object */
  const char *sub_id;               /* NOTIFICATION: params.subscription */
  const struct ob_json *sub_result; /* NOTIFICATION: params.result */
};
/* Parse one message (an object or a batch array) and call each() for every member, in order.
 * Members that are not objects come as CHAIN_MSG_OTHER. Returns 0; OB_EPARSE / OB_ELIMIT for text
 * that is not JSON within max bytes (nothing is called then). Borrowed pointers live for the
 * call of each(). */
int chain_rpc_msg_read(const char *text, size_t len, size_t max,
                       void (*each)(void *ud, const struct chain_rpc_msg *m), void *ud, struct ob_err *err);
/* Turn a JSON-RPC error object into an error: OB_EREVERT when it carries revert data or says
 * "revert", else OB_EPEER; err->rpc_code and a message "METHOD: MESSAGE (rpc CODE)[: reason]".
 * Returns the code. */
int chain_rpc_error_from_json(const struct ob_json *error, const char *method, struct ob_err *err);
/* Decode revert data (0x-hex text): Error(string) → the reason, Panic(uint256) → "panic 0x11",
 * else the hex itself. Writes a NUL-terminated text into out. */
void chain_revert_reason(char *out, size_t cap, const char *data_hex);

/* "0x1a" → 26. Returns 0; OB_EPARSE (not a hex quantity string: what names it, e.g.
 * "eth_chainId result"); OB_ELIMIT (over 64 bits). */
int chain_json_quantity(const struct ob_json *v, uint64_t *out, const char *what, struct ob_err *err);
/* The same for 256-bit quantities (balances, fees): "0x1a055690d9db80000" → 30000000000000000000.
 * Returns 0; OB_EPARSE; OB_ELIMIT (over 256 bits). */
int chain_json_quantity_u256(const struct ob_json *v, struct chain_u256 *out, const char *what, struct ob_err *err);
#endif
