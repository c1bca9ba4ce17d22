import LunaDomain

// Solving for the exact numbers behind the national tables: riding
// physiotherapy by the patient's kommune in Region Nordjylland (Tabel 16,
// 17, 43–57), and every region 2020–2023 (Tabel 18–34 even, 42–56 even).
// As in Design.swift, the printed values are rounded; the samples need øre,
// ydelser and distinct patient counts that reproduce every printed cell
// (except the misprints of `Misprint.all`, built to their consistent value).

/// Exact series of one row: øre, ydelser and distinct patients per year.
struct Series: Equatable {
  var ore: [Int]
  var ydelser: [Int]
  var patients: [Int]

  static func zero(_ n: Int) -> Series { Series(ore: Array(repeating: 0, count: n), ydelser: Array(repeating: 0, count: n), patients: Array(repeating: 0, count: n)) }
}

/// Four printed tables of one speciale that share rows: amount, amount per
/// patient, ydelser, ydelser per patient.
struct TableQuad {
  let money: PrintedTable
  let perPatient: PrintedTable
  let ydelser: PrintedTable
  let ydelserPerPatient: PrintedTable
  /// Øre per printed unit of `money` (100 for kroner, 10^7 for millions
  /// with one decimal).
  let moneyUnit: Int

  init(_ numbers: (Int, Int, Int, Int), _ published: PublishedTables) {
    money = Misprint.corrected(published.table(numbers.0))
    perPatient = Misprint.corrected(published.table(numbers.1))
    ydelser = Misprint.corrected(published.table(numbers.2))
    ydelserPerPatient = Misprint.corrected(published.table(numbers.3))
    moneyUnit = money.decimals == 1 ? 10_000_000 : 100
    need(perPatient.decimals == 0, "Tabel \(numbers.1) has decimals")
  }

  var years: [Int] { money.years }
  var rowNames: [String] { money.rowNames }

  /// Every printed cell of row `r` that `s` does not reproduce.
  func mismatches(row r: Int, _ s: Series) -> [String] {
    var out: [String] = []
    func check(_ t: PrintedTable, _ col: String, _ got: Int, _ want: Int) {
      if got != want { out.append("Tabel \(t.number) \(t.rowNames[r]) \(col): got \(got), printed \(want)") }
    }
    let d = Exact.power10(ydelserPerPatient.decimals)
    for (i, year) in years.enumerated() {
      let c = String(year)
      guard s.patients[i] > 0, s.ore[i] > 0 else {
        out.append("Tabel \(money.number) \(rowNames[r]) \(year): empty")
        continue
      }
      check(money, c, Exact.roundedDiv(s.ore[i], moneyUnit), money.values[r][i])
      check(perPatient, c, Exact.roundedDiv(s.ore[i], 100 * s.patients[i]), perPatient.values[r][i])
      check(ydelser, c, s.ydelser[i], ydelser.values[r][i])
      check(ydelserPerPatient, c, Exact.roundedDiv(d * s.ydelser[i], s.patients[i]), ydelserPerPatient.values[r][i])
    }
    guard out.isEmpty else { return out }
    let l = years.count - 1
    let g = "udvikling_pct"
    check(money, g, Exact.growth(s.ore[0], s.ore[l]), money.growth[r])
    check(perPatient, g, Exact.growth(s.ore[0], s.patients[0], s.ore[l], s.patients[l]), perPatient.growth[r])
    check(ydelser, g, Exact.growth(s.ydelser[0], s.ydelser[l]), ydelser.growth[r])
    check(ydelserPerPatient, g, Exact.growth(s.ydelser[0], s.patients[0], s.ydelser[l], s.patients[l]), ydelserPerPatient.growth[r])
    return out
  }

  /// The øre that print as row r's amount in year i.
  func moneyWindow(row r: Int, year i: Int) -> Range<Int> {
    Exact.window(printed: money.values[r][i], unit: moneyUnit)
  }

  /// The øre that print as row r's amount per patient, for `patients`.
  func perPatientWindow(row r: Int, year i: Int, patients p: Int) -> Range<Int> {
    Exact.window(printed: perPatient.values[r][i], unit: 100 * p)
  }

  /// Patient counts that print row r's ydelser per patient from `ydelser`.
  func patientRange(row r: Int, year i: Int, ydelser y: Int) -> ClosedRange<Int> {
    let d = Exact.power10(ydelserPerPatient.decimals)
    let b = ydelserPerPatient.values[r][i]
    // y·d / P ∈ [b − ½, b + ½)  ⇔  2yd / (2b + 1) < P ≤ 2yd / (2b − 1)
    let lo = 2 * y * d / (2 * b + 1) + 1
    let hi = b > 0 ? (2 * b - 1 > 0 ? 2 * y * d / (2 * b - 1) : Int.max / 4) : 0
    return lo...max(lo - 1, hi)
  }

  /// For each year, the (patients, øre) choices of a free row: every patient
  /// count whose amount and per-patient windows meet, with the middle of
  /// that meeting as øre.
  func choices(row r: Int, ydelser: [Int]) -> [[(patients: Int, ore: Int, window: Range<Int>)]] {
    years.indices.map { i in
      patientRange(row: r, year: i, ydelser: ydelser[i]).compactMap { p in
        let w = moneyWindow(row: r, year: i).clamped(to: perPatientWindow(row: r, year: i, patients: p))
        return w.isEmpty ? nil : (p, (w.lowerBound + w.upperBound - 1) / 2, w)
      }
    }
  }

  /// A free row: printed ydelser, then patient counts and øre in the middle
  /// of their windows, the first and last year chosen together so that the
  /// growth columns come out.
  func solveFreeRow(_ r: Int) -> (Series, windows: [Range<Int>]) {
    let y = ydelser.values[r]
    let c = choices(row: r, ydelser: y)
    for (i, list) in c.enumerated() {
      need(!list.isEmpty, "Tabel \(perPatient.number) \(rowNames[r]) \(years[i]): no patient count fits")
    }
    var s = Series(ore: c.map { $0[$0.count / 2].ore }, ydelser: y, patients: c.map { $0[$0.count / 2].patients })
    var windows = c.map { $0[$0.count / 2].window }
    let l = years.count - 1
    var best: (score: Int, a: Int, b: Int)?
    for (ia, a) in c[0].enumerated() {
      for (ib, b) in c[l].enumerated() {
        var t = s
        t.ore[0] = a.ore
        t.patients[0] = a.patients
        t.ore[l] = b.ore
        t.patients[l] = b.patients
        guard mismatches(row: r, t).isEmpty else { continue }
        let score = abs(2 * ia - c[0].count + 1) + abs(2 * ib - c[l].count + 1)
        if best == nil || score < best!.score { best = (score, ia, ib) }
      }
    }
    guard let pick = best else {
      fatalError("Tabel \(money.number)–\(ydelserPerPatient.number) \(rowNames[r]): no growth fits\n" + mismatches(row: r, s).joined(separator: "\n"))
    }
    for (i, j) in [(0, pick.a), (l, pick.b)] {
      s.ore[i] = c[i][j].ore
      s.patients[i] = c[i][j].patients
      windows[i] = c[i][j].window
    }
    return (s, windows)
  }

  /// Moves the free rows' øre inside their windows until their sum prints
  /// as the Total row's amount, keeping every row's cells. `fixed` is the
  /// øre of rows that cannot move.
  func fitTotal(
    rows: inout [Series], windows: [[Range<Int>]], rowIndex: [Int], fixed: [Int], totalRow t: Int
  ) {
    for i in years.indices {
      let target = moneyWindow(row: t, year: i)
      var sum = fixed[i] + rows.reduce(0) { $0 + $1.ore[i] }
      var k = 0
      var steps = 0
      while !target.contains(sum) {
        let want = sum < target.lowerBound ? target.lowerBound - sum : target.upperBound - 1 - sum
        let w = windows[k][i]
        let before = rows[k].ore[i]
        let moved = max(w.lowerBound, min(w.upperBound - 1, before + want))
        rows[k].ore[i] = moved
        if !mismatches(row: rowIndex[k], rows[k]).isEmpty { rows[k].ore[i] = before }
        sum += rows[k].ore[i] - before
        k = (k + 1) % rows.count
        steps += 1
        need(steps < 8 * rows.count, "Tabel \(money.number) Total \(years[i]): rows cannot reach it")
      }
    }
  }

  /// The Total row's distinct patients, given its sums: within the printed
  /// windows, at most `maxPatients` (the sum of the rows' counts), first and
  /// last year together for the growth columns.
  func solveTotalPatients(_ r: Int, ore: [Int], ydelser y: [Int], maxPatients: [Int]) -> [Int] {
    let c: [[Int]] = years.indices.map { i in
      patientRange(row: r, year: i, ydelser: y[i]).filter {
        $0 <= maxPatients[i] && perPatientWindow(row: r, year: i, patients: $0).contains(ore[i])
      }
    }
    for (i, list) in c.enumerated() {
      need(!list.isEmpty, "Tabel \(perPatient.number) Total \(years[i]): no patient count fits")
    }
    var p = c.map { $0[$0.count / 2] }
    let l = years.count - 1
    var best: (score: Int, a: Int, b: Int)?
    for (ia, a) in c[0].enumerated() {
      for (ib, b) in c[l].enumerated() {
        p[0] = a
        p[l] = b
        guard mismatches(row: r, Series(ore: ore, ydelser: y, patients: p)).isEmpty else { continue }
        let score = abs(2 * ia - c[0].count + 1) + abs(2 * ib - c[l].count + 1)
        if best == nil || score < best!.score { best = (score, ia, ib) }
      }
    }
    guard let pick = best else {
      fatalError("Tabel \(perPatient.number) Total: no patient counts give the growth\n" + mismatches(row: r, Series(ore: ore, ydelser: y, patients: p)).joined(separator: "\n"))
    }
    p[0] = c[0][pick.a]
    p[l] = c[l][pick.b]
    return p
  }
}

/// The exact measures of one speciale's region table rows, 2020–2023: the
/// rows in the tables' order, Region Nordjylland's given (from the kommune
/// design), the country's total as the last row.
struct RegionDesign {
  let speciale: Int
  let quad: TableQuad
  /// Region code of each row but the Total.
  let regionCodes: [Int]
  let rows: [Series]
  /// Distinct patients over the country.
  let total: Series

  /// `nordjylland` is that region's row over `quad.years`.
  init(speciale: Int, quad: TableQuad, nordjylland: Series) {
    self.speciale = speciale
    self.quad = quad
    let names = quad.rowNames
    regionCodes = names.dropLast().map { name in
      guard let r = Geography.denmark.regions.first(where: { $0.name == name }) else { fatalError("region \(name)") }
      return r.code
    }
    let nj = names.firstIndex(of: "Region Nordjylland")!
    let t = names.count - 1
    let wrong = quad.mismatches(row: nj, nordjylland)
    need(wrong.isEmpty, "speciale \(speciale), Region Nordjylland:\n" + wrong.joined(separator: "\n"))
    var free: [Series] = []
    var windows: [[Range<Int>]] = []
    var index: [Int] = []
    for r in 0..<t where r != nj {
      let (s, w) = quad.solveFreeRow(r)
      free.append(s)
      windows.append(w)
      index.append(r)
    }
    quad.fitTotal(rows: &free, windows: windows, rowIndex: index, fixed: nordjylland.ore, totalRow: t)
    var rows = [Series](repeating: nordjylland, count: t)
    for (k, r) in index.enumerated() { rows[r] = free[k] }
    let n = quad.years.count
    let ore = (0..<n).map { i in rows.reduce(0) { $0 + $1.ore[i] } }
    let ydelser = (0..<n).map { i in rows.reduce(0) { $0 + $1.ydelser[i] } }
    let maxPatients = (0..<n).map { i in rows.reduce(0) { $0 + $1.patients[i] } }
    let patients = quad.solveTotalPatients(t, ore: ore, ydelser: ydelser, maxPatients: maxPatients)
    self.rows = rows
    total = Series(ore: ore, ydelser: ydelser, patients: patients)
    let bad = quad.mismatches(row: t, total)
    need(bad.isEmpty, bad.joined(separator: "\n"))
  }
}

extension RegionDesign {
  /// The rows of year `i` of `quad.years`.
  func year(_ i: Int) -> RegionYear {
    RegionYear(
      speciale: speciale, regionCodes: regionCodes,
      rows: rows.map { RegionYear.Row(ydelser: $0.ydelser[i], ore: $0.ore[i], patients: $0.patients[i]) },
      countryPatients: total.patients[i])
  }
}

/// One year of a speciale's region rows: what the other regions' persons
/// and lines are made to add up to.
struct RegionYear {
  struct Row {
    var ydelser: Int
    var ore: Int
    var patients: Int
  }

  let speciale: Int
  /// Every region's code, Region Nordjylland's included (its row is built
  /// elsewhere).
  let regionCodes: [Int]
  let rows: [Row]
  /// Distinct patients over the country.
  let countryPatients: Int

  /// The year before, which the region tables do not print (2019): each
  /// region's row scaled by Region Nordjylland's own change to this year
  /// (`nordjylland` is its row of the year before), nobody in two regions.
  /// Made up, so that a plan for another region has its first year; it
  /// changes no printed cell.
  func before(_ nordjylland: Row) -> RegionYear {
    let nj = rows[regionCodes.firstIndex(of: Places.regionCode)!]
    func scaled(_ v: Int, _ to: Int, _ from: Int) -> Int { Int((Double(v) * Double(to) / Double(from)).rounded()) }
    let out = rows.map { r in
      Row(
        ydelser: scaled(r.ydelser, nordjylland.ydelser, nj.ydelser), ore: scaled(r.ore, nordjylland.ore, nj.ore),
        patients: scaled(r.patients, nordjylland.patients, nj.patients))
    }
    return RegionYear(
      speciale: speciale, regionCodes: regionCodes, rows: out, countryPatients: out.reduce(0) { $0 + $1.patients })
  }
}

/// Riding physiotherapy in Region Nordjylland by the patient's kommune,
/// 2019–2023: exact øre per kommune row, the printed ydelser and patients.
struct RidingDesign {
  let speciale: Int
  let quad: TableQuad
  let patientsTable: PrintedTable
  /// Kommune code per row (the printed rows: no Læsø).
  let kommuneCodes: [Int]
  let rows: [Series]
  let total: Series

  init(speciale: Int, patients: PrintedTable, quad: TableQuad, regionQuad: TableQuad) {
    self.speciale = speciale
    self.quad = quad
    patientsTable = patients
    let names = quad.rowNames
    need(patientsTable.rowNames == names, "Tabel \(patients.number) has other rows")
    kommuneCodes = names.dropLast().map { name in
      guard let k = Geography.denmark.kommune(named: name) else { fatalError("kommune \(name)") }
      return k.code
    }
    let t = names.count - 1
    var rows: [Series] = []
    var windows: [[Range<Int>]] = []
    for r in 0..<t {
      let y = quad.ydelser.values[r]
      let p = patientsTable.values[r]
      let w = quad.years.indices.map { i in
        quad.moneyWindow(row: r, year: i).clamped(to: quad.perPatientWindow(row: r, year: i, patients: p[i]))
      }
      var s = Series(ore: w.map { ($0.lowerBound + $0.upperBound - 1) / 2 }, ydelser: y, patients: p)
      if !quad.mismatches(row: r, s).isEmpty {
        // Growth at a rounding edge: try other points of the first and last
        // year's windows.
        let l = quad.years.count - 1
        let grid = { (w: Range<Int>) in (0...20).map { w.lowerBound + (w.count - 1) * $0 / 20 } }
        search: for a in grid(w[0]) {
          for b in grid(w[l]) {
            s.ore[0] = a
            s.ore[l] = b
            if quad.mismatches(row: r, s).isEmpty { break search }
          }
        }
      }
      let wrong = quad.mismatches(row: r, s)
      need(wrong.isEmpty, wrong.joined(separator: "\n"))
      rows.append(s)
      windows.append(w)
    }
    let n = quad.years.count
    quad.fitTotal(rows: &rows, windows: windows, rowIndex: Array(0..<t), fixed: Array(repeating: 0, count: n), totalRow: t)
    let total = Series(
      ore: (0..<n).map { i in rows.reduce(0) { $0 + $1.ore[i] } },
      ydelser: (0..<n).map { i in rows.reduce(0) { $0 + $1.ydelser[i] } },
      patients: patientsTable.values[t])
    var wrong = quad.mismatches(row: t, total)
    let printedPatients = patientsTable.values
    for i in 0..<n where printedPatients[t][i] > (0..<t).reduce(0, { $0 + printedPatients[$1][i] }) {
      wrong.append("Tabel \(patients.number) Total exceeds its rows")
    }
    need(wrong.isEmpty, "speciale \(speciale):\n" + wrong.joined(separator: "\n"))
    self.rows = rows
    self.total = total
    _ = regionQuad
  }

  /// The region's row over the region tables' years (2020–2023).
  func regionRow(years: [Int]) -> Series {
    let idx = years.map { quad.years.firstIndex(of: $0)! }
    return Series(ore: idx.map { total.ore[$0] }, ydelser: idx.map { total.ydelser[$0] }, patients: idx.map { total.patients[$0] })
  }
}

extension NationalDesign {
  /// From Region Nordjylland's 51/62 designs: their Total rows, 2020–2023.
  init(_ designs: [SpecialeDesign], _ published: PublishedTables) {
    let rows = designs.map { d -> Series in
      let m = d.measures
      let idx = Array(1..<Rows.years.count)
      return Series(
        ore: idx.map { m.udgiftOre[Rows.total][$0] }, ydelser: idx.map { m.ydelser[Rows.total][$0] },
        patients: idx.map { m.patienterYder[Rows.total][$0] })
    }
    let first = designs.map { d in
      RegionYear.Row(
        ydelser: d.measures.ydelser[Rows.total][0], ore: d.measures.udgiftOre[Rows.total][0],
        patients: d.measures.patienterYder[Rows.total][0])
    }
    self.init(nordjylland51: rows[0], nordjylland62: rows[1], first51: first[0], first62: first[1], published)
  }

  /// Recounts one year's lines the way the tables define them and returns
  /// every region or kommune value that differs from the design.
  func recount(_ lines: [ClaimLine], yearIndex yi: Int, places: Places) -> [String] {
    let year = Rows.years[yi]
    let geo = Geography.denmark
    var regionOf = [Int](repeating: 0, count: 1000)
    for k in geo.kommuner { regionOf[k.code] = geo.region(ofKommune: k.code, year: year)?.code ?? 0 }
    struct Acc {
      var ydelser = 0
      var ore = 0
      var persons = Set<Int64>()
    }
    // Key: (population group, code); group 0/1 = riding 65/57 by patient
    // kommune, 2/3 = riding by patient region, 4/5 = 51/62 by clinic region.
    var acc: [[Int]: Acc] = [:]
    func add(_ key: [Int], _ l: ClaimLine) {
      acc[key, default: Acc()].ydelser += Int(l.antal)
      acc[key, default: Acc()].ore += l.amountOre
      if l.antal > 0 { acc[key, default: Acc()].persons.insert(Int64(l.specialeIndex) << 32 | Int64(l.person)) }
    }
    for l in lines {
      let pop = Int(l.specialeIndex)
      switch pop {
      case Population.riding65, Population.riding57:
        let g = pop - Population.riding65
        if places.rowOfCode[Int(l.patientKommune)] >= 0 {
          add([g, Int(l.patientKommune)], l)
          add([g, 0], l)
        }
        add([2 + g, regionOf[Int(l.patientKommune)]], l)
        add([2 + g, 0], l)
      default:
        let g = 4 + (pop == 0 || pop == Population.other51 ? 0 : 1)
        add([g, regionOf[Int(l.yderKommune)]], l)
        add([g, 0], l)
      }
    }
    var out: [String] = []
    func check(_ key: [Int], _ s: Series, _ i: Int, _ what: String) {
      let a = acc[key] ?? Acc()
      let got = [a.ydelser, a.ore, a.persons.count]
      let want = [s.ydelser[i], s.ore[i], s.patients[i]]
      if got != want { out.append("\(what): got \(got), designed \(want)") }
    }
    for (g, r) in riding.enumerated() {
      for (k, code) in r.kommuneCodes.enumerated() { check([g, code], r.rows[k], yi, "speciale \(r.speciale) kommune \(code)") }
      check([g, 0], r.total, yi, "speciale \(r.speciale) region total")
    }
    guard yi > 0 else { return out }
    for (g, d) in (ridingRegions + regions).enumerated() {
      for (k, code) in d.regionCodes.enumerated() { check([2 + g, code], d.rows[k], yi - 1, "speciale \(d.speciale) region \(code)") }
      check([2 + g, 0], d.total, yi - 1, "speciale \(d.speciale) country")
    }
    return out
  }
}
