/// Moves a subcommand's file operands past the first out of the command line, before
/// swift-argument-parser sees it.
///
/// The parser merges the input positions of every element of an array argument into the
/// next (`ParsedValues.set`), so `feedspool parse *.xml` over 2,000 files cost 0.16 s of
/// argument parsing alone — quadratic, 85% of the run on small files. The first operand
/// stays, so usage errors and help read as before; the rest are handed over directly.
enum Operands {
    /// The operands taken out (in order), for the command that asked: written once by
    /// `Feedspool.main` before any command runs, read by that command only.
    nonisolated(unsafe) static var moved: [String] = []

    /// Takes the operands after the first from `arguments` when its subcommand is
    /// `command`. `valued` are the options that take a value as the next word.
    static func split(_ arguments: inout [String], command: String, valued: Set<String>) {
        guard let at = arguments.firstIndex(where: { !$0.hasPrefix("-") }), arguments[at] == command else { return }
        var kept = Array(arguments[...at])
        var operands: [String] = []
        var i = at + 1
        var afterTerminator = false
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            if afterTerminator || a == "-" || !a.hasPrefix("-") {
                // The first operand stays where it was written (after a "--" when it came
                // after one, so it is read as an operand there too).
                if operands.isEmpty {
                    if afterTerminator { kept.append("--") }
                    kept.append(a)
                }
                operands.append(a)
                continue
            }
            if a == "--" {
                afterTerminator = true
                continue
            }
            kept.append(a)
            if valued.contains(a), i < arguments.count {
                kept.append(arguments[i])
                i += 1
            }
        }
        moved = Array(operands.dropFirst())
        arguments = kept
    }

    /// Options written before the verb (`feedspool --socket S status`, as `git -C` or
    /// `systemctl --user`) moved after it, where the verb reads them. A leading option takes
    /// the word after it as its value unless that word is a verb or another option.
    static func verbFirst(_ arguments: inout [String], verbs: Set<String>) {
        var i = 0
        while i < arguments.count, arguments[i].hasPrefix("-"), arguments[i] != "-", arguments[i] != "--" {
            if !arguments[i].contains("="), i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-"), !verbs.contains(arguments[i + 1]) {
                i += 2
            } else {
                i += 1
            }
        }
        guard i > 0, i < arguments.count, verbs.contains(arguments[i]) else { return }
        let leading = arguments[0..<i]
        arguments = [arguments[i]] + leading + arguments[(i + 1)...]
    }
}
