import ArgumentParser
import Foundation
import LunaOps
import LunaPipeCore

@main
struct LunaPipeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lunapipe",
    abstract: "Turns raw LUNA claims extracts into the statistics of a praksisplan.",
    discussion: """
      Exit codes: 0 success, or up to date (nothing changed, nothing \
      rewritten); 64 bad arguments; 65 too many rejected records or lines \
      (see --max-reject-share), or the accepted records fell below half of \
      the last run's (see --accept-drop), or the plan's region has no \
      claims in one of its years (see --accept-gaps); 66 an input is missing or \
      unusable, or given twice; 70 internal error; 73 outputs or the run \
      history cannot be written, or --out is not LunaPipe's to replace; 75 \
      busy: another run is writing the same output directory; 78 a pipeline \
      is configured wrongly.
      """,
    version: LunaPipeVersion.current,
    subcommands: [Run.self, PlanCommand.self, History.self, Diff.self, Samples.self]
  )

  /// Ignores SIGPIPE before anything runs: `lunapipe run ... | head -1`
  /// must not kill a run on its first log line.
  /// An unknown option is named as such, whatever else is wrong with the
  /// arguments (`UnknownOption`).
  static func main() {
    StandardStreams.ignoreBrokenPipes()
    let arguments = Array(CommandLine.arguments.dropFirst())
    var command: ParsableCommand
    do {
      command = try parseAsRoot(arguments)
    } catch {
      if exitCode(for: error) != .success, let unknown = UnknownOption.find(in: arguments) {
        StandardStreams.write(UnknownOption.message(unknown), to: STDERR_FILENO)
        Self.exit(withError: ExitCode.validationFailure)
      }
      exit(withError: error)
    }
    do {
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}

/// Exit codes, sysexits(3)-style, so that a scheduler can tell them apart.
enum Exit {
  static let rejectThreshold = ExitCode(65)
  static let input = ExitCode(66)
  static let internalError = ExitCode(70)
  static let output = ExitCode(73)
  static let busy = ExitCode(75)
  static let configuration = ExitCode(78)

  static func code(for error: Error) -> ExitCode {
    let e = (error as? StageError)?.underlying ?? error
    if e is FingerprintError { return input }
    switch e as? PipelineError {
    case .rejectThreshold: return rejectThreshold
    case .input: return input
    case .output: return output
    case .configuration: return configuration
    case nil: return internalError
    }
  }
}
