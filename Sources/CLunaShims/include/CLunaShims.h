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

#endif
