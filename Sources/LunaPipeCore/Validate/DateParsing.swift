/// Calendar dates from their written forms, exactly: no time zone, no
/// locale, no `Foundation.DateFormatter`, nothing allocated.
enum DateParsing {
  /// The date at `p` (`n` bytes) as yyyymmdd, or nil when it is not a valid
  /// date of the form: ISO `yyyy-mm-dd`, or with `dayFirst` the Danish
  /// `d-m-yyyy` (separator `-`, `.` or `/`, the same twice; day and month
  /// of one or two digits).
  static func yyyymmdd(_ p: UnsafePointer<UInt8>, _ n: Int, dayFirst: Bool) -> Int64? {
    guard n >= 8 && n <= 10 else { return nil }
    // Three runs of digits and the two separators between them.
    var v: (Int64, Int64, Int64) = (0, 0, 0)
    var w: (Int, Int, Int) = (0, 0, 0)
    var part = 0
    var separator: UInt8 = 0
    for i in 0..<n {
      let b = p[i]
      if b >= 0x30 && b <= 0x39 {
        let d = Int64(b &- 0x30)
        switch part {
        case 0: (v.0, w.0) = (v.0 * 10 + d, w.0 + 1)
        case 1: (v.1, w.1) = (v.1 * 10 + d, w.1 + 1)
        default: (v.2, w.2) = (v.2 * 10 + d, w.2 + 1)
        }
      } else if b == UInt8(ascii: "-") || (dayFirst && (b == UInt8(ascii: ".") || b == UInt8(ascii: "/"))) {
        guard part < 2, separator == 0 || separator == b else { return nil }
        separator = b
        part += 1
      } else {
        return nil
      }
    }
    guard part == 2 else { return nil }
    let (y, m, d): (Int64, Int64, Int64)
    if dayFirst {
      guard (1...2).contains(w.0), (1...2).contains(w.1), w.2 == 4 else { return nil }
      (y, m, d) = (v.2, v.1, v.0)
    } else {
      guard w.0 == 4, w.1 == 2, w.2 == 2 else { return nil }
      (y, m, d) = (v.0, v.1, v.2)
    }
    guard m >= 1 && m <= 12 && d >= 1 && d <= daysIn(month: m, year: y) else { return nil }
    return y * 10_000 + m * 100 + d
  }

  static func daysIn(month m: Int64, year y: Int64) -> Int64 {
    switch m {
    case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
