/// Files paired with the schema their records must keep. Nothing is read
/// yet: the aggregation that consumes them drives the scan, so that parsing,
/// validation and aggregation of a chunk happen together on one worker.
public struct ValidatedRecords: Sendable {
  /// The files to read.
  public var files: CSVFiles
  /// The schema every record must keep, with the rules stages such as
  /// `reject(_:column:where:)` added.
  public var schema: Schema
}

/// Stage: validates every record against `schema`; records that break a
/// rule go to `rejects.csv`, never vanish.
public struct Validate: Stage {
  /// Logs and errors name the stage `validate`.
  public let label = "validate"
  /// The records are checked in the scan of the stage that consumes them.
  public var deferredToScan: Bool { true }
  /// The schema records are checked against.
  public var schema: Schema
  /// Validation against `schema`.
  public init(_ schema: Schema) { self.schema = schema }

  /// Pairs `input` with the schema; reads nothing.
  public func run(_ input: CSVFiles, in context: RunContext) throws -> ValidatedRecords {
    ValidatedRecords(files: input, schema: schema)
  }
}

extension Pipeline where Output == CSVFiles {
  /// Appends ``Validate``: the files' records must keep `schema`; those that
  /// break it go to `rejects.csv` in the scan that consumes them.
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
  /// Logs and errors name the stage `reject`.
  public let label = "reject"
  /// The rule is checked in the scan of the stage that consumes the records.
  public var deferredToScan: Bool { true }
  /// The rule's name in `rejects.csv` and the run report's `rejectsByRule`.
  public var rule: String
  /// The column a rejected record is reported on.
  public var column: String
  /// The records to reject: every one the filter admits.
  public var filter: Aggregation.Filter

  /// Rejects the records `filter` admits, as `rule` on `column`.
  public init(_ rule: String, column: String, where filter: Aggregation.Filter) {
    self.rule = rule
    self.column = column
    self.filter = filter
  }

  /// Adds the rule to `input`'s schema. Throws `PipelineError.configuration`
  /// when the filter names a column the schema lacks or a value its column
  /// cannot hold, before anything is read.
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
