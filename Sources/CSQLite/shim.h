#ifndef IDHEALTH_CSQLITE_SHIM_H
#define IDHEALTH_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import; it tells SQLite to copy bound text.
static inline sqlite3_destructor_type idhealth_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/// sqlite3_auto_extension takes its entry point as `void (*)(void)` and calls it with the
/// signature of an extension's init function; Swift cannot make that cast itself.
typedef int (*idhealth_sqlite_entry_point)(sqlite3 *db, char **error, const void *api);
static inline int idhealth_sqlite_auto_extension(idhealth_sqlite_entry_point entry) {
    return sqlite3_auto_extension((void (*)(void))entry);
}
#endif
