/* bench_curl_multi: the baseline of bench/oracle-round.sh, a bare curl multi program fetching a list
 * of URLs with the oracle fetcher's connection limits (8 per host, 64 in all, kept alive, at most 256
 * transfers holding an easy handle at once), bodies counted and dropped, nothing parsed.
 *
 *   bench_curl_multi URLS_FILE [PER_HOST] [TOTAL] [IN_FLIGHT]     (default 8 64 256)
 *   -> "wall_ms ok failed bytes" on stdout; exit 1 when the file cannot be read. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  (void)p;
  *(size_t *)ud += sz * n;
  return sz * n;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add(CURLM *m, const char *url, size_t *bytes) {
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, bytes);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
  curl_multi_add_handle(m, e);
}

int main(int argc, char **argv) {
  long per_host = argc > 2 ? strtol(argv[2], NULL, 10) : 8, total = argc > 3 ? strtol(argv[3], NULL, 10) : 64;
  size_t in_flight = argc > 4 ? strtoul(argv[4], NULL, 10) : 256, n = 0, cap = 0, next = 0, running = 0, ok = 0, bad = 0;
  size_t bytes = 0;
  char **urls = NULL, line[4096];
  FILE *fp = argc > 1 ? fopen(argv[1], "r") : NULL;
  if (!fp) {
    fprintf(stderr, "usage: bench_curl_multi URLS_FILE [PER_HOST] [TOTAL] [IN_FLIGHT]\n");
    return 1;
  }
  while (fgets(line, sizeof(line), fp)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) continue;
    if (n == cap && !(urls = realloc(urls, (cap = cap ? cap * 2 : 1024) * sizeof(*urls)))) return 1;
    if (!(urls[n++] = strdup(line))) return 1;
  }
  fclose(fp);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM *m = curl_multi_init();
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, per_host);
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, total);
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, total);
  curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  double t0 = now_ms();
  while (next < n || running) {
    int still = 0, q = 0;
    CURLMsg *msg;
    while (next < n && running < in_flight) add(m, urls[next++], &bytes), running++;
    curl_multi_perform(m, &still);
    while ((msg = curl_multi_info_read(m, &q))) {
      long code = 0;
      if (msg->msg != CURLMSG_DONE) continue;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
      if (msg->data.result == CURLE_OK && code == 200) ok++;
      else bad++;
      curl_multi_remove_handle(m, msg->easy_handle);
      curl_easy_cleanup(msg->easy_handle);
      running--;
    }
    if (running) curl_multi_poll(m, NULL, 0, 100, NULL);
  }
  printf("%.1f %zu %zu %zu\n", now_ms() - t0, ok, bad, bytes);
  curl_multi_cleanup(m);
  curl_global_cleanup();
  for (size_t i = 0; i < n; i++) free(urls[i]);
  free(urls);
  return 0;
}
