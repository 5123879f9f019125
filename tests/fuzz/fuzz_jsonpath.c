/* libFuzzer harness: the JSONPath compiler and evaluator on replies from outside.
 * Input: the path up to the first newline, then the reply body. Invariants: an accepted path's
 * canonical form (when within the length limit) compiles to the same canonical form; a found number's text is valid JSON number
 * grammar and lies inside the document; an error body's message is NUL-terminated within its cap
 * and holds no control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/oracle/jsonpath.h"

static void check_canonical(const struct oracle_jsonpath *jp) {
  char a[2048], b[2048];
  struct oracle_jsonpath *again = NULL;
  if (oracle_jsonpath_format(a, sizeof(a), jp) != 0) __builtin_trap();
  if (strlen(a) > ORACLE_JSONPATH_MAX_TEXT) return; /* escaping quotes may make it longer than the limit */
  if (oracle_jsonpath_compile(&again, a, NULL) != 0) __builtin_trap();
  if (oracle_jsonpath_format(b, sizeof(b), again) != 0 || strcmp(a, b) != 0) __builtin_trap();
  oracle_jsonpath_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nl = memchr(data, '\n', size);
  size_t plen = nl ? (size_t)(nl - data) : size;
  char *path = malloc(plen + 1);
  struct oracle_jsonpath *jp = NULL;
  struct ob_json *doc = NULL;
  struct ob_json_limits lim;
  struct ob_err err;
  if (!path) return 0;
  memcpy(path, data, plen);
  path[plen] = '\0';
  if (strlen(path) == plen && oracle_jsonpath_compile(&jp, path, &err) == 0) {
    check_canonical(jp);
    ob_json_limits_init(&lim);
    lim.max_bytes = 1 << 20;
    if (nl && ob_json_parse(&doc, (const char *)nl + 1, size - plen - 1, &lim, &err) == 0) {
      const char *raw;
      size_t rawlen;
      char msg[64];
      if (oracle_jsonpath_find_number(&raw, &rawlen, jp, doc, &err) == 0 && !ob_json_number_valid(raw, rawlen))
        __builtin_trap();
      if (oracle_json_error_message(msg, sizeof(msg), doc)) {
        size_t n = strnlen(msg, sizeof(msg));
        if (n == sizeof(msg)) __builtin_trap();
        for (size_t i = 0; i < n; i++)
          if ((unsigned char)msg[i] < 0x20) __builtin_trap();
      }
      ob_json_free(doc);
    }
  }
  oracle_jsonpath_free(jp);
  free(path);
  return 0;
}
