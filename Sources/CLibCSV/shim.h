// libcsv 3.x, from Debian's libcsv-dev. Debian ships no pkg-config file for
// it, so the header is included by its system path and the library is linked
// by name (see module.modulemap).
#include <csv.h>
