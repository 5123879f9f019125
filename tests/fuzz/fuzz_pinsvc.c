/* libFuzzer harness: what pinning service clients send (node/src/pinsvc_parse.c). Byte 0 picks the
 * parser: even, the rest is a Pin body (POST /pins); odd, the rest is GET /pins query values, one a
 * line in this order: cid, cid, status, status, name, match, before, after, limit, meta (an empty
 * line: absent). Each parser must accept or refuse without crashing, and an accepted Pin must come
 * back as JSON that parses again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/node/pinsvc.h"

static void pin(const uint8_t *data, size_t size) {
  struct pinsvc_pin p;
  struct ob_err err;
  ob_err_clear(&err);
  if (pinsvc_pin_parse(&p, (const char *)data, size, &err) == 0) {
    struct ob_json *v = NULL;
    if (ob_json_parse(&v, p.origins_json, strlen(p.origins_json), NULL, NULL) != 0) abort();
    ob_json_free(v);
    v = NULL;
    if (ob_json_parse(&v, p.meta_json, strlen(p.meta_json), NULL, NULL) != 0) abort();
    ob_json_free(v);
    if (!p.cid[0]) abort();
  }
  pinsvc_pin_release(&p);
}

static void query(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1), *lines[10] = {0}, *p;
  struct pinsvc_query_in in;
  struct pinsvc_query q;
  struct ob_err err;
  size_t n = 0;
  if (!text) return;
  memcpy(text, data, size);
  text[size] = 0;
  for (p = text; n < 10; n++) {
    char *nl = strchr(p, '\n');
    lines[n] = *p || nl ? p : NULL;
    if (!nl) {
      n++;
      break;
    }
    *nl = 0;
    p = nl + 1;
  }
  memset(&in, 0, sizeof(in));
  for (size_t i = 0; i < 2; i++)
    if (lines[i] && *lines[i]) in.cid[in.ncid++] = lines[i];
  for (size_t i = 2; i < 4; i++)
    if (lines[i] && *lines[i]) in.status[in.nstatus++] = lines[i];
  in.name = lines[4] && *lines[4] ? lines[4] : NULL;
  in.match = lines[5] && *lines[5] ? lines[5] : NULL;
  in.before = lines[6] && *lines[6] ? lines[6] : NULL;
  in.after = lines[7] && *lines[7] ? lines[7] : NULL;
  in.limit = lines[8] && *lines[8] ? lines[8] : NULL;
  in.meta = lines[9] && *lines[9] ? lines[9] : NULL;
  ob_err_clear(&err);
  if (pinsvc_query_parse(&q, &in, &err) == 0 && (q.limit < 1 || q.limit > 1000 || q.ncids > PINSVC_MAX_CIDS)) abort();
  pinsvc_query_release(&q);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] % 2 == 0) pin(data + 1, size - 1);
  else query(data + 1, size - 1);
  return 0;
}
