#ifndef FEEDSPOOL_CCURL_SHIM_H
#define FEEDSPOOL_CCURL_SHIM_H

// The only C module that includes curl.h: a second one made CURLOPT_* unresolvable in
// release builds.
#include <curl/curl.h>

// curl's option and info functions are variadic, which Swift cannot call. One typed
// wrapper per argument type.
static inline CURLcode fs_curl_easy_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode fs_curl_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode fs_curl_easy_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode fs_curl_easy_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode fs_curl_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
typedef size_t (*fs_curl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode fs_curl_easy_setopt_data_callback(CURL *h, CURLoption o, fs_curl_data_callback f) {
    return curl_easy_setopt(h, o, f);
}
typedef int (*fs_curl_xferinfo_callback)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode fs_curl_easy_setopt_xferinfo(CURL *h, fs_curl_xferinfo_callback f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}
typedef curl_socket_t (*fs_curl_opensocket_callback)(void *, curlsocktype, struct curl_sockaddr *);
static inline CURLcode fs_curl_easy_setopt_opensocket(CURL *h, fs_curl_opensocket_callback f) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, f);
}
typedef int (*fs_curl_debug_callback)(CURL *, curl_infotype, char *, size_t, void *);
static inline CURLcode fs_curl_easy_setopt_debug(CURL *h, fs_curl_debug_callback f) {
    return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, f);
}
static inline CURLcode fs_curl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode fs_curl_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode fs_curl_easy_getinfo_string(CURL *h, CURLINFO i, char **v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode fs_curl_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLMcode fs_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) {
    return curl_multi_setopt(m, o, v);
}

static inline CURLMcode fs_curl_multi_setopt_off(CURLM *m, CURLMoption o, curl_off_t v) {
    return curl_multi_setopt(m, o, v);
}

// CURLVERSION_NOW is a macro naming an enum case; Swift does not import it.
static inline curl_version_info_data *fs_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }

// CURL_SOCKET_BAD is a macro Swift does not import as a value of the right type.
static inline curl_socket_t fs_curl_socket_bad(void) { return CURL_SOCKET_BAD; }

#endif
