/// An exact fraction, so that ratios and growth are rounded once, from
/// unrounded values, exactly as a published table rounds them.
public struct Rational: Sendable, Equatable, CustomStringConvertible {
  /// The numerator; it carries the sign.
  public let num: Int128
  /// The denominator, always positive. The fraction is not reduced:
  /// `Rational(2, 4)` keeps 2/4 (equality compares the terms).
  public let den: Int128  // > 0

  /// `num / den`, the sign moved to the numerator. `den` must not be zero
  /// (a precondition).
  public init(exactly num: Int128, over den: Int128 = 1) {
    precondition(den != 0, "Rational with zero denominator")
    self.num = den < 0 ? -num : num
    self.den = den < 0 ? -den : den
  }

  /// `value / den` from 64-bit integers: a sum in øre as kroner is
  /// `Rational(sum, 100)`. `den` must not be zero.
  public init(_ value: Int64, _ den: Int64 = 1) { self.init(exactly: Int128(value), over: Int128(den)) }

  /// `a / b`, or nil when `b` is zero: an empty cell, never infinity.
  public static func / (a: Rational, b: Rational) -> Rational? {
    b.num == 0 ? nil : Rational(exactly: a.num * b.den, over: a.den * b.num)
  }
  /// `a − b`, exact.
  public static func - (a: Rational, b: Rational) -> Rational {
    Rational(exactly: a.num * b.den - b.num * a.den, over: a.den * b.den)
  }
  /// `a × k` for a whole number `k` (100 for percent), exact.
  public static func * (a: Rational, k: Int128) -> Rational { Rational(exactly: a.num * k, over: a.den) }

  /// Whether the value is zero.
  public var isZero: Bool { num == 0 }
  /// The nearest `Double`, for charts and JSON numbers; never for rounding
  /// a printed value (`formatted` rounds exactly).
  public var doubleValue: Double { Double(num) / Double(den) }

  /// The value times 10^decimals, rounded half away from zero.
  public func scaledRounded(decimals: Int) -> Int128 {
    var n = num
    for _ in 0..<decimals { n *= 10 }
    let q = (2 * (n < 0 ? -n : n) + den) / (2 * den)
    return n < 0 ? -q : q
  }

  /// The value rounded half away from zero to `decimals` places, written
  /// with `mark` as decimal mark and, if given, `group` between thousands.
  public func formatted(decimals: Int, mark: Character = ".", group: Character? = nil) -> String {
    let r = scaledRounded(decimals: decimals)
    let negative = r < 0
    var digits = String(negative ? -r : r)
    if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
    let intPart = digits.dropLast(decimals)
    let frac = digits.suffix(decimals)
    var grouped = ""
    if let g = group {
      for (i, ch) in intPart.enumerated() {
        if i > 0 && (intPart.count - i) % 3 == 0 { grouped.append(g) }
        grouped.append(ch)
      }
    } else {
      grouped = String(intPart)
    }
    return (negative ? "-" : "") + grouped + (decimals > 0 ? String(mark) + frac : "")
  }

  /// The fraction as written: `25/1`, `-7/2`.
  public var description: String { "\(num)/\(den)" }
}
