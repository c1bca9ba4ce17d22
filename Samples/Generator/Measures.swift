// The exact, unrounded measures behind the ten tables, and the rules that
// turn them into printed cells. The same check runs twice: on the design
// (before any line exists) and on the lines actually generated.

/// Row layout shared by all tables: the 11 kommuner of Region Nordjylland in
/// printed order, then the region total.
enum Rows {
  static let kommuner = 11
  static let total = 11
  static let count = 12
  /// Læsø's row: the one the small scale reproduces.
  static let laesoe = 4
  static let years = [2019, 2020, 2021, 2022, 2023]
}

/// The measures of one speciale, `[row][yearIndex]`, row `Rows.total` being
/// the region: udgift in øre, ydelser, and the two distinct patient counts.
struct Measures: Equatable {
  var udgiftOre: [[Int]]
  var ydelser: [[Int]]
  /// Distinct patients with a positive line at a clinic in the row's kommune.
  var patienterYder: [[Int]]
  /// Distinct patients with a positive line while living in the row's kommune.
  var patienterBopael: [[Int]]

  static var zero: Measures {
    let z = [[Int]](repeating: [Int](repeating: 0, count: Rows.years.count), count: Rows.count)
    return Measures(udgiftOre: z, ydelser: z, patienterYder: z, patienterBopael: z)
  }
}

enum Exact {
  /// `a / b` rounded half away from zero, for `b > 0`, in integers so a
  /// printed `.5` can never flip through floating point.
  static func roundedDiv(_ a: Int, _ b: Int) -> Int {
    precondition(b > 0, "division by \(b)")
    return a >= 0 ? (2 * a + b) / (2 * b) : -((-2 * a + b) / (2 * b))
  }

  /// udvikling_pct of a plain value: (v1 − v0) / v0 × 100.
  static func growth(_ v0: Int, _ v1: Int) -> Int { roundedDiv(100 * (v1 - v0), v0) }

  /// udvikling_pct of a ratio a/b: ((a1/b1) / (a0/b0) − 1) × 100, unrounded
  /// inputs as the tables define it.
  static func growth(_ a0: Int, _ b0: Int, _ a1: Int, _ b1: Int) -> Int {
    roundedDiv(100 * (a1 * b0 - a0 * b1), b1 * a0)
  }
}

extension SpecialeTargets {
  /// Every printed cell (values and udvikling_pct) of the given rows that
  /// `m` does not reproduce, one readable line each; empty when all match.
  func mismatches(_ m: Measures, rows: [Int]) -> [String] {
    var out: [String] = []
    func check(_ table: PrintedTable, _ row: Int, _ col: String, _ got: Int, _ want: Int) {
      if got != want {
        out.append("Tabel \(table.number) \(table.rowNames[row]) \(col): got \(got), printed \(want)")
      }
    }
    let last = Rows.years.count - 1
    for r in rows {
      let u = m.udgiftOre[r], y = m.ydelser[r], n = m.patienterYder[r], p = m.patienterBopael[r]
      for (i, year) in Rows.years.enumerated() {
        let col = String(year)
        guard n[i] > 0, p[i] > 0 else {
          out.append("speciale \(speciale) row \(udgift.rowNames[r]) \(year): no patients")
          continue
        }
        check(udgift, r, col, Exact.roundedDiv(u[i], 100), udgift.values[r][i])
        check(udgiftPerPatient, r, col, Exact.roundedDiv(u[i], 100 * n[i]), udgiftPerPatient.values[r][i])
        check(ydelser, r, col, y[i], ydelser.values[r][i])
        check(ydelserPerPatient, r, col, Exact.roundedDiv(100 * y[i], n[i]), ydelserPerPatient.values[r][i])
        check(patienter, r, col, p[i], patienter.values[r][i])
      }
      // A missing patient count is reported above; growth would divide by it.
      guard n[0] > 0, n[last] > 0, p[0] > 0, u[0] > 0, y[0] > 0 else { continue }
      let g = "udvikling_pct"
      check(udgift, r, g, Exact.growth(u[0], u[last]), udgift.growth[r])
      check(udgiftPerPatient, r, g, Exact.growth(u[0], n[0], u[last], n[last]), udgiftPerPatient.growth[r])
      check(ydelser, r, g, Exact.growth(y[0], y[last]), ydelser.growth[r])
      check(ydelserPerPatient, r, g, Exact.growth(y[0], n[0], y[last], n[last]), ydelserPerPatient.growth[r])
      check(patienter, r, g, Exact.growth(p[0], p[last]), patienter.growth[r])
    }
    return out
  }
}
