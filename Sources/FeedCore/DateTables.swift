/// Month and zone names the date parser knows.
enum DateTables {
    /// A lower-cased word of a date string: up to eight bytes packed into a number (the first
    /// byte lowest), so that the tables are looked up without hashing bytes; longer words
    /// (few month names are) keep their bytes.
    struct Word: Equatable {
        let packed: UInt64
        let count: Int
        let long: [UInt8]?

        init(_ bytes: UnsafeBufferPointer<UInt8>, lower: (UInt8) -> UInt8) {
            count = bytes.count
            if bytes.count <= 8 {
                var v: UInt64 = 0
                for (k, c) in bytes.enumerated() { v |= UInt64(lower(c)) << (8 * UInt64(k)) }
                packed = v
                long = nil
            } else {
                packed = 0
                long = bytes.map(lower)
            }
        }

        init(_ s: String) {
            var s = s
            self = s.withUTF8 { Word($0, lower: { $0 }) }
        }

        static let a = Word("a"), p = Word("p"), am = Word("am"), pm = Word("pm")
    }

    /// Month number for a lower-cased month name or abbreviation in English, German,
    /// French, Spanish, Italian, Dutch or Portuguese.
    static func month(_ word: Word) -> Int? {
        if let long = word.long { return longMonths[long] }
        return months[word.packed]
    }

    /// Offset in seconds east of UTC for a lower-cased zone name.
    static func zoneOffset(_ word: Word) -> Int? {
        if word.count == 1 {
            // Military zones: A–I = +1…+9, K–M = +10…+12, N–Y = −1…−12, Z = 0; J is local.
            let c = UInt8(truncatingIfNeeded: word.packed)
            switch c {
            case 0x7A: return 0
            case 0x61...0x69: return Int(c - 0x60) * 3600
            case 0x6B...0x6D: return Int(c - 0x61) * 3600
            case 0x6E...0x79: return -Int(c - 0x6D) * 3600
            default: return nil
            }
        }
        guard word.long == nil else { return nil }
        return zones[word.packed]
    }

    private static let monthNames: [(Int, [String])] = [
        (1, ["jan", "january", "januar", "janvier", "janv", "enero", "ene", "gennaio", "gen",
             "januari", "janeiro"]),
        (2, ["feb", "february", "februar", "février", "fevrier", "févr", "fevr", "febrero",
             "febbraio", "februari", "fevereiro", "fev"]),
        (3, ["mar", "march", "märz", "maerz", "mär", "mars", "marzo", "maart", "mrt", "março",
             "marco"]),
        (4, ["apr", "april", "avril", "avr", "abril", "abr", "aprile"]),
        (5, ["may", "mai", "mayo", "maggio", "mag", "mei", "maio"]),
        (6, ["jun", "june", "juni", "juin", "junio", "giugno", "giu", "junho"]),
        (7, ["jul", "july", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho"]),
        (8, ["aug", "august", "août", "aout", "agosto", "ago", "augustus"]),
        (9, ["sep", "sept", "september", "septembre", "septiembre", "setiembre", "settembre",
             "set", "setembro"]),
        (10, ["oct", "october", "oktober", "okt", "octobre", "octubre", "ottobre", "ott",
              "outubro", "out"]),
        (11, ["nov", "november", "novembre", "noviembre", "novembro"]),
        (12, ["dec", "december", "dezember", "dez", "décembre", "decembre", "déc", "diciembre",
              "dic", "dicembre", "dezembro"]),
    ] + greekAndHungarianMonths

    /// Greek (abbreviations, with and without accents, as Greek feeds write them) and
    /// Hungarian months (names and abbreviations), each also capitalised and in capitals:
    /// these scripts' letters are not folded by the parser's ASCII lower-casing.
    private static let greekAndHungarianMonths: [(Int, [String])] = {
        let names: [(Int, [String])] = [
            (1, ["ιαν", "ιανουαρίου", "ιανουάριος", "január", "jan"]),
            (2, ["φεβ", "φεβρουαρίου", "φεβρουάριος", "február", "februári", "febr"]),
            (3, ["μάρ", "μαρ", "μάώ", "μαώ", "μαρτίου", "μάρτιος", "március", "márc"]),
            (4, ["απρ", "απριλίου", "απρίλιος", "április", "ápr"]),
            (5, ["μάι", "μαϊ", "μαι", "μαΐου", "μάιος", "május", "máujus", "máj"]),
            (6, ["ιούν", "ιουν", "ιον", "ιουνίου", "ιούνιος", "június", "jún"]),
            (7, ["ιούλ", "ιουλ", "ιολ", "ιουλίου", "ιούλιος", "július", "júl"]),
            (8, ["αύγ", "αυγ", "αυγούστου", "αύγουστος", "augusztus", "aug"]),
            (9, ["σεπ", "σεπτεμβρίου", "σεπτέμβριος", "szeptember", "szept"]),
            (10, ["οκτ", "οκτωβρίου", "οκτώβριος", "október", "okt"]),
            (11, ["νοέ", "νοε", "νοεμβρίου", "νοέμβριος", "november", "nov"]),
            (12, ["δεκ", "δεκεμβρίου", "δεκέμβριος", "december", "dec"]),
        ]
        return names.map { ($0.0, $0.1.flatMap(caseForms)) }
    }()

    /// A word as written in lower case, capitalised and in capitals.
    private static func caseForms(_ word: String) -> [String] {
        let upperFirst = word.prefix(1).uppercased() + word.dropFirst()
        return [word, upperFirst, word.uppercased()]
    }

    /// Words a date may hold that say nothing the parser needs: weekday names and
    /// abbreviations (English, German, French, Spanish, Italian, Dutch, Portuguese, Greek,
    /// Hungarian), the ISO time designator, ordinal suffixes and the little words between
    /// fields ("at", "de", "um", "Uhr"). Any other word after the date is complete makes
    /// the string no date.
    static func isIgnorable(_ word: Word) -> Bool {
        if let long = word.long { return longIgnorable.contains(long) }
        return ignorable[word.packed] != nil
    }

    private static let ignorableWords: [String] = {
        let weekdays = [
            "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday", "tuesday",
            "wednesday", "thursday", "friday", "saturday", "sunday",
            "mo", "di", "mi", "do", "fr", "sa", "so", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
            "samstag", "sonnabend", "sonntag",
            "lun", "mar", "mer", "jeu", "ven", "sam", "dim", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
            "samedi", "dimanche",
            "mié", "mie", "jue", "vie", "sáb", "sab", "dom", "lunes", "martes", "miércoles", "miercoles", "jueves",
            "viernes", "sábado", "sabado", "domingo",
            "gio", "lunedì", "lunedi", "martedì", "martedi", "mercoledì", "mercoledi", "giovedì", "giovedi",
            "venerdì", "venerdi", "sabato", "domenica",
            "ma", "wo", "vr", "za", "zo", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
            "zondag",
            "seg", "ter", "qua", "qui", "sex", "segunda", "terça", "terca", "quarta", "quinta", "sexta", "feira",
            "κυρ", "δευ", "τρι", "τετ", "πεμ", "παρ", "σαβ", "κυριακή", "δευτέρα", "τρίτη", "τετάρτη", "πέμπτη",
            "παρασκευή", "σάββατο",
            "h", "k", "sze", "cs", "p", "szo", "v", "hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat",
            "vasárnap",
        ]
        let fillers = ["t", "st", "nd", "rd", "th", "at", "on", "of", "the", "de", "del", "à", "le", "el", "um", "uhr", "den", "der", "h"]
        return (weekdays + fillers).flatMap(caseForms)
    }()

    private static let ignorable = KeyTable(
        ignorableWords.map(Word.init).filter { $0.long == nil }.map { ($0.packed, true) })

    private static let longIgnorable: Set<[UInt8]> = Set(ignorableWords.filter { $0.utf8.count > 8 }.map { Array($0.utf8) })

    /// The Korean date words: 년 (year), 월 (month), 일 (day) follow their numbers; 오전 and
    /// 오후 are a.m. and p.m.
    enum Korean { case marker, am, pm }

    static func korean(_ word: Word) -> Korean? {
        switch word {
        case koreanYear, koreanMonth, koreanDay: return .marker
        case koreanAM: return .am
        case koreanPM: return .pm
        default: return nil
        }
    }

    private static let koreanYear = Word("년"), koreanMonth = Word("월"), koreanDay = Word("일")
    private static let koreanAM = Word("오전"), koreanPM = Word("오후")

    private static let months = KeyTable(
        monthNames.flatMap { m in m.1.map { (Word($0), m.0) } }.filter { $0.0.long == nil }.map { ($0.0.packed, $0.1) })

    private static let longMonths: [[UInt8]: Int] = {
        var table = [[UInt8]: Int]()
        for (number, list) in monthNames {
            for name in list where name.utf8.count > 8 { table[Array(name.utf8)] = number }
        }
        return table
    }()

    private static let zones: KeyTable<Int> = {
        let h = 3600
        let list: [(String, Int)] = [
            ("ut", 0), ("utc", 0), ("gmt", 0), ("wet", 0),
            // North America's generic zones, read as standard time (as the universal feed parser does).
            ("et", -5 * h), ("ct", -6 * h), ("mt", -7 * h), ("pt", -8 * h), ("at", -4 * h),
            ("sast", 2 * h), ("cat", 2 * h), ("eat", 3 * h), ("pkt", 5 * h), ("ict", 7 * h), ("wib", 7 * h),
            ("pht", 8 * h), ("wita", 8 * h), ("wit", 9 * h),
            ("est", -5 * h), ("edt", -4 * h), ("cst", -6 * h), ("cdt", -5 * h), ("mst", -7 * h),
            ("mdt", -6 * h), ("pst", -8 * h), ("pdt", -7 * h), ("akst", -9 * h), ("akdt", -8 * h),
            ("hst", -10 * h), ("ast", -4 * h), ("adt", -3 * h), ("nst", -(3 * h + 1800)),
            ("bst", h), ("west", h), ("cet", h), ("cest", 2 * h), ("met", h), ("mest", 2 * h), ("mez", h), ("mesz", 2 * h),
            ("eet", 2 * h), ("eest", 3 * h), ("msk", 3 * h),
            ("ist", 5 * h + 1800),  // India: by far the most common IST in feeds
            ("jst", 9 * h), ("kst", 9 * h), ("hkt", 8 * h), ("sgt", 8 * h), ("awst", 8 * h),
            ("acst", 9 * h + 1800), ("aest", 10 * h), ("aedt", 11 * h), ("nzst", 12 * h),
            ("nzdt", 13 * h),
        ]
        return KeyTable(list.map { (Word($0.0).packed, $0.1) })
    }()
}
