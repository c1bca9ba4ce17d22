import ArgumentParser
import Foundation
import LunaDomain
import LunaOps
import LunaPipeCore
import LunaPipelines

struct RunOptions: ParsableArguments {
  @Option(
    name: .long, parsing: .upToNextOption,
    help: ArgumentHelp("Claims extracts: files or globs (quote globs for the shell).", valueName: "file-or-glob"))
  var claims: [String] = []

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Provider register (ydere, LUNA adm): tables 2, 3, 9, 12-15; with --befolkning 5-8. Without it they are skipped.",
      valueName: "file"))
  var ydere: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Population (befolkning: Danmarks Statistik FOLK1A download or Kommune;Alder;Kvartal;Antal): tables 5-8, 27, 37, figures 3-4; the key of objektiv-finansiering.",
      valueName: "file"))
  var befolkning: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Population quarter to use, e.g. 2024K1. Default: 2024K1 when present, else the latest in the file (reported).",
      valueName: "YYYYKq"))
  var befolkningTid: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "objektiv-finansiering: an amount to allocate for a budget year, e.g. 2025=15789200 (repeatable); the key is the 0-17-year-olds on 1 January of the year before.",
      valueName: "year=kr"))
  var amount: [String] = []

  @Option(name: .long, help: "objektiv-finansiering: the region whose kommuner share the amount (1081-1085).")
  var region: Int = 1081

  @Option(
    name: .long,
    help: "objektiv-finansiering: rounding to whole kroner: published (half away from zero, residual on the largest key) or largest-remainder.")
  var method: String = ObjektivFinansiering.Method.published.rawValue

  @Option(name: .long, help: "Output directory; replaced atomically when the run succeeds.")
  var out: String

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Where the run history (lunapipe.sqlite) lives. Default: the folder that holds --out.", valueName: "dir"))
  var stateDir: String?

  @Option(name: .long, help: "Worker threads for parsing, validation and aggregation.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(
    name: .long,
    help: "Largest allowed share of rejected records (0-1); above it the run fails and publishes nothing.")
  var maxRejectShare: Double = 0.01

  @Option(name: .long, help: ArgumentHelp("Bytes per chunk a worker parses (tuning).", visibility: .hidden))
  var chunkSize: Int = 8 << 20

  @Flag(name: .long, help: "Run even when nothing changed since the last successful run.")
  var force = false

  @Flag(
    name: .long,
    help: "Publish even when the accepted records of a year and speciale fell below half of the last successful run's.")
  var acceptDrop = false

  @Option(name: .long, help: "Log lines on stderr: human or json (one JSON object per line).")
  var logFormat: LogFormat = .human

  @Flag(name: .long, help: "Print nothing but errors.")
  var quiet = false

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
    if amounts.count != amount.count || amounts.contains(where: { $0.amount < 0 || !(2000...2100).contains($0.year) }) {
      throw ValidationError("--amount takes YEAR=KR, e.g. 2025=15789200")
    }
    if let t = befolkningTid, Quarter(t) == nil { throw ValidationError("--befolkning-tid takes YYYYKq, e.g. 2024K1") }
    if ObjektivFinansiering.Method(rawValue: method) == nil {
      throw ValidationError("--method must be published or largest-remainder")
    }
    if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    if !(0...1).contains(maxRejectShare) { throw ValidationError("--max-reject-share must be between 0 and 1") }
    if chunkSize < 1024 { throw ValidationError("--chunk-size must be at least 1024") }
  }
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a ready-made pipeline.",
    discussion: """
      Pipelines:
        praksisplan     The practice plan's tables, Region Nordjylland, in all
                        2, 3, 5-9, 12-37, 39-57, figur-3 and figur-4:
                        from --claims 16-26, 28-36 and 39-57; from --ydere
                        (provider register) 2, 3, 9 and 12-15; from --ydere
                        and --befolkning 5-8; from --claims and --befolkning
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
      A damaged record (a stray quote, a record over the schema's length)
      costs its own line; the reject share counts records and lines.

      Example:
        lunapipe run praksisplan --claims 'Samples/full/ydelser-*.csv' --out out
        lunapipe run praksisplan --claims 'x/ydelser-*.csv' --ydere x/ydere.csv \\
          --befolkning x/folk1a.csv --out out
        lunapipe run objektiv-finansiering --befolkning x/folk1a.csv \\
          --amount 2025=15789200 --amount 2024=8868800 --region 1081 --out fin
      """)

  @Argument(help: "The pipeline to run: praksisplan, claims-summary, validate or objektiv-finansiering.")
  var pipeline: String

  @OptionGroup var options: RunOptions

  func validate() throws {
    guard ["praksisplan", "claims-summary", "validate", "objektiv-finansiering"].contains(pipeline) else {
      throw ValidationError(
        "unknown pipeline '\(pipeline)'; available: praksisplan, claims-summary, validate, objektiv-finansiering")
    }
    if pipeline == "objektiv-finansiering" {
      if options.befolkning == nil { throw ValidationError("objektiv-finansiering needs --befolkning FILE") }
      if options.amount.isEmpty { throw ValidationError("objektiv-finansiering needs --amount YEAR=KR") }
    } else if options.claims.isEmpty {
      throw ValidationError("give the claims extracts with --claims FILE...")
    }
  }

  func run() throws {
    Log.setUp(format: options.logFormat, quiet: options.quiet)
    let started = Date()
    let out = URL(fileURLWithPath: options.out).standardizedFileURL.path
    let stateDir = options.stateDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
      ?? URL(fileURLWithPath: out).deletingLastPathComponent().path
    let optionsKey = Self.optionsKey(pipeline: pipeline, options: options)
    var record = RunRecord(
      pipeline: pipeline, version: LunaPipeVersion.current, outputDirectory: out, started: RunHistory.now(),
      host: ProcessInfo.processInfo.hostName, pid: getpid(), arguments: CommandLine.arguments,
      optionsKey: optionsKey)

    /// Logs why the run cannot start, records the attempt as refused
    /// (when the history can be written at all), and gives the exit code.
    func refuse(_ code: ExitCode, _ message: String, history: RunHistory? = nil) -> ExitCode {
      Log.logger.error("\(message)")
      if let h = history ?? (try? RunHistory(stateDirectory: stateDir)) {
        do {
          let id = try h.recordRefused(record, exitCode: Int(code.rawValue), message: message)
          Log.logger.info("recorded as run \(id), refused (exit \(code.rawValue))")
        } catch {
          Log.logger.warning("the run history could not record this attempt: \(error)")
        }
      }
      return code
    }

    // The inputs, resolved (nothing is read yet), with their kinds.
    let inputKinds: [(path: String, kind: String)]
    do {
      inputKinds = try resolveInputs()
    } catch {
      throw refuse(Exit.code(for: error), "\(error)")
    }
    let inputPaths = inputKinds.map(\.path)
    // Never replace what LunaPipe did not write: refused before anything
    // is locked, read or written.
    do {
      try OutputDirectory.checkTarget(out, inputs: inputPaths, stateDirectory: stateDir)
    } catch {
      throw refuse(Exit.output, "\(error)")
    }

    // One run at a time per output directory.
    let lock: RunLock
    do {
      lock = try RunLock(outputDirectory: out)
    } catch let e as RunLock.Failure {
      if case .busy = e { throw refuse(Exit.busy, "\(e)") }
      throw refuse(Exit.output, "\(e)")
    }
    defer { lock.release() }
    if let h = lock.takenOverFrom {
      Log.logger.warning(
        "took over the lock of \(out) left by pid \(h.pid) on \(h.host) (started \(h.started)); that process is gone")
    }

    let history: RunHistory
    do {
      history = try RunHistory(stateDirectory: stateDir)
      try reconcile(history, out: out)
    } catch {
      Log.logger.error("\(error)")
      throw Exit.output
    }
    let stale = OutputDirectory.removeStaleStaging(target: out)
    for p in stale.removed { Log.logger.warning("removed \(p), left by a run that did not finish") }
    for p in stale.leftAlone { Log.logger.warning("left \(p) alone: its name is LunaPipe's, its contents are not") }

    // The inputs, fingerprinted; one delivery counted once.
    do {
      let known = try history.knownFingerprints(inputPaths)
      record.inputs = try inputPaths.map { try FileFingerprint.of($0, known: known) }
    } catch {
      throw refuse(Exit.code(for: error), "\(error)", history: history)
    }
    if let same = Self.sameContent(record.inputs) {
      throw refuse(
        Exit.input,
        "the same extract is given twice: \(same.joined(separator: " and ")) have the same content (SHA-256 \(record.inputs.first { $0.path == same[0] }!.sha256.prefix(12))…); its records would be counted twice. Give each delivery once",
        history: history)
    }
    let inputs = record.inputs

    let previous = try? history.lastSuccessful(outputDirectory: out)
    if !options.force, let previous, previous.pipeline == pipeline, previous.version == record.version,
      previous.optionsKey == optionsKey, InputChanges(before: previous.inputs, after: inputs).isEmpty,
      previous.inputs.count == inputs.count, OutputSnapshot.matches(previous.outputs, in: out)
    {
      record.status = .upToDate
      let id = try recordUpToDate(record, previous: previous, history: history)
      let message =
        "up to date: pipeline, options and all \(inputs.count) inputs unchanged since run \(previous.id) (finished \(previous.finished ?? "?")); nothing rewritten (--force runs anyway)"
      if options.logFormat == .json {
        Log.logger.info("\(message)", metadata: ["run": "\(id)", "status": "up-to-date"])
      } else if !options.quiet {
        say("run \(id): \(message)")
      }
      return
    }

    let id: Int64
    do {
      id = try history.begin(record)
    } catch {
      Log.logger.error("\(error)")
      throw Exit.output
    }
    Log.logger.info("run \(id) started: \(pipeline), \(inputs.count) input files", metadata: ["run": "\(id)"])
    if let previous { describeInputChanges(since: previous, now: record) }

    let output: OutputDirectory
    do {
      output = try OutputDirectory(target: out, runID: id)
    } catch {
      Log.logger.error("\(error)")
      try? history.finish(id, status: .failed, exitCode: 73, message: "\(error)", counts: .init(), outputs: [])
      throw Exit.output
    }
    let context = RunContext(
      options: ScanOptions(threads: options.threads, chunkSize: options.chunkSize), maxRejectShare: options.maxRejectShare,
      output: output, pipeline: pipeline,
      log: { Log.logger.info("\($0)", metadata: ["run": "\(id)"]) })
    let showProgress = ProgressDisplay.isTerminal && !options.quiet && options.logFormat == .human
    if showProgress { ProgressDisplay.shared.start(context.progress) }
    do {
      defer { if showProgress { ProgressDisplay.shared.stop() } }
      switch pipeline {
      case "claims-summary": _ = try ClaimsSummary.pipeline(claims: options.claims).run(in: context)
      case "validate": _ = try ValidateClaims.pipeline(claims: options.claims).run(in: context)
      case "objektiv-finansiering":
        _ = try ObjektivFinansiering.pipeline(
          befolkning: options.befolkning ?? "", amounts: options.amounts, region: options.region,
          method: ObjektivFinansiering.Method(rawValue: options.method) ?? .published,
          populationQuarter: options.befolkningTid.flatMap { Quarter($0) }
        ).run(in: context)
      default:
        _ = try Praksisplan.pipeline(
          claims: options.claims, ydere: options.ydere, befolkning: options.befolkning,
          populationQuarter: options.befolkningTid.flatMap { Quarter($0) }
        ).run(in: context)
      }
      try VolumeGuard.check(
        now: context.report, previous: PublishedReport.read(in: out), previousRun: previous?.id,
        acceptDrop: options.acceptDrop)
      try writeReport(context, output: output, started: started, status: "ok", message: nil)
      FaultInjection.point("before-publish")
      try output.publish()
      FaultInjection.point("after-publish")
    } catch {
      let code = Exit.code(for: error)
      try? writeReport(context, output: output, started: started, status: "failed", message: "\(error)")
      let kept = output.keepAsFailed()
      Log.logger.error("\(error)", metadata: ["run": "\(id)"])
      Log.logger.error(
        "the previous outputs in \(options.out) are untouched; this run's rejects and report are in \(kept ?? output.staging.path)"
      )
      try? history.finish(
        id, status: .failed, exitCode: Int(code.rawValue), message: "\(error)", counts: counts(context.report),
        outputs: [])
      throw code
    }

    // Published: record what was written, and what changed.
    do {
      let snapshot = try OutputSnapshot.take(out)
      try history.finish(
        id, status: .ok, exitCode: 0, message: nil, counts: counts(context.report), outputs: snapshot.outputs,
        contents: snapshot.contents)
      if let previous, let now = try history.run(id) {
        describeOutputChanges(try RunDiff(previous, now, history: history), since: previous.id, now: id)
      }
    } catch {
      Log.logger.warning("the outputs are published, but the run history could not record them: \(error)")
    }
    let summary = Self.summary(
      context.report, kinds: Dictionary(inputKinds.map { ($0.path, $0.kind) }, uniquingKeysWith: { a, _ in a }))
    if options.logFormat == .json {
      let t = context.report.totals
      Log.logger.info(
        "run \(id) finished: \(summary)",
        metadata: [
          "run": "\(id)", "status": "ok", "read": "\(t.read)", "accepted": "\(t.accepted)", "rejected": "\(t.rejected)",
          "skipped": "\(t.skippedEmpty)", "out": "\(out)",
        ])
    } else if !options.quiet {
      say("run \(id): \(pipeline): \(summary)")
      if pipeline == "praksisplan" {
        say("tables written to \(output.target.path)/tables (Danish CSV: tables-da, Markdown: tables-md, JSON: tables-json; tidy: aggregates.csv, growth.csv)")
        say("report: \(output.target.path)/report.html, workbook: \(output.target.path)/praksisplan.xlsx")
      } else if pipeline == "objektiv-finansiering" {
        say("written: \(output.target.path)/tables/budget-objektiv-finansiering.csv")
      } else if pipeline == "claims-summary" {
        say("written: \(output.target.path)/aggregates.csv, \(output.target.path)/growth.csv")
      }
      say("rejects: \(output.target.path)/rejects.csv, report: \(output.target.path)/run-report.json")
    }
  }

  /// Every input file the pipeline reads, absolute, in order, with its
  /// kind (claims, ydere, befolkning); a file named twice counts once.
  private func resolveInputs() throws -> [(path: String, kind: String)] {
    var out: [(path: String, kind: String)] = []
    func add(_ patterns: [String], _ kind: String) throws {
      for p in try ReadCSV(patterns).run((), in: RunContext()).paths {
        let absolute = URL(fileURLWithPath: p).standardizedFileURL.path
        if !out.contains(where: { $0.path == absolute }) { out.append((absolute, kind)) }
      }
    }
    if pipeline != "objektiv-finansiering" { try add(options.claims, "claims") }
    if let y = options.ydere { try add([y], "ydere") }
    if let b = options.befolkning { try add([b], "befolkning") }
    return out
  }

  /// "claims: 4140624 records accepted, 120 rejected, 7 empty lines
  /// skipped; ydere: 57 accepted, ...": one count per kind of input.
  static func summary(_ report: RunReport, kinds: [String: String]) -> String {
    var order: [String] = []
    var byKind: [String: RunReport.Totals] = [:]
    for f in report.inputs {
      let k = kinds[URL(fileURLWithPath: f.path).standardizedFileURL.path] ?? "input"
      if byKind[k] == nil { order.append(k) }
      byKind[k, default: .init()].accepted += f.accepted
      byKind[k, default: .init()].rejected += f.rejected
      byKind[k, default: .init()].skippedEmpty += f.skippedEmpty
    }
    if order.isEmpty { return "no records read" }
    return order.map { k in
      let t = byKind[k]!
      return "\(k): \(t.accepted) records accepted, \(t.rejected) rejected, \(t.skippedEmpty) empty lines skipped"
    }.joined(separator: "; ")
  }

  /// The first group of inputs with the same content, by path; nil when
  /// every input differs.
  static func sameContent(_ inputs: [FileFingerprint]) -> [String]? {
    var byHash: [String: [String]] = [:]
    for f in inputs { byHash[f.sha256, default: []].append(f.path) }
    return inputs.lazy.compactMap { byHash[$0.sha256] }.first { $0.count > 1 }
  }

  /// Marks the runs of `out` that never finished as interrupted, and where
  /// one of them had already published (killed between the swap and its
  /// record), records it as it ended: `ok`, with the outputs on disk.
  private func reconcile(_ history: RunHistory, out: String) throws {
    let interrupted = try history.markInterrupted(outputDirectory: out)
    var published: Int64?
    if case .lunapipe(let runID) = OutputDirectory.ownership(of: out) { published = runID }
    for id in interrupted where id != published {
      Log.logger.warning("run \(id) into \(out) did not finish (killed?); recorded as interrupted")
    }
    guard let published, let run = try history.run(published), run.status == .interrupted else { return }
    let snapshot = try OutputSnapshot.take(out)
    var c = RunRecord.Counts()
    if let report = PublishedReport.read(in: out) {
      c.read = report.totals?.read ?? 0
      c.accepted = report.totals?.accepted ?? 0
      c.rejected = report.totals?.rejected ?? 0
      c.skipped = report.totals?.skippedEmpty ?? 0
      c.rejectsByRule = report.rejectsByRule ?? [:]
    }
    if try history.reconcile(
      outputDirectory: out, publishedRun: published, counts: c, outputs: snapshot.outputs, contents: snapshot.contents)
    {
      Log.logger.warning(
        "run \(published) into \(out) was killed after it published its outputs; recorded as ok with the outputs found there")
    }
  }

  /// The options that shape the outputs, as canonical JSON. Threads and
  /// chunk size are left out: they never change an output byte.
  static func optionsKey(pipeline: String, options: RunOptions) -> String {
    var key: [String: String] = [
      "pipeline": pipeline, "maxRejectShare": String(options.maxRejectShare),
    ]
    if let y = options.ydere { key["ydere"] = y }
    if let b = options.befolkning { key["befolkning"] = b }
    if let t = options.befolkningTid { key["befolkningTid"] = Quarter(t)?.description ?? t }
    if pipeline == "objektiv-finansiering" {
      key["amount"] = options.amount.joined(separator: ",")
      key["region"] = String(options.region)
      key["method"] = options.method
    }
    let data = (try? JSONSerialization.data(withJSONObject: key, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  private func recordUpToDate(_ record: RunRecord, previous: RunRecord, history: RunHistory) throws -> Int64 {
    do {
      let id = try history.begin(record)
      try history.finish(
        id, status: .upToDate, exitCode: 0, message: "nothing changed since run \(previous.id)",
        counts: previous.counts, outputs: previous.outputs)
      return id
    } catch {
      Log.logger.error("\(error)")
      throw Exit.output
    }
  }

  private func describeInputChanges(since previous: RunRecord, now: RunRecord) {
    let c = InputChanges(before: previous.inputs, after: now.inputs)
    var parts: [String] = []
    if !c.new.isEmpty { parts.append("new: " + c.new.joined(separator: ", ")) }
    if !c.changed.isEmpty { parts.append("changed: " + c.changed.joined(separator: ", ")) }
    if !c.gone.isEmpty { parts.append("gone: " + c.gone.joined(separator: ", ")) }
    if previous.optionsKey != now.optionsKey || previous.pipeline != now.pipeline { parts.append("options changed") }
    if previous.version != now.version { parts.append("LunaPipe \(previous.version) → \(now.version)") }
    if parts.isEmpty { parts.append(options.force ? "nothing changed; --force" : "outputs in \(now.outputDirectory) differ from the recorded ones") }
    Log.logger.info("since run \(previous.id): \(parts.joined(separator: "; "))")
  }

  private func describeOutputChanges(_ diff: RunDiff, since previousID: Int64, now id: Int64) {
    var parts: [String] = []
    for f in diff.files {
      switch f {
      case .added(let p): parts.append("\(p) (new)")
      case .removed(let p): parts.append("\(p) (gone)")
      case .table(let p, let t):
        parts.append("\(p) (\(t.changedCells.count) cells, \(t.addedRows.count + t.removedRows.count) rows)")
      case .changed(let p, _) where p == "run-report.json": continue
      case .changed(let p, _): parts.append(p)
      }
    }
    let text = parts.isEmpty ? "no output changed" : "outputs changed: " + parts.joined(separator: ", ")
    Log.logger.info("since run \(previousID): \(text); `lunapipe diff \(previousID) \(id)` shows the cells")
  }

  private func counts(_ r: RunReport) -> RunRecord.Counts {
    var c = RunRecord.Counts()
    c.read = r.totals.read
    c.accepted = r.totals.accepted
    c.rejected = r.totals.rejected
    c.skipped = r.totals.skippedEmpty
    c.rejectsByRule = r.rejectsByRule
    return c
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

}

/// Kills the process at a named point when `LUNAPIPE_FAULT` names it: how
/// the crash tests stop a run exactly before or after its publish, which a
/// random kill hits too rarely to test. Unset (always, outside tests), a
/// point costs one environment lookup.
enum FaultInjection {
  static func point(_ name: String) {
    if ProcessInfo.processInfo.environment["LUNAPIPE_FAULT"] == name { kill(getpid(), SIGKILL) }
  }
}
