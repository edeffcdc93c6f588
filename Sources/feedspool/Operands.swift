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
        var position = at + 1
        var afterTerminator = false
        while position < arguments.count {
            let argument = arguments[position]
            position += 1
            if afterTerminator || argument == "-" || !argument.hasPrefix("-") {
                // The first operand stays where it was written (after a "--" when it came
                // after one, so it is read as an operand there too).
                if operands.isEmpty {
                    if afterTerminator { kept.append("--") }
                    kept.append(argument)
                }
                operands.append(argument)
                continue
            }
            if argument == "--" {
                afterTerminator = true
                continue
            }
            kept.append(argument)
            if valued.contains(argument), position < arguments.count {
                kept.append(arguments[position])
                position += 1
            }
        }
        moved = Array(operands.dropFirst())
        arguments = kept
    }

    /// Options written before the verb (`feedspool --socket S status`, as `git -C` or
    /// `systemctl --user`) moved after it, where the verb reads them. A leading option takes
    /// the word after it as its value unless that word is a verb or another option.
    static func verbFirst(_ arguments: inout [String], verbs: Set<String>) {
        var position = 0
        while position < arguments.count, arguments[position].hasPrefix("-"), arguments[position] != "-", arguments[position] != "--" {
            if !arguments[position].contains("="), position + 1 < arguments.count, !arguments[position + 1].hasPrefix("-"), !verbs.contains(arguments[position + 1]) {
                position += 2
            } else {
                position += 1
            }
        }
        guard position > 0, position < arguments.count, verbs.contains(arguments[position]) else { return }
        let leading = arguments[0..<position]
        arguments = [arguments[position]] + leading + arguments[(position + 1)...]
    }
}
