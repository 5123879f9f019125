/* IPFS's health asked on a thread of its own (node_int.h: struct node__ipfs_probe), for the daemon's
 * tick and `obridge serve`'s dashboard. */
#include <stdio.h>

#include "node_int.h"
#include "ob/chain/loop.h"
#include "ob/core/util.h"

static void probe_main(void *ud) {
  struct node__ipfs_probe *p = ud;
  p->run_why[0] = 0;
  p->run_rc = p->fn(p->ud, p->run_why, sizeof(p->run_why));
}

static void probe_take(struct node__ipfs_probe *p) {
  p->ok = p->run_rc == 0;
  snprintf(p->why, sizeof(p->why), "%s", p->run_why);
  p->known = true;
  p->at_ms = ob_mono_ms();
}

void node__ipfs_probe(struct node__ipfs_probe *p, uint64_t every_ms) {
  if (p->th) {
    if (!chain_thread_done(p->th)) return; /* still asking */
    chain_thread_wait(p->th);             /* (returns at once) */
    p->th = NULL;
    probe_take(p);
  }
  if (p->known && ob_mono_ms() - p->at_ms < every_ms) return;
  if (p->known && p->loop && chain_thread_start(&p->th, p->loop, probe_main, p) == 0) return;
  probe_main(p); /* the first check, or no thread */
  probe_take(p);
}

void node__ipfs_probe_release(struct node__ipfs_probe *p) {
  chain_thread_join(p->th); /* a check in flight ends within its client's timeouts */
  p->th = NULL;
}
