/* Keystore access shared by `key`, `tx sign`, `util sign-typed-data` and doctor (cmd_key.c).
 *
 * Passwords come, in this order, from --password-file FILE, $OBRIDGE_KEYSTORE_PASSWORD, the config's
 * chain.password_file, or a no-echo prompt on /dev/tty; never from a plain argument, never logged.
 * One trailing newline of a password file is dropped (as geth and cast do). */
#ifndef OB_CLI_KEY_H
#define OB_CLI_KEY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli;
struct ob_err;
struct chain_signer;

#define CLI_PASSWORD_MAX 1024

/* Get a password for the keystore `name` (used in the prompt and errors). confirm: prompt twice.
 * Returns 0, OB_EUSAGE when there is no source (no TTY), OB_EIO/OB_ENOENT for an unreadable file,
 * OB_EMISMATCH when the two prompted entries differ. out holds the password (wipe with ob_memclear). */
int cli_key_password(struct cli *cli, const char *password_file, const char *name, bool confirm,
                     char out[CLI_PASSWORD_MAX], size_t *len, struct ob_err *err);

/* Read and decrypt the keystore at path (password as above). key32 is the private key (the caller
 * wipes it), addr20 its address. Returns 0 or an OB_E* code with err set. */
int cli_key_unlock(struct cli *cli, const struct chain_signer *s, const char *path,
                   const char *password_file, uint8_t key32[32], uint8_t addr20[20], struct ob_err *err);

/* The keystore path: the option's value, else the config's chain.keystore; NULL if neither (then
 * an error has been printed and *exit_code set). */
const char *cli_key_path(struct cli *cli, const char *opt_value, int *exit_code);
#endif
