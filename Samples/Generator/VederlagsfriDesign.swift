// Group training and diagnoses of speciale 62 (Tabel 39, 40 and 41): which
// of a clinic kommune's patients have a group-training line, and which
// diagnosis groups and progressive/non-progressive labels their 2023 lines
// carry, so that the shares and the distinct counts per kommune, per group
// and over the region come out.

/// What the lines of one segment must carry.
struct SegmentRole {
  /// Lines may be group training (service 0201); when false they may not.
  var hold = true
  /// At least one positive group-training line (added as a line and its
  /// reversal when the segment's own draws have none).
  var forceHold = false
  /// Labels (Diagnosegruppe | 0x10 for progressive) the lines cycle
  /// through; empty = the person's own.
  var labels: [UInt8] = []
  /// Every label on a positive line of this segment (the first segment of
  /// a person in a kommune; added as a line and its reversal if need be).
  var forceLabels = false
}

/// The printed targets of Tabel 39–41 for the design's patient counts.
struct VederlagsfriTargets {
  /// Tabel 39: the share (percent) of patients with group training, rows
  /// as `Rows`, five years, growth in percentage points.
  let share: PrintedTable
  let progressive: [[Int]]  // Tabel 40: row → group 1...4 (3 = 0), then total
  let nonProgressive: [[Int]]  // Tabel 41

  /// Row → the counts of groups 1...4 (0 for a group the table has no
  /// column for), then the row's total.
  static func byGroup(_ t: DiagnosisTable) -> [[Int]] {
    zip(t.counts, t.totals).map { counts, total in
      var row = [0, 0, 0, 0, 0]
      for (g, n) in zip(t.groups, counts) { row[g - 1] = n }
      row[4] = total
      return row
    }
  }

  init(_ published: PublishedTables) {
    share = published.table(39)
    progressive = Self.byGroup(published.diagnosisTable(40))
    nonProgressive = Self.byGroup(published.diagnosisTable(41))
  }

  /// The weights of a speciale 62 patient's diagnosis group and progressive
  /// disease: the region's patients of Tabel 40 (progressive, groups 1–4),
  /// then of Tabel 41 (not progressive).
  var diagnosisWeights: [Int] {
    Array(progressive[Rows.total].prefix(4) + nonProgressive[Rows.total].prefix(4))
  }
}

enum Vederlagsfri {
  /// Holdtraening patients per row and year (row `Rows.total` = region):
  /// each share rounds to the printed percent, the growth in percentage
  /// points (from unrounded shares) to the printed one, and the rows exceed
  /// the region by at most the year's patients treated in two kommuner.
  static func holdCounts(n: [[Int]], multi: [Int], targets t: VederlagsfriTargets) -> [[Int]] {
    func cands(_ r: Int, _ yi: Int) -> [Int] {
      (0...n[r][yi]).filter { Exact.roundedDiv(100 * $0, n[r][yi]) == t.share.values[r][yi] }
    }
    func ppGrowth(_ r: Int, _ h0: Int, _ h4: Int) -> Int {
      // 100·h4/n4 − 100·h0/n0, rounded half away from zero.
      let n0 = n[r][0], n4 = n[r][4]
      return Exact.roundedDiv(100 * (h4 * n0 - h0 * n4), n0 * n4)
    }
    var h = [[Int]](repeating: [0, 0, 0, 0, 0], count: Rows.count)
    var options = [[[Int]]](repeating: [], count: Rows.count)
    for r in 0..<Rows.count {
      options[r] = (0..<5).map { cands(r, $0) }
      for yi in 0..<5 {
        need(!options[r][yi].isEmpty, "Tabel 39 row \(r) \(Rows.years[yi]): no count fits")
        h[r][yi] = options[r][yi][options[r][yi].count / 2]
      }
      var best: (Int, Int, Int)?
      for (i0, a) in options[r][0].enumerated() {
        for (i4, b) in options[r][4].enumerated() where ppGrowth(r, a, b) == t.share.growth[r] {
          let score = abs(2 * i0 - options[r][0].count + 1) + abs(2 * i4 - options[r][4].count + 1)
          if best == nil || score < best!.0 { best = (score, a, b) }
        }
      }
      guard let pick = best else { fatalError("Tabel 39 row \(r): no counts give the printed growth") }
      h[r][0] = pick.1
      h[r][4] = pick.2
    }
    // Σ rows − region = patients with group training in two kommuner.
    for yi in 0..<5 {
      var steps = 0
      while true {
        let d = (0..<Rows.kommuner).reduce(0) { $0 + h[$1][yi] } - h[Rows.total][yi]
        if d >= 0 && d <= multi[yi] { break }
        steps += 1
        need(steps < 1000, "Tabel 39 \(Rows.years[yi]): rows and region cannot agree")
        // Move one row (round robin) or the region one step the right way,
        // inside its window and keeping its growth.
        let up = d < 0
        var moved = false
        for r in [Rows.total] + Array(0..<Rows.kommuner) {
          let step = (r == Rows.total) == up ? -1 : 1
          let v = h[r][yi] + step
          guard options[r][yi].contains(v) else { continue }
          if yi == 0 || yi == 4 {
            let (a, b) = yi == 0 ? (v, h[r][4]) : (h[r][0], v)
            guard ppGrowth(r, a, b) == t.share.growth[r] else { continue }
          }
          h[r][yi] = v
          moved = true
          break
        }
        need(moved, "Tabel 39 \(Rows.years[yi]): no row can move")
      }
    }
    return h
  }

  /// The roles of one year's speciale 62 segments (indexed as
  /// `plan.segments`). Group training: `hold[r]` persons per clinic row,
  /// the region total `hold[total]`; in 2023 also the diagnosis labels of
  /// Tabel 40/41.
  static func roles(plan: PatientPlan, hold: [Int], labels: VederlagsfriTargets?, seedKey: UInt64) -> [SegmentRole] {
    var roles = [SegmentRole](repeating: SegmentRole(), count: plan.segments.count)
    // Person → rows → segment indices (region clinics only).
    var rowsOf: [Int32: [Int: [Int]]] = [:]
    for (i, s) in plan.segments.enumerated() where s.row >= 0 {
      rowsOf[s.person, default: [:]][Int(s.row), default: []].append(i)
    }
    func rank(_ p: Int32) -> UInt64 { Mix.bijective(plan.persons[Int(p)].serial ^ seedKey ^ 0x401D) }
    let people = rowsOf.keys.sorted { rank($0) < rank($1) }
    let multi = people.filter { rowsOf[$0]!.count > 1 }
    let single = people.filter { rowsOf[$0]!.count == 1 }

    // Group training.
    var isHold: [Int32: Set<Int>] = [:]
    var left = Array(hold[0..<Rows.kommuner])
    let doubles = left.reduce(0, +) - hold[Rows.total]
    var placed = 0
    for p in multi where placed < doubles {
      let rows = Array(rowsOf[p]!.keys)
      guard rows.allSatisfy({ left[$0] > 0 }) else { continue }
      for r in rows { left[r] -= 1 }
      isHold[p] = Set(rows)
      placed += 1
    }
    need(placed == doubles, "\(plan.year): not enough patients in two kommuner for group training in both")
    for p in single {
      let r = rowsOf[p]!.keys.first!
      if left[r] > 0 {
        left[r] -= 1
        isHold[p] = [r]
      }
    }
    need(left.allSatisfy { $0 == 0 }, "\(plan.year): group training left over \(left)")
    for (p, rows) in rowsOf {
      for (r, segs) in rows {
        let h = isHold[p]?.contains(r) ?? false
        for (k, i) in segs.enumerated() {
          roles[i].hold = h
          roles[i].forceHold = h && k == 0
        }
      }
    }
    guard let t = labels else { return roles }

    // Diagnosis labels: per row r, c[r][p][g] persons with label (p, g),
    // T[r][p] with any p label; over the region C[p][g] and G[p].
    let tables = [t.nonProgressive, t.progressive]  // p = 0, 1
    func label(_ p: Int, _ g: Int) -> UInt8 { UInt8(g + 1) | (p == 1 ? 0x10 : 0) }
    var c = (0..<Rows.kommuner).map { r in (0..<2).map { p in Array(tables[p][r][0..<4]) } }
    var tRow = (0..<Rows.kommuner).map { r in (0..<2).map { p in tables[p][r][4] } }
    var personsLeft = (0..<Rows.kommuner).map { r in people.filter { rowsOf[$0]![r] != nil }.count }
    var labelsOf: [Int32: [Int: [UInt8]]] = [:]
    func place(_ person: Int32, _ r: Int, _ ls: [(Int, Int)]) {
      for (p, g) in ls { c[r][p][g] -= 1 }
      for p in Set(ls.map(\.0)) { tRow[r][p] -= 1 }
      personsLeft[r] -= 1
      labelsOf[person, default: [:]][r] = ls.map { label($0.0, $0.1) }
    }
    // Persons in two kommuner: those that count once in a region total
    // though twice in the rows carry the same label in both.
    var doubled: [(Int, Int)] = []
    var persons2 = [0, 0]
    for p in 0..<2 {
      let t = tables[p]
      for g in 0..<4 {
        let d = (0..<Rows.kommuner).reduce(0) { $0 + t[$1][g] } - t[Rows.total][g]
        doubled += Array(repeating: (p, g), count: d)
      }
      persons2[p] = (0..<Rows.kommuner).reduce(0) { $0 + t[$1][4] } - t[Rows.total][4]
    }
    var pool = multi
    func take(_ ok: (Int32, [Int]) -> Bool) -> (Int32, [Int])? {
      guard let i = pool.firstIndex(where: { ok($0, Array(rowsOf[$0]!.keys).sorted()) }) else { return nil }
      let p = pool.remove(at: i)
      return (p, Array(rowsOf[p]!.keys).sorted())
    }
    for p in 0..<2 {
      var labels = doubled.filter { $0.0 == p }
      let extra = labels.count - persons2[p]
      need(extra >= 0, "\(plan.year): Tabel 4\(1 - p) region totals above the rows")
      for k in 0..<persons2[p] {
        let two = k < extra
        let first = labels.removeFirst()
        var second: (Int, Int)?
        if two, let j = labels.firstIndex(where: { $0.1 != first.1 }) { second = labels.remove(at: j) }
        let ls = [first] + (second.map { [$0] } ?? [])
        guard
          let (person, rows) = take({ _, rows in
            rows.allSatisfy { r in ls.allSatisfy { c[r][$0.0][$0.1] > 0 } && tRow[r][p] > 0 }
          })
        else { fatalError("\(plan.year): no patient in two kommuner fits the label \(ls)") }
        for r in rows { place(person, r, ls) }
      }
      need(labels.isEmpty, "\(plan.year): doubled labels left")
    }
    // The other persons in two kommuner: progressive in one, not in the
    // other, so that nothing is doubled.
    for person in pool {
      let rows = Array(rowsOf[person]!.keys).sorted()
      for (k, r) in rows.enumerated() {
        let p = k == 0 ? 1 : 0
        guard let g = (0..<4).max(by: { c[r][p][$0] < c[r][p][$1] }), c[r][p][g] > 0, tRow[r][p] > 0 else {
          fatalError("\(plan.year): row \(r) has no room for a patient in two kommuner")
        }
        place(person, r, [(p, g)])
      }
    }
    // Each row's other persons: some with both labels, some with two
    // groups of one kind, the rest one label.
    for r in 0..<Rows.kommuner {
      var persons = single.filter { rowsOf[$0]![r] != nil }
      let both = tRow[r][0] + tRow[r][1] - personsLeft[r]
      let two = (0..<2).map { p in c[r][p].reduce(0, +) - tRow[r][p] }
      need(both >= 0 && two.allSatisfy { $0 >= 0 } && (0..<2).allSatisfy { tRow[r][$0] - both - two[$0] >= 0 },
        "\(plan.year) row \(r): labels do not fit (\(both), \(two), \(tRow[r]))")
      func largest(_ p: Int, not: Int = -1) -> Int {
        let g = (0..<4).filter { $0 != not }.max { c[r][p][$0] < c[r][p][$1] }!
        need(c[r][p][g] > 0, "\(plan.year) row \(r): label counts exhausted")
        return g
      }
      for p in 0..<2 {
        for _ in 0..<two[p] {
          let g1 = largest(p)
          c[r][p][g1] -= 1
          let g2 = largest(p, not: g1)
          c[r][p][g1] += 1
          place(persons.removeFirst(), r, [(p, g1), (p, g2)])
        }
      }
      for _ in 0..<both { place(persons.removeFirst(), r, [(0, largest(0)), (1, largest(1))]) }
      for p in 0..<2 {
        while tRow[r][p] > 0 { place(persons.removeFirst(), r, [(p, largest(p))]) }
      }
      need(persons.isEmpty && c[r].allSatisfy { $0.allSatisfy { $0 == 0 } }, "\(plan.year) row \(r): labels left")
    }
    for (p, rows) in labelsOf {
      for (r, ls) in rows {
        for (k, i) in rowsOf[p]![r]!.enumerated() {
          roles[i].labels = ls
          roles[i].forceLabels = k == 0
        }
      }
    }
    return roles
  }
}
