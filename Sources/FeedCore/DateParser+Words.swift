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
        var fields = WordFields(numbers: LooseNumbers(storage: storage))
        guard readWords(s, into: &fields) else { return nil }
        return date(from: &fields)
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

    /// Reads `s` token by token into `fields`; false when something in it is no part of a date.
    private static func readWords(_ s: UnsafeBufferPointer<UInt8>, into fields: inout WordFields) -> Bool {
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == 0x28 {
                // An RFC 822 comment: "(PST)", "(Coordinated Universal Time)".
                while i < s.count && s[i] != 0x29 { i += 1 }
                i += 1
            } else if c >= 0x30 && c <= 0x39 {
                guard readNumber(s, &i, into: &fields) else { return false }
            } else if (c == 0x2B || c == 0x2D) && i + 1 < s.count && isDigit(s[i + 1])
                && (fields.hour != nil || fields.zoneWordEnds == i)
            {
                guard let (off, len) = parseNumericOffset(UnsafeBufferPointer(rebasing: s[i...]))
                else { return false }
                fields.offset = off
                i += len
            } else if isLetter(c) {
                let wordStart = i
                while i < s.count, isLetter(s[i]) { i += 1 }
                let word = DateTables.Word(UnsafeBufferPointer(rebasing: s[wordStart..<i]), lower: lower)
                if (word == .a || word == .p) && i + 1 < s.count && s[i] == 0x2E
                    && (s[i + 1] | 0x20) == 0x6D
                {
                    fields.pm = word == .p  // "a.m." / "p.m."
                    i += 2
                } else if let m = DateTables.month(word) {
                    if fields.month != nil && !fields.monthWordIsAWeekday { return false }
                    // A weekday that spells a month too, first in the string, gives way to the month.
                    fields.monthWordIsAWeekday = fields.month == nil && fields.numbers.count == 0 && fields.hour == nil && DateTables.isIgnorable(word)
                    fields.month = m
                } else if word == .am || word == .pm {
                    fields.pm = word == .pm
                } else if fields.hour != nil, let z = DateTables.zoneOffset(word) {
                    fields.offset = z
                    fields.zoneWordEnds = i
                } else if let k = DateTables.korean(word) {
                    fields.korean = true
                    if k != .marker { fields.pm = k == .pm }
                } else if !DateTables.isIgnorable(word) && (fields.hour != nil || fields.complete) {
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
    private static func readNumber(_ s: UnsafeBufferPointer<UInt8>, _ i: inout Int, into fields: inout WordFields) -> Bool {
        var value = 0
        var digits = 0
        while i < s.count, s[i] >= 0x30 && s[i] <= 0x39, digits < 9 {
            value = value * 10 + Int(s[i] - 0x30)
            digits += 1
            i += 1
        }
        guard i < s.count && s[i] == 0x3A && fields.hour == nil else {
            fields.numbers.append((value, digits))
            return true
        }
        guard digits <= 2 else { return false }
        fields.hour = value
        i += 1
        guard let mm = twoDigitField(s, &i) else { return false }
        fields.minute = mm
        if i < s.count && s[i] == 0x3A {
            i += 1
            guard let ss = twoDigitField(s, &i) else { return false }
            fields.second = ss
            if i + 1 < s.count && (s[i] == 0x2E || s[i] == 0x2C) && isDigit(s[i + 1]) {
                i += 1
                while i < s.count && isDigit(s[i]) { i += 1 }
            }
        }
        return true
    }

    /// Day, month and year from the loose numbers, with the time read beside them.
    private static func date(from fields: inout WordFields) -> FeedDate? {
        var year: Int?
        var day: Int?
        // A fourth numeric field is not part of any date form: nothing is guessed from it.
        guard fields.numbers.count == (fields.month != nil ? 2 : 3) else { return nil }
        if fields.month != nil {
            if let four = fields.numbers.firstIndex(where: { $0.digits == 4 }) {
                year = fields.numbers[four].value
                fields.numbers.remove(at: four)
                guard let d = fields.numbers.first, d.digits <= 2 else { return nil }
                day = d.value
            } else {
                guard fields.numbers.count >= 2, fields.numbers[0].digits <= 2, fields.numbers[1].digits <= 2
                else { return nil }
                day = fields.numbers[0].value
                year = expandYear(fields.numbers[1].value)
            }
        } else if fields.numbers.count >= 3, fields.numbers[0].digits == 4, fields.numbers[1].digits <= 2,
            fields.numbers[2].digits <= 2
        {
            // 2024/12/05 10:00
            year = fields.numbers[0].value
            fields.month = fields.numbers[1].value
            day = fields.numbers[2].value
        } else {
            return nil
        }
        guard let y = year, let mo = fields.month, let d = day else { return nil }
        var h = fields.hour ?? 0
        if let isPM = fields.pm, fields.hour != nil {
            guard h >= 1 && h <= 12 else { return nil }
            h = isPM ? (h % 12) + 12 : h % 12
        }
        return FeedDate(
            year: y, month: mo, day: d, hour: h, minute: fields.minute, second: fields.second,
            // A Korean date without a zone is in Korea's.
            offsetSeconds: fields.offset ?? (fields.korean ? 9 * 3600 : 0), hasTime: fields.hour != nil)
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
