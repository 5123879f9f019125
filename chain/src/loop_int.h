/* The loop's internals shared by chain/'s glue files (not part of the public ob/chain/loop.h). */
#ifndef OB_CHAIN_LOOP_INT_H
#define OB_CHAIN_LOOP_INT_H
struct chain_loop;

/* The underlying uv_loop_t, for the glue files of chain/ only. */
void *chain__loop_uv(struct chain_loop *l);
/* One iteration that does not wait (glue files: finishing a third-party teardown). */
void chain__loop_run_nowait(struct chain_loop *l);
#endif
