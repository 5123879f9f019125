/* Private to storage/: the Kubo request description, the reply reader, and the transport.
 *
 * A call is a struct kubo__req (URL, optional upload) plus a struct kubo__reply that the transport
 * feeds with the status, header lines (trailers included) and body bytes as they arrive. The reply
 * reader splits NDJSON into values and hands each to on_value; it never sees curl, so the same
 * reader works under a blocking easy handle now and under curl-multi + libuv later, and the fuzz
 * harness drives it directly. */
#ifndef OB_STORAGE_KUBO_INT_H
#define OB_STORAGE_KUBO_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/storage/kubo.h"

struct ob_json;

#define KUBO__LINE_MAX ((size_t)1 << 20)  /* one NDJSON value */
#define KUBO__ERRBODY_MAX ((size_t)64 << 10)

struct kubo__reply {
  int status;                 /* HTTP status once known, 0 before */
  /* NDJSON mode: each value; return 0 or an OB_E* code to stop. NULL: body ignored. */
  int (*on_value)(void *ud, const struct ob_json *v, struct ob_err *err);
  /* raw mode (cat): body bytes of a 2xx reply go here instead. */
  ipfs_write_fn on_raw;
  void *ud;
  struct ob_buf line;         /* partial NDJSON line */
  struct ob_buf errbody;      /* body of a non-2xx reply */
  char stream_error[400];     /* X-Stream-Error header or trailer, "" if none */
  uint64_t values;            /* NDJSON values seen */
  int rc;                     /* first error (sticky) */
  struct ob_err err;
};

void kubo__reply_init(struct kubo__reply *r);
void kubo__reply_release(struct kubo__reply *r);
/* Feed one header line (with or without CRLF); status lines set r->status. */
void kubo__reply_header(struct kubo__reply *r, const char *line, size_t n);
/* Feed body bytes. Returns 0 or the sticky error (the transport then aborts). */
int kubo__reply_data(struct kubo__reply *r, const void *p, size_t n);
/* End of the reply: flush a last line without newline, turn an error status, error body or
 * stream-error trailer into an error. Returns 0 or an OB_E* code with err filled. */
int kubo__reply_finish(struct kubo__reply *r, struct ob_err *err);

/* Read a size that may be a JSON number or a string of digits. */
int kubo__json_size(const struct ob_json *v, uint64_t *out);

/* Query building: "key=value" pairs, percent-encoded, joined with '&'. */
int kubo__query_add(struct ob_buf *url, const char *key, const char *value);
/* Append value percent-encoded (everything but unreserved characters, '/' included). */
int kubo__escape(struct ob_buf *b, const char *value);
int kubo__query_addu(struct ob_buf *url, const char *key, uint64_t value);

struct kubo__req {
  const char *url;            /* full URL with query */
  ipfs_read_fn upload;        /* multipart file part when not NULL */
  void *upload_ud;
  const char *filename;
  int64_t upload_size;        /* -1: unknown, chunked */
  const struct ipfs_add_part *parts; /* when not NULL (and upload NULL): one part each, files
                                      * streamed from disk one after another */
  size_t nparts;
  ipfs_progress_fn progress;
  void *progress_ud;
  unsigned stall_timeout_s;   /* no-progress timeout of this call; 0: the client's */
  const char *method;         /* NULL: POST; "GET", "DELETE" (remote.c) */
  const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
  const char *body;           /* a JSON body (Content-Type: application/json), or NULL */
  size_t body_len;
};

/* ---- transport (http.c) ---- */
struct kubo__http;
int kubo__http_new(struct kubo__http **out, unsigned connect_timeout_s, unsigned stall_timeout_s,
                   struct ob_err *err);
void kubo__http_free(struct kubo__http *h);
/* POST req, feeding the reply reader, then kubo__reply_finish. Returns 0 or an OB_E* code. */
int kubo__http_post(struct kubo__http *h, const struct kubo__req *req, struct kubo__reply *reply,
                    struct ob_err *err);
#endif
