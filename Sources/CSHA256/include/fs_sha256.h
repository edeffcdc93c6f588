#ifndef FEEDSPOOL_SHA256_H
#define FEEDSPOOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// True (1) when this CPU has the SHA extensions (with SSE4.1 and SSSE3) that
/// `fs_sha256_compress_ni` needs; 0 elsewhere, other architectures included.
int fs_sha256_ni_available(void);

/// Compresses `blocks` 64-byte blocks of `data` into `state` (a, b, …, h of FIPS 180-4)
/// with the CPU's SHA instructions. Call only when `fs_sha256_ni_available()` is 1.
void fs_sha256_compress_ni(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
