/* Logging: one logfmt line per event on stderr (or a sink set once at start).
 *
 *   ts=2026-11-25T09:00:00.123Z level=info sys=chain msg="connected" url=ws://127.0.0.1:8545
 *
 * OB_LOG checks the level before formatting anything. Key/value pairs come as const char*
 * pairs ending with NULL. Values whose key is marked secret — a key starting with '!' or one
 * of password, passphrase, secret, private_key, key, token, authorization (any case) — are
 * printed as `key=[redacted]`: secrets never reach the sink. URLs with a password in their
 * user-info should go through ob_log_redact_url first. Thread-safe (one write(2) per line). */
#ifndef OB_CORE_LOG_H
#define OB_CORE_LOG_H
#include <stdbool.h>
#include <stddef.h>

enum ob_log_level { OB_LOG_TRACE, OB_LOG_DEBUG, OB_LOG_INFO, OB_LOG_WARN, OB_LOG_ERROR, OB_LOG_OFF };

/* Global: the log sink is one of the two globals libraries may have. */
extern enum ob_log_level ob_log_min_level;

void ob_log_set_level(enum ob_log_level lvl);
int ob_log_parse_level(enum ob_log_level *out, const char *s); /* "info" -> OB_LOG_INFO; OB_EINVAL */
/* Send lines to fn instead of stderr (tests); NULL restores stderr. */
void ob_log_set_sink(void (*fn)(void *ud, const char *line, size_t len), void *ud);
/* Call fn before each line is written (a progress bar clears its line); NULL removes it. */
void ob_log_set_before_write(void (*fn)(void *ud), void *ud);

void ob_log_kv(enum ob_log_level lvl, const char *sys, const char *msg, ...);
void ob_log_f(enum ob_log_level lvl, const char *sys, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define OB_LOG_ENABLED(lvl) ((lvl) >= ob_log_min_level)
/* OB_LOG(OB_LOG_INFO, "chain", "connected", "url", url, NULL) */
#define OB_LOG(lvl, sys, ...) do { if (OB_LOG_ENABLED(lvl)) ob_log_kv((lvl), (sys), __VA_ARGS__); } while (0)
/* OB_LOGF(OB_LOG_WARN, "db", "retrying in %d ms", ms) */
#define OB_LOGF(lvl, sys, ...) do { if (OB_LOG_ENABLED(lvl)) ob_log_f((lvl), (sys), __VA_ARGS__); } while (0)

/* Copy url into out (size cap) with any user-info password replaced by "***"
 * ("postgres://u:pw@h/db" -> "postgres://u:***@h/db"); also masks password=... in libpq
 * key/value strings. Always NUL-terminates. */
void ob_log_redact_url(char *out, size_t cap, const char *url);
#endif
