/* obridge cid FILE|DIR|- [--profile P] [--check CID] [--wrap] [--recursive] [--json]: the CID an IPFS node gives a file. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/storage/cid.h"

/* The profile: --profile, else the one --check's CID implies, else config ipfs.profile. */
static int pick_profile(struct cli *cli, const char *opt, const struct ipfs_cid *check,
                        enum ipfs_profile *prof, struct ob_err *err) {
  struct ob_config *c;
  int rc;
  if (opt) {
    if ((rc = ipfs_profile_parse(prof, opt, err))) return ob_err_prefix(err, rc, "--profile");
    if (check && (unsigned)*prof != check->version)
      return ob_err_set(err, OB_EUSAGE, "--profile %s cannot give the CIDv%u of --check", opt, check->version);
    return 0;
  }
  if (check) {
    *prof = check->version == 0 ? IPFS_PROFILE_V0_2015 : IPFS_PROFILE_V1_2025;
    return 0;
  }
  if (!(c = cli_config(cli, &rc))) return ob_err_set(err, OB_EINVAL, "cannot load the config");
  if ((rc = ipfs_profile_parse(prof, c->ipfs_profile, err))) return ob_err_prefix(err, rc, "config ipfs.profile");
  return 0;
}

/* What one run computed. */
struct cid_result {
  const char *path;
  enum ipfs_profile prof;
  struct ipfs_cid cid;            /* printed: the file's, or with --wrap the directory's */
  struct ipfs_cid file_cid;
  struct ipfs_dag_info info;      /* the file's DAG */
  uint64_t dag_size;              /* of what is printed */
  bool wrapped;
  const char *check;              /* "match", "mismatch" or NULL */
};

static int print_json(const struct cid_result *r) {
  char text[IPFS_CID_TEXT_MAX];
  struct ob_buf b;
  struct ob_jw w;
  int rc;
  ob_buf_init(&b, 1 << 16);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ipfs_cid_format(text, sizeof text, &r->cid);
  ob_jw_key(&w, "cid");
  ob_jw_str(&w, text);
  ob_jw_key(&w, "profile");
  ob_jw_str(&w, ipfs_profile_name(r->prof));
  ob_jw_key(&w, "path");
  ob_jw_str(&w, r->path);
  ob_jw_key(&w, "size");
  ob_jw_u64(&w, r->info.file_size);
  ob_jw_key(&w, "dag_size");
  ob_jw_u64(&w, r->dag_size);
  ob_jw_key(&w, "blocks");
  ob_jw_u64(&w, r->info.blocks);
  ob_jw_key(&w, "depth");
  ob_jw_u64(&w, r->info.depth);
  if (r->wrapped) {
    ipfs_cid_format(text, sizeof text, &r->file_cid);
    ob_jw_key(&w, "file_cid");
    ob_jw_str(&w, text);
    ob_jw_key(&w, "file_dag_size");
    ob_jw_u64(&w, r->info.dag_size);
  }
  if (r->check) {
    ob_jw_key(&w, "check");
    ob_jw_str(&w, r->check);
  }
  ob_jw_obj_end(&w);
  rc = ob_jw_finish(&w);
  if (!rc) rc = ob_buf_addch(&b, '\n');
  if (!rc) rc = cli_out(b.buf, b.len);
  ob_buf_release(&b);
  return rc ? CLI_EXIT_FAIL : 0;
}

/* Hash the file (and wrap it when asked). */
static int compute(struct cid_result *r, bool wrap, struct ob_err *err) {
  const char *name = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
  int rc;
  if (wrap && strcmp(r->path, "-") == 0)
    return ob_err_set(err, OB_EUSAGE, "--wrap needs a FILE: the directory entry is named after it");
  if (strcmp(r->path, "-") == 0)
    rc = ipfs_cid_of_fd(&r->file_cid, &r->info, STDIN_FILENO, r->prof, "stdin", err);
  else
    rc = ipfs_cid_of_path(&r->file_cid, &r->info, r->path, r->prof, err);
  if (rc) return rc;
  r->cid = r->file_cid;
  r->dag_size = r->info.dag_size;
  r->wrapped = wrap;
  if (!wrap) return 0;
  return ipfs_cid_wrap_dir(&r->cid, &r->dag_size, &r->file_cid, r->info.dag_size, name,
                           ipfs_profile_params(r->prof)->cid_version, err);
}

/* --recursive: the CID of a directory tree, as `add -r` gives it. */
static int cid_dir(const struct cid_result *r, const char *check_text, const struct ipfs_cid *check,
                   bool json) {
  struct ipfs_dir_info info;
  struct ipfs_cid cid;
  struct ob_err err;
  char text[IPFS_CID_TEXT_MAX];
  int rc;
  ob_err_clear(&err);
  if ((rc = ipfs_cid_of_dir(&cid, &info, r->path, r->prof, &err))) return cli_fail(rc, &err);
  ipfs_cid_format(text, sizeof text, &cid);
  if (json) {
    struct ob_buf b;
    struct ob_jw w;
    ob_buf_init(&b, 1 << 16);
    ob_jw_init(&w, &b, false);
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "cid");
    ob_jw_str(&w, text);
    ob_jw_key(&w, "profile");
    ob_jw_str(&w, ipfs_profile_name(r->prof));
    ob_jw_key(&w, "path");
    ob_jw_str(&w, r->path);
    ob_jw_key(&w, "dag_size");
    ob_jw_u64(&w, info.dag_size);
    ob_jw_key(&w, "files");
    ob_jw_u64(&w, info.files);
    ob_jw_key(&w, "dirs");
    ob_jw_u64(&w, info.dirs);
    ob_jw_key(&w, "file_bytes");
    ob_jw_u64(&w, info.file_bytes);
    if (check_text) {
      ob_jw_key(&w, "check");
      ob_jw_str(&w, ipfs_cid_equal(&cid, check) ? "match" : "mismatch");
    }
    ob_jw_obj_end(&w);
    rc = ob_jw_finish(&w);
    if (!rc) rc = ob_buf_addch(&b, '\n');
    if (!rc) rc = cli_out(b.buf, b.len);
    ob_buf_release(&b);
    if (rc) return CLI_EXIT_FAIL;
  } else if (cli_out(text, strlen(text)) || cli_out("\n", 1)) {
    return CLI_EXIT_FAIL;
  }
  if (check_text && !ipfs_cid_equal(&cid, check))
    return cli_failf(OB_EMISMATCH, "'%s' has CID %s, not %s", r->path, text, check_text);
  return 0;
}

static int cid_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos,
                    const struct cli_cmd *self) {
  struct cid_result r = {0};
  struct ipfs_cid check;
  struct ob_err err;
  char text[IPFS_CID_TEXT_MAX];
  const char *check_text = cli_opt(opts, "check")->value;
  int rc;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "cid: expected one FILE (or - for stdin), got %d; usage: obridge %s", npos, self->usage);
  r.path = pos[0];
  if (check_text && (rc = ipfs_cid_parse(&check, check_text, &err))) return cli_fail(rc, &err);
  if ((rc = pick_profile(cli, cli_opt(opts, "profile")->value, check_text ? &check : NULL, &r.prof, &err)))
    return cli_fail(rc, &err);
  if (cli_opt(opts, "recursive")->set) {
    if (cli_opt(opts, "wrap")->set || strcmp(r.path, "-") == 0)
      return cli_failf(OB_EUSAGE, "cid: --recursive takes a DIR (not '-', not with --wrap)");
    return cid_dir(&r, check_text, check_text ? &check : NULL, cli_opt(opts, "json")->set);
  }
  if ((rc = compute(&r, cli_opt(opts, "wrap")->set, &err))) return cli_fail(rc, &err);
  ipfs_cid_format(text, sizeof text, &r.cid);
  if (check_text) r.check = ipfs_cid_equal(&r.cid, &check) ? "match" : "mismatch";
  if (cli_opt(opts, "json")->set)
    rc = print_json(&r);
  else
    rc = cli_out(text, strlen(text)) || cli_out("\n", 1) ? CLI_EXIT_FAIL : 0;
  if (rc) return rc;
  if (r.check && strcmp(r.check, "match") != 0)
    return cli_failf(OB_EMISMATCH, "'%s' has CID %s, not %s", r.path, text, check_text);
  return 0;
}

static int run_cid(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"profile", CLI_VALUE, "P", "unixfs-v0-2015 or unixfs-v1-2025 (default: config ipfs.profile)"},
      {"check", CLI_VALUE, "CID", "compare with this CID (its version picks the profile); exit 1 if it differs"},
      {"wrap", CLI_FLAG, NULL, "the CID of the directory add's wrap-with-directory puts around FILE"},
      {"recursive", CLI_FLAG, NULL, "FILE is a directory: the CID of the tree as add -r gives it (symlinks refused)"},
      {"json", CLI_FLAG, NULL, "print the CID, profile, sizes and DAG shape as JSON"},
      {0}};
  char **pos = NULL; /* belongs to the CLI, as do the option values */
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return cid_main(cli, opts, pos, npos, self);
}

const struct cli_cmd cli_cmd_cid = {
    .name = "cid",
    .summary = "compute a file's IPFS CID locally, as the node's add would",
    .usage = "cid FILE|- [--profile unixfs-v0-2015|unixfs-v1-2025] [--check CID] [--wrap] [--recursive] [--json]",
    .example = "obridge cid model.bin --profile unixfs-v1-2025",
    .details = "Profiles (PROTOCOL.md): unixfs-v0-2015 = CIDv0, 256 KiB chunks, dag-pb leaves, 174 links\n"
               "per node (Kubo's default add); unixfs-v1-2025 = CIDv1, 1 MiB chunks, raw leaves, 1024\n"
               "links per node. Reads the file once in bounded memory; '-' reads stdin.\n"
               "--recursive: DIR's tree as `add -r` builds it (directory nodes sorted by name; no HAMT,\n"
               "so at most 10000 entries per directory; symbolic links are refused).\n"
               "Exit: 0 done (and --check matched), 1 --check differs, 2 bad input.",
    .run = run_cid,
};
