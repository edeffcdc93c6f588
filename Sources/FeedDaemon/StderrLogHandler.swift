import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Logs one line per event to stderr. Under systemd, when `JOURNAL_STREAM` says stderr is
/// the journal, each line starts with its syslog priority (`<3>`…`<7>`) so the journal
/// keeps levels; elsewhere it starts with a UTC timestamp and the level.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let journal: Bool

    public init(label: String, level: Logger.Level = .info, journal: Bool = StderrLogHandler.stderrIsJournal()) {
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?) {
        var all = metadata
        if let extra { all.merge(extra) { $1 } }
        let fields = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var text = journal
            ? "<\(Self.priority(level))>\(message)\(fields)\n"
            : "\(Self.timestamp()) \(level) \(message)\(fields)\n"
        text.withUTF8 { bytes in
            var off = 0
            while off < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + off, bytes.count - off)
                if written <= 0 { if written < 0 && errno == EINTR { continue } else { return } }
                off += written
            }
        }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func timestamp() -> String {
        var clock = time(nil)
        var tmv = tm()
        gmtime_r(&clock, &tmv)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(tmv.tm_year + 1900)-\(two(tmv.tm_mon + 1))-\(two(tmv.tm_mday))T\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))Z"
    }

    /// True when `JOURNAL_STREAM` (`device:inode`) names the file stderr is.
    public static func stderrIsJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: value).split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }
}
