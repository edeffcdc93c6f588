import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// The engine thread: takes submissions, starts transfers as the limits allow, drives
/// `curl_multi_poll`, and answers each caller when its transfer completes.
final class EngineLoop {
    private let multi: UnsafeMutableRawPointer
    private let mailbox: Mailbox
    private let configuration: FetchConfiguration
    private let proxyAddresses: Set<String>

    /// Waiting requests per host, and the hosts in the order they are served (round robin,
    /// so one host with many feeds cannot starve the others).
    private var waiting: [String: [Submission]] = [:]
    private var hostOrder: [String] = []
    private var nextHost = 0
    private var waitingCount = 0
    private var inFlightPerHost: [String: Int] = [:]
    private var lastStartPerHost: [String: Int64] = [:]
    private var active: [UInt64: Transfer] = [:]
    /// Cancellations that arrived before their submission.
    private var earlyCancellations: Set<UInt64> = []
    private var idleHandles: [UnsafeMutableRawPointer] = []

    private let hostLoad: HostLoad

    init(multi: UnsafeMutableRawPointer, mailbox: Mailbox, configuration: FetchConfiguration, proxyAddresses: Set<String>, hostLoad: HostLoad) {
        self.hostLoad = hostLoad
        self.multi = multi
        self.mailbox = mailbox
        self.configuration = configuration
        self.proxyAddresses = proxyAddresses
        _ = fs_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(16, configuration.maxConcurrent * 2))
        _ = fs_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
    }

    func run() {
        while true {
            let inbox = mailbox.take()
            for submission in inbox.submissions { enqueue(submission) }
            for id in inbox.cancellations { cancel(id) }
            if inbox.stopping { break }
            let wakeIn = startWhatTheLimitsAllow()
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            // Slots freed by completed transfers are refilled at once, not after a poll.
            if collectCompleted() > 0, waitingCount > 0 { continue }
            var timeout = 1000
            if let wake = wakeIn { timeout = min(timeout, wake) }
            var curlTimeout = -1
            curl_multi_timeout(multi, &curlTimeout)
            if curlTimeout >= 0 { timeout = min(timeout, curlTimeout) }
            if timeout > 0 { curl_multi_poll(multi, nil, 0, Int32(timeout), nil) }
        }
        shutdownAll()
    }

    // MARK: Queueing

    private func enqueue(_ submission: Submission) {
        if earlyCancellations.remove(submission.id) != nil {
            submission.continuation.resume(returning: Self.cancelled(submission.request))
            return
        }
        if let failure = validate(submission.request.url) {
            submission.continuation.resume(returning: FetchResult(request: submission.request, outcome: .failed(failure), http: nil))
            return
        }
        let host = hostKey(of: submission.request.url) ?? "file"
        if waiting[host] == nil {
            waiting[host] = []
            hostOrder.append(host)
        }
        waiting[host]!.append(submission)
        waitingCount += 1
        hostLoad.queued(host)
    }

    private func validate(_ url: String) -> FetchError? {
        let scheme = url.prefix { $0 != ":" }.lowercased()
        switch scheme {
        case "http", "https":
            guard let host = hostKey(of: url), !host.isEmpty else {
                return FetchError(stage: .url, message: "\(url): no host in the URL")
            }
            return nil
        case "file":
            return configuration.allowFileURLs ? nil : FetchError(stage: .url, message: "\(url): file:// URLs are not allowed here (allow them in the configuration)")
        default:
            if !url.contains(":") { return FetchError(stage: .url, message: "\(url): not an absolute URL") }
            return FetchError(stage: .url, message: "\(url): the scheme \"\(scheme)\" is not supported (http and https only)")
        }
    }

    private func cancel(_ id: UInt64) {
        if let transfer = active.removeValue(forKey: id) {
            if let easy = transfer.easy { curl_multi_remove_handle(multi, easy) }
            release(transfer)
            transfer.continuation.resume(returning: Self.cancelled(transfer.request))
            return
        }
        for (host, queue) in waiting {
            if let position = queue.firstIndex(where: { $0.id == id }) {
                let submission = waiting[host]!.remove(at: position)
                waitingCount -= 1
                hostLoad.dequeued(host, started: false, waited: false)
                submission.continuation.resume(returning: Self.cancelled(submission.request))
                return
            }
        }
        earlyCancellations.insert(id)
    }

    private static func cancelled(_ asked: FetchRequest) -> FetchResult {
        FetchResult(request: asked, outcome: .failed(FetchError(stage: .cancelled, message: "cancelled")), http: nil)
    }

    /// Starts waiting requests while the global and per-host limits allow; returns the
    /// milliseconds until a per-host gap lets the next one start, if one is held back by it.
    private func startWhatTheLimitsAllow() -> Int? {
        guard waitingCount > 0 else { return nil }
        var soonest: Int?
        let now = monotonicMilliseconds()
        var progressed = true
        while progressed, waitingCount > 0, active.count < configuration.maxConcurrent {
            progressed = false
            var visited = 0
            while visited < hostOrder.count, active.count < configuration.maxConcurrent {
                if nextHost >= hostOrder.count { nextHost = 0 }
                let host = hostOrder[nextHost]
                visited += 1
                guard let queued = waiting[host]?.count, queued > 0 else {
                    // Forget hosts with nothing waiting, so the ring stays short.
                    waiting[host] = nil
                    hostOrder.remove(at: nextHost)
                    visited -= 1
                    if hostOrder.isEmpty { break }
                    continue
                }
                nextHost += 1
                guard inFlightPerHost[host, default: 0] < configuration.maxPerHost else {
                    waiting[host]![0].heldByHost = true
                    continue
                }
                if configuration.perHostGapMilliseconds > 0, let last = lastStartPerHost[host] {
                    let readyAt = last + Int64(configuration.perHostGapMilliseconds)
                    if readyAt > now {
                        let wait = Int(readyAt - now)
                        soonest = min(soonest ?? wait, wait)
                        waiting[host]![0].heldByHost = true
                        continue
                    }
                }
                // In place: a copy of the queue per start would be quadratic in its length.
                let submission = waiting[host]!.removeFirst()
                waitingCount -= 1
                hostLoad.dequeued(host, started: true, waited: submission.heldByHost)
                start(submission, host: host, now: now)
                progressed = true
            }
        }
        return waitingCount > 0 && active.count < configuration.maxConcurrent ? soonest : nil
    }

    // MARK: Transfers

    private func start(_ submission: Submission, host: String, now: Int64) {
        let transfer = Transfer(id: submission.id, request: submission.request, continuation: submission.continuation, host: host, configuration: configuration, proxyAddresses: proxyAddresses)
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            hostLoad.finished(host)
            submission.continuation.resume(returning: FetchResult(request: submission.request, outcome: .failed(FetchError(stage: .connect, message: "libcurl could not create a transfer")), http: nil))
            return
        }
        transfer.easy = easy
        configure(easy, for: transfer)
        // Counted before adding, so that `release` on a refusal undoes exactly this.
        inFlightPerHost[host, default: 0] += 1
        let rc = curl_multi_add_handle(multi, easy)
        guard rc == CURLM_OK else {
            release(transfer)
            submission.continuation.resume(returning: FetchResult(request: submission.request, outcome: .failed(FetchError(stage: .connect, message: "libcurl refused the transfer: \(String(cString: curl_multi_strerror(rc)))")), http: nil))
            return
        }
        active[transfer.id] = transfer
        lastStartPerHost[host] = now
    }

    private func configure(_ handle: UnsafeMutableRawPointer, for transfer: Transfer) {
        let config = configuration
        let me = Unmanaged.passUnretained(transfer).toOpaque()
        _ = fs_curl_easy_setopt_string(handle, CURLOPT_URL, transfer.request.url)
        _ = fs_curl_easy_setopt_pointer(handle, CURLOPT_PRIVATE, me)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = fs_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, config.allowFileURLs ? "http,https,file" : "http,https")
        _ = fs_curl_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_MAXREDIRS, config.maxRedirects)
        // "" advertises every encoding this libcurl decodes (gzip, deflate, br, zstd here).
        _ = fs_curl_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_PIPEWAIT, 1)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, config.connectTimeoutMilliseconds)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, config.totalTimeoutMilliseconds)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, config.lowSpeedBytesPerSecond)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, config.lowSpeedSeconds)
        _ = fs_curl_easy_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(config.maxBodyBytes))
        _ = fs_curl_easy_setopt_string(handle, CURLOPT_USERAGENT, config.userAgent)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        _ = fs_curl_easy_setopt_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        _ = fs_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(transfer.errorBuffer))
        _ = fs_curl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, writeCallback)
        _ = fs_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        _ = fs_curl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
        _ = fs_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
        if !config.allowPrivateNetworks {
            _ = fs_curl_easy_setopt_opensocket(handle, openSocketCallback)
            _ = fs_curl_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, me)
        }
        var list: UnsafeMutablePointer<curl_slist>?
        list = curl_slist_append(list, "Accept: \(transfer.request.accept ?? config.accept)")
        if let etag = transfer.request.validators.etag, Self.isHeaderSafe(etag) {
            list = curl_slist_append(list, "If-None-Match: \(etag)")
        }
        if let lm = transfer.request.validators.lastModified, Self.isHeaderSafe(lm) {
            list = curl_slist_append(list, "If-Modified-Since: \(lm)")
        }
        transfer.headerList = list
        _ = fs_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        if transfer.request.recordHeaders {
            _ = fs_curl_easy_setopt_long(handle, CURLOPT_VERBOSE, 1)
            _ = fs_curl_easy_setopt_debug(handle, debugCallback)
            _ = fs_curl_easy_setopt_pointer(handle, CURLOPT_DEBUGDATA, me)
        }
    }

    /// A stored validator goes back into a header line: never let it carry a line break.
    private static func isHeaderSafe(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 }
    }

    @discardableResult
    private func collectCompleted() -> Int {
        var completed = 0
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = msg.pointee.data.result
            var priv: UnsafeMutableRawPointer?
            _ = fs_curl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &priv)
            guard let priv else { continue }
            let transfer = Unmanaged<Transfer>.fromOpaque(priv).takeUnretainedValue()
            curl_multi_remove_handle(multi, easy)
            guard active.removeValue(forKey: transfer.id) != nil else { continue }
            let result = ResultBuilder.result(for: transfer, easy: easy, code: code, configuration: configuration)
            release(transfer)
            transfer.continuation.resume(returning: result)
            completed += 1
        }
        return completed
    }

    /// Returns the transfer's handle to the pool and frees its slot.
    private func release(_ transfer: Transfer) {
        if let count = inFlightPerHost[transfer.host] {
            inFlightPerHost[transfer.host] = count > 1 ? count - 1 : nil
            hostLoad.finished(transfer.host)
        }
        guard let easy = transfer.easy else { return }
        transfer.easy = nil
        curl_easy_reset(easy)
        if idleHandles.count < configuration.maxConcurrent {
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    private func shutdownAll() {
        for (_, transfer) in active {
            if let easy = transfer.easy { curl_multi_remove_handle(multi, easy) }
            release(transfer)
            transfer.continuation.resume(returning: Self.cancelled(transfer.request))
        }
        active.removeAll()
        for (host, queue) in waiting {
            for submission in queue {
                hostLoad.dequeued(host, started: false, waited: false)
                submission.continuation.resume(returning: Self.cancelled(submission.request))
            }
        }
        waiting.removeAll()
        // Late submissions can no longer arrive (stopping is set); answer any that did.
        for submission in mailbox.take().submissions { submission.continuation.resume(returning: Self.cancelled(submission.request)) }
        mailbox.close()
        for handle in idleHandles { curl_easy_cleanup(handle) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
    }
}
