import Foundation

/// An aggregation resolved against a schema: column indices, how each key's
/// value becomes its code in the packed 64-bit group key, and the measures
/// and filters as flat operations for the per-record path.
struct BoundAggregation: @unchecked Sendable {
  /// How a key column's value becomes its code.
  enum Code: UInt8 {
    /// Value − offset (codes, small integer ranges, digits, flags).
    case small
    /// A dictionary code: text, or numbers of a range too wide to pack.
    case text, number
    /// A part of a yyyymmdd date: year − first year, and so on.
    case year, quarter, month, day
  }

  struct KeyOp {
    var column: Int
    var code: Code
    var offset: Int64
    var shift: UInt64
    /// All ones in the key's field: the code of an absent value, above
    /// every value's.
    var null: UInt64
    /// The dictionary of a `.text` or `.number` key, else -1.
    var dictionary: Int
  }

  enum MeasureKind: UInt8 { case sum, count, min, max, distinct }

  struct MeasureOp {
    var kind: MeasureKind
    var column: Int
    /// The measure's filter: `filters[filterStart..<filterEnd]`.
    var filterStart: Int
    var filterEnd: Int
    /// For a distinct count: whether the column is text (its key is the
    /// entity) or a number (its value is).
    var text: Bool
  }

  /// The words of a `oneOfRange` filter, freed with the last filter that
  /// holds them.
  final class Bitmap {
    let words: UnsafeMutablePointer<UInt64>
    let count: Int
    init(words count: Int) {
      self.count = count
      words = .allocate(capacity: count)
      words.initialize(repeating: 0, count: count)
    }
    deinit { words.deallocate() }
  }

  enum FilterKind: UInt8 {
    case eq, ne, lt, le, gt, ge, textEq, textNe, oneOf, oneOfRange, textOneOf, present, absent
    /// Tests over other filters or a closure (`nested`, `closure`), not a
    /// column's value.
    case any, not, closure
  }

  struct FilterOp {
    var column: Int
    var kind: FilterKind
    var value: Int64 = 0
    var key = EntityKey(lo: 0, hi: 0)
    var numbers: Set<Int64> = []
    var keys: Set<EntityKey> = []
    /// `oneOfRange`: bit `v - value` is set for each admitted `v`, in
    /// `bitmapWords` words at `bits` (owned by `bitmap`, read through the
    /// raw pointer: an array read here retained its buffer per record).
    var bitmap: Bitmap?
    var bits: UnsafePointer<UInt64>?
    var bitmapWords: UInt64 = 0
    /// `any`: the filters of which one must hold; `not`: the one that must
    /// not.
    var nested: [Filter] = []
    /// `closure`: the test, kept alive by `closureBox` and called through
    /// `closureRef` (no reference counting per record).
    var closureBox: ClosureTest?
    var closureRef: Unmanaged<ClosureTest>?

    /// Whether `r` passes the `count` tests at `ops` (all of them). An
    /// absent value passes no comparison.
    @inline(__always)
    static func admits(_ r: Record, _ ops: UnsafePointer<FilterOp>, _ count: Int) -> Bool {
      for f in 0..<count {
        let op = ops + f
        let v = r[op.pointee.column]
        let ok: Bool
        switch op.pointee.kind {
        case .present: ok = v != Record.null
        case .absent: ok = v == Record.null
        case .any: ok = op.pointee.nested.contains { $0.admits(r) }
        case .not: ok = !op.pointee.nested[0].admits(r)
        case .closure: ok = op.pointee.closureRef!._withUnsafeGuaranteedRef { $0.test(r) }
        default:
          if v == Record.null { return false }
          switch op.pointee.kind {
          case .eq: ok = v == op.pointee.value
          case .ne: ok = v != op.pointee.value
          case .lt: ok = v < op.pointee.value
          case .le: ok = v <= op.pointee.value
          case .gt: ok = v > op.pointee.value
          case .ge: ok = v >= op.pointee.value
          case .textEq: ok = r.key(op.pointee.column) == op.pointee.key
          case .textNe: ok = r.key(op.pointee.column) != op.pointee.key
          case .oneOf: ok = op.pointee.numbers.contains(v)
          case .oneOfRange:
            let d = UInt64(bitPattern: v &- op.pointee.value)
            ok = d >> 6 < op.pointee.bitmapWords && op.pointee.bits![Int(d >> 6)] & (1 << (d & 63)) != 0
          case .textOneOf: ok = op.pointee.keys.contains(r.key(op.pointee.column))
          case .present, .absent, .any, .not, .closure: ok = true
          }
        }
        if !ok { return false }
      }
      return true
    }
  }

  /// A filter's closure behind a class, to be called unretained.
  final class ClosureTest {
    let test: @Sendable (Record) -> Bool
    init(_ test: @escaping @Sendable (Record) -> Bool) { self.test = test }
  }

  /// A bound filter behind a class, so a record rule's closure can hold it.
  final class Filter: @unchecked Sendable {
    let ops: UnsafeMutablePointer<FilterOp>
    let count: Int
    convenience init(_ filter: Aggregation.Filter, for owner: String, schema: Schema) throws {
      self.init(try BoundAggregation.bind(filter, for: owner, schema: schema))
    }
    init(_ bound: [FilterOp]) {
      count = bound.count
      ops = .allocate(capacity: max(count, 1))
      ops.initialize(from: bound, count: count)
    }
    deinit {
      ops.deinitialize(count: count)
      ops.deallocate()
    }
    func admits(_ r: Record) -> Bool { FilterOp.admits(r, ops, count) }
  }

  let aggregation: Aggregation
  let schema: Schema
  let keyOps: [KeyOp]
  /// Each key's display: how a code turns back into a `GroupValue`.
  let keyValueKinds: [ValueKind]
  let dictionaries: [KeyDictionary]
  /// The measures that live in a group's slots (sum, count, min, max), in
  /// the aggregation's order, and where each aggregation measure is:
  /// `measureSlot[m]` (≥ 0) or `-1 - distinctIndex`.
  let slotOps: [MeasureOp]
  let distinctOps: [MeasureOp]
  let measureSlot: [Int]
  let measureValueKinds: [ValueKind]
  let filters: [FilterOp]
  /// The aggregation's own filter (`Aggregation.filter`):
  /// `filters[0..<recordFilterEnd]`.
  let recordFilterEnd: Int
  let allSmall: Bool

  init(_ a: Aggregation, schema: Schema) throws {
    guard !a.keys.isEmpty else {
      throw PipelineError.configuration("an aggregation takes at least one key column")
    }
    aggregation = a
    self.schema = schema
    try Self.requireUnique(a.measureNames, "measures")
    var keyOps: [KeyOp] = []
    var kinds: [ValueKind] = []
    var dictionaries: [KeyDictionary] = []
    var bits: UInt64 = 0
    for k in a.keys {
      let i = try schema.requireIndex(of: k.column)
      let column = schema.columns[i]
      var op = KeyOp(column: i, code: .small, offset: 0, shift: bits, null: 0, dictionary: -1)
      // Codes 0...span and the absent code above them.
      var span: UInt64
      switch (column.kind, k.part) {
      case (.date(_, let years), let part):
        op.offset = Int64(years.lowerBound)
        let y = UInt64(years.upperBound - years.lowerBound + 1)
        switch part {
        case .value: (op.code, span, kinds) = (.day, y * 372 - 1, kinds + [.date])
        case .year: (op.code, span, kinds) = (.year, y - 1, kinds + [.number])
        case .quarter: (op.code, span, kinds) = (.quarter, y * 4 - 1, kinds + [.quarter])
        case .month: (op.code, span, kinds) = (.month, y * 12 - 1, kinds + [.month])
        }
      case (_, .year), (_, .quarter), (_, .month):
        throw PipelineError.configuration(
          "key \(k.name): \"\(k.column)\" is not a date column; only a date has a year, quarter or month")
      case (.text, _):
        (op.code, op.dictionary, span) = (.text, dictionaries.count, UInt64(UInt32.max - 1))
        dictionaries.append(KeyDictionary())
        kinds.append(.text)
      default:
        kinds.append(ValueKind(column))
        if let range = column.keyRange {
          op.offset = range.lowerBound
          span = UInt64(range.upperBound - range.lowerBound)
        } else {
          (op.code, op.dictionary, span) = (.number, dictionaries.count, UInt64(UInt32.max - 1))
          dictionaries.append(KeyDictionary())
        }
      }
      let width = UInt64(64 - (span + 1).leadingZeroBitCount)
      op.null = (1 << width) - 1
      bits += width
      keyOps.append(op)
    }
    guard bits <= 64 else {
      throw PipelineError.configuration(
        "the keys \(a.keyNames.joined(separator: ", ")) need \(bits) bits together, and at most 64 fit (a text key or a wide number takes 32, a code its range's bits): group by fewer keys, and roll the rest up after"
      )
    }
    self.keyOps = keyOps
    keyValueKinds = kinds
    self.dictionaries = dictionaries
    allSmall = keyOps.allSatisfy { $0.code == .small }

    var filters = try a.filter.map { try Self.bind($0, for: "the aggregation", schema: schema) } ?? []
    recordFilterEnd = filters.count
    var slotOps: [MeasureOp] = []
    var distinctOps: [MeasureOp] = []
    var measureSlot: [Int] = []
    var measureKinds: [ValueKind] = []
    for m in a.measures {
      let start = filters.count
      filters += try m.filter.map { try Self.bind($0, for: "measure \(m.name)", schema: schema) } ?? []
      var op = MeasureOp(kind: .count, column: -1, filterStart: start, filterEnd: filters.count, text: false)
      if let c = m.column {
        op.column = try schema.requireIndex(of: c)
      }
      let kind = op.column >= 0 ? schema.columns[op.column].kind : nil
      switch m.kind {
      case .count:
        measureKinds.append(.number)
      case .sum(let c):
        op.kind = .sum
        switch kind {
        case .text?, .date?:
          throw PipelineError.configuration("measure \(m.name): column \"\(c)\" is not a number and cannot be summed")
        default: measureKinds.append(ValueKind(schema.columns[op.column], sum: true))
        }
      case .min(let c), .max(let c):
        if case .text? = kind {
          throw PipelineError.configuration("measure \(m.name): column \"\(c)\" is text; minima and maxima are of numbers and dates")
        }
        if case .min = m.kind { op.kind = .min } else { op.kind = .max }
        measureKinds.append(ValueKind(schema.columns[op.column]))
      case .distinct:
        op.kind = .distinct
        if case .text? = kind { op.text = true }
        measureKinds.append(.number)
      }
      if op.kind == .distinct {
        measureSlot.append(-1 - distinctOps.count)
        distinctOps.append(op)
      } else {
        measureSlot.append(slotOps.count)
        slotOps.append(op)
      }
    }
    self.filters = filters
    self.slotOps = slotOps
    self.distinctOps = distinctOps
    self.measureSlot = measureSlot
    measureValueKinds = measureKinds
  }

  private static func requireUnique(_ names: [String], _ what: String) throws {
    var seen = Set<String>()
    for n in names where !seen.insert(n).inserted {
      throw PipelineError.configuration("two \(what) are named \"\(n)\": name one of them with `as:`")
    }
  }

  /// A filter's tests resolved to their columns and values in the columns'
  /// stored form; `owner` names what the filter belongs to in errors.
  static func bind(_ filter: Aggregation.Filter, for owner: String, schema: Schema) throws -> [FilterOp] {
    try filter.tests.map { try bind($0, for: owner, schema: schema) }
  }

  private static func bind(_ test: Aggregation.Filter.Test, for owner: String, schema: Schema) throws -> FilterOp {
    func fail(_ why: String) -> PipelineError { .configuration("the filter of \(owner): \(why)") }
    switch test {
    case .any(let filters):
      var op = FilterOp(column: 0, kind: .any)
      op.nested = try filters.map { try Filter($0, for: owner, schema: schema) }
      return op
    case .not(let filter):
      var op = FilterOp(column: 0, kind: .not)
      op.nested = [try Filter(filter, for: owner, schema: schema)]
      return op
    case .closure(let test):
      try RecordProbe.check(schema, stage: "the filter of \(owner)") { _ = test($0) }
      var op = FilterOp(column: 0, kind: .closure)
      let box = ClosureTest(test)
      op.closureBox = box
      op.closureRef = Unmanaged.passUnretained(box)
      return op
    case .present(let c): return FilterOp(column: try schema.requireIndex(of: c), kind: .present)
    case .absent(let c): return FilterOp(column: try schema.requireIndex(of: c), kind: .absent)
    case .compare(let c, let comparison, let operand):
      let i = try schema.requireIndex(of: c)
      if case .text = schema.columns[i].kind {
        guard comparison == .equal || comparison == .notEqual else {
          throw fail("\"\(c)\" is text: it can be equal or not equal to a value, not \(comparison.rawValue)")
        }
        return FilterOp(column: i, kind: comparison == .equal ? .textEq : .textNe, key: textKey(operand))
      }
      let v = try value(operand, of: schema.columns[i], fail: fail)
      let kind: FilterKind
      switch comparison {
      case .equal: kind = .eq
      case .notEqual: kind = .ne
      case .less: kind = .lt
      case .lessOrEqual: kind = .le
      case .greater: kind = .gt
      case .greaterOrEqual: kind = .ge
      }
      return FilterOp(column: i, kind: kind, value: v)
    case .oneOf(let c, let operands):
      let i = try schema.requireIndex(of: c)
      if case .text = schema.columns[i].kind {
        return FilterOp(column: i, kind: .textOneOf, keys: Set(operands.map(textKey)))
      }
      let numbers = Set(try operands.map { try value($0, of: schema.columns[i], fail: fail) })
      // Values within 64 Ki of each other (codes, years): a bit per value,
      // one load per test rather than a hash.
      if let lo = numbers.min(), let hi = numbers.max(), hi &- lo >= 0, hi &- lo < 1 << 16 {
        let bitmap = Bitmap(words: Int(hi - lo) / 64 + 1)
        for v in numbers { bitmap.words[Int(v - lo) / 64] |= 1 << UInt64((v - lo) % 64) }
        return FilterOp(
          column: i, kind: .oneOfRange, value: lo, bitmap: bitmap, bits: UnsafePointer(bitmap.words),
          bitmapWords: UInt64(bitmap.count))
      }
      return FilterOp(column: i, kind: .oneOf, numbers: numbers)
    }
  }

  private static func textKey(_ operand: Aggregation.Filter.Operand) -> EntityKey {
    let text: String
    switch operand {
    case .number(let n): text = String(n)
    case .text(let t): text = t
    }
    return Array(text.utf8).withUnsafeBytes { EntityKey.make($0) }
  }

  /// `text`, written as in `column`, in the column's stored form (see
  /// `value(_:of:fail:)`); errors name `owner`.
  static func storedValue(_ text: String, of column: Column, for owner: String) throws -> Int64 {
    try value(.text(text), of: column) { PipelineError.configuration("\(owner): \($0)") }
  }

  /// `operand` in the column's stored form (decimals in their smallest
  /// unit, dates as yyyymmdd, flags 1/0).
  private static func value(
    _ operand: Aggregation.Filter.Operand, of column: Column, fail: (String) -> PipelineError
  ) throws -> Int64 {
    switch (column.kind, operand) {
    case (.decimal(let scale), .number(let n)):
      var v = n
      for _ in 0..<scale {
        let (x, o) = v.multipliedReportingOverflow(by: 10)
        guard !o else { throw fail("\(n) is too large for \"\(column.name)\"") }
        v = x
      }
      return v
    case (.decimal(let scale), .text(let t)):
      guard case .success(let v) = Array(t.utf8).withUnsafeBytes({ NumberParsing.decimal($0, scale: scale, format: .plain) })
      else { throw fail("\"\(t)\" is not a number with at most \(scale) decimals, written 1234.5") }
      return v
    case (.date(let format, _), .text(let t)):
      let bytes = Array(t.utf8)
      let v = bytes.withUnsafeBufferPointer { b in
        DateParsing.yyyymmdd(b.baseAddress!, b.count, dayFirst: false)
          ?? DateParsing.yyyymmdd(b.baseAddress!, b.count, dayFirst: format == .danish)
      }
      guard let v else { throw fail("\"\(t)\" is not a date (write 2023-06-30)") }
      return v
    case (.date, .number(let n)):
      throw fail("write the date to compare \"\(column.name)\" with as text, e.g. \"2023-06-30\", not \(n)")
    case (.flag(let yes, let no), .text(let t)):
      if t.count == 1 && t.lowercased() == String(yes).lowercased() { return 1 }
      if t.count == 1 && t.lowercased() == String(no).lowercased() { return 0 }
      throw fail("\"\(column.name)\" is \(yes) or \(no), not \"\(t)\"")
    case (_, .number(let n)):
      return n
    case (_, .text(let t)):
      guard case .success(let v) = Array(t.utf8).withUnsafeBytes({ NumberParsing.integer($0, format: .plain) })
      else { throw fail("\"\(t)\" is not a whole number") }
      return v
    }
  }

  /// The key values of a packed key, in the order of the keys: numbers as
  /// themselves, a date as yyyymmdd, its year, quarter (yyyyq) or month
  /// (yyyymm), a text key as its dictionary code (see `GroupValue` for the
  /// text), `Record.null` for absent.
  func unpackKey(_ k: UInt64) -> [Int64] {
    keyOps.indices.map { unpackKey(k, key: $0) }
  }

  /// Key `i`'s value in the packed key `k`, as `unpackKey` gives it.
  func unpackKey(_ k: UInt64, key i: Int) -> Int64 {
    let op = keyOps[i]
    let code = (k >> op.shift) & op.null
    if code == op.null { return Record.null }
    let c = Int64(code)
    switch op.code {
    case .small: return c + op.offset
    case .text: return c
    case .number: return Int64(bitPattern: dictionaries[op.dictionary].value(UInt32(code)).lo)
    case .year: return c + op.offset
    case .quarter: return (c / 4 + op.offset) * 10 + c % 4 + 1
    case .month: return (c / 12 + op.offset) * 100 + c % 12 + 1
    case .day:
      let (y, rest) = c.quotientAndRemainder(dividingBy: 372)
      return (y + op.offset) * 10_000 + (rest / 31 + 1) * 100 + rest % 31 + 1
    }
  }

  /// Key `i`'s value as `unpackKey` gives it, as a `GroupValue`.
  func groupValue(key i: Int, _ v: Int64) -> GroupValue {
    if v == Record.null { return .absent }
    if keyOps[i].code == .text {
      return .text(String(decoding: dictionaries[keyOps[i].dictionary].value(UInt32(v)).bytes, as: UTF8.self))
    }
    return keyValueKinds[i].value(v)
  }
}

/// Codes for the values of one text or wide-number key, shared by the
/// workers of a scan; a number is held as its `EntityKey.number`. Codes
/// follow arrival, so they differ between runs; results never show them
/// (they are turned back into values and sorted).
final class KeyDictionary: @unchecked Sendable {
  private let lock = NSLock()
  private var codeOfValue: [EntityKey: UInt32] = [:]
  private var values: [EntityKey] = []

  func code(_ k: EntityKey) -> UInt32 {
    lock.lock()
    defer { lock.unlock() }
    if let c = codeOfValue[k] { return c }
    let c = UInt32(values.count)
    precondition(c < UInt32.max - 1, "more than 4,294,967,293 distinct values of one key")
    codeOfValue[k] = c
    values.append(k)
    return c
  }

  func value(_ code: UInt32) -> EntityKey {
    lock.lock()
    defer { lock.unlock() }
    return values[Int(code)]
  }

  /// Every value, in the order of their codes.
  var allValues: [EntityKey] {
    lock.lock()
    defer { lock.unlock() }
    return values
  }
}
