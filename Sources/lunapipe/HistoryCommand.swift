import ArgumentParser
import Foundation
import LunaOps

/// Where to find the run history: --state-dir, else the folder holding
/// --out, else `LUNAPIPE_STATE_DIR`, else `.` or `out` (make run's), the
/// first that holds a lunapipe.sqlite.
struct HistoryLocation: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp("The folder holding lunapipe.sqlite.", valueName: "dir"))
  var stateDir: String?

  @Option(name: .long, help: ArgumentHelp("An output directory; its history is in the folder that holds it.", valueName: "dir"))
  var out: String?

  func open() throws -> RunHistory {
    var candidates: [String] = []
    if let stateDir {
      candidates = [stateDir]
    } else if let out {
      candidates = [URL(fileURLWithPath: out).standardizedFileURL.deletingLastPathComponent().path]
    } else {
      if let env = ProcessInfo.processInfo.environment["LUNAPIPE_STATE_DIR"], !env.isEmpty { candidates.append(env) }
      candidates += [".", "out"]
    }
    for c in candidates {
      do {
        if let h = try RunHistory.existing(in: c) { return h }
      } catch {
        Log.logger.error("\(error)")
        throw Exit.input
      }
    }
    Log.logger.error(
      "no run history (\(RunHistory.fileName)) in \(candidates.joined(separator: " or ")); give --state-dir DIR or --out DIR")
    throw Exit.input
  }

  /// Runs `body` on the history; a history that cannot be opened or read
  /// (damaged, not a database) exits 66 with the reason, as an unreadable
  /// input.
  func reading(_ body: (RunHistory) throws -> Void) throws {
    let history = try open()
    do {
      try body(history)
    } catch let e as ExitCode {
      throw e
    } catch {
      Log.logger.error("the run history \(history.path) cannot be read: \(error)")
      throw Exit.input
    }
  }
}

struct History: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List recorded runs, newest first, or show one.",
    discussion: """
      Each run is recorded with its pipeline and version, start and end, host,
      arguments, every input (path, size, mtime, SHA-256), the counts (read,
      accepted, rejected per rule, skipped), every output (path, SHA-256), its
      status (ok, failed, up-to-date, interrupted, refused: busy, bad
      input or an output directory LunaPipe did not write; running) and exit code.

      Examples:
        lunapipe history --last 5
        lunapipe history show 12
        lunapipe history show last --json
      """,
    subcommands: [List.self, Show.self],
    defaultSubcommand: List.self)

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
    @OptionGroup var location: HistoryLocation
    @Option(name: .long, help: "Only the newest N runs.") var last: Int?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
      if let last, last < 1 { throw ValidationError("--last must be at least 1") }
    }

    func run() throws {
      Log.setUp(format: .human, quiet: false)
      try location.reading { history in
        let runs = RunHistory.withAbandonedShown(history.withPendingShown(try history.runs(last: last)))
        if json {
          say(try HistoryText.json(runs))
          return
        }
        StandardStreams.write(HistoryText.table(runs), to: STDOUT_FILENO)
      }
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one run: inputs, counts, rejects, outputs.")
    @OptionGroup var location: HistoryLocation
    @Argument(help: ArgumentHelp("The run id, or 'last'.", valueName: "run")) var runID: String
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
      Log.setUp(format: .human, quiet: false)
      try location.reading { history in
        let found = history.withPendingShown([try HistoryText.find(runID, in: history)])
        guard let record = RunHistory.withAbandonedShown(found).first else { return }
        if json {
          say(try HistoryText.json(record))
          return
        }
        StandardStreams.write(HistoryText.detail(record), to: STDOUT_FILENO)
      }
    }
  }
}

struct Diff: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show what differs between two recorded runs: inputs, output files, table cells.",
    discussion: """
      Tables are compared cell by cell: rows matched by their key columns
      (kommune; or the dimensions of a tidy table), columns by header.

      Example:
        lunapipe diff 11 12
      """)
  @OptionGroup var location: HistoryLocation
  @Argument(help: "The earlier run id (or 'last').") var runA: String
  @Argument(help: "The later run id (or 'last').") var runB: String
  @Option(name: .long, help: "Show at most this many cells per table (0: all).") var limit = 50

  func run() throws {
    Log.setUp(format: .human, quiet: false)
    try location.reading { history in
      let a = try HistoryText.find(runA, in: history)
      let b = try HistoryText.find(runB, in: history)
      let diff = try RunDiff(a, b, history: history)
      StandardStreams.write(HistoryText.diff(diff, a: a, b: b, limit: limit), to: STDOUT_FILENO)
    }
  }
}
