/* node/'s internals shared between its files. */
#ifndef OB_NODE_INT_H
#define OB_NODE_INT_H
#include <stddef.h>

struct ob_buf;

/* Append data gzip-compressed (RFC 1952) to out. Returns 0; OB_ENOMEM (out's ceiling too); OB_EIO. */
int node__gzip(struct ob_buf *out, const void *data, size_t len);
#endif
