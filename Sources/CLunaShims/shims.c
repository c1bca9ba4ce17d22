#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "CLunaShims.h"

// Two renames through a side name, for systems and file systems without
// an atomic exchange: `b` is absent for an instant between them (a reader
// then finds no directory, never a mixed one), and if the second rename
// fails the first is undone.
static int exchange_by_renames(const char *a, const char *b) {
  size_t n = strlen(a);
  char *side = malloc(n + sizeof(".swap"));
  if (side == NULL) { errno = ENOMEM; return -1; }
  memcpy(side, a, n);
  memcpy(side + n, ".swap", sizeof(".swap"));
  int rc = -1;
  struct stat st;
  // Never rename over a side name that something else holds.
  if (lstat(side, &st) == 0) {
    free(side);
    errno = EEXIST;
    return -1;
  }
  if (rename(b, side) == 0) {
    if (rename(a, b) == 0) {
      rc = rename(side, a);
    } else {
      int saved = errno;
      (void)rename(side, b);
      errno = saved;
    }
  }
  free(side);
  return rc;
}

int luna_exchange_paths(const char *a, const char *b) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  int rc = renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
  if (rc == 0) return 0;
  // The kernel or the file system cannot exchange: fall back.
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return rc;
#endif
  return exchange_by_renames(a, b);
}

int luna_exchange_by_renames(const char *a, const char *b) { return exchange_by_renames(a, b); }
