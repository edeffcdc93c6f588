/// The control socket's protocol, version 1 (docs/control-protocol.md): one JSON object
/// per line each way. The daemon decodes requests and encodes answers with it; the client
/// encodes requests and reads answers with it, through the project's one JSON reader and
/// writer (`JSONValue`, `JSONWriter`).
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

    public struct Request: Sendable, Equatable {
        public var v: Int?
        public var cmd: String
        public var feeds: [String]?
        public var article: String?

        public init(_ cmd: String, feeds: [String]? = nil, article: String? = nil) {
            v = ControlProtocol.version
            self.cmd = cmd
            self.feeds = feeds
            self.article = article
        }

        /// The request's line (without its newline).
        public var encoded: String {
            var writer = JSONWriter()
            writer.beginObject()
            writer.int("v", Int64(v ?? ControlProtocol.version))
            writer.string("cmd", cmd)
            if let feeds {
                writer.beginArray("feeds")
                for feed in feeds { writer.string(nil, feed) }
                writer.endArray()
            }
            if let article { writer.string("article", article) }
            writer.endObject()
            return writer.string
        }
    }

    /// What an answer line said: the `result` of a success, or the daemon's error.
    public enum Answer: Sendable, Equatable {
        case success(JSONValue)
        case failure(code: String, message: String)
    }

    public static func answer(_ line: [UInt8]) throws(JSONValue.SyntaxError) -> Answer {
        let json = try JSONValue.parse(line)
        if json["ok"]?.bool == true { return .success(json["result"] ?? .null) }
        return .failure(code: json["error"]?["code"]?.string ?? "error", message: json["error"]?["message"]?.string ?? "the daemon refused")
    }

    public enum RequestError: Error, Sendable {
        case malformed(String)
    }

    public static func decode(_ line: [UInt8]) throws(RequestError) -> Request {
        guard String(validating: line, as: UTF8.self) != nil else {
            throw .malformed("the request is not UTF-8 text")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(line)
        } catch {
            throw .malformed("the request is not JSON (\(error)); send one line like {\"v\":1,\"cmd\":\"status\"}")
        }
        guard json.isObject else {
            throw .malformed("the request is \(json.typeName), not a JSON object; send one line like {\"v\":1,\"cmd\":\"status\"}")
        }
        var asked: Int?
        if let value = json["v"] {
            guard let number = value.int64, let small = Int(exactly: number) else { throw .malformed("wrong type for \"v\": \(value.typeName), not an integer") }
            asked = small
        }
        if let asked, asked != version { throw .malformed("protocol version \(asked) is not supported (this daemon speaks \(version))") }
        guard let cmdValue = json["cmd"] else { throw .malformed("the request has no \"cmd\"") }
        guard let cmd = cmdValue.string else { throw .malformed("wrong type for \"cmd\": \(cmdValue.typeName), not a string") }
        var feeds: [String]?
        if let value = json["feeds"], value != .null {
            guard let list = value.array else { throw .malformed("wrong type for \"feeds\": \(value.typeName), not an array of URLs") }
            feeds = []
            for (index, entry) in list.enumerated() {
                guard let url = entry.string else { throw .malformed("wrong type for \"feeds.\(index)\": \(entry.typeName), not a string") }
                feeds!.append(url)
            }
        }
        var article: String?
        if let value = json["article"], value != .null {
            guard let text = value.scalarText else { throw .malformed("wrong type for \"article\": \(value.typeName), not a string") }
            article = text
        }
        var request = Request(cmd, feeds: feeds, article: article)
        request.v = asked
        return request
    }

    /// `{"v":1,"ok":true,"result":…}` around an already-encoded result.
    public static func success(_ resultJSON: String) -> String {
        "{\"v\":\(version),\"ok\":true,\"result\":\(resultJSON)}"
    }

    public static func failure(_ code: String, _ message: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.int("v", Int64(version))
        writer.bool("ok", false)
        writer.beginObject("error")
        writer.string("code", code)
        writer.string("message", message)
        writer.endObject()
        writer.endObject()
        return writer.string
    }
}
