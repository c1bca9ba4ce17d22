import Foundation

/// Stage: aggregates the validated records, in the scan that reads,
/// parses and validates them, with `context.options.threads` Dispatch
/// workers.
///
/// Each worker tokenizes a chunk (libcsv, or PlainSplitter where it holds no
/// quote), validates it and
/// folds it into a partial aggregate; partials join the shared result with
/// order-free integer sums, minima, maxima and set unions, so the result is
/// the same for any number of threads. Fails with
/// `PipelineError.rejectThreshold` when the share of rejected records
/// passes `context.maxRejectShare`.
public struct Aggregate: Stage {
  /// Logs and errors name the stage `aggregate`.
  public let label = "aggregate"
  /// The stage's time is the whole scan's: reading, parsing, validating and
  /// aggregating.
  public var timedWork: String? { "read, parsed, validated and aggregated in one scan" }
  /// What to aggregate.
  public var aggregation: Aggregation
  /// Aggregates the records as `aggregation` says.
  public init(_ aggregation: Aggregation) { self.aggregation = aggregation }

  /// Scans `input` and returns the aggregate at the finest grain.
  ///
  /// - Throws: `PipelineError.configuration` when the aggregation names a
  ///   column the schema lacks or measures a column it cannot (a sum of
  ///   text); `PipelineError.input` for an unreadable file or sums beyond
  ///   64 bits; `PipelineError.rejectThreshold` when too many records were
  ///   rejected.
  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> AggregateResult {
    try AggregateEach([aggregation]).run(input, in: context)[0]
  }
}

/// Stage: several aggregations of the same records, fed by one scan: each
/// record is read, parsed and validated once and handed to every
/// aggregation. Results in the order of the aggregations.
public struct AggregateEach: Stage {
  /// Logs and errors name the stage `aggregate`, as for one aggregation.
  public let label = "aggregate"
  /// The stage's time is the whole scan's, which feeds every aggregation.
  public var timedWork: String? {
    aggregations.count == 1
      ? "read, parsed, validated and aggregated in one scan"
      : "read, parsed and validated once, and aggregated \(aggregations.count) ways, in one scan"
  }
  /// The aggregations, each fed every accepted record.
  public var aggregations: [Aggregation]
  /// Aggregates the records every way `aggregations` says, in one scan.
  public init(_ aggregations: [Aggregation]) { self.aggregations = aggregations }

  /// Scans `input` once and returns one result per aggregation, in order;
  /// throws as ``Aggregate/run(_:in:)`` does.
  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> [AggregateResult] {
    let bound = try aggregations.map { try BoundAggregation($0, schema: input.schema) }
    var shared = bound.map { SharedAggregate(bound: $0) }
    var kept: [SharedAggregate]?
    if let store = context.incremental, !context.dryRun {
      do {
        kept = try scanIncrementally(input, bound: bound, store: store, in: context)
      } catch let e as StateNotKept {
        // Nothing of the run's report or rejects was given yet: scanned as
        // without kept states.
        store.update { $0.notes.append("a state could not be kept (\(e)): every file scanned, as without states") }
        context.report.incremental = store.summary
        context.log("incremental: a state could not be kept (\(e)); every file is scanned")
      }
    }
    if let kept {
      shared = kept
    } else {
      try context.scan(input, restart: { shared = bound.map { SharedAggregate(bound: $0) } }) {
        Self.consumer(adding: shared)
      }
    }
    for s in shared { try Self.checkExact(s) }
    return zip(aggregations, shared).map { AggregateResult(aggregation: $0, shared: $1) }
  }

  /// Sums are exact 64-bit integers (in the column's smallest unit). Fails
  /// when a sum passed that range, or when the magnitudes of the
  /// finest-grain sums add up beyond it (then a rollup could), rather than
  /// wrap silently.
  static func checkExact(_ shared: SharedAggregate) throws {
    let ops = shared.bound.slotOps
    var slot = shared.overflowedSlot
    if slot == nil {
      var magnitude = [UInt64](repeating: 0, count: ops.count)
      let width = shared.width
      let all = shared.groupSlots
      outer: for g in 0..<(all.count / width) {
        for j in 0..<ops.count where ops[j].kind == .sum {
          let (x, o) = magnitude[j].addingReportingOverflow(all[g * width + j].magnitude)
          magnitude[j] = x
          if o || x > UInt64(Int64.max) {
            slot = j
            break outer
          }
        }
      }
    }
    if let j = slot, j < ops.count {
      let name = shared.bound.schema.columns[ops[j].column].name
      throw PipelineError.input(
        "the values of \(name) add up beyond what LunaPipe sums exactly (9,223,372,036,854,775,807 in the column's smallest unit); the files hold impossible \(name) values: look for the largest ones"
      )
    }
  }
}

/// Hands each record to several consumers: several aggregations fed by one
/// scan.
final class FanOut: ChunkConsumer {
  private let consumers: [PartialAggregate]
  // The same, unretained, for the per-record path: looping over the array
  // retained and released each element for every record.
  private let unmanaged: UnsafeMutableBufferPointer<Unmanaged<PartialAggregate>>
  init(_ consumers: [PartialAggregate]) {
    self.consumers = consumers
    unmanaged = .allocate(capacity: consumers.count)
    _ = unmanaged.initialize(from: consumers.map { Unmanaged.passUnretained($0) })
  }
  deinit { unmanaged.deallocate() }
  func consume(_ record: Record) {
    for i in 0..<unmanaged.count { unmanaged[i]._withUnsafeGuaranteedRef { $0.consume(record) } }
  }
  func endChunk() {
    for c in consumers { c.endChunk() }
  }
  func takeLimitHit() -> LimitHit? {
    var first: LimitHit?
    for c in consumers {
      if let h = c.takeLimitHit(), first == nil { first = h }
    }
    return first
  }
}

extension Pipeline where Output == ValidatedRecords {
  /// Appends `Aggregate(aggregation)`.
  public func aggregate(_ aggregation: Aggregation) -> Pipeline<Input, AggregateResult> {
    then(Aggregate(aggregation))
  }

  /// Appends `AggregateEach(aggregations)`: all of them in one scan.
  public func aggregate(_ aggregations: [Aggregation]) -> Pipeline<Input, [AggregateResult]> {
    then(AggregateEach(aggregations))
  }
}
