#ifndef FEEDSPOOL_CLIBPQ_SHIM_H
#define FEEDSPOOL_CLIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
