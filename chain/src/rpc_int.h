/* Private to chain/: the transports under the JSON-RPC client.
 *
 * A transport connection (struct chain__conn) carries whole text messages both ways. ws.c
 * implements it on libwebsockets (one lws context per client, on the client's loop), http.c on
 * curl multi (every send is one POST; "open" is immediate). The client in rpc.c never sees a
 * third-party type.
 *
 * Callbacks run on the loop. The client calls chain__ws_close / chain__http_close exactly once for every opened
 * connection, also after on_close; after it, no callback is made for that connection. on_close is
 * called at most once, and never for a failed *_open. */
#ifndef OB_CHAIN_RPC_INT_H
#define OB_CHAIN_RPC_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct chain_loop;
struct chain__conn;
struct chain__ws_ctx;
struct chain__http_ctx;

struct chain__conn_cbs {
  void (*on_open)(void *ud);
  /* One whole message, borrowed for the call. */
  void (*on_message)(void *ud, const char *text, size_t len);
  /* A message larger than the limit was dropped; prefix holds its first bytes. */
  void (*on_oversize)(void *ud, const char *prefix, size_t prefix_len, size_t total);
  /* Bytes or a pong arrived (also mid-message): the connection is alive. */
  void (*on_activity)(void *ud);
  /* The connection is gone (why is borrowed for the call). */
  void (*on_close)(void *ud, const char *why);
};

struct chain__conn_opts {
  const char *url;
  size_t max_message;
  unsigned connect_timeout_ms;
  unsigned request_timeout_ms; /* HTTP: one POST at most this long */
  const char *ca_file; /* NULL: system store */
};

/* ---- websocket (ws.c) ---- */
/* tls: some endpoint is wss:// (loads the TLS library and trust store). */
/* ca_file: the TLS trust store for wss:// (NULL: the system store); read when the context is made. */
int chain__ws_ctx_new(struct chain__ws_ctx **out, struct chain_loop *loop, bool tls, const char *ca_file,
                     struct ob_err *err);
void chain__ws_ctx_free(struct chain__ws_ctx *c);
int chain__ws_open(struct chain__conn **out, struct chain__ws_ctx *ctx, const struct chain__conn_opts *o,
                   const struct chain__conn_cbs *cbs, void *ud, struct ob_err *err);

/* ---- HTTP (http.c) ---- */
int chain__http_ctx_new(struct chain__http_ctx **out, struct chain_loop *loop, struct ob_err *err);
void chain__http_ctx_free(struct chain__http_ctx *c);
int chain__http_open(struct chain__conn **out, struct chain__http_ctx *ctx, const struct chain__conn_opts *o,
                     const struct chain__conn_cbs *cbs, void *ud, struct ob_err *err);

/* The loop a client runs on (for the transaction manager's timer). */
struct chain_rpc;
struct chain_loop *chain__rpc_loop(struct chain_rpc *c);

/* ---- either (rpc.c dispatches on `http`) ---- */
/* Common head of both connection kinds. */
struct chain__conn {
  bool http;
};
int chain__ws_send(struct chain__conn *c, const char *text, size_t len);
void chain__ws_ping(struct chain__conn *c);
void chain__ws_close(struct chain__conn *c);
int chain__http_send(struct chain__conn *c, const char *text, size_t len);
void chain__http_close(struct chain__conn *c);
#endif
