#include "ob/core/err.h"

#include <stdio.h>
#include <string.h>

void ob_err_clear(struct ob_err *err) {
  if (err) memset(err, 0, sizeof(*err));
}

int ob_err_setv(struct ob_err *err, int code, const char *fmt, va_list ap) {
  if (!err) return code;
  err->code = code;
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  return code;
}

int ob_err_set(struct ob_err *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ob_err_setv(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int ob_err_prefix(struct ob_err *err, int code, const char *fmt, ...) {
  char head[sizeof(err->msg)], old[sizeof(err->msg)];
  va_list ap;
  int n;
  if (!err) return code;
  va_start(ap, fmt);
  vsnprintf(head, sizeof(head), fmt, ap);
  va_end(ap);
  n = snprintf(old, sizeof(old), "%s", err->msg[0] ? err->msg : ob_strerror(code));
  /* Built by hand: the head (which names the subject) always survives, the tail is cut. */
  {
    size_t hl = strlen(head), ol = strlen(old), cap = sizeof(err->msg) - 1;
    if (hl > cap) hl = cap;
    memcpy(err->msg, head, hl);
    if (hl + 2 <= cap) {
      memcpy(err->msg + hl, ": ", 2);
      if (ol > cap - hl - 2) ol = cap - hl - 2;
      memcpy(err->msg + hl + 2, old, ol);
      err->msg[hl + 2 + ol] = '\0';
    } else {
      err->msg[hl] = '\0';
    }
  }
  (void)n;
  err->code = code;
  return code;
}

const char *ob_err_msg(const struct ob_err *err, int code) {
  if (err && err->msg[0]) return err->msg;
  return ob_strerror(code);
}

const char *ob_strerror(int code) {
  switch (code) {
  case 0: return "success";
#define OB__ERR_STR(name, val, exitc, desc) case (val): return desc;
    OB_ERR_MAP(OB__ERR_STR)
#undef OB__ERR_STR
  }
  return "unknown error";
}

const char *ob_errname(int code) {
  switch (code) {
  case 0: return "OK";
#define OB__ERR_NAME(name, val, exitc, desc) case (val): return #name;
    OB_ERR_MAP(OB__ERR_NAME)
#undef OB__ERR_NAME
  }
  return "EUNKNOWN";
}

int ob_err_exit_code(int code) {
  switch (code) {
  case 0: return 0;
#define OB__ERR_EXIT(name, val, exitc, desc) case (val): return (exitc);
    OB_ERR_MAP(OB__ERR_EXIT)
#undef OB__ERR_EXIT
  }
  return 1;
}
