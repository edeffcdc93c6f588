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

/// Parses an HTML fragment of UTF-8 bytes through the context's SAX handler. As
/// `htmlCtxtReadMemory(ctxt, mem, size, NULL, "UTF-8", options)` — whose "UTF-8" installs
/// a converter that copies every byte once more — but with the input declared UTF-8, which
/// libxml2 reads natively. The input's encoding is recorded so that a `<meta charset>` in
/// the fragment cannot switch it (HTML_PARSE_IGNORE_ENC says the same). Returns 0, or -1
/// when libxml2 could not allocate the input.
static inline int fs_html_parse_utf8(htmlParserCtxtPtr ctxt, const char *mem, int size, int options) {
    htmlCtxtReset(ctxt);
    xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem(mem, size, XML_CHAR_ENCODING_UTF8);
    if (buf == NULL) return -1;
    // The copy holds the whole fragment, yet libxml2 2.9 gives it a no-op read callback
    // that it calls to "grow" the input at nearly every token of a short fragment (about a
    // fifth of its time on article bodies). Without a callback, its GROW returns at once.
    // (Reading the caller's memory in place, xmlParserInputBufferCreateStatic, is no way
    // out: in 2.9.14 it garbles HTML parses of more than about a kilobyte.)
    buf->readcallback = NULL;
    xmlParserInputPtr stream = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_UTF8);
    if (stream == NULL) {
        xmlFreeParserInputBuffer(buf);
        return -1;
    }
    stream->encoding = xmlStrdup((const xmlChar *)"UTF-8");
    inputPush(ctxt, stream);
    htmlCtxtUseOptions(ctxt, options | HTML_PARSE_IGNORE_ENC);
    ctxt->html = 1;
    htmlParseDocument(ctxt);
    if (ctxt->myDoc != NULL) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
    }
    return 0;
}

#endif
