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
  public var timedWork: String? { "read, parsed, validated and aggregated in one scan" }
  public var aggregation: Aggregation
  public init(_ aggregation: Aggregation) { self.aggregation = aggregation }

  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> AggregateResult {
    let bound = try BoundAggregation(aggregation, schema: input.schema)
    var shared = SharedAggregate(bound: bound)
    try context.scan(input, restart: { shared = SharedAggregate(bound: bound) }) { PartialAggregate(shared: shared) }
    try Self.checkExact(shared, aggregation)
    return AggregateResult(aggregation: aggregation, shared: shared)
  }

  /// Sums are exact 64-bit integers (øre for amounts). Fails when a sum
  /// passed that range, or when the magnitudes of the finest-grain sums add
  /// up beyond it (then a rollup could), rather than wrap silently.
  static func checkExact(_ shared: SharedAggregate, _ aggregation: Aggregation) throws {
    var column = shared.overflowedColumn
    if column == nil {
      var magnitude = [UInt64](repeating: 0, count: aggregation.sums.count)
      outer: for sums in shared.groups.values {
        for j in 0..<magnitude.count {
          let (x, o) = magnitude[j].addingReportingOverflow(sums[j].magnitude)
          magnitude[j] = x
          if o || x > UInt64(Int64.max) {
            column = j
            break outer
          }
        }
      }
    }
    if let j = column {
      let name = aggregation.sums[j]
      throw PipelineError.input(
        "the values of \(name) add up beyond what LunaPipe sums exactly (9,223,372,036,854,775,807 in the column's smallest unit, e.g. øre); the extracts hold impossible \(name) values: look for the largest ones"
      )
    }
  }
}

extension Pipeline where Output == ValidatedRecords {
  public func aggregate(_ aggregation: Aggregation) -> Pipeline<Input, AggregateResult> {
    then(Aggregate(aggregation))
  }
}
