/* The proof API (docs/CONSUMERS.md): confirmed rounds' feed values with their Merkle proofs over
 * HTTP, from the rounds table and the batch documents (the database's copy; by CID from IPFS when
 * the database holds none), on the node's HTTP server:
 *   GET /v1/feeds                            {"feeds":[{"name","id","decimals","round","value","observedAt"}]}
 *   GET /v1/feeds/{name}/latest              the proof object of proofs.h, newest round holding the feed
 *   GET /v1/feeds/{name}/rounds/{round}      the same for that round
 *   GET /v1/stream?feeds=A,B                 Server-Sent Events: one event per new round per feed (id: the
 *                                            round, data: the /rounds/{round} object); Last-Event-ID resumes
 * A round is served only once it is confirmed in the rounds table, its document parses and checks
 * whole (node_batch_parse: ids, values, every proof against the document's root), and rootOf(round)
 * on chain equals that root; the chain is asked once per round (the answer is kept in memory).
 * Replies carry an ETag (If-None-Match gives 304) and Cache-Control (latest and the list: max-age of
 * opts.max_age_s, the round interval; a round: immutable). Errors use the server's one shape:
 * 404 NOT_FOUND (unknown feed, a round never confirmed, a feed not in that round), 400 BAD_REQUEST,
 * 503 UNAVAILABLE with the reason (document not reachable, chain not answering, root differs).
 *
 * Rules: the loop's thread only (it polls the database from a timer on the loop); opts' pointers are
 * borrowed until node_proofapi_free; err may be NULL. */
#ifndef OB_NODE_PROOFAPI_H
#define OB_NODE_PROOFAPI_H
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct chain_loop;
struct chain_rpc;
struct db;
struct ipfs_kubo;
struct node_http;
struct node_proofapi;

struct node_proofapi_opts {
  struct chain_loop *loop;
  struct db *db;            /* the loop's connection */
  struct chain_rpc *rpc;    /* rootOf checks; NULL: nothing is served (503) */
  struct ipfs_kubo *kubo;   /* documents the database lacks; NULL: those rounds are 503 */
  uint64_t chain_id;
  const char *registry;     /* 0x address (any case) */
  uint32_t poll_ms;         /* new confirmed rounds looked for this often (default 1000) */
  uint32_t max_age_s;       /* Cache-Control max-age of latest and the list (default 60) */
  size_t keep_rounds;       /* rounds held in memory for /rounds and stream resumes (default 128) */
  size_t keep_bytes;        /* and their batch documents within this many bytes (default 2 MiB, about 2
                               rounds of 1,000 feeds; the newest is always held); older rounds are
                               loaded from the database when asked for */
  /* Called from the loop each time a checked round is published (in round order); may be NULL. */
  void (*on_round)(void *ud, uint64_t round);
  void *on_round_ud;
};
void node_proofapi_opts_init(struct node_proofapi_opts *o);

/* Start (the first poll runs at once from the loop). Returns 0; OB_EINVAL (registry); OB_ENOMEM.
 * *out owned (node_proofapi_free, before the HTTP server and the loop are freed). */
int node_proofapi_new(struct node_proofapi **out, const struct node_proofapi_opts *o, struct ob_err *err);
/* Add the routes above to http. Returns 0 or node_http_route's errors. */
int node_proofapi_add_routes(struct node_proofapi *api, struct node_http *http, struct ob_err *err);
/* What the API's check of a confirmed round found (its document checks whole, every proof, and its
 * root equals rootOf(round) on chain): "passed", "failed" (*why: the reason, borrowed until the next
 * call on the loop), "checking" (under way, or the chain did not answer yet: *why may say), or
 * "unknown" (the round is not held in memory; api NULL). Never allocates. */
const char *node_proofapi_round_check(struct node_proofapi *api, uint64_t round, const char **why);
/* End every stream, stop the timer, free. NULL is a no-op. */
void node_proofapi_free(struct node_proofapi *api);
#endif
