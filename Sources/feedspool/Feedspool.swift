import ArgumentParser
import FeedCore

@main
struct Feedspool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedspool",
        abstract: "Turn RSS, Atom and JSON feeds into plain-text articles; talk to feedspoold.",
        version: FeedspoolVersion.string,
        subcommands: [
            StatusCommand.self, FeedsCommand.self, TailCommand.self, PollCommand.self, ReloadCommand.self, MetricsCommand.self,
            ShowCommand.self, MigrateStateCommand.self, DiscoverCommand.self, ImportOPMLCommand.self, ExportOPMLCommand.self, ParseCommand.self, ExtractCommand.self, FetchCommand.self, DatesCommand.self,
        ])

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let verbs = Set(configuration.subcommands.map { $0._commandName } + ["help"])
        Operands.verbFirst(&arguments, verbs: verbs)
        Operands.split(&arguments, command: "parse", valued: ParseCommand.valuedOptions)
        Operands.split(&arguments, command: "extract", valued: ExtractCommand.valuedOptions)
        await main(arguments)
    }
}
