import FeedCore

/// Requests per host as the engine sees them, for the metrics: how many are in flight and
/// how many the engine holds (behind the overall limit, the host's, or its gap) at this
/// moment, and how many requests have had to wait for their host's limit or gap. Kept by
/// the engine's thread as it goes; read from any thread. One instance may outlive engines
/// (the daemon makes a new one on reload): counts move with the requests.
public final class HostLoad: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Hosts with requests in flight, and how many.
        public var inFlight: [String: Int] = [:]
        /// Hosts with requests held by the engine, and how many.
        public var queued: [String: Int] = [:]
        /// Requests that waited for their host's in-flight limit or gap before starting.
        public var hostWaits: Int64 = 0

        public init(inFlight: [String: Int] = [:], queued: [String: Int] = [:], hostWaits: Int64 = 0) {
            self.inFlight = inFlight
            self.queued = queued
            self.hostWaits = hostWaits
        }
    }

    private let state = Locked(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func queued(_ host: String) { state.withLock { $0.queued[host, default: 0] += 1 } }

    /// A held request left the queue: started (`waited`: its host's limit had held it), or
    /// cancelled.
    func dequeued(_ host: String, started: Bool, waited: Bool) {
        state.withLock { load in
            Self.decrement(&load.queued, host)
            if started { load.inFlight[host, default: 0] += 1 }
            if waited { load.hostWaits += 1 }
        }
    }

    func finished(_ host: String) { state.withLock { Self.decrement(&$0.inFlight, host) } }

    private static func decrement(_ counts: inout [String: Int], _ host: String) {
        if let count = counts[host] { counts[host] = count > 1 ? count - 1 : nil }
    }
}
