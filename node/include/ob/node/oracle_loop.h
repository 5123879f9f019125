/* The oracle's fetcher on the node's loop: struct oracle_loop filled from a chain_loop (oracle/
 * depends on core/ only, so node/ joins the two), one blocking fetch for one-shot commands, and a
 * fetch on a long-lived fetcher that turns the caller's loop (the daemon).
 *
 * Rules: the loop's thread only; err may be NULL. */
#ifndef OB_NODE_ORACLE_LOOP_H
#define OB_NODE_ORACLE_LOOP_H
#include <stddef.h>

#include "ob/oracle/fetch.h"
struct ob_err;
struct chain_loop;
struct oracle_feed;

/* Fill out so that an oracle_fetcher runs on l (timers and socket polls of l). Never allocates;
 * l is borrowed for as long as a fetcher made from out lives. */
void node_oracle_loop(struct oracle_loop *out, struct chain_loop *l);

/* Fetch every source of feeds[0..n) once on a private loop and fetcher, and wait until all are
 * done (each source's own timeout bounds the wait). *obs_out (n_out entries, in the order of
 * oracle_fetch) is owned: node_obs_free. A failed source is an observation with its error.
 * Returns 0; OB_ENOMEM; OB_EIO (no loop). */
int node_fetch_blocking(struct oracle_obs **obs_out, size_t *n_out, const struct oracle_fetch_opts *o,
                        const struct oracle_feed *const *feeds, size_t n, struct ob_err *err);
/* The same on fetcher f, made on loop l (node_oracle_loop): l is turned until the fetch is done, so
 * what else runs on l (the daemon's HTTP server, lease, chain client) goes on meanwhile; f keeps its
 * connections and 429 backoffs for the next fetch. From a callback of l too (as waiting for the
 * chain does). */
int node_fetch_on(struct chain_loop *l, struct oracle_fetcher *f, struct oracle_obs **obs_out, size_t *n_out,
                  const struct oracle_feed *const *feeds, size_t n, struct ob_err *err);
void node_obs_free(struct oracle_obs *obs, size_t n);
#endif
