/* Feeds from JSON: defaults, every rule, errors naming the JSON path, files, duplicates. */
#include <stdio.h>
#include <stdlib.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/oracle/feed.h"
#include "ob/oracle/jsonpath.h"
#include "ob_test.h"

#define SRC "{\"name\":\"bn\",\"url\":\"https://api.example/ticker?symbol=ETHUSDT\",\"path\":\"$.price\"}"

/* Add text (a document) to fs under where: "" on success, else the message (static buffer). */
static const char *add(struct oracle_feedset *fs, const char *where, const char *text) {
  static char out[600];
  struct ob_json *doc = NULL;
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  rc = ob_json_parse(&doc, text, strlen(text), NULL, &err);
  if (!rc) rc = oracle_feedset_add_json(fs, doc, where, &err);
  snprintf(out, sizeof(out), "%s", rc ? err.msg : "");
  ob_json_free(doc);
  return out;
}

/* One feed with extra keys at the feed level and in its one source; the error or "". */
static const char *one(const char *feed_extra, const char *source_extra) {
  static char text[2000];
  struct oracle_feedset fs;
  const char *r;
  snprintf(text, sizeof(text),
           "{\"feeds\":[{\"name\":\"ETH/USD\",\"decimals\":8%s,\"sources\":[{\"name\":\"bn\",\"url\":\"https://a.example/p\","
           "\"path\":\"$.price\"%s}]}]}",
           feed_extra, source_extra);
  oracle_feedset_init(&fs);
  r = add(&fs, "f.json", text);
  oracle_feedset_release(&fs);
  return r;
}

OB_TEST(feed_full_and_defaults) {
  struct oracle_feedset fs;
  const struct oracle_feed *f;
  oracle_feedset_init(&fs);
  OB_CHECK_STR(add(&fs, "config",
                   "[{\"name\":\"ETH/USD\",\"decimals\":8,\"quorum\":2,\"k\":\"2.5\",\"deviation_bps\":50,\"heartbeat_s\":600,"
                   "\"sources\":[{\"name\":\"kr\",\"url\":\"https://a.example/p\",\"path\":\"$.price\",\"timeout_ms\":1000,"
                   "\"max_bytes\":4096,\"max_redirects\":0,\"headers\":{\"X-Api-Key\":{\"env\":\"BN_KEY\"}},"
                   "\"multiply\":\"1.5\",\"divide\":2,\"invert\":true,\"method\":\"GET\"}," SRC "]},"
                   "{\"name\":\"BTC/USD\",\"decimals\":0,\"sources\":[" SRC "]}]"),
               "");
  OB_REQUIRE(fs.n == 2);
  f = oracle_feedset_find(&fs, "ETH/USD");
  OB_REQUIRE(f != NULL);
  OB_CHECK_EQ(f->decimals, 8);
  OB_CHECK_EQ(f->quorum, 2);
  OB_CHECK_STR(f->k.text, "2.5");
  OB_CHECK_EQ(f->deviation_bps, 50);
  OB_CHECK_EQ(f->heartbeat_s, 600);
  OB_CHECK_STR(f->origin, "config");
  OB_REQUIRE(f->nsources == 2);
  OB_CHECK_STR(f->sources[0].name, "kr");
  OB_CHECK_STR(f->sources[1].name, "bn");
  OB_CHECK_STR(oracle_jsonpath_text(f->sources[0].jp), "$.price");
  OB_CHECK_EQ(f->sources[0].timeout_ms, 1000);
  OB_CHECK_EQ(f->sources[0].max_bytes, 4096);
  OB_CHECK_EQ(f->sources[0].max_redirects, 0);
  OB_CHECK_EQ(f->sources[0].nheaders, 1);
  OB_CHECK_STR(f->sources[0].headers[0].name, "X-Api-Key");
  OB_CHECK_STR(f->sources[0].headers[0].env, "BN_KEY");
  OB_CHECK_STR(f->sources[0].multiply, "1.5");
  OB_CHECK_STR(f->sources[0].divide, "2");
  OB_CHECK(f->sources[0].invert);
  /* defaults */
  f = oracle_feedset_find(&fs, "BTC/USD");
  OB_REQUIRE(f != NULL);
  OB_CHECK_EQ(f->quorum, ORACLE_QUORUM_DEFAULT);
  OB_CHECK_STR(f->k.text, "3");
  OB_CHECK_EQ(f->deviation_bps, 0);
  OB_CHECK_EQ(f->heartbeat_s, 3600);
  OB_CHECK_EQ(f->sources[0].timeout_ms, ORACLE_SOURCE_TIMEOUT_MS_DEFAULT);
  OB_CHECK_EQ(f->sources[0].max_bytes, ORACLE_SOURCE_MAX_BYTES_DEFAULT);
  OB_CHECK_EQ(f->sources[0].max_redirects, ORACLE_SOURCE_REDIRECTS_DEFAULT);
  OB_CHECK(!f->sources[0].invert && !f->sources[0].multiply && !f->sources[0].divide && !f->sources[0].nheaders);
  OB_CHECK(oracle_feedset_find(&fs, "XAU/USD") == NULL);
  oracle_feedset_release(&fs);
  OB_CHECK_EQ(fs.n, 0);
}

OB_TEST(feed_errors_name_the_json_path) {
  OB_CHECK_STR(one(",\"quorom\":2", ""), "f.json: unknown key feeds[0].quorom: did you mean feeds[0].quorum?");
  OB_CHECK_STR(one("", ",\"pth\":\"$.x\""), "f.json: unknown key feeds[0].sources[0].pth: did you mean feeds[0].sources[0].path?");
  OB_CHECK_STR(one(",\"zzzzzzzzzz\":1", ""),
               "f.json: unknown key feeds[0].zzzzzzzzzz (expected one of name, decimals, quorum, k, deviation_bps, heartbeat_s, sources)");
  OB_CHECK_STR(one(",\"quorum\":2", ""), "f.json: feeds[0].quorum: quorum 2 is more than the 1 sources");
  OB_CHECK_STR(one(",\"quorum\":0", ""), "f.json: feeds[0].quorum: expected an integer from 1 to 64, got 0");
  OB_CHECK_STR(one(",\"heartbeat_s\":\"60\"", ""), "f.json: feeds[0].heartbeat_s: expected an integer, got string");
  OB_CHECK_STR(one(",\"k\":\"-1\"", ""), "f.json: feeds[0].k: expected a JSON number without a sign, got '-1'");
  OB_CHECK_STR(one(",\"k\":\"x\"", ""), "f.json: feeds[0].k: expected a decimal number (a JSON number or a string holding one)");
  OB_CHECK_STR(one(",\"k\":\"1e99\"", ""),
               "f.json: feeds[0].k: k '1e99' is out of range (at most 64 significant digits, 0 or 1e-64 <= k < 1e64)");
  OB_CHECK_STR(one("", ",\"timeout_ms\":0"), "f.json: feeds[0].sources[0].timeout_ms: expected an integer from 1 to 600000, got 0");
  OB_CHECK_STR(one("", ",\"max_redirects\":21"), "f.json: feeds[0].sources[0].max_redirects: expected an integer from 0 to 20, got 21");
  OB_CHECK_STR(one("", ",\"method\":\"POST\""), "f.json: feeds[0].sources[0].method: only \"GET\" is supported, got 'POST'");
  OB_CHECK_STR(one("", ",\"invert\":1"), "f.json: feeds[0].sources[0].invert: expected true or false, got number");
  OB_CHECK_STR(one("", ",\"multiply\":\"0\""), "f.json: feeds[0].sources[0].multiply: must be positive, got '0'");
  OB_CHECK_STR(one("", ",\"divide\":\"-2\""), "f.json: feeds[0].sources[0].divide: must be positive, got '-2'");
  OB_CHECK_STR(one("", ",\"divide\":\"x\""), "f.json: feeds[0].sources[0].divide: expected a decimal number (a JSON number or a string holding one)");
  OB_CHECK_STR(one("", ",\"headers\":{\"X-Key\":\"hunter2\"}"),
               "f.json: feeds[0].sources[0].headers[\"X-Key\"]: a header value is only {\"env\": \"VAR\"} (secrets come from the environment, never from files)");
  OB_CHECK_STR(one("", ",\"headers\":{\"X-Key\":{\"env\":\"BN KEY\"}}"),
               "f.json: feeds[0].sources[0].headers[\"X-Key\"].env: expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  OB_CHECK_STR(one("", ",\"headers\":{\"X-Key\":{\"env\":\"K\",\"value\":\"x\"}}"),
               "f.json: feeds[0].sources[0].headers[\"X-Key\"]: a header value is only {\"env\": \"VAR\"} (secrets come from the environment, never from files)");
  OB_CHECK_STR(one("", ",\"headers\":{\"X Key\":{\"env\":\"K\"}}"),
               "f.json: feeds[0].sources[0].headers: header name 'X Key' is not an HTTP token");
}

OB_TEST(feed_field_errors) {
  struct oracle_feedset fs;
  oracle_feedset_init(&fs);
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"ETH USD\",\"decimals\":8,\"sources\":[" SRC "]}]}"),
               "f.json: feeds[0].name: feed name 'ETH USD': byte 0x20 at 3 is not one of [A-Za-z0-9._/:-]");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"sources\":[" SRC "]}]}"),
               "f.json: feeds[0].decimals: missing (an integer from 0 to 36)");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":37,\"sources\":[" SRC "]}]}"),
               "f.json: feeds[0].decimals: expected an integer from 0 to 36, got 37");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[]}]}"),
               "f.json: feeds[0].sources: expected an array of 1 to 64 sources");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1}]}"),
               "f.json: feeds[0].sources: missing (an array of 1 to 64 sources)");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[{\"name\":\"a\",\"url\":\"ftp://x/\",\"path\":\"$\"}]}]}"),
               "f.json: feeds[0].sources[0].url: expected an http:// or https:// URL, got 'ftp://x/'");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[{\"name\":\"a\",\"url\":\"https://u:p@x/\",\"path\":\"$\"}]}]}"),
               "f.json: feeds[0].sources[0].url: URL has user-info (put credentials in headers from the environment)");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[{\"name\":\"a\",\"url\":\"https:///p\",\"path\":\"$\"}]}]}"),
               "f.json: feeds[0].sources[0].url: URL 'https:///p' has no host");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[{\"name\":\"a\",\"url\":\"https://x/\",\"path\":\"$..p\"}]}]}"),
               "f.json: feeds[0].sources[0].path: path '$..p': at byte 2: recursive descent ('..') is not supported");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[{\"name\":\"a\",\"url\":\"https://x/\"}]}]}"),
               "f.json: feeds[0].sources[0].path: missing (a string)");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[" SRC "," SRC "]}]}"),
               "f.json: feeds[0].sources[1].name: source name 'bn' is used twice in this feed (also sources[0])");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feeds\":[{\"name\":\"E\",\"decimals\":1,\"sources\":[{\"name\":\"-a\",\"url\":\"https://x/\",\"path\":\"$\"}]}]}"),
               "f.json: feeds[0].sources[0].name: source name '-a': expected [A-Za-z0-9._:/-], starting with a letter or digit");
  OB_CHECK_STR(add(&fs, "f.json", "{\"feed\":[]}"), "f.json: unknown key feed (expected feeds)");
  OB_CHECK_STR(add(&fs, "f.json", "[1]"), "f.json: .oracle.feeds[0]: expected an object (a feed), got number");
  OB_CHECK_STR(add(&fs, "f.json", "3"), "f.json: expected {\"feeds\": [...]} at the top level, got number");
  OB_CHECK_STR(add(&fs, "f.json", "{\"$schema\":\"x\",\"feeds\":[]}"), "");
  OB_CHECK_EQ(fs.n, 0);
  oracle_feedset_release(&fs);
}

OB_TEST(feed_duplicates_across_documents_and_atomic_add) {
  struct oracle_feedset fs;
  oracle_feedset_init(&fs);
  OB_CHECK_STR(add(&fs, "config", "[{\"name\":\"ETH/USD\",\"decimals\":8,\"sources\":[" SRC "]}]"), "");
  /* The second feed of b.json repeats the config's: b.json adds nothing. */
  OB_CHECK_STR(add(&fs, "b.json", "{\"feeds\":[{\"name\":\"BTC/USD\",\"decimals\":8,\"sources\":[" SRC "]},"
                                  "{\"name\":\"ETH/USD\",\"decimals\":8,\"sources\":[" SRC "]}]}"),
               "b.json: feeds[1].name: feed 'ETH/USD' is declared twice (also in config: .oracle.feeds[0])");
  OB_CHECK_EQ(fs.n, 1);
  OB_CHECK(oracle_feedset_find(&fs, "BTC/USD") == NULL);
  OB_CHECK_STR(add(&fs, "b.json", "{\"feeds\":[{\"name\":\"BTC/USD\",\"decimals\":8,\"sources\":[" SRC "]}]}"), "");
  OB_CHECK_STR(add(&fs, "c.json", "{\"feeds\":[{\"name\":\"BTC/USD\",\"decimals\":8,\"sources\":[" SRC "]}]}"),
               "c.json: feeds[0].name: feed 'BTC/USD' is declared twice (also in b.json: feeds[0])");
  OB_CHECK_EQ(fs.n, 2);
  oracle_feedset_release(&fs);
}

struct errs {
  char all[4000];
  int n;
};
static void collect(void *ud, const struct ob_err *e) {
  struct errs *c = ud;
  snprintf(c->all + strlen(c->all), sizeof(c->all) - strlen(c->all), "%s\n", e->msg);
  c->n++;
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[600];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  OB_REQUIRE(f != NULL);
  fputs(text, f);
  fclose(f);
}

OB_TEST(feed_dir_sorted_atomic_and_every_error) {
  const char *dir = ob_test_tmpdir();
  struct oracle_feedset fs;
  struct ob_err err;
  struct errs c = {.n = 0};
  char path[600];
  write_file(dir, "b.json", "{\"feeds\":[{\"name\":\"B\",\"decimals\":1,\"sources\":[" SRC "]}]}");
  write_file(dir, "a.json", "{\"feeds\":[{\"name\":\"A\",\"decimals\":1,\"sources\":[" SRC "]}]}");
  write_file(dir, "notes.txt", "not a feed file");
  write_file(dir, ".hidden.json", "garbage");
  oracle_feedset_init(&fs);
  OB_REQUIRE(oracle_feedset_add_dir(&fs, dir, &err) == 0);
  OB_REQUIRE(fs.n == 2);
  OB_CHECK_STR(fs.feeds[0].name, "A"); /* files in name order */
  OB_CHECK_STR(fs.feeds[1].name, "B");
  snprintf(path, sizeof(path), "%s/a.json", dir);
  OB_CHECK_STR(fs.feeds[0].origin, path);
  oracle_feedset_release(&fs);
  /* A bad file: nothing is added, the error names the file, line and column. */
  write_file(dir, "c.json", "{\"feeds\":[\n  {\"name\": \"C\",, }]}");
  write_file(dir, "d.json", "{\"feeds\":[{\"name\":\"D\",\"decimals\":1,\"sources\":[" SRC "]},{\"name\":\"E\",\"decimal\":1}]}");
  OB_CHECK_EQ(oracle_feedset_add_dir(&fs, dir, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "/c.json: line 2, column");
  OB_CHECK_EQ(fs.n, 0);
  /* Collecting: every bad feed and file reported, the good ones kept. */
  OB_CHECK_EQ(oracle_feedset_add_dir_all(&fs, dir, collect, &c), OB_EPARSE);
  OB_CHECK_EQ(c.n, 2);
  OB_CHECK_CONTAINS(c.all, "/c.json: line 2, column");
  OB_CHECK_CONTAINS(c.all, "/d.json: unknown key feeds[1].decimal: did you mean feeds[1].decimals?");
  OB_CHECK_EQ(fs.n, 3); /* A, B, D */
  OB_CHECK(oracle_feedset_find(&fs, "D") != NULL);
  oracle_feedset_release(&fs);
  snprintf(path, sizeof(path), "%s/nope", dir);
  OB_CHECK_EQ(oracle_feedset_add_dir(&fs, path, &err), OB_ENOENT);
  OB_CHECK_CONTAINS(err.msg, "cannot read the feeds directory");
}
