import Foundation

extension RunContext {
  /// Scans `input` with the run's options: each chunk's valid records go to
  /// a consumer made by `makeConsumer` (one per worker), rejects to
  /// `rejects.csv`, counts to the report. Fails when the reject share passes
  /// `maxRejectShare`.
  public func scan(_ input: ValidatedRecords, makeConsumer: @escaping () -> ChunkConsumer) throws {
    let scan = ParallelScan(
      schema: input.schema, options: options, makeConsumer: makeConsumer,
      onReject: { [unowned self] in try self.reject($0) },
      log: { [unowned self] in self.log($0) }, progress: progress)
    let files = try scan.run(paths: input.files.paths)
    try closeRejects()
    report.add(files)
    let t = report.totals
    log("read \(t.read) records: \(t.accepted) accepted, \(t.rejected) rejected, \(t.skippedEmpty) empty lines skipped")
    if report.rejectShare > maxRejectShare {
      let top = report.rejectsByRule.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        .prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
      let share = String(format: "%.2f", report.rejectShare * 100)
      let allowed = String(format: "%.2f", maxRejectShare * 100)
      throw PipelineError.rejectThreshold(
        "\(share)% of records were rejected (\(t.rejected) of \(t.accepted + t.rejected)), above the allowed \(allowed)%; most frequent rules: \(top). See rejects.csv."
      )
    }
  }
}

/// Stage: reads and validates every record and keeps nothing but the
/// counts and the rejects: checking an extract before a run, and measuring
/// ingest alone.
public struct CheckRecords: Stage {
  public let label = "check"
  public init() {}

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
  public func check() -> Pipeline<Input, RunReport.Totals> { then(CheckRecords()) }
}
