/// Takes the validated records of a chunk, one at a time. The record is a
/// view valid only during the call.
public protocol RecordConsumer: AnyObject {
  func consume(_ record: Record)
}

/// The rules a field can break, by name as the rejects output shows them.
public enum FieldRule: Int, CaseIterable, Sendable {
  case empty, notANumber, outOfRange, unknownCode, zero, tooManyDecimals, notDigits, notAFlag
  case tooLong, controlCharacter, fieldCount

  public var name: String {
    switch self {
    case .empty: return "empty"
    case .notANumber: return "not-a-number"
    case .outOfRange: return "out-of-range"
    case .unknownCode: return "unknown-code"
    case .zero: return "zero"
    case .tooManyDecimals: return "too-many-decimals"
    case .notDigits: return "wrong-digits"
    case .notAFlag: return "not-a-flag"
    case .tooLong: return "too-long"
    case .controlCharacter: return "control-character"
    case .fieldCount: return "field-count"
    }
  }
}

/// A record that broke a rule, located within its chunk.
struct ChunkReject {
  /// 0-based among the chunk's non-empty records.
  var ordinal: Int
  /// Schema column, or -1 for the record as a whole.
  var column: Int
  /// `FieldRule.rawValue`, or `FieldRule.allCases.count + i` for record rule i.
  var rule: Int
}

/// A schema made ready for the hot path: flat arrays of plain values, so
/// reading a column's rule costs no reference counting.
final class CompiledSchema {
  enum Kind {
    case integer(lo: Int64, hi: Int64)
    case code(lo: Int64, allowed: UnsafeMutablePointer<Bool>, count: Int)
    case decimal(scale: Int)
    case digits(count: Int)
    case flag(yes: UInt8, no: UInt8)
    case text(maxLength: Int)
  }
  struct Col {
    var kind: Kind
    var required: Bool
    var nonZero: Bool
  }
  let cols: [Col]
  let rules: [RecordRule]
  let schema: Schema
  private var allocations: [UnsafeMutablePointer<Bool>] = []

  deinit { allocations.forEach { $0.deallocate() } }

  init(_ schema: Schema) {
    self.schema = schema
    rules = schema.rules
    var allocations: [UnsafeMutablePointer<Bool>] = []
    cols = schema.columns.map { c in
      let kind: Kind
      switch c.kind {
      case .integer(let r): kind = .integer(lo: r.lowerBound, hi: r.upperBound)
      case .code(let values):
        let lo = values.min() ?? 0
        let hi = values.max() ?? 0
        let count = Int(hi - lo) + 1
        let allowed = UnsafeMutablePointer<Bool>.allocate(capacity: count)
        allowed.initialize(repeating: false, count: count)
        for v in values { allowed[Int(v - lo)] = true }
        allocations.append(allowed)
        kind = .code(lo: lo, allowed: allowed, count: count)
      case .decimal(let s): kind = .decimal(scale: s)
      case .digits(let n): kind = .digits(count: n)
      case .flag(let y, let n): kind = .flag(yes: y.asciiValue ?? 0, no: n.asciiValue ?? 0)
      case .text(let m): kind = .text(maxLength: m)
      }
      return Col(kind: kind, required: c.required, nonZero: c.nonZero)
    }
    self.allocations = allocations
  }

  func ruleName(_ code: Int) -> String {
    code < FieldRule.allCases.count ? FieldRule(rawValue: code)!.name : rules[code - FieldRule.allCases.count].name
  }

  func columnName(_ col: Int, rule: Int) -> String {
    if col >= 0 { return schema.columns[col].name }
    if rule >= FieldRule.allCases.count { return rules[rule - FieldRule.allCases.count].column }
    return ""
  }
}

/// Decodes libcsv's fields into records of a schema, checks every rule, and
/// hands valid records to a consumer. One per worker; reset per chunk.
final class RecordDecoder: CSVFieldSink {
  private let compiled: CompiledSchema
  // Raw pointers, not arrays: reading an array property of a class in the
  // per-field path costs a retain and a release each time.
  private let cols: UnsafeMutablePointer<CompiledSchema.Col>
  private let colCount: Int
  private let rules: RuleSet
  private let values: UnsafeMutablePointer<Int64>
  private let keys: UnsafeMutablePointer<EntityKey>
  private let record: Record
  private let consumer: RecordConsumer

  // Per file.
  private var columnOfField: UnsafeMutablePointer<Int>
  private var columnOfFieldCapacity = 0
  private var fieldCount = 0
  private var numberFormat = NumberFormat.danish
  private var encoding = TextEncoding.utf8

  // Per record.
  private var fieldIndex = 0
  private var violationColumn = -1
  private var violationRule = -1
  private var previousWasCR = false

  // Per chunk.
  private(set) var records = 0
  private(set) var accepted = 0
  private(set) var emptyLines = 0
  private(set) var rejects: [ChunkReject] = []

  init(schema: CompiledSchema, consumer: RecordConsumer) {
    compiled = schema
    colCount = schema.cols.count
    cols = .allocate(capacity: max(colCount, 1))
    cols.initialize(from: schema.cols, count: colCount)
    rules = RuleSet(schema.rules)
    columnOfField = .allocate(capacity: 1)
    let n = max(schema.cols.count, 1)
    values = .allocate(capacity: n)
    keys = .allocate(capacity: n)
    keys.initialize(repeating: EntityKey(lo: 0, hi: 0), count: n)
    record = Record(values: values, keys: keys)
    self.consumer = consumer
  }

  deinit {
    cols.deinitialize(count: colCount)
    cols.deallocate()
    columnOfField.deallocate()
    values.deallocate()
    keys.deallocate()
  }

  func begin(layout: FileLayout) {
    fieldCount = layout.columnOfField.count
    if fieldCount > columnOfFieldCapacity {
      columnOfField.deallocate()
      columnOfField = .allocate(capacity: fieldCount)
      columnOfFieldCapacity = fieldCount
    }
    for (i, c) in layout.columnOfField.enumerated() { columnOfField[i] = c }
    numberFormat = layout.dialect.numberFormat
    encoding = layout.dialect.encoding
    records = 0
    accepted = 0
    emptyLines = 0
    rejects.removeAll(keepingCapacity: true)
    startRecord()
  }

  @inline(__always) private func startRecord() {
    fieldIndex = 0
    violationColumn = -1
    violationRule = -1
    for i in 0..<colCount { values[i] = Record.null }
  }

  @inline(__always) private func violate(_ col: Int, _ rule: FieldRule) {
    if violationRule < 0 {
      violationColumn = col
      violationRule = rule.rawValue
    }
  }

  override func field(_ bytes: UnsafeRawBufferPointer) {
    let fi = fieldIndex
    fieldIndex = fi + 1
    guard fi < fieldCount else { return }
    let col = columnOfField[fi]
    guard col >= 0, violationRule < 0 else { return }
    let c = cols[col]
    if bytes.count == 0 {
      if c.required { violate(col, .empty) }
      return
    }
    switch c.kind {
    case .integer(let lo, let hi):
      switch NumberParsing.integer(bytes, format: numberFormat) {
      case .success(let v):
        if v < lo || v > hi {
          violate(col, .outOfRange)
        } else if c.nonZero && v == 0 {
          violate(col, .zero)
        } else {
          values[col] = v
        }
      case .failure: violate(col, .notANumber)
      }
    case .code(let lo, let allowed, let count):
      switch NumberParsing.integer(bytes, format: numberFormat) {
      case .success(let v):
        let i = v - lo
        if i >= 0 && i < count && allowed[Int(i)] { values[col] = v } else { violate(col, .unknownCode) }
      case .failure: violate(col, .notANumber)
      }
    case .decimal(let scale):
      switch NumberParsing.decimal(bytes, scale: scale, format: numberFormat) {
      case .success(let v):
        if c.nonZero && v == 0 { violate(col, .zero) } else { values[col] = v }
      case .failure(.tooManyDecimals): violate(col, .tooManyDecimals)
      case .failure: violate(col, .notANumber)
      }
    case .digits(let count):
      if bytes.count != count {
        violate(col, .notDigits)
        return
      }
      var v: Int64 = 0
      for b in bytes {
        let d = b &- 48
        if d >= 10 {
          violate(col, .notDigits)
          return
        }
        v = v * 10 + Int64(d)
      }
      values[col] = v
    case .flag(let yes, let no):
      if bytes.count == 1 && (bytes[0] | 0x20) == (yes | 0x20) {
        values[col] = 1
      } else if bytes.count == 1 && (bytes[0] | 0x20) == (no | 0x20) {
        values[col] = 0
      } else {
        violate(col, .notAFlag)
      }
    case .text(let maxLength):
      var chars = 0
      var ascii = true
      for b in bytes {
        if b < 0x20 || b == 0x7F {
          violate(col, .controlCharacter)
          return
        }
        if b >= 0x80 { ascii = false }
        if b & 0xC0 != 0x80 || encoding == .windows1252 { chars += 1 }
      }
      if chars > maxLength {
        violate(col, .tooLong)
        return
      }
      values[col] = 0
      if ascii || encoding != .windows1252 {
        keys[col] = EntityKey.make(bytes)
      } else {
        // The same id must give the same key whichever encoding its file had.
        let utf8 = Transcoding.utf8(fromWindows1252: bytes)
        keys[col] = utf8.withUnsafeBytes { EntityKey.make($0) }
      }
    }
  }

  override func endRecord(terminator: Int32) {
    if fieldIndex == 0 {
      // A line end with no fields before it: the LF of a CRLF, an empty
      // line, or the end of the input.
      if terminator == 10 && previousWasCR {
        previousWasCR = false
      } else if terminator >= 0 {
        emptyLines += 1
        previousWasCR = terminator == 13
      }
      return
    }
    previousWasCR = terminator == 13
    let ordinal = records
    records += 1
    if violationRule < 0 && fieldIndex != fieldCount {
      violationColumn = -1
      violationRule = FieldRule.fieldCount.rawValue
    }
    if violationRule < 0, let i = rules.firstBroken(record) {
      violationColumn = compiled.schema.index(of: compiled.rules[i].column) ?? -1
      violationRule = FieldRule.allCases.count + i
    }
    if violationRule < 0 {
      accepted += 1
      consumer.consume(record)
    } else {
      rejects.append(ChunkReject(ordinal: ordinal, column: violationColumn, rule: violationRule))
    }
    startRecord()
  }
}

/// A schema's record rules behind one object, so that the per-record check
/// touches no array of closures.
final class RuleSet {
  private let check: (Record) -> Int?
  private let isEmpty: Bool
  init(_ rules: [RecordRule]) {
    isEmpty = rules.isEmpty
    let holds = rules.map(\.holds)
    check = { r in
      for i in 0..<holds.count where !holds[i](r) { return i }
      return nil
    }
  }
  @inline(__always) func firstBroken(_ r: Record) -> Int? { isEmpty ? nil : check(r) }
}
