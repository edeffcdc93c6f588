import CCurl
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches feeds over HTTP(S) with libcurl's multi interface: many transfers in flight,
/// driven by one dedicated thread, each caller suspended until its own result is ready.
///
/// Limits are enforced on requests in flight, not per batch: at most
/// `maxConcurrent` transfers overall and `maxPerHost` per host, with an optional minimum gap
/// between two request starts to one host. Connections (and HTTP/2 multiplexing) are
/// shared across all transfers to a host.
public final class FetchEngine: Sendable {
    private let mailbox: Mailbox
    private let thread: ThreadHandle
    public let configuration: FetchConfiguration

    /// Starts the engine's thread. Fails only when libcurl cannot be initialised.
    /// Requests per host, in flight and held (`hostLoad`, shared with the caller).
    public let hostLoad: HostLoad

    public init(configuration: FetchConfiguration = FetchConfiguration(), hostLoad: HostLoad = HostLoad()) throws(FetchError) {
        guard Curl.ensureInitialized(), let multi = curl_multi_init() else {
            throw FetchError(stage: .connect, message: "libcurl could not be initialised")
        }
        self.configuration = configuration
        self.hostLoad = hostLoad
        let mailbox = Mailbox(multi: multi)
        self.mailbox = mailbox
        let loop = EngineLoop(multi: multi, mailbox: mailbox, configuration: configuration, proxyAddresses: ProxyEnvironment.addresses(), hostLoad: hostLoad)
        self.thread = ThreadHandle.start { loop.run() }
    }

    deinit {
        shutdown()
    }

    /// Fetches one request. Cancelling the calling task aborts the transfer.
    public func fetch(_ request: FetchRequest) async -> FetchResult {
        let id = mailbox.nextID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<FetchResult, Never>) in
                if !mailbox.submit(Submission(id: id, request: request, continuation: c)) {
                    c.resume(returning: FetchResult(request: request, outcome: .failed(FetchError(stage: .cancelled, message: "the fetch engine is shutting down")), http: nil))
                }
            }
        } onCancel: {
            mailbox.cancel(id)
        }
    }

    /// Stops the engine: transfers in flight and waiting are answered as cancelled, then
    /// the thread ends. Idempotent.
    public func shutdown() {
        mailbox.stop()
        thread.join()
    }
}

struct Submission: Sendable {
    var id: UInt64
    var request: FetchRequest
    var continuation: CheckedContinuation<FetchResult, Never>
    /// Its host's in-flight limit or gap held it back at least once (counted once).
    var heldByHost = false
}

/// The only state shared between callers and the engine thread.
final class Mailbox: Sendable {
    struct State {
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        var stopping = false
        var closed = false
        var lastID: UInt64 = 0
    }

    private let state = Locked(State())
    private let multi: MultiPointer

    init(multi: UnsafeMutableRawPointer) {
        self.multi = MultiPointer(raw: multi)
    }

    func nextID() -> UInt64 {
        state.withLock {
            $0.lastID += 1
            return $0.lastID
        }
    }

    func submit(_ submission: Submission) -> Bool {
        state.withLock {
            guard !$0.stopping else { return false }
            $0.submissions.append(submission)
            wake(&$0)
            return true
        }
    }

    func cancel(_ id: UInt64) {
        state.withLock {
            $0.cancellations.append(id)
            wake(&$0)
        }
    }

    func stop() {
        state.withLock {
            $0.stopping = true
            wake(&$0)
        }
    }

    /// Everything that arrived since the last call.
    func take() -> (submissions: [Submission], cancellations: [UInt64], stopping: Bool) {
        state.withLock { inbox in
            defer {
                inbox.submissions.removeAll()
                inbox.cancellations.removeAll()
            }
            return (inbox.submissions, inbox.cancellations, inbox.stopping)
        }
    }

    /// Called by the engine thread before it frees the multi handle: no wake-up may
    /// reach a freed handle, so wakes happen under the same lock.
    func close() {
        state.withLock { $0.closed = true }
    }

    private func wake(_ inbox: inout State) {
        if !inbox.closed { curl_multi_wakeup(multi.raw) }
    }
}

/// A `CURLM *`; only `curl_multi_wakeup` (thread-safe) is called through it off the
/// engine thread.
struct MultiPointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// A pthread running one closure, joinable once.
final class ThreadHandle: Sendable {
    private let handle: Locked<pthread_t?>

    private init(_ thread: pthread_t) {
        handle = Locked(thread)
    }

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping () -> Void) -> ThreadHandle {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<Box>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, box)
        // Failing to start one thread at start-up is a broken machine, not an input error.
        precondition(rc == 0, "pthread_create failed: \(rc)")
        return ThreadHandle(thread)
    }

    func join() {
        guard let thread = handle.withLock({ held -> pthread_t? in defer { held = nil }; return held }) else { return }
        if pthread_equal(thread, pthread_self()) != 0 { return }
        pthread_join(thread, nil)
    }
}
