import Foundation
import Logging
import LunaPipeCore

/// Runs any pipeline the way a nightly job needs it run: refused before
/// anything is touched when its output directory is not LunaPipe's to
/// replace; one run at a time per output directory (`RunLock`); every run
/// recorded in the history (`RunHistory`), its inputs fingerprinted (the
/// same content twice is refused); nothing redone when nothing changed
/// (`RunOutcome.upToDate`); the volume guard; outputs built beside the
/// output directory and published by one atomic swap, with the run report;
/// on failure the previous outputs untouched and this run's rejects and
/// report kept in `OUT.failed`, which the next run that publishes removes
/// (when LunaPipe wrote it).
///
///     let runner = Runner(RunSettings(outputDirectory: "out/sales"))
///     switch try runner.run(job) {
///     case .upToDate(_, _, let message): print(message)
///     case .published(let id, _, let summary): print("run \(id): \(summary)")
///     }
///
/// Errors are `RunFailure`s carrying a sysexits(3) code (`RunExit`),
/// already logged.
public final class Runner {
  /// Where and how runs go.
  public let settings: RunSettings
  /// Where the runner logs (swift-log): refusals, warnings about what an
  /// earlier run left, what changed since the last run, the pipeline's own
  /// progress messages (with the run's id as `run` metadata).
  public let logger: Logger
  /// Called with the run's context just before the pipeline runs (to show
  /// its progress, say), and with nil when it has run.
  public var onContext: (RunContext?) -> Void = { _ in }

  /// A runner for `settings`, logging to `logger`.
  public init(_ settings: RunSettings, logger: Logger = Logger(label: "lunapipe")) {
    self.settings = settings
    self.logger = logger
  }

  /// Runs `job` once, or finds it up to date.
  ///
  /// In order: for a job made from a pipeline, validates it
  /// (`Pipeline.validate(options:)`: a configuration error fails here, exit
  /// 78, with nothing locked or recorded) and takes its inputs; resolves
  /// the inputs; refuses an output directory that is not
  /// LunaPipe's to replace; takes the lock; marks runs of that directory that
  /// never finished as interrupted (or `ok` when one had published); removes
  /// staging directories left by killed runs; fingerprints the inputs
  /// (refusing the same content twice). When nothing changed since the last
  /// successful run into the directory (see `RunOutcome.upToDate`) and
  /// `force` is not set, records an up-to-date run and returns. Otherwise it
  /// records the run as started, runs `job.body` with a `RunContext` writing
  /// into a staging directory, applies the volume guard, writes
  /// `run-report.json` and publishes atomically.
  ///
  /// - Returns: `.upToDate` or `.published`, with the run's id.
  /// - Throws: a ``RunFailure`` with its exit code (``RunExit``) when the run
  ///   is refused or fails; it is logged and recorded in the history first,
  ///   the previous outputs are untouched, and a failed run's rejects and
  ///   report are kept in `OUT.failed`.
  public func run(_ job: RunJob) throws -> RunOutcome {
    let started = Date()
    let out = settings.out
    let stateDir = settings.state
    let optionsKey = Self.optionsKey(job, maxRejectShare: settings.maxRejectShare)
    var record = RunRecord(
      pipeline: job.pipeline, version: LunaPipeVersion.current, outputDirectory: out, started: RunHistory.now(),
      host: ProcessInfo.processInfo.hostName, pid: getpid(), arguments: settings.arguments,
      optionsKey: optionsKey)

    /// Logs why the run cannot start, records the attempt as refused (when
    /// the history can be written at all), and gives the failure.
    func refuse(_ code: Int32, _ message: String, history: RunHistory? = nil) -> RunFailure {
      logger.error("\(message)")
      var run: Int64?
      do {
        let h = try history ?? RunHistory(stateDirectory: stateDir, busyWait: settings.historyWait)
        let id = try h.recordRefused(record, exitCode: Int(code), message: message)
        run = id
        logger.info("recorded as run \(id), refused (exit \(code))")
      } catch {
        keepOutcome(of: record, status: .refused, exitCode: code, message: message, historyError: error)
      }
      return RunFailure(exitCode: code, message: message, run: run)
    }

    let scanOptions = ScanOptions(threads: settings.threads, chunkSize: settings.chunkSize, dialect: settings.dialect)
    // A pipeline checked before anything is read, locked or recorded: a
    // column it names and the schema lacks refuses the run here (exit 78,
    // naming the stage and the column), leaving no trace but the log.
    var declared = PipelineInputs()
    if let validate = job.declaredInputs {
      do {
        declared = try validate(scanOptions)
      } catch {
        let code = RunExit.code(for: error)
        guard code == RunExit.configuration else { throw refuse(code, "\(error)") }
        logger.error("\(error)")
        logger.error("the pipeline is configured wrongly: nothing was read, locked or recorded")
        throw RunFailure(exitCode: code, message: "\(error)")
      }
    }
    // The inputs, resolved (nothing is read yet), with their kinds: the
    // pipeline's own, then those stated. The run's `ReadCSV` stages read
    // the very sets resolved here (`RunContext.resolvedInputs`).
    let inputKinds: [(path: String, kind: String)]
    var resolved = declared
    do {
      let stated = job.inputs.map { (kind: $0.kind, patterns: $0.patterns) }
      let pipelines = declared.fileSets.map { (kind: job.declaredKind, patterns: $0.patterns) }
      inputKinds = try Self.resolve(pipelines + stated, into: &resolved)
    } catch {
      throw refuse(RunExit.code(for: error), "\(error)")
    }
    let inputPaths = inputKinds.map(\.path)
    // Never replace what LunaPipe did not write: refused before anything
    // is locked, read or written.
    do {
      try OutputDirectory.checkTarget(out, inputs: inputPaths, stateDirectory: stateDir)
    } catch {
      throw refuse(RunExit.output, "\(error)")
    }

    // One run at a time per output directory.
    let lock: RunLock
    do {
      lock = try RunLock(outputDirectory: out)
    } catch let e as RunLock.Failure {
      if case .busy = e { throw refuse(RunExit.busy, "\(e)") }
      throw refuse(RunExit.output, "\(e)")
    }
    defer { lock.release() }
    if let h = lock.takenOverFrom {
      logger.warning(
        "took over the lock of \(out) left by pid \(h.pid) on \(h.host) (started \(h.started)); that process is gone")
    }

    let history: RunHistory
    do {
      history = try RunHistory(stateDirectory: stateDir, busyWait: settings.historyWait)
      for note in history.importPending(from: stateDir, holding: out) { logger.warning("\(note)") }
      try reconcile(history, out: out)
    } catch {
      throw refuse(RunExit.output, "\(error)")
    }
    let stale = OutputDirectory.removeStaleStaging(target: out)
    for p in stale.removed { logger.warning("removed \(p), left by a run that did not finish") }
    for p in stale.leftAlone { logger.warning("left \(p) alone: its name is LunaPipe's, its contents are not") }

    // The inputs, opened once and fingerprinted through those very open
    // files, which the run then reads; one delivery counted once.
    let files = InputFiles()
    do {
      let known = try history.knownFingerprints(inputPaths)
      record.inputs = try inputPaths.map { try FileFingerprint.of($0, in: files, known: known) }
      FaultPoint.reached("after-fingerprint")
    } catch {
      throw refuse(RunExit.code(for: error), "\(error)", history: history)
    }
    if let same = Self.sameContent(record.inputs) {
      throw refuse(
        RunExit.input,
        "the same extract is given twice: \(same.joined(separator: " and ")) have the same content (SHA-256 \(record.inputs.first { $0.path == same[0] }!.sha256.prefix(12))…); its records would be counted twice. Give each delivery once",
        history: history)
    }
    let inputs = record.inputs

    let previous = try? history.lastSuccessful(outputDirectory: out)
    if !settings.force, let previous, previous.pipeline == job.pipeline, previous.version == record.version,
      previous.optionsKey == optionsKey, InputChanges(before: previous.inputs, after: inputs).isEmpty,
      previous.inputs.count == inputs.count, OutputSnapshot.matches(previous.outputs, in: out)
    {
      // Up to date by the digests of what was opened, still there as it was.
      do { try files.verifyAll() } catch { throw refuse(RunExit.code(for: error), "\(error)", history: history) }
      record.status = .upToDate
      let id = try recordUpToDate(record, previous: previous, history: history)
      let message =
        "up to date: pipeline, options and all \(inputs.count) inputs unchanged since run \(previous.id) (finished \(previous.finished ?? "?")); nothing rewritten (--force runs anyway)"
      return .upToDate(run: id, previous: previous, message: message)
    }

    let id: Int64
    do {
      id = try history.begin(record)
    } catch {
      throw refuse(RunExit.output, "the run history cannot record the run: \(error)")
    }
    // Where this run's outcome goes when the history cannot take it at the
    // end: reserved now, while there is room.
    let slot = PendingOutcome.reserve(in: stateDir, run: id, outputDirectory: out)
    /// Records how the run ended; when the history cannot take it, in the
    /// reserved outcome file, for the next run to import.
    func finishFailed(_ status: RunRecord.Status, _ code: Int32, _ message: String, _ counts: RunRecord.Counts) {
      FaultPoint.reached("before-record")
      do {
        try history.finish(id, status: status, exitCode: Int(code), message: message, counts: counts, outputs: [])
        slot?.remove()
      } catch {
        if slot?.fill(status: status, exitCode: Int(code), message: message, counts: counts) == true {
          logger.warning(
            "the run history could not record how run \(id) ended (\(error)); kept in \(slot!.path) for the next run to record")
        } else {
          logger.error("the run history could not record how run \(id) ended: \(error)")
        }
      }
    }
    logger.info("run \(id) started: \(job.pipeline), \(inputs.count) input files", metadata: ["run": "\(id)"])
    if let previous { describeInputChanges(since: previous, now: record) }

    let output: OutputDirectory
    do {
      output = try OutputDirectory(target: out, runID: id)
    } catch {
      logger.error("\(error)")
      finishFailed(.failed, RunExit.output, "\(error)", .init())
      throw RunFailure(exitCode: RunExit.output, message: "\(error)", run: id)
    }
    let log = self.logger
    let context = RunContext(
      options: scanOptions, maxRejectShare: settings.maxRejectShare, output: output, pipeline: job.pipeline,
      log: { log.info("\($0)", metadata: ["run": "\(id)"]) }, files: files)
    // Each `ReadCSV` of the run reads the set resolved and fingerprinted
    // above, not a new glob's.
    context.resolvedInputs = resolved
    // Per input file, what its scan gave, kept by its content's digest for
    // runs into this output directory.
    if settings.incremental {
      context.incremental = IncrementalStore(
        directory: Self.incrementalDirectory(state: stateDir, out: out),
        digests: Dictionary(inputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a }), full: settings.full,
        scope: Self.optionsKey(job, maxRejectShare: 0))
    }
    // Known from the start, so that what the job writes (the report's
    // cover and running header) can give the run's date.
    context.report.started = ISO8601DateFormatter().string(from: started)
    // The volume guard's baseline: the last successful run of this
    // pipeline with these options, into whatever output directory (a new
    // --out does not reset it); for a history from before volumes were
    // kept, the report published in the output directory.
    let baseline = try? history.lastSuccessful(pipeline: job.pipeline, optionsKey: optionsKey)
    let baselineVolumes: [String: Int]?
    let baselineRun: Int64?
    if let b = baseline, !b.counts.volumes.isEmpty {
      (baselineVolumes, baselineRun) = (b.counts.volumes, b.id)
    } else {
      (baselineVolumes, baselineRun) = (PublishedReport.read(in: out)?.volumes, previous?.id)
    }
    // The data-quality facts: the run, and the volume it is compared with.
    context.report.quality.run = id
    context.report.quality.date = ISO8601DateFormatter().string(from: started)
    context.volumeBaseline = (baselineVolumes == nil ? nil : baselineRun, baselineVolumes)
    let (stagingPath, publishedPath, previousRun) = (output.staging.path, output.target.path, previous?.id)
    context.revisionsFinder = {
      Revisions.compare(staging: stagingPath, published: publishedPath, previous: previousRun)
    }
    do {
      onContext(context)
      defer { onContext(nil) }
      try job.body(context)
      // What was read is what was fingerprinted: every input unchanged
      // since it was opened.
      try files.verifyAll()
      // The kept states no run needs any more, removed; their size told.
      if let store = context.incremental, context.report.incremental != nil {
        context.report.incremental = store.removeUnused()
        if let s = context.report.incremental {
          for note in s.setAside + s.notes { logger.warning("\(note)", metadata: ["run": "\(id)"]) }
          logger.info(
            "incremental: \(s.reusedFiles) files reused, \(s.scannedFiles) scanned; states kept: \(s.stateBytes) bytes (\(String(format: "%.1f", s.stateShare * 100)) % of the input's), \(s.removedStates) removed",
            metadata: ["run": "\(id)"])
        }
      }
      try VolumeGuard.check(
        now: context.report, previousVolumes: baselineVolumes, previousRun: baselineRun,
        acceptDrop: settings.acceptDrop)
      if context.report.quality.revisions == nil {
        context.report.quality.revisions = Revisions.compare(
          staging: output.staging.path, published: output.target.path, previous: previous?.id)
      }
      try writeReport(context, output: output, started: started, status: "ok", message: nil)
      FaultPoint.reached("before-publish")
      try output.publish()
      FaultPoint.reached("after-publish")
    } catch {
      let code = RunExit.code(for: error)
      try? writeReport(context, output: output, started: started, status: "failed", message: "\(error)")
      let kept = output.keepAsFailed()
      logger.error("\(error)", metadata: ["run": "\(id)"])
      logger.error(
        "the previous outputs in \(settings.outputDirectory) are untouched; this run's rejects and report are in \(kept ?? output.staging.path)"
      )
      // An input that moved under the run: refused, as one found changed
      // before the run would have been.
      let changed = ((error as? StageError)?.underlying ?? error) is InputChanged
      finishFailed(changed ? .refused : .failed, code, "\(error)", Self.counts(context.report))
      throw RunFailure(exitCode: code, message: "\(error)", run: id, counts: Self.counts(context.report))
    }

    // Published: an earlier failure's rejects and report are superseded.
    switch output.removeFailed() {
    case .none: break
    case .removed(let path, let failedRun):
      logger.info("removed \(path)\(failedRun.map { ", left by run \($0) that failed" } ?? ""): run \(id) published")
    case .leftAlone(let path, let why):
      logger.warning("left \(path) alone: \(why)")
    }
    // Published: record what was written, and what changed.
    do {
      let snapshot = try OutputSnapshot.take(out)
      try history.finish(
        id, status: .ok, exitCode: 0, message: nil, counts: Self.counts(context.report), outputs: snapshot.outputs,
        contents: snapshot.contents)
      slot?.remove()
      if let previous, let now = try history.run(id) {
        describeOutputChanges(try RunDiff(previous, now, history: history), since: previous.id, now: id)
      }
    } catch {
      logger.warning("the outputs are published, but the run history could not record them: \(error)")
    }
    let summary = Self.summary(
      context.report, kinds: Dictionary(inputKinds.map { ($0.path, $0.kind) }, uniquingKeysWith: { a, _ in a }))
    return .published(run: id, report: context.report, summary: summary)
  }

  /// Every input file, absolute, in order, with its kind; a file named
  /// twice counts once. Patterns with a set in `resolved` take it; the
  /// others are resolved as `ReadCSV` resolves them, and their sets added
  /// to `resolved`.
  static func resolve(
    _ inputs: [(kind: String, patterns: [String])], into resolved: inout PipelineInputs
  ) throws -> [(path: String, kind: String)] {
    var out: [(path: String, kind: String)] = []
    for input in inputs where !input.patterns.isEmpty {
      let paths = try resolved.paths(for: input.patterns) ?? ReadCSV(input.patterns).resolve().paths
      resolved.add(input.patterns, paths: paths)
      for p in paths {
        let absolute = URL(fileURLWithPath: p).standardizedFileURL.path
        if !out.contains(where: { $0.path == absolute }) { out.append((absolute, input.kind)) }
      }
    }
    return out
  }

  /// "claims: 4140624 records accepted, 120 rejected, 7 empty lines
  /// skipped; ydere: 57 accepted, ...": one count per kind of input.
  public static func summary(_ report: RunReport, kinds: [String: String]) -> String {
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

  /// The options that shape the outputs, as canonical JSON, with the
  /// pipeline and the reject share. Threads and chunk size are left out:
  /// they never change an output byte.
  /// Where the kept states of runs into `out` live: the state directory's
  /// `lunapipe-incremental/`, one folder per output directory (its name and
  /// a hash of its path).
  static func incrementalDirectory(state: String, out: String) -> String {
    let bytes = Array(out.utf8)
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    let name = (out as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    return state + "/lunapipe-incremental/" + String(name.prefix(40)) + "-" + String(h, radix: 16)
  }

  static func optionsKey(_ job: RunJob, maxRejectShare: Double) -> String {
    var key = job.options
    key["pipeline"] = job.pipeline
    key["maxRejectShare"] = String(maxRejectShare)
    let data = (try? JSONSerialization.data(withJSONObject: key, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  /// Marks the runs of `out` that never finished as interrupted, and where
  /// one of them had already published (killed between the swap and its
  /// record), records it as it ended: `ok`, with the outputs on disk.
  private func reconcile(_ history: RunHistory, out: String) throws {
    let interrupted = try history.markInterrupted(outputDirectory: out)
    var published: Int64?
    if case .lunapipe(let runID) = OutputDirectory.ownership(of: out) { published = runID }
    for id in interrupted where id != published {
      logger.warning("run \(id) into \(out) did not finish (killed?); recorded as interrupted")
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
      logger.warning(
        "run \(published) into \(out) was killed after it published its outputs; recorded as ok with the outputs found there")
    }
  }

  private func recordUpToDate(_ record: RunRecord, previous: RunRecord, history: RunHistory) throws -> Int64 {
    do {
      let id = try history.begin(record)
      try history.finish(
        id, status: .upToDate, exitCode: 0, message: "nothing changed since run \(previous.id)",
        counts: previous.counts, outputs: previous.outputs)
      return id
    } catch {
      logger.error("\(error)")
      throw RunFailure(exitCode: RunExit.output, message: "\(error)")
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
    if parts.isEmpty {
      parts.append(settings.force ? "nothing changed; --force" : "outputs in \(now.outputDirectory) differ from the recorded ones")
    }
    logger.info("since run \(previous.id): \(parts.joined(separator: "; "))")
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
    logger.info("since run \(previousID): \(text); `lunapipe diff \(previousID) \(id)` shows the cells")
  }

  static func counts(_ r: RunReport) -> RunRecord.Counts {
    var c = RunRecord.Counts()
    c.read = r.totals.read
    c.accepted = r.totals.accepted
    c.rejected = r.totals.rejected
    c.skipped = r.totals.skippedEmpty
    c.rejectsByRule = r.rejectsByRule
    c.volumes = r.volumes
    return c
  }

  /// Keeps the outcome of an attempt the history could not record in the
  /// state directory (`PendingOutcome`), for the next run to record.
  private func keepOutcome(
    of record: RunRecord, status: RunRecord.Status, exitCode: Int32, message: String, historyError: Error
  ) {
    var r = record
    r.status = status
    r.exitCode = Int(exitCode)
    r.message = message
    r.finished = RunHistory.now()
    if PendingOutcome.write(in: settings.state, record: r) {
      logger.warning(
        "the run history could not record this attempt (\(historyError)); kept in \(settings.state) for the next run to record")
    } else {
      logger.warning("the run history could not record this attempt: \(historyError)")
    }
  }

  private func writeReport(
    _ context: RunContext, output: OutputDirectory, started: Date, status: String, message: String?
  ) throws {
    let fmt = ISO8601DateFormatter()
    _ = context.reportWithQuality()
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
