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
#include <stddef.h>
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
  _mm_prefetch((const char *)p + 1024, _MM_HINT_NTA);
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

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>
// Whether the CPU and the OS support AVX2 (CPUID leaf 7 and the OS saving
// the YMM registers, XCR0 bits 1 and 2).
static inline int luna_has_avx2(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 6) != 6) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b & (1u << 5)) != 0;
}
// luna_classify64 with AVX2: 32 bytes a compare. Call only when
// luna_has_avx2() says so.
// Both ask for the text 16 blocks ahead as non-temporal (a prefetch never
// faults, past the buffer's end too): the text is read once, right after,
// and should not push the field caches and the chunk's group table out of
// the first-level cache (national claims: 0.94-0.98 of the wall at 1
// thread, 0.97-1.00 at 2, alternating pairs; a plain prefetch gave 1.01).
__attribute__((target("avx2"))) static inline uint64_t luna_classify64_avx2(
    const uint8_t *p, uint8_t delim, uint64_t *ends, uint64_t *blanks, uint64_t *high) {
  _mm_prefetch((const char *)p + 1024, _MM_HINT_NTA);
  const __m256i d = _mm256_set1_epi8((char)delim);
  const __m256i lf = _mm256_set1_epi8('\n');
  const __m256i cr = _mm256_set1_epi8('\r');
  const __m256i sp = _mm256_set1_epi8(' ');
  const __m256i tab = _mm256_set1_epi8('\t');
  __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
  __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
  uint64_t m = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, d))
    | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, d)) << 32;
  *ends = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v0, lf), _mm256_cmpeq_epi8(v0, cr)))
    | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v1, lf), _mm256_cmpeq_epi8(v1, cr))) << 32;
  *blanks = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v0, sp), _mm256_cmpeq_epi8(v0, tab)))
    | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v1, sp), _mm256_cmpeq_epi8(v1, tab))) << 32;
  *high = (uint64_t)(uint32_t)_mm256_movemask_epi8(v0) | (uint64_t)(uint32_t)_mm256_movemask_epi8(v1) << 32;
  return m;
}
#define LUNA_HAS_AVX2_PATH 1
#endif
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
// Which of the bytes `a` and `b` occur in p[0..<n]: bit 0 for `a`, bit 1
// for `b`. One pass where two memchr calls would make two; with AVX2 when
// `avx2` (luna_has_avx2() said so).
#if defined(LUNA_HAS_AVX2_PATH)
__attribute__((target("avx2"))) static inline int luna_has_bytes_avx2(const uint8_t *p, size_t n, uint8_t a, uint8_t b) {
  const __m256i va = _mm256_set1_epi8((char)a);
  const __m256i vb = _mm256_set1_epi8((char)b);
  __m256i fa = _mm256_setzero_si256(), fb = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));
    fa = _mm256_or_si256(fa, _mm256_or_si256(_mm256_cmpeq_epi8(v0, va), _mm256_cmpeq_epi8(v1, va)));
    fb = _mm256_or_si256(fb, _mm256_or_si256(_mm256_cmpeq_epi8(v0, vb), _mm256_cmpeq_epi8(v1, vb)));
  }
  int found = (_mm256_movemask_epi8(fa) ? 1 : 0) | (_mm256_movemask_epi8(fb) ? 2 : 0);
  for (; i < n; i++) {
    if (p[i] == a) found |= 1;
    if (p[i] == b) found |= 2;
  }
  return found;
}
#endif
static inline int luna_has_bytes(const uint8_t *p, size_t n, uint8_t a, uint8_t b, int avx2) {
  int found = 0;
  size_t i = 0;
#if defined(LUNA_HAS_AVX2_PATH)
  if (avx2) return luna_has_bytes_avx2(p, n, a, b);
#else
  (void)avx2;
#endif
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8((char)a);
  const __m128i vb = _mm_set1_epi8((char)b);
  __m128i fa = _mm_setzero_si128(), fb = _mm_setzero_si128();
  for (; i + 64 <= n; i += 64) {
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
      fa = _mm_or_si128(fa, _mm_cmpeq_epi8(v, va));
      fb = _mm_or_si128(fb, _mm_cmpeq_epi8(v, vb));
    }
  }
  if (_mm_movemask_epi8(fa)) found |= 1;
  if (_mm_movemask_epi8(fb)) found |= 2;
#endif
  for (; i < n; i++) {
    if (p[i] == a) found |= 1;
    if (p[i] == b) found |= 2;
  }
  return found;
}

#if !defined(LUNA_HAS_AVX2_PATH)
static inline int luna_has_avx2(void) { return 0; }
static inline uint64_t luna_classify64_avx2(const uint8_t *p, uint8_t delim, uint64_t *ends, uint64_t *blanks, uint64_t *high) {
  return luna_classify64(p, delim, ends, blanks, high);
}
#endif

// The value of 16 lower-case hexadecimal digits, the first (the low byte
// of lo, memory order) the most significant; ok is 0 when a byte is not
// one of 0-9 a-f. SSE2: the range checks, the nibbles and their pairing
// 16 bytes at a time (a patient id per distinct count, every record).
typedef struct {
  uint64_t value;
  int ok;
} luna_hex_result;
#if defined(__SSE2__)
static inline luna_hex_result luna_hex16(uint64_t lo, uint64_t hi) {
  const __m128i v = _mm_set_epi64x((long long)hi, (long long)lo);
  const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  const __m128i a = _mm_sub_epi8(v, _mm_set1_epi8('a'));
  const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
  const __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(5)), a);
  const int ok = _mm_movemask_epi8(_mm_or_si128(digit, letter)) == 0xFFFF;
  const __m128i nibble = _mm_or_si128(_mm_and_si128(digit, d), _mm_andnot_si128(digit, _mm_add_epi8(a, _mm_set1_epi8(10))));
  // Each 16-bit lane: its first byte's nibble on top of its second's.
  const __m128i pairs =
      _mm_or_si128(_mm_slli_epi16(_mm_and_si128(nibble, _mm_set1_epi16(0x00FF)), 4), _mm_srli_epi16(nibble, 8));
  const uint64_t packed = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs));
  luna_hex_result r = {__builtin_bswap64(packed), ok};
  return r;
}
#else
static inline luna_hex_result luna_hex16(uint64_t lo, uint64_t hi) {
  luna_hex_result r = {0, 1};
  for (int k = 0; k < 16; k++) {
    uint8_t c = (uint8_t)((k < 8 ? lo : hi) >> (8 * (k & 7)));
    uint64_t n;
    if (c >= '0' && c <= '9') n = (uint64_t)(c - '0');
    else if (c >= 'a' && c <= 'f') n = (uint64_t)(c - 'a' + 10);
    else { r.ok = 0; n = 0; }
    r.value = r.value << 4 | n;
  }
  return r;
}
#endif

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
