import Foundation

/// Stage: scans the validated records with `context.options.threads`
/// Dispatch workers and aggregates them.
///
/// Each worker parses a chunk with its own libcsv parser, validates it and
/// folds it into a partial aggregate; partials join the shared result with
/// order-free integer sums and set unions, so the result is the same for any
/// number of threads. Fails with `PipelineError.rejectThreshold` when the
/// share of rejected records passes `context.maxRejectShare`.
public struct Aggregate: Stage {
  public let label = "aggregate"
  public var aggregation: Aggregation
  public init(_ aggregation: Aggregation) { self.aggregation = aggregation }

  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> AggregateResult {
    let bound = try BoundAggregation(aggregation, schema: input.schema)
    let shared = SharedAggregate(bound: bound)
    let scan = ParallelScan(
      schema: input.schema, options: context.options,
      makeConsumer: { PartialAggregate(shared: shared) },
      onReject: { try context.reject($0) },
      log: { context.log($0) })
    let files = try scan.run(paths: input.files.paths)
    try context.closeRejects()
    context.report.add(files)
    let t = context.report.totals
    context.log(
      "read \(t.read) records: \(t.accepted) accepted, \(t.rejected) rejected, \(t.skippedEmpty) empty lines skipped"
    )
    if context.report.rejectShare > context.maxRejectShare {
      let top = context.report.rejectsByRule.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        .prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
      let share = String(format: "%.2f", context.report.rejectShare * 100)
      let allowed = String(format: "%.2f", context.maxRejectShare * 100)
      throw PipelineError.rejectThreshold(
        "\(share)% of records were rejected (\(t.rejected) of \(t.accepted + t.rejected)), above the allowed \(allowed)%; most frequent rules: \(top). See rejects.csv."
      )
    }
    return AggregateResult(aggregation: aggregation, shared: shared)
  }
}

extension Pipeline where Output == ValidatedRecords {
  public func aggregate(_ aggregation: Aggregation) -> Pipeline<Input, AggregateResult> {
    then(Aggregate(aggregation))
  }
}
