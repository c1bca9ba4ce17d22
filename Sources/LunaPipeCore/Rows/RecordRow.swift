/// A typed row that makes itself from a record, by column name: the fast
/// way to typed rows. `records(as:)`, `asyncRecords(as:)`,
/// `forEachChunk(as:)` and `Record.decode(_:)` take it as they take any
/// `Decodable` type, and call `init(record:)` directly, without the
/// `Decoder` machinery (which costs a generic call and a container per
/// property):
///
///     struct Sale: RecordRow {
///       let state: String
///       let amount: Decimal
///       init(record r: Record) throws {
///         state = r.text("state") ?? ""
///         amount = r.decimal("amount") ?? 0
///       }
///     }
///
/// Before any input is read, `init(record:)` is called once on a record
/// whose values read as placeholders (`""`, 0, 2000-01-01): a column name
/// the records lack, or one read as what it is not, is then a
/// configuration error naming it.
public protocol RecordRow: Decodable {
  /// The row of `record` (a view valid during the call: copy what you
  /// keep, as `text(_:)` and the other accessors do).
  init(record: Record) throws
}

extension RecordRow {
  /// A `RecordRow` decodes from records only, through `init(record:)`.
  public init(from decoder: any Decoder) throws {
    guard let rows = decoder as? RowDecoder, let record = rows.record else {
      throw DecodingError.typeMismatch(
        Self.self,
        .init(codingPath: [], debugDescription: "a RecordRow is made from a record (init(record:)), not decoded from other data"))
    }
    try self.init(record: record)
  }
}
