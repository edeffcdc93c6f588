/// The SimHashes of the deliveries inside the near window, looked up by band in memory.
///
/// The SQLite state keeps one row per delivery (`simhashes`: seq, simhash, seen) and builds
/// this index from them at its first lookup. A table of band rows with an index on the band cost a commit
/// seven random B-tree insertions per article, more than half of the commit's time; a row
/// per article appended in sequence order costs a page or two per commit.
struct NearIndex {
    private struct Entry {
        var simhash: UInt64
        var seq: Int64
        var seen: Int64
    }

    private var entries: [Entry] = []
    /// For each band value (`SimHashBands.bucketCount` of them), the positions in `entries`
    /// of the hashes that have it, in the order they were added.
    private var buckets = [[UInt32]](repeating: [], count: SimHashBands.bucketCount)

    mutating func add(simhash: UInt64, seq: Int64, seen: Int64) {
        let position = UInt32(entries.count)
        entries.append(Entry(simhash: simhash, seq: seq, seen: seen))
        for band in 0..<SimHashBands.count {
            buckets[SimHashBands.bucket(simhash, band: band)].append(position)
        }
    }

    /// The closest hash within `threshold` bits (the earliest delivery among equals), found
    /// through the bands it shares with `hash`: every hash up to
    /// `SimHashBands.guaranteedDistance` bits away shares one.
    func nearest(_ hash: UInt64, threshold: Int) -> (seq: Int64, distance: Int)? {
        var best: (seq: Int64, distance: Int)?
        for band in 0..<SimHashBands.count {
            for position in buckets[SimHashBands.bucket(hash, band: band)] {
                let entry = entries[Int(position)]
                let distance = (entry.simhash ^ hash).nonzeroBitCount
                if distance <= threshold, SimHashBands.isCloser((entry.seq, distance), than: best) { best = (entry.seq, distance) }
            }
        }
        return best
    }

    /// Forgets the hashes seen before `cutoff`. The index is rebuilt from what stays:
    /// pruning is periodic, and a clock set back may have left old entries after newer ones.
    mutating func prune(before cutoff: Int64) {
        let kept = entries.filter { $0.seen >= cutoff }
        guard kept.count < entries.count else { return }
        entries = []
        buckets = [[UInt32]](repeating: [], count: SimHashBands.bucketCount)
        for entry in kept { add(simhash: entry.simhash, seq: entry.seq, seen: entry.seen) }
    }
}
