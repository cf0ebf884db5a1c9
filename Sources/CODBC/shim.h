#ifndef IDHEALTH_CODBC_SHIM_H
#define IDHEALTH_CODBC_SHIM_H
/// The part of the ODBC 3 API idhealth calls, declared from the ODBC specification and
/// unixODBC's 64-bit ABI (SQLLEN is 64 bits, SQLINTEGER 32) rather than unixODBC's headers:
/// the driver manager (libodbc.so.2) is loaded with dlopen when an `odbc:` database is used,
/// so neither the build nor the binary needs unixODBC otherwise. Functions are declared as
/// pointer types only; IDHealthSQL resolves them by name (ODBCLibrary.swift).

typedef unsigned char SQLCHAR;
typedef short SQLSMALLINT;
typedef unsigned short SQLUSMALLINT;
typedef int SQLINTEGER;
typedef long SQLLEN;
typedef unsigned long SQLULEN;
typedef SQLSMALLINT SQLRETURN;
typedef void *SQLPOINTER;
typedef void *SQLHANDLE;
typedef SQLHANDLE SQLHENV;
typedef SQLHANDLE SQLHDBC;
typedef SQLHANDLE SQLHSTMT;
typedef void *SQLHWND;

#define SQL_SUCCESS 0
#define SQL_SUCCESS_WITH_INFO 1
#define SQL_NO_DATA 100
#define SQL_HANDLE_ENV 1
#define SQL_HANDLE_DBC 2
#define SQL_HANDLE_STMT 3
#define SQL_ATTR_ODBC_VERSION 200
#define SQL_ATTR_AUTOCOMMIT 102
#define SQL_ATTR_LOGIN_TIMEOUT 103
#define SQL_DRIVER_NOPROMPT 0
#define SQL_COMMIT 0
#define SQL_ROLLBACK 1
#define SQL_SERVER_NAME 13
#define SQL_DATABASE_NAME 16
#define SQL_DBMS_NAME 17
#define SQL_PARAM_INPUT 1
#define SQL_DESC_TYPE_NAME 14
#define SQL_CHAR 1
#define SQL_NUMERIC 2
#define SQL_DECIMAL 3
#define SQL_INTEGER 4
#define SQL_SMALLINT 5
#define SQL_FLOAT 6
#define SQL_REAL 7
#define SQL_DOUBLE 8
#define SQL_VARCHAR 12
#define SQL_BIGINT (-5)
#define SQL_TINYINT (-6)
#define SQL_BIT (-7)
#define SQL_C_CHAR SQL_CHAR
#define SQL_C_DOUBLE SQL_DOUBLE
#define SQL_C_SBIGINT (-25)

/// Macros Swift cannot import as they are (casts, or values of the wrong width).
static const SQLSMALLINT idhealth_sql_nts = -3;
static const SQLLEN idhealth_sql_null_data = -1;
static const SQLLEN idhealth_sql_no_total = -4;
static inline SQLPOINTER idhealth_odbc_version_3(void) { return (SQLPOINTER)3UL; }
static inline SQLPOINTER idhealth_autocommit_on(void) { return (SQLPOINTER)1UL; }
static inline SQLPOINTER idhealth_autocommit_off(void) { return (SQLPOINTER)0UL; }

typedef SQLRETURN (*idh_SQLAllocHandle)(SQLSMALLINT, SQLHANDLE, SQLHANDLE *);
typedef SQLRETURN (*idh_SQLBindParameter)(SQLHSTMT, SQLUSMALLINT, SQLSMALLINT, SQLSMALLINT, SQLSMALLINT, SQLULEN, SQLSMALLINT, SQLPOINTER, SQLLEN, SQLLEN *);
typedef SQLRETURN (*idh_SQLCancel)(SQLHSTMT);
typedef SQLRETURN (*idh_SQLColAttribute)(SQLHSTMT, SQLUSMALLINT, SQLUSMALLINT, SQLPOINTER, SQLSMALLINT, SQLSMALLINT *, SQLLEN *);
typedef SQLRETURN (*idh_SQLDescribeCol)(SQLHSTMT, SQLUSMALLINT, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *, SQLSMALLINT *, SQLULEN *, SQLSMALLINT *, SQLSMALLINT *);
typedef SQLRETURN (*idh_SQLDisconnect)(SQLHDBC);
typedef SQLRETURN (*idh_SQLDriverConnect)(SQLHDBC, SQLHWND, SQLCHAR *, SQLSMALLINT, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *, SQLUSMALLINT);
typedef SQLRETURN (*idh_SQLEndTran)(SQLSMALLINT, SQLHANDLE, SQLSMALLINT);
typedef SQLRETURN (*idh_SQLExecute)(SQLHSTMT);
typedef SQLRETURN (*idh_SQLFetch)(SQLHSTMT);
typedef SQLRETURN (*idh_SQLFreeHandle)(SQLSMALLINT, SQLHANDLE);
typedef SQLRETURN (*idh_SQLGetData)(SQLHSTMT, SQLUSMALLINT, SQLSMALLINT, SQLPOINTER, SQLLEN, SQLLEN *);
typedef SQLRETURN (*idh_SQLGetDiagRec)(SQLSMALLINT, SQLHANDLE, SQLSMALLINT, SQLCHAR *, SQLINTEGER *, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *);
typedef SQLRETURN (*idh_SQLGetInfo)(SQLHDBC, SQLUSMALLINT, SQLPOINTER, SQLSMALLINT, SQLSMALLINT *);
typedef SQLRETURN (*idh_SQLNumResultCols)(SQLHSTMT, SQLSMALLINT *);
typedef SQLRETURN (*idh_SQLPrepare)(SQLHSTMT, SQLCHAR *, SQLINTEGER);
typedef SQLRETURN (*idh_SQLRowCount)(SQLHSTMT, SQLLEN *);
typedef SQLRETURN (*idh_SQLSetConnectAttr)(SQLHDBC, SQLINTEGER, SQLPOINTER, SQLINTEGER);
typedef SQLRETURN (*idh_SQLSetEnvAttr)(SQLHENV, SQLINTEGER, SQLPOINTER, SQLINTEGER);
#endif
