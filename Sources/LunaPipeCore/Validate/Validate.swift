/// Files paired with the schema their records must keep. Nothing is read
/// yet: the aggregation that consumes them drives the scan, so that parsing,
/// validation and aggregation of a chunk happen together on one worker.
public struct ValidatedRecords: Sendable {
  public var files: CSVFiles
  public var schema: Schema
}

/// Stage: validates every record against `schema`; records that break a
/// rule go to `rejects.csv`, never vanish.
public struct Validate: Stage {
  public let label = "validate"
  /// The records are checked in the scan of the stage that consumes them.
  public var deferredToScan: Bool { true }
  public var schema: Schema
  public init(_ schema: Schema) { self.schema = schema }

  public func run(_ input: CSVFiles, in context: RunContext) throws -> ValidatedRecords {
    ValidatedRecords(files: input, schema: schema)
  }
}

extension Pipeline where Output == CSVFiles {
  public func validate(_ schema: Schema) -> Pipeline<Input, ValidatedRecords> { then(Validate(schema)) }
}

/// Stage: sends every record `filter` admits to the rejects, as `rule` on
/// `column` — a check of the pipeline's own beyond the schema's (a year
/// after the extract's, a test clinic). Like `Validate`, it describes work
/// the scan does: the rule joins the schema's, checked as each record is
/// validated, and counted in the run report and `rejects.csv` like any.
///
///     Pipeline("sales")
///       .readCSV(["sales/*.csv"])
///       .validate(schema)
///       .reject("future-date", column: "date", where: .greater("date", than: "2026-12-31"))
public struct RejectRecords: Stage {
  public let label = "reject"
  public var deferredToScan: Bool { true }
  public var rule: String
  public var column: String
  public var filter: Aggregation.Filter

  public init(_ rule: String, column: String, where filter: Aggregation.Filter) {
    self.rule = rule
    self.column = column
    self.filter = filter
  }

  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> ValidatedRecords {
    var out = input
    out.schema.rules.append(.rejecting(rule, column: column, where: filter))
    // Unknown columns and unreadable values fail here, before any reading.
    _ = try BoundAggregation.Filter(filter, for: "rule \(rule)", schema: out.schema)
    return out
  }
}

extension Pipeline where Output == ValidatedRecords {
  /// Appends `RejectRecords(rule, column:, where:)`.
  public func reject(_ rule: String, column: String, where filter: Aggregation.Filter) -> Pipeline<Input, ValidatedRecords> {
    then(RejectRecords(rule, column: column, where: filter))
  }
}
