/// A fixed set of nonzero 64-bit keys with a value each, for lookups on the parsing hot
/// path (an element name packed into a number, once per tag): open addressing with a
/// multiplicative hash, instead of `Dictionary`, whose seeded SipHash cost ~2% of parse
/// time on tag-heavy bodies.
public struct KeyTable<Value: Sendable>: Sendable {
    private let keys: [UInt64]
    private let values: [Value?]
    private let shift: UInt64

    /// - Precondition: no key is 0 (an empty slot).
    public init(_ pairs: [(UInt64, Value)]) {
        var slotBits: UInt64 = 4
        // At most a quarter full: probes stay short.
        while (1 << slotBits) < pairs.count * 4 { slotBits += 1 }
        let size = 1 << Int(slotBits)
        var keys = [UInt64](repeating: 0, count: size)
        var values = [Value?](repeating: nil, count: size)
        shift = 64 - slotBits
        for (key, value) in pairs {
            precondition(key != 0, "KeyTable keys are nonzero")
            var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[i] != 0 && keys[i] != key { i = (i + 1) & (size - 1) }
            keys[i] = key
            values[i] = value
        }
        self.keys = keys
        self.values = values
    }

    /// The value of `key`, or nil (also for 0, which stands for an empty slot and is never stored).
    @inline(__always)
    public subscript(_ key: UInt64) -> Value? {
        keys.withUnsafeBufferPointer { k -> Value? in
            let mask = k.count - 1
            var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let found = k[i]
                if found == key { return values[i] }
                if found == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }
}
