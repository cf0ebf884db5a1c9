#ifndef IDHEALTH_CCRYPTO_SHIM_H
#define IDHEALTH_CCRYPTO_SHIM_H
/// OpenSSL's libcrypto, for SHA-1 only (Segment's external_id_hash). libpq-dev installs it
/// (libssl-dev) on Debian, so no other package is needed.
#include <openssl/evp.h>
#endif
