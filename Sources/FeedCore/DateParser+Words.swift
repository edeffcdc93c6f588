// RFC 822 and its relatives, read token by token: weekday and month names in several
// languages, zone names, a.m./p.m., comments, loose day-month-year orders.
extension DateParser {
    static func parseWords(_ s: UnsafeBufferPointer<UInt8>) -> FeedDate? {
        // At most one number per two bytes of the (at most 128-byte) string: on the stack.
        withUnsafeTemporaryAllocation(of: (value: Int, digits: Int).self, capacity: s.count / 2 + 1) {
            parseWords(s, numbers: $0)
        }
    }

    private static func parseWords(
        _ s: UnsafeBufferPointer<UInt8>, numbers storage: UnsafeMutableBufferPointer<(value: Int, digits: Int)>
    ) -> FeedDate? {
        var f = WordFields(numbers: LooseNumbers(storage: storage))
        guard readWords(s, into: &f) else { return nil }
        return date(from: &f)
    }

    /// What the words and numbers of a date string say, as they are read.
    private struct WordFields {
        var numbers: LooseNumbers
        var month: Int?
        var hour: Int?
        var minute = 0
        var second = 0
        var offset: Int?
        var pm: Bool?
        var zoneWordEnds = -1  // index just past "gmt"/"utc": a following ±hh is its offset
        var korean = false
        var monthWordIsAWeekday = false  // "mar" (French, Spanish, Italian Tuesday) before the month
        /// Day, month and year are all there: a word that says nothing more is garbage.
        var complete: Bool { numbers.count >= (month != nil ? 2 : 3) }
    }

    /// Reads `s` token by token into `f`; false when something in it is no part of a date.
    private static func readWords(_ s: UnsafeBufferPointer<UInt8>, into f: inout WordFields) -> Bool {
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == 0x28 {
                // An RFC 822 comment: "(PST)", "(Coordinated Universal Time)".
                while i < s.count && s[i] != 0x29 { i += 1 }
                i += 1
            } else if c >= 0x30 && c <= 0x39 {
                guard readNumber(s, &i, into: &f) else { return false }
            } else if (c == 0x2B || c == 0x2D) && i + 1 < s.count && isDigit(s[i + 1])
                && (f.hour != nil || f.zoneWordEnds == i)
            {
                guard let (off, len) = parseNumericOffset(UnsafeBufferPointer(rebasing: s[i...]))
                else { return false }
                f.offset = off
                i += len
            } else if isLetter(c) {
                let wordStart = i
                while i < s.count, isLetter(s[i]) { i += 1 }
                let word = DateTables.Word(UnsafeBufferPointer(rebasing: s[wordStart..<i]), lower: lower)
                if (word == .a || word == .p) && i + 1 < s.count && s[i] == 0x2E
                    && (s[i + 1] | 0x20) == 0x6D
                {
                    f.pm = word == .p  // "a.m." / "p.m."
                    i += 2
                } else if let m = DateTables.month(word) {
                    if f.month != nil && !f.monthWordIsAWeekday { return false }
                    // A weekday that spells a month too, first in the string, gives way to the month.
                    f.monthWordIsAWeekday = f.month == nil && f.numbers.count == 0 && f.hour == nil && DateTables.isIgnorable(word)
                    f.month = m
                } else if word == .am || word == .pm {
                    f.pm = word == .pm
                } else if f.hour != nil, let z = DateTables.zoneOffset(word) {
                    f.offset = z
                    f.zoneWordEnds = i
                } else if let k = DateTables.korean(word) {
                    f.korean = true
                    if k != .marker { f.pm = k == .pm }
                } else if !DateTables.isIgnorable(word) && (f.hour != nil || f.complete) {
                    return false
                }
            } else {
                i += 1
            }
        }
        return true
    }

    /// A run of digits at `s[i]`: a time (`h:mm[:ss[.fff]]`, the first one only) or a loose
    /// number of the date; false when a time is malformed.
    private static func readNumber(_ s: UnsafeBufferPointer<UInt8>, _ i: inout Int, into f: inout WordFields) -> Bool {
        var value = 0
        var digits = 0
        while i < s.count, s[i] >= 0x30 && s[i] <= 0x39, digits < 9 {
            value = value * 10 + Int(s[i] - 0x30)
            digits += 1
            i += 1
        }
        guard i < s.count && s[i] == 0x3A && f.hour == nil else {
            f.numbers.append((value, digits))
            return true
        }
        guard digits <= 2 else { return false }
        f.hour = value
        i += 1
        guard let mm = twoDigitField(s, &i) else { return false }
        f.minute = mm
        if i < s.count && s[i] == 0x3A {
            i += 1
            guard let ss = twoDigitField(s, &i) else { return false }
            f.second = ss
            if i + 1 < s.count && (s[i] == 0x2E || s[i] == 0x2C) && isDigit(s[i + 1]) {
                i += 1
                while i < s.count && isDigit(s[i]) { i += 1 }
            }
        }
        return true
    }

    /// Day, month and year from the loose numbers, with the time read beside them.
    private static func date(from f: inout WordFields) -> FeedDate? {
        var year: Int?
        var day: Int?
        // A fourth numeric field is not part of any date form: nothing is guessed from it.
        guard f.numbers.count == (f.month != nil ? 2 : 3) else { return nil }
        if f.month != nil {
            if let four = f.numbers.firstIndex(where: { $0.digits == 4 }) {
                year = f.numbers[four].value
                f.numbers.remove(at: four)
                guard let d = f.numbers.first, d.digits <= 2 else { return nil }
                day = d.value
            } else {
                guard f.numbers.count >= 2, f.numbers[0].digits <= 2, f.numbers[1].digits <= 2
                else { return nil }
                day = f.numbers[0].value
                year = expandYear(f.numbers[1].value)
            }
        } else if f.numbers.count >= 3, f.numbers[0].digits == 4, f.numbers[1].digits <= 2,
            f.numbers[2].digits <= 2
        {
            // 2024/12/05 10:00
            year = f.numbers[0].value
            f.month = f.numbers[1].value
            day = f.numbers[2].value
        } else {
            return nil
        }
        guard let y = year, let mo = f.month, let d = day else { return nil }
        var h = f.hour ?? 0
        if let isPM = f.pm, f.hour != nil {
            guard h >= 1 && h <= 12 else { return nil }
            h = isPM ? (h % 12) + 12 : h % 12
        }
        return FeedDate(
            year: y, month: mo, day: d, hour: h, minute: f.minute, second: f.second,
            // A Korean date without a zone is in Korea's.
            offsetSeconds: f.offset ?? (f.korean ? 9 * 3600 : 0), hasTime: f.hour != nil)
    }

    /// The numbers of a date string outside its time, in stack storage.
    private struct LooseNumbers {
        let storage: UnsafeMutableBufferPointer<(value: Int, digits: Int)>
        private(set) var count = 0

        init(storage: UnsafeMutableBufferPointer<(value: Int, digits: Int)>) {
            self.storage = storage
        }

        subscript(_ k: Int) -> (value: Int, digits: Int) { storage[k] }
        var first: (value: Int, digits: Int)? { count > 0 ? storage[0] : nil }

        mutating func append(_ n: (value: Int, digits: Int)) {
            guard count < storage.count else { return }
            storage[count] = n
            count += 1
        }

        func firstIndex(where match: ((value: Int, digits: Int)) -> Bool) -> Int? {
            (0..<count).first { match(storage[$0]) }
        }

        mutating func remove(at k: Int) {
            for j in k..<(count - 1) { storage[j] = storage[j + 1] }
            count -= 1
        }
    }

    private static func twoDigitField(_ s: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int? {
        guard i + 1 < s.count, isDigit(s[i]), isDigit(s[i + 1]) else { return nil }
        let v = Int(s[i] - 0x30) * 10 + Int(s[i + 1] - 0x30)
        i += 2
        return v
    }
}
