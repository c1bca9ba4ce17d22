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
