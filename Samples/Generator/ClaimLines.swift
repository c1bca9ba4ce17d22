// Turning segments into service lines whose sums per clinic kommune are the
// design's exact ydelser and øre.
//
// Each segment draws its lines from its own random stream, named by seed,
// year, person and segment, so a line never depends on which other lines
// were generated. Segments that are not local (another home kommune, or a
// clinic outside the region) get their ydelser and øre from that stream and
// a fixed tariff factor; the local segments of a kommune then share out
// exactly what remains. That is what lets the small scale generate only the
// lines touching Læsø and still write them byte for byte as the full scale.

/// One service line, compact (32 bytes) because the full scale holds about
/// 850,000 of them per year before sorting.
struct ClaimLine {
  var key: UInt64
  var amountOre: Int
  var person: Int32
  var patientKommune: Int16
  var yderKommune: Int16
  var clinic: Int16
  var month: UInt8
  var service: UInt8
  var antal: Int8
  /// The population: 0 = speciale 51, 1 = speciale 62 (Region Nordjylland,
  /// Design.swift), then the national part's (`NationalPopulation`).
  var specialeIndex: UInt8
  var flags: UInt8
  /// Diagnosegruppe | 0x10 if progressive, for this line; 0 = the person's.
  var label: UInt8 = 0

  /// A reversal (tilbageførsel): negative Antal and Bruttohonorar.
  static let reversal: UInt8 = 1
  /// Internal: this line gets an identical twin that is then reversed.
  static let spawnsReversal: UInt8 = 2
}

/// A service code with its base tariff (øre per Antal) per speciale.
struct Service {
  let code: [UInt8]
  let tariff51: Int
  let tariff62: Int
  let holdtraening: Bool

  /// 0101 first consultation with examination, 0111 individual treatment,
  /// 0201 group training (Holdtraening = J), 0301 long individual treatment.
  static let all = [
    Service(code: Array("0101".utf8), tariff51: 26_000, tariff62: 40_000, holdtraening: false),
    Service(code: Array("0111".utf8), tariff51: 14_500, tariff62: 29_000, holdtraening: false),
    Service(code: Array("0201".utf8), tariff51: 6_500, tariff62: 13_000, holdtraening: true),
    Service(code: Array("0301".utf8), tariff51: 19_000, tariff62: 43_000, holdtraening: false),
    // Riding physiotherapy (specialer 65 and 57), national part only.
    Service(code: Array("0501".utf8), tariff51: 13_000, tariff62: 13_000, holdtraening: false),
  ]
  static let riding = 4
  /// Holdtræning (`0201`), index into `all`.
  static let hold = 2

  /// Per mille of the services after a course's first line; speciale 62 has
  /// more group training.
  static func mix(speciale: Int) -> [Int] { speciale == 62 ? [0, 500, 420, 80] : [0, 550, 380, 70] }

  static func tariff(_ service: Int, speciale: Int) -> Int {
    speciale == 62 ? all[service].tariff62 : all[service].tariff51
  }

  /// Expected øre per ydelse of the mix: the yardstick that scales tariffs
  /// to a kommune's udgift per ydelse.
  static func meanTariff(speciale: Int) -> Int {
    zip(mix(speciale: speciale), all.indices).reduce(0) { $0 + $1.0 * tariff($1.1, speciale: speciale) } / 1000
  }
}

struct LineBuilder {
  let design: SpecialeDesign
  let plan: PatientPlan
  let yearIndex: Int
  let seedKey: UInt64
  /// Segments for which this is false get no lines (small scale).
  let keepSegment: (Segment) -> Bool
  /// Rows (clinic kommuner) generated completely, so that their local
  /// segments can take the exact remainder.
  let completeRows: Set<Int>
  /// Per segment of `plan`: group training and diagnosis labels
  /// (speciale 62, VederlagsfriDesign.swift); nil = drawn freely.
  var roles: [SegmentRole]? = nil

  private var speciale: Int { design.speciale }

  /// Appends the plan's lines.
  func build(into lines: inout [ClaimLine]) {
    var byRow = [[Int]](repeating: [], count: Rows.kommuner)
    var outside: [Int] = []
    for (i, s) in plan.segments.enumerated() {
      if s.row >= 0 { byRow[Int(s.row)].append(i) } else { outside.append(i) }
    }
    let m = design.measures
    let yi = yearIndex
    for row in 0..<Rows.kommuner {
      let start = lines.count
      var pairs: [Pair] = []
      buildRow(
        row, segments: byRow[row], udgiftOre: m.udgiftOre[row][yi], ydelser: m.ydelser[row][yi],
        patients: m.patienterYder[row][yi], pairs: &pairs, into: &lines)
      addReversals(lines: &lines, from: start)
      addPairs(pairs, to: &lines)
    }
    // Clinics outside the region are in no table; they bill at the region's
    // average rate.
    let start = lines.count
    let u = m.udgiftOre[Rows.total][yi], y = m.ydelser[Rows.total][yi]
    let mean = 100 * y / m.patienterYder[Rows.total][yi]
    var none: [Pair] = []
    for i in outside where keepSegment(plan.segments[i]) {
      var rng = stream(plan.segments[i])
      emit(i, ydelser: drawYdelser(meanHundredths: mean, &rng), rng: &rng, pairs: &none, into: &lines) {
        Exact.roundedDiv($0 * u, y * Service.meanTariff(speciale: speciale))
      }
    }
    addReversals(lines: &lines, from: start)
  }

  private func stream(_ s: Segment) -> SplitMix64 {
    SplitMix64(seedKey, 0x5E6, UInt64(plan.year), plan.persons[Int(s.person)].serial, UInt64(s.ordinal))
  }

  private func buildRow(
    _ row: Int, segments: [Int], udgiftOre u: Int, ydelser y: Int, patients n: Int,
    pairs: inout [Pair], into lines: inout [ClaimLine]
  ) {
    let complete = completeRows.contains(row)
    let mean = 100 * y / n
    // Not-local segments: own draws, fixed tariff factor u / (y × mean tariff).
    var otherYdelser = 0
    var otherOre = 0
    var locals: [Int] = []
    for i in segments {
      let s = plan.segments[i]
      if s.isLocal {
        locals.append(i)
        continue
      }
      precondition(!complete || keepSegment(s), "a complete row must keep all its segments")
      guard keepSegment(s) else { continue }
      var rng = stream(s)
      // Second clinics, moved patients and visitors have shorter courses.
      let start = lines.count
      let count = drawYdelser(meanHundredths: mean * 7 / 10, &rng)
      emit(i, ydelser: count, rng: &rng, pairs: &pairs, into: &lines) {
        Exact.roundedDiv($0 * u, y * Service.meanTariff(speciale: speciale))
      }
      otherYdelser += count
      otherOre += lines[start...].reduce(0) { $0 + $1.amountOre }
    }
    guard complete else { return }

    // Local segments share out the rest: first the ydelser (each at least
    // one), then the øre, in proportion to base tariffs.
    let restYdelser = y - otherYdelser
    let restOre = u - otherOre
    precondition(restYdelser >= locals.count, "row \(row): not enough ydelser left for the local patients")
    var rng = SplitMix64(seedKey, 0xCE11, UInt64(speciale), UInt64(plan.year), UInt64(row))
    // Products of two uniforms skew the weights: many short courses, a few
    // long ones, as in real claims.
    let weights = locals.map { _ in 1 + rng.below(1000) * rng.below(1000) }
    let totalWeight = weights.reduce(0, +)
    let extra = restYdelser - locals.count
    var counts = weights.map { 1 + extra * $0 / totalWeight }
    let left = restYdelser - counts.reduce(0, +)
    for i in 0..<left { counts[i * counts.count / left] += 1 }

    let start = lines.count
    for (i, c) in zip(locals, counts) {
      var segmentRng = stream(plan.segments[i])
      emit(i, ydelser: c, rng: &segmentRng, pairs: &pairs, into: &lines) { $0 }
    }
    let base = lines[start...].reduce(0) { $0 + $1.amountOre }
    precondition(restOre > base / 2 && restOre < base * 2, "row \(row): tariff factor out of range")
    var assigned = 0
    for j in start..<lines.count {
      lines[j].amountOre = lines[j].amountOre * restOre / base
      assigned += lines[j].amountOre
    }
    // The øre lost to flooring, one each, spread over the row's lines.
    let residual = restOre - assigned
    let span = lines.count - start
    precondition(residual >= 0 && residual < span, "row \(row): øre residual \(residual)")
    for i in 0..<residual { lines[start + i * span / residual].amountOre += 1 }
  }

  /// A ydelser count ≥ 1 with the given mean (in hundredths), right-skewed.
  private func drawYdelser(meanHundredths: Int, _ rng: inout SplitMix64) -> Int {
    let extra = max(0, meanHundredths - 100)
    // E[u1·u2] = 999²/4, so 4·extra/100 scales the product to mean extra.
    return 1 + 4 * extra * rng.below(1000) * rng.below(1000) / (100 * 999 * 999)
  }

  /// Lines for `ydelser` services of one segment: mostly Antal 1, some 2–3.
  /// `amount` maps base øre (tariff × Antal) to the line's Bruttohonorar.
  private func emit(
    _ index: Int, ydelser: Int, rng: inout SplitMix64, pairs: inout [Pair], into lines: inout [ClaimLine],
    amount: (Int) -> Int
  ) {
    let s = plan.segments[index]
    let role = roles?[index] ?? SegmentRole()
    let mix = Service.mix(speciale: speciale)
    var left = ydelser
    var first = true
    let start = lines.count
    var hasHold = false
    while left > 0 {
      let r = rng.below(1000)
      let antal = min(left, r < 5 ? 3 : r < 20 ? 2 : 1)
      var service = first && rng.chance(perMille: 650) ? 0 : rng.weighted(mix, total: 1000)
      // Group training only for the patients who have it (Tabel 39).
      if !role.hold && Service.all[service].holdtraening { service = 1 }
      hasHold = hasHold || Service.all[service].holdtraening
      let month = (Int(s.firstMonth) - 1 + rng.below(Int(s.monthCount))) % 12 + 1
      let key = rng.next()
      let flags = rng.chance(perMille: 12) ? ClaimLine.spawnsReversal : 0
      let ore = amount(Service.tariff(service, speciale: speciale) * antal)
      precondition(ore > 0, "a line without Bruttohonorar")
      lines.append(
        ClaimLine(
          key: key, amountOre: ore, person: s.person, patientKommune: s.patientKommune,
          yderKommune: s.yderKommune, clinic: s.clinic, month: UInt8(month), service: UInt8(service),
          antal: Int8(antal), specialeIndex: speciale == 62 ? 1 : 0, flags: flags,
          label: role.labels.isEmpty ? 0 : role.labels[(lines.count - start) % role.labels.count]))
      left -= antal
      first = false
    }
    // What the segment must show and its own lines do not: a line and its
    // reversal, added once the row's amounts are final.
    if role.forceHold && !hasHold { pairs.append(Pair(line: start, service: 2, label: lines[start].label)) }
    if role.forceLabels {
      let shown = Set(lines[start...].map(\.label))
      for l in role.labels where !shown.contains(l) { pairs.append(Pair(line: start, service: lines[start].service, label: l)) }
    }
  }

  /// A line to add with its reversal: a copy of `line` with Antal 1 and
  /// this service and label.
  struct Pair {
    var line: Int
    var service: UInt8
    var label: UInt8
  }

  /// Adds each pair: the patient gets a positive line with the service or
  /// label, the sums do not change.
  private func addPairs(_ pairs: [Pair], to lines: inout [ClaimLine]) {
    for (k, p) in pairs.enumerated() {
      var plus = lines[p.line]
      plus.key = Mix.bijective(plus.key ^ 0x9A1_0000 ^ UInt64(k) ^ UInt64(p.label) << 8 ^ UInt64(p.service) << 16)
      plus.antal = 1
      plus.amountOre = max(1, lines[p.line].amountOre / Int(lines[p.line].antal))
      plus.service = p.service
      plus.label = p.label
      plus.flags = 0
      var minus = plus
      minus.key = Mix.bijective(plus.key ^ 0x4E7E)
      minus.antal = -1
      minus.amountOre = -plus.amountOre
      minus.flags = ClaimLine.reversal
      lines.append(plus)
      lines.append(minus)
    }
  }

  /// For each marked line: an identical twin and its reversal (a later or
  /// the same month, negative Antal and øre). The pair nets to zero, and the
  /// patient keeps positive lines, so no table changes.
  private func addReversals(lines: inout [ClaimLine], from start: Int) {
    let end = lines.count
    for i in start..<end where lines[i].flags & ClaimLine.spawnsReversal != 0 {
      lines[i].flags &= ~ClaimLine.spawnsReversal
      var twin = lines[i]
      twin.key = Mix.bijective(lines[i].key ^ 0x7717)
      lines.append(twin)
      var reversal = twin
      reversal.key = Mix.bijective(lines[i].key ^ 0x4E7E)
      reversal.antal = -twin.antal
      reversal.amountOre = -twin.amountOre
      reversal.month = min(12, twin.month + UInt8(reversal.key >> 63))
      reversal.flags = ClaimLine.reversal
      lines.append(reversal)
    }
  }
}
