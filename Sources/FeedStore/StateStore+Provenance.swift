// The deliveries' provenance, as `feedspool show` reads it, and the state's counts.
extension StateStore {
    static let deliveryColumns = "seq, state, article_id, file, feed_id, feed_url, link, guid, title, published, published_offset, first_seen, decision, fingerprint, simhash, text_source, text_note"

    func deliveries(where clause: String, _ value: SQLValue) throws(StoreError) -> [Delivery] {
        let s = try db.statement("SELECT \(Self.deliveryColumns) FROM deliveries WHERE \(clause) ORDER BY seq")
        if case .null = value {} else { s.bind(value) }
        var out: [Delivery] = []
        while try s.step() {
            out.append(Delivery(
                seq: s.int(0), delivered: s.int(1) != 0, articleID: s.text(2) ?? "", file: s.text(3) ?? "", feedID: s.int(4),
                feedURL: s.text(5) ?? "", link: s.text(6), guid: s.text(7), title: s.text(8) ?? "", published: s.optionalInt(9),
                publishedOffset: s.optionalInt(10).map { Int($0) }, firstSeen: s.int(11),
                // The three values schema 1 on ever wrote; anything else was a delivery of a new item.
                decision: DeliveryDecision(rawValue: s.text(12) ?? "") ?? .new,
                fingerprint: s.int(13), simhash: s.optionalInt(14), textSource: TextSource(stored: s.text(15), note: s.text(16))))
        }
        return out
    }

    public func delivery(seq: Int64) throws(StoreError) -> Delivery? {
        try deliveries(where: "seq = ?", .int(seq)).first
    }

    /// Every delivery of an article id (more than one when updates are redelivered).
    public func deliveries(articleID: String) throws(StoreError) -> [Delivery] {
        try deliveries(where: "article_id = ?", .text(articleID))
    }

    public var deliveredCount: Int64 {
        get throws(StoreError) {
            let s = try db.statement("SELECT COUNT(*) FROM deliveries WHERE state = 1")
            return try s.row { s in s.int(0) } ?? 0
        }
    }

    public var seenCount: Int64 {
        get throws(StoreError) {
            let s = try db.statement("SELECT COUNT(*) FROM items")
            return try s.row { s in s.int(0) } ?? 0
        }
    }
}
