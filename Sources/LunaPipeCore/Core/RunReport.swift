/// What a run did, written as `run-report.json`.
public struct RunReport: Sendable, Codable {
  public struct Totals: Sendable, Codable, Equatable {
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    public var skippedEmpty = 0
    /// Physical lines after the headers, and those of accepted and rejected
    /// records: `lines == acceptedLines + rejectedLines + skippedEmpty`.
    public var lines = 0
    public var acceptedLines = 0
    public var rejectedLines = 0
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

  public var pipeline: String
  public var version: String
  /// "ok" or "failed".
  public var status = "ok"
  public var message: String?
  public var threads: Int
  public var inputs: [FileReport] = []
  public var totals = Totals()
  /// rejected / (accepted + rejected).
  public var rejectShare = 0.0
  /// rejectedLines / (acceptedLines + rejectedLines).
  public var rejectedLineShare = 0.0
  /// Accepted records by the schema's volume keys (`Schema.volumeKeys`),
  /// e.g. `"Aar=2023,Speciale=51": 812345`: what the volume guard compares
  /// with the last successful run's.
  public var volumes: [String: Int] = [:]
  public var maxRejectShare: Double
  public var rejectsByRule: [String: Int] = [:]
  public var outputs: [String] = []
  /// What the run wants a reader to know beyond the counts: tables skipped
  /// because an input was not given, rows recognised as aggregates.
  public var notes: [String] = []
  /// Each stage's wall time, in order.
  public var stages: [StageTiming] = []
  /// For each scan of records (which fuses reading, parsing, validating
  /// and aggregating), where its work went.
  public var scans: [ScanWork] = []
  public var started = ""
  public var finished = ""
  public var seconds = 0.0

  public struct StageTiming: Sendable, Codable {
    public var label: String
    public var seconds: Double
    /// What the time covers, when more or less than the label says.
    public var covers: String?
  }

  /// Where a scan's work went: the workers' seconds (summed over threads)
  /// and the shares of parsing (libcsv, finding records and lines),
  /// validating (decoding fields, checking rules) and aggregating (the
  /// consumers, merging chunk totals). The three run fused, record by
  /// record, so the shares are estimated: one field and one record in 64
  /// are timed.
  public struct ScanWork: Sendable, Codable {
    public var files: Int
    public var workerSeconds: Double
    public var parse: Double
    public var validate: Double
    public var aggregate: Double
  }

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
