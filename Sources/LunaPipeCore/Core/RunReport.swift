/// What a run did, written as `run-report.json`.
public struct RunReport: Sendable, Codable {
  /// The counts over every input of the run: `read == accepted + rejected +
  /// skippedEmpty` for records.
  public struct Totals: Sendable, Codable, Equatable {
    /// Records read after the headers, empty lines included.
    public var read = 0
    /// Records that kept every rule.
    public var accepted = 0
    /// Records rejected, each a line of `rejects.csv`.
    public var rejected = 0
    /// Empty lines, skipped.
    public var skippedEmpty = 0
    /// Physical lines after the headers, and those of accepted and rejected
    /// records: `lines == acceptedLines + rejectedLines + skippedEmpty`.
    public var lines = 0
    /// Physical lines of the accepted records.
    public var acceptedLines = 0
    /// Physical lines of the rejected records.
    public var rejectedLines = 0
    /// Totals of these counts (zero by default).
    public init(
      read: Int = 0, accepted: Int = 0, rejected: Int = 0, skippedEmpty: Int = 0, lines: Int = 0,
      acceptedLines: Int = 0, rejectedLines: Int = 0
    ) {
      self.read = read
      self.accepted = accepted
      self.rejected = rejected
      self.skippedEmpty = skippedEmpty
      self.lines = lines
      self.acceptedLines = acceptedLines
      self.rejectedLines = rejectedLines
    }
  }

  /// The pipeline's name (`RunContext`'s `pipeline`).
  public var pipeline: String
  /// The pipeline's version (`RunContext`'s `version`).
  public var version: String
  /// `ok` or `failed`.
  public var status = "ok"
  /// Why the run failed (the error as the command prints it); nil for a
  /// success.
  public var message: String?
  /// The scan's threads, the reading one among them (`ScanOptions.threads`).
  public var threads: Int
  /// What each input file held, in the order read.
  public var inputs: [FileReport] = []
  /// The counts over all inputs.
  public var totals = Totals()
  /// rejected / (accepted + rejected).
  public var rejectShare = 0.0
  /// rejectedLines / (acceptedLines + rejectedLines).
  public var rejectedLineShare = 0.0
  /// Accepted records by the schema's volume keys (`Schema.volumeKeys`),
  /// e.g. `"Aar=2023,Speciale=51": 812345`: what the volume guard compares
  /// with the last successful run's.
  public var volumes: [String: Int] = [:]
  /// Accepted records that no table of the run counts, by the same
  /// volume cells as `volumes` (`"Aar=2024,Speciale=51": 812`), and their
  /// number; nil for a pipeline that does not say (the praksisplan says:
  /// a year outside its tables' years, a speciale none of them counts).
  public var outsideTables: OutsideTables?
  /// The largest reject share the run allowed (`RunContext.maxRejectShare`).
  public var maxRejectShare: Double
  /// Rejected records per rule name, over all inputs.
  public var rejectsByRule: [String: Int] = [:]
  /// Valid records each filter stage dropped (`FilterRecords`), by the
  /// filter's name: counted, never rejects. Nil for a run with no filter.
  public var filtered: [String: Int]?
  /// What an incremental run reused, scanned and kept
  /// (`IncrementalStore`); nil for a run without kept states.
  public var incremental: Incremental?
  /// The files published, relative to the output directory, sorted;
  /// `run-report.json` among them. Set by whoever publishes.
  public var outputs: [String] = []
  /// What the run wants a reader to know beyond the counts: tables skipped
  /// because an input was not given, rows recognised as aggregates.
  public var notes: [String] = []
  /// The facts of the data-quality page (`DataQuality`).
  public var quality = DataQuality()
  /// Each stage's wall time, in order.
  public var stages: [StageTiming] = []
  /// For each scan of records (which fuses reading, parsing, validating
  /// and aggregating), where its work went.
  public var scans: [ScanWork] = []
  /// When the run started, ISO 8601 in UTC (`2026-11-27T02:00:01Z`); empty
  /// until the publisher sets it.
  public var started = ""
  /// When the run finished, as `started`.
  public var finished = ""
  /// The run's wall time in seconds, to the millisecond.
  public var seconds = 0.0

  /// Accepted records counted in no table: read, valid, and accounted for
  /// here rather than dropped without a word.
  public struct OutsideTables: Sendable, Codable, Equatable {
    /// Their number: the sum of `volumes`.
    public var records: Int
    /// Their number per volume cell, named as `RunReport.volumes` names
    /// them; only cells with records.
    public var volumes: [String: Int]

    /// `volumes` and their sum.
    public init(volumes: [String: Int]) {
      self.volumes = volumes
      records = volumes.values.reduce(0, +)
    }
  }

  /// One stage's wall time.
  public struct StageTiming: Sendable, Codable {
    /// The stage's label.
    public var label: String
    /// Its wall time in seconds, to the millisecond.
    public var seconds: Double
    /// What the time covers, when more or less than the label says.
    public var covers: String?
  }

  /// Where a scan's work went: the workers' seconds (summed over threads)
  /// and the shares of parsing (tokenizing, finding records and lines),
  /// validating (decoding fields, checking rules) and aggregating (the
  /// consumers, merging chunk totals). The three run fused, record by
  /// record, so the shares are estimated: one field and one record in 256
  /// are timed.
  public struct ScanWork: Sendable, Codable {
    /// The files the scan read (an incremental run's kept states stand in
    /// for the others: with none read, every share is 0).
    public var files: Int
    /// The workers' time, summed over threads, in seconds.
    public var workerSeconds: Double
    /// The share of `workerSeconds` that went to parsing, 0...1.
    public var parse: Double
    /// The share that went to validating, 0...1.
    public var validate: Double
    /// The share that went to aggregating, 0...1; the three add up to 1.
    public var aggregate: Double
  }

  /// An empty report of a run of `pipeline`: status `ok`, nothing read.
  public init(pipeline: String, version: String, threads: Int, maxRejectShare: Double) {
    self.pipeline = pipeline
    self.version = version
    self.threads = threads
    self.maxRejectShare = maxRejectShare
  }

  mutating func add(_ files: [FileReport]) {
    inputs += files
    for f in files {
      totals.read += f.read
      totals.accepted += f.accepted
      totals.rejected += f.rejected
      totals.skippedEmpty += f.skippedEmpty
      totals.lines += f.lines
      totals.acceptedLines += f.acceptedLines
      totals.rejectedLines += f.rejectedLines
      for (rule, n) in f.rejectsByRule { rejectsByRule[rule, default: 0] += n }
    }
    let considered = totals.accepted + totals.rejected
    rejectShare = considered == 0 ? 0 : Double(totals.rejected) / Double(considered)
    let lines = totals.acceptedLines + totals.rejectedLines
    rejectedLineShare = lines == 0 ? 0 : Double(totals.rejectedLines) / Double(lines)
  }
}
