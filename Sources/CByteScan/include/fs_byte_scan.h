#ifndef FEEDSPOOL_BYTE_SCAN_H
#define FEEDSPOOL_BYTE_SCAN_H

// Scans for the first byte of a set, sixteen bytes at a time (SSE2, which every x86-64 CPU
// has; one byte at a time elsewhere). The parsers' fast paths: a run of ordinary bytes
// (text between tags, an attribute value, CDATA content) is passed over here, and only the
// byte a scan stops at is looked at by the Swift code around it. Values in, values out.
//
// Everything is static inline, so that Swift inlines each scan with its byte set as
// constants.

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Also stop at the control characters XML forbids: below 0x20, but tab, LF and CR.
#define FS_STOP_CONTROLS 1
/// Also stop at tab, LF and CR (with FS_STOP_CONTROLS: at every byte below 0x20).
#define FS_STOP_BLANKS 2
/// Also stop at every byte of 0x80 or above.
#define FS_STOP_HIGH 4

static inline __attribute__((always_inline)) int fs_byte_stops(uint8_t x, int flags, uint8_t a, uint8_t b,
                                                               uint8_t c, uint8_t d) {
    if (x == a || x == b || x == c || x == d) return 1;
    if ((flags & FS_STOP_HIGH) && x >= 0x80) return 1;
    if (x < 0x20) {
        int blank = x == 0x09 || x == 0x0A || x == 0x0D;
        if (blank ? (flags & FS_STOP_BLANKS) : (flags & FS_STOP_CONTROLS)) return 1;
    }
    return 0;
}

#if defined(__SSE2__)
/// The bytes of a 16-byte block `fs_byte_stops` holds for, one bit each (bit k: byte k).
static inline __attribute__((always_inline)) unsigned fs_block_stops(__m128i x, int flags, uint8_t a, uint8_t b,
                                                                     uint8_t c, uint8_t d) {
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)a)), _mm_cmpeq_epi8(x, _mm_set1_epi8((char)b))),
                             _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)c)), _mm_cmpeq_epi8(x, _mm_set1_epi8((char)d))));
    if (flags & (FS_STOP_CONTROLS | FS_STOP_BLANKS)) {
        __m128i low;
        if (flags & FS_STOP_HIGH) {
            // Read as signed, every byte of 0x80 or above is below 0x20 too: one compare.
            low = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));
        } else {
            low = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
        }
        __m128i blanks = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x09)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x0A))),
                                      _mm_cmpeq_epi8(x, _mm_set1_epi8(0x0D)));
        if (!(flags & FS_STOP_BLANKS)) low = _mm_andnot_si128(blanks, low);
        else if (!(flags & FS_STOP_CONTROLS)) low = (flags & FS_STOP_HIGH) ? _mm_or_si128(blanks, _mm_cmplt_epi8(x, _mm_setzero_si128())) : blanks;
        m = _mm_or_si128(m, low);
    } else if (flags & FS_STOP_HIGH) {
        m = _mm_or_si128(m, _mm_cmplt_epi8(x, _mm_setzero_si128()));
    }
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/// The index of the first byte of p[i..<n] that `fs_byte_stops` holds for, or n.
static inline __attribute__((always_inline)) size_t fs_scan(const uint8_t *p, size_t n, size_t i, int flags, uint8_t a,
                                                            uint8_t b, uint8_t c, uint8_t d) {
#if defined(__SSE2__)
    while (i + 16 <= n) {
        unsigned m = fs_block_stops(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), flags, a, b, c, d);
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    for (; i < n; i++) {
        if (fs_byte_stops(p[i], flags, a, b, c, d)) return i;
    }
    return n;
}

/// The first byte of 0x80 or above (the start of a non-ASCII character).
static inline size_t fs_scan_high(const uint8_t *p, size_t n, size_t i) {
    return fs_scan(p, n, i, FS_STOP_HIGH, 0x80, 0x80, 0x80, 0x80);
}

/// XML text: '<', '&', a control XML forbids, or a byte of 0x80 or above.
static inline size_t fs_scan_xml_text(const uint8_t *p, size_t n, size_t i) {
    return fs_scan(p, n, i, FS_STOP_CONTROLS | FS_STOP_HIGH, '<', '&', '<', '&');
}

/// Inside a tag: a quote, '>', a control XML forbids, or a byte of 0x80 or above.
static inline size_t fs_scan_xml_tag(const uint8_t *p, size_t n, size_t i) {
    return fs_scan(p, n, i, FS_STOP_CONTROLS | FS_STOP_HIGH, '"', '\'', '>', '>');
}

/// An attribute value: a quote, '&', '<', a control XML forbids, or a byte of 0x80 or above.
static inline size_t fs_scan_xml_attribute(const uint8_t *p, size_t n, size_t i) {
    return fs_scan(p, n, i, FS_STOP_CONTROLS | FS_STOP_HIGH, '"', '\'', '&', '<');
}

/// CDATA content: ']', a control XML forbids, or a byte of 0x80 or above.
static inline size_t fs_scan_xml_cdata(const uint8_t *p, size_t n, size_t i) {
    return fs_scan(p, n, i, FS_STOP_CONTROLS | FS_STOP_HIGH, ']', ']', ']', ']');
}

/// HTML text for the condenser: a byte below 0x20, '<', '>', '&', a quote, 0xEF or DEL.
static inline size_t fs_scan_html_text(const uint8_t *p, size_t n, size_t i) {
#if defined(__SSE2__)
    while (i + 16 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned m = fs_block_stops(x, FS_STOP_CONTROLS | FS_STOP_BLANKS, '<', '>', '&', '"')
                     | (unsigned)_mm_movemask_epi8(_mm_or_si128(
                           _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\'')), _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF))),
                           _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F))));
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    for (; i < n; i++) {
        uint8_t x = p[i];
        if (x < 0x20 || x == '<' || x == '>' || x == '&' || x == '"' || x == '\'' || x == 0xEF || x == 0x7F) return i;
    }
    return n;
}

/// Text to fold (TextBuilder): white space, a control, DEL or 0xC2 (no-break space and the
/// C1 controls start with it), except a single space before another byte: a space stops
/// the scan only when such a byte follows it, or nothing does.
static inline size_t fs_scan_folding(const uint8_t *p, size_t n, size_t i) {
#if defined(__SSE2__)
    while (i + 16 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        // Bytes up to 0x20 (space included), DEL, 0xC2.
        __m128i stops = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)), _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xC2))));
        unsigned s = (unsigned)_mm_movemask_epi8(stops);
        unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
        unsigned m = (s & ~spaces) | (spaces & (s >> 1));
        // A space in the last lane stops by the byte after the block.
        if (spaces & 0x8000u) {
            uint8_t y = i + 16 < n ? p[i + 16] : 0;
            if (y <= 0x20 || y == 0x7F || y == 0xC2) m |= 0x8000u;
        }
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    for (; i < n; i++) {
        uint8_t x = p[i];
        if (x == ' ') {
            if (i + 1 >= n) return i;
            uint8_t y = p[i + 1];
            if (y <= 0x20 || y == 0x7F || y == 0xC2) return i;
        } else if (x < 0x20 || x == 0x7F || x == 0xC2) {
            return i;
        }
    }
    return n;
}

#endif
