/* cid_gen [--sparse] N: write the test bytes "gen N" (or "sparse N", see cid_gen.h) to
 * stdout, for the shell and peer tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cid_gen.h"
#include "ob/core/err.h"
#include "ob/core/util.h"

int main(int argc, char **argv) {
  static uint8_t buf[1 << 20];
  uint64_t n, off = 0;
  int sparse = argc == 3 && strcmp(argv[1], "--sparse") == 0;
  if (argc != 2 + sparse || ob_parse_u64(&n, argv[1 + sparse], "N", NULL)) {
    fprintf(stderr, "usage: cid_gen [--sparse] N\n");
    return 2;
  }
  while (off < n) {
    size_t take = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
    if (sparse)
      cid_sparse_fill(buf, off, take);
    else
      cid_gen_fill(buf, off, take);
    if (fwrite(buf, 1, take, stdout) != take) return 1;
    off += take;
  }
  return fflush(stdout) ? 1 : 0;
}
