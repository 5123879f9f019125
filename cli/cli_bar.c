#include "cli_bar.h"

#include <stdio.h>

#include "ob/core/util.h"


static void human(char *out, size_t cap, double b) {
  const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t i = 0;
  while (b >= 1024 && i + 1 < OB_ARRAY_LEN(u)) b /= 1024, i++;
  snprintf(out, cap, "%.1f %s", b, u[i]);
}

void cli_bar_clear(void *ud) {
  struct cli_bar *b = ud;
  if (!b->drawn) return;
  fputs("\r\033[K", stderr);
  b->drawn = false;
}

void cli_bar_progress(void *ud, uint64_t bytes, int64_t total) {
  struct cli_bar *b = ud;
  uint64_t now = ob_mono_ms();
  char done[32], all[32] = "?", rate[32];
  double secs, bps;
  if (!b->on || (now - b->last < 200 && (total < 0 || bytes < (uint64_t)total))) return;
  b->last = now;
  secs = (double)(now - b->t0) / 1000.0;
  bps = secs > 0 ? (double)bytes / secs : 0;
  human(done, sizeof(done), (double)bytes);
  if (total >= 0) human(all, sizeof(all), (double)total);
  human(rate, sizeof(rate), bps);
  fprintf(stderr, "\r\033[K%.40s  ", b->name);
  if (total > 0)
    fprintf(stderr, "%s / %s  %3.0f%%  %s/s  ETA %.0f s", done, all, 100.0 * (double)bytes / (double)total, rate,
            bps > 0 ? ((double)total - (double)bytes) / bps : 0.0);
  else fprintf(stderr, "%s  %s/s", done, rate);
  b->drawn = true;
}

