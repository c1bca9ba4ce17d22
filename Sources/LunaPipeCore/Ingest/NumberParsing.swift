/// How numbers are written in a file.
public enum NumberFormat: String, Sendable, Codable {
  /// Decimal comma, optional `.` thousands separator in groups of three:
  /// `1.234,50`, `-345,00`, `1234,5`.
  case danish
  /// Decimal point, no thousands separator: `1234.50`.
  case plain

  var decimalMark: UInt8 { self == .danish ? UInt8(ascii: ",") : UInt8(ascii: ".") }
  var groupMark: UInt8? { self == .danish ? UInt8(ascii: ".") : nil }
}

/// Why a field is not a number of the column's kind.
enum NumberProblem: Error {
  case notANumber
  case tooManyDecimals
  case overflow
}

/// Parses numbers straight from bytes: no `String` is made.
enum NumberParsing {
  /// A decimal number as an integer count of 10^-scale units (`1.234,50` with
  /// scale 2 is 123450). A thousands separator must group exactly three
  /// digits after a first group that does not begin with 0, so `12.34,5`,
  /// `1.2.3,4` and `0.103` are not numbers (`0,5` and `0` are).
  @inline(__always)
  static func decimal(_ b: UnsafeRawBufferPointer, scale: Int, format: NumberFormat)
    -> Result<Int64, NumberProblem>
  {
    let n = b.count
    var i = 0
    var negative = false
    if n > 0 && (b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+")) {
      negative = b[0] == UInt8(ascii: "-")
      i = 1
    }
    let dec = format.decimalMark
    let group = format.groupMark
    var value: Int64 = 0
    var intDigits = 0
    var digitsSinceGroup = 0
    var sawGroup = false
    // Integer part.
    while i < n {
      let c = b[i]
      if c &- 48 < 10 {
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(Int64(c &- 48))
        if o1 || o2 { return .failure(.overflow) }
        value = s
        intDigits += 1
        digitsSinceGroup += 1
      } else if let g = group, c == g {
        // The first group may hold 1-3 digits, each later one exactly 3;
        // it never begins with 0: `0.103` is a plain decimal, not 103.
        if intDigits == 0 || (sawGroup ? digitsSinceGroup != 3 : digitsSinceGroup > 3 || b[i - intDigits] == 48) {
          return .failure(.notANumber)
        }
        sawGroup = true
        digitsSinceGroup = 0
      } else {
        break
      }
      i += 1
    }
    if intDigits == 0 || (sawGroup && digitsSinceGroup != 3) { return .failure(.notANumber) }
    var fracDigits = 0
    var excessDigit = false
    if i < n {
      guard b[i] == dec else { return .failure(.notANumber) }
      i += 1
      if i == n { return .failure(.notANumber) }
      while i < n {
        let c = b[i]
        guard c &- 48 < 10 else { return .failure(.notANumber) }
        fracDigits += 1
        if fracDigits > scale {
          // Trailing zeros beyond the scale change nothing: 12,500 is 12,50.
          // Others are too many decimals, once the rest is known to be
          // digits (`1,234.50` is not a number at all).
          if c != 48 { excessDigit = true }
        } else {
          let (m, o1) = value.multipliedReportingOverflow(by: 10)
          let (s, o2) = m.addingReportingOverflow(Int64(c &- 48))
          if o1 || o2 { return .failure(.overflow) }
          value = s
        }
        i += 1
      }
    }
    if excessDigit { return .failure(.tooManyDecimals) }
    var k = min(fracDigits, scale)
    while k < scale {
      let (m, o) = value.multipliedReportingOverflow(by: 10)
      if o { return .failure(.overflow) }
      value = m
      k += 1
    }
    return .success(negative ? -value : value)
  }

  /// An integer, optionally signed; in Danish form a `.` may group thousands.
  @inline(__always)
  static func integer(_ b: UnsafeRawBufferPointer, format: NumberFormat) -> Result<Int64, NumberProblem> {
    // Fast path: plain digits, the common case for codes and counts.
    if b.count > 0 && b.count <= 18, let v = Digits.parse(b.baseAddress!.assumingMemoryBound(to: UInt8.self), b.count) {
      return .success(v)
    }
    // No decimal mark: `1,000` is 1 in Danish and 1000 in English, and a
    // count is never written with decimals.
    if b.contains(format.decimalMark) { return .failure(.notANumber) }
    switch decimal(b, scale: 0, format: format) {
    case .success(let v): return .success(v)
    case .failure(.tooManyDecimals): return .failure(.notANumber)
    case .failure(let p): return .failure(p)
    }
  }
}
