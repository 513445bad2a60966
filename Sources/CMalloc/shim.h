#ifndef ALIVED_CMALLOC_SHIM_H
#define ALIVED_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt and its parameters), which Swift's Glibc module
// does not bring in. Part of libc6-dev; nothing to link.
#include <malloc.h>
#endif
