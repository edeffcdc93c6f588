import CCurl
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// One request in the engine: its curl handle, what has arrived so far, and the
/// continuation its caller awaits. Lives on the engine thread only.
final class Transfer {
    let id: UInt64
    let request: FetchRequest
    let continuation: CheckedContinuation<FetchResult, Never>
    let host: String
    let maxBody: Int
    let proxyAddresses: Set<String>

    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    // The response being received. A new status line starts a new response: 1xx interim
    // answers and followed redirects come before the final one.
    var status = 0
    var headers = ResponseHeaders()
    var currentURL: String
    var hops: [RedirectHop] = []
    var body: [UInt8] = []
    var tooLarge = false
    var blockedReason: String?
    var requestLines: [String] = []
    var responseLines: [String] = []

    init(id: UInt64, request: FetchRequest, continuation: CheckedContinuation<FetchResult, Never>, host: String, configuration: FetchConfiguration, proxyAddresses: Set<String>) {
        self.id = id
        self.request = request
        self.continuation = continuation
        self.host = host
        self.maxBody = configuration.maxBodyBytes
        self.proxyAddresses = proxyAddresses
        self.currentURL = request.url
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        errorBuffer.deallocate()
        if let headerList { curl_slist_free_all(headerList) }
    }

    var curlErrorText: String { String(cString: errorBuffer) }

    // MARK: Callbacks

    func receiveHeaderLine(_ p: UnsafeBufferPointer<UInt8>) {
        var count = p.count
        while count > 0, p[count - 1] == 0x0A || p[count - 1] == 0x0D { count -= 1 }
        let line = UnsafeBufferPointer(rebasing: p[0..<count])
        if request.recordHeaders, count > 0 { responseLines.append(String(decoding: line, as: UTF8.self)) }
        if line.starts(with: "HTTP/".utf8) {
            startResponse(statusLine: line)
        } else if count > 0, line[0] == 0x20 || line[0] == 0x09 {
            // An obsolete folded continuation line: part of the previous field's value.
            if var last = headers.removeLast() {
                last.value += " " + String(decoding: line, as: UTF8.self).trimmingASCIISpaces()
                headers.append(name: last.name, value: last.value)
            }
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: line[..<colon], as: UTF8.self).trimmingASCIISpaces()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingASCIISpaces()
            headers.append(name: name, value: value)
        }
    }

    private func startResponse(statusLine: UnsafeBufferPointer<UInt8>) {
        // The previous response was a redirect that curl followed: one hop of the chain.
        if (300..<400).contains(status), let location = headers.location {
            let target = URLResolver.resolve(location, against: currentURL)
            hops.append(RedirectHop(url: currentURL, status: status, location: target))
            currentURL = target
        }
        var code = 0
        var i = statusLine.firstIndex(of: 0x20) ?? statusLine.endIndex
        while i < statusLine.endIndex, statusLine[i] == 0x20 { i += 1 }
        var digits = 0
        while i < statusLine.endIndex, digits < 3, statusLine[i] >= 0x30, statusLine[i] <= 0x39 {
            code = code * 10 + Int(statusLine[i] - 0x30)
            i += 1
            digits += 1
        }
        status = code
        headers = ResponseHeaders()
        body = []
    }

    /// Takes body bytes; false aborts the transfer (the limit was crossed).
    func receiveBody(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        // Error pages and redirect bodies are not kept.
        if status >= 300 { return true }
        if body.count + p.count > maxBody {
            tooLarge = true
            return false
        }
        if body.capacity == 0, let length = headers.contentLength, length > 0 {
            // Content-Length is the encoded size; it is a floor for the decoded one.
            body.reserveCapacity(min(length, maxBody))
        }
        body.append(contentsOf: p)
        return true
    }

    func recordRequestHeaders(_ p: UnsafeBufferPointer<UInt8>) {
        for line in p.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let trimmed = line.last == 0x0D ? line.dropLast() : line[...]
            if !trimmed.isEmpty { requestLines.append(String(decoding: trimmed, as: UTF8.self)) }
        }
    }

    /// Decides whether a socket may be opened to this peer address (the callback is only
    /// installed when private networks are not allowed).
    func admit(family: Int32, address: UnsafePointer<sockaddr>) -> Bool {
        var reason: String?
        var text = ""
        if family == AF_INET {
            let octets = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) }
            }
            reason = AddressPolicy.privateRange(ipv4: octets)
            text = AddressPolicy.format(ipv4: octets)
        } else if family == AF_INET6 {
            let octets = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
            }
            reason = AddressPolicy.privateRange(ipv6: octets)
            text = AddressPolicy.format(ipv6: octets)
        } else {
            reason = "not an internet address"
            text = "family \(family)"
        }
        guard let reason else { return true }
        // A configured proxy may live on a private address; it then sees the real target.
        if proxyAddresses.contains(text) { return true }
        blockedReason = "refused to connect to \(text): \(reason) addresses are not allowed (set allow_private_networks to permit them)"
        return false
    }
}

// MARK: C callbacks (non-capturing; the transfer arrives as userdata)

let writeCallback: fs_curl_data_callback = { data, size, count, userdata in
    guard let userdata, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    let ok = data.withMemoryRebound(to: UInt8.self, capacity: total) { transfer.receiveBody(UnsafeBufferPointer(start: $0, count: total)) }
    return ok ? total : 0
}

let headerCallback: fs_curl_data_callback = { data, size, count, userdata in
    guard let userdata, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: total) { transfer.receiveHeaderLine(UnsafeBufferPointer(start: $0, count: total)) }
    return total
}

let debugCallback: fs_curl_debug_callback = { _, type, data, size, userdata in
    guard let userdata, let data, type == CURLINFO_HEADER_OUT else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    data.withMemoryRebound(to: UInt8.self, capacity: size) { transfer.recordRequestHeaders(UnsafeBufferPointer(start: $0, count: size)) }
    return 0
}

let openSocketCallback: fs_curl_opensocket_callback = { userdata, _, address in
    guard let userdata, let address else { return fs_curl_socket_bad() }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let family = address.pointee.family
    // The address lives inside curl's larger storage: point at it, never copy the
    // 16-byte `sockaddr` (an IPv6 address is longer).
    let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr) ?? 16
    let sa = (UnsafeRawPointer(address) + offset).assumingMemoryBound(to: sockaddr.self)
    let admitted = transfer.admit(family: family, address: sa)
    guard admitted else { return fs_curl_socket_bad() }
    return socket(family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
}
