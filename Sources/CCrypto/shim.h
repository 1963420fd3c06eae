#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H
/* OpenSSL 3's libcrypto, for HMAC-SHA256 through EVP_MAC (the amphora heartbeat signature). */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#endif
