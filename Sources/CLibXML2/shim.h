#ifndef FEEDSPOOL_CLIBXML2_SHIM_H
#define FEEDSPOOL_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its headers would drag <unicode/...> into every
// Swift module that can see this one and clash with Foundation's own ICU module
// ("'UErrorCode' has different definitions"). We never use libxml2's ICU API.
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/entities.h>

/// `xmlFree` is a mutable global function pointer, which Swift 6 rejects as unsafe shared
/// state; calling it from C keeps that out of Swift.
static inline void fs_xml_free(void *p) { xmlFree(p); }

/// The libxml2 version the binary was compiled against (xmlParserVersion does not import).
static inline const char *fs_xml_version(void) { return LIBXML_DOTTED_VERSION; }

#endif
