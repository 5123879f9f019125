/* chain/loop.h: chain_thread — a blocking call on a thread while the loop's timers go on. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "ob/chain/loop.h"
#include "ob/core/err.h"
#include "ob_test.h"

struct sleeper {
  int ms;
  atomic_int ran;
};

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static void sleeper_main(void *ud) {
  struct sleeper *s = ud;
  sleep_ms(s->ms);
  atomic_store(&s->ran, 1);
}

static void count_tick(void *ud) { (*(int *)ud)++; }

/* While the thread sleeps 300 ms, a 10 ms timer keeps firing: the loop is not blocked. */
OB_TEST(thread_wait_turns_the_loop) {
  struct chain_loop *l = NULL;
  struct chain_timer *t = NULL;
  struct chain_thread *th = NULL;
  struct sleeper s = {300, 0};
  int ticks = 0;
  OB_REQUIRE(chain_loop_new(&l, NULL) == 0);
  OB_REQUIRE(chain_timer_new(&t, l, count_tick, &ticks, NULL) == 0);
  chain_timer_start(t, 10, 10);
  OB_REQUIRE(chain_thread_start(&th, l, sleeper_main, &s) == 0);
  OB_CHECK(!chain_thread_done(th));
  chain_thread_wait(th);
  OB_CHECK_EQ(atomic_load(&s.ran), 1);
  OB_CHECK_MSG(ticks >= 10, "only %d ticks of 10 ms while the thread slept 300 ms", ticks);
  chain_timer_free(t);
  chain_loop_free(l);
}

/* A caller that never waits: polls chain_thread_done from its timer, then collects. */
struct poller {
  struct chain_thread *th;
  bool collected;
};
static void poll_tick(void *ud) {
  struct poller *p = ud;
  if (p->th && chain_thread_done(p->th)) {
    chain_thread_wait(p->th); /* returns at once */
    p->th = NULL;
    p->collected = true;
  }
}

OB_TEST(thread_done_polled_from_a_timer) {
  struct chain_loop *l = NULL;
  struct chain_timer *t = NULL;
  struct sleeper s = {50, 0};
  struct poller p = {NULL, false};
  OB_REQUIRE(chain_loop_new(&l, NULL) == 0);
  OB_REQUIRE(chain_timer_new(&t, l, poll_tick, &p, NULL) == 0);
  OB_REQUIRE(chain_thread_start(&p.th, l, sleeper_main, &s) == 0);
  chain_timer_start(t, 5, 5);
  OB_CHECK(chain_loop_run_until(l, &p.collected));
  OB_CHECK_EQ(atomic_load(&s.ran), 1);
  chain_timer_free(t);
  chain_loop_free(l);
}

/* Teardown: join without turning the loop; the handle is freed with the loop (no leak under ASan). */
OB_TEST(thread_join_without_the_loop) {
  struct chain_loop *l = NULL;
  struct chain_thread *th = NULL;
  struct sleeper s = {20, 0};
  OB_REQUIRE(chain_loop_new(&l, NULL) == 0);
  OB_REQUIRE(chain_thread_start(&th, l, sleeper_main, &s) == 0);
  chain_thread_join(th);
  OB_CHECK_EQ(atomic_load(&s.ran), 1);
  chain_thread_join(NULL);
  chain_thread_wait(NULL);
  chain_loop_free(l);
}
