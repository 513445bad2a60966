#ifndef ALIVED_CSECP256K1_SHIM_H
#define ALIVED_CSECP256K1_SHIM_H
// Debian's libsecp256k1-dev (0.2.x) with the recovery module (compact recoverable
// signatures, as Hive and Avalon use them).
#include <secp256k1.h>
#include <secp256k1_recovery.h>

// Flag macros Swift cannot rely on importing, re-exported as constants.
static const unsigned int csecp256k1_context_none = SECP256K1_CONTEXT_NONE;
static const unsigned int csecp256k1_ec_compressed = SECP256K1_EC_COMPRESSED;

// The library's static context (verification-only uses, key checks), through a
// function so Swift never touches the C global variable directly.
static inline const secp256k1_context *csecp256k1_static_context(void) {
    return secp256k1_context_static;
}
#endif
