// Solving for the exact numbers behind the printed ones.
//
// The tables print rounded values; the samples need exact ones: udgift in
// øre and the patient counts per yder kommune, which are never printed but
// implied by Tabel 21/25 (31/35). The design picks them so that every
// printed cell, including each udvikling_pct computed from the unrounded
// values, comes out exactly. It depends on the published numbers only, never
// on the seed: every seed has the same aggregates.

/// The exact measures one speciale's samples are built to.
struct SpecialeDesign {
  let targets: SpecialeTargets
  let measures: Measures

  var speciale: Int { targets.speciale }

  /// With `region` (Tabel 18–24 or 28–34), the region's row of those
  /// tables, 2020–2023, must come out of the Total row too.
  init(targets: SpecialeTargets, region: TableQuad? = nil) {
    self.targets = targets
    var m = Measures.zero
    for (yi, year) in Rows.years.enumerated() {
      let ore = Self.udgiftOre(targets.udgift, yearIndex: yi, speciale: targets.speciale, year: year)
      for r in 0..<Rows.kommuner {
        m.udgiftOre[r][yi] = ore[r]
        m.ydelser[r][yi] = targets.ydelser.values[r][yi]
      }
      m.udgiftOre[Rows.total][yi] = ore.reduce(0, +)
      m.ydelser[Rows.total][yi] = m.ydelser[0..<Rows.kommuner].reduce(0) { $0 + $1[yi] }
      precondition(
        m.ydelser[Rows.total][yi] == targets.ydelser.values[Rows.total][yi],
        "Tabel \(targets.ydelser.number) \(year): the kommune rows do not sum to the Total row")
      for r in 0..<Rows.count { m.patienterBopael[r][yi] = targets.patienter.values[r][yi] }
    }
    for r in 0..<Rows.count {
      var accept: (([Int]) -> Bool)? = nil
      if r == Rows.total, let quad = region {
        let nj = quad.rowNames.firstIndex(of: "Region Nordjylland")!
        let idx = quad.years.map { Rows.years.firstIndex(of: $0)! }
        let (u, y) = (m.udgiftOre[r], m.ydelser[r])
        accept = { n in
          quad.mismatches(
            row: nj, Series(ore: idx.map { u[$0] }, ydelser: idx.map { y[$0] }, patients: idx.map { n[$0] })
          ).isEmpty
        }
      }
      m.patienterYder[r] = Self.patientCounts(
        targets, row: r, udgiftOre: m.udgiftOre[r], ydelser: m.ydelser[r], accept: accept)
    }
    let wrong = targets.mismatches(m, rows: Array(0..<Rows.count))
    precondition(wrong.isEmpty, "sample design misses published cells:\n" + wrong.joined(separator: "\n"))
    for yi in Rows.years.indices {
      let rowSum = (0..<Rows.kommuner).reduce(0) { $0 + m.patienterYder[$1][yi] }
      precondition(rowSum >= m.patienterYder[Rows.total][yi], "more region patients than clinic patients")
      let homeSum = (0..<Rows.kommuner).reduce(0) { $0 + m.patienterBopael[$1][yi] }
      precondition(homeSum >= m.patienterBopael[Rows.total][yi], "Tabel 26/36 Total exceeds its rows")
    }
    self.measures = m
  }

  /// Øre amounts for the kommune rows of one year: each rounds to its printed
  /// kr, and their sum rounds to the printed Total. The Total is not the sum
  /// of the printed rows (it differs by 1–3 kr), so the øre parts must carry
  /// the difference; random-looking øre also keeps the amounts unremarkable.
  private static func udgiftOre(_ table: PrintedTable, yearIndex yi: Int, speciale: Int, year: Int)
    -> [Int]
  {
    var rng = SplitMix64(0xDE51_6700, UInt64(speciale), UInt64(year))
    // 45 øre keeps each row inside its rounding interval [-50, +49].
    let bound = 45
    var offsets = (0..<Rows.kommuner).map { _ in rng.int(in: -40...40) }
    let base = (0..<Rows.kommuner).map { 100 * table.values[$0][yi] }
    let total = 100 * table.values[Rows.total][yi] + rng.int(in: -30...30)
    var diff = total - zip(base, offsets).reduce(0) { $0 + $1.0 + $1.1 }
    var k = 0
    var steps = 0
    while diff != 0 {
      let step = diff > 0 ? min(diff, bound - offsets[k]) : max(diff, -bound - offsets[k])
      offsets[k] += step
      diff -= step
      k = (k + 1) % Rows.kommuner
      steps += 1
      precondition(steps < 4 * Rows.kommuner, "Tabel \(table.number) \(year): Total too far from its rows")
    }
    return zip(base, offsets).map { $0 + $1 }
  }

  /// Every patient count n with round(udgift / n) and round2(ydelser / n)
  /// equal to the printed per-patient values.
  static func candidates(udgiftOre u: Int, ydelser y: Int, perPatientKr a: Int, perPatientHundredths b: Int)
    -> [Int]
  {
    // round(u / 100n) = a  ⇔  u / (100(a + ½)) < n ≤ u / (100(a − ½)); a margin
    // of one on each side covers the integer division, the filter decides.
    let lo = max(1, 2 * u / (100 * (2 * a + 1)) - 1)
    let hi = 2 * u / (100 * (2 * a - 1)) + 1
    return (lo...hi).filter {
      Exact.roundedDiv(u, 100 * $0) == a && Exact.roundedDiv(100 * y, $0) == b
    }
  }

  /// The patient counts of one row over the years. Only 2019 and 2023 enter
  /// udvikling_pct, so those two are chosen as a pair that reproduces both
  /// growth columns; the other years take their middle candidate. Middle
  /// candidates keep clear of the rounding edges.
  private static func patientCounts(
    _ t: SpecialeTargets, row r: Int, udgiftOre u: [Int], ydelser y: [Int], accept: (([Int]) -> Bool)? = nil
  ) -> [Int] {
    let cands = Rows.years.indices.map { yi in
      candidates(
        udgiftOre: u[yi], ydelser: y[yi], perPatientKr: t.udgiftPerPatient.values[r][yi],
        perPatientHundredths: t.ydelserPerPatient.values[r][yi])
    }
    for (yi, c) in cands.enumerated() {
      precondition(!c.isEmpty, "Tabel \(t.udgiftPerPatient.number) \(t.udgift.rowNames[r]) \(Rows.years[yi]): no patient count fits")
    }
    var counts = cands.map { $0[$0.count / 2] }
    let last = Rows.years.count - 1
    var best: (score: Int, n0: Int, n1: Int)?
    for (i0, n0) in cands[0].enumerated() {
      for (i1, n1) in cands[last].enumerated() {
        guard Exact.growth(u[0], n0, u[last], n1) == t.udgiftPerPatient.growth[r],
          Exact.growth(y[0], n0, y[last], n1) == t.ydelserPerPatient.growth[r]
        else { continue }
        let score = abs(2 * i0 - cands[0].count + 1) + abs(2 * i1 - cands[last].count + 1)
        if best == nil || score < best!.score { best = (score, n0, n1) }
      }
    }
    guard let pick = best else {
      preconditionFailure("Tabel \(t.udgiftPerPatient.number) \(t.udgift.rowNames[r]): no patient counts give the printed udvikling_pct")
    }
    counts[0] = pick.n0
    counts[last] = pick.n1
    guard let accept, !accept(counts) else { return counts }
    // The region tables start in 2020: choose 2019, 2020 and 2023 together.
    var found: (score: Int, counts: [Int])?
    for (i0, n0) in cands[0].enumerated() {
      for (i4, n4) in cands[last].enumerated() {
        guard Exact.growth(u[0], n0, u[last], n4) == t.udgiftPerPatient.growth[r],
          Exact.growth(y[0], n0, y[last], n4) == t.ydelserPerPatient.growth[r]
        else { continue }
        for (i1, n1) in cands[1].enumerated() {
          var c = counts
          (c[0], c[1], c[last]) = (n0, n1, n4)
          guard accept(c) else { continue }
          let s0: Int = abs(2 * i0 - cands[0].count + 1)
          let s1: Int = abs(2 * i1 - cands[1].count + 1)
          let s4: Int = abs(2 * i4 - cands[last].count + 1)
          let score = s0 + s1 + s4
          if found == nil || score < found!.score { found = (score, c) }
        }
      }
    }
    guard let f = found else {
      fatalError("Tabel \(t.udgiftPerPatient.number) Total: no patient counts give the region tables' udvikling_pct")
    }
    return f.counts
  }
}
