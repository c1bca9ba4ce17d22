import Foundation

/// Everything a run shares between its stages: options, the output
/// directory being built, the rejects output, the report, the log.
public final class RunContext: @unchecked Sendable {
  /// How the run's scans read: threads, chunk size, a forced delimiter or
  /// number format.
  public let options: ScanOptions
  /// Above this share of rejected records (of accepted + rejected) the run
  /// fails and publishes nothing.
  public let maxRejectShare: Double
  /// Where outputs are written before they are published; nil for a run
  /// that writes nothing (a test inspecting results in memory, say).
  public let output: OutputDirectory?
  /// The run report being filled in: stages append their timings, scans their
  /// files, counts and notes. Written as `run-report.json` by whoever
  /// publishes the outputs.
  public var report: RunReport
  /// What the data-quality facts compare the run's volume with
  /// (`reportWithQuality()`): the last successful run's id and volumes
  /// (nil, nil: there is none), set by a runner; nil outside one (no
  /// comparison is made).
  public var volumeBaseline: (run: Int64?, volumes: [String: Int]?)?
  /// How the data-quality facts (`reportWithQuality()`) find the revisions
  /// of closed years: what the run has written so far (its `tables/`)
  /// against the outputs last published into the same directory; set by a
  /// runner, nil outside one. Over the same inputs it finds none.
  public var revisionsFinder: (@Sendable () -> DataQuality.Revisions?)?
  /// Bytes read so far, for a progress display.
  public let progress = ScanProgress()
  /// The run's input files, each opened once: the scans and small-file
  /// readers open their files through it, and a runner fingerprints them
  /// through it, so what is recorded is what is read.
  public let files: InputFiles
  /// True in a dry run (`Pipeline.validate(options:)`): stages do their
  /// preparation (resolve files, bind columns to the schema) and the first
  /// read of an input (`scan`, `readTextRecords`) stops the run instead.
  /// A dry context has no output directory, writes no rejects, and starts
  /// no side work (`SideWork`). A stage with effects of its own before its
  /// first read skips them when this is set.
  public let dryRun: Bool
  /// Where the run's aggregations keep, per input file, what its scan
  /// gave, to scan only new and changed files next time
  /// (`IncrementalStore`); nil (the default): every file is scanned. A
  /// runner sets it unless told otherwise (`RunSettings.incremental`).
  public var incremental: IncrementalStore?
  /// The file sets the run's `ReadCSV` stages resolved. A dry run collects
  /// them; a runner sets those it fingerprinted on the real run's context,
  /// and each `ReadCSV` whose patterns have a set here takes it rather
  /// than globbing again. Empty by default: every `ReadCSV` globs.
  public var resolvedInputs = PipelineInputs()
  /// The labels of the stages running now, outermost first: a sub-stage
  /// (`run(_:_:label:)`) is timed as `parent/label`.
  var stagePath: [String] = []
  /// The side works started for this run and not yet taken, by their
  /// `SideWork`: the run's state, not the pipeline's.
  let sideWorks = SideWorkRuns()
  private let logHandler: (String) -> Void
  /// Set in a context that records what it is told, for the run's context
  /// to be told it later (`SideWork`): it writes nothing itself.
  let recording: ContextRecording?
  private var rejects: RejectWriter?
  /// `rejects.csv` was ended once already: a later input's rejects are
  /// appended to it.
  private var rejectsEnded = false

  /// A context for one run.
  ///
  /// - Parameters:
  ///   - options: how scans read (threads, chunk size, overrides).
  ///   - maxRejectShare: the largest share of rejected records (and lines) a
  ///     scan tolerates, 0...1; above it the scan throws
  ///     `PipelineError.rejectThreshold`.
  ///   - output: the directory being built, or nil to write nothing (rejects
  ///     are then not written either).
  ///   - pipeline: the pipeline's name in the run report.
  ///   - version: the pipeline's version in the run report.
  ///   - log: receives each progress message (stage timings, notes); by
  ///     default they are dropped.
  ///   - files: the input files, as opened (and fingerprinted) before the
  ///     run; by default none yet: each is opened when first read.
  public init(
    options: ScanOptions = ScanOptions(), maxRejectShare: Double = 0.01, output: OutputDirectory? = nil,
    pipeline: String = "custom", version: String = LunaPipeVersion.current,
    log: @escaping (String) -> Void = { _ in }, files: InputFiles = InputFiles()
  ) {
    self.files = files
    self.options = options
    self.maxRejectShare = maxRejectShare
    self.output = output
    self.logHandler = log
    self.recording = nil
    dryRun = false
    report = RunReport(
      pipeline: pipeline, version: version, threads: options.threads, maxRejectShare: maxRejectShare)
  }

  /// A context for work beside the run's stages (`SideWork`): the options,
  /// limits and resolved inputs of `run`, a report of its own, and everything it is told
  /// that touches the run (rejects, notes, log lines, the end of the
  /// rejects output, reject-share checks) recorded for
  /// `run.replay(_:)`, not written.
  init(recordingFor run: RunContext) {
    let recording = ContextRecording()
    files = run.files
    options = run.options
    maxRejectShare = run.maxRejectShare
    output = run.output
    logHandler = { recording.events.append(.log($0)) }
    self.recording = recording
    dryRun = run.dryRun
    resolvedInputs = run.resolvedInputs
    report = RunReport(
      pipeline: run.report.pipeline, version: run.report.version, threads: options.threads,
      maxRejectShare: maxRejectShare)
  }

  /// A context for a dry run of `pipeline` (`Pipeline.validate(options:)`):
  /// no output directory, nothing logged, inputs opened through files of
  /// its own (none is, the first read stops the run).
  init(dryRunWith options: ScanOptions, pipeline: String) {
    files = InputFiles()
    self.options = options
    maxRejectShare = 1
    output = nil
    logHandler = { _ in }
    recording = nil
    dryRun = true
    report = RunReport(
      pipeline: pipeline, version: LunaPipeVersion.current, threads: options.threads, maxRejectShare: 1)
  }

  /// Stops a dry run where it would read `what`; does nothing in a real run.
  func stopIfDry(before what: @autoclosure () -> String) throws {
    if dryRun { throw DryRunReachedRead(what: what()) }
  }

  /// Adds `notes` to the run report (not logging them).
  func addNotes(_ notes: [String]) {
    if let recording {
      recording.events += notes.map { .note($0) }
    } else {
      report.notes += notes
    }
  }

  /// Passes `message` to the run's log handler.
  public func log(_ message: String) { logHandler(message) }

  /// Writes a rejected record to `rejects.csv` in the output directory.
  func reject(_ r: RejectedRecord) throws {
    if dryRun { return }
    if let recording { return recording.events.append(.reject(r)) }
    guard let output else { return }
    if rejects == nil { rejects = try RejectWriter(path: output.path(for: "rejects.csv"), append: rejectsEnded) }
    try rejects!.write(r)
  }

  /// Where the rejects output stands now (opening it if needed).
  func rejectsMark() throws -> UInt64 {
    if dryRun { return 0 }
    if let recording { return UInt64(recording.events.count) }
    guard let output else { return 0 }
    if rejects == nil { rejects = try RejectWriter(path: output.path(for: "rejects.csv"), append: rejectsEnded) }
    return rejects!.mark()
  }

  /// Drops the rejects written after `mark`.
  func truncateRejects(to mark: UInt64) throws {
    if let recording {
      let m = Int(mark)
      recording.events = Array(recording.events[..<m]) + recording.events[m...].filter {
        if case .reject = $0 { return false }
        return true
      }
      return
    }
    try rejects?.truncate(to: mark)
  }

  /// Ends the rejects output (an empty one, header only, if none came).
  func closeRejects() throws {
    if dryRun { return }
    if let recording { return recording.events.append(.closeRejects) }
    guard let output else { return }
    if rejects == nil { rejects = try RejectWriter(path: output.path(for: "rejects.csv"), append: rejectsEnded) }
    try rejects!.close()
    rejects = nil
    rejectsEnded = true
  }
}

/// The engine's version.
public enum LunaPipeVersion {
  /// The engine's version string: the default pipeline version a run report
  /// records.
  public static let current = "0.1.0"
}
