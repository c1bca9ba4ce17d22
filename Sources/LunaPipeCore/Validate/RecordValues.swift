import Foundation

/// A calendar date with no time of day and no time zone: what a `.date`
/// column holds. Orders as the calendar does; prints as ISO 8601.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  /// The year (`2023`).
  public var year: Int
  /// The month, 1...12.
  public var month: Int
  /// The day of the month, 1...31.
  public var day: Int

  /// The date `year`-`month`-`day`, taken as given (not checked).
  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }

  /// The date a record stores as the number yyyymmdd (`20230131`).
  public init(yyyymmdd v: Int64) {
    self.init(year: Int(v / 10_000), month: Int(v / 100 % 100), day: Int(v % 100))
  }

  /// The date as the number yyyymmdd (`20230131`), as records store it.
  public var yyyymmdd: Int64 { Int64(year) * 10_000 + Int64(month) * 100 + Int64(day) }

  /// Whether the date exists in the proleptic Gregorian calendar.
  public var isValid: Bool {
    guard (1...12).contains(month), day >= 1 else { return false }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days
  }

  /// `2023-01-31`.
  public var description: String { GroupValue.date(yyyymmdd).description }

  /// Dates order as the calendar does.
  public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.yyyymmdd < b.yyyymmdd }
}

extension Record {
  /// The value of the column called `name` as text: a text column's text
  /// exactly as in the file; a number, decimal, date or flag column's value
  /// written plainly (`2023`, `123.45`, `2023-01-31`, `1`). Nil when the
  /// field was empty.
  ///
  /// A name the schema does not have (nor a stage derived) is a mistake,
  /// never an absent value: it returns nil and fails the scan with a
  /// configuration error naming the column and the stage that read it.
  /// A stage's closure is called once before any input is read, so such a
  /// mistake is usually found then.
  public func text(_ name: String) -> String? {
    columns._withUnsafeGuaranteedRef { c in
      let i = c.index(name, as: .text)
      guard i >= 0, values[i] != Record.null else { return c.probing && i >= 0 ? "" : nil }
      return c.text(i, values[i], keys[i])
    }
  }

  /// The value of the integer, code, digits or flag column called `name`
  /// (a flag as 1 or 0); nil when the field was empty. Reading another kind
  /// of column this way is a configuration error, as an unknown name is
  /// (see `text(_:)`).
  @inlinable
  public func int(_ name: String) -> Int? {
    columns._withUnsafeGuaranteedRef { c in
      let i = c.index(name, as: .int)
      guard i >= 0, values[i] != Record.null else { return c.probing && i >= 0 ? 0 : nil }
      return Int(values[i])
    }
  }

  /// The exact value of the decimal (or integer) column called `name`;
  /// nil when the field was empty. Reading another kind of column this way
  /// is a configuration error, as an unknown name is (see `text(_:)`).
  public func decimal(_ name: String) -> Decimal? {
    columns._withUnsafeGuaranteedRef { c in
      let i = c.index(name, as: .decimal)
      guard i >= 0, values[i] != Record.null else { return c.probing && i >= 0 ? 0 : nil }
      return RowDecoder.decimal(values[i], scale: c.scale[i])
    }
  }

  /// The value of the decimal (or integer) column called `name` as a
  /// `Double` (the nearest to it; `decimal(_:)` is exact); nil when the
  /// field was empty. Reading another kind of column this way is a
  /// configuration error, as an unknown name is (see `text(_:)`).
  @inlinable
  public func double(_ name: String) -> Double? {
    columns._withUnsafeGuaranteedRef { c in
      let i = c.index(name, as: .decimal)
      guard i >= 0, values[i] != Record.null else { return c.probing && i >= 0 ? 0 : nil }
      let scale = c.scale[i]
      return scale == 0 ? Double(values[i]) : Double(values[i]) / RecordColumns.powersOfTen[min(scale, 18)]
    }
  }

  /// The value of the date column called `name`; nil when the field was
  /// empty. Reading another kind of column this way is a configuration
  /// error, as an unknown name is (see `text(_:)`).
  @inlinable
  public func date(_ name: String) -> CalendarDate? {
    columns._withUnsafeGuaranteedRef { c in
      let i = c.index(name, as: .date)
      guard i >= 0, values[i] != Record.null else {
        return c.probing && i >= 0 ? CalendarDate(year: 2000, month: 1, day: 1) : nil
      }
      return CalendarDate(yyyymmdd: values[i])
    }
  }

  /// Whether the field of the column called `name` was empty (an unknown
  /// name is a configuration error, as for `text(_:)`).
  @inlinable
  public func isEmpty(_ name: String) -> Bool {
    columns._withUnsafeGuaranteedRef { c in
      let i = c.index(name, as: .any)
      return i < 0 || values[i] == Record.null
    }
  }
}

/// How a record's columns are read by name: one per decoder (so per worker
/// thread), with a small cache of the names last asked for, and the first
/// mistake made (an unknown name, a column read as what it is not), which
/// fails the scan.
@usableFromInline
final class RecordColumns {
  @usableFromInline
  enum Access: String {
    case text = "text"
    case int = "an integer"
    case decimal = "a decimal"
    case date = "a date"
    case any = "a value"
    @inlinable var bit: UInt8 {
      switch self {
      case .text: return 1
      case .int: return 2
      case .decimal: return 4
      case .date: return 8
      case .any: return 16
      }
    }
  }
  /// What a column holds, as values read by name see it.
  enum Class {
    case number, decimal, date, text, digits(Int), flag

    init(_ kind: Column.Kind) {
      switch kind {
      case .integer, .code: self = .number
      case .digits(let n): self = .digits(n)
      case .flag: self = .flag
      case .decimal: self = .decimal
      case .date: self = .date
      case .text: self = .text
      }
    }
  }

  let names: [String]
  let classes: [Class]
  /// Each column's decimal scale (0 for whole numbers).
  @usableFromInline let scale: [Int]
  private let schema: Schema
  /// The names asked for lately and their columns: a linear search whose
  /// `==` on the same literal is a pointer compare.
  private let cacheNames: UnsafeMutablePointer<String>
  @usableFromInline let cacheColumns: UnsafeMutablePointer<Int>
  /// Each cached name's two words, and the ways its column may be read.
  @usableFromInline let cacheWords: UnsafeMutablePointer<UInt64>
  @usableFromInline let cacheAccess: UnsafeMutablePointer<UInt8>
  private static let cacheSize = 16
  /// The cache's counts and the rule being checked, behind a pointer: a
  /// class's stored `var` costs an exclusivity check at every access, and
  /// these are read for every value read by name.
  @usableFromInline
  struct Hot {
    @usableFromInline var cached = 0
    var next = 0
    var rule = -1
    @usableFromInline var probing = false
  }
  @usableFromInline let hot: UnsafeMutablePointer<Hot>
  private var cached: Int {
    get { hot.pointee.cached }
    set { hot.pointee.cached = newValue }
  }
  private var next: Int {
    get { hot.pointee.next }
    set { hot.pointee.next = newValue }
  }
  /// What the stage being checked is called (for the message of a
  /// mistake): a probe's stage, or the record rule `rule`'s stage label.
  var stage = "a closure of an aggregation"
  var stageLabels: [String] = []
  /// The record rule being checked (`RuleSet.check`), or -1.
  var rule: Int {
    @inline(__always) get { hot.pointee.rule }
    @inline(__always) set { hot.pointee.rule = newValue }
  }
  /// The record is the probe's (`RecordProbe`): an empty value reads as
  /// a placeholder (``, 0, 2000-01-01), never nil, so that a closure goes
  /// on to read every column it names (and one that unwraps with `!` does
  /// not crash on it).
  @inlinable var probing: Bool {
    get { hot.pointee.probing }
    set { hot.pointee.probing = newValue }
  }
  /// The first mistake: "stage X reads column Y, which …".
  private(set) var mistake: String?

  init(_ schema: Schema) {
    self.schema = schema
    names = schema.columns.map(\.name)
    classes = schema.columns.map { Class($0.kind) }
    scale = schema.columns.map { c in
      if case .decimal(let s) = c.kind { return s }
      return 0
    }
    hot = .allocate(capacity: 1)
    hot.initialize(to: Hot())
    cacheNames = .allocate(capacity: Self.cacheSize)
    cacheColumns = .allocate(capacity: Self.cacheSize)
    cacheWords = .allocate(capacity: 2 * Self.cacheSize)
    cacheAccess = .allocate(capacity: Self.cacheSize)
  }

  deinit {
    cacheNames.deinitialize(count: cached)
    cacheNames.deallocate()
    hot.deallocate()
    cacheColumns.deallocate()
    cacheWords.deallocate()
    cacheAccess.deallocate()
  }

  /// Decodes records as a user's types (`Record.decode(_:)`), made on
  /// first use.
  lazy var rows = RowDecoder(self)

  /// Whether the records have a column called `name` (no mistake noted).
  func has(_ name: String) -> Bool { schema.index(of: name) != nil }

  /// Clears the mistake found (a probe's), keeping the cache.
  func clearMistake() { mistake = nil }

  /// The column called `name`, read as `access`, or -1 (the mistake noted).
  ///
  /// The cache compares a name's two words as they are: the cache holds
  /// each name it keeps (so its storage lives on and no other string can
  /// have its words), and the same literal, or a short name's bytes, have
  /// the same words every call.
  @inlinable func index(_ name: String, as access: Access) -> Int {
    let raw = unsafeBitCast(name, to: (UInt64, UInt64).self)
    var i = 0
    let cached = hot.pointee.cached
    while i < cached {
      if cacheWords[2 * i] == raw.0 && cacheWords[2 * i + 1] == raw.1 {
        let column = cacheColumns[i]
        if column >= 0 && cacheAccess[i] & access.bit != 0 { return column }
        return check(column, name, access)
      }
      i += 1
    }
    return check(lookUp(name), name, access)
  }

  @usableFromInline func lookUp(_ name: String) -> Int {
    // Another string of a cached name's text: the column is known.
    var column = -1
    var found = false
    for i in 0..<cached where cacheNames[i] == name {
      column = cacheColumns[i]
      found = true
      break
    }
    if !found { column = schema.index(of: name) ?? -1 }
    let slot: Int
    if cached < Self.cacheSize {
      slot = cached
      (cacheNames + slot).initialize(to: name)
      cached += 1
    } else {
      slot = next
      cacheNames[slot] = name
      next = (next + 1) % Self.cacheSize
    }
    let raw = unsafeBitCast(name, to: (UInt64, UInt64).self)
    cacheWords[2 * slot] = raw.0
    cacheWords[2 * slot + 1] = raw.1
    cacheColumns[slot] = column
    cacheAccess[slot] = column < 0 ? 0 : accessBits(column)
    return column
  }

  /// The ways column `column` may be read, as `Access.bit`s.
  private func accessBits(_ column: Int) -> UInt8 {
    var bits: UInt8 = Access.text.bit | Access.any.bit
    switch classes[column] {
    case .number, .digits: bits |= Access.int.bit | Access.decimal.bit
    case .flag: bits |= Access.int.bit
    case .decimal: bits |= Access.decimal.bit
    case .date: bits |= Access.date.bit
    case .text: break
    }
    return bits
  }

  @usableFromInline func check(_ column: Int, _ name: String, _ access: Access) -> Int {
    if column < 0 {
      note("\(stageName) reads the column \"\(name)\", which the records do not have (columns: \(names.joined(separator: ", ")))")
      return -1
    }
    let ok: Bool
    switch (access, classes[column]) {
    case (.text, _), (.any, _): ok = true
    case (.int, .number), (.int, .digits), (.int, .flag): ok = true
    case (.decimal, .number), (.decimal, .decimal), (.decimal, .digits): ok = true
    case (.date, .date): ok = true
    default: ok = false
    }
    if !ok {
      note("\(stageName) reads the column \"\(names[column])\" as \(access.rawValue), but it holds \(Self.describe(classes[column]))")
      return -1
    }
    return column
  }

  private func note(_ message: String) {
    if mistake == nil { mistake = message }
  }

  private var stageName: String { rule >= 0 && rule < stageLabels.count ? stageLabels[rule] : stage }

  /// What a column of class `c` holds: `whole numbers`, `text`, …
  static func noun(_ c: Class) -> String {
    switch c {
    case .number: return "whole numbers"
    case .digits: return "digits"
    case .flag: return "a flag"
    case .decimal: return "decimals"
    case .date: return "dates"
    case .text: return "text"
    }
  }

  /// `noun(c)` with the accessor that reads it.
  static func describe(_ c: Class) -> String {
    let accessor: String
    switch c {
    case .number: accessor = "int"
    case .digits: accessor = "int or text"
    case .flag: accessor = "int: 1 or 0"
    case .decimal: accessor = "decimal"
    case .date: accessor = "date"
    case .text: accessor = "text"
    }
    return "\(noun(c)) (read it with \(accessor))"
  }

  /// Column `i`'s value as text.
  func text(_ i: Int, _ v: Int64, _ key: EntityKey) -> String {
    switch classes[i] {
    case .text: return Self.string(key)
    case .number, .flag: return String(v)
    case .digits(let n): return GroupValue.digits(v, count: n).description
    case .decimal: return GroupValue.plainDecimal(v, scale: scale[i])
    case .date: return GroupValue.date(v).description
    }
  }

  /// 10^0 ... 10^18, exactly (each is a `Double` exactly).
  @usableFromInline static let powersOfTen: [Double] = (0...18).map { pow(10.0, Double($0)) }

  /// The text a key was made from, read in place when it is packed in
  /// the key (up to 16 bytes: no array in between).
  @inline(__always) static func string(_ key: EntityKey) -> String {
    if key.hi >> 56 == 0x10 { return String(decoding: key.bytes, as: UTF8.self) }
    var k = key
    return withUnsafeBytes(of: &k) { raw in
      let n = raw[15] < 0x20 ? Int(raw[15]) : 16
      return String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<n]), as: UTF8.self)
    }
  }

  /// `v` units of 10^-scale, exactly.
  static func decimal(_ v: Int64, scale: Int) -> Decimal {
    Decimal(sign: v < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(v.magnitude))
  }

  /// `d` in units of 10^-scale, or nil when it has more decimals than
  /// `scale` or does not fit 64 bits.
  static func units(_ d: Decimal, scale: Int) -> Int64? {
    var x = d * Decimal(sign: .plus, exponent: scale, significand: 1)
    var rounded = Decimal()
    NSDecimalRound(&rounded, &x, 0, .plain)
    guard rounded == x, rounded.magnitude <= Decimal(Int64.max) else { return nil }
    return Int64(truncating: NSDecimalNumber(decimal: rounded))
  }
}
