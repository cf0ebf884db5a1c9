#ifndef IDHEALTH_CCURL_H
#define IDHEALTH_CCURL_H
/// The part of libcurl's easy interface idhealth calls to deliver notifications and to call
/// BigQuery's REST API, declared
/// from libcurl's documentation (https://curl.se/libcurl/c/) rather than its headers, so that
/// neither the build nor the binary needs libcurl: it is loaded with dlopen when a
/// notification is sent or BigQuery is reached. Option and info numbers are libcurl's ABI, stable since 7.x.
///
/// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call through a
/// function pointer; the inline functions below make the call in C with the right types.

#include <stddef.h>

typedef void IDHCurl;
typedef struct idh_curl_slist idh_curl_slist;

typedef int (*idh_curl_global_init_fn)(long flags);
typedef IDHCurl *(*idh_curl_easy_init_fn)(void);
typedef void (*idh_curl_easy_cleanup_fn)(IDHCurl *handle);
typedef int (*idh_curl_easy_perform_fn)(IDHCurl *handle);
typedef const char *(*idh_curl_easy_strerror_fn)(int code);
typedef idh_curl_slist *(*idh_curl_slist_append_fn)(idh_curl_slist *list, const char *text);
typedef void (*idh_curl_slist_free_all_fn)(idh_curl_slist *list);
typedef int (*idh_curl_easy_setopt_fn)(IDHCurl *handle, int option, ...);
typedef int (*idh_curl_easy_getinfo_fn)(IDHCurl *handle, int info, ...);
/// What libcurl calls with each piece of a response body (fwrite's shape).
typedef size_t (*idh_curl_write_fn)(char *data, size_t size, size_t count, void *user);

enum {
    IDH_CURL_GLOBAL_ALL = 3,
    IDH_CURLE_OK = 0,
    IDH_CURLE_WRITE_ERROR = 23,
    IDH_CURLE_OPERATION_TIMEDOUT = 28,
    IDH_CURLOPT_WRITEDATA = 10001,
    IDH_CURLOPT_URL = 10002,
    IDH_CURLOPT_ERRORBUFFER = 10010,
    IDH_CURLOPT_POSTFIELDS = 10015,
    IDH_CURLOPT_USERAGENT = 10018,
    IDH_CURLOPT_HTTPHEADER = 10023,
    IDH_CURLOPT_POST = 47,
    IDH_CURLOPT_HTTPGET = 80,
    IDH_CURLOPT_NOSIGNAL = 99,
    IDH_CURLOPT_TIMEOUT_MS = 155,
    IDH_CURLOPT_CONNECTTIMEOUT_MS = 156,
    IDH_CURLOPT_WRITEFUNCTION = 20011,
    IDH_CURLOPT_POSTFIELDSIZE_LARGE = 30120,
    IDH_CURLINFO_RESPONSE_CODE = 0x200002,
    /// Bytes of the buffer CURLOPT_ERRORBUFFER fills.
    IDH_CURL_ERROR_SIZE = 256,
};

static inline int idh_curl_setopt_pointer(void *setopt, IDHCurl *handle, int option, const void *value) {
    return ((idh_curl_easy_setopt_fn)setopt)(handle, option, value);
}
static inline int idh_curl_setopt_long(void *setopt, IDHCurl *handle, int option, long value) {
    return ((idh_curl_easy_setopt_fn)setopt)(handle, option, value);
}
static inline int idh_curl_setopt_offset(void *setopt, IDHCurl *handle, int option, long long value) {
    return ((idh_curl_easy_setopt_fn)setopt)(handle, option, value);
}
static inline int idh_curl_setopt_writer(void *setopt, IDHCurl *handle, idh_curl_write_fn writer) {
    return ((idh_curl_easy_setopt_fn)setopt)(handle, IDH_CURLOPT_WRITEFUNCTION, writer);
}
static inline int idh_curl_getinfo_long(void *getinfo, IDHCurl *handle, int info, long *value) {
    return ((idh_curl_easy_getinfo_fn)getinfo)(handle, info, value);
}
#endif
