import Foundation

extension RunContext {
  /// Scans `input` with the run's options: each chunk's valid records go to
  /// a consumer made by `makeConsumer` (one per worker), rejects to
  /// `rejects.csv`, counts to the report. Fails when the share of rejected
  /// records, or of the lines they took, passes `maxRejectShare`.
  ///
  /// A file whose whole content shows another encoding than its start
  /// suggested is read again in that encoding: the scan starts over, after
  /// `restart` (which must drop what the consumers gathered) and with the
  /// rejects written so far dropped, so that no record counts twice.
  ///
  /// In a dry run (`dryRun`) it reads nothing: it stops the run, which
  /// `Pipeline.validate(options:)` takes as success.
  public func scan(
    _ input: ValidatedRecords, restart: () -> Void = {}, makeConsumer: @escaping () -> ChunkConsumer
  ) throws {
    try stopIfDry(before: input.files.paths.joined(separator: ", "))
    try scan(input, options: options, restart: restart, makeConsumer: makeConsumer)
  }

  /// `scan(_:restart:makeConsumer:)` with `options` for this scan alone
  /// (a lookup table's own dialect).
  func scan(
    _ input: ValidatedRecords, options: ScanOptions, restart: () -> Void = {},
    makeConsumer: @escaping () -> ChunkConsumer
  ) throws {
    // The lookup tables the records are joined to, read whole first.
    try LookupJoin.loadAll(input.schema, in: self)
    let mark = try rejectsMark()
    let (result, notes) = try collectScan(
      input.schema, paths: input.files.paths, options: options,
      restart: {
        try self.truncateRejects(to: mark)
        restart()
      },
      onReject: { [unowned self] in try self.reject($0) }, makeConsumer: makeConsumer)
    addNotes(notes)
    try closeRejects()
    try account(result)
    try checkRejectShare()
  }

  /// Scans `paths` (lookup tables loaded) and returns what the scan found,
  /// and the notes of files read again in another encoding (logged). The
  /// scan's rejects go to `onReject`, in file order; when a file is read
  /// again, `restart` must drop what the consumers gathered and the
  /// rejects given so far.
  func collectScan(
    _ schema: Schema, paths: [String], options: ScanOptions, restart: () throws -> Void,
    onReject: @escaping (RejectedRecord) throws -> Void, makeConsumer: @escaping () -> ChunkConsumer
  ) throws -> (ScanResult, notes: [String]) {
    var encodings: [String: TextEncoding] = [:]
    var notes: [String] = []
    while true {
      let scan = ParallelScan(
        schema: schema, options: options, files: files, makeConsumer: makeConsumer, onReject: onReject,
        log: { [unowned self] in self.log($0) }, progress: progress)
      do {
        return (try scan.run(paths: paths, encodings: encodings), notes)
      } catch let m as EncodingMismatch {
        for n in m.notes { log(n) }
        notes += m.notes
        encodings = m.encodings
        try restart()
      }
    }
  }

  /// Adds what a scan found to the report (files, counts, notes, volumes,
  /// records filtered, where its work went) and logs it; fails when a
  /// file's lines are not all accounted for. `scanned` is the number of
  /// files the scan read (by default all; fewer when kept states stood in
  /// for some, `IncrementalStore`).
  func account(_ result: ScanResult, scanned: Int? = nil) throws {
    report.add(result.files)
    addNotes(result.notes)
    for (k, n) in result.volumes { report.volumes[k, default: 0] += n }
    for (k, n) in result.filtered.sorted(by: { $0.key < $1.key }) {
      report.filtered = report.filtered ?? [:]
      report.filtered![k, default: 0] += n
      log("[filter \(k)] dropped \(n) records")
    }
    let shares = result.timing.shares
    func r3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
    report.scans.append(
      RunReport.ScanWork(
        files: scanned ?? result.files.count, workerSeconds: r3(result.timing.workerSeconds), parse: r3(shares.parse),
        validate: r3(shares.validate), aggregate: r3(shares.aggregate)))
    log(
      String(
        format: "scan work: %.2f s over %d thread(s): parse %.0f%%, validate %.0f%%, aggregate %.0f%% (sampled)",
        result.timing.workerSeconds, options.threads, shares.parse * 100, shares.validate * 100,
        shares.aggregate * 100))
    let t = report.totals
    log(
      "read \(t.read) records in \(t.lines) lines: \(t.accepted) accepted (\(t.acceptedLines) lines), \(t.rejected) rejected (\(t.rejectedLines) lines), \(t.skippedEmpty) empty lines skipped"
    )
    for f in result.files where f.lines != f.acceptedLines + f.rejectedLines + f.skippedEmpty {
      throw InvariantBroken(
        "\(f.path): \(f.lines) lines, but \(f.acceptedLines) in accepted and \(f.rejectedLines) in rejected records and \(f.skippedEmpty) empty: lines unaccounted for, nothing is published (a LunaPipe bug: please report it with the file)"
      )
    }
  }

  /// Fails when the share of rejected records, or of the lines they took,
  /// passes `maxRejectShare`: a reject that swallowed many lines cannot hide
  /// behind a small count of records.
  func checkRejectShare() throws {
    if let recording { return recording.events.append(.checkRejectShare(inputs: report.inputs.count)) }
    let t = report.totals
    let (share, unit, rejected, considered) =
      report.rejectedLineShare > report.rejectShare
      ? (report.rejectedLineShare, "lines", t.rejectedLines, t.acceptedLines + t.rejectedLines)
      : (report.rejectShare, "records", t.rejected, t.accepted + t.rejected)
    guard share > maxRejectShare else { return }
    let top = report.rejectsByRule.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
      .prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
    // Most rejects not numbers: the likeliest cause is the other decimal
    // mark, which is stated, never guessed.
    let notNumbers = report.rejectsByRule[FieldRule.notANumber.name] ?? 0
    let hint =
      2 * notNumbers > t.rejected
      ? " Most are not-a-number: if the files write numbers the other way, state it (Schema.numberFormat: .danish for 1.234,50, .plain for 1234.50)."
      : ""
    let (p, allowed) = Self.percents(share, above: maxRejectShare)
    // The smallest whole percent that lets this share pass.
    let enough = min(1, (share * 100).rounded(.up) / 100)
    throw PipelineError.rejectThreshold(
      "too many rejects: \(rejected) of \(considered) \(unit), \(p) % > \(allowed) % allowed; most frequent rules: \(top). See rejects.csv. If that many rejects are expected, raise the limit (--max-reject-share, maxRejectShare; now \(Self.plain(maxRejectShare))): --max-reject-share \(Self.plain(enough)) lets this run pass.\(hint)"
    )
  }

  /// `share` and `limit` in percent, the share with as few decimals as
  /// keep it apart from the limit, and no fewer than the limit's (at most
  /// 4): `1.2` and `1` for 1/83 above 1 %; `1.04` and `1` for 1.04 %, not
  /// `1.0` and `1`; `0.26` and `0.25`.
  static func percents(_ share: Double, above limit: Double) -> (share: String, limit: String) {
    func text(_ x: Double, _ decimals: Int) -> String {
      var s = String(format: "%.\(decimals)f", x * 100)
      if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
      }
      return s
    }
    let l = text(limit, 4)
    var d = max(1, l.split(separator: ".").dropFirst().first?.count ?? 0)
    while d < 4 && Double(text(share, d))! <= Double(l)! { d += 1 }
    return (text(share, d), l)
  }

  /// `x` as the shortest decimal that reads back as it (`0.01`, `0.5`).
  static func plain(_ x: Double) -> String { "\(x)" }
}

/// Stage: reads and validates every record and keeps nothing but the
/// counts and the rejects: checking an extract before a run, and measuring
/// ingest alone.
public struct CheckRecords: Stage {
  /// Logs and errors name the stage `check`.
  public let label = "check"
  /// The stage's time covers the whole scan: reading, parsing, validating.
  public var timedWork: String? { "read, parsed and validated in one scan" }
  /// The check stage; it takes no options.
  public init() {}

  /// Scans every record of `input`, writing rejects to `rejects.csv`, and
  /// returns the run's totals (of this and any earlier scan of the run).
  /// Throws `PipelineError.rejectThreshold` when the share of rejected
  /// records or lines passes `context.maxRejectShare`, and the scan's errors
  /// (`PipelineError.input` for a file that cannot be read).
  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> RunReport.Totals {
    try context.scan(input) { Discard() }
    return context.report.totals
  }

  private final class Discard: ChunkConsumer {
    func consume(_ record: Record) {}
    func endChunk() {}
  }
}

extension Pipeline where Output == ValidatedRecords {
  /// Appends ``CheckRecords``: reads and validates every record, keeps only the
  /// counts and the rejects.
  public func check() -> Pipeline<Input, RunReport.Totals> { then(CheckRecords()) }
}
