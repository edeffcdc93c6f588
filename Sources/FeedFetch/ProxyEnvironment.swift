#if canImport(Glibc)
    import Glibc
#endif

/// The proxies libcurl takes from the standard environment variables. The private-network
/// guard must let connections to them through (a proxy commonly sits on a private address)
/// while still judging every direct connection.
enum ProxyEnvironment {
    static let variables = ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]

    /// The addresses the configured proxies resolve to, in the guard's text form.
    static func addresses() -> Set<String> {
        var result: Set<String> = []
        for name in variables {
            guard let raw = getenv(name) else { continue }
            let value = String(cString: raw)
            guard !value.isEmpty else { continue }
            // A proxy may be given without a scheme ("proxy:3128").
            let url = value.contains("://") ? value : "http://" + value
            guard let host = hostKey(of: url), !host.isEmpty else { continue }
            result.formUnion(resolve(host))
        }
        return result
    }

    private static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var out: [String] = []
        var entry = list
        while let ai = entry {
            if ai.pointee.ai_family == AF_INET, let sa = ai.pointee.ai_addr {
                let octets = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in withUnsafeBytes(of: address.pointee.sin_addr) { Array($0) } }
                out.append(AddressPolicy.format(ipv4: octets))
            } else if ai.pointee.ai_family == AF_INET6, let sa = ai.pointee.ai_addr {
                let octets = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in withUnsafeBytes(of: address.pointee.sin6_addr) { Array($0) } }
                out.append(AddressPolicy.format(ipv6: octets))
            }
            entry = ai.pointee.ai_next
        }
        return out
    }
}
