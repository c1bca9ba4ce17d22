import Foundation

/// A small table to look values up in: its files and schema, read whole,
/// with the same reader as the records (rejects, encodings, dialect
/// detection and the run report alike), before the scan that uses it.
public struct LookupTable: Sendable {
  /// The table's files: paths or globs, as `readCSV` takes them.
  public var patterns: [String]
  /// The table's columns and rules.
  public var schema: Schema
  /// The table's dialect, as stated; what it leaves open is detected. The
  /// dialect stated for the records does not apply to the table.
  public var dialect: CSVDialect

  /// The table in the files `patterns` name, of `schema`.
  public init(_ patterns: [String], schema: Schema, dialect: CSVDialect = CSVDialect()) {
    self.patterns = patterns
    self.schema = schema
    self.dialect = dialect
  }
}

/// What a record whose key the lookup table lacks gets.
public enum LookupMissing: Sendable {
  /// It is rejected (`rejects.csv`) with this rule, on the first key
  /// column.
  case reject(String)
  /// The added columns are empty (absent) for it.
  case absent
  /// The added columns take these values, written as in the table's
  /// columns (`["state": "??"]`); a column not named is empty.
  case defaults([String: String])
}

/// Stage: joins each record to the one row of a small table whose key
/// columns equal the record's, and adds the row's columns to the record,
/// in the scan, on its workers. The table is read whole before the scan;
/// a key it holds twice is an input error (a lookup needs one row per
/// key). A record whose key is empty or not in the table gets what
/// `missing` says.
///
///     let airports = LookupTable(["airports.csv"], schema: Schema(columns: [
///       Column("iata", .text(maxLength: 4)), Column("state", .text(maxLength: 2)),
///     ]))
///     Pipeline("strikes")
///       .readCSV(["strikes.csv"])
///       .validate(schema)
///       .lookup("airport", in: airports, on: ["airport": "iata"], adding: ["state"],
///               missing: .reject("unknown-airport"))
public struct LookupColumns: Stage {
  /// Logs, errors and the run report name the stage `lookup NAME`.
  public var label: String { "lookup \(name)" }
  /// The table is read, and the records joined, in the scan of the stage
  /// that consumes the records.
  public var deferredToScan: Bool { true }
  /// The lookup's name.
  public let name: String
  /// The table.
  public let table: LookupTable
  /// The key: each record column with the table column it must equal.
  public let on: [(record: String, table: String)]
  /// The table's columns added to the records, under their own names.
  public let adding: [String]
  /// What a record whose key the table lacks gets.
  public let missing: LookupMissing

  /// Looks each record's `on` keys (record column → table column) up in
  /// `table`, adding its columns `adding`.
  public init(
    _ name: String, in table: LookupTable, on: KeyValuePairs<String, String>, adding: [String],
    missing: LookupMissing
  ) {
    self.name = name
    self.table = table
    self.on = on.map { (record: $0.key, table: $0.value) }
    self.adding = adding
    self.missing = missing
  }

  /// Adds the table's columns to `input`'s records. Throws
  /// `PipelineError.configuration`, before anything is read, when a
  /// column is unknown on either side, key columns differ in kind, an
  /// added column's name is taken, or a default cannot be read.
  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> ValidatedRecords {
    let join = try LookupJoin(self, records: input.schema)
    // The table's files, resolved as the records' are: a dry run
    // (`Pipeline.validate`) declares them among the pipeline's inputs, and
    // a run reads the set fingerprinted.
    join.files = try ReadCSV(table.patterns).run((), in: context)
    var out = input
    for c in join.addedColumns { try out.schema.addDerived(c, by: label) }
    let rule: String
    if case .reject(let r) = missing { rule = r } else { rule = "lookup-\(name)" }
    out.schema.rules.append(RecordRule(name: rule, column: on.first?.record ?? "", check: .lookup(join)))
    return out
  }
}

extension Pipeline where Output == ValidatedRecords {
  /// Appends `LookupColumns(name, in: table, on: on, adding: adding,
  /// missing: missing)`.
  public func lookup(
    _ name: String, in table: LookupTable, on: KeyValuePairs<String, String>, adding: [String],
    missing: LookupMissing = .reject("not-in-lookup")
  ) -> Pipeline<Input, ValidatedRecords> {
    then(LookupColumns(name, in: table, on: on, adding: adding, missing: missing))
  }
}

/// A lookup bound to the records' schema and the table's; the table's
/// rows once read (`load`), before the scan that uses them.
// Sendable by hand-over: `rows` is set once, before the scan, on the
// thread that starts it, and only read by the scan's workers.
final class LookupJoin: @unchecked Sendable {
  let stage: LookupColumns
  /// Each key's column in the table's schema, and whether keys compare
  /// as text.
  let tableKeys: [Int]
  let textKeys: [Bool]
  let tableAdded: [Int]
  let addedColumns: [Column]
  /// The defaults, in the stored form of each added column (nil: empty).
  let defaults: [(value: Int64, key: EntityKey)?]
  private(set) var rows: LookupRows?
  /// The table's files, resolved when the stage runs.
  var files: CSVFiles?

  init(_ stage: LookupColumns, records: Schema) throws {
    self.stage = stage
    let t = stage.table.schema
    func fail(_ why: String) -> PipelineError { .configuration("\(stage.label): \(why)") }
    guard !stage.on.isEmpty, stage.on.count <= LookupRows.maxKeys else {
      throw fail("a lookup joins on 1 to \(LookupRows.maxKeys) columns, not \(stage.on.count)")
    }
    var tableKeys: [Int] = []
    var textKeys: [Bool] = []
    for (r, c) in stage.on {
      guard let ri = records.index(of: r) else {
        throw fail("the records have no column \"\(r)\" (columns: \(records.columns.map(\.name).joined(separator: ", ")))")
      }
      guard let ti = t.index(of: c) else {
        throw fail("the table has no column \"\(c)\" (columns: \(t.columns.map(\.name).joined(separator: ", ")))")
      }
      let (a, b) = (Self.keyClass(records.columns[ri].kind), Self.keyClass(t.columns[ti].kind))
      guard a == b else {
        throw fail("\"\(r)\" holds \(a) and the table's \"\(c)\" \(b): keys must be of one kind to be equal")
      }
      guard t.columns[ti].required else {
        throw fail("the table's key column \"\(c)\" must be required (a row with an empty key could match nothing)")
      }
      tableKeys.append(ti)
      textKeys.append(a == "text")
    }
    var added: [Column] = []
    var tableAdded: [Int] = []
    for name in stage.adding {
      guard let ti = t.index(of: name) else {
        throw fail("the table has no column \"\(name)\" to add (columns: \(t.columns.map(\.name).joined(separator: ", ")))")
      }
      var c = t.columns[ti]
      c.aliases = []
      c.required = false
      c.isDerived = true
      added.append(c)
      tableAdded.append(ti)
    }
    var defaults: [(Int64, EntityKey)?] = Array(repeating: nil, count: added.count)
    if case .defaults(let given) = stage.missing {
      for (name, text) in given {
        guard let j = added.firstIndex(where: { HeaderName.normalize($0.name) == HeaderName.normalize(name) }) else {
          throw fail("a default for \"\(name)\", which the lookup does not add")
        }
        if case .text = added[j].kind {
          defaults[j] = (0, Array(text.utf8).withUnsafeBytes { EntityKey.make($0) })
        } else {
          let v = try BoundAggregation.storedValue(text, of: added[j], for: stage.label)
          defaults[j] = (v, EntityKey(lo: 0, hi: 0))
        }
      }
    }
    self.tableKeys = tableKeys
    self.textKeys = textKeys
    self.tableAdded = tableAdded
    addedColumns = added
    self.defaults = defaults
  }

  private static func keyClass(_ kind: Column.Kind) -> String {
    switch kind {
    case .integer, .code, .digits, .flag: return "whole numbers"
    case .decimal(let s): return "decimals of scale \(s)"
    case .date: return "dates"
    case .text: return "text"
    }
  }

  /// Reads the table whole, once per run.
  func load(in context: RunContext) throws {
    if rows != nil { return }
    let files = try self.files ?? ReadCSV(stage.table.patterns).run((), in: context)
    var options = context.options
    options.dialect = stage.table.dialect
    options.numberFormat = nil
    let collector = LookupCollector(keys: tableKeys, text: textKeys, added: tableAdded)
    context.log("[\(stage.label)] reading the table \(files.paths.joined(separator: ", "))")
    try context.scan(
      ValidatedRecords(files: files, schema: stage.table.schema), options: options,
      restart: { collector.reset() }, makeConsumer: { collector.consumer() })
    rows = try collector.rows(naming: stage.on.map(\.table), table: stage.table.patterns.joined(separator: ", "))
    context.log("[\(stage.label)] \(rows!.count) rows, keyed by \(stage.on.map(\.table).joined(separator: ", "))")
  }

  /// Loads every lookup `schema`'s rules hold.
  static func loadAll(_ schema: Schema, in context: RunContext) throws {
    for r in schema.rules {
      if case .lookup(let join) = r.check { try join.load(in: context) }
    }
  }
}

/// A lookup's table rows: the keys in an open-addressing index, and each
/// row's added values.
final class LookupRows {
  static let maxKeys = 4
  let width: Int
  let count: Int
  private let keys: UnsafeMutablePointer<EntityKey>
  private let slots: UnsafeMutablePointer<Int32>
  private let mask: Int
  /// Row-major: `addedWidth` values (and keys) per row.
  let values: UnsafeMutablePointer<Int64>
  let texts: UnsafeMutablePointer<EntityKey>
  let addedWidth: Int

  init(width: Int, keys: [EntityKey], values: [Int64], texts: [EntityKey], addedWidth: Int) throws {
    self.width = width
    self.addedWidth = addedWidth
    count = keys.count / width
    var capacity = 16
    while capacity < count * 2 { capacity <<= 1 }
    mask = capacity - 1
    self.keys = .allocate(capacity: max(keys.count, 1))
    self.keys.initialize(from: keys, count: keys.count)
    slots = .allocate(capacity: capacity)
    slots.initialize(repeating: -1, count: capacity)
    self.values = .allocate(capacity: max(values.count, 1))
    self.values.initialize(from: values, count: values.count)
    self.texts = .allocate(capacity: max(texts.count, 1))
    self.texts.initialize(from: texts, count: texts.count)
  }

  deinit {
    dense?.deallocate()
    keys.deallocate()
    slots.deallocate()
    values.deallocate()
    texts.deallocate()
  }

  @inline(__always) private func hash(_ k: UnsafePointer<EntityKey>) -> Int {
    var h: UInt64 = 0
    for i in 0..<width { h = (h &* 0x9E37_79B9_7F4A_7C15) ^ k[i].mixed }
    return Int(truncatingIfNeeded: h)
  }

  /// For one whole-number key whose values span at most 2^16: the row of
  /// each value `denseLow + i` at `dense[i]` (-1: none), so that a lookup
  /// is an index, not a hash. Built by `makeDense` once the rows are
  /// indexed.
  private(set) var dense: UnsafeMutablePointer<Int32>?
  private(set) var denseLow: Int64 = 0
  private(set) var denseCount = 0

  /// Builds `dense` when the key is one whole number of a small span.
  func makeDense(numeric: Bool) {
    guard width == 1, numeric, count > 0 else { return }
    var lo = Int64.max
    var hi = Int64.min
    for row in 0..<count {
      let v = Int64(bitPattern: keys[row].lo)
      lo = min(lo, v)
      hi = max(hi, v)
    }
    guard hi &- lo >= 0, hi &- lo < 1 << 16 else { return }
    denseLow = lo
    denseCount = Int(hi - lo) + 1
    let d = UnsafeMutablePointer<Int32>.allocate(capacity: denseCount)
    d.initialize(repeating: -1, count: denseCount)
    for row in 0..<count { d[Int(Int64(bitPattern: keys[row].lo) - lo)] = Int32(row) }
    dense = d
  }

  /// Indexes row `row`; returns the row already holding its key, if any.
  func insert(_ row: Int) -> Int? {
    let k = UnsafePointer(keys + row * width)
    var s = hash(k) & mask
    while slots[s] >= 0 {
      if equal(Int(slots[s]), k) { return Int(slots[s]) }
      s = (s + 1) & mask
    }
    slots[s] = Int32(row)
    return nil
  }

  @inline(__always) private func equal(_ row: Int, _ k: UnsafePointer<EntityKey>) -> Bool {
    let base = keys + row * width
    for i in 0..<width where base[i] != k[i] { return false }
    return true
  }

  /// The row whose key is `k` (`width` keys), or -1.
  @inline(__always) func find(_ k: UnsafePointer<EntityKey>) -> Int {
    var s = hash(k) & mask
    while true {
      let row = Int(slots[s])
      if row < 0 || equal(row, k) { return row }
      s = (s + 1) & mask
    }
  }

  /// Row `row`'s key as text, for messages.
  func keyText(_ row: Int, textKeys: [Bool]) -> String {
    (0..<width).map { i in
      let k = keys[row * width + i]
      return textKeys[i] ? "\"\(String(decoding: k.bytes, as: UTF8.self))\"" : String(Int64(bitPattern: k.lo))
    }.joined(separator: ", ")
  }
}

/// Gathers a lookup table's rows from the scan's workers.
final class LookupCollector: @unchecked Sendable {
  private let keyColumns: [Int]
  private let text: [Bool]
  private let added: [Int]
  private let lock = NSLock()
  private var keys: [EntityKey] = []
  private var values: [Int64] = []
  private var texts: [EntityKey] = []

  init(keys: [Int], text: [Bool], added: [Int]) {
    keyColumns = keys
    self.text = text
    self.added = added
  }

  func reset() {
    lock.lock()
    (keys, values, texts) = ([], [], [])
    lock.unlock()
  }

  func consumer() -> ChunkConsumer { Consumer(self) }

  final class Consumer: ChunkConsumer {
    let owner: LookupCollector
    var keys: [EntityKey] = []
    var values: [Int64] = []
    var texts: [EntityKey] = []
    init(_ owner: LookupCollector) { self.owner = owner }
    func consume(_ r: Record) {
      for (i, c) in owner.keyColumns.enumerated() {
        keys.append(owner.text[i] ? r.key(c) : EntityKey.number(r[c]))
      }
      for c in owner.added {
        values.append(r[c])
        texts.append(r.key(c))
      }
    }
    func endChunk() {
      owner.lock.lock()
      owner.keys += keys
      owner.values += values
      owner.texts += texts
      owner.lock.unlock()
      (keys, values, texts) = ([], [], [])
    }
  }

  /// The rows gathered, indexed; a key held twice is an input error.
  func rows(naming keyNames: [String], table: String) throws -> LookupRows {
    let rows = try LookupRows(
      width: keyColumns.count, keys: keys, values: values, texts: texts, addedWidth: added.count)
    var duplicates: [String] = []
    for row in 0..<rows.count {
      if let first = rows.insert(row) { duplicates.append(rows.keyText(first, textKeys: text)) }
    }
    if duplicates.isEmpty { rows.makeDense(numeric: text.count == 1 && !text[0]) }
    if !duplicates.isEmpty {
      let shown = Array(Set(duplicates)).sorted()
      throw PipelineError.input(
        "\(table): \(shown.count) key\(shown.count == 1 ? "" : "s") of \(keyNames.joined(separator: ", ")) stand in more than one row (\(shown.prefix(5).joined(separator: "; "))\(shown.count > 5 ? "; …" : "")): a lookup needs one row per key"
      )
    }
    return rows
  }
}

/// A lookup compiled for a scan: the records' key and added columns.
final class BoundLookup {
  // Raw pointers: an array property read per record costs a retain.
  private let keyColumns: UnsafeMutablePointer<Int>
  private let textKeys: UnsafeMutablePointer<Bool>
  private let keyCount: Int
  private let added: UnsafeMutablePointer<Int>
  private let addedCount: Int
  private let defaultValues: UnsafeMutablePointer<Int64>
  private let defaultKeys: UnsafeMutablePointer<EntityKey>
  private let rows: Unmanaged<LookupRows>
  private let owner: LookupRows
  private let rejects: Bool
  /// `LookupRows.dense`, when the key is one small whole number.
  private let denseRows: UnsafeMutablePointer<Int32>?
  private let denseLow: Int64
  private let denseCount: Int

  init(_ join: LookupJoin, schema: Schema) {
    let keys = join.stage.on.map { schema.index(of: $0.record) ?? 0 }
    keyCount = keys.count
    keyColumns = .allocate(capacity: keyCount)
    keyColumns.initialize(from: keys, count: keyCount)
    textKeys = .allocate(capacity: keyCount)
    textKeys.initialize(from: join.textKeys, count: keyCount)
    let addedColumns = join.addedColumns.map { schema.index(of: $0.name) ?? 0 }
    addedCount = addedColumns.count
    added = .allocate(capacity: max(addedCount, 1))
    added.initialize(from: addedColumns, count: addedCount)
    defaultValues = .allocate(capacity: max(addedCount, 1))
    defaultValues.initialize(from: join.defaults.map { $0?.value ?? Record.null }, count: addedCount)
    defaultKeys = .allocate(capacity: max(addedCount, 1))
    defaultKeys.initialize(from: join.defaults.map { $0?.key ?? EntityKey(lo: 0, hi: 0) }, count: addedCount)
    owner = join.rows!
    rows = Unmanaged.passUnretained(owner)
    (denseRows, denseLow, denseCount) = (owner.dense, owner.denseLow, owner.denseCount)
    if case .reject = join.stage.missing { rejects = true } else { rejects = false }
  }

  deinit {
    keyColumns.deallocate()
    textKeys.deallocate()
    added.deallocate()
    defaultValues.deallocate()
    defaultKeys.deallocate()
  }

  /// Adds the row's values to `r`; false when its key is missing and
  /// missing keys are rejected.
  @inline(never) func apply(_ r: Record) -> Bool {
    if let dense = denseRows {
      let v = r[keyColumns[0]]
      let d = v &- denseLow
      let row = v != Record.null && d >= 0 && d < denseCount ? Int(dense[Int(d)]) : -1
      return fill(r, row: row)
    }
    var probe = (EntityKey(lo: 0, hi: 0), EntityKey(lo: 0, hi: 0), EntityKey(lo: 0, hi: 0), EntityKey(lo: 0, hi: 0))
    let row: Int = withUnsafeMutableBytes(of: &probe) { raw in
      let k = raw.baseAddress!.assumingMemoryBound(to: EntityKey.self)
      for i in 0..<keyCount {
        let c = keyColumns[i]
        let v = r[c]
        if v == Record.null { return -1 }
        k[i] = textKeys[i] ? r.key(c) : EntityKey.number(v)
      }
      return rows._withUnsafeGuaranteedRef { $0.find(k) }
    }
    return fill(r, row: row)
  }

  /// Adds row `row`'s values to `r` (a missing key's when -1); false when
  /// the key is missing and missing keys are rejected.
  @inline(__always) private func fill(_ r: Record, row: Int) -> Bool {
    if row < 0 {
      if rejects { return false }
      for j in 0..<addedCount {
        r.values[added[j]] = defaultValues[j]
        r.keys[added[j]] = defaultKeys[j]
      }
      return true
    }
    rows._withUnsafeGuaranteedRef { t in
      let base = row * t.addedWidth
      for j in 0..<addedCount {
        r.values[added[j]] = t.values[base + j]
        r.keys[added[j]] = t.texts[base + j]
      }
    }
    return true
  }
}
