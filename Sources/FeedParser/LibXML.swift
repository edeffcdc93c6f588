import CLibXML2
import FeedCore

/// libxml2's process-wide set-up and the few lookups the rest of the module needs.
enum LibXML {
    /// Initialises libxml2 once per process (thread-safe by Swift's lazy globals).
    static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// The libxml2 version compiled against, e.g. "2.9.14".
    static var version: String { String(cString: fs_xml_version()) }

    /// The code point of an HTML 4 named entity (`nbsp` → 0xA0), or nil.
    static func htmlEntity(_ name: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard name.count < 32 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 33) { buf -> UInt32? in
            for i in 0..<name.count { buf[i] = name[i] }
            buf[name.count] = 0
            guard let desc = htmlEntityLookup(buf.baseAddress) else { return nil }
            return desc.pointee.value
        }
    }
}

extension ParseWarning {
    /// A warning from one of libxml2's structured errors.
    init(_ error: xmlErrorPtr) {
        let e = error.pointee
        var message = e.message.map { String(cString: $0) } ?? "XML error \(e.code)"
        while message.last == "\n" || message.last == " " { message.removeLast() }
        self.init(line: Int(e.line), column: Int(e.int2), message: message)
    }
}
