import ArgumentParser
import FeedCore

@main
struct Feedspool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedspool",
        abstract: "Turn RSS, Atom and JSON feeds into plain-text articles; talk to feedspoold.",
        version: FeedspoolVersion.string,
        subcommands: [ParseCommand.self, FetchCommand.self, ShowCommand.self, DatesCommand.self])
}
