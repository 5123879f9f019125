/* The Kubo client against the real node of the ipfs fixture: every call, both profiles' options,
 * answers compared as binary CIDs with known values from docs/PEERS.md. */
#include <stdlib.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/storage/cid.h"
#include "ob/storage/kubo.h"
#include "ob/storage/pin.h"
#include "ob_test.h"

static struct ipfs_kubo *client(void) {
  struct ipfs_kubo_opts o;
  struct ipfs_kubo *k = NULL;
  const char *api = ob_test_peer("OBRIDGE_IPFS_API");
  if (!api) return NULL;
  ipfs_kubo_opts_init(&o);
  o.api = api;
  o.stall_timeout_s = 20;
  o.block_timeout_s = 2;
  if (ipfs_kubo_new(&k, &o, NULL)) return NULL;
  return k;
}

struct mem {
  const char *p;
  size_t n, off;
  size_t fail_at; /* 0: never */
};

static int mem_read(void *ud, void *buf, size_t cap, size_t *got, struct ob_err *err) {
  struct mem *m = ud;
  size_t k = m->n - m->off < cap ? m->n - m->off : cap;
  if (m->fail_at && m->off >= m->fail_at) return ob_err_set(err, OB_EIO, "test reader broke at %zu", m->off);
  if (m->fail_at && m->off + k > m->fail_at) k = m->fail_at - m->off;
  memcpy(buf, m->p + m->off, k);
  m->off += k;
  *got = k;
  return 0;
}

static bool same_cid(const char *a, const char *b) {
  struct ipfs_cid x, y;
  return ipfs_cid_parse(&x, a, NULL) == 0 && ipfs_cid_parse(&y, b, NULL) == 0 && ipfs_cid_equal(&x, &y);
}

OB_TEST(add_profiles_and_options) {
  struct ipfs_kubo *k = client();
  struct ipfs_add_opts o;
  struct ipfs_add_result r;
  struct ob_err err;
  struct mem m = {"hello world\n", 12, 0, 0};
  OB_REQUIRE(k);
  ipfs_add_opts_init(&o);
  o.only_hash = true;
  o.pin = false;
  o.size = 12;
  OB_CHECK_EQ(ipfs_kubo_add(k, &o, mem_read, &m, NULL, NULL, &r, &err), 0);
  OB_CHECK_STR(r.cid, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
  OB_CHECK_EQ(r.size, 20);
  m.off = 0;
  o.cid_version = 1;
  o.raw_leaves = true;
  o.chunk_size = 1048576;
  o.max_file_links = 1024;
  o.size = -1; /* chunked upload */
  o.progress = true;
  OB_CHECK_EQ(ipfs_kubo_add(k, &o, mem_read, &m, NULL, NULL, &r, &err), 0);
  OB_CHECK_STR(r.cid, "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
  OB_CHECK_EQ(r.node_bytes, 12);
  m.off = 0;
  ipfs_add_opts_init(&o);
  o.only_hash = true;
  o.wrap_with_directory = true;
  o.filename = "hw.txt";
  OB_CHECK_EQ(ipfs_kubo_add(k, &o, mem_read, &m, NULL, NULL, &r, &err), 0);
  OB_CHECK_STR(r.cid, "QmSMX7jxntUC2SUczppWxKVRrYhqeVon3UdUkD6ons8ACv");
  ipfs_kubo_free(k);
}

static int to_buf(void *ud, const void *p, size_t n, struct ob_err *err) {
  (void)err;
  return ob_buf_add(ud, p, n);
}

OB_TEST(add_pin_cat_stat_rm) {
  struct ipfs_kubo *k = client();
  struct ipfs_add_opts o;
  struct ipfs_add_result r;
  struct ipfs_files_stat fs;
  struct ob_err err;
  struct ob_buf got;
  char *data, type[32];
  size_t n = 3 * 1048576 + 17;
  uint64_t bsize = 0;
  bool pinned = false;
  OB_REQUIRE(k);
  data = malloc(n);
  OB_REQUIRE(data);
  ob_test_rng_seed(0);
  ob_test_rand_bytes(data, n);
  {
    struct mem m = {data, n, 0, 0};
    ipfs_add_opts_init(&o);
    o.cid_version = 1;
    o.raw_leaves = true;
    o.chunk_size = 1048576;
    o.size = (int64_t)n;
    OB_CHECK_EQ(ipfs_kubo_add(k, &o, mem_read, &m, NULL, NULL, &r, &err), 0);
  }
  OB_CHECK_EQ(ipfs_kubo_pin_ls(k, r.cid, &pinned, type, sizeof(type), &err), 0);
  OB_CHECK(pinned);
  OB_CHECK_STR(type, "recursive");
  ob_buf_init(&got, n + 1);
  OB_CHECK_EQ(ipfs_kubo_cat(k, r.cid, to_buf, &got, &err), 0);
  OB_CHECK_EQ(got.len, n);
  OB_CHECK(got.len == n && memcmp(got.buf, data, n) == 0);
  ob_buf_release(&got);
  OB_CHECK_EQ(ipfs_kubo_block_stat(k, r.cid, &bsize, &err), 0);
  OB_CHECK(bsize > 0 && bsize < 1000);
  OB_CHECK_EQ(ipfs_kubo_files_stat(k, r.cid, &fs, &err), 0);
  OB_CHECK_EQ(fs.size, n);
  OB_CHECK_EQ(fs.cumulative, r.size);
  OB_CHECK_STR(fs.type, "file");
  OB_CHECK_MSG(same_cid(fs.hash, r.cid), "files/stat %s vs add %s", fs.hash, r.cid);
  OB_CHECK_EQ(ipfs_kubo_pin_rm(k, r.cid, &err), 0);
  OB_CHECK_EQ(ipfs_kubo_pin_ls(k, r.cid, &pinned, NULL, 0, &err), 0);
  OB_CHECK(!pinned);
  OB_CHECK_EQ(ipfs_kubo_pin_rm(k, r.cid, &err), OB_ENOENT);
  OB_CHECK_CONTAINS(err.msg, "not pinned");
  free(data);
  ipfs_kubo_free(k);
}

OB_TEST(reader_error_fails_the_add_with_its_message) {
  struct ipfs_kubo *k = client();
  struct ipfs_add_opts o;
  struct ipfs_add_result r;
  struct ob_err err;
  static char zeros[1 << 20];
  struct mem m = {zeros, sizeof(zeros), 0, 300000};
  OB_REQUIRE(k);
  ipfs_add_opts_init(&o);
  o.size = (int64_t)sizeof(zeros);
  OB_CHECK_EQ(ipfs_kubo_add(k, &o, mem_read, &m, NULL, NULL, &r, &err), OB_EIO);
  OB_CHECK_STR(err.msg, "test reader broke at 300000");
  /* The client is still usable after an aborted upload. */
  {
    char ver[32];
    OB_CHECK_EQ(ipfs_kubo_version(k, ver, sizeof(ver), &err), 0);
  }
  ipfs_kubo_free(k);
}

OB_TEST(missing_block_times_out_with_node_message) {
  struct ipfs_kubo *k = client();
  struct ob_err err;
  uint64_t size;
  /* sha256 of nothing we ever add: the node cannot find it and gives up after timeout=2s. */
  const char *cid = "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  OB_REQUIRE(k);
  OB_CHECK_EQ(ipfs_kubo_block_stat(k, cid, &size, &err), OB_ETIMEDOUT);
  OB_CHECK_CONTAINS(err.msg, "kubo: ");
  ipfs_kubo_free(k);
}

static int count_pin(void *ud, const char *cid, const char *type) {
  (void)cid;
  (void)type;
  (*(int *)ud)++;
  return 0;
}

OB_TEST(id_version_repo_stat_pin_ls_all) {
  struct ipfs_kubo *k = client();
  struct ipfs_repo_stat rs;
  struct ob_err err;
  char id[128], agent[128], ver[64];
  int n = 0;
  OB_REQUIRE(k);
  OB_CHECK_EQ(ipfs_kubo_id(k, id, sizeof(id), agent, sizeof(agent), &err), 0);
  OB_CHECK(id[0] != 0);
  OB_CHECK_EQ(ipfs_kubo_version(k, ver, sizeof(ver), &err), 0);
  OB_CHECK(ver[0] >= '0' && ver[0] <= '9');
  OB_CHECK_EQ(ipfs_kubo_repo_stat(k, &rs, &err), 0);
  OB_CHECK(rs.repo_size > 0);
  OB_CHECK_EQ(ipfs_kubo_pin_ls_all(k, count_pin, &n, &err), 0);
  OB_CHECK(n >= 0);
  ipfs_kubo_free(k);
}

OB_TEST(url_source_reads_a_download) {
  struct ipfs_url_src *s = NULL;
  struct ipfs_url_opts o;
  struct ob_err err;
  int64_t size = 0;
  const char *api = ob_test_peer("OBRIDGE_IPFS_API");
  char url[256];
  OB_REQUIRE(api);
  ipfs_url_opts_init(&o);
  /* Any HTTP server will do for the failure paths: the node's API answers GET with 405. */
  snprintf(url, sizeof(url), "%s/api/v0/version", api);
  OB_CHECK_EQ(ipfs_url_src_open(&s, url, &o, &size, &err), OB_EPEER);
  OB_CHECK_CONTAINS(err.msg, "HTTP 405");
  OB_CHECK_EQ(ipfs_url_src_open(&s, "ftp://example.org/x", &o, &size, &err), OB_EINVAL);
  OB_CHECK_EQ(ipfs_url_src_open(&s, "http://127.0.0.1:1/x", &o, &size, &err), OB_EUNREACH);
}

OB_TEST(pin_memory_checks_and_confirms) {
  struct ipfs_kubo *k = client();
  struct ipfs_pin_worker_opts o;
  struct ob_err err;
  char cid[IPFS_CID_TEXT_MAX];
  bool pinned = false;
  OB_REQUIRE(k);
  ipfs_pin_worker_opts_init(&o);
  o.kubo = k;
  OB_CHECK_EQ(ipfs_pin_memory(&o, IPFS_PROFILE_V1_2025, "batch.json", "hello world\n", 12, cid, &err), 0);
  OB_CHECK_STR(cid, "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
  OB_CHECK_EQ(ipfs_pin_memory(&o, IPFS_PROFILE_V0_2015, "batch.json", "hello world\n", 12, cid, &err), 0);
  OB_CHECK_STR(cid, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
  OB_CHECK_EQ(ipfs_kubo_pin_ls(k, cid, &pinned, NULL, 0, &err), 0);
  OB_CHECK(pinned);
  OB_CHECK_EQ(ipfs_pin_memory(&o, IPFS_PROFILE_V1_2025, "empty", "", 0, cid, &err), 0);
  OB_CHECK_STR(cid, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  ipfs_kubo_free(k);
}
