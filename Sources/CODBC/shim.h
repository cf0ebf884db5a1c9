#ifndef IDHEALTH_CODBC_SHIM_H
#define IDHEALTH_CODBC_SHIM_H
#include <sql.h>
#include <sqlext.h>

/// Macros Swift cannot import as they are (casts, or values of the wrong width).
static const SQLSMALLINT idhealth_sql_nts = SQL_NTS;
static const SQLLEN idhealth_sql_null_data = SQL_NULL_DATA;
static const SQLLEN idhealth_sql_no_total = SQL_NO_TOTAL;
static inline SQLPOINTER idhealth_odbc_version_3(void) { return (SQLPOINTER)SQL_OV_ODBC3; }
static inline SQLPOINTER idhealth_autocommit_on(void) { return (SQLPOINTER)SQL_AUTOCOMMIT_ON; }
static inline SQLPOINTER idhealth_autocommit_off(void) { return (SQLPOINTER)SQL_AUTOCOMMIT_OFF; }
#endif
