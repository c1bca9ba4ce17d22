// Recounting generated lines the way the contract defines the measures, to
// check them against the design before a file is written.

extension Measures {
  /// Fills `yearIndex` of these measures from one speciale's lines (index
  /// 0 = 51, 1 = 62) of that year: sums over all lines, reversals included;
  /// patients = distinct persons with a positive line.
  mutating func recount(_ lines: [ClaimLine], speciale: Int, persons: Int, yearIndex yi: Int, places: Places) {
    let rowOf = places.rowOfCode
    var udgift = [Int](repeating: 0, count: Rows.count)
    var ydelser = [Int](repeating: 0, count: Rows.count)
    // Per person: a flag per row, clinic side then home side.
    let stride = 2 * Rows.count
    var seen = [Bool](repeating: false, count: persons * stride)
    for line in lines where Int(line.specialeIndex) == speciale {
      let yr = rowOf[Int(line.yderKommune)]
      let pr = rowOf[Int(line.patientKommune)]
      if yr >= 0 {
        udgift[yr] += line.amountOre
        udgift[Rows.total] += line.amountOre
        ydelser[yr] += Int(line.antal)
        ydelser[Rows.total] += Int(line.antal)
      }
      guard line.antal > 0 else { continue }
      let base = Int(line.person) * stride
      if yr >= 0 {
        seen[base + yr] = true
        seen[base + Rows.total] = true
      }
      if pr >= 0 {
        seen[base + Rows.count + pr] = true
        seen[base + Rows.count + Rows.total] = true
      }
    }
    var patients = [Int](repeating: 0, count: stride)
    for (i, s) in seen.enumerated() where s { patients[i % stride] += 1 }
    for r in 0..<Rows.count {
      udgiftOre[r][yi] = udgift[r]
      self.ydelser[r][yi] = ydelser[r]
      patienterYder[r][yi] = patients[r]
      patienterBopael[r][yi] = patients[Rows.count + r]
    }
  }

  /// The cells of one year in which these measures differ from `other`.
  func differences(from other: Measures, yearIndex yi: Int, rows: [Int]) -> [String] {
    var out: [String] = []
    let names = ["udgift (øre)", "ydelser", "patienter (yder)", "patienter (bopæl)"]
    for r in rows {
      let mine = [udgiftOre[r][yi], ydelser[r][yi], patienterYder[r][yi], patienterBopael[r][yi]]
      let theirs = [other.udgiftOre[r][yi], other.ydelser[r][yi], other.patienterYder[r][yi], other.patienterBopael[r][yi]]
      for (i, name) in names.enumerated() where mine[i] != theirs[i] {
        out.append("row \(r) \(name): \(mine[i]) instead of \(theirs[i])")
      }
    }
    return out
  }
}
