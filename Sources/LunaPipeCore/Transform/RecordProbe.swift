/// Checks the column names a closure over records reads before any input
/// is: the closure is called once on a record whose every value is empty
/// (read by name, as placeholders: ``, 0, 2000-01-01, see
/// `RecordColumns.probing`), and a name the schema lacks, or a column read
/// as what it is not, is a configuration error naming the stage and the
/// column.
///
/// A closure that returns before it reads a column (on an empty value,
/// say) is not fully checked here; the same mistake made during the scan
/// fails the scan with the same message.
enum RecordProbe {
  static func check(_ schema: Schema, stage: String, _ body: (Record) throws -> Void) throws {
    let n = max(schema.columns.count, 1)
    let values = UnsafeMutablePointer<Int64>.allocate(capacity: n)
    let keys = UnsafeMutablePointer<EntityKey>.allocate(capacity: n)
    let ordinal = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    values.initialize(repeating: Record.null, count: n)
    keys.initialize(repeating: EntityKey(lo: 0, hi: 0), count: n)
    ordinal.initialize(to: 0)
    defer {
      values.deallocate()
      keys.deallocate()
      ordinal.deallocate()
    }
    let columns = RecordColumns(schema)
    columns.stage = stage
    columns.probing = true
    try withExtendedLifetime(columns) {
      try body(Record(values: values, keys: keys, ordinalSlot: ordinal, columns: Unmanaged.passUnretained(columns)))
    }
    if let mistake = columns.mistake { throw PipelineError.configuration(mistake) }
  }
}
