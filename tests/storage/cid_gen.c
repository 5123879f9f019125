/* cid_gen N: write the IPFS.md test bytes "gen N" to stdout (for the shell and peer tests). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cid_gen.h"
#include "ob/core/err.h"
#include "ob/core/util.h"

int main(int argc, char **argv) {
  static uint8_t buf[1 << 20];
  uint64_t n, off = 0;
  if (argc != 2 || ob_parse_u64(argv[1], &n, "N", NULL)) {
    fprintf(stderr, "usage: cid_gen N\n");
    return 2;
  }
  while (off < n) {
    size_t take = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
    cid_gen_fill(buf, off, take);
    if (fwrite(buf, 1, take, stdout) != take) return 1;
    off += take;
  }
  return fflush(stdout) ? 1 : 0;
}
