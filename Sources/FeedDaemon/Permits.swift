import FeedCore
import FeedFetch

/// A counting semaphore for tasks.
actor Permits {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { available = count }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// The engine a poller uses, for whoever must stop it.
final class EngineSlot: Sendable {
    private let engine = Locked<FetchEngine?>(nil)
    func set(_ fresh: FetchEngine) { engine.withLock { $0 = fresh } }
    func shutdown() { engine.withLock { $0 }?.shutdown() }
}
