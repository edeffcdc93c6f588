import ArgumentParser
import FeedCore

struct DatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dates",
        abstract: "Parse feed dates, one per line on stdin; print each as a UTC instant.",
        discussion: """
            Prints, for every input line, the instant as YYYY-MM-DDTHH:MM:SSZ, or an empty line \
            when the line is not a date feedspool understands. With --verbose the offset the \
            date was written in and the article date it gives are shown too.
            """)

    @Flag(name: .shortAndLong, help: "Also print the original offset and the article date.")
    var verbose = false

    func run() throws {
        let out = Output()
        while let line = readLine(strippingNewline: true) {
            if let date = DateParser.parse(line) {
                out.write(date.utcString)
                if verbose { out.write("\t\(date.rfc3339String)\t\(date.localDateString)") }
            }
            out.write("\n")
        }
        out.flush()
    }
}
