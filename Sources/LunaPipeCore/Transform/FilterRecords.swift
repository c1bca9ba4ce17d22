/// Stage: keeps the records a filter admits and drops the others, in the
/// scan, on its workers. Dropped records are valid: they are counted per
/// filter in the run report (`RunReport.filtered`), never as rejects, and
/// reach no stage after this one.
///
///     Pipeline("strikes")
///       .readCSV(["strikes.csv"])
///       .validate(schema)
///       .filter("damaging") { r in r.text("damage") != "none" }
///       .filter("recent", where: .greater("date", than: "1999-12-31") || .absent("date"))
public struct FilterRecords: Stage {
  /// Logs, errors and the run report name the stage `filter NAME`.
  public var label: String { "filter \(name)" }
  /// The filter is applied in the scan of the stage that consumes the
  /// records.
  public var deferredToScan: Bool { true }
  /// The filter's name in the run report's `filtered` counts.
  public let name: String
  /// The records to keep.
  public let filter: Aggregation.Filter

  /// Keeps the records `filter` admits.
  public init(_ name: String, where filter: Aggregation.Filter) {
    self.name = name
    self.filter = filter
  }

  /// Keeps the records for which `keep` returns true (see
  /// `Aggregation.Filter.matching(_:)`).
  public init(_ name: String, _ keep: @escaping @Sendable (Record) -> Bool) {
    self.init(name, where: .matching(keep))
  }

  /// Adds the filter to `input`'s scan. Throws
  /// `PipelineError.configuration`, before anything is read, when the
  /// filter names a column the records lack or a value its column cannot
  /// hold, or two filters share a name.
  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> ValidatedRecords {
    var out = input
    if input.schema.rules.contains(where: { if case .keep = $0.check { return $0.name == name } else { return false } }) {
      throw PipelineError.configuration("two filters are named \"\(name)\": the run report counts each by its name")
    }
    _ = try BoundAggregation.Filter(filter, for: label, schema: input.schema)
    out.schema.rules.append(RecordRule(name: name, column: "", check: .keep(filter)))
    return out
  }
}

extension Pipeline where Output == ValidatedRecords {
  /// Appends `FilterRecords(name, keep)`: keeps the records for which
  /// `keep` returns true.
  public func filter(_ name: String, _ keep: @escaping @Sendable (Record) -> Bool) -> Pipeline<Input, ValidatedRecords> {
    then(FilterRecords(name, keep))
  }
  /// Appends `FilterRecords(name, where: filter)`: keeps the records
  /// `filter` admits.
  public func filter(_ name: String, where filter: Aggregation.Filter) -> Pipeline<Input, ValidatedRecords> {
    then(FilterRecords(name, where: filter))
  }
}
