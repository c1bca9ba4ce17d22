// The cells the plan misprints in the tables of the national part of the
// samples, and exact helpers for them.

/// A cell the plan prints inconsistently with another of its tables, and the
/// value the samples are built to instead (see README, "Discrepancies").
/// `year` nil is the udvikling_pct column.
struct Misprint {
  let table: Int
  let row: String
  let year: Int?
  let printed: Int
  let built: Int
  let why: String

  /// Tabel 22's udvikling_pct does not follow from its own exact ydelser;
  /// Tabel 42, 44 and 46 print Region Nordjylland's 2020 and 2022 (and so
  /// the country's) other than the Total rows of Tabel 43, 45 and 47, which
  /// agree with their kommune rows. The samples follow the kommune tables.
  static let all: [Misprint] = [
    Misprint(table: 22, row: "Region Nordjylland", year: nil, printed: 8, built: 9, why: "(352708 − 323411) / 323411 = 9.06 %"),
    Misprint(table: 22, row: "Region Midtjylland", year: nil, printed: 10, built: 12, why: "11.61 %"),
    Misprint(table: 22, row: "Region Sjælland", year: nil, printed: 9, built: 10, why: "9.87 %"),
    Misprint(table: 22, row: "Region Hovedstaden", year: nil, printed: 11, built: 13, why: "12.80 %"),
    Misprint(table: 22, row: "Total", year: nil, printed: 10, built: 11, why: "10.66 %"),
    Misprint(table: 42, row: "Region Nordjylland", year: 2020, printed: 11_764_165, built: 11_757_198, why: "Tabel 43 Total"),
    Misprint(table: 42, row: "Region Nordjylland", year: 2022, printed: 15_656_620, built: 15_655_145, why: "Tabel 43 Total"),
    Misprint(table: 42, row: "Total", year: 2020, printed: 84_130_411, built: 84_123_444, why: "sum with Tabel 43 Total"),
    Misprint(table: 42, row: "Total", year: 2022, printed: 102_064_491, built: 102_063_016, why: "sum with Tabel 43 Total"),
    Misprint(table: 44, row: "Region Nordjylland", year: 2020, printed: 14_650, built: 14_642, why: "Tabel 45 Total"),
    Misprint(table: 44, row: "Region Nordjylland", year: 2022, printed: 19_305, built: 19_304, why: "Tabel 45 Total"),
    Misprint(table: 44, row: "Region Nordjylland", year: nil, printed: 31, built: 32, why: "from Tabel 45's Total 2020"),
    Misprint(table: 44, row: "Total", year: 2020, printed: 14_441, built: 14_439, why: "Tabel 42 Total 2020 ÷ patients"),
    Misprint(table: 44, row: "Total", year: 2022, printed: 18_776, built: 18_775, why: "Tabel 42 Total 2022 ÷ patients"),
    Misprint(table: 46, row: "Region Nordjylland", year: 2020, printed: 89_527, built: 89_473, why: "Tabel 47 Total"),
    Misprint(table: 46, row: "Region Nordjylland", year: 2022, printed: 120_233, built: 120_221, why: "Tabel 47 Total"),
    Misprint(table: 46, row: "Total", year: 2020, printed: 646_517, built: 646_463, why: "sum with Tabel 47 Total"),
    Misprint(table: 46, row: "Total", year: 2022, printed: 800_614, built: 800_602, why: "sum with Tabel 47 Total"),
  ]

  /// `table` with its misprinted cells replaced by the built values.
  static func corrected(_ table: PrintedTable) -> PrintedTable {
    var t = table
    let number = t.number
    for m in all where m.table == number {
      let r = t.row(m.row)
      if let y = m.year {
        let i = t.years.firstIndex(of: y)!
        precondition(t.values[r][i] == m.printed, "Tabel \(number) \(m.row) \(y) is not \(m.printed)")
        t.values[r][i] = m.built
      } else {
        precondition(t.growth[r] == m.printed, "Tabel \(number) \(m.row) growth is not \(m.printed)")
        t.growth[r] = m.built
      }
    }
    return t
  }
}

extension Exact {
  static func power10(_ d: Int) -> Int { (0..<d).reduce(1) { r, _ in r * 10 } }

  /// The exact values x (integers) with round(x · scale / unit) = v, for a
  /// printed `v`: [lo, hi) as a half-open integer range.
  static func window(printed v: Int, unit: Int) -> Range<Int> {
    // round(x / unit) = v  ⇔  (v − ½)·unit ≤ x < (v + ½)·unit
    let lo = (2 * v - 1) * unit
    let hi = (2 * v + 1) * unit
    return ceilDiv(lo, 2)..<ceilDiv(hi, 2)
  }

  static func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
}

/// `precondition` whose message survives optimised builds: a failure here is
/// a bug in the design, and the message says which cell.
func need(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError(message()) }
}
