import Foundation
import Testing

/// Golden files: compared byte for byte. FEEDSPOOL_RECORD=1 rewrites them — and fails the
/// run, so a recording never passes silently.
public enum Golden {
    public static func check(_ actual: String, _ url: URL, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = try? String(contentsOf: url, encoding: .utf8)
        if ProcessInfo.processInfo.environment["FEEDSPOOL_RECORD"] == "1" {
            try? actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(url.lastPathComponent); run again without FEEDSPOOL_RECORD", sourceLocation: sourceLocation)
            return
        }
        guard let expected else {
            Issue.record("missing golden \(url.lastPathComponent) (FEEDSPOOL_RECORD=1 writes it)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == expected, "\(url.lastPathComponent)", sourceLocation: sourceLocation)
    }
}
