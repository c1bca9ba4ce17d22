import Foundation

/// Stage: adds a column computed from each record, in the scan, on its
/// workers: usable after it as a key, a measure, in a filter and by the
/// stages that follow, like a column of the file.
///
/// The closure returns the value as a Swift value of the column's kind
/// (`Int` for integers, codes, digits and flags, `String` for text,
/// `Decimal` for decimals, `CalendarDate` for dates), or nil for an empty
/// value. A value its column cannot hold (outside an integer's range, text
/// longer than its `maxLength`, a decimal with more decimals than its
/// scale) rejects the record as `out-of-range` on the derived column.
///
///     Pipeline("strikes")
///       .readCSV(["strikes.csv"])
///       .validate(schema)
///       .derive("decade", .integer(1900...2100)) { r in r.date("date").map { $0.year / 10 * 10 } }
public struct DeriveColumn: Stage {
  enum Function: Sendable {
    case int(@Sendable (Record) -> Int?)
    case text(@Sendable (Record) -> String?)
    case decimal(@Sendable (Record) -> Decimal?)
    case date(@Sendable (Record) -> CalendarDate?)

    var typeName: String {
      switch self {
      case .int: return "Int"
      case .text: return "String"
      case .decimal: return "Decimal"
      case .date: return "CalendarDate"
      }
    }
  }

  /// Logs, errors and the run report name the stage `derive NAME`.
  public var label: String { "derive \(column.name)" }
  /// The column is computed in the scan of the stage that consumes the
  /// records.
  public var deferredToScan: Bool { true }
  /// The derived column: its name and kind.
  public let column: Column
  let function: Function

  /// A column `name` of `kind` (`.integer(range)`, `.code(values)`,
  /// `.digits(count:)` or `.flag`), computed by `value`.
  public init(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> Int?) {
    self.init(name, kind, .int(value))
  }
  /// A text column `name` of `kind` (`.text(maxLength:)`), computed by
  /// `value`.
  public init(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> String?) {
    self.init(name, kind, .text(value))
  }
  /// A decimal column `name` of `kind` (`.decimal(scale:)`), computed by
  /// `value`.
  public init(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> Decimal?) {
    self.init(name, kind, .decimal(value))
  }
  /// A date column `name` of `kind` (`.date(format, years:)`; the format
  /// only says how the value is written back), computed by `value`.
  public init(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> CalendarDate?) {
    self.init(name, kind, .date(value))
  }

  init(_ name: String, _ kind: Column.Kind, _ function: Function) {
    var c = Column(name, kind, required: false)
    c.isDerived = true
    column = c
    self.function = function
  }

  /// Adds the column to `input`'s records. Throws
  /// `PipelineError.configuration`, before anything is read, when the
  /// name is taken, the closure's type does not fit the kind, or the
  /// closure reads a column the records lack.
  public func run(_ input: ValidatedRecords, in context: RunContext) throws -> ValidatedRecords {
    var out = input
    try out.schema.addDerived(column, by: label)
    let fits: Bool
    switch (function, column.kind) {
    case (.int, .integer), (.int, .code), (.int, .digits), (.int, .flag): fits = true
    case (.text, .text), (.decimal, .decimal), (.date, .date): fits = true
    default: fits = false
    }
    guard fits else {
      throw PipelineError.configuration(
        "\(label): a closure returning \(function.typeName) cannot fill a column of \(RecordColumns.noun(RecordColumns.Class(column.kind)))"
      )
    }
    let function = self.function
    try RecordProbe.check(input.schema, stage: label) { r in
      switch function {
      case .int(let f): _ = f(r)
      case .text(let f): _ = f(r)
      case .decimal(let f): _ = f(r)
      case .date(let f): _ = f(r)
      }
    }
    out.schema.rules.append(
      RecordRule(name: FieldRule.outOfRange.name, column: column.name, check: .derive(column: column.name, function)))
    return out
  }
}

extension Schema {
  /// Appends a column a stage computes (`Column.isDerived`), whose name
  /// must be new.
  mutating func addDerived(_ column: Column, by stage: String) throws {
    if let i = index(of: column.name) {
      throw PipelineError.configuration(
        "\(stage): the records have a column \"\(columns[i].name)\" already; give the new one another name")
    }
    columns.append(column)
  }
}

/// A derived column's computation, bound to its column: the closure, and
/// the checks of the value it returns.
final class DerivedOp {
  let column: Int
  let function: DeriveColumn.Function
  private let lo: Int64
  private let hi: Int64
  private let codes: Set<Int64>?
  private let scale: Int

  init(column: Int, of schema: Schema, _ function: DeriveColumn.Function) {
    self.column = column
    self.function = function
    if case .int(let f) = function { intF = f } else { intF = nil }
    var lo = Int64.min
    var hi = Int64.max
    var codes: Set<Int64>?
    var scale = 0
    switch schema.columns[column].kind {
    case .integer(let r): (lo, hi) = (r.lowerBound, r.upperBound)
    case .code(let values): codes = values
    case .digits(let n): (lo, hi) = (0, Int64(pow(10.0, Double(min(n, 18)))) - 1)
    case .flag: (lo, hi) = (0, 1)
    case .text(let maxLength): hi = Int64(maxLength)
    case .decimal(let s): scale = s
    case .date(_, let years): (lo, hi) = (Int64(years.lowerBound), Int64(years.upperBound))
    }
    (self.lo, self.hi, self.codes, self.scale) = (lo, hi, codes, scale)
  }

  // The closure by its type, each a stored property: called without
  // copying an enum's payload (and retaining it) per record.
  private let intF: (@Sendable (Record) -> Int?)?

  /// Computes the value into `r`; false when its column cannot hold it.
  @inline(never) func apply(_ r: Record) -> Bool {
    if let f = intF {
      guard let v = f(r) else { return setNull(r) }
      let x = Int64(v)
      if let codes { guard codes.contains(x) else { return false } } else { guard x >= lo && x <= hi else { return false } }
      r.values[column] = x
      return true
    }
    switch function {
    case .int: return false
    case .text(let f):
      guard var s = f(r) else { return setNull(r) }
      if s.utf8.count > hi && s.unicodeScalars.count > hi { return false }
      let ok: Bool = s.withUTF8 { b in
        // Text keeps no control characters (as a text field's rule).
        for c in b where c < 0x20 || c == 0x7F { return false }
        r.values[column] = 0
        r.keys[column] = EntityKey.make(UnsafeRawBufferPointer(b))
        return true
      }
      return ok
    case .decimal(let f):
      guard let d = f(r) else { return setNull(r) }
      guard let v = RecordColumns.units(d, scale: scale) else { return false }
      r.values[column] = v
    case .date(let f):
      guard let d = f(r) else { return setNull(r) }
      guard d.isValid, Int64(d.year) >= lo && Int64(d.year) <= hi else { return false }
      r.values[column] = d.yyyymmdd
    }
    return true
  }

  @inline(__always) private func setNull(_ r: Record) -> Bool {
    r.values[column] = Record.null
    return true
  }
}

extension Pipeline where Output == ValidatedRecords {
  /// Appends `DeriveColumn(name, kind, value)`: an integer, code, digits
  /// or flag column computed from each record.
  public func derive(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> Int?)
    -> Pipeline<Input, ValidatedRecords>
  { then(DeriveColumn(name, kind, value)) }
  /// Appends `DeriveColumn(name, kind, value)`: a text column computed
  /// from each record.
  public func derive(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> String?)
    -> Pipeline<Input, ValidatedRecords>
  { then(DeriveColumn(name, kind, value)) }
  /// Appends `DeriveColumn(name, kind, value)`: a decimal column computed
  /// from each record.
  public func derive(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> Decimal?)
    -> Pipeline<Input, ValidatedRecords>
  { then(DeriveColumn(name, kind, value)) }
  /// Appends `DeriveColumn(name, kind, value)`: a date column computed
  /// from each record.
  public func derive(_ name: String, _ kind: Column.Kind, _ value: @escaping @Sendable (Record) -> CalendarDate?)
    -> Pipeline<Input, ValidatedRecords>
  { then(DeriveColumn(name, kind, value)) }
}
