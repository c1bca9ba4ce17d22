/// A key or measure value of a group, typed as its column is, so that it
/// prints exactly as the column means it (`GroupValue.description`: plain,
/// locale-free; an emitter's style formats it for people).
///
/// Values of one column are always of the same case; they order as the
/// values do (texts by their Unicode scalars), absent last.
public enum GroupValue: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// A whole number: an integer, a code, a flag (1/0), a year, a count.
  case number(Int64)
  /// A decimal as a count of 10^-scale units (`.decimal(12345, scale: 2)`
  /// is 123.45).
  case decimal(Int64, scale: Int)
  /// A fixed-width digit string's value, printed with its leading zeros.
  case digits(Int64, count: Int)
  /// A text column's value, exactly as it stands in the file (in UTF-8).
  case text(String)
  /// A date as yyyymmdd.
  case date(Int64)
  /// A year and quarter (1...4).
  case quarter(year: Int64, quarter: Int64)
  /// A year and month (1...12).
  case month(year: Int64, month: Int64)
  /// An empty optional value; a minimum or maximum of no value.
  case absent

  /// The value written plainly: `123.45`, `0042`, `2023-01-31`, `2023-Q1`,
  /// `2023-01`; absent as the empty string.
  public var description: String {
    switch self {
    case .number(let n): return String(n)
    case .decimal(let v, let scale): return Self.plainDecimal(v, scale: scale)
    case .digits(let v, let count):
      let s = String(v)
      return String(repeating: "0", count: max(0, count - s.count)) + s
    case .text(let t): return t
    case .date(let v):
      return "\(v / 10_000)-\(Self.two(v / 100 % 100))-\(Self.two(v % 100))"
    case .quarter(let y, let q): return "\(y)-Q\(q)"
    case .month(let y, let m): return "\(y)-\(Self.two(m))"
    case .absent: return ""
    }
  }

  private static func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : String(n) }

  static func plainDecimal(_ v: Int64, scale: Int) -> String {
    guard scale > 0 else { return String(v) }
    let digits = String(v.magnitude)
    let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
    let cut = padded.index(padded.endIndex, offsetBy: -scale)
    return (v < 0 ? "-" : "") + padded[..<cut] + "." + padded[cut...]
  }
}

/// How a stored value (`Record`'s Int64) of a column turns into a
/// `GroupValue`.
enum ValueKind: Sendable {
  case number
  case decimal(scale: Int)
  case digits(count: Int)
  case text
  case date
  case quarter
  case month

  init(_ column: Column, sum: Bool = false) {
    switch column.kind {
    case .decimal(let scale): self = .decimal(scale: scale)
    case .digits(let n): self = sum ? .number : .digits(count: n)
    case .date: self = .date
    case .text: self = .text
    case .integer, .code, .flag: self = .number
    }
  }

  /// `v` as a value of this kind (a quarter as yyyyq, a month as yyyymm).
  func value(_ v: Int64) -> GroupValue {
    if v == Record.null { return .absent }
    switch self {
    case .number, .text: return .number(v)
    case .decimal(let scale): return .decimal(v, scale: scale)
    case .digits(let count): return .digits(v, count: count)
    case .date: return .date(v)
    case .quarter: return .quarter(year: v / 10, quarter: v % 10)
    case .month: return .month(year: v / 100, month: v % 100)
    }
  }
}
