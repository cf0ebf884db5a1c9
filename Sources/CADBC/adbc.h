// The C declarations idhealth needs to load an ADBC driver at run time and read its results:
// the Arrow C data and stream interfaces and the ADBC 1.1 driver table, written from the
// published specifications:
//   https://arrow.apache.org/docs/format/CDataInterface.html
//   https://arrow.apache.org/docs/format/CStreamInterface.html
//   https://arrow.apache.org/adbc/current/format/specification.html
// No library is linked: a driver is a shared library opened with dlopen, whose entry point
// fills in `struct AdbcDriver`. Only the layout matters here, so a slot idhealth never calls
// is declared as a plain pointer of the same size, in its place.
#ifndef IDHEALTH_ADBC_H
#define IDHEALTH_ADBC_H

#include <stddef.h>
#include <stdint.h>

// MARK: - Arrow C data interface

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

/// A column's type, name and children; `format` is the type in the interface's format strings.
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

/// A column's values (or, for a struct, a record batch): validity bitmap, offsets, data.
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

/// Record batches one at a time: a result set.
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};

#endif

// MARK: - ADBC 1.1

typedef uint8_t AdbcStatusCode;

#define ADBC_STATUS_OK 0
#define ADBC_STATUS_UNKNOWN 1
#define ADBC_STATUS_NOT_IMPLEMENTED 2
#define ADBC_STATUS_NOT_FOUND 3
#define ADBC_STATUS_ALREADY_EXISTS 4
#define ADBC_STATUS_INVALID_ARGUMENT 5
#define ADBC_STATUS_INVALID_STATE 6
#define ADBC_STATUS_INVALID_DATA 7
#define ADBC_STATUS_INTEGRITY 8
#define ADBC_STATUS_INTERNAL 9
#define ADBC_STATUS_IO 10
#define ADBC_STATUS_CANCELLED 11
#define ADBC_STATUS_TIMEOUT 12
#define ADBC_STATUS_UNAUTHENTICATED 13
#define ADBC_STATUS_UNAUTHORIZED 14

/// `vendor_code` of an error whose driver keeps details in `private_data` (ADBC 1.1).
#define ADBC_ERROR_VENDOR_CODE_PRIVATE_DATA INT32_MIN

#define ADBC_VERSION_1_0_0 1000000
#define ADBC_VERSION_1_1_0 1001000

struct AdbcDriver;

/// An error a driver filled in; `release` frees its message.
struct AdbcError {
  char* message;
  int32_t vendor_code;
  char sqlstate[5];
  void (*release)(struct AdbcError* error);
  void* private_data;
  struct AdbcDriver* private_driver;
};

struct AdbcDatabase {
  void* private_data;
  struct AdbcDriver* private_driver;
};

struct AdbcConnection {
  void* private_data;
  struct AdbcDriver* private_driver;
};

struct AdbcStatement {
  void* private_data;
  struct AdbcDriver* private_driver;
};

/// The driver's function table, filled in by its entry point. Slots idhealth does not call
/// are `void*` placeholders so that every later slot keeps its offset.
struct AdbcDriver {
  void* private_data;
  void* private_manager;
  AdbcStatusCode (*release)(struct AdbcDriver* driver, struct AdbcError* error);

  AdbcStatusCode (*DatabaseInit)(struct AdbcDatabase*, struct AdbcError*);
  AdbcStatusCode (*DatabaseNew)(struct AdbcDatabase*, struct AdbcError*);
  AdbcStatusCode (*DatabaseSetOption)(struct AdbcDatabase*, const char*, const char*, struct AdbcError*);
  AdbcStatusCode (*DatabaseRelease)(struct AdbcDatabase*, struct AdbcError*);

  AdbcStatusCode (*ConnectionCommit)(struct AdbcConnection*, struct AdbcError*);
  AdbcStatusCode (*ConnectionGetInfo)(struct AdbcConnection*, const uint32_t*, size_t, struct ArrowArrayStream*, struct AdbcError*);
  void* ConnectionGetObjects;
  void* ConnectionGetTableSchema;
  void* ConnectionGetTableTypes;
  AdbcStatusCode (*ConnectionInit)(struct AdbcConnection*, struct AdbcDatabase*, struct AdbcError*);
  AdbcStatusCode (*ConnectionNew)(struct AdbcConnection*, struct AdbcError*);
  AdbcStatusCode (*ConnectionSetOption)(struct AdbcConnection*, const char*, const char*, struct AdbcError*);
  void* ConnectionReadPartition;
  AdbcStatusCode (*ConnectionRelease)(struct AdbcConnection*, struct AdbcError*);
  AdbcStatusCode (*ConnectionRollback)(struct AdbcConnection*, struct AdbcError*);

  AdbcStatusCode (*StatementBind)(struct AdbcStatement*, struct ArrowArray*, struct ArrowSchema*, struct AdbcError*);
  void* StatementBindStream;
  AdbcStatusCode (*StatementExecuteQuery)(struct AdbcStatement*, struct ArrowArrayStream*, int64_t*, struct AdbcError*);
  void* StatementExecutePartitions;
  void* StatementGetParameterSchema;
  AdbcStatusCode (*StatementNew)(struct AdbcConnection*, struct AdbcStatement*, struct AdbcError*);
  AdbcStatusCode (*StatementPrepare)(struct AdbcStatement*, struct AdbcError*);
  AdbcStatusCode (*StatementRelease)(struct AdbcStatement*, struct AdbcError*);
  AdbcStatusCode (*StatementSetOption)(struct AdbcStatement*, const char*, const char*, struct AdbcError*);
  AdbcStatusCode (*StatementSetSqlQuery)(struct AdbcStatement*, const char*, struct AdbcError*);
  void* StatementSetSubstraitPlan;

  // ADBC 1.1 from here on: a 1.0 driver leaves these NULL.
  void* ErrorGetDetailCount;
  void* ErrorGetDetail;
  void* ErrorFromArrayStream;
  void* DatabaseGetOption;
  void* DatabaseGetOptionBytes;
  void* DatabaseGetOptionDouble;
  void* DatabaseGetOptionInt;
  void* DatabaseSetOptionBytes;
  void* DatabaseSetOptionDouble;
  void* DatabaseSetOptionInt;
  AdbcStatusCode (*ConnectionCancel)(struct AdbcConnection*, struct AdbcError*);
  AdbcStatusCode (*ConnectionGetOption)(struct AdbcConnection*, const char*, char*, size_t*, struct AdbcError*);
  void* ConnectionGetOptionBytes;
  void* ConnectionGetOptionDouble;
  void* ConnectionGetOptionInt;
  void* ConnectionGetStatistics;
  void* ConnectionGetStatisticNames;
  void* ConnectionSetOptionBytes;
  void* ConnectionSetOptionDouble;
  void* ConnectionSetOptionInt;
  AdbcStatusCode (*StatementCancel)(struct AdbcStatement*, struct AdbcError*);
  void* StatementExecuteSchema;
  void* StatementGetOption;
  void* StatementGetOptionBytes;
  void* StatementGetOptionDouble;
  void* StatementGetOptionInt;
  void* StatementSetOptionBytes;
  void* StatementSetOptionDouble;
  void* StatementSetOptionInt;
};

/// The type of a driver's entry point (`AdbcDriverInit` or the one its manifest names).
typedef AdbcStatusCode (*AdbcDriverInitFunc)(int version, void* driver, struct AdbcError* error);

#endif
