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
#include <sys/prctl.h>
#include <sys/wait.h>

#include "cli.h"
#include "cli_bar.h"
#include "cli_pin.h"
#include "cli_db.h"
#include "cli_doctor.h"
#include "cli_pin.h"
#include "config.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "ob/db/db.h"
#include "ob/storage/pin.h"
#include "ob/node/pin_store.h"
#include "ob/node/replica.h"

static atomic_int stop_flag; /* (lock-free: set by the signal handler, read by the pin threads too) */
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
  struct node_replica_opts ro; /* pins.replicate_to: driven when the queue is idle */
  struct ob_buf origins;       /* this node's multiaddrs as a JSON array */
  uint64_t replicate_at;
};

static int add_origin(void *ud, const char *maddr) {
  struct ob_buf *b = ud;
  struct ob_jw w;
  struct ob_buf one;
  ob_buf_init(&one, 4096);
  ob_jw_init(&w, &one, false);
  ob_jw_str(&w, maddr);
  if (ob_jw_finish(&w) == 0) ob_buf_addf(b, "%s%.*s", b->len > 1 ? "," : "", (int)one.len, one.buf);
  ob_buf_release(&one);
  return 0;
}

/* The worker's idle hook: replicas on remote pinning services, at most once a second. */
static void replicate_idle(void *ud) {
  struct pin_env *e = ud;
  struct ob_err err;
  unsigned calls = 0;
  if (ob_mono_ms() < e->replicate_at) return;
  e->replicate_at = ob_mono_ms() + 1000;
  ob_err_clear(&err);
  if (!e->origins.len) {
    ob_buf_addch(&e->origins, '[');
    ipfs_kubo_id_addrs(e->kubo, add_origin, &e->origins, NULL);
    ob_buf_addch(&e->origins, ']');
    e->ro.origins_json = e->origins.buf;
  }
  if (node_replicate_step(&e->ro, &calls, &err) != 0 && err.code != OB_EUNREACH)
    OB_LOG(OB_LOG_WARN, "replica", "replication step failed", "error", err.msg, NULL);
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
  e->wo.fetch_timeout_s = e->cfg->pin_fetch_timeout_s;
  ob_buf_init(&e->origins, 64 << 10);
  if (e->db && e->cfg->pin_replicate_to.n) {
    e->ro.db = e->db;
    e->ro.services = (const char *const *)e->cfg->pin_replicate_to.v;
    e->ro.nservices = e->cfg->pin_replicate_to.n;
    e->ro.worker_id = e->worker_id;
    e->ro.retry_base_s = e->cfg->pin_retry_base_s;
    e->ro.max_attempts = e->cfg->pin_max_attempts;
    e->wo.idle = replicate_idle;
    e->wo.idle_ud = e;
  }
  e->wo.url_connect_timeout_s = e->cfg->ipfs_connect_timeout_s;
  e->wo.stop = &stop_flag;
  return 0;
}

static void env_close(struct pin_env *e) {
  ob_buf_release(&e->origins);
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
  char name[256]; /* the default --name: the file's or directory's name, a URL's last segment */
};

static void default_name(struct origin *o, const char *arg) {
  const char *s = arg, *e;
  size_t n;
  if (o->kind == IPFS_ORIGIN_URL) {
    s = strstr(arg, "://") + 3;
    e = s + strcspn(s, "?#");
    while (e > s && e[-1] == '/') e--;
    for (const char *p = s; p < e; p++)
      if (*p == '/') s = p + 1;
  } else {
    s = strrchr(o->path, '/') && o->path[1] ? strrchr(o->path, '/') + 1 : o->path;
    e = s + strlen(s);
  }
  n = (size_t)(e - s) < sizeof(o->name) - 1 ? (size_t)(e - s) : sizeof(o->name) - 1;
  memcpy(o->name, s, n);
  o->name[n] = 0;
}

/* Check an argument before anything is queued: bad input fails here with exit 2. A symlink given
 * as the argument is followed (as `ipfs add` does); inside a --recursive tree it is refused. */
static int check_origin(const char *arg, bool recursive, struct origin *o, struct ob_err *err) {
  struct stat st;
  int fd;
  char c;
  if (strncmp(arg, "http://", 7) == 0 || strncmp(arg, "https://", 8) == 0) {
    o->kind = IPFS_ORIGIN_URL;
    if (strlen(arg) >= sizeof(o->path)) return ob_err_set(err, OB_EINVAL, "URL too long");
    snprintf(o->path, sizeof(o->path), "%s", arg);
    default_name(o, arg);
    return 0;
  }
  if (strstr(arg, "://")) return ob_err_set(err, OB_EINVAL, "cannot pin '%s': only http:// and https:// URLs are supported", arg);
  o->kind = IPFS_ORIGIN_PATH;
  if (stat(arg, &st) != 0) return ob_err_set(err, OB_ENOENT, "cannot pin '%s': %s", arg, strerror(errno));
  if (S_ISDIR(st.st_mode) && !recursive)
    return ob_err_set(err, OB_EINVAL, "cannot pin '%s': is a directory (use --recursive to pin the tree)", arg);
  if (S_ISDIR(st.st_mode)) {
    int rc;
    o->dir = true;
    if (!realpath(arg, o->path)) return ob_err_set(err, OB_ENOENT, "cannot pin '%s': %s", arg, strerror(errno));
    if (strcmp(o->path, "/") == 0) return ob_err_set(err, OB_EINVAL, "cannot pin '/': the root directory has no name");
    /* The whole tree now (symlinks, special files, limits), not when a worker meets it. */
    if ((rc = ipfs_dir_check(NULL, o->path, err))) return rc;
    default_name(o, arg);
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
  default_name(o, arg);
  return 0;
}

/* Ask a URL for its headers before its job is written: what no retry can fix (404, over the cap,
 * TLS) is refused now. A URL that is only unreachable for now is left to the job (and its retries). */
static int probe_url(const struct ob_config *c, const char *url, struct ob_err *err) {
  struct ipfs_url_opts uo;
  struct ipfs_url_src *src = NULL;
  int64_t size = -1;
  int rc;
  ipfs_url_opts_init(&uo);
  uo.max_bytes = c->pin_url_max_bytes;
  uo.connect_timeout_s = c->ipfs_connect_timeout_s;
  uo.stall_timeout_s = c->ipfs_stall_timeout_s;
  uo.stop = &stop_flag;
  rc = ipfs_url_src_open(&src, url, &uo, &size, err);
  ipfs_url_src_close(src);
  return rc && !ipfs_pin_error_retryable(rc) ? rc : 0;
}

static void job_json(struct ob_jw *w, const struct pin_db_job *j) {
  ob_jw_obj_begin(w);
  ob_jw_key(w, "requestid");
  ob_jw_str(w, j->request_id);
  ob_jw_key(w, "status");
  ob_jw_str(w, j->status);
  ob_jw_key(w, "cid");
  ob_jw_str(w, *j->cid ? j->cid : NULL);
  ob_jw_key(w, "name");
  ob_jw_str(w, j->name);
  ob_jw_key(w, "origin");
  ob_jw_str(w, j->origin);
  ob_jw_key(w, "origin_kind");
  ob_jw_str(w, j->origin_kind);
  ob_jw_key(w, "profile");
  ob_jw_str(w, j->profile);
  ob_jw_key(w, "recursive");
  ob_jw_bool(w, j->recursive);
  ob_jw_key(w, "size");
  if (j->size >= 0) ob_jw_i64(w, j->size);
  else ob_jw_null(w);
  ob_jw_key(w, "dag_size");
  if (j->dag_size >= 0) ob_jw_i64(w, j->dag_size);
  else ob_jw_null(w);
  ob_jw_key(w, "attempts");
  ob_jw_i64(w, j->attempts);
  ob_jw_key(w, "error");
  ob_jw_str(w, *j->error ? j->error : NULL);
  ob_jw_key(w, "created");
  ob_jw_str(w, j->created);
  ob_jw_key(w, "pinned");
  ob_jw_str(w, *j->pinned_at ? j->pinned_at : NULL);
  ob_jw_obj_end(w);
}

enum list_style { LIST_SET, LIST_JOBS, LIST_QUIET };

/* JSON (an array, or one object when one), or columns: the pin set (CID STATUS NAME SIZE CREATED),
 * the jobs (REQUESTID STATUS CID NAME ORIGIN ERROR), or CIDs only. A header only on a terminal. */
static int print_jobs(const struct pin_db_list *l, bool json, bool one, enum list_style style) {
  if (json) {
    struct cli_json j;
    struct ob_jw *jw = cli_json_begin(&j);
    if (!one) ob_jw_arr_begin(jw);
    for (size_t i = 0; i < l->n; i++) job_json(jw, &l->jobs[i]);
    if (!one) ob_jw_arr_end(jw);
    return cli_json_end(&j);
  }
  if (style == LIST_SET && isatty(1)) printf("%-59s  %-7s  %-20s  %10s  %s\n", "CID", "STATUS", "NAME", "SIZE", "CREATED");
  if (style == LIST_JOBS && isatty(1)) printf("%-36s  %-7s  %-59s  %-20s  %s\n", "REQUESTID", "STATUS", "CID", "NAME", "ORIGIN");
  for (size_t i = 0; i < l->n; i++) {
    const struct pin_db_job *j = &l->jobs[i];
    char size[24] = "-";
    if (j->size >= 0) snprintf(size, sizeof(size), "%lld", (long long)j->size);
    if (style == LIST_QUIET) {
      if (*j->cid) printf("%s\n", j->cid);
    } else if (style == LIST_SET) {
      printf("%-59s  %-7s  %-20s  %10s  %s\n", *j->cid ? j->cid : "-", j->status, *j->name ? j->name : "-", size,
             j->created);
    } else {
      printf("%-36s  %-7s  %-59s  %-20s  %s%s%s\n", j->request_id, j->status, *j->cid ? j->cid : "-",
             *j->name ? j->name : "-", j->origin, *j->error ? "  error: " : "", j->error);
    }
  }
  return fflush(stdout) ? CLI_EXIT_FAIL : 0;
}

static int get_job(struct db *db, const char *id, struct pin_db_list *l, struct ob_err *err) {
  struct pin_db_filter f = {.jobs = true, .request_id = id};
  return pin_db_list(db, &f, l, err);
}

/* Run one queued job here until it is pinned or failed (retrying with backoff as a worker would;
 * the worker logs the one line each retry makes). Returns 0 when pinned, else the OB_E* code. */
static int wait_job(struct pin_env *e, const char *id, struct ob_err *err) {
  for (;;) {
    struct ipfs_pin_outcome out;
    struct pin_db_list l;
    bool ran = false;
    const char *st;
    int rc = ipfs_pin_worker_step(&e->wo, id, &ran, &out, err);
    if (ran && out.verdict == IPFS_PIN_DONE) return 0;
    if (ran && out.verdict == IPFS_PIN_GIVE_UP) return ob_err_set(err, out.code ? out.code : OB_EIO, "%s", out.error);
    if (rc && rc != OB_ENOENT && rc != OB_ESTATE) return rc;
    if (stop_flag) return ob_err_set(err, out.code ? out.code : OB_ECANCELED, "%s", ran ? out.error : "interrupted");
    if ((rc = get_job(e->db, id, &l, err))) return rc;
    st = l.n ? l.jobs[0].status : "gone";
    if (strcmp(st, "pinned") == 0) rc = 0;
    else if (strcmp(st, "failed") == 0) rc = ob_err_set(err, OB_EIO, "%s", l.jobs[0].error);
    else if (strcmp(st, "gone") == 0) rc = ob_err_set(err, OB_ENOENT, "pin job %s was removed", id);
    else rc = 1;
    pin_db_list_free(&l);
    if (rc != 1) return rc;
    ob_sleep_ms(ran ? 200 : 500);
  }
}

/* --timeout: the whole foreground add, checked where the worker checks for a stop. */
static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  stop_flag = 1;
}

struct add_opts {
  const char *name;
  enum ipfs_profile prof;
  bool wait, json, quiet, bar;
  uint32_t attempts; /* foreground: at most this many */
  uint64_t timeout_s;
};

/* Foreground add that did not end pinned: the job is failed (not left queued behind the user's
 * back) and the message says how to queue it instead. */
static int give_up(struct pin_env *e, const char *id, const struct origin *o, const struct add_opts *ao, int rc,
                   struct ob_err *err) {
  struct ob_err ignored;
  char why[600];
  if (rc == OB_ECANCELED && !timed_out) {
    return ob_err_set(err, OB_ECANCELED, "interrupted: the job stays queued (request %s; 'obridge pin worker' runs it)", id);
  }
  if (timed_out) {
    rc = OB_ETIMEDOUT;
    snprintf(why, sizeof(why), "timed out after %llu s (--timeout)", (unsigned long long)ao->timeout_s);
  } else {
    snprintf(why, sizeof(why), "%s", ob_err_msg(err, rc));
  }
  pin_db_set(e->db, id, IPFS_PIN_FAILED, why, &ignored);
  if (o->kind == IPFS_ORIGIN_URL && ipfs_pin_error_retryable(rc))
    return ob_err_set(err, rc, "cannot pin '%s': %s (use --no-wait to queue it for a worker, which keeps retrying)",
                      o->path, why);
  return ob_err_set(err, rc, "%s", why);
}

static int add_one(struct pin_env *e, const struct origin *o, const struct add_opts *ao, char id[37], struct ob_err *err) {
  struct cli_bar b = {.on = ao->bar, .t0 = ob_mono_ms(), .name = ao->name ? ao->name : o->name};
  int rc = pin_db_enqueue(e->db, o->kind, o->path, ao->name ? ao->name : o->name, ao->prof,
                          o->dir ? "{\"recursive\":true}" : NULL, id, err);
  if (rc || !ao->wait) return rc;
  e->wo.progress = cli_bar_progress;
  e->wo.progress_ud = &b;
  if (b.on) ob_log_set_before_write(cli_bar_clear, &b);
  rc = wait_job(e, id, err);
  if (b.on) ob_log_set_before_write(NULL, NULL);
  if (b.drawn) fputc('\n', stderr);
  e->wo.progress = NULL;
  if (rc) rc = give_up(e, id, o, ao, rc, err);
  return rc;
}

static int print_result(struct pin_env *e, const char *id, const struct add_opts *ao) {
  struct pin_db_list l;
  struct ob_err err;
  int rc = get_job(e->db, id, &l, &err);
  if (rc) return cli_fail(rc, &err);
  if (ao->json) rc = print_jobs(&l, true, true, LIST_JOBS);
  else if (l.n) printf("%s\n", ao->wait ? l.jobs[0].cid : l.jobs[0].request_id);
  pin_db_list_free(&l);
  return rc;
}

static int add_parse(struct cli *cli, struct cli_opt *opts, int npos, struct add_opts *ao, struct ob_err *err) {
  uint64_t retries = 2;
  int rc;
  memset(ao, 0, sizeof(*ao));
  ao->json = cli_opt(opts, "json")->set;
  ao->wait = !cli_opt(opts, "no-wait")->set;
  ao->quiet = cli_opt(opts, "quiet")->set;
  ao->bar = ao->wait && !ao->json && !ao->quiet && isatty(2);
  ao->name = cli_opt(opts, "name")->value;
  if (ao->name && (npos > 1 || strlen(ao->name) > 255 || !*ao->name))
    return ob_err_set(err, OB_EUSAGE, "--name: one name (1 to 255 bytes) for one PATH or URL");
  if (cli_opt(opts, "retries")->set &&
      ((rc = ob_parse_u64(&retries, cli_opt(opts, "retries")->value, "--retries", err)) || retries > 100))
    return rc ? rc : ob_err_set(err, OB_EUSAGE, "--retries: expected 0 to 100");
  if (cli_opt(opts, "timeout")->set &&
      ((rc = ob_parse_u64(&ao->timeout_s, cli_opt(opts, "timeout")->value, "--timeout", err)) || !ao->timeout_s ||
       ao->timeout_s > 86400))
    return rc ? rc : ob_err_set(err, OB_EUSAGE, "--timeout: expected 1 to 86400 seconds");
  if ((rc = ipfs_profile_parse(&ao->prof, cli_opt(opts, "profile")->set ? cli_opt(opts, "profile")->value : cli->config->ipfs_profile, err)))
    return rc;
  ao->attempts = (uint32_t)retries + 1;
  if (cli->config->pin_max_attempts && ao->attempts > cli->config->pin_max_attempts)
    ao->attempts = cli->config->pin_max_attempts;
  return 0;
}

static int add_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  struct origin *orig = NULL;
  struct add_opts ao;
  struct pin_env e;
  struct ob_err err;
  int exit_code = 0, rc;
  ob_err_clear(&err);
  if (npos == 0) return cli_failf(OB_EUSAGE, "pin add: give at least one PATH or URL\nusage: obridge %s", self->usage);
  if (!cli_config(cli, &exit_code)) return exit_code;
  if ((rc = add_parse(cli, opts, npos, &ao, &err))) return cli_fail(rc, &err);
  orig = ob_calloc((size_t)npos, sizeof(*orig));
  if (!orig) return cli_failf(OB_ENOMEM, "out of memory");
  catch_signals();
  if (ao.wait && ao.timeout_s) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)ao.timeout_s);
  }
  for (int i = 0; i < npos; i++) {
    rc = check_origin(pos[i], cli_opt(opts, "recursive")->set, &orig[i], &err);
    if (!rc && orig[i].kind == IPFS_ORIGIN_URL) rc = probe_url(cli->config, orig[i].path, &err);
    if (!rc && stop_flag)
      rc = timed_out ? ob_err_set(&err, OB_ETIMEDOUT, "timed out after %llu s (--timeout) before anything was queued",
                                  (unsigned long long)ao.timeout_s)
                     : ob_err_set(&err, OB_ECANCELED, "interrupted before anything was queued");
    if (rc) goto out_usage;
  }
  if (env_open(cli, &e, true, &exit_code)) goto out_free;
  if (ao.wait && (rc = ipfs_kubo_version(e.kubo, (char[64]){0}, 64, &err))) {
    /* Fail fast (exit 3) rather than queue work no one is there to do. */
    exit_code = cli_fail(rc, &err);
    env_close(&e);
    goto out_free;
  }
  e.wo.max_attempts = ao.attempts;
  for (int i = 0; i < npos && !exit_code; i++) {
    char id[37];
    rc = add_one(&e, &orig[i], &ao, id, &err);
    if (rc) exit_code = cli_fail(rc, &err);
    else exit_code = print_result(&e, id, &ao);
  }
  alarm(0);
  env_close(&e);
  goto out_free;
out_usage:
  exit_code = cli_fail(rc, &err);
out_free:
  alarm(0);
  ob_free(orig);
  return exit_code;
}


static int run_add(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"name", CLI_VALUE, "NAME", "name of the pin (default: the file's or directory's name, a URL's last segment)"},
      {"profile", CLI_VALUE, "PROFILE", "unixfs-v0-2015 or unixfs-v1-2025 (default: ipfs.profile)"},
      {"no-wait", CLI_FLAG, NULL, "only queue the jobs (a 'pin worker' runs them, retrying with backoff); print request ids"},
      {"recursive", CLI_FLAG, NULL, "a PATH that is a directory is pinned as its tree (symlinks inside refused)", 'r'},
      {"quiet", CLI_FLAG, NULL, "print only the CIDs (request ids with --no-wait); no progress bar", 'q'},
      {"timeout", CLI_VALUE, "SECONDS", "give up after this long in the foreground (default: no limit)"},
      {"retries", CLI_VALUE, "N", "retries in the foreground, 0 to 100 (default 2, at most pins.max_attempts - 1)"},
      {"json", CLI_FLAG, NULL, "print one JSON object per job"},
      {0}};
  char **pos = NULL;
  int npos = 0, rc;
  rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return add_main(cli, opts, pos, npos, self); /* pos and option values belong to the CLI */
}

/* ---- ls, status ---- */
/* A CID argument in canonical text (so "zdj7…" finds "bafy…"). */
static int canon_cid(const char *arg, char out[IPFS_CID_TEXT_MAX], struct ob_err *err) {
  struct ipfs_cid c;
  int rc = ipfs_cid_parse(&c, arg, err);
  if (rc) return rc;
  return ipfs_cid_format(out, IPFS_CID_TEXT_MAX, &c);
}

/* The CID arguments in canonical text, in one allocation (free with ob_free). */
static int canon_cids(char **pos, int npos, char (**out)[IPFS_CID_TEXT_MAX], const char ***ptrs, struct ob_err *err) {
  *out = NULL;
  *ptrs = NULL;
  if (!npos) return 0;
  *out = ob_calloc((size_t)npos, sizeof(**out));
  *ptrs = ob_calloc((size_t)npos, sizeof(**ptrs));
  if (!*out || !*ptrs) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (int i = 0; i < npos; i++) {
    int rc = canon_cid(pos[i], (*out)[i], err);
    if (rc) return rc;
    (*ptrs)[i] = (*out)[i];
  }
  return 0;
}

/* --status: one or several statuses, comma-separated, each checked. */
static int check_statuses(const char *s, struct ob_err *err) {
  char one[32];
  while (s && *s) {
    size_t n = strcspn(s, ",");
    enum ipfs_pin_status st;
    int rc;
    snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) - 1 ? n : sizeof(one) - 1), s);
    if ((rc = ipfs_pin_status_parse(&st, one, err))) return ob_err_prefix(err, rc, "--status");
    s += n + (s[n] == ',');
  }
  return 0;
}

static int ls_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos) {
  char(*cids)[IPFS_CID_TEXT_MAX] = NULL;
  const char **ptrs = NULL;
  struct pin_db_filter f = {0};
  struct pin_db_list l = {0};
  struct db *db = NULL;
  struct ob_err err;
  int exit_code = 0, rc;
  bool quiet = cli_opt(opts, "quiet")->set, jobs = cli_opt(opts, "jobs")->set;
  ob_err_clear(&err);
  f.jobs = jobs;
  f.status = cli_opt(opts, "status")->value;
  f.name = cli_opt(opts, "name")->value;
  rc = check_statuses(f.status, &err);
  if (!rc && cli_opt(opts, "limit")->set &&
      (rc = ob_parse_u64(&f.limit, cli_opt(opts, "limit")->value, "--limit", &err)) == 0 && f.limit == 0)
    rc = ob_err_set(&err, OB_EUSAGE, "--limit: expected at least 1");
  if (!rc) rc = canon_cids(pos, npos, &cids, &ptrs, &err);
  if (rc) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  f.cids = ptrs;
  f.ncids = (size_t)npos;
  if (cli_db_open(cli, &db, &exit_code)) goto out;
  rc = pin_db_list(db, &f, &l, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else exit_code = print_jobs(&l, cli_opt(opts, "json")->set, false, quiet ? LIST_QUIET : jobs ? LIST_JOBS : LIST_SET);
  /* As `ipfs pin ls CID`: a CID asked for that is not in the set is an error. */
  for (int i = 0; !exit_code && i < npos; i++) {
    bool found = false;
    for (size_t k = 0; k < l.n && !found; k++) found = strcmp(l.jobs[k].cid, cids[i]) == 0;
    if (!found && !f.status && !f.name && !f.limit) exit_code = cli_failf(OB_ECHECK, "%s: not pinned", cids[i]);
  }
out:
  pin_db_list_free(&l);
  db_close(db);
  ob_free(cids);
  ob_free(ptrs);
  return exit_code;
}

static int run_ls(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"status", CLI_VALUE, "STATUS", "only these: queued, pinning, pinned, failed (comma-separated)"},
                           {"name", CLI_VALUE, "NAME", "only pins of this name"},
                           {"limit", CLI_VALUE, "N", "at most N rows (the oldest first)"},
                           {"jobs", CLI_FLAG, NULL, "every request (the history), not one row per CID"},
                           {"quiet", CLI_FLAG, NULL, "print only the CIDs", 'q'},
                           {"json", CLI_FLAG, NULL, "print a JSON array"},
                           {0}};
  char **pos = NULL;
  int npos = 0, rc;
  rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return ls_main(cli, opts, pos, npos);
}

static bool looks_uuid(const char *s) { return strlen(s) == 36 && s[8] == '-' && s[13] == '-'; }

static int status_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  struct pin_db_filter f = {.jobs = true};
  struct pin_db_list l = {0};
  struct db *db = NULL;
  struct ob_err err;
  char cid[IPFS_CID_TEXT_MAX], id[37];
  const char *cids[1] = {cid};
  int exit_code = 0, rc;
  bool is_cid;
  ob_err_clear(&err);
  if (npos != 1) return cli_failf(OB_EUSAGE, "pin status: give one CID or request id\nusage: obridge %s", self->usage);
  is_cid = !looks_uuid(pos[0]) && canon_cid(pos[0], cid, &err) == 0;
  if (!is_cid && !looks_uuid(pos[0]) && strspn(pos[0], "0123456789abcdefABCDEF-") != strlen(pos[0]))
    return cli_fail(err.code ? err.code : OB_EPARSE, &err); /* neither a CID nor a request id */
  if (cli_db_open(cli, &db, &exit_code)) return exit_code;
  if (is_cid) {
    f.cids = cids;
    f.ncids = 1;
  } else if ((rc = pin_db_resolve_id(db, pos[0], id, &err))) {
    exit_code = cli_fail(rc, &err);
    goto out;
  } else {
    f.request_id = id;
  }
  rc = pin_db_list(db, &f, &l, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  else if (l.n == 0) exit_code = cli_failf(OB_ENOENT, "no pin job for '%s'", pos[0]);
  else exit_code = print_jobs(&l, cli_opt(opts, "json")->set, l.n == 1, LIST_JOBS);
out:
  pin_db_list_free(&l);
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
/* Drop the operator's jobs for one CID and unpin it on the node, unless a pinning service request
 * of a tenant still holds it (then it stays pinned for them). A CID neither pinned on the node nor
 * in the queue is "not pinned" (exit 1); one the node lost but the queue has is removed from the
 * queue. */
static int rm_one(struct pin_env *e, const char *cid, bool json, struct ob_err *err) {
  uint64_t rows = 0;
  bool pinned = true, held = false;
  int rc = pin_db_delete_cid(e->db, cid, &rows, &held, err);
  if (rc) return rc;
  /* pin/rm answers "not pinned" itself (OB_ENOENT); asking pin/ls first would make the node walk
   * every pinned DAG to rule out an indirect pin. */
  if (!held) {
    rc = ipfs_kubo_pin_rm(e->kubo, cid, err);
    if (rc == OB_ENOENT) rc = 0, pinned = false;
    if (rc) return rc;
  }
  if (!held && !pinned && !rows) return ob_err_set(err, OB_ECHECK, "%s: not pinned", cid);
  if (json)
    printf("{\"cid\":\"%s\",\"unpinned\":%s,\"removed\":%llu,\"held_by_tenants\":%s}\n", cid,
           !held && pinned ? "true" : "false", (unsigned long long)rows, held ? "true" : "false");
  else if (held)
    printf("%s stays pinned: pinning service requests hold it; %llu job%s removed\n", cid, (unsigned long long)rows,
           rows == 1 ? "" : "s");
  else if (pinned)
    printf("%s unpinned, %llu job%s removed\n", cid, (unsigned long long)rows, rows == 1 ? "" : "s");
  else
    printf("%s was not pinned on the node, %llu job%s removed\n", cid, (unsigned long long)rows, rows == 1 ? "" : "s");
  return 0;
}

static int rm_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos, const struct cli_cmd *self) {
  char(*cids)[IPFS_CID_TEXT_MAX] = NULL;
  const char **ptrs = NULL;
  struct pin_env e;
  struct ob_err err;
  int exit_code = 0, rc;
  ob_err_clear(&err);
  if (npos < 1) return cli_failf(OB_EUSAGE, "pin rm: give at least one CID\nusage: obridge %s", self->usage);
  if ((rc = canon_cids(pos, npos, &cids, &ptrs, &err))) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  if (env_open(cli, &e, true, &exit_code)) goto out;
  for (int i = 0; i < npos; i++) {
    int one = 0;
    if ((rc = rm_one(&e, cids[i], cli_opt(opts, "json")->set, &err))) one = cli_fail(rc, &err);
    if (one > exit_code) exit_code = one;
    if (one == CLI_EXIT_PEER) break;
  }
  env_close(&e);
out:
  ob_free(cids);
  ob_free(ptrs);
  return exit_code;
}

static int run_rm(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print {\"cid\",\"unpinned\",\"removed\",\"held_by_tenants\"} per CID"}, {0}};
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return rm_main(cli, opts, pos, npos, self); /* pos and option values belong to the CLI */
}

/* ---- verify ---- */
/* Ask the node about one pinned job: pinned recursively (not only cached, not just its root),
 * root block present, and what the node says it is equal to what was pinned: a file of the
 * recorded size; a directory (files/stat Size is 0 for one) with the DAG's cumulative size
 * recorded when it was pinned. The DAG size is compared for files too when it was recorded.
 * Returns 0 if whole, else the problem in why. */
static int verify_one(struct pin_env *e, const struct pin_db_job *j, char *why, size_t cap) {
  struct ipfs_files_stat st;
  struct ob_err err;
  uint64_t bsize = 0;
  char type[32] = "";
  bool pinned = false;
  int rc;
  ob_err_clear(&err);
  rc = ipfs_kubo_pin_ls(e->kubo, j->cid, &pinned, type, sizeof(type), &err);
  if (!rc && !pinned) rc = ob_err_set(&err, OB_ECHECK, "not pinned on the node");
  if (!rc && strcmp(type, "direct") == 0 && j->recursive)
    rc = ob_err_set(&err, OB_ECHECK, "not pinned recursively: the node pins only its root block");
  if (!rc) rc = ipfs_kubo_block_stat(e->kubo, j->cid, &bsize, &err);
  if (!rc) rc = ipfs_kubo_files_stat(e->kubo, j->cid, &st, &err);
  if (!rc && j->recursive && strcmp(st.type, "directory") != 0)
    rc = ob_err_set(&err, OB_ECHECK, "the node has a %s, the queue pinned a directory", st.type);
  if (!rc && !j->recursive && j->size >= 0 && st.size != (uint64_t)j->size)
    rc = ob_err_set(&err, OB_ECHECK, "the node has %llu bytes, the queue recorded %lld", (unsigned long long)st.size,
                    (long long)j->size);
  if (!rc && j->dag_size >= 0 && st.cumulative != (uint64_t)j->dag_size)
    rc = ob_err_set(&err, OB_ECHECK, "the node's DAG has %llu bytes, the queue recorded %lld",
                    (unsigned long long)st.cumulative, (long long)j->dag_size);
  if (rc) snprintf(why, cap, "verify: %s", ob_err_msg(&err, rc));
  return rc;
}

static int verify_rows(struct pin_env *e, const struct pin_db_list *l, bool json, int *bad) {
  struct node_replica_row reps[16];
  size_t nrep;
  for (size_t i = 0; i < l->n; i++) {
    const struct pin_db_job *j = &l->jobs[i];
    char why[600] = "";
    struct ob_err err;
    int rc = verify_one(e, j, why, sizeof(why));
    if (ob_err_exit_code(rc) == CLI_EXIT_PEER) return cli_failf(rc, "%s", why);
    /* Honest state: not on the node -> queued again (re-pin); anything else wrong -> failed. */
    if (rc) {
      (*bad)++;
      pin_db_set(e->db, j->request_id, rc == OB_ECHECK && strstr(why, "not pinned") ? IPFS_PIN_QUEUED : IPFS_PIN_FAILED,
                 why, &err);
    } else {
      pin_db_verified(e->db, j->request_id, &err);
    }
    nrep = 0;
    node_replicas_of(e->db, j->request_id, reps, OB_ARRAY_LEN(reps), &nrep, &err);
    if (json) {
      struct cli_json cj;
      struct ob_jw *w = cli_json_begin(&cj);
      ob_jw_obj_begin(w);
      ob_jw_key(w, "requestid");
      ob_jw_str(w, j->request_id);
      ob_jw_key(w, "cid");
      ob_jw_str(w, j->cid);
      ob_jw_key(w, "ok");
      ob_jw_bool(w, rc == 0);
      if (rc) {
        ob_jw_key(w, "problem");
        ob_jw_str(w, why);
      }
      ob_jw_key(w, "replicas");
      ob_jw_arr_begin(w);
      for (size_t k = 0; k < nrep; k++) {
        ob_jw_obj_begin(w);
        ob_jw_key(w, "service");
        ob_jw_str(w, reps[k].service);
        ob_jw_key(w, "status");
        ob_jw_str(w, reps[k].status);
        ob_jw_key(w, "remote_requestid");
        ob_jw_str(w, reps[k].remote_id[0] ? reps[k].remote_id : NULL);
        ob_jw_key(w, "attempts");
        ob_jw_u64(w, reps[k].attempts);
        if (reps[k].error[0] && strcmp(reps[k].status, "pinned") != 0) {
          ob_jw_key(w, "error");
          ob_jw_str(w, reps[k].error);
        }
        ob_jw_obj_end(w);
      }
      ob_jw_arr_end(w);
      ob_jw_obj_end(w);
      if (cli_json_end(&cj)) return CLI_EXIT_FAIL;
    } else {
      printf("%-4s %s  %s\n", rc ? "BAD" : "ok", j->cid,
             rc ? why : j->recursive ? "pinned, root block present, a directory of the recorded DAG size"
                                     : "pinned, root block present, size matches");
      for (size_t k = 0; k < nrep; k++)
        printf("       replica on %s: %s%s%s\n", reps[k].service, reps[k].status,
               reps[k].error[0] && strcmp(reps[k].status, "pinned") != 0 ? ": " : "",
               reps[k].error[0] && strcmp(reps[k].status, "pinned") != 0 ? reps[k].error : "");
    }
  }
  return 0;
}

static int verify_main(struct cli *cli, struct cli_opt *opts, char **pos, int npos) {
  char(*cids)[IPFS_CID_TEXT_MAX] = NULL;
  const char **ptrs = NULL;
  struct pin_db_filter f = {.jobs = true, .status = "pinned"};
  struct pin_db_list l = {0};
  struct pin_env e;
  struct ob_err err;
  int bad = 0, exit_code = 0, rc;
  ob_err_clear(&err);
  if ((rc = canon_cids(pos, npos, &cids, &ptrs, &err))) {
    exit_code = cli_fail(rc, &err);
    goto out;
  }
  if (env_open(cli, &e, true, &exit_code)) goto out;
  f.cids = ptrs;
  f.ncids = (size_t)npos;
  rc = pin_db_list(e.db, &f, &l, &err);
  if (rc) exit_code = cli_fail(rc, &err);
  for (int i = 0; !exit_code && i < npos; i++) {
    bool found = false;
    for (size_t k = 0; k < l.n && !found; k++) found = strcmp(l.jobs[k].cid, cids[i]) == 0;
    if (!found) exit_code = cli_failf(OB_ENOENT, "no pinned job for %s", cids[i]);
  }
  if (!exit_code) exit_code = verify_rows(&e, &l, cli_opt(opts, "json")->set, &bad);
  if (!exit_code && bad) exit_code = cli_failf(OB_ECHECK, "%d pin%s failed verification (state updated)", bad, bad == 1 ? "" : "s");
  pin_db_list_free(&l);
  env_close(&e);
out:
  ob_free(cids);
  ob_free(ptrs);
  return exit_code;
}

static int run_verify(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {{"json", CLI_FLAG, NULL, "print one JSON object per pin"}, {0}};
  char **pos = NULL;
  int npos = 0, rc = cli_parse(self, opts, argc, argv, &pos, &npos);
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  return verify_main(cli, opts, pos, npos); /* pos and option values belong to the CLI */
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

/* One pin worker process of `obridge run` (forked by it): ends with its parent (a kill -9 of the
 * daemon leaves no worker behind), stops on SIGTERM like `pin worker`, ignores SIGHUP (the daemon
 * reloads and starts new workers). */
int cli_pin_worker_child(struct cli *cli, long parent) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if ((long)getppid() != parent) return 0; /* the parent died before prctl */
  signal(SIGHUP, SIG_IGN);
  stop_flag = 0;
  catch_signals();
  return worker_loop(cli);
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
      ((rc = ob_parse_u64(&n, cli_opt(opts, "workers")->value, "--workers", &err)) || n < 1 || n > 64))
    return rc ? cli_fail(rc, &err) : cli_failf(OB_EUSAGE, "--workers: expected 1 to 64, got %llu", (unsigned long long)n);
  catch_signals();
  return n == 1 ? worker_loop(cli) : worker_procs(cli, (unsigned)n);
}

static const struct cli_cmd cmd_add = {
    .name = "add", .summary = "pin files or URLs: queue, upload, check the CID locally, confirm",
    .usage = "pin add PATH|DIR|URL... [-r|--recursive] [-q|--quiet] [--name NAME] [--profile PROFILE]\n"
             "                  [--timeout SECONDS] [--retries N] [--no-wait] [--json]",
    .details = "Prints one CID a line once pinned (request ids with --no-wait). A progress bar (name,\n"
               "bytes, percent, rate, ETA) goes to stderr when it is a terminal. Every argument is checked\n"
               "before any job is written: exit 2 for bad input (a missing file, a symlink inside a tree,\n"
               "a URL answering 404), 3 when the node is unreachable. In the foreground a failed job is\n"
               "retried --retries times, then failed; --no-wait queues it for a worker instead.",
    .example = "obridge pin add report.pdf https://example.org/data.csv --profile unixfs-v1-2025",
    .run = run_add};
static const struct cli_cmd cmd_ls = {
    .name = "ls", .summary = "list the pin set, one row per CID (--jobs: every request)",
    .usage = "pin ls [CID...] [--status STATUS[,STATUS]] [--name NAME] [--limit N] [--jobs] [-q|--quiet] [--json]",
    .details = "Columns: CID, STATUS, NAME, SIZE (file bytes), CREATED (a header on a terminal). A CID\n"
               "with several jobs shows its best one (pinned before pinning, queued, failed). With --jobs:\n"
               "REQUESTID, STATUS, CID, NAME, ORIGIN and the last error. A CID given that is not in the set\n"
               "is exit 1.",
    .example = "obridge pin ls --status failed", .run = run_ls};
static const struct cli_cmd cmd_status = {.name = "status", .summary = "show the job(s) of a CID or request id (or a unique prefix of one)",
                                          .usage = "pin status CID|REQUESTID [--json]",
                                          .example = "obridge pin status bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
                                          .run = run_status};
static const struct cli_cmd cmd_rm = {.name = "rm", .summary = "unpin CIDs on the node and drop their jobs",
                                      .usage = "pin rm CID... [--json]",
                                      .details = "A CID that is not pinned (on the node nor in the queue) is exit 1;\n"
                                                 "the other CIDs are still removed. Only the operator's jobs go: a CID that\n"
                                                 "pinning service requests (obridge serve) hold stays pinned on the node.", .example = "obridge pin rm QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
                                      .run = run_rm};
static const struct cli_cmd cmd_verify = {
    .name = "verify", .summary = "ask the node whether pinned jobs are pinned, present and of the recorded size",
    .usage = "pin verify [CID...] [--json]",
    .details = "A file: its size; a directory: its DAG's cumulative size. A pin the node no longer has goes\n"
               "back to queued; a wrong size becomes failed. Exit 1 if any is bad.",
    .example = "obridge pin verify", .run = run_verify};
static const struct cli_cmd cmd_recover = {.name = "recover", .summary = "queue every failed job again",
                                           .usage = "pin recover [--json]", .example = "obridge pin recover", .run = run_recover};
static const struct cli_cmd cmd_worker = {
    .name = "worker", .summary = "process the pin queue until SIGINT or SIGTERM",
    .usage = "pin worker [--workers N]",
    .details = "Runs N worker processes (pins.workers, default 2). Several workers, processes or machines,\n"
               "share one queue; each job is done once.",
    .example = "obridge pin worker", .run = run_worker,
    .long_running = true};
extern const struct cli_cmd cli_cmd_pin_remote; /* cmd_pin_remote.c */
static const struct cli_cmd *const subs[] = {&cmd_add, &cmd_ls, &cmd_status, &cmd_rm, &cmd_verify, &cmd_recover, &cmd_worker,
                                             &cli_cmd_pin_remote, NULL};

const struct cli_cmd cli_cmd_pin = {.name = "pin", .summary = "pin files and URLs to IPFS through a queue",
                                    .usage = "pin <add|ls|status|rm|verify|recover|worker|remote> [options]",
                                    .example = "obridge pin add file.bin", .subs = subs};

/* ---- for other commands (model fetch) ---- */
int cli_pin_path_wait(struct cli *cli, const char *path, bool dir, const char *name, char *cid, size_t cidcap,
                      struct ob_err *err) {
  struct origin o;
  struct add_opts ao;
  struct pin_env e;
  struct pin_db_list l;
  char id[37];
  int exit_code = 0, rc;
  memset(&ao, 0, sizeof(ao));
  memset(&o, 0, sizeof(o));
  ao.wait = true;
  ao.name = name;
  ao.attempts = 3;
  if ((rc = ipfs_profile_parse(&ao.prof, "unixfs-v1-2025", err))) return rc;
  if ((rc = check_origin(path, dir, &o, err))) return rc;
  if (env_open(cli, &e, true, &exit_code)) return ob_err_set(err, OB_EUNREACH, "cannot open the pin queue");
  e.wo.max_attempts = ao.attempts;
  rc = add_one(&e, &o, &ao, id, err);
  if (!rc) rc = get_job(e.db, id, &l, err);
  if (!rc) {
    if (l.n != 1 || strcmp(l.jobs[0].status, "pinned") != 0)
      rc = ob_err_set(err, OB_EIO, "pin job %s did not end pinned", id);
    else
      snprintf(cid, cidcap, "%s", l.jobs[0].cid);
    pin_db_list_free(&l);
  }
  env_close(&e);
  return rc;
}
