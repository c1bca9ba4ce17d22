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
    try context.scan(input) { PartialAggregate(shared: shared) }
    return AggregateResult(aggregation: aggregation, shared: shared)
  }
}

extension Pipeline where Output == ValidatedRecords {
  public func aggregate(_ aggregation: Aggregation) -> Pipeline<Input, AggregateResult> {
    then(Aggregate(aggregation))
  }
}
