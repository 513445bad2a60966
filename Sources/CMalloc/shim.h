#ifndef ALIVED_CMALLOC_SHIM_H
#define ALIVED_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt and its parameters, malloc_trim), which Swift's Glibc
// module does not bring in: the one way the box reaches malloc.h. Part of libc6-dev;
// nothing to link.
#include <malloc.h>
#endif
