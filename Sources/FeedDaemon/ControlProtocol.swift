import FeedCore
import Foundation

/// The control socket's protocol, version 1 (docs/control-protocol.md): one JSON object
/// per line each way.
///
/// Request: `{"v":1,"cmd":"status"}`; `cmd` is one of `status`, `feeds`, `poll` (optional
/// `"feeds":[url…]`), `reload`, `subscribe`, `metrics`, `show` (`"article":"12"` or an id),
/// `ping`. Response: `{"v":1,"ok":true,"result":…}` or
/// `{"v":1,"ok":false,"error":{"code":…,"message":…}}`. After `subscribe` the server sends
/// event lines `{"v":1,"event":"article",…}` and, when a slow reader made it drop some,
/// `{"v":1,"event":"dropped","count":N}`.
public enum ControlProtocol {
    public static let version = 1
    /// The longest request line accepted.
    public static let maxRequestBytes = 64 * 1024

    public struct Request: Sendable, Decodable {
        public var v: Int?
        public var cmd: String
        public var feeds: [String]?
        public var article: String?
    }

    public enum RequestError: Error, Sendable {
        case malformed(String)
    }

    public static func decode(_ line: [UInt8]) throws(RequestError) -> Request {
        guard String(validating: line, as: UTF8.self) != nil else {
            throw .malformed("the request is not UTF-8 text")
        }
        do {
            let r = try JSONDecoder().decode(Request.self, from: Data(line))
            if let v = r.v, v != version { throw RequestError.malformed("protocol version \(v) is not supported (this daemon speaks \(version))") }
            return r
        } catch let e as RequestError {
            throw e
        } catch DecodingError.keyNotFound(let key, _) {
            throw .malformed("the request has no \"\(key.stringValue)\"")
        } catch DecodingError.typeMismatch(_, let ctx) {
            throw .malformed("wrong type for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\"")
        } catch {
            throw .malformed("the request is not a JSON object; send one line like {\"v\":1,\"cmd\":\"status\"}")
        }
    }

    /// `{"v":1,"ok":true,"result":…}` around an already-encoded result.
    public static func success(_ resultJSON: String) -> String {
        "{\"v\":\(version),\"ok\":true,\"result\":\(resultJSON)}"
    }

    public static func failure(_ code: String, _ message: String) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.int("v", Int64(version))
        w.bool("ok", false)
        w.beginObject("error")
        w.string("code", code)
        w.string("message", message)
        w.endObject()
        w.endObject()
        return w.string
    }
}
