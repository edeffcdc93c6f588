/// Which peer addresses a fetch may connect to. The check runs on the address a socket is
/// about to connect to, after DNS resolution, so a name that resolves (or re-resolves) to
/// a private address cannot get around it.
public enum AddressPolicy {
    /// Why an address is not public, or nil when it is.
    public static func privateRange(ipv4 a: [UInt8]) -> String? {
        guard a.count == 4 else { return "malformed address" }
        switch (a[0], a[1]) {
        case (0, _): return "\"this network\" (0.0.0.0/8)"
        case (10, _): return "private (10.0.0.0/8)"
        case (100, 64...127): return "shared address space (100.64.0.0/10)"
        case (127, _): return "loopback (127.0.0.0/8)"
        case (169, 254): return "link-local (169.254.0.0/16)"
        case (172, 16...31): return "private (172.16.0.0/12)"
        case (192, 0) where a[2] == 0: return "IETF protocol assignments (192.0.0.0/24)"
        case (192, 168): return "private (192.168.0.0/16)"
        case (198, 18...19): return "benchmarking (198.18.0.0/15)"
        case (224...239, _): return "multicast (224.0.0.0/4)"
        case (240...255, _): return "reserved (240.0.0.0/4)"
        default: return nil
        }
    }

    /// Why an IPv6 address is not public, or nil when it is. Addresses that embed an IPv4
    /// address (mapped, compatible, NAT64, 6to4) are judged by the embedded one.
    public static func privateRange(ipv6 a: [UInt8]) -> String? {
        guard a.count == 16 else { return "malformed address" }
        let zeros10 = a[0..<10].allSatisfy { $0 == 0 }
        if zeros10 && a[10] == 0xFF && a[11] == 0xFF {
            return privateRange(ipv4: Array(a[12..<16])).map { "IPv4-mapped " + $0 }
        }
        if zeros10 && a[10] == 0 && a[11] == 0 {
            if a[12..<15].allSatisfy({ $0 == 0 }) && a[15] <= 1 {
                return a[15] == 1 ? "loopback (::1)" : "unspecified (::)"
            }
            return privateRange(ipv4: Array(a[12..<16])).map { "IPv4-compatible " + $0 }
        }
        if a[0] == 0x00, a[1] == 0x64, a[2] == 0xFF, a[3] == 0x9B, a[4..<12].allSatisfy({ $0 == 0 }) {
            return privateRange(ipv4: Array(a[12..<16])).map { "NAT64 " + $0 }
        }
        if a[0] == 0x20, a[1] == 0x02 {
            return privateRange(ipv4: Array(a[2..<6])).map { "6to4 " + $0 }
        }
        if a[0] & 0xFE == 0xFC { return "unique-local (fc00::/7)" }
        if a[0] == 0xFE, a[1] & 0xC0 == 0x80 { return "link-local (fe80::/10)" }
        if a[0] == 0xFE, a[1] & 0xC0 == 0xC0 { return "site-local (fec0::/10)" }
        if a[0] == 0xFF { return "multicast (ff00::/8)" }
        if a[0] == 0x20, a[1] == 0x01, a[2] == 0x0D, a[3] == 0xB8 { return "documentation (2001:db8::/32)" }
        return nil
    }

    /// Text form of an address, for messages.
    public static func format(ipv4 a: [UInt8]) -> String {
        a.map(String.init).joined(separator: ".")
    }

    public static func format(ipv6 a: [UInt8]) -> String {
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(a[i]) << 8 | UInt16(a[i + 1]), radix: 16))
        }
        // Shorten the longest run of zero groups (RFC 5952), if any is longer than one.
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            if groups[i] == "0" {
                var j = i
                while j < 8, groups[j] == "0" { j += 1 }
                if j - i > best.length { best = (i, j - i) }
                i = j
            } else {
                i += 1
            }
        }
        guard best.length > 1 else { return groups.joined(separator: ":") }
        let head = groups[..<best.start].joined(separator: ":")
        let tail = groups[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
