/// How a table's development column compares its first and last column.
public enum GrowthKind: String, Sendable, Codable {
  /// (last − first) / first × 100, in percent: for amounts and counts.
  case relative
  /// last − first: for values that are already percentages (shares).
  case percentagePoints
}

/// Development between two values, exact: the growth column of a
/// `CrossTable`, and growth a pipeline computes of its own.
public enum Growth {
  /// The development from `first` to `last`, computed from the unrounded
  /// values. `nil` (an empty cell) when a value is missing or, for relative
  /// growth, when the base is zero: never infinity or NaN.
  ///
  ///     Growth.between(Rational(200), Rational(250), .relative)   // 25
  ///     Growth.between(Rational(0), Rational(7), .relative)       // nil
  public static func between(_ first: Rational?, _ last: Rational?, _ kind: GrowthKind) -> Rational? {
    guard let f = first, let l = last else { return nil }
    switch kind {
    case .relative:
      guard let q = (l - f) / f else { return nil }
      return q * 100
    case .percentagePoints:
      return l - f
    }
  }
}
