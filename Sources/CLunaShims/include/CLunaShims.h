#ifndef CLUNASHIMS_H
#define CLUNASHIMS_H

// System calls that Swift's Glibc module does not expose, with portable
// fallbacks.

// Swaps two paths: atomically with Linux's renameat2(RENAME_EXCHANGE)
// where the kernel and file system support it (Glibc declares renameat2
// only under _GNU_SOURCE, which the Glibc module is not built with); else
// by two renames through `a` + ".swap", undone if the second fails. Used to
// publish an output directory. Returns 0, or -1 with errno set.
int luna_exchange_paths(const char *a, const char *b);

// The fallback of luna_exchange_paths on its own, for tests.
int luna_exchange_by_renames(const char *a, const char *b);

// Asks the CPU to start loading the cache line at `p`: used to overlap the
// memory latency of hash-table inserts (Swift has no prefetch intrinsic).
static inline void luna_prefetch(const void *p) { __builtin_prefetch(p, 1, 1); }

// A fast, monotonic tick count for sampled timing: the CPU's time-stamp
// counter on x86-64 (a few cycles to read), nanoseconds elsewhere. Only
// ratios of ticks are used, so their unit does not matter.
#include <stdint.h>
#include <time.h>
static inline uint64_t luna_ticks(void) {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

// The separators of a CSV record run without quotes: bit k of the result is
// set when p[k] (k < 64) is `delim`, `\n` or `\r`. Reads exactly 64 bytes.
// SSE2 (every x86-64) where there is SSE2; byte by byte elsewhere.
#if defined(__SSE2__)
#include <emmintrin.h>
static inline uint64_t luna_separators64(const uint8_t *p, uint8_t delim) {
  const __m128i d = _mm_set1_epi8((char)delim);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  uint64_t m = 0;
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
    __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr));
    m |= (uint64_t)(uint32_t)_mm_movemask_epi8(e) << (16 * k);
  }
  return m;
}
// The bytes of p[0..<64] by class, a bit each: the result has the
// delimiters, *ends the line ends (`\n`, `\r`), *blanks the spaces and
// TABs (what trimming removes), *high the bytes above 0x7F.
static inline uint64_t luna_classify64(const uint8_t *p, uint8_t delim, uint64_t *ends, uint64_t *blanks, uint64_t *high) {
  const __m128i d = _mm_set1_epi8((char)delim);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i sp = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  uint64_t m = 0, e = 0, b = 0, h = 0;
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
    __m128i l = _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr));
    __m128i s = _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, tab));
    m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, d)) << (16 * k);
    e |= (uint64_t)(uint32_t)_mm_movemask_epi8(l) << (16 * k);
    b |= (uint64_t)(uint32_t)_mm_movemask_epi8(s) << (16 * k);
    h |= (uint64_t)(uint32_t)_mm_movemask_epi8(v) << (16 * k);
  }
  *ends = e;
  *blanks = b;
  *high = h;
  return m;
}
#else
static inline uint64_t luna_classify64(const uint8_t *p, uint8_t delim, uint64_t *ends, uint64_t *blanks, uint64_t *high) {
  uint64_t m = 0, e = 0, b = 0, h = 0;
  for (int k = 0; k < 64; k++) {
    uint8_t c = p[k];
    if (c == delim) m |= (uint64_t)1 << k;
    if (c == '\n' || c == '\r') e |= (uint64_t)1 << k;
    if (c == ' ' || c == '\t') b |= (uint64_t)1 << k;
    if (c & 0x80) h |= (uint64_t)1 << k;
  }
  *ends = e;
  *blanks = b;
  *high = h;
  return m;
}
static inline uint64_t luna_separators64(const uint8_t *p, uint8_t delim) {
  uint64_t m = 0;
  for (int k = 0; k < 64; k++) {
    uint8_t c = p[k];
    if (c == delim || c == '\n' || c == '\r') m |= (uint64_t)1 << k;
  }
  return m;
}
#endif


// Fixes glibc's mmap threshold at `bytes` (which also stops glibc from
// raising it after a large free): blocks of that size and more are mapped
// and go back to the kernel when freed. Returns 1 when set, 0 elsewhere.
#if defined(__GLIBC__)
#include <malloc.h>
static inline int luna_fix_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
// Gives the free memory of every malloc arena back to the kernel.
static inline void luna_malloc_trim(void) { malloc_trim(0); }
#else
static inline int luna_fix_mmap_threshold(int bytes) { (void)bytes; return 0; }
static inline void luna_malloc_trim(void) {}
#endif

#endif
