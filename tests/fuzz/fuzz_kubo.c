/* libFuzzer harness: the Kubo reply reader (status line, headers and trailers, NDJSON body in
 * arbitrary pieces, error bodies). Input layout: byte 0 picks the status, byte 1 the piece size,
 * then header lines up to an empty line ("\n\n"), then the body. */
#include <stdint.h>
#include <string.h>

#include "kubo_int.h"
#include "ob/core/json.h"

static int on_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  size_t *n = ud;
  const char *h = ob_json_string(ob_json_get(v, "Hash"));
  uint64_t size;
  (void)err;
  if (h) *n += strlen(h);
  kubo__json_size(ob_json_get(v, "Size"), &size);
  (*n)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const statuses[] = {"HTTP/1.1 200 OK\r\n", "HTTP/1.1 500 Internal Server Error\r\n",
                                         "HTTP/1.1 400 Bad Request\r\n", "HTTP/1.1 404 Not Found\r\n",
                                         "HTTP/1.1 100 Continue\r\n", "garbage", ""};
  struct kubo__reply r;
  struct ob_err err;
  size_t values = 0, step;
  const uint8_t *end = data + size, *p, *sep;
  if (size < 2) return 0;
  kubo__reply_init(&r);
  r.on_value = on_value;
  r.ud = &values;
  kubo__reply_header(&r, statuses[data[0] % 7], strlen(statuses[data[0] % 7]));
  step = (size_t)data[1] + 1;
  p = data + 2;
  sep = memmem(p, (size_t)(end - p), "\n\n", 2);
  if (sep) {
    while (p < sep) {
      const uint8_t *nl = memchr(p, '\n', (size_t)(sep - p));
      const uint8_t *e = nl ? nl : sep;
      kubo__reply_header(&r, (const char *)p, (size_t)(e - p));
      p = e + 1;
    }
    p = sep + 2;
  }
  while (p < end) {
    size_t k = (size_t)(end - p) < step ? (size_t)(end - p) : step;
    if (kubo__reply_data(&r, p, k)) break;
    p += k;
  }
  if (kubo__reply_finish(&r, &err) != 0 && err.msg[0] == 0) __builtin_trap(); /* errors always say why */
  kubo__reply_release(&r);
  return 0;
}
