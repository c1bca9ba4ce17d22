/// Stage: writes an aggregation's groups as tidy CSV into the run's output
/// directory — a header of the key and measure names, one line per group,
/// in the order of the key values, values written plainly (`123.45`,
/// `2023-01-31`; see `AggregateRows.csv`) — and passes the result on.
///
///     Pipeline("sales").readCSV(["sales.csv"]).validate(schema)
///       .aggregate(aggregation)
///       .emitRows("by-state.csv", by: ["state"])
public struct EmitRows: Stage {
  /// Logs and errors name the stage `emit-rows`.
  public let label = "emit-rows"
  /// The file's path within the output directory.
  public var file: String
  /// The keys to group by (a rollup of the aggregation's); nil: all.
  public var keys: [String]?

  /// Writes the groups of `keys` (nil: every key, the finest grain) to
  /// `file` in the output directory.
  public init(_ file: String, by keys: [String]? = nil) {
    self.file = file
    self.keys = keys
  }

  /// Writes the rows and returns `result` unchanged, so that further stages
  /// can emit other groupings of it; writes nothing when the run has no
  /// output directory.
  ///
  /// - Throws: `PipelineError.configuration` when `keys` names a key the
  ///   aggregation lacks; `PipelineError.output` when the file cannot be
  ///   written.
  public func run(_ result: AggregateResult, in context: RunContext) throws -> AggregateResult {
    let rows = try result.rows(by: keys)
    try context.output?.write(file, Array(rows.csv.utf8))
    return result
  }
}

extension Pipeline where Output == AggregateResult {
  /// Appends `EmitRows(file, by: keys)`.
  public func emitRows(_ file: String, by keys: [String]? = nil) -> Pipeline<Input, AggregateResult> {
    then(EmitRows(file, by: keys))
  }
}
