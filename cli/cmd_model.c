/* obridge model fetch|ls|show|verify|get: model weights (docs/MODELS.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_bar.h"
#include "cli_model.h"
#include "ob/core/alloc.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"
#include "ob/models/fetch.h"
#include "ob/models/safetensors.h"

/* NAME@VERSION parts: names and versions are [A-Za-z0-9._-], 1..64 characters, not starting with '.'. */
static bool ident_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64 || s[0] == '.') return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '.' || s[i] == '_' || s[i] == '-'))
      return false;
  return true;
}

int cli_model_ident_check(const char *what, const char *s, struct ob_err *err) {
  if (!ident_ok(s))
    return ob_err_set(err, OB_EUSAGE, "%s '%.80s': expected 1 to 64 of [A-Za-z0-9._-], not starting with '.'",
                      what, s);
  return 0;
}

/* The file name a URL gives: its path's last component, query and fragment dropped. */
static int url_file_name(char *out, size_t cap, const char *url, struct ob_err *err) {
  const char *p = strstr(url, "://"), *end, *slash = NULL;
  size_t n;
  if (!p || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
    return ob_err_set(err, OB_EUSAGE, "'%.200s': expected an http:// or https:// URL", url);
  p += 3;
  end = p + strcspn(p, "?#");
  for (const char *q = p; q < end; q++)
    if (*q == '/') slash = q;
  if (!slash || slash + 1 >= end)
    return ob_err_set(err, OB_EUSAGE, "'%.200s': the URL does not end in a file name", url);
  n = (size_t)(end - slash - 1);
  if (n >= cap) return ob_err_set(err, OB_EUSAGE, "'%.200s': the file name is too long", url);
  memcpy(out, slash + 1, n);
  out[n] = '\0';
  if (!ident_ok(out))
    return ob_err_set(err, OB_EUSAGE, "'%.200s': file name '%s' is not [A-Za-z0-9._-]", url, out);
  return 0;
}

static int mkdir_p(const char *path, struct ob_err *err) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return ob_err_set(err, OB_EIO, "cannot create '%s': %s", tmp, strerror(errno));
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return ob_err_set(err, OB_EIO, "cannot create '%s': %s", tmp, strerror(errno));
  return 0;
}

struct fetch_ui {
  struct cli_bar bar;
  bool json;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total) {
  struct fetch_ui *ui = ctx;
  cli_bar_progress(&ui->bar, done, total ? (int64_t)total : -1);
}

static void on_note(void *ctx, const struct model_fetch_file *f, const char *msg) {
  struct fetch_ui *ui = ctx;
  const char *name = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
  if (ui->bar.on) cli_bar_clear(&ui->bar);
  cli_notef("%s: %s", name, msg);
}

/* Fetch every URL into STAGING/NAME@VERSION/, then check each .safetensors file. */
int cli_model_fetch_files(struct cli_model_fetch *mf, struct ob_err *err) {
  struct model_fetch_opts o;
  struct fetch_ui ui = {.json = mf->json};
  int rc;
  if ((rc = mkdir_p(mf->dir, err))) return rc;
  mf->files = ob_calloc(mf->n, sizeof(*mf->files));
  mf->paths = ob_calloc(mf->n, sizeof(*mf->paths));
  mf->st = ob_calloc(mf->n, sizeof(*mf->st));
  mf->is_st = ob_calloc(mf->n, sizeof(*mf->is_st));
  if (!mf->files || !mf->paths || !mf->st || !mf->is_st) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (size_t i = 0; i < mf->n; i++) {
    char name[256];
    if ((rc = url_file_name(name, sizeof name, mf->urls[i], err))) return rc;
    for (size_t k = 0; k < i; k++)
      if (strcmp(strrchr(mf->paths[k], '/') + 1, name) == 0)
        return ob_err_set(err, OB_EUSAGE, "two URLs give the file name '%s'", name);
    size_t len = strlen(mf->dir) + strlen(name) + 2;
    mf->paths[i] = ob_malloc(len);
    if (!mf->paths[i]) return ob_err_set(err, OB_ENOMEM, "out of memory");
    snprintf(mf->paths[i], len, "%s/%s", mf->dir, name);
    mf->files[i].url = mf->urls[i];
    mf->files[i].path = mf->paths[i];
    mf->is_st[i] = ob_str_ends(name, ".safetensors");
    if (mf->sha256[i]) {
      mf->files[i].have_sha256 = true;
      if ((rc = ob_hex_decode_fixed(mf->files[i].want_sha256, 32, mf->sha256[i], err)))
        return ob_err_prefix(err, OB_EUSAGE, "--sha256 '%.80s'", mf->sha256[i]);
    }
  }
  model_fetch_opts_init(&o);
  o.parallel = mf->parallel;
  o.allow_http = true;
  o.max_bytes = mf->max_bytes;
  o.buffered_io = mf->buffered_io;
  o.note = on_note;
  o.progress = on_progress;
  o.ctx = &ui;
  ui.bar.on = !mf->json && isatty(2);
  ui.bar.t0 = ob_mono_ms();
  ui.bar.name = mf->label;
  if (ui.bar.on) ob_log_set_before_write(cli_bar_clear, &ui.bar);
  rc = model_fetch_run(mf->files, mf->n, &o, err);
  if (ui.bar.on) ob_log_set_before_write(NULL, NULL);
  if (ui.bar.drawn) fputc('\n', stderr);
  if (rc) return rc;
  for (size_t i = 0; i < mf->n; i++)
    if (mf->is_st[i] && (rc = model_st_check_path(&mf->st[i], mf->paths[i], err))) return rc;
  return 0;
}

void cli_model_fetch_release(struct cli_model_fetch *mf) {
  for (size_t i = 0; mf->paths && i < mf->n; i++) ob_free(mf->paths[i]);
  ob_free(mf->paths);
  ob_free(mf->files);
  ob_free(mf->st);
  ob_free(mf->is_st);
}

void cli_model_files_json(struct ob_jw *w, const struct cli_model_fetch *mf) {
  char hex[65];
  ob_jw_key(w, "files");
  ob_jw_arr_begin(w);
  for (size_t i = 0; i < mf->n; i++) {
    const struct model_fetch_file *f = &mf->files[i];
    ob_jw_obj_begin(w);
    ob_jw_key(w, "name");
    ob_jw_str(w, strrchr(f->path, '/') + 1);
    ob_jw_key(w, "url");
    ob_jw_str(w, f->url);
    ob_jw_key(w, "size");
    ob_jw_u64(w, f->size);
    ob_hex_encode(hex, f->sha256, 32);
    ob_jw_key(w, "sha256");
    ob_jw_str(w, hex);
    ob_jw_key(w, "sha256_checked_against");
    ob_jw_str(w, f->sha256_source[0] ? f->sha256_source : NULL);
    ob_jw_key(w, "received");
    ob_jw_u64(w, f->received);
    ob_jw_key(w, "resumed_from");
    ob_jw_u64(w, f->resumed_from);
    ob_jw_key(w, "already_done");
    ob_jw_bool(w, f->already_done);
    ob_jw_key(w, "restarted");
    ob_jw_bool(w, f->restarted);
    ob_jw_key(w, "note");
    ob_jw_str(w, f->note[0] ? f->note : NULL);
    ob_jw_key(w, "safetensors");
    if (mf->is_st[i]) {
      ob_jw_obj_begin(w);
      ob_jw_key(w, "tensors");
      ob_jw_u64(w, mf->st[i].tensors);
      ob_jw_key(w, "params");
      ob_jw_u64(w, mf->st[i].params);
      ob_jw_key(w, "header_len");
      ob_jw_u64(w, mf->st[i].header_len);
      ob_jw_obj_end(w);
    } else {
      ob_jw_null(w);
    }
    ob_jw_obj_end(w);
  }
  ob_jw_arr_end(w);
}

void cli_model_files_text(const struct cli_model_fetch *mf) {
  char hex[65];
  for (size_t i = 0; i < mf->n; i++) {
    const struct model_fetch_file *f = &mf->files[i];
    ob_hex_encode(hex, f->sha256, 32);
    printf("%-40s %14" PRIu64 "  sha256:%s", strrchr(f->path, '/') + 1, f->size, hex);
    if (mf->is_st[i]) printf("  safetensors: %zu tensors", mf->st[i].tensors);
    putchar('\n');
  }
}

static int run_fetch(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"name", CLI_VALUE, "NAME", "the model's name ([A-Za-z0-9._-], 1 to 64)"},
      {"version", CLI_VALUE, "V", "its version (same characters); NAME@V is registered once"},
      {"sha256", CLI_MULTI, "HEX", "the expected sha256 of each URL, in order (else the server's X-Linked-Etag)"},
      {"staging", CLI_VALUE, "DIR", "where downloads are kept and resumed (default ./obridge-staging)"},
      {"parallel", CLI_VALUE, "N", "files downloaded at once (default 4, at most 16)"},
      {"max-size", CLI_VALUE, "BYTES", "refuse a file larger than this"},
      {"fetch-only", CLI_FLAG, NULL, "fetch and check only: nothing pinned or registered"},
      {"buffered-io", CLI_FLAG, NULL, "write downloads through the page cache rather than O_DIRECT"},
      {"registry", CLI_VALUE, "ADDR", "registry address (default chain.registry)"},
      {"key-file", CLI_VALUE, "PATH", "sender: hex private key file instead of the keystore (development)"},
      {"signer-key-files", CLI_VALUE, "A,B", "hex key files that sign the entry (default: the sender's key)"},
      {"timeout", CLI_VALUE, "S", "give up registering after S seconds (default 600)"},
      {"json", CLI_FLAG, NULL, "print the result as JSON (no progress bar)"},
      {0}};
  struct cli_model_fetch mf = {0};
  struct ob_err err;
  char **pos = NULL, dir[4096], label[160];
  const char *sha[256] = {0};
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos), exit_code = 0;
  const char *name = cli_opt(opts, "name")->value, *version = cli_opt(opts, "version")->value;
  const char *staging = cli_opt(opts, "staging")->value ? cli_opt(opts, "staging")->value : "obridge-staging";
  struct cli_opt *so = cli_opt(opts, "sha256");
  uint64_t parallel = 4, max_size = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  (void)cli;
  ob_err_clear(&err);
  if (npos < 1) return cli_failf(OB_EUSAGE, "model fetch: give at least one URL");
  if ((size_t)npos > OB_ARRAY_LEN(sha)) return cli_failf(OB_EUSAGE, "model fetch: at most %zu URLs", OB_ARRAY_LEN(sha));
  if (!name || !version) return cli_failf(OB_EUSAGE, "model fetch: --name and --version are required");
  if ((rc = cli_model_ident_check("--name", name, &err)) || (rc = cli_model_ident_check("--version", version, &err)))
    return cli_fail(rc, &err);
  if (so->set && so->nvalues != (size_t)npos)
    return cli_failf(OB_EUSAGE, "model fetch: %zu --sha256 for %d URLs: give one per URL, in order", so->nvalues, npos);
  for (size_t i = 0; so->set && i < so->nvalues; i++) {
    if (strlen(so->values[i]) != 64) return cli_failf(OB_EUSAGE, "--sha256 '%.80s': expected 64 hex digits", so->values[i]);
    sha[i] = so->values[i];
  }
  if (cli_opt(opts, "parallel")->set &&
      ((rc = ob_parse_u64(&parallel, cli_opt(opts, "parallel")->value, "--parallel", &err)) || parallel < 1 || parallel > 16))
    return rc ? cli_fail(rc, &err) : cli_failf(OB_EUSAGE, "--parallel: expected 1 to 16");
  if (cli_opt(opts, "max-size")->set && (rc = ob_parse_u64(&max_size, cli_opt(opts, "max-size")->value, "--max-size", &err)))
    return cli_fail(rc, &err);
  snprintf(dir, sizeof dir, "%s/%s@%s", staging, name, version);
  snprintf(label, sizeof label, "%s@%s", name, version);
  mf.urls = (const char **)pos;
  mf.sha256 = sha;
  mf.n = (size_t)npos;
  mf.dir = dir;
  mf.label = label;
  mf.parallel = (unsigned)parallel;
  mf.max_bytes = max_size;
  mf.json = cli_opt(opts, "json")->set;
  mf.buffered_io = cli_opt(opts, "buffered-io")->set;
  rc = cli_model_fetch_files(&mf, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  if (!cli_opt(opts, "fetch-only")->set) {
    struct cli_model_opts mo = {.registry = cli_opt(opts, "registry")->value, .key_file = cli_opt(opts, "key-file")->value,
                                .signer_files = cli_opt(opts, "signer-key-files")->value, .timeout_s = 600};
    if (cli_opt(opts, "timeout")->set &&
        ((rc = ob_parse_u64(&mo.timeout_s, cli_opt(opts, "timeout")->value, "--timeout", &err)) || !mo.timeout_s)) {
      exit_code = rc ? cli_fail(rc, &err) : cli_failf(OB_EUSAGE, "--timeout: expected seconds >= 1");
      goto out;
    }
    if (cli_model_publish(cli, &mf, name, version, &mo, &exit_code)) goto out;
  }
  if (mf.json) {
    struct cli_json j;
    struct ob_jw *w = cli_json_begin(&j);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "name");
    ob_jw_str(w, name);
    ob_jw_key(w, "version");
    ob_jw_str(w, version);
    ob_jw_key(w, "staging");
    ob_jw_str(w, dir);
    if (mf.cid[0]) {
      ob_jw_key(w, "registry"), ob_jw_str(w, mf.registry);
      ob_jw_key(w, "cid"), ob_jw_str(w, mf.cid);
      ob_jw_key(w, "sha256"), ob_jw_str(w, mf.sha256_hex);
      ob_jw_key(w, "size"), ob_jw_u64(w, mf.total_size);
      ob_jw_key(w, "tx"), ob_jw_str(w, mf.tx_hash[0] ? mf.tx_hash : NULL);
    }
    cli_model_files_json(w, &mf);
    ob_jw_obj_end(w);
    exit_code = cli_json_end(&j);
  } else {
    cli_model_files_text(&mf);
    if (mf.cid[0]) printf("%s@%s  cid %s  sha256 %s  %" PRIu64 " bytes  registered%s%s\n", name, version, mf.cid,
                          mf.sha256_hex, mf.total_size, mf.tx_hash[0] ? " in tx " : "", mf.tx_hash);
  }
out:
  cli_model_fetch_release(&mf);
  return exit_code;
}

static const struct cli_cmd cmd_fetch = {
    .name = "fetch",
    .summary = "download a model's files (resumable, sha256-checked, safetensors-checked), pin and register it",
    .usage = "model fetch URL… --name N --version V [--sha256 HEX…] [--staging DIR] [--parallel N] [--fetch-only] [--json]",
    .example = "obridge model fetch https://huggingface.co/org/m/resolve/main/model.safetensors --name m --version 1",
    .details = "Each URL is downloaded into STAGING/NAME@VERSION/ with HTTP Range resumes: a dropped transfer\n"
               "or a rerun after a crash continues from the bytes on disk (the last 64 KiB fetched again and\n"
               "compared); it restarts from zero only when the server's ETag / Last-Modified changed, and says so.\n"
               "sha256 is computed while downloading and checked against --sha256 or the server's X-Linked-Etag\n"
               "(Hugging Face's 302 answers; X-Linked-Size is the expected size). *.safetensors files are checked\n"
               "as the reference implementation defines the format; other files are taken as bytes. A progress bar\n"
               "on a terminal (none with --json). Exit: 0 done, 1 a check failed, 2 bad input, 3 server unreachable.",
    .run = run_fetch};
static const struct cli_cmd *const subs[] = {&cmd_fetch, CLI_MODEL_INDEX_CMDS NULL};

const struct cli_cmd cli_cmd_model = {
    .name = "model", .summary = "model weights: fetch, check, pin, register, list, verify, get",
    .usage = "model <fetch|ls|show|verify|get> [options]", .example = "obridge model ls", .subs = subs};
