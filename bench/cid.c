/* bench/cid: local CID of a file (both profiles) against `sha256sum` of the same file, in one run.
 *
 *   bench_cid [--size BYTES] [--rounds N] [--dir DIR]
 *
 * Writes SIZE (default 1 GiB) pseudo-random bytes (seeded, so every run hashes the same file) into a
 * fresh directory under DIR (default $TMPDIR or /tmp), then alternates `sha256sum FILE` and
 * ipfs_cid_of_path(FILE) ROUNDS times (default 3) and keeps each one's best time. The file is in
 * the page cache for both (it was just written), so this compares hashing, not the disk.
 * Prints MB/s (10^6 B/s) of each, the ratio CID / sha256sum (target >= 0.8) and the peak RSS; also
 * `openssl sha256` when installed, the same SHA-256 code the CID uses, as the ceiling. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/storage/cid.h"

extern char **environ;

struct opts {
  uint64_t size;
  uint64_t rounds;
  const char *dir;
};

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static int write_file(const char *path, uint64_t size) {
  size_t cap = 4 << 20;
  uint64_t *buf = ob_malloc(cap), seed = 42, done = 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = 0;
  if (!buf || fd < 0) rc = -1;
  while (!rc && done < size) {
    size_t take = size - done < cap ? (size_t)(size - done) : cap;
    for (size_t i = 0; i < cap / 8; i++) buf[i] = splitmix(&seed);
    if (write(fd, buf, take) != (ssize_t)take) rc = -1;
    done += take;
  }
  if (fd >= 0 && close(fd)) rc = -1;
  ob_free(buf);
  return rc;
}

/* Wall time of `argv0 [arg1] path` (stdout to /dev/null), in ns; 0 on failure. */
static uint64_t time_cmd(const char *argv0, const char *arg1, const char *path) {
  char *argv[] = {(char *)argv0, (char *)(arg1 ? arg1 : path), arg1 ? (char *)path : NULL, NULL};
  posix_spawn_file_actions_t fa;
  uint64_t t0 = ob_mono_ns();
  pid_t pid;
  int st = -1;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawnp(&pid, argv0, &fa, NULL, argv, environ) == 0) waitpid(pid, &st, 0);
  posix_spawn_file_actions_destroy(&fa);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? ob_mono_ns() - t0 : 0;
}

static uint64_t time_cid(const char *path, enum ipfs_profile prof, char *text) {
  struct ipfs_cid cid;
  struct ob_err err;
  uint64_t t0 = ob_mono_ns();
  if (ipfs_cid_of_path(&cid, NULL, path, prof, &err)) {
    fprintf(stderr, "bench_cid: %s\n", err.msg);
    return 0;
  }
  ipfs_cid_format(text, IPFS_CID_TEXT_MAX, &cid);
  return ob_mono_ns() - t0;
}

static uint64_t best(uint64_t a, uint64_t b) { return !a ? b : (b && b < a ? b : a); }
static double mbps(uint64_t size, uint64_t ns) { return ns ? (double)size * 1e3 / (double)ns : 0; }

static int parse_args(struct opts *o, int argc, char **argv) {
  o->size = 1ull << 30;
  o->rounds = 3;
  o->dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--size") == 0) {
      if (ob_parse_u64(&o->size, argv[++i], "--size", NULL)) return -1;
    } else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0) {
      if (ob_parse_u64(&o->rounds, argv[++i], "--rounds", NULL) || !o->rounds) return -1;
    } else if (i + 1 < argc && strcmp(argv[i], "--dir") == 0) {
      o->dir = argv[++i];
    } else {
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  struct opts o;
  char dir[4096], path[4200], t0[IPFS_CID_TEXT_MAX] = "", t1[IPFS_CID_TEXT_MAX] = "";
  uint64_t sum = 0, ossl = 0, v0 = 0, v1 = 0;
  struct rusage ru;
  int rc = 1;
  if (parse_args(&o, argc, argv)) {
    fprintf(stderr, "usage: bench_cid [--size BYTES] [--rounds N] [--dir DIR]\n");
    return 2;
  }
  snprintf(dir, sizeof dir, "%s/bench_cid.XXXXXX", o.dir);
  if (!mkdtemp(dir)) {
    fprintf(stderr, "bench_cid: cannot create a directory under '%s': %s\n", o.dir, strerror(errno));
    return 1;
  }
  snprintf(path, sizeof path, "%s/data.bin", dir);
  printf("bench_cid: %llu bytes of seeded pseudo-random data in %s, best of %llu rounds\n",
         (unsigned long long)o.size, path, (unsigned long long)o.rounds);
  if (write_file(path, o.size)) {
    fprintf(stderr, "bench_cid: cannot write '%s': %s\n", path, strerror(errno));
    goto out_rm;
  }
  for (uint64_t r = 0; r < o.rounds; r++) {
    sum = best(sum, time_cmd("sha256sum", NULL, path));
    ossl = best(ossl, time_cmd("openssl", "sha256", path));
    v1 = best(v1, time_cid(path, IPFS_PROFILE_V1_2025, t1));
    v0 = best(v0, time_cid(path, IPFS_PROFILE_V0_2015, t0));
  }
  if (!sum || !v0 || !v1) {
    fprintf(stderr, "bench_cid: a measurement failed (is sha256sum on PATH?)\n");
    goto out_rm;
  }
  getrusage(RUSAGE_SELF, &ru);
  printf("sha256sum (baseline)        %8.1f MB/s\n", mbps(o.size, sum));
  printf("cid unixfs-v1-2025          %8.1f MB/s  ratio %.2fx  %s\n", mbps(o.size, v1),
         (double)sum / (double)v1, t1);
  printf("cid unixfs-v0-2015          %8.1f MB/s  ratio %.2fx  %s\n", mbps(o.size, v0),
         (double)sum / (double)v0, t0);
  if (ossl) /* the same SHA-256 code as ours (SHA-NI where the CPU has it): the ceiling */
    printf("openssl sha256 (info)       %8.1f MB/s  cid v1 reaches %.0f%% of it\n", mbps(o.size, ossl),
           100.0 * (double)ossl / (double)v1);
  printf("target ratio >= 0.80: %s; peak RSS of bench_cid %ld KiB\n",
         (double)sum / (double)v1 >= 0.8 && (double)sum / (double)v0 >= 0.8 ? "met" : "NOT met",
         ru.ru_maxrss);
  rc = 0;
out_rm:
  unlink(path);
  rmdir(dir);
  return rc;
}
