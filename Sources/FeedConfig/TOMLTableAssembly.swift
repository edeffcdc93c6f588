/// Puts a TOML document's tables together as its lines are read: key/value pairs go into
/// the table being written (the root, a `[table]`, or the last table of an `[[array]]`),
/// which joins the root when the next header begins.
struct TOMLTableAssembly {
    private var root = TOMLTable(line: 0)
    /// The table being written: nil for the root.
    private var target: (name: String, isArray: Bool)?
    private var current = TOMLTable(line: 0)
    /// Arrays of tables grow here and join the root at the end: appending to an array
    /// stored inside the root would copy it on every [[table]] (quadratic for 10,000 feeds).
    private var arrays: [String: [TOMLTable]] = [:]
    private var arrayOrder: [(name: String, line: Int)] = []
    private var seenTables: Set<String> = []

    /// A `[name]` or `[[name]]` header on `line`: what was written so far is put away and
    /// the pairs that follow go into the new table.
    mutating func begin(_ name: String, isArray: Bool, line: Int) throws(TOMLError) {
        putAway()
        if !isArray {
            if seenTables.contains(name) || root[name] != nil || arrays[name] != nil {
                throw TOMLError(line: line, message: "[\(name)] is defined twice")
            }
            seenTables.insert(name)
        } else if root[name] != nil || seenTables.contains(name) {
            throw TOMLError(line: line, message: "\(name) is already a value or a table, not an array of tables")
        }
        target = (name, isArray)
        current = TOMLTable(line: line)
    }

    /// A `key = value` line of the table being written.
    mutating func set(_ key: String, _ value: TOMLValue, line: Int) throws(TOMLError) {
        if current[key] != nil { throw TOMLError(line: line, message: "the key \(key) is set twice") }
        current.entries.append(.init(key: key, value: value, line: line))
    }

    /// The whole document, its arrays of tables after the other keys (in the order each
    /// array began). No array's name is a key of the root: `begin` refused every such
    /// header, before the array and after it.
    mutating func finish() -> TOMLTable {
        putAway()
        for (name, line) in arrayOrder {
            root.entries.append(.init(key: name, value: .array(arrays[name]!.map(TOMLValue.table)), line: line))
        }
        return root
    }

    private mutating func putAway() {
        guard let target else {
            root.entries.append(contentsOf: current.entries)
            current.entries.removeAll()
            return
        }
        if target.isArray {
            if arrays[target.name] == nil { arrayOrder.append((target.name, current.line)) }
            arrays[target.name, default: []].append(current)
        } else {
            root.entries.append(.init(key: target.name, value: .table(current), line: current.line))
        }
    }
}
