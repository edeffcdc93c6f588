/// Values memoized by the address of a string libxml2 interned in its dictionary (element
/// names, namespace URIs: one address per distinct string for a whole document).
///
/// A feed has a few dozen distinct names met hundreds of thousands of times; a direct-mapped
/// table of recent addresses answers nearly all of them without hashing (a `Dictionary`
/// lookup with its seeded hash was ~1% of parse time), and a dictionary keeps the rest.
struct InternedMemo<Value> {
    private static var slots: Int { 64 }
    private var keys = [UnsafeRawPointer?](repeating: nil, count: slots)
    private var values = [Value?](repeating: nil, count: slots)
    private var all: [UnsafeRawPointer: Value] = [:]

    @inline(__always)
    private static func slot(_ p: UnsafeRawPointer) -> Int {
        // Interned strings are at least 8-byte aligned and often close together.
        Int(truncatingIfNeeded: UInt(bitPattern: p) >> 3) & (slots - 1)
    }

    /// The value for `p`, made by `make` the first time `p` is seen.
    @inline(__always)
    mutating func value(for p: UnsafeRawPointer, _ make: () -> Value) -> Value {
        let slot = Self.slot(p)
        if keys[slot] == p, let memo = values[slot] { return memo }
        let memo: Value
        if let known = all[p] {
            memo = known
        } else {
            memo = make()
            all[p] = memo
        }
        keys[slot] = p
        values[slot] = memo
        return memo
    }
}
