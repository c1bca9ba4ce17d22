import ArgumentParser
import Foundation
import LunaDomain
import LunaOps
import LunaPipeCore
import LunaPipelines

/// The options every pipeline runs with: where its outputs and history go,
/// and the knobs of the scan, the guards and the log.
struct RunnerOptions: ParsableArguments {
  @Option(name: .long, help: "Output directory; replaced atomically when the run succeeds.")
  var out: String

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Where the run history (lunapipe.sqlite) lives. Default: the folder that holds --out.", valueName: "dir"))
  var stateDir: String?

  @Option(name: .long, help: "Threads that read, parse, validate and aggregate (the reading thread among them).")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(
    name: .long,
    help: "Largest allowed share of rejected records (0-1); above it the run fails and publishes nothing.")
  var maxRejectShare: Double = 0.01

  @Option(name: .long, help: ArgumentHelp("Bytes per chunk a worker parses (tuning).", visibility: .hidden))
  var chunkSize: Int = 4 << 20

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Seconds a write to the run history waits for another process holding it; past that the run's outcome is kept in the state directory for the next run to record.",
      valueName: "seconds"))
  var historyWait: Double = 10

  @Flag(name: .long, help: "Run even when nothing changed since the last successful run.")
  var force = false

  @Flag(
    name: .long,
    help:
      "Scan every input file, reusing no kept state (states are kept per file in the state directory's lunapipe-incremental/, so that a run scans only new and changed files); implies --force."
  )
  var full = false

  @Flag(
    name: .long,
    help: "Keep no per-file state: every run scans every file, and nothing is written to lunapipe-incremental/.")
  var noIncremental = false

  @Flag(
    name: .long,
    help: "Publish even when the accepted records of a year and speciale fell below half of the last successful run's.")
  var acceptDrop = false

  @Option(name: .long, help: "Log lines on stderr: human or json (one JSON object per line).")
  var logFormat: LogFormat = .human

  @Flag(name: .long, help: "Print nothing but errors.")
  var quiet = false

  func validate() throws {
    if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    if !(0...1).contains(maxRejectShare) { throw ValidationError("--max-reject-share must be between 0 and 1") }
    if chunkSize < 1024 || chunkSize > 1 << 30 {
      throw ValidationError("--chunk-size must be from 1024 to 1073741824 (1 GiB)")
    }
    if !(0...3600).contains(historyWait) { throw ValidationError("--history-wait must be between 0 and 3600 seconds") }
    if full && noIncremental { throw ValidationError("--full and --no-incremental: give one (--no-incremental scans every file and keeps nothing)") }
  }

  var settings: RunSettings {
    var s = RunSettings(
      outputDirectory: out, stateDirectory: stateDir, threads: threads, chunkSize: chunkSize,
      maxRejectShare: maxRejectShare, force: force || full, acceptDrop: acceptDrop)
    s.historyWait = historyWait
    s.incremental = !noIncremental
    s.full = full
    return s
  }
}

/// A ready-made pipeline as a subcommand of `run`: its own options, the
/// job it builds, and what it tells the user it wrote. Running it is the
/// library's `Runner`; this is only the shell around it.
protocol PipelineCommand: ParsableCommand {
  var runner: RunnerOptions { get }
  /// The dialect of the files it scans, as stated (nothing by default).
  var statedDialect: CSVDialect { get }
  func job() throws -> RunJob
  /// Lines saying where the outputs are, after a published run.
  func written(in out: String) -> [String]
}

extension PipelineCommand {
  var statedDialect: CSVDialect { CSVDialect() }

  func run() throws {
    let o = runner
    Log.setUp(format: o.logFormat, quiet: o.quiet)
    do {
      try runJob(o)
    } catch {
      // The JSON log ends with the run's status on failure too.
      if o.logFormat == .json { RunStatus.failed(error, out: o.settings.out) }
      // The runner has logged why: only its exit code is left to give.
      if error is RunFailure { throw ExitCode(RunStatus.exitCode(of: error)) }
      throw error
    }
  }

  private func runJob(_ o: RunnerOptions) throws {
    let job = try self.job()
    var settings = o.settings
    settings.dialect = statedDialect
    let r = Runner(settings, logger: Log.logger)
    let showProgress = ProgressDisplay.isTerminal && !o.quiet && o.logFormat == .human
    if showProgress {
      r.onContext = { context in
        if let context { ProgressDisplay.shared.start(context.progress) } else { ProgressDisplay.shared.stop() }
      }
    }
    let outcome = try r.run(job)
    switch outcome {
    case .upToDate(let id, let previous, let message):
      if o.logFormat == .json {
        RunStatus.log(
          message, status: "up-to-date", exitCode: 0, run: id, counts: RunStatus.counts(previous.counts),
          out: o.settings.out)
      } else if !o.quiet {
        say("run \(id): \(message)")
      }
    case .published(let id, let report, let summary):
      let out = o.settings.out
      if o.logFormat == .json {
        let t = report.totals
        RunStatus.log(
          "run \(id) finished: \(summary)", status: "ok", exitCode: 0, run: id,
          counts: [
            "read": t.read, "accepted": t.accepted, "rejected": t.rejected, "skipped": t.skippedEmpty,
          ], out: out)
      } else if !o.quiet {
        say("run \(id): \(job.pipeline): \(summary)")
        for line in written(in: out) { say(line) }
        say("rejects: \(out)/rejects.csv, report: \(out)/run-report.json")
      }
    }
  }
}

/// The claims extracts option, shared by the pipelines that read them.
struct ClaimsOption: ParsableArguments {
  @Option(
    name: .long, parsing: .upToNextOption,
    help: ArgumentHelp("Claims extracts: files or globs (quote globs for the shell).", valueName: "file-or-glob"))
  var claims: [String] = []

  func validate() throws {
    if claims.isEmpty { throw ValidationError("give the claims extracts with --claims FILE...") }
  }
}

/// How the claims extracts are written, where detection is not to decide:
/// `--delimiter`, `--quote`, `--escape`, `--encoding`, `--header-rows`
/// (with `--column-names` for 0) and `--skip-lines`. What is not given is
/// detected, and the run report's per-file entries say what was stated.
struct DialectOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The field delimiter: one character, or TAB, space, pipe, semicolon, comma. Default: detected.",
      valueName: "char"))
  var delimiter: String?

  @Option(name: .long, help: ArgumentHelp("The quote character: '\"', \"'\" or none. Default: '\"'.", valueName: "char"))
  var quote: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "How a quote is written inside a quoted field: doubling (the default) or none (backslash: small files only).",
      valueName: "how"))
  var escape: String?

  @Option(name: .long, help: ArgumentHelp("The encoding: UTF-8 or Windows-1252. Default: detected.", valueName: "name"))
  var encoding: String?

  @Option(name: .long, help: ArgumentHelp("Lines of header (0 with --column-names). Default: 1.", valueName: "n"))
  var headerRows: Int?

  @Option(
    name: .long,
    help: ArgumentHelp("The column names of a file without a header, comma-separated.", valueName: "names"))
  var columnNames: String?

  @Option(name: .long, help: ArgumentHelp("Lines to skip before the header. Default: 0.", valueName: "n"))
  var skipLines: Int?

  var dialect: CSVDialect {
    get throws {
      var d = CSVDialect()
      if let delimiter {
        guard let b = CSVDialect.delimiter(named: delimiter) else {
          throw ValidationError("--delimiter takes one ASCII character or TAB, space, pipe, semicolon, comma")
        }
        d.delimiter = b
      }
      if let quote {
        switch quote.lowercased() {
        case "\"", "double": d.quote = .double
        case "'", "apostrophe", "single": d.quote = .apostrophe
        case "none": d.quote = CSVDialect.Quote.none
        default: throw ValidationError("--quote takes '\"', \"'\" or none")
        }
      }
      if let escape {
        guard let e = CSVDialect.Escape(rawValue: escape.lowercased()) else {
          throw ValidationError("--escape takes doubling, backslash or none")
        }
        d.escape = e
      }
      if let encoding {
        switch encoding.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": d.encoding = .utf8
        case "windows-1252", "cp1252", "latin-1", "latin1": d.encoding = .windows1252
        default: throw ValidationError("--encoding takes UTF-8 or Windows-1252")
        }
      }
      d.headerRows = headerRows
      d.columnNames = columnNames.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
      d.skipLines = skipLines
      do { try d.check() } catch let PipelineError.input(m) { throw ValidationError(m) }
      return d
    }
  }

  func validate() throws { _ = try dialect }

  /// What is stated, as a job's options (they key the run: another
  /// dialect is another run).
  var jobOptions: [String: String] {
    ((try? dialect)?.stated ?? [:]).reduce(into: [:]) { $0["dialect-" + $1.key] = $1.value }
  }
}

/// `--befolkning-tid`, parsed.
func populationQuarter(_ text: String?) throws -> Quarter? {
  guard let text else { return nil }
  guard let q = Quarter(text) else { throw ValidationError("--befolkning-tid takes YYYYKq, e.g. 2024K1") }
  return q
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a ready-made pipeline.",
    discussion: """
      Pipelines:
        plan FILE       A practice plan of your own: the tables a plan file
                        declares (see `lunapipe plan`), with the same inputs
                        and outputs as praksisplan.
        praksisplan     The built-in plan's tables, Region Nordjylland, in all
                        2-37, 39-57, figur-3 and figur-4:
                        from --claims 16-26, 28-36 and 39-57; from --ydere
                        (provider register) 2, 3 and 9-15; from --ydere
                        and --befolkning 4-8; from --claims and --befolkning
                        27, 37, figur-3 and figur-4. Also report.html,
                        praksisplan.xlsx, aggregates.csv and growth.csv.
        claims-summary  Ydelser, udgift and patients per year, speciale and
                        clinic kommune, patient kommune and clinic region, with
                        growth: aggregates.csv and growth.csv.
        validate        Only reads and checks the extracts: rejects.csv and
                        run-report.json.
        objektiv-finansiering
                        Allocates amounts over a region's kommuner by their
                        0-17-year-olds on 1 January of the year before (needs
                        --befolkning and --amount; --region, --method):
                        tables/budget-objektiv-finansiering.csv.

      praksisplan takes --ydere (provider register) and --befolkning
      (population) as well; tables whose inputs are not given are skipped
      with a note in run-report.json ("notes"), never an error.

      Writes into --out: tables/tabel-NN.csv (published schema), tables-da/
      (Danish CSV for Excel), tables-md/ (Markdown), tables-json/, and for
      praksisplan report.html (one self-contained page: tables and charts)
      and praksisplan.xlsx (a sheet per table); rejects.csv and
      run-report.json. Outputs are built beside --out and published by one
      atomic rename: a reader, or a run killed at any moment, sees the whole
      previous set or the whole new one.

      Every run is recorded in the run history (lunapipe.sqlite in
      --state-dir; see `lunapipe history`). When the pipeline, its options
      and every input are unchanged since the last successful run into --out,
      and --out still holds that run's outputs, the run says so and exits 0
      without rewriting anything (--force runs anyway). Otherwise it names
      the inputs that are new, changed or gone, and the outputs that changed.

      One run at a time per --out: a second one exits 75 at once. A lock left
      by a killed run is taken over with a warning.

      Nothing that LunaPipe did not write is replaced: --out must be new,
      empty, or a directory LunaPipe wrote (its .lunapipe-output marker lists
      every file; one put there by hand stops the run), and neither the
      working directory nor a folder holding an input or the state directory
      (exit 73, before anything is read). The same content given twice is
      refused (exit 66). A run whose accepted records for a year and
      speciale fall below half of the last successful run's, or that
      accepts none, publishes nothing (exit 65; --accept-drop publishes).
      A plan whose region has no claims line in one of its years
      publishes nothing either (exit 65, "no claims for Region Syddanmark
      in 2019: a delivery may be missing"; --accept-gaps publishes).
      A damaged record (a stray quote, a record over the schema's length)
      costs its own line; the reject share counts records and lines.

      Example:
        lunapipe run praksisplan --claims 'Samples/full/ydelser-*.csv' --out out
        lunapipe run praksisplan --claims 'x/ydelser-*.csv' --ydere x/ydere.csv \\
          --befolkning x/folk1a.csv --out out
        lunapipe run objektiv-finansiering --befolkning x/folk1a.csv \\
          --amount 2025=15789200 --amount 2024=8868800 --region 1081 --out fin
      """,
    subcommands: [RunPraksisplan.self, RunPlan.self, RunClaimsSummary.self, RunValidate.self, RunObjektivFinansiering.self])
}

/// The inputs of a plan besides the claims, and its region.
struct PlanInputs: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Provider register (ydere, LUNA adm): the register tables (built-in plan: 2, 3, 9-15; with --befolkning 4-8). Without it they are skipped.",
      valueName: "file"))
  var ydere: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Population (befolkning: Danmarks Statistik FOLK1A download or Kommune;Alder;Kvartal;Antal): the tables per inhabitant (built-in plan: 4-8, 27, 37, figures 3-4).",
      valueName: "file"))
  var befolkning: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Population quarter to use, e.g. 2024K1. Default: 2024K1 when present, else the latest in the file (reported).",
      valueName: "YYYYKq"))
  var befolkningTid: String?

  @Flag(
    name: .long,
    help:
      "Publish even when the plan's region has no claims line in one of the plan's years (a delivery may be missing; without it the run exits 65).")
  var acceptGaps = false

  func validate() throws { _ = try populationQuarter(befolkningTid) }

  /// The options the run history keys a run by.
  func options() throws -> [String: String] {
    var options: [String: String] = [:]
    if let ydere { options["ydere"] = ydere }
    if let befolkning { options["befolkning"] = befolkning }
    if let quarter = try populationQuarter(befolkningTid) { options["befolkningTid"] = quarter.description }
    return options
  }

  /// What a plan's run tells the user it wrote.
  static func written(in out: String) -> [String] {
    [
      "tables written to \(out)/tables (Danish CSV: tables-da, Markdown: tables-md, JSON: tables-json; tidy: aggregates.csv, growth.csv)",
      "report: \(out)/report.html, workbook: \(out)/praksisplan.xlsx",
    ]
  }

  /// The run's inputs besides the claims (the pipeline's own): these, and
  /// the plan's own files.
  func inputs(plan: [String] = [], supplied: [String] = []) -> [RunJob.Input] {
    [
      .init(kind: "ydere", patterns: ydere.map { [$0] } ?? []),
      .init(kind: "befolkning", patterns: befolkning.map { [$0] } ?? []),
    ] + (plan.isEmpty ? [] : [.init(kind: "plan", patterns: plan)])
      + (supplied.isEmpty ? [] : [.init(kind: "supplied", patterns: supplied)])
  }
}

/// `--region`, parsed: a code or a name.
func parseRegion(_ text: String, option: String = "--region") throws -> Int {
  guard let code = Praksisplan.region(named: text) else {
    throw ValidationError(
      "\(option) takes 1081-1086 or a region's name (Nordjylland, Midtjylland, Syddanmark, Hovedstaden, Sjælland; Østdanmark from 2027), not '\(text)'")
  }
  return code
}

struct RunPlan: PipelineCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "A practice plan of your own: the tables a plan file declares (lunapipe plan template prints one).")

  @Argument(help: "The plan file (YAML); checked before any input is read (exit 78 with file, line and key).")
  var file: String

  @OptionGroup var claims: ClaimsOption
  @OptionGroup var inputs: PlanInputs

  @Option(name: .long, help: ArgumentHelp("Another region than the plan file's: 1081-1086 or a name.", valueName: "region"))
  var region: String?

  @OptionGroup var runner: RunnerOptions

  func validate() throws { _ = try region.map { try parseRegion($0) } }

  func job() throws -> RunJob {
    var plan = try readPlan(file)
    if let region { plan.region = try parseRegion(region) }
    var options = try inputs.options()
    options["region"] = String(plan.region)
    let pipeline = Praksisplan.pipeline(
      plan: plan, claims: claims.claims, ydere: inputs.ydere, befolkning: inputs.befolkning,
      populationQuarter: try populationQuarter(inputs.befolkningTid), acceptGaps: inputs.acceptGaps)
    let supplied = plan.tables.compactMap { $0.supplied?.file }
    // The claims are the pipeline's own (its readCSV); the files its
    // stages read whole are stated.
    return RunJob(
      pipeline, name: "plan", kind: "claims", inputs: inputs.inputs(plan: [file], supplied: supplied),
      options: options)
  }

  func written(in out: String) -> [String] { PlanInputs.written(in: out) }
}

struct RunPraksisplan: PipelineCommand {
  static let configuration = CommandConfiguration(
    commandName: "praksisplan",
    abstract: "A region's practice plan tables from the claims, and with --ydere and --befolkning the rest.")

  @OptionGroup var claims: ClaimsOption
  @OptionGroup var inputs: PlanInputs

  @Option(
    name: .long,
    help: ArgumentHelp(
      "The region whose plan to make: 1081-1086 or its name (Nordjylland, Midtjylland, Syddanmark, Hovedstaden, Sjælland; Østdanmark, from 2027).",
      valueName: "region"))
  var region: String = "1081"

  @OptionGroup var runner: RunnerOptions

  func validate() throws { _ = try parseRegion(region) }

  func job() throws -> RunJob {
    let code = try parseRegion(region)
    var options = try inputs.options()
    // Nordjylland's runs keep the key they had before the option existed.
    if code != Praksisplan.region { options["region"] = String(code) }
    let pipeline = Praksisplan.pipeline(
      claims: claims.claims, ydere: inputs.ydere, befolkning: inputs.befolkning,
      populationQuarter: try populationQuarter(inputs.befolkningTid), region: code, acceptGaps: inputs.acceptGaps)
    return RunJob(pipeline, name: Praksisplan.name, kind: "claims", inputs: inputs.inputs(), options: options)
  }

  func written(in out: String) -> [String] { PlanInputs.written(in: out) }
}

struct RunClaimsSummary: PipelineCommand {
  static let configuration = CommandConfiguration(
    commandName: "claims-summary",
    abstract: "Ydelser, udgift and patients per year, speciale and kommune/region, with growth.")

  @OptionGroup var claims: ClaimsOption
  @OptionGroup var format: DialectOptions
  @OptionGroup var runner: RunnerOptions

  var statedDialect: CSVDialect { (try? format.dialect) ?? CSVDialect() }

  func job() throws -> RunJob {
    // The claims are the pipeline's own (its readCSV): checked and
    // resolved before the run, and read as resolved.
    RunJob(ClaimsSummary.pipeline(claims: claims.claims), kind: "claims", options: format.jobOptions)
  }

  func written(in out: String) -> [String] { ["written: \(out)/aggregates.csv, \(out)/growth.csv"] }
}

struct RunValidate: PipelineCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate", abstract: "Only reads and checks the extracts: rejects.csv and run-report.json.")

  @OptionGroup var claims: ClaimsOption
  @OptionGroup var format: DialectOptions
  @OptionGroup var runner: RunnerOptions

  var statedDialect: CSVDialect { (try? format.dialect) ?? CSVDialect() }

  func job() throws -> RunJob {
    RunJob(ValidateClaims.pipeline(claims: claims.claims), kind: "claims", options: format.jobOptions)
  }

  func written(in out: String) -> [String] { [] }
}

struct RunObjektivFinansiering: PipelineCommand {
  static let configuration = CommandConfiguration(
    commandName: "objektiv-finansiering",
    abstract: "Allocates amounts over a region's kommuner by their 0-17-year-olds on 1 January of the year before.")

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Population (befolkning: Danmarks Statistik FOLK1A download or Kommune;Alder;Kvartal;Antal): the allocation key.",
      valueName: "file"))
  var befolkning: String

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Population quarter to use, e.g. 2024K1. Default: the one the budget year needs.", valueName: "YYYYKq"))
  var befolkningTid: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "An amount to allocate for a budget year, e.g. 2025=15789200 (repeatable); the key is the 0-17-year-olds on 1 January of the year before.",
      valueName: "year=kr"))
  var amount: [String] = []

  @Option(name: .long, help: "The region whose kommuner share the amount (1081-1085).")
  var region: Int = 1081

  @Option(
    name: .long,
    help: "Rounding to whole kroner: published (half away from zero, residual on the largest key) or largest-remainder.")
  var method: String = ObjektivFinansiering.Method.published.rawValue

  @OptionGroup var runner: RunnerOptions

  /// The `--amount YEAR=KR` values.
  var amounts: [(year: Int, amount: Int64)] {
    amount.compactMap { a in
      let p = a.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
      guard p.count == 2, let y = Int(p[0]), let kr = Int64(p[1].replacingOccurrences(of: ".", with: "")) else {
        return nil
      }
      return (y, kr)
    }
  }

  func validate() throws {
    if amount.isEmpty { throw ValidationError("objektiv-finansiering needs --amount YEAR=KR") }
    if amounts.count != amount.count || amounts.contains(where: { $0.amount < 0 || !(2000...2100).contains($0.year) }) {
      throw ValidationError("--amount takes YEAR=KR, e.g. 2025=15789200")
    }
    _ = try populationQuarter(befolkningTid)
    if ObjektivFinansiering.Method(rawValue: method) == nil {
      throw ValidationError("--method must be published or largest-remainder")
    }
  }

  func job() throws -> RunJob {
    let quarter = try populationQuarter(befolkningTid)
    var options = [
      "befolkning": befolkning, "amount": amount.joined(separator: ","), "region": String(region), "method": method,
    ]
    if let quarter { options["befolkningTid"] = quarter.description }
    let pipeline = ObjektivFinansiering.pipeline(
      befolkning: befolkning, amounts: amounts, region: region,
      method: ObjektivFinansiering.Method(rawValue: method) ?? .published, populationQuarter: quarter)
    // Checked before the run (a --befolkning-tid that does not fit: exit
    // 78, nothing locked or recorded); its one input, read whole, stated.
    return RunJob(
      pipeline, name: "objektiv-finansiering", inputs: [.init(kind: "befolkning", patterns: [befolkning])],
      options: options)
  }

  func written(in out: String) -> [String] { ["written: \(out)/tables/budget-objektiv-finansiering.csv"] }
}
