// The patients of one speciale and year, and the segments their lines come
// from. A segment is a stretch of treatment with one home kommune and one
// clinic: a local patient has one, a multi-clinic patient or a mover two.

/// A sample patient in one year.
struct Person {
  /// Unique across specialer, kommuner and years for one person; the id is
  /// a bijection of it, so ids never collide.
  let serial: UInt64
  let id: UInt64
  let age: UInt8
  /// Diagnosegruppe 1–4 (speciale 62), 0 for speciale 51.
  let diagnose: UInt8
  let progressiv: Bool
}

struct Segment {
  var person: Int32
  var patientKommune: Int16
  var yderKommune: Int16
  var clinic: Int16
  /// The months treated: `monthCount` months from `firstMonth`, wrapping
  /// past December into January (a course over the new year shows up as its
  /// two ends), so that the months are evenly used.
  var firstMonth: UInt8
  var monthCount: UInt8
  /// 0 or 1: which of the person's segments, part of its random stream's name.
  var ordinal: UInt8
  /// Lives and is treated in the same region kommune. Local segments take
  /// whatever ydelser and øre the other segments of their kommune leave, so
  /// that the kommune's sums come out exactly.
  var isLocal: Bool
  /// Clinic kommune inside the region (its row), or -1 outside it.
  var row: Int8
}

struct PatientPlan {
  let speciale: Int
  let year: Int
  /// Speciale 62: the weights of the diagnosis groups, progressive 1–4,
  /// then not (`VederlagsfriTargets.diagnosisWeights`).
  private let diagnosisWeights: [Int]
  private(set) var persons: [Person] = []
  private(set) var segments: [Segment] = []

  private enum Role {
    case local
    case multi(second: Int)
    case mover(to: Int)
    case commuter(clinic: Int)
    case inbound(clinic: Int)
    case outbound(clinic: Int)
  }

  /// Builds the year's persons from its flows. `poolStart` gives, per pool
  /// (home kommune code), the first person number used this year: pools
  /// advance by part of a year's size, so about 40 % of a year's patients
  /// come back the next year with the same id.
  ///
  /// With `onlyTouching`, only the persons who live or are treated in that
  /// kommune at some point are built (the small scale); everything they get
  /// is the same as in the full plan, as it depends on their serial only.
  init(
    speciale: Int, yearIndex yi: Int, flows f: PatientFlows, places: Places, seedKey: UInt64,
    poolStart: [Int: Int], diagnosisWeights: [Int], onlyTouching kommune: Int? = nil
  ) {
    self.speciale = speciale
    self.year = Rows.years[yi]
    self.diagnosisWeights = diagnosisWeights
    for (pool, roles) in Self.pools(f, places: places) {
      var roles = roles
      var rng = SplitMix64(seedKey, 0x9001, UInt64(speciale), UInt64(year), UInt64(pool))
      rng.shuffle(&roles)
      let start = poolStart[pool] ?? 0
      for (i, role) in roles.enumerated() {
        if let k = kommune, !Self.kommuner(of: role, home: pool, places: places).contains(k) { continue }
        let serial = (speciale == 62 ? UInt64(1) << 62 : 0) | UInt64(pool) << 32 | UInt64(start + i)
        addPerson(serial: serial, home: pool, role: role, places: places, seedKey: seedKey)
      }
    }
  }

  /// Every kommune a role's segments name, as home or as clinic.
  private static func kommuner(of role: Role, home: Int, places: Places) -> [Int] {
    switch role {
    case .local: return [home]
    case .multi(let second): return [home, places.rowCodes[second]]
    case .mover(let to): return [home, places.rowCodes[to]]
    case .commuter(let clinic), .inbound(let clinic): return [home, places.rowCodes[clinic]]
    case .outbound(let clinic): return [home, places.outsideCodes[clinic]]
    }
  }

  /// Pool (home kommune code) → the roles of its patients this year, in a
  /// fixed order before shuffling.
  private static func pools(_ f: PatientFlows, places: Places) -> [(Int, [Role])] {
    var byHome = [[Role]](repeating: [], count: Rows.kommuner)
    var byOrigin = [[Role]](repeating: [], count: places.outsideCodes.count)
    for h in 0..<Rows.kommuner { byHome[h] = Array(repeating: .local, count: f.local[h]) }
    for x in f.multi { byHome[x.home].append(.multi(second: x.second)) }
    for x in f.movers { byHome[x.from].append(.mover(to: x.to)) }
    for x in f.commuters { byHome[x.home].append(.commuter(clinic: x.clinic)) }
    for x in f.outbound { byHome[x.home].append(.outbound(clinic: x.clinic)) }
    for x in f.inbound { byOrigin[x.origin].append(.inbound(clinic: x.clinic)) }
    return zip(places.rowCodes, byHome).map { ($0, $1) } + zip(places.outsideCodes, byOrigin).map { ($0, $1) }
  }

  /// How many persons each pool (home kommune code) has in a year.
  static func poolSizes(_ f: PatientFlows, places: Places) -> [Int: Int] {
    var sizes: [Int: Int] = [:]
    for (pool, roles) in pools(f, places: places) { sizes[pool] = roles.count }
    return sizes
  }

  private mutating func addPerson(serial: UInt64, home: Int, role: Role, places: Places, seedKey: UInt64) {
    let id = Mix.bijective(serial ^ seedKey)
    let h = Mix.bijective(id &+ 0xA6E0_D1A6)
    var age: Int
    var diagnose: UInt8 = 0
    var progressiv = false
    if speciale == 62 {
      // Vederlagsfri fysioterapi: all ages; diagnosis groups and progressive
      // disease in the proportions of Tabel 40/41.
      age = Int((h >> 8) % 96)
      var pick = SplitMix64(state: h)
      let g = pick.weighted(diagnosisWeights)
      diagnose = UInt8(g % 4 + 1)
      progressiv = g < 4
    } else {
      age = h % 1000 < 40 ? 8 + Int((h >> 10) % 10) : 18 + Int((h >> 10) % 72)
    }
    age += year - Rows.years[0]
    let person = Int32(persons.count)
    persons.append(Person(serial: serial, id: id, age: UInt8(age), diagnose: diagnose, progressiv: progressiv))

    var rng = SplitMix64(seedKey, 0x3E4, UInt64(year), serial)
    func add(_ patientKommune: Int, _ yderKommune: Int, _ months: (first: Int, count: Int), _ ordinal: UInt8) {
      let r = places.rowOfCode[yderKommune]
      // The clinic is fixed per person and kommune: the same every year.
      var clinicRng = SplitMix64(seedKey, 0xC11, serial, UInt64(yderKommune))
      let clinic = places.drawClinic(in: yderKommune, speciale: speciale, &clinicRng)
      segments.append(
        Segment(
          person: person, patientKommune: Int16(patientKommune), yderKommune: Int16(yderKommune),
          clinic: Int16(clinic),
          firstMonth: UInt8(months.first), monthCount: UInt8(months.count), ordinal: ordinal,
          isLocal: r >= 0 && patientKommune == yderKommune, row: Int8(r)))
    }
    // A course of treatment: speciale 51 a few months, speciale 62 most of
    // the year (chronic conditions).
    func course() -> (first: Int, count: Int) {
      (rng.int(in: 1...12), speciale == 62 ? rng.int(in: 4...12) : rng.int(in: 1...4))
    }
    switch role {
    case .local:
      add(home, home, course(), 0)
    case .multi(let second):
      add(home, home, course(), 0)
      add(home, places.rowCodes[second], course(), 1)
    case .mover(let to):
      // Moves in month m and keeps the clinic: home changes, clinic does not.
      // No wrapping here: the old home comes before the new one.
      let m = rng.int(in: 2...12)
      let span = speciale == 62 ? 11 : 3
      let before = max(1, m - span)
      add(home, home, (before, m - before), 0)
      add(places.rowCodes[to], home, (m, min(12, m + span) - m + 1), 1)
    case .commuter(let clinic):
      add(home, places.rowCodes[clinic], course(), 0)
    case .inbound(let clinic):
      add(home, places.rowCodes[clinic], course(), 0)
    case .outbound(let clinic):
      add(home, places.outsideCodes[clinic], course(), 0)
    }
  }
}
