/* obridge pin add|ls|status|rm|verify|recover|worker, and the doctor's IPFS check.
 *
 * Every pin goes through the queue (table pins): `pin add` queues the jobs and, unless --no-wait,
 * runs them itself with the same worker code `pin worker` (and later the daemon) uses. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <limits.h>
#include <sys/wait.h>

#include "cli.h"
#include "cli_db.h"
#include "cli_doctor.h"
#include "config.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/storage/pin.h"
#include "ob/node/pin_store.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

static int kubo_open(const struct ob_config *c, struct ipfs_kubo **k, struct ob_err *err) {
  struct ipfs_kubo_opts o;
  ipfs_kubo_opts_init(&o);
  o.api = c->ipfs_api;
  o.connect_timeout_s = c->ipfs_connect_timeout_s;
  o.stall_timeout_s = c->ipfs_stall_timeout_s;
  return ipfs_kubo_new(k, &o, err);
}

/* ---- doctor ---- */
int doctor_ipfs(const struct ob_config *c, struct doctor_result *r) {
  struct ipfs_kubo *k = NULL;
  struct ob_err err;
  char ver[64] = "", id[128] = "", agent[128] = "";
  int rc;
  ob_err_clear(&err);
  rc = kubo_open(c, &k, &err);
  if (!rc) rc = ipfs_kubo_version(k, ver, sizeof(ver), &err);
  if (!rc) rc = ipfs_kubo_id(k, id, sizeof(id), agent, sizeof(agent), &err);
  ipfs_kubo_free(k);
  if (rc) {
    doctor_set(r, rc, "IPFS API %s: %s", c->ipfs_api, ob_err_msg(&err, rc));
    doctor_fix(r, "start the IPFS node (Kubo) or fix ipfs.api / $OBRIDGE_IPFS_API");
    return rc;
  }
  doctor_set(r, 0, "IPFS API %s reachable: version %s, agent %s", c->ipfs_api, ver, agent);
  return 0;
}

/* ---- the worker's options from the config ---- */
struct pin_env {
  struct ob_config *cfg;
  struct db *db;
  struct ipfs_kubo *kubo;
  struct ipfs_pin_store store;
  struct ipfs_pin_worker_opts wo;
  char worker_id[128];
};

struct bar {
  bool on;
  uint64_t t0, last;
};

static void human(char *out, size_t cap, double b) {
  const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t i = 0;
  while (b >= 1024 && i + 1 < OB_ARRAY_LEN(u)) b /= 1024, i++;
  snprintf(out, cap, "%.1f %s", b, u[i]);
}

static void bar_progress(void *ud, uint64_t bytes, int64_t total) {
  struct bar *b = ud;
  uint64_t now = ob_mono_ms();
  char done[32], all[32] = "?", rate[32];
  double secs, bps;
  if (!b->on || (now - b->last < 200 && (total < 0 || bytes < (uint64_t)total))) return;
  b->last = now;
  secs = (double)(now - b->t0) / 1000.0;
  bps = secs > 0 ? (double)bytes / secs : 0;
  human(done, sizeof(done), (double)bytes);
  if (total >= 0) human(all, sizeof(all), (double)total);
  human(rate, sizeof(rate), bps);
  if (total > 0 && bps > 0)
    fprintf(stderr, "\r%s / %s  %s/s  ETA %.0f s   ", done, all, rate, ((double)total - (double)bytes) / bps);
  else fprintf(stderr, "\r%s  %s/s   ", done, rate);
}

static int env_open(struct cli *cli, struct pin_env *e, bool need_db, int *exit_code) {
  struct ob_err err;
  char host[64] = "host";
  int rc;
  memset(e, 0, sizeof(*e));
  ob_err_clear(&err);
  e->cfg = cli_config(cli, exit_code);
  if (!e->cfg) return -1;
  rc = kubo_open(e->cfg, &e->kubo, &err);
  if (rc) {
    *exit_code = cli_fail(rc, &err);
    return -1;
  }
  if (need_db && cli_db_open(cli, &e->db, exit_code)) {
    ipfs_kubo_free(e->kubo);
    return -1;
  }
  gethostname(host, sizeof(host) - 1);
  snprintf(e->worker_id, sizeof(e->worker_id), "%s:%ld", host, (long)getpid());
  if (e->db) pin_db_store(&e->store, e->db);
  ipfs_pin_worker_opts_init(&e->wo);
  e->wo.kubo = e->kubo;
  e->wo.store = &e->store;
  e->wo.worker_id = e->worker_id;
  e->wo.max_attempts = e->cfg->pin_max_attempts;
  e->wo.retry_base_s = e->cfg->pin_retry_base_s;
  e->wo.stall_timeout_s = e->cfg->ipfs_stall_timeout_s;
  e->wo.url_max_bytes = e->cfg->pin_url_max_bytes;
  e->wo.url_connect_timeout_s = e->cfg->ipfs_connect_timeout_s;
  e->wo.stop = &stop_flag;
  return 0;
}

static void env_close(struct pin_env *e) {
  db_close(e->db);
  ipfs_kubo_free(e->kubo);
}

static void catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* ---- pin add ---- */
struct origin {
  enum ipfs_pin_origin kind;
  bool dir; /* a directory, pinned with --recursive */
  char path[PATH_MAX];
};

/* Check an argument before anything is queued: bad input fails here with exit 2. */
static int check_origin(const char *arg, bool recursive, struct origin *o, struct ob_err *err) {
  struct stat st;
  int fd;
  char c;
  if (strncmp(arg, "http://", 7) == 0 || strncmp(arg, "https://", 8) == 0) {
    o->kind = IPFS_ORIGIN_URL;
    if (strlen(arg) >= sizeof(o->path)) return ob_err_set(err, OB_EINVAL, "URL too long");
    snprintf(o->path, sizeof(o->path), "%s", arg);
    return 0;
  }
  if (strstr(arg, "://")) return ob_err_set(err, OB_EINVAL, "cannot pin '%s': only http:// and https:// URLs are supported", arg);
  o->kind = IPFS_ORIGIN_PATH;
  if (stat(arg, &st) != 0) return ob_err_set(err, OB_ENOENT, "cannot pin '%s': %s", arg, strerror(errno));
  if (S_ISDIR(st.st_mode) && !recursive)
    return ob_err_set(err, OB_EINVAL, "cannot pin '%s': is a directory (use --recursive to pin the tree)", arg);
  if (S_ISDIR(st.st_mode)) {
    o->dir = true;
    if (!realpath(arg, o->path)) return ob_err_set(err, OB_ENOENT, "cannot pin '%s': %s", arg, strerror(errno));
    if (strcmp(o->path, "/") == 0) return ob_err_set(err, OB_EINVAL, "cannot pin '/': the root directory has no name");
    return 0;
  }
  if (!S_ISREG(st.st_mode)) return ob_err_set(err, OB_EINVAL, "cannot pin '%s': not a regular file", arg);
  fd = open(arg, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (st.st_size > 0 && read(fd, &c, 1) != 1)) {
    int e = errno;
    if (fd >= 0) close(fd);
    return ob_err_set(err, OB_EINVAL, "cannot pin '%s': cannot read it: %s", arg, strerror(e));
  }
  close(fd);
  if (!realpath(arg, o->path)) return ob_err_set(err, OB_ENOENT, "cannot pin '%s': %s", arg, strerror(errno));
  return 0;
}

static void job_json(struct ob_jw *w, const struct db_res *r, size_t i) {
  int64_t size = -1;
  ob_jw_obj_begin(w);
  ob_jw_key(w, "requestid");
  ob_jw_str(w, db_res_get(r, i, PC_ID));
  ob_jw_key(w, "status");
  ob_jw_str(w, db_res_get(r, i, PC_STATUS));
  ob_jw_key(w, "cid");
  ob_jw_str(w, *db_res_get(r, i, PC_CID) ? db_res_get(r, i, PC_CID) : NULL);
  ob_jw_key(w, "name");
  ob_jw_str(w, db_res_get(r, i, PC_NAME));
  ob_jw_key(w, "origin");
  ob_jw_str(w, db_res_get(r, i, PC_ORIGIN));
  ob_jw_key(w, "origin_kind");
  ob_jw_str(w, db_res_get(r, i, PC_KIND));
  ob_jw_key(w, "profile");
  ob_jw_str(w, db_res_get(r, i, PC_PROFILE));
  ob_jw_key(w, "size");
  sscanf(db_res_get(r, i, PC_SIZE), "%lld", (long long *)&size);
  if (size >= 0) ob_jw_i64(w, size);
  else ob_jw_null(w);
  ob_jw_key(w, "attempts");
  ob_jw_number(w, db_res_get(r, i, PC_ATTEMPTS));
  ob_jw_key(w, "error");
  ob_jw_str(w, *db_res_get(r, i, PC_ERROR) ? db_res_get(r, i, PC_ERROR) : NULL);
  ob_jw_key(w, "created");
  ob_jw_str(w, db_res_get(r, i, PC_CREATED));
  ob_jw_key(w, "pinned");
  ob_jw_str(w, *db_res_get(r, i, PC_PINNED) ? db_res_get(r, i, PC_PINNED) : NULL);
  ob_jw_obj_end(w);
}

static void print_rows(const struct db_res *r, bool json, bool one) {
  if (json) {
    struct cli_json j;
    struct ob_jw *jw = cli_json_begin(&j);
    if (!one) ob_jw_arr_begin(jw);
    for (size_t i = 0; i < db_res_rows(r); i++) job_json(jw, r, i);
    if (!one) ob_jw_arr_end(jw);
    cli_json_end(&j);
    return;
  }
  for (size_t i = 0; i < db_res_rows(r); i++) {
    const char *cid = db_res_get(r, i, PC_CID), *e = db_res_get(r, i, PC_ERROR);
    printf("%s  %-7s  %s  %s%s%s\n", db_res_get(r, i, PC_ID), db_res_get(r, i, PC_STATUS), *cid ? cid : "-",
           db_res_get(r, i, PC_ORIGIN), *e ? "  error: " : "", e);
  }
}

/* Run one queued job here until it is pinned or failed (retrying with backoff as a worker would).
 * Returns 0 when pinned, else the OB_E* code of the failure. */
static int wait_job(struct pin_env *e, const char *id, struct ob_err *err) {
  for (;;) {
    struct ipfs_pin_outcome out;
    struct db_res *r = NULL;
    bool ran = false;
    const char *st;
    int rc = ipfs_pin_worker_step(&e->wo, id, &ran, &out, err);
    if (ran && out.verdict == IPFS_PIN_DONE) return 0;
    if (ran && out.verdict == IPFS_PIN_GIVE_UP) return ob_err_set(err, out.code ? out.code : OB_EIO, "%s", out.error);
    if (rc && rc != OB_ENOENT && rc != OB_ESTATE) return rc;
    if (stop_flag) return ob_err_set(err, OB_ECANCELED, "interrupted: the job stays queued");
    rc = pin_db_list(e->db, NULL, id, &r, err);
    if (rc) return rc;
    st = db_res_rows(r) ? db_res_get(r, 0, PC_STATUS) : "gone";
    if (strcmp(st, "pinned") == 0) rc = 0;
    else if (strcmp(st, "failed") == 0) rc = ob_err_set(err, OB_EIO, "%s", db_res_get(r, 0, PC_ERROR));
    else if (strcmp(st, "gone") == 0) rc = ob_err_set(err, OB_ENOENT, "pin job %s was removed", id);
    else rc = 1;
    if (rc != 1) {
      db_res_free(r);
      return rc;
    }
    if (ran) cli_notef("attempt failed, retrying in %s s: %s", db_res_get(r, 0, PC_WAIT), out.error);
    db_res_free(r);
    ob_sleep_ms(ran ? 200 : 500);
  }
}

static int add_one(struct pin_env *e, const struct origin *o, const char *name, enum ipfs_profile prof,
                   bool wait, bool json, bool bar_on, char id[37], struct ob_err *err) {
  struct bar b = {.on = bar_on, .t0 = ob_mono_ms()};
  int rc = pin_db_enqueue(e->db, o->kind, o->path, name, prof, o->dir ? "{\"recursive\":true}" : NULL, id, err);
  if (rc || !wait) return rc;
  e->wo.progress = bar_progress;
  e->wo.progress_ud = &b;
  rc = wait_job(e, id, err);
  if (b.on) fputc('\n', stderr);
  (void)json;
  return rc;
}

static int print_result(struct pin_env *e, const char *id, bool json, bool wait) {
  struct db_res *r = NULL;
  struct ob_err err;
  int rc = pin_db_list(e->db, NULL, id, &r, &err);
  if (rc) return cli_fail(rc, &err);
  if (json) print_rows(r, true, true);
  else if (db_res_rows(r)) printf("%s\n", wait ? db_res_get(r, 0, PC_CID) : db_res_get(r, 0, PC_ID));
  db_res_free(r);
  return 0;
}

static int add_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  struct origin *orig = NULL;
  struct pin_env e;
  struct ob_err err;
  enum ipfs_profile prof;
  int exit_code = 0, rc;
  bool json, wait;
  json = cli_opt(opts, "json")->set;
  wait = !cli_opt(opts, "no-wait")->set;
  ob_err_clear(&err);
  if (npos == 0) return cli_failf(OB_EUSAGE, "pin add: give at least one PATH or URL\nusage: obridge %s", self->usage);
  if (cli_opt(opts, "name")->set && (npos > 1 || strlen(cli_opt(opts, "name")->value) > 255))
    return cli_failf(OB_EUSAGE, "--name: one name for one PATH or URL, at most 255 bytes");
  orig = ob_calloc((size_t)npos, sizeof(*orig));
  if (!orig) return cli_failf(OB_ENOMEM, "out of memory");
  for (int i = 0; i < npos; i++) {
    rc = check_origin(pos[i], cli_opt(opts, "recursive")->set, &orig[i], &err);
    if (rc) goto out_usage;
  }
  if (!cli_config(cli, &exit_code)) goto out_free;
  rc = ipfs_profile_parse(&prof, cli_opt(opts, "profile")->set ? cli_opt(opts, "profile")->value : cli->config->ipfs_profile, &err);
  if (rc) goto out_usage;
  if (env_open(cli, &e, true, &exit_code)) goto out_free;
  if (wait && (rc = ipfs_kubo_version(e.kubo, (char[64]){0}, 64, &err))) {
    /* Fail fast (exit 3) rather than queue work no one is there to do. */
    exit_code = cli_fail(rc, &err);
    env_close(&e);
    goto out_free;
  }
  catch_signals();
  for (int i = 0; i < npos && !exit_code; i++) {
    char id[37];
    const char *name = cli_opt(opts, "name")->value;
    rc = add_one(&e, &orig[i], name, prof, wait, json, wait && !json && isatty(2), id, &err);
    if (rc) exit_code = cli_fail(rc, &err);
    else exit_code = print_result(&e, id, json, wait);
  }
  env_close(&e);
  goto out_free;
out_usage:
  exit_code = cli_fail(rc, &err);
out_free:
  ob_free(orig);
  return exit_code;
}

static int run_add(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"name", CLI_VALUE, "NAME", "name of the pin (default: the file name)"},
      {"profile", CLI_VALUE, "PROFILE", "unixfs-v0-2015 or unixfs-v1-2025 (default: ipfs.profile)"},
      {"no-wait", CLI_FLAG, NULL, "only queue the jobs (a 'pin worker' runs them); print request ids"},
      {"recursive", CLI_FLAG, NULL, "a PATH that is a directory is pinned as its tree (add -r; symlinks refused)"},
      {"json", CLI_FLAG, NULL, "print one JSON object per job"},
      {0}};
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return add_main(cli, opts, pos, npos, self); /* pos and option values belong to the CLI */
}

/* ---- ls, status ---- */
static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"status", CLI_VALUE, "STATUS", "only jobs in this state: queued, pinning, pinned or failed"},
                           {"json", CLI_FLAG, NULL, "print a JSON array"},
                           {0}};
  enum ipfs_pin_status st;
  struct db *db = NULL;
  struct db_res *r = NULL;
  struct ob_err err;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  const char *status;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  status = cli_opt(opts, "status")->value;
  if (status && (rc = ipfs_pin_status_parse(&st, status, &err))) return cli_fail(rc, &err);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pin_db_list(db, status, NULL, &r, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else print_rows(r, cli_opt(opts, "json")->set, false);
  db_res_free(r);
  db_close(db);
  return exit_code;
}

/* A CID argument in canonical text (so "zdj7…" finds "bafy…"). */
static int canon_cid(const char *arg, char out[IPFS_CID_TEXT_MAX], struct ob_err *err) {
  struct ipfs_cid c;
  int rc = ipfs_cid_parse(&c, arg, err);
  if (rc) return rc;
  return ipfs_cid_format(out, IPFS_CID_TEXT_MAX, &c);
}

static bool looks_uuid(const char *s) { return strlen(s) == 36 && s[8] == '-' && s[13] == '-'; }

static int status_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  struct db *db = NULL;
  struct db_res *r = NULL;
  struct ob_err err;
  char key[IPFS_CID_TEXT_MAX];
  int exit_code = 0, rc;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "pin status: give one CID or request id\nusage: obridge %s", self->usage);
  if (looks_uuid(pos[0])) snprintf(key, sizeof(key), "%s", pos[0]);
  else if ((rc = canon_cid(pos[0], key, &err))) return cli_fail(rc, &err);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pin_db_list(db, NULL, key, &r, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (db_res_rows(r) == 0) exit_code = cli_failf(OB_ENOENT, "no pin job for '%s'", pos[0]);
  else print_rows(r, cli_opt(opts, "json")->set, db_res_rows(r) == 1);
  db_res_free(r);
  db_close(db);
  return exit_code;
}

static int run_status(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print JSON (one object; an array if the CID has several jobs)"}, {0}};
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return status_main(cli, opts, pos, npos, self); /* pos and option values belong to the CLI */
}

/* ---- rm ---- */
static int rm_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  struct pin_env e;
  struct ob_err err;
  char cid[IPFS_CID_TEXT_MAX];
  uint64_t rows = 0;
  int exit_code = 0, rc;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "pin rm: give one CID\nusage: obridge %s", self->usage);
  if ((rc = canon_cid(pos[0], cid, &err))) return cli_fail(rc, &err);
  if (env_open(cli, &e, true, &exit_code)) return exit_code;
  rc = ipfs_kubo_pin_rm(e.kubo, cid, &err);
  if (rc == OB_ENOENT) {
    exit_code = cli_failf(OB_ENOENT, "cannot unpin %s: it is not pinned on the node (%s)", cid, err.msg);
  } else if (rc) {
    exit_code = cli_fail(rc, &err);
  } else if ((rc = pin_db_delete_cid(e.db, cid, &rows, &err))) {
    exit_code = cli_fail(rc, &err);
  } else if (cli_opt(opts, "json")->set) {
    printf("{\"cid\":\"%s\",\"removed\":%llu}\n", cid, (unsigned long long)rows);
  } else {
    printf("%s unpinned, %llu job%s removed\n", cid, (unsigned long long)rows, rows == 1 ? "" : "s");
  }
  env_close(&e);
  return exit_code;
}

static int run_rm(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print {\"cid\",\"removed\"}"}, {0}};
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return rm_main(cli, opts, pos, npos, self); /* pos and option values belong to the CLI */
}

/* ---- verify ---- */
/* Ask the node: pinned, root block present, file size as recorded. Returns 0 if whole, else
 * the problem in why. */
static int verify_one(struct pin_env *e, const char *cid, int64_t size, char *why, size_t cap) {
  struct ipfs_files_stat st;
  struct ob_err err;
  uint64_t bsize = 0;
  bool pinned = false;
  int rc;
  ob_err_clear(&err);
  rc = ipfs_kubo_pin_ls(e->kubo, cid, &pinned, NULL, 0, &err);
  if (!rc && !pinned) rc = ob_err_set(&err, OB_ECHECK, "not pinned on the node");
  if (!rc) rc = ipfs_kubo_block_stat(e->kubo, cid, &bsize, &err);
  if (!rc) rc = ipfs_kubo_files_stat(e->kubo, cid, &st, &err);
  if (!rc && size >= 0 && st.size != (uint64_t)size)
    rc = ob_err_set(&err, OB_ECHECK, "the node has %llu bytes, the queue recorded %lld", (unsigned long long)st.size,
                    (long long)size);
  if (rc) snprintf(why, cap, "verify: %s", ob_err_msg(&err, rc));
  return rc;
}

static int verify_rows(struct pin_env *e, const struct db_res *r, bool json, int *bad) {
  for (size_t i = 0; i < db_res_rows(r); i++) {
    const char *id = db_res_get(r, i, PC_ID), *cid = db_res_get(r, i, PC_CID);
    long long size = -1;
    char why[600] = "";
    struct ob_err err;
    int rc;
    sscanf(db_res_get(r, i, PC_SIZE), "%lld", &size);
    rc = verify_one(e, cid, size, why, sizeof(why));
    if (ob_err_exit_code(rc) == CLI_EXIT_PEER) return cli_failf(rc, "%s", why);
    /* Honest state: not on the node -> queued again (re-pin); wrong size -> failed. */
    if (rc) {
      (*bad)++;
      pin_db_set(e->db, id, rc == OB_ECHECK && strstr(why, "not pinned") ? IPFS_PIN_QUEUED : IPFS_PIN_FAILED, why, &err);
    } else {
      pin_db_verified(e->db, id, &err);
    }
    if (json) printf("{\"requestid\":\"%s\",\"cid\":\"%s\",\"ok\":%s%s%s%s}\n", id, cid, rc ? "false" : "true",
                     rc ? ",\"problem\":\"" : "", rc ? why : "", rc ? "\"" : "");
    else printf("%-4s %s  %s\n", rc ? "BAD" : "ok", cid, rc ? why : "pinned, root block present, size matches");
  }
  return 0;
}

static int verify_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  struct pin_env e;
  struct ob_err err;
  int bad = 0, exit_code = 0, rc;
  ob_err_clear(&err);
  for (int i = 0; i < npos; i++) {
    char cid[IPFS_CID_TEXT_MAX];
    if ((rc = canon_cid(pos[i], cid, &err))) return cli_fail(rc, &err);
  }
  if (env_open(cli, &e, true, &exit_code)) return exit_code;
  for (int i = 0; i <= npos && !exit_code; i++) {
    struct db_res *r = NULL;
    char cid[IPFS_CID_TEXT_MAX];
    if (npos && i == npos) break;
    if (npos) canon_cid(pos[i], cid, NULL);
    rc = pin_db_list(e.db, "pinned", npos ? cid : NULL, &r, &err);
    if (rc) exit_code = cli_fail(rc, &err);
    else if (npos && db_res_rows(r) == 0) exit_code = cli_failf(OB_ENOENT, "no pinned job for %s", cid);
    else exit_code = verify_rows(&e, r, cli_opt(opts, "json")->set, &bad);
    db_res_free(r);
    if (!npos) break;
  }
  if (!exit_code && bad) exit_code = cli_failf(OB_ECHECK, "%d pin%s failed verification (state updated)", bad, bad == 1 ? "" : "s");
  env_close(&e);
  return exit_code;
}

static int run_verify(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print one JSON object per pin"}, {0}};
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return verify_main(cli, opts, pos, npos, self); /* pos and option values belong to the CLI */
}

/* ---- recover, worker ---- */
static int run_recover(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print {\"requeued\":N}"}, {0}};
  struct db *db = NULL;
  struct ob_err err;
  uint64_t n = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  rc = pin_db_recover(db, &n, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (cli_opt(opts, "json")->set) printf("{\"requeued\":%llu}\n", (unsigned long long)n);
  else printf("%llu failed job%s queued again\n", (unsigned long long)n, n == 1 ? "" : "s");
  db_close(db);
  return exit_code;
}

static int worker_loop(struct cli *cli) {
  struct pin_env e;
  struct ob_err err;
  int exit_code = 0, rc;
  ob_err_clear(&err);
  if (env_open(cli, &e, true, &exit_code)) return exit_code;
  rc = ipfs_pin_worker_run(&e.wo, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  env_close(&e);
  return exit_code;
}

/* n worker processes, each with its own connections (forked before any is opened); a stop signal
 * to this process is passed on to them. Returns the worst exit code. */
static int worker_procs(struct cli *cli, unsigned n) {
  pid_t *kids = ob_calloc(n, sizeof(*kids));
  unsigned alive = 0;
  int worst = 0, status;
  bool forwarded = false;
  if (!kids) return cli_failf(OB_ENOMEM, "out of memory");
  fflush(NULL);
  for (unsigned i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) _exit(worker_loop(cli));
    if (pid < 0) {
      worst = cli_failf(OB_EIO, "cannot start worker %u: %s", i + 1, strerror(errno));
      stop_flag = 1;
      break;
    }
    kids[alive++] = pid;
  }
  while (alive) {
    pid_t pid;
    if (stop_flag && !forwarded) {
      for (unsigned i = 0; i < n; i++)
        if (kids[i] > 0) kill(kids[i], SIGTERM);
      forwarded = true;
    }
    pid = waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) break;
    for (unsigned i = 0; i < n; i++)
      if (kids[i] == pid) kids[i] = 0, alive--;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) worst = worst ? worst : CLI_EXIT_FAIL;
    if (WIFEXITED(status) && WEXITSTATUS(status) > worst) worst = WEXITSTATUS(status);
  }
  ob_free(kids);
  return worst;
}

static int run_worker(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"workers", CLI_VALUE, "N", "worker processes, 1 to 64 (default: pins.workers)"}, {0}};
  struct ob_config *c;
  struct ob_err err;
  uint64_t n = 0;
  int exit_code = 0, rc = cli_parse(self, opts, argc, argv, NULL, NULL);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if (!(c = cli_config(cli, &exit_code))) return exit_code;
  n = c->pin_workers;
  if (cli_opt(opts, "workers")->set &&
      ((rc = ob_parse_u64(cli_opt(opts, "workers")->value, &n, "--workers", &err)) || n < 1 || n > 64))
    return rc ? cli_fail(rc, &err) : cli_failf(OB_EUSAGE, "--workers: expected 1 to 64, got %llu", (unsigned long long)n);
  catch_signals();
  return n == 1 ? worker_loop(cli) : worker_procs(cli, (unsigned)n);
}

static const struct cli_cmd cmd_add = {
    .name = "add", .summary = "pin files or URLs: queue, upload, check the CID locally, confirm",
    .usage = "pin add PATH|DIR|URL... [--recursive] [--name NAME] [--profile PROFILE] [--no-wait] [--json]",
    .details = "Prints one CID a line once pinned (request ids with --no-wait). A progress bar goes to\n"
               "stderr when it is a terminal. Exit 2 for bad input, 3 when the node is unreachable.",
    .example = "obridge pin add report.pdf https://example.org/data.csv --profile unixfs-v1-2025",
    .run = run_add};
static const struct cli_cmd cmd_ls = {.name = "ls", .summary = "list pin jobs", .usage = "pin ls [--status STATUS] [--json]",
                                      .example = "obridge pin ls --status failed", .run = run_ls};
static const struct cli_cmd cmd_status = {.name = "status", .summary = "show the job(s) of a CID or request id",
                                          .usage = "pin status CID|REQUESTID [--json]",
                                          .example = "obridge pin status bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
                                          .run = run_status};
static const struct cli_cmd cmd_rm = {.name = "rm", .summary = "unpin a CID on the node and drop its jobs",
                                      .usage = "pin rm CID [--json]", .example = "obridge pin rm QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
                                      .run = run_rm};
static const struct cli_cmd cmd_verify = {
    .name = "verify", .summary = "ask the node whether pinned jobs are pinned, present and of the right size",
    .usage = "pin verify [CID...] [--json]",
    .details = "A pin the node no longer has goes back to queued; a wrong size becomes failed. Exit 1 if any is bad.",
    .example = "obridge pin verify", .run = run_verify};
static const struct cli_cmd cmd_recover = {.name = "recover", .summary = "queue every failed job again",
                                           .usage = "pin recover [--json]", .example = "obridge pin recover", .run = run_recover};
static const struct cli_cmd cmd_worker = {
    .name = "worker", .summary = "process the pin queue until SIGINT or SIGTERM",
    .usage = "pin worker [--workers N]",
    .details = "Runs N worker processes (pins.workers, default 2). Several workers, processes or machines,\n"
               "share one queue; each job is done once.",
    .example = "obridge pin worker", .run = run_worker};
static const struct cli_cmd *const subs[] = {&cmd_add, &cmd_ls, &cmd_status, &cmd_rm, &cmd_verify, &cmd_recover, &cmd_worker, NULL};

const struct cli_cmd cli_cmd_pin = {.name = "pin", .summary = "pin files and URLs to IPFS through a queue",
                                    .usage = "pin <add|ls|status|rm|verify|recover|worker> [options]",
                                    .example = "obridge pin add file.bin", .subs = subs};
