import Foundation
import LunaPipeCore

/// One run for `Runner`: which pipeline, what it reads, the options that
/// shape its outputs, and the work itself.
///
/// Made from a `Pipeline`, the job states no input twice: the runner
/// checks the pipeline before anything else (`Pipeline.validate(options:)`),
/// takes the files its `readCSV` stages resolve as the job's inputs,
/// fingerprints them, and the run reads exactly those.
///
///     let job = RunJob(salesPipeline, kind: "sales", options: ["region": "west"])
///
/// Or with the inputs stated beside an opaque body:
///
///     let job = RunJob(
///       pipeline: "sales", inputs: [.init(kind: "sales", patterns: ["data/sales-*.csv"])],
///       options: ["region": "west"]
///     ) { context in
///       _ = try Pipeline("sales").readCSV(["data/sales-*.csv"]).validate(schema)
///         .aggregate(aggregation).emitRows("sales.csv").run(in: context)
///     }
public struct RunJob {
  /// A kind of input and the files or globs that give it.
  public struct Input: Sendable {
    /// What the files are, in the run's summary (`sales: 120 records accepted, …`).
    public var kind: String
    /// The paths and globs of this kind, resolved as `readCSV` resolves them
    /// (a missing path or a glob matching nothing refuses the run, exit 66).
    public var patterns: [String]
    /// Input files of `kind` named by `patterns`.
    public init(kind: String, patterns: [String]) {
      self.kind = kind
      self.patterns = patterns
    }
  }

  /// The pipeline's name, as the run history records it.
  public var pipeline: String
  /// Every file the pipeline reads: fingerprinted before the run, and the
  /// run is up to date only while all of them are unchanged.
  public var inputs: [Input]
  /// The options that change what the pipeline writes (not threads or
  /// chunk sizes): a run with other options is never up to date.
  public var options: [String: String]
  /// The work: runs the pipeline in `context`, writing into
  /// `context.output`.
  public var body: (RunContext) throws -> Void
  /// For a job made from a pipeline: its dry run
  /// (`Pipeline.validate(options:)`), which the runner calls before it
  /// locks, fingerprints or records anything. The file sets it returns are
  /// inputs of the job (of kind `declaredKind`), read before `inputs`; nil
  /// for a job whose inputs are all stated.
  public var declaredInputs: ((ScanOptions) throws -> PipelineInputs)?
  /// The kind of the inputs `declaredInputs` gives, in the run's summary.
  public var declaredKind = "input"

  /// A job running `body` for `pipeline`, reading `inputs`, its outputs
  /// shaped by `options` (none by default).
  public init(
    pipeline: String, inputs: [Input], options: [String: String] = [:], body: @escaping (RunContext) throws -> Void
  ) {
    self.pipeline = pipeline
    self.inputs = inputs
    self.options = options
    self.body = body
  }

  /// A job running `pipeline`: the runner validates it before the lock
  /// (a misspelt column refuses the run, exit 78, nothing locked or
  /// recorded), and its inputs are the files its `readCSV` stages resolve,
  /// listed as `kind` in the summary, then `inputs` (files the pipeline
  /// reads otherwise: a register, a population, read by its stages).
  ///
  ///     let job = RunJob(BikeShare.pipeline(rides: rides), kind: "rides")
  ///
  /// - Parameters:
  ///   - pipeline: the pipeline; run in the runner's context, its output
  ///     dropped (its stages write the outputs).
  ///   - name: the name the run history records; the pipeline's name by
  ///     default.
  ///   - kind: what the files its `readCSV` stages read are.
  ///   - inputs: further inputs its stages read, stated.
  ///   - options: the options that shape its outputs.
  public init<Output>(
    _ pipeline: Pipeline<Void, Output>, name: String? = nil, kind: String = "input", inputs: [Input] = [],
    options: [String: String] = [:]
  ) {
    self.init(pipeline: name ?? pipeline.name, inputs: inputs, options: options) { context in
      _ = try pipeline.run(in: context)
    }
    declaredInputs = { try pipeline.validate(options: $0) }
    declaredKind = kind
  }
}

/// How `Runner` runs: where the outputs and the history go, and the knobs
/// of the scan and the guards.
public struct RunSettings: Sendable {
  /// The output directory, replaced atomically when a run succeeds.
  public var outputDirectory: String
  /// Where the run history (`lunapipe.sqlite`) lives; nil: the folder that
  /// holds `outputDirectory`.
  public var stateDirectory: String?
  /// Threads of the job's scans (`ScanOptions.threads`); never part
  /// of up-to-date: threads change no output byte. All cores by default.
  public var threads: Int
  /// Bytes per scan chunk (`ScanOptions.chunkSize`), 4 MiB by default.
  public var chunkSize: Int
  /// Above this share of rejected records (or lines) the run fails and
  /// publishes nothing.
  public var maxRejectShare: Double
  /// Run even when nothing changed since the last successful run.
  public var force: Bool
  /// Publish even when the volume guard sees a drop (`VolumeGuard`).
  public var acceptDrop: Bool
  /// The command line recorded in the history.
  public var arguments: [String]
  /// How long a write to the run history waits for another process
  /// holding it, in seconds (10 by default); past that, a run's outcome is
  /// kept in the state directory for the next run to record.
  public var historyWait: Double = 10
  /// The dialect of the job's scanned files as stated on the command line
  /// (`ScanOptions.dialect`); nothing stated by default: detected.
  public var dialect = CSVDialect()
  /// Keep, per input file, what its scan gave (in the state directory's
  /// `lunapipe-incremental/`), so that the next run scans only new and
  /// changed files, its outputs byte-identical to a full run's
  /// (`IncrementalStore`). On by default.
  public var incremental = true
  /// Scan every file, reusing no kept state (the states are kept anew).
  public var full = false

  /// Settings for runs into `outputDirectory`; by default the history
  /// beside it, all cores, 4 MiB chunks, a 1 % reject share, neither
  /// `force` nor `acceptDrop`, and this process's command line recorded.
  public init(
    outputDirectory: String, stateDirectory: String? = nil,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount, chunkSize: Int = 4 << 20,
    maxRejectShare: Double = 0.01, force: Bool = false, acceptDrop: Bool = false,
    arguments: [String] = CommandLine.arguments
  ) {
    self.outputDirectory = outputDirectory
    self.stateDirectory = stateDirectory
    self.threads = threads
    self.chunkSize = chunkSize
    self.maxRejectShare = maxRejectShare
    self.force = force
    self.acceptDrop = acceptDrop
    self.arguments = arguments
  }

  /// `outputDirectory`, absolute.
  public var out: String { URL(fileURLWithPath: outputDirectory).standardizedFileURL.path }

  /// `stateDirectory`, absolute, or the folder holding the output directory.
  public var state: String {
    stateDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
      ?? URL(fileURLWithPath: out).deletingLastPathComponent().path
  }
}

/// How a run ended, when it did not fail.
public enum RunOutcome: Sendable {
  /// Nothing changed since run `previous`: nothing was read or rewritten.
  case upToDate(run: Int64, previous: RunRecord, message: String)
  /// The outputs are published.
  case published(run: Int64, report: RunReport, summary: String)

  /// The run's id in the history.
  public var run: Int64 {
    switch self {
    case .upToDate(let id, _, _), .published(let id, _, _): return id
    }
  }
}

/// A run that was refused or failed: the exit code a scheduler should see
/// (sysexits(3), `RunExit`) and why. Already logged by the runner.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
  /// The exit code for the process: one of `RunExit`'s.
  public let exitCode: Int32
  /// Why, as logged.
  public let message: String
  /// The run's id in the history; nil when the attempt could not be
  /// recorded.
  public var run: Int64?
  /// What the run had counted when it failed (all zero for a run refused
  /// before it read anything).
  public var counts: RunRecord.Counts
  /// The message.
  public var description: String { message }

  /// A failure with this exit code and message, of run `run`, with the
  /// counts it had.
  public init(exitCode: Int32, message: String, run: Int64? = nil, counts: RunRecord.Counts = .init()) {
    self.exitCode = exitCode
    self.message = message
    self.run = run
    self.counts = counts
  }
}

/// Exit codes, sysexits(3)-style, so that a scheduler can tell them apart.
public enum RunExit {
  /// Published, or up to date.
  public static let ok: Int32 = 0
  /// Too many rejects, or the volume guard saw a drop.
  public static let data: Int32 = 65
  /// An input is missing, unusable or given twice.
  public static let input: Int32 = 66
  /// A LunaPipe bug (an invariant broke).
  public static let software: Int32 = 70
  /// Outputs or the history cannot be written, or the output directory is
  /// not LunaPipe's to replace.
  public static let output: Int32 = 73
  /// Another run is writing the same output directory.
  public static let busy: Int32 = 75
  /// The pipeline is configured wrongly.
  public static let configuration: Int32 = 78

  /// The exit code for an error a run raised.
  public static func code(for error: Error) -> Int32 {
    if let f = error as? RunFailure { return f.exitCode }
    let e = (error as? StageError)?.underlying ?? error
    if e is FingerprintError || e is InputChanged { return input }
    switch e as? PipelineError {
    case .rejectThreshold: return data
    case .input: return input
    case .output: return output
    case .configuration: return configuration
    case nil: return software
    }
  }
}
