import LunaDomain

// The national part of the full sample: riding physiotherapy (specialer 65
// and 57) for Region Nordjylland's kommuner 2019–2023 and for every region,
// and specialer 51 and 62 in the four other regions, in every kommune:
// 2020–2023 at the published region tables, 2019 scaled from 2020 (no table
// prints it). Region Nordjylland's own 51/62 lines (and its residents
// treated elsewhere) come from Design.swift; the other regions take what
// those leave.
//
// Outside Region Nordjylland every patient has one line per 99 ydelser (so
// Antal is often well above 1): the regional tables need every distinct
// patient, not every service, and this keeps the sample near 6.2 million
// lines (410 MB). Riding lines bundle a month's sessions (Antal 1–99).

/// The populations of `ClaimLine.specialeIndex`.
enum Population {
  /// Speciale code per population index: 51 and 62 of Region Nordjylland,
  /// riding 65 and 57, then 51 and 62 of the other regions.
  static let speciale = [51, 62, 65, 57, 51, 62]
  static let riding65 = 2, riding57 = 3, other51 = 4, other62 = 5
  static let count = 6
}

/// The exact targets of the national part.
struct NationalDesign {
  let riding: [RidingDesign]  // 65, 57
  let ridingRegions: [RegionDesign]  // 65, 57
  let regions: [RegionDesign]  // 51, 62
  /// 2019, which the region tables do not print (`RegionYear.before`).
  let ridingRegions2019: [RegionYear]  // 65, 57
  let regions2019: [RegionYear]  // 51, 62

  /// `nordjylland51` and `nordjylland62` are Region Nordjylland's Total rows
  /// 2020–2023, `first51` and `first62` its 2019.
  init(nordjylland51: Series, nordjylland62: Series, first51: RegionYear.Row, first62: RegionYear.Row, _ p: PublishedTables) {
    riding = [
      RidingDesign(
        speciale: 65, patients: p.table(16), quad: TableQuad((43, 45, 47, 49), p),
        regionQuad: TableQuad((42, 44, 46, 48), p)),
      RidingDesign(
        speciale: 57, patients: p.table(17), quad: TableQuad((51, 53, 55, 57), p),
        regionQuad: TableQuad((50, 52, 54, 56), p)),
    ]
    ridingRegions = zip([65, 57], zip([(42, 44, 46, 48), (50, 52, 54, 56)], riding)).map { s, x in
      let quad = TableQuad(x.0, p)
      return RegionDesign(speciale: s, quad: quad, nordjylland: x.1.regionRow(years: quad.years))
    }
    regions = [
      RegionDesign(speciale: 51, quad: TableQuad((18, 20, 22, 24), p), nordjylland: nordjylland51),
      RegionDesign(speciale: 62, quad: TableQuad((28, 30, 32, 34), p), nordjylland: nordjylland62),
    ]
    ridingRegions2019 = zip(ridingRegions, riding).map { d, r in
      d.year(0).before(RegionYear.Row(ydelser: r.total.ydelser[0], ore: r.total.ore[0], patients: r.total.patients[0]))
    }
    regions2019 = [regions[0].year(0).before(first51), regions[1].year(0).before(first62)]
  }
}

/// One segment of a national person: where they live and are treated, for
/// how many months, with how many ydelser.
private struct NationalSegment {
  var person: Int32
  var home: Int
  var clinic: Int
  var firstMonth: Int
  var monthCount: Int
  var ordinal: UInt64
  var ydelser = 0
}

/// A group of segments whose ydelser and øre must add up to a target: one
/// kommune row or one region's share.
private struct SegmentGroup {
  var ydelser: Int
  var ore: Int
  var segments: [Int] = []
}

struct NationalLines {
  let design: NationalDesign
  let places: Places
  let seedKey: UInt64

  /// The year's persons per population (indices 0 and 1 stay empty) and
  /// lines; `nordjylland` holds the year's lines of populations 0 and 1,
  /// whose residents treated in other regions count there.
  func build(yearIndex yi: Int, nordjylland: [ClaimLine], persons: inout [[Person]], into lines: inout [ClaimLine]) {
    let year = Rows.years[yi]
    for (k, pop) in [Population.riding65, Population.riding57].enumerated() {
      var b = Builder(pop: pop, year: year, places: places, seedKey: seedKey)
      let r = design.riding[k]
      // Region Nordjylland by kommune: locals and movers between kommuner.
      let p = r.rows.map { $0.patients[yi] }
      var groups = r.rows.map { SegmentGroup(ydelser: $0.ydelser[yi], ore: $0.ore[yi]) }
      let movers = p.reduce(0, +) - r.total.patients[yi]
      var rng = SplitMix64(0x61DE_0000, UInt64(r.speciale), UInt64(year))
      var touched = [Int](repeating: 0, count: p.count)
      var moverPairs: [(Int, Int)] = []
      for _ in 0..<movers {
        let from = rng.weighted(p)
        var w = p
        w[from] = 0
        let to = rng.weighted(w)
        moverPairs.append((from, to))
        touched[from] += 1
        touched[to] += 1
      }
      for (row, code) in r.kommuneCodes.enumerated() {
        need(p[row] >= touched[row], "speciale \(r.speciale) \(year): too many movers in \(code)")
        for _ in 0..<(p[row] - touched[row]) {
          let person = b.person()
          b.segment(person, home: code, clinic: places.ridingClinic[code]!, group: row, &groups)
        }
      }
      for (from, to) in moverPairs {
        let person = b.person()
        var mr = b.rng(person)
        let m = mr.int(in: 3...11)
        b.segment(person, home: r.kommuneCodes[from], clinic: places.ridingClinic[r.kommuneCodes[from]]!, group: from, months: (1, m - 1), &groups)
        b.segment(person, home: r.kommuneCodes[to], clinic: places.ridingClinic[r.kommuneCodes[to]]!, group: to, months: (m, 13 - m), ordinal: 1, &groups)
      }
      // The other regions: 2020–2023 as the region tables print them,
      // 2019 made up (`RegionYear.before`), appended after the region's own
      // persons and groups so that those keep their lines.
      b.otherRegions(yi > 0 ? design.ridingRegions[k].year(yi - 1) : design.ridingRegions2019[k], outbound: nil, groups: &groups)
      b.emit(groups, riding: true, into: &lines)
      persons[pop] = b.persons
    }
    for (k, pop) in [Population.other51, Population.other62].enumerated() {
      var b = Builder(pop: pop, year: year, places: places, seedKey: seedKey)
      var groups: [SegmentGroup] = []
      if yi > 0 {
        let outbound = Outbound(lines: nordjylland, specialeIndex: k, year: year, places: places)
        b.otherRegions(design.regions[k].year(yi - 1), outbound: outbound, groups: &groups)
      } else {
        b.otherRegions(design.regions2019[k], outbound: nil, groups: &groups)
      }
      b.emit(groups, riding: false, into: &lines)
      persons[pop] = b.persons
    }
  }
}

/// Region Nordjylland's residents treated in another region: their ydelser,
/// øre and distinct persons per region, which that region's target includes.
private struct Outbound {
  var ydelser: [Int: Int] = [:]
  var ore: [Int: Int] = [:]
  var persons: [Int: Int] = [:]

  init(lines: [ClaimLine], specialeIndex: Int, year: Int, places: Places) {
    var seen: [Int: Set<Int32>] = [:]
    for l in lines where Int(l.specialeIndex) == specialeIndex && places.rowOfCode[Int(l.yderKommune)] < 0 {
      guard let region = Geography.denmark.region(ofKommune: Int(l.yderKommune), year: year)?.code else { continue }
      ydelser[region, default: 0] += Int(l.antal)
      ore[region, default: 0] += l.amountOre
      if l.antal > 0 { seen[region, default: []].insert(l.person) }
    }
    persons = seen.mapValues(\.count)
  }
}

private struct Builder {
  let pop: Int
  let year: Int
  let places: Places
  let seedKey: UInt64
  var persons: [Person] = []
  var segments: [NationalSegment] = []

  init(pop: Int, year: Int, places: Places, seedKey: UInt64) {
    self.pop = pop
    self.year = year
    self.places = places
    self.seedKey = seedKey
  }

  var speciale: Int { Population.speciale[pop] }

  mutating func person() -> Int32 {
    let serial = UInt64(1) << 61 | UInt64(pop) << 44 | UInt64(year - Rows.years[0]) << 40 | UInt64(persons.count)
    let id = Mix.bijective(serial ^ seedKey)
    let h = Mix.bijective(serial &+ 0x5A71_0AA1)
    let age = speciale == 65 || speciale == 57 ? 4 + Int(h % 70) : 18 + Int(h % 75)
    persons.append(Person(serial: serial, id: id, age: UInt8(age), diagnose: UInt8(h >> 20 % 4 + 1), progressiv: (h >> 30) % 5 == 0))
    return Int32(persons.count - 1)
  }

  func rng(_ person: Int32, _ ordinal: UInt64 = 0) -> SplitMix64 {
    SplitMix64(seedKey, 0xA71, UInt64(year), persons[Int(person)].serial, ordinal)
  }

  mutating func segment(
    _ person: Int32, home: Int, clinic: Int, group: Int, months: (Int, Int)? = nil, ordinal: UInt64 = 0,
    _ groups: inout [SegmentGroup]
  ) {
    var r = rng(person, ordinal &+ 7)
    let m = months ?? (r.int(in: 1...6), r.int(in: 4...7))
    groups[group].segments.append(segments.count)
    segments.append(NationalSegment(person: person, home: home, clinic: clinic, firstMonth: m.0, monthCount: max(1, m.1), ordinal: ordinal))
  }

  /// The other regions' persons of one year: singles, and persons in two
  /// regions (moved, or treated in both) so that the country's distinct
  /// count comes out. Residents of Region Nordjylland treated elsewhere
  /// (`outbound`) already count in their clinic's region.
  ///
  /// A person lives in a kommune of the region drawn in proportion to its
  /// inhabitants (`Places.regionInhabitants`), and is treated at one of its
  /// clinics drawn by capacity; both draws are fixed per person serial (no
  /// seed), so another seed keeps every kommune's patients (and its 2019);
  /// its udgift and ydelser of 2020–2023 move a little, as the region's
  /// share left by Region Nordjylland's residents treated there (seeded)
  /// does, while the region totals stay.
  mutating func otherRegions(_ d: RegionYear, outbound: Outbound?, groups: inout [SegmentGroup]) {
    let nj = d.regionCodes.firstIndex(of: Places.regionCode)!
    let others = d.regionCodes.indices.filter { $0 != nj }
    let cross = others.reduce(0) { $0 + d.rows[$1].patients } + d.rows[nj].patients - d.countryPatients
    need(cross >= 0, "speciale \(d.speciale): more patients in the country than in its regions")
    let base = groups.count
    var singles: [Int: Int] = [:]
    for (k, r) in others.enumerated() {
      let code = d.regionCodes[r]
      groups.append(
        SegmentGroup(
          ydelser: d.rows[r].ydelser - (outbound?.ydelser[code] ?? 0),
          ore: d.rows[r].ore - (outbound?.ore[code] ?? 0)))
      singles[k] = d.rows[r].patients - (outbound?.persons[code] ?? 0)
    }
    func home(_ k: Int, _ person: Int32, _ ordinal: UInt64) -> Int {
      let region = d.regionCodes[others[k]]
      var r = SplitMix64(0x4047_E000, persons[Int(person)].serial, ordinal)
      return places.regionKommuner[region]![r.weighted(places.regionInhabitants[region]!)]
    }
    func clinic(_ home: Int, _ person: Int32, _ ordinal: UInt64) -> Int {
      places.nationalClinic(in: home, key: persons[Int(person)].serial &+ ordinal)
    }
    for c in 0..<cross {
      let a = c % others.count
      let b = (a + 1 + (c / others.count) % (others.count - 1)) % others.count
      let person = self.person()
      var mr = rng(person)
      let m = mr.int(in: 3...11)
      let ha = home(a, person, 0), hb = home(b, person, 1)
      segment(person, home: ha, clinic: clinic(ha, person, 0), group: base + a, months: (1, m - 1), &groups)
      segment(person, home: hb, clinic: clinic(hb, person, 1), group: base + b, months: (m, 13 - m), ordinal: 1, &groups)
      singles[a]! -= 1
      singles[b]! -= 1
    }
    for k in others.indices {
      need(singles[k]! >= 0, "speciale \(d.speciale): region \(d.regionCodes[others[k]]) has too few patients for its cross-region ones")
      for _ in 0..<singles[k]! {
        let person = self.person()
        let h = home(k, person, 0)
        segment(person, home: h, clinic: clinic(h, person, 0), group: base + k, &groups)
      }
    }
  }

  /// Whether a person of the other regions' speciale 62 has holdtræning
  /// (all their services, `Service.hold`): about 55 % of them, near Region
  /// Nordjylland's share (Tabel 39), fixed per person serial. Never for
  /// speciale 51, whose lines stay `0111` as before.
  func hold(_ person: Int32) -> Bool {
    pop == Population.other62 && Mix.bijective(persons[Int(person)].serial ^ 0x401D_0000) % 100 < 55
  }

  /// Shares out each group's ydelser over its segments (each at least one,
  /// skewed) and its øre over their lines in proportion to Antal.
  func emit(_ groups: [SegmentGroup], riding: Bool, into lines: inout [ClaimLine]) {
    for (g, group) in groups.enumerated() {
      guard !group.segments.isEmpty else {
        need(group.ydelser == 0 && group.ore == 0, "speciale \(speciale) \(year) group \(g): amounts without patients")
        continue
      }
      need(group.ydelser >= group.segments.count, "speciale \(speciale) \(year) group \(g): fewer ydelser than patients")
      var wr = SplitMix64(0xC0DE_5E6, UInt64(pop), UInt64(year), UInt64(g))
      let weights = group.segments.map { _ in 1 + wr.below(1000) * wr.below(1000) }
      let total = weights.reduce(0, +)
      let extra = group.ydelser - group.segments.count
      var counts = weights.map { 1 + extra * $0 / total }
      let left = group.ydelser - counts.reduce(0, +)
      for i in 0..<left { counts[i * counts.count / left] += 1 }
      let start = lines.count
      for (i, c) in zip(group.segments, counts) {
        let s = segments[i]
        var r = rng(s.person, s.ordinal)
        let service = riding ? Service.riding : hold(s.person) ? Service.hold : 1
        let n = max(riding ? min(c, s.monthCount) : 1, (c + 98) / 99)
        for j in 0..<n {
          let antal = c / n + (j < c % n ? 1 : 0)
          lines.append(
            ClaimLine(
              key: r.next(), amountOre: antal, person: s.person, patientKommune: Int16(s.home),
              yderKommune: Int16(places.clinics[s.clinic].kommune), clinic: Int16(s.clinic),
              month: UInt8((s.firstMonth - 1 + j % s.monthCount) % 12 + 1),
              service: UInt8(service), antal: Int8(antal), specialeIndex: UInt8(pop), flags: 0))
        }
      }
      // Øre in proportion to Antal, the flooring residual one øre each.
      var assigned = 0
      for j in start..<lines.count {
        lines[j].amountOre = group.ore * lines[j].amountOre / group.ydelser
        need(lines[j].amountOre > 0, "a line without Bruttohonorar")
        assigned += lines[j].amountOre
      }
      let residual = group.ore - assigned
      let span = lines.count - start
      need(residual >= 0 && residual < span, "øre residual \(residual)")
      for i in 0..<residual { lines[start + i * span / residual].amountOre += 1 }
    }
  }
}
