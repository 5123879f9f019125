/* Errors: one code table, one detail struct.
 *
 * Every action returns 0 or a negative OB_E* code. Details go in an optional, caller-owned
 * struct ob_err (NULL is allowed everywhere: then only the code is returned). Messages are
 * lower-case, name the subject, have no final period; context is prepended with ob_err_prefix,
 * so a config error reads "config: .chain.endpoints[1].url: expected a ws:// ... URL".
 * Never allocates. */
#ifndef OB_CORE_ERR_H
#define OB_CORE_ERR_H
#include <stdarg.h>
#include <stddef.h>

/* X(NAME, value, exit code of the CLI, description). Exit codes: 1 failed, 2 bad usage or input,
 * 3 a peer unreachable or timed out (worth retrying). */
#define OB_ERR_MAP(X)                                                     \
  X(EINVAL,    -1, 2, "invalid argument")                                 \
  X(ENOMEM,    -2, 1, "out of memory")                                    \
  X(ESPACE,    -3, 1, "buffer too small")                                 \
  X(ELIMIT,    -4, 2, "limit exceeded")                                   \
  X(EPARSE,    -5, 2, "malformed input")                                  \
  X(EIO,       -6, 1, "input/output error")                               \
  X(ENOENT,    -7, 2, "not found")                                        \
  X(ETIMEDOUT, -8, 3, "timed out")                                        \
  X(EUNREACH,  -9, 3, "peer unreachable")                                 \
  X(EPEER,     -10, 1, "peer returned an error")                          \
  X(ECRYPTO,   -11, 1, "cryptographic operation failed")                  \
  X(EAUTH,     -12, 2, "wrong password or tampered data")                 \
  X(ESTATE,    -13, 1, "operation not allowed in this state")             \
  X(ECONFLICT, -14, 1, "conflict")                                        \
  X(EUSAGE,    -15, 2, "bad usage")                                       \
  X(ECANCELED, -16, 1, "canceled")                                        \
  X(EMISMATCH, -17, 1, "mismatch")                                        \
  X(EUNSUP,    -18, 2, "not supported")                                   \
  X(EREVERT,   -19, 1, "execution reverted")                              \
  X(ECHECK,    -20, 1, "check failed")

enum ob_errcode {
#define OB__ERR_ENUM(name, val, exitc, desc) OB_##name = (val),
  OB_ERR_MAP(OB__ERR_ENUM)
#undef OB__ERR_ENUM
};

struct ob_err {
  int code;            /* 0 or an OB_E* code */
  int sys_errno;       /* errno of a failed system call, 0 if none */
  int http_status;     /* HTTP status of a peer reply, 0 if none */
  long rpc_code;       /* JSON-RPC error code, 0 if none */
  char pg_sqlstate[6]; /* PostgreSQL SQLSTATE, "" if none */
  char msg[512];       /* "what failed: why", "" if none */
};

/* Reset to "no error". err may be NULL. */
void ob_err_clear(struct ob_err *err);

/* Set code and message (printf-style). Returns code, so `return ob_err_set(err, OB_EINVAL, …);`.
 * err may be NULL. The message is truncated to fit. */
int ob_err_set(struct ob_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ob_err_setv(struct ob_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prepend context: "CONTEXT: old message". Returns err->code (or OB_EINVAL if err is NULL... no:
 * returns the code given). Use: return ob_err_prefix(err, rc, "cannot pin '%s'", path); */
int ob_err_prefix(struct ob_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The message, or ob_strerror(code) when none was set. Never NULL. */
const char *ob_err_msg(const struct ob_err *err, int code);

const char *ob_strerror(int code); /* "invalid argument" */
const char *ob_errname(int code);  /* "EINVAL" */
int ob_err_exit_code(int code);    /* 0 for 0, else 1, 2 or 3 */

/* Misuse is a bug: aborts in debug builds, returns OB_EINVAL in release. */
#ifdef NDEBUG
#define OB_ARG_CHECK(cond) do { if (!(cond)) return OB_EINVAL; } while (0)
#else
#include <stdlib.h>
#define OB_ARG_CHECK(cond) do { if (!(cond)) abort(); } while (0)
#endif

#endif
