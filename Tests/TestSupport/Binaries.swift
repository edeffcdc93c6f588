import FeedCore
import Foundation

/// The package's real executables, run as a user would, with a time limit.
public enum Binaries {
    /// The package root (for fixtures and built products).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A built executable of this package: beside the test bundle first (the build that
    /// runs the tests), then `.build/debug`.
    public static func url(_ name: String) -> URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [besideTests, besideTests.deletingLastPathComponent(), packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/\(name)")
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    /// Starts `name` with `args` and returns at once: its standard output is the returned
    /// pipe, its standard error discarded. The caller stops it (it is not waited for).
    public static func launch(_ name: String, _ args: [String]) throws -> (process: Process, output: Pipe) {
        let p = Process()
        p.executableURL = url(name)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    /// Runs `name` with `args`; both outputs are read concurrently (no pipe deadlock) and the
    /// process is killed after `timeout` seconds.
    public static func run(_ name: String, _ args: [String], stdin: String? = nil, environment: [String: String]? = nil, timeout: Double = 60, absolute: Bool = false, currentDirectory: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = absolute ? URL(fileURLWithPath: name) : url(name)
        p.arguments = args
        if let environment { p.environment = environment }
        if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        // Each output is read to its end on a thread of its own, with blocking reads: no
        // `readabilityHandler` (its dispatch sources, many at once across parallel tests,
        // crash libdispatch's event loop on Linux: swift-corelibs-foundation #3276).
        try p.run()
        let stdoutReader = PipeReader(out.fileHandleForReading)
        let stderrReader = PipeReader(err.fileHandleForReading)
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(5000)
        }
        p.waitUntilExit()
        // A child of the child may hold a pipe open: wait for the ends a bounded time.
        let o = stdoutReader.take(timeout: 10)
        let e = stderrReader.take(timeout: 10)
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self), timedOut: timedOut)
    }

    /// Reads a pipe to its end on a thread of its own.
    private final class PipeReader: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            let t = Thread { [self] in
                while let d = try? handle.read(upToCount: 1 << 16), !d.isEmpty {
                    lock.lock()
                    data.append(d)
                    lock.unlock()
                }
                done.signal()
            }
            t.start()
        }

        /// What was read: all of it once the pipe's end is reached, else what came within
        /// `timeout` seconds.
        func take(timeout: Double) -> Data {
            _ = done.wait(timeout: .now() + timeout)
            lock.lock()
            defer { lock.unlock() }
            return data
        }
    }

    /// A fresh temporary directory, removed when the test process exits (set
    /// FEEDSPOOL_KEEP_TEST_DIRS=1 to keep them, to look at after a failure).
    public static func tempDirectory(_ tag: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("feedspool-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        TestDirectories.removeAtExit(d.path)
        return d
    }
}

/// The test directories of this process: every run left a few hundred in /tmp before.
enum TestDirectories {
    static let paths = Locked<[String]>([])

    static func removeAtExit(_ path: String) {
        guard ProcessInfo.processInfo.environment["FEEDSPOOL_KEEP_TEST_DIRS"] == nil else { return }
        let first = paths.withLock { list -> Bool in
            list.append(path)
            return list.count == 1
        }
        if first {
            atexit {
                for path in TestDirectories.paths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
            }
        }
    }
}
