#ifndef IDHEALTH_CLIBPQ_SHIM_H
#define IDHEALTH_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/// The PG_DIAG_* field codes are character-literal macros Swift cannot import.
static const int idhealth_pg_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int idhealth_pg_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;
static const int idhealth_pg_diag_message_detail = PG_DIAG_MESSAGE_DETAIL;
static const int idhealth_pg_diag_message_hint = PG_DIAG_MESSAGE_HINT;
#endif
