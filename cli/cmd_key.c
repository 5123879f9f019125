/* obridge key new|import|list|address; the keystore helpers of cli_key.h; doctor's keystore check. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_doctor.h"
#include "cli_key.h"
#include "config.h"
#include "ob/chain/keystore.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"

#define KEY_FILE_MAX CHAIN_KEYSTORE_MAX_BYTES

/* ---- passwords ---- */

static int password_from_file(const char *path, char *out, size_t *len, struct ob_err *err) {
  struct ob_buf b;
  int rc;
  ob_buf_init(&b, CLI_PASSWORD_MAX - 1);
  if ((rc = ob_file_read(path, &b, CLI_PASSWORD_MAX - 1, err))) {
    ob_buf_release(&b);
    return ob_err_prefix(err, rc, "cannot read password file");
  }
  if (b.len && b.buf[b.len - 1] == '\n') b.len--;
  if (b.len && b.buf[b.len - 1] == '\r') b.len--;
  memcpy(out, b.buf, b.len);
  out[b.len] = '\0';
  *len = b.len;
  ob_memclear(b.buf, b.len);
  ob_buf_release(&b);
  return 0;
}

/* Prompt on /dev/tty with echo off. */
static int prompt(const char *text, char *out, size_t *len, struct ob_err *err) {
  struct termios old, quiet;
  FILE *tty = fopen("/dev/tty", "r+");
  bool ok;
  if (!tty) return OB_EUSAGE;
  if (tcgetattr(fileno(tty), &old) != 0) {
    fclose(tty);
    return OB_EUSAGE;
  }
  quiet = old;
  quiet.c_lflag &= (tcflag_t)~ECHO;
  fprintf(tty, "%s", text);
  fflush(tty);
  tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  ok = fgets(out, CLI_PASSWORD_MAX, tty) != NULL;
  tcsetattr(fileno(tty), TCSAFLUSH, &old);
  fprintf(tty, "\n");
  fclose(tty);
  if (!ok) return ob_err_set(err, OB_EIO, "cannot read a password from the terminal");
  *len = strcspn(out, "\r\n");
  out[*len] = '\0';
  return 0;
}

/* chain.password_file of the config, loading the config if needed (NULL if none or unloadable:
 * a broken config is reported by the commands that need it). */
static const char *config_password_file(struct cli *cli) {
  int rc = 0;
  if (!cli) return NULL;
  if (!cli->config && !cli_config(cli, &rc)) return NULL;
  return cli->config->password_file;
}

int cli_key_password(struct cli *cli, const char *password_file, const char *name, bool confirm,
                     char out[CLI_PASSWORD_MAX], size_t *len, struct ob_err *err) {
  const char *env = getenv("OBRIDGE_KEYSTORE_PASSWORD"), *cfg;
  char again[CLI_PASSWORD_MAX], text[600];
  size_t alen = 0;
  int rc;
  if (password_file) return password_from_file(password_file, out, len, err);
  if (env) {
    *len = strlen(env);
    if (*len >= CLI_PASSWORD_MAX) return ob_err_set(err, OB_ELIMIT, "$OBRIDGE_KEYSTORE_PASSWORD is too long");
    memcpy(out, env, *len + 1);
    return 0;
  }
  if ((cfg = config_password_file(cli))) return password_from_file(cfg, out, len, err);
  snprintf(text, sizeof(text), "password for keystore '%s': ", name);
  if ((rc = prompt(text, out, len, err)) == OB_EUSAGE)
    return ob_err_set(err, OB_EUSAGE, "no password for keystore '%s': use --password-file, $OBRIDGE_KEYSTORE_PASSWORD or a terminal", name);
  if (rc || !confirm) return rc;
  if ((rc = prompt("again: ", again, &alen, err))) return rc;
  rc = alen == *len && memcmp(again, out, alen) == 0 ? 0 : ob_err_set(err, OB_EMISMATCH, "the two passwords differ");
  ob_memclear(again, sizeof(again));
  return rc;
}

int cli_key_unlock(struct cli *cli, const struct chain_signer *s, const char *path,
                   const char *password_file, uint8_t key32[32], uint8_t addr20[20], struct ob_err *err) {
  struct ob_buf doc;
  struct chain_keystore_info info;
  char pw[CLI_PASSWORD_MAX];
  size_t pwlen = 0;
  int rc;
  ob_buf_init(&doc, KEY_FILE_MAX);
  if ((rc = ob_file_read(path, &doc, KEY_FILE_MAX, err))) goto out;
  /* Check the file before asking for a password. */
  if ((rc = chain_keystore_inspect(&info, doc.buf, doc.len, path, err))) goto out;
  if ((rc = cli_key_password(cli, password_file, path, false, pw, &pwlen, err))) goto out;
  if ((rc = chain_keystore_decrypt(key32, doc.buf, doc.len, pw, pwlen, s, path, err))) goto out;
  rc = chain_key_address(s, addr20, key32, err);
out:
  ob_memclear(pw, sizeof(pw));
  ob_buf_release(&doc);
  return rc;
}

const char *cli_key_path(struct cli *cli, const char *opt_value, int *exit_code) {
  struct ob_config *c;
  if (opt_value) return opt_value;
  if (!(c = cli_config(cli, exit_code))) return NULL;
  if (c->keystore) return c->keystore;
  *exit_code = cli_failf(OB_EUSAGE, "no keystore: give --keystore FILE or set chain.keystore ($OBRIDGE_KEYSTORE)");
  return NULL;
}

/* ---- key directory ---- */

/* --dir, else the directory of chain.keystore, else ./keys. Returns an owned string or NULL. */
static char *key_dir(struct cli *cli, const char *opt, int *exit_code) {
  struct ob_config *c;
  const char *slash;
  if (opt) return ob_strdup(opt);
  if (!(c = cli_config(cli, exit_code))) return NULL;
  if (!c->keystore) return ob_strdup("keys");
  slash = strrchr(c->keystore, '/');
  return slash ? ob_strndup(c->keystore, (size_t)(slash - c->keystore)) : ob_strdup(".");
}

static int ensure_dir(const char *dir, struct ob_err *err) {
  if (mkdir(dir, 0700) == 0 || errno == EEXIST) return 0;
  return ob_err_set(err, OB_EIO, "cannot create key directory '%s': %s", dir, strerror(errno));
}

/* geth's file name: UTC--2026-11-25T09-30-00.000000000Z--<address> */
static void default_name(char *out, size_t cap, const uint8_t addr[20]) {
  char hex[41], ts[40];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H-%M-%S", &tm);
  ob_hex_encode(hex, addr, 20);
  snprintf(out, cap, "UTC--%s.000000000Z--%s", ts, hex);
}

static int parse_scrypt_n(const char *text, struct chain_keystore_opts *o, struct ob_err *err) {
  uint64_t n;
  int rc;
  if (!text) return 0;
  if ((rc = ob_parse_u64(&n, text, "--scrypt-n", err))) return rc;
  if (n < 1024 || n > ((uint64_t)1 << 20) || (n & (n - 1)))
    return ob_err_set(err, OB_EINVAL, "--scrypt-n: expected a power of two from 1024 to 1048576, got '%s'", text);
  o->scrypt_n = n;
  return 0;
}

static void print_saved(const char *path, const uint8_t addr[20], bool json) {
  char a[43];
  chain_addr_checksum(a, addr);
  if (json) {
    struct cli_json j;
    struct ob_jw *w = cli_json_begin(&j);
    ob_jw_obj_begin(w);
    ob_jw_key(w, "address"), ob_jw_str(w, a);
    ob_jw_key(w, "path"), ob_jw_str(w, path);
    ob_jw_obj_end(w);
    cli_json_end(&j);
  } else {
    printf("%s\n", a);
    cli_notef("keystore written to '%s'", path);
  }
}

/* Encrypt key into DIR/NAME (refusing to overwrite), 0600, atomically. */
static int save_key(struct cli *cli, struct cli_opt *opts, const uint8_t key[32], int *exit_code) {
  struct chain_signer *s = NULL;
  struct chain_keystore_opts o;
  struct ob_buf doc, path;
  struct ob_err err;
  struct stat st;
  uint8_t addr[20];
  char pw[CLI_PASSWORD_MAX], name[128];
  size_t pwlen = 0;
  char *dir = key_dir(cli, cli_opt(opts, "dir")->value, exit_code);
  int rc;
  if (!dir) return -1;
  ob_err_clear(&err);
  ob_buf_init(&doc, KEY_FILE_MAX);
  ob_buf_init(&path, 8192);
  chain_keystore_opts_init(&o);
  if ((rc = parse_scrypt_n(cli_opt(opts, "scrypt-n")->value, &o, &err))) goto out;
  if ((rc = chain_signer_new(&s, &err)) || (rc = chain_key_address(s, addr, key, &err))) goto out;
  default_name(name, sizeof(name), addr);
  ob_buf_addf(&path, "%s/%s", dir, cli_opt(opts, "name")->value ? cli_opt(opts, "name")->value : name);
  if (stat(path.buf, &st) == 0) {
    rc = ob_err_set(&err, OB_ECONFLICT, "keystore '%s' already exists", path.buf);
    goto out;
  }
  if ((rc = ensure_dir(dir, &err))) goto out;
  if ((rc = cli_key_password(cli, cli_opt(opts, "password-file")->value, path.buf, true, pw, &pwlen, &err))) goto out;
  if ((rc = chain_keystore_encrypt(&doc, key, addr, pw, pwlen, &o, &err))) goto out;
  if ((rc = ob_file_write_atomic(path.buf, doc.buf, doc.len, 0600, &err))) goto out;
  print_saved(path.buf, addr, cli_opt(opts, "json")->set);
out:
  if (rc) *exit_code = cli_fail(rc, &err);
  ob_memclear(pw, sizeof(pw));
  chain_signer_free(s);
  ob_buf_release(&doc);
  ob_buf_release(&path);
  ob_free(dir);
  return rc ? -1 : 0;
}

#define SAVE_OPTS                                                                                       \
  {"dir", CLI_VALUE, "DIR", "key directory (default: the directory of chain.keystore, else ./keys)"},   \
  {"name", CLI_VALUE, "NAME", "file name (default: UTC--<time>--<address>, as geth names them)"},       \
  {"password-file", CLI_VALUE, "FILE", "read the password from FILE (else $OBRIDGE_KEYSTORE_PASSWORD or a prompt)"}, \
  {"scrypt-n", CLI_VALUE, "N", "scrypt cost, a power of two (default 262144)"},                        \
  {"json", CLI_FLAG, NULL, "print the address and path as JSON"}

static int run_new(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {SAVE_OPTS, {0}};
  struct ob_err err;
  uint8_t key[32];
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if ((rc = chain_key_generate(key, &err))) return cli_fail(rc, &err);
  save_key(cli, opts, key, &exit_code);
  ob_memclear(key, sizeof(key));
  return exit_code;
}

/* The private key to import: hex from --key-file, else stdin (prompted without echo on a TTY). */
static int read_import_key(const char *file, uint8_t key[32], struct ob_err *err) {
  char text[CLI_PASSWORD_MAX];
  size_t len = 0;
  int rc;
  if (file) {
    rc = password_from_file(file, text, &len, err);
  } else if (isatty(STDIN_FILENO)) {
    rc = prompt("private key (hex): ", text, &len, err);
  } else {
    len = fread(text, 1, sizeof(text) - 1, stdin);
    text[len] = '\0';
    len = strcspn(text, "\r\n");
    text[len] = '\0';
    rc = 0;
  }
  if (!rc && ob_hex_decode_fixed(key, 32, text, NULL))
    rc = ob_err_set(err, OB_EPARSE, "private key: expected 64 hex digits (0x optional)");
  if (!rc && !chain_key_valid(key))
    rc = ob_err_set(err, OB_EINVAL, "private key is zero or not below the curve order n");
  ob_memclear(text, sizeof(text));
  return rc;
}

static int run_import(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      SAVE_OPTS,
      {"key-file", CLI_VALUE, "FILE", "read the private key (hex) from FILE (else stdin; never an argument)"},
      {0}};
  struct ob_err err;
  uint8_t key[32];
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  ob_err_clear(&err);
  if ((rc = read_import_key(cli_opt(opts, "key-file")->value, key, &err))) {
    ob_memclear(key, sizeof(key));
    return cli_fail(rc, &err);
  }
  save_key(cli, opts, key, &exit_code);
  ob_memclear(key, sizeof(key));
  return exit_code;
}

/* ---- list ---- */

struct listed {
  char *name;
  int code; /* 0 or why it is not a keystore */
  struct chain_keystore_info info;
};

static int cmp_listed(const void *a, const void *b) {
  return strcmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

static void inspect_file(const char *dir, struct listed *l) {
  struct ob_buf path, doc;
  ob_buf_init(&path, 8192);
  ob_buf_init(&doc, KEY_FILE_MAX);
  ob_buf_addf(&path, "%s/%s", dir, l->name);
  l->code = ob_file_read(path.buf, &doc, KEY_FILE_MAX, NULL);
  if (!l->code) l->code = chain_keystore_inspect(&l->info, doc.buf, doc.len, l->name, NULL);
  ob_buf_release(&path);
  ob_buf_release(&doc);
}

static size_t scan_dir(const char *dir, struct listed **out, struct ob_err *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t n = 0, cap = 0;
  *out = NULL;
  if (!d) {
    ob_err_set(err, OB_ENOENT, "cannot open key directory '%s': %s", dir, strerror(errno));
    return 0;
  }
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp.")) continue;
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      struct listed *g = ob_realloc(*out, ncap * sizeof(**out));
      if (!g) break;
      *out = g, cap = ncap;
    }
    memset(&(*out)[n], 0, sizeof((*out)[n]));
    (*out)[n].name = ob_strdup(e->d_name);
    inspect_file(dir, &(*out)[n]);
    n++;
  }
  closedir(d);
  if (n) qsort(*out, n, sizeof(**out), cmp_listed);
  return n;
}

static void print_list(const struct listed *l, size_t n, bool json) {
  struct ob_buf b;
  struct ob_jw w;
  char a[43];
  ob_buf_init(&b, 16 << 20);
  ob_jw_init(&w, &b, false);
  ob_jw_arr_begin(&w);
  for (size_t i = 0; i < n; i++) {
    if (l[i].info.has_address) chain_addr_checksum(a, l[i].info.address);
    if (!json) {
      if (l[i].code) printf("%-44s %s  (not a v3 keystore: %s)\n", "-", l[i].name, ob_strerror(l[i].code));
      else printf("%-44s %s  (%s)\n", l[i].info.has_address ? a : "(no address field)", l[i].name, l[i].info.kdf);
      continue;
    }
    ob_jw_obj_begin(&w);
    ob_jw_key(&w, "file"), ob_jw_str(&w, l[i].name);
    ob_jw_key(&w, "keystore"), ob_jw_bool(&w, l[i].code == 0);
    ob_jw_key(&w, "address"), ob_jw_str(&w, !l[i].code && l[i].info.has_address ? a : NULL);
    ob_jw_key(&w, "kdf"), ob_jw_str(&w, l[i].code ? NULL : l[i].info.kdf);
    ob_jw_obj_end(&w);
  }
  ob_jw_arr_end(&w);
  ob_jw_finish(&w);
  ob_buf_addch(&b, '\n');
  if (json) cli_out(b.buf, b.len);
  ob_buf_release(&b);
}

static int run_list(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"dir", CLI_VALUE, "DIR", "key directory (default: the directory of chain.keystore, else ./keys)"},
      {"json", CLI_FLAG, NULL, "print the list as JSON"},
      {0}};
  struct listed *l = NULL;
  struct ob_err err;
  char *dir;
  size_t n;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!(dir = key_dir(cli, cli_opt(opts, "dir")->value, &exit_code))) return exit_code;
  ob_err_clear(&err);
  n = scan_dir(dir, &l, &err);
  if (err.code) exit_code = cli_fail(err.code, &err);
  else print_list(l, n, cli_opt(opts, "json")->set);
  for (size_t i = 0; i < n; i++) ob_free(l[i].name);
  ob_free(l);
  ob_free(dir);
  return exit_code;
}

/* ---- address ---- */

static int run_address(struct cli *cli, int argc, char **argv, const struct cli_cmd *self) {
  struct cli_opt opts[] = {
      {"keystore", CLI_VALUE, "FILE", "the keystore (default: chain.keystore)"},
      {"password-file", CLI_VALUE, "FILE", "read the password from FILE (else $OBRIDGE_KEYSTORE_PASSWORD or a prompt)"},
      {"json", CLI_FLAG, NULL, "print {\"address\": …} as JSON"},
      {0}};
  struct chain_signer *s = NULL;
  struct ob_err err;
  uint8_t key[32], addr[20];
  char a[43];
  const char *path;
  int rc = cli_parse(self, opts, argc, argv, NULL, NULL), exit_code = 0;
  if (rc) return rc == CLI_DONE ? 0 : CLI_EXIT_USAGE;
  if (!(path = cli_key_path(cli, cli_opt(opts, "keystore")->value, &exit_code))) return exit_code;
  ob_err_clear(&err);
  if (!(rc = chain_signer_new(&s, &err)))
    rc = cli_key_unlock(cli, s, path, cli_opt(opts, "password-file")->value, key, addr, &err);
  ob_memclear(key, sizeof(key));
  chain_signer_free(s);
  if (rc) return cli_fail(rc, &err);
  chain_addr_checksum(a, addr);
  if (cli_opt(opts, "json")->set) printf("{\"address\":\"%s\"}\n", a);
  else printf("%s\n", a);
  return 0;
}

/* ---- doctor ---- */

int doctor_keystore(const struct ob_config *c, struct doctor_result *r) {
  struct chain_keystore_info info;
  struct chain_signer *s = NULL;
  struct ob_buf doc;
  struct ob_err err;
  uint8_t key[32], addr[20];
  char pw[CLI_PASSWORD_MAX], a[43];
  size_t pwlen = 0;
  int rc;
  ob_err_clear(&err);
  ob_buf_init(&doc, KEY_FILE_MAX);
  if ((rc = ob_file_read(c->keystore, &doc, KEY_FILE_MAX, &err)) ||
      (rc = chain_keystore_inspect(&info, doc.buf, doc.len, c->keystore, &err))) {
    doctor_set(r, rc, "%s", err.msg);
    doctor_fix(r, "point chain.keystore at a v3 keystore file ('obridge key list' shows them)");
    goto out;
  }
  /* Decrypt only when a password is available without a prompt. */
  if (!getenv("OBRIDGE_KEYSTORE_PASSWORD") && !c->password_file) {
    if (info.has_address) chain_addr_checksum(a, info.address);
    doctor_set(r, 0, "keystore '%s' parses (%s, address %s); not decrypted: no password file or $OBRIDGE_KEYSTORE_PASSWORD",
               c->keystore, info.kdf, info.has_address ? a : "not in the file");
    goto out;
  }
  if (!(rc = chain_signer_new(&s, &err)) &&
      !(rc = cli_key_password(NULL, getenv("OBRIDGE_KEYSTORE_PASSWORD") ? NULL : c->password_file, c->keystore,
                              false, pw, &pwlen, &err)) &&
      !(rc = chain_keystore_decrypt(key, doc.buf, doc.len, pw, pwlen, s, c->keystore, &err)))
    rc = chain_key_address(s, addr, key, &err);
  if (rc) {
    doctor_set(r, rc, "%s", err.msg);
    doctor_fix(r, "check chain.password_file / $OBRIDGE_KEYSTORE_PASSWORD and the keystore");
  } else {
    chain_addr_checksum(a, addr);
    doctor_set(r, 0, "keystore '%s' decrypts: signer %s", c->keystore, a);
  }
out:
  ob_memclear(key, sizeof(key));
  ob_memclear(pw, sizeof(pw));
  chain_signer_free(s);
  ob_buf_release(&doc);
  return 0;
}

static const struct cli_cmd cmd_new = {
    .name = "new", .summary = "create a new random key in a v3 keystore (scrypt, file mode 0600)",
    .usage = "key new [--dir DIR] [--name NAME] [--password-file FILE] [--scrypt-n N] [--json]",
    .example = "obridge key new --dir keys --password-file pw.txt", .run = run_new};
static const struct cli_cmd cmd_import = {
    .name = "import", .summary = "encrypt an existing private key (read from a file or stdin) into a v3 keystore",
    .usage = "key import [--key-file FILE] [--dir DIR] [--name NAME] [--password-file FILE] [--scrypt-n N] [--json]",
    .example = "obridge key import --key-file key.hex --dir keys --name signer1 --password-file pw.txt",
    .run = run_import};
static const struct cli_cmd cmd_list = {
    .name = "list", .summary = "list the keystores of a key directory (addresses as the files state them)",
    .usage = "key list [--dir DIR] [--json]", .example = "obridge key list --dir keys --json", .run = run_list};
static const struct cli_cmd cmd_address = {
    .name = "address", .summary = "decrypt a keystore and print its address (EIP-55)",
    .usage = "key address [--keystore FILE] [--password-file FILE] [--json]",
    .example = "OBRIDGE_KEYSTORE_PASSWORD=… obridge key address --keystore keys/signer1", .run = run_address};
static const struct cli_cmd *const subs[] = {&cmd_new, &cmd_import, &cmd_list, &cmd_address, NULL};

const struct cli_cmd cli_cmd_key = {
    .name = "key", .summary = "signing keys in Web3 Secret Storage v3 keystores (cast/geth compatible)",
    .usage = "key <new|import|list|address> [options]",
    .details = "Passwords come from --password-file, $OBRIDGE_KEYSTORE_PASSWORD, chain.password_file or a\n"
               "no-echo prompt on the terminal; never from a command-line argument.",
    .example = "obridge key new --dir keys", .subs = subs};
