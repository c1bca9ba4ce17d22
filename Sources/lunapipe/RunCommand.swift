import ArgumentParser
import Foundation
import LunaPipeCore
import LunaPipelines

struct RunOptions: ParsableArguments {
  @Option(
    name: .long, parsing: .upToNextOption,
    help: ArgumentHelp("Claims extracts: files or globs (quote globs for the shell).", valueName: "file-or-glob"))
  var claims: [String] = []

  @Option(name: .long, help: "Output directory; replaced atomically when the run succeeds.")
  var out: String

  @Option(name: .long, help: "Worker threads for parsing, validation and aggregation.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(
    name: .long,
    help: "Largest allowed share of rejected records (0-1); above it the run fails and publishes nothing.")
  var maxRejectShare: Double = 0.01

  @Option(name: .long, help: ArgumentHelp("Bytes per chunk a worker parses (tuning).", visibility: .hidden))
  var chunkSize: Int = 8 << 20

  @Flag(name: .long, help: "Print nothing but errors.")
  var quiet = false

  func validate() throws {
    if claims.isEmpty { throw ValidationError("give the claims extracts with --claims FILE...") }
    if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    if !(0...1).contains(maxRejectShare) { throw ValidationError("--max-reject-share must be between 0 and 1") }
  }
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a ready-made pipeline.",
    discussion: """
      Pipelines:
        praksisplan     Tables 19, 21, 23, 25, 26 (speciale 51) and 29, 31, 33,
                        35, 36 (speciale 62) of the praksisplan, Region Nordjylland.
        claims-summary  Ydelser, udgift and patients per year, speciale and
                        clinic kommune, patient kommune and clinic region, with
                        growth: aggregates.csv and growth.csv.
        validate        Only reads and checks the extracts: rejects.csv and
                        run-report.json.

      Writes into --out: tables/tabel-NN.csv (published schema), tables-da/
      (Danish CSV for Excel), tables-md/ (Markdown), rejects.csv and
      run-report.json.

      Example:
        lunapipe run praksisplan --claims 'Samples/full/ydelser-*.csv' --out out
      """)

  @Argument(help: "The pipeline to run: praksisplan, claims-summary or validate.")
  var pipeline: String

  @OptionGroup var options: RunOptions

  func validate() throws {
    guard ["praksisplan", "claims-summary", "validate"].contains(pipeline) else {
      throw ValidationError("unknown pipeline '\(pipeline)'; available: praksisplan, claims-summary, validate")
    }
  }

  func run() throws {
    let started = Date()
    let output: OutputDirectory
    do {
      output = try OutputDirectory(target: options.out)
    } catch {
      printError("\(error)")
      throw Exit.output
    }
    let quiet = options.quiet
    let context = RunContext(
      options: ScanOptions(threads: options.threads, chunkSize: options.chunkSize), maxRejectShare: options.maxRejectShare,
      output: output, pipeline: pipeline,
      log: { if !quiet { FileHandle.standardError.write(Data("lunapipe: \($0)\n".utf8)) } })
    do {
      switch pipeline {
      case "claims-summary": _ = try ClaimsSummary.pipeline(claims: options.claims).run(in: context)
      case "validate": _ = try ValidateClaims.pipeline(claims: options.claims).run(in: context)
      default: _ = try Praksisplan.pipeline(claims: options.claims).run(in: context)
      }
      try writeReport(context, output: output, started: started, status: "ok", message: nil)
      try output.publish()
    } catch {
      let code = Exit.code(for: error)
      try? writeReport(context, output: output, started: started, status: "failed", message: "\(error)")
      let kept = keepFailed(output)
      printError("\(error)")
      if let kept { printError("the previous outputs in \(options.out) are untouched; this run's rejects and report are in \(kept)") }
      throw code
    }
    if !quiet {
      let t = context.report.totals
      print("\(pipeline): \(t.accepted) records accepted, \(t.rejected) rejected, \(t.skippedEmpty) empty lines skipped")
      if pipeline == "praksisplan" {
        print("tables written to \(output.target.path)/tables (Danish CSV: tables-da, Markdown: tables-md, JSON: tables-json; tidy: aggregates.csv, growth.csv)")
      } else if pipeline == "claims-summary" {
        print("written: \(output.target.path)/aggregates.csv, \(output.target.path)/growth.csv")
      }
      print("rejects: \(output.target.path)/rejects.csv, report: \(output.target.path)/run-report.json")
    }
  }

  private func writeReport(_ context: RunContext, output: OutputDirectory, started: Date, status: String, message: String?) throws {
    let fmt = ISO8601DateFormatter()
    context.report.status = status
    context.report.message = message
    context.report.started = fmt.string(from: started)
    context.report.finished = fmt.string(from: Date())
    context.report.seconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
    context.report.outputs = (output.written + ["run-report.json"]).sorted()
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    try output.write("run-report.json", Array(try enc.encode(context.report)) + [10])
  }

  /// Moves a failed run's staging directory to `OUT.failed`, for inspection.
  private func keepFailed(_ output: OutputDirectory) -> String? {
    let failed = output.target.path + ".failed"
    let fm = FileManager.default
    try? fm.removeItem(atPath: failed)
    do {
      try fm.moveItem(atPath: output.staging.path, toPath: failed)
      return failed
    } catch {
      output.discard()
      return nil
    }
  }
}
