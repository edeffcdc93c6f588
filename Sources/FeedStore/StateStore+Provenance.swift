// The deliveries' provenance, as `feedspool show` reads it, and the state's counts.
extension StateStore {
    static let deliveryColumns = "seq, state, article_id, file, feed_id, feed_url, link, guid, title, published, published_offset, first_seen, decision, fingerprint, simhash, text_source, text_note"

    func deliveries(where clause: String, _ value: SQLValue) throws(StoreError) -> [Delivery] {
        let statement = try db.statement("SELECT \(Self.deliveryColumns) FROM deliveries WHERE \(clause) ORDER BY seq")
        if case .null = value {} else { statement.bind(value) }
        var out: [Delivery] = []
        while try statement.step() {
            out.append(Delivery(
                seq: statement.int(0), delivered: statement.int(1) != 0, articleID: statement.text(2) ?? "", file: statement.text(3) ?? "", feedID: statement.int(4),
                feedURL: statement.text(5) ?? "", link: statement.text(6), guid: statement.text(7), title: statement.text(8) ?? "", published: statement.optionalInt(9),
                publishedOffset: statement.optionalInt(10).map { Int($0) }, firstSeen: statement.int(11),
                // The three values schema 1 on ever wrote; anything else was a delivery of a new item.
                decision: DeliveryDecision(rawValue: statement.text(12) ?? "") ?? .new,
                fingerprint: statement.int(13), simhash: statement.optionalInt(14), textSource: TextSource(stored: statement.text(15), note: statement.text(16))))
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
            let statement = try db.statement("SELECT COUNT(*) FROM deliveries WHERE state = 1")
            return try statement.row { row in row.int(0) } ?? 0
        }
    }

    public var seenCount: Int64 {
        get throws(StoreError) {
            let statement = try db.statement("SELECT COUNT(*) FROM items")
            return try statement.row { row in row.int(0) } ?? 0
        }
    }
}
