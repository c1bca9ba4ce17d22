import LunaDomain

/// A clinic (ydernummer) the samples bill from.
struct Clinic {
  /// Kommune code of the clinic address.
  let kommune: Int
  /// Six ASCII digits.
  let ydernummer: [UInt8]
  /// Relative share of a kommune's patients, per speciale (51, 62).
  let weight51: Int
  let weight62: Int
}

/// Where the sample patients live and are treated: the 11 kommuner of Region
/// Nordjylland (table rows), a few kommuner in other regions for patients
/// crossing the region border, every kommune of the other regions for their
/// own patients (the national part), and the clinics of each.
struct Places {
  static let regionCode = 1081
  /// Læsø: the kommune the small scale is cut around (Rows.laesoe's code).
  static let laesoe = 825
  /// Kommune code of each table row.
  let rowCodes: [Int]
  /// Kommuner outside the region: where residents go for treatment outside
  /// it, and where patients treated inside it come from.
  let outsideCodes = [751, 791, 779, 101, 461, 657]  // Aarhus, Viborg, Skive, København, Odense, Herning
  /// Weights over `outsideCodes` for clinics outside the region (residents
  /// mostly go to Aarhus and Viborg) and for the homes of incoming patients.
  let outboundWeights = [35, 25, 15, 12, 5, 8]
  let inboundWeights = [25, 30, 20, 12, 5, 8]
  let clinics: [Clinic]
  /// Kommune code → its row, or -1 (codes are below 1000).
  let rowOfCode: [Int]
  /// Kommune code → its clinics (indices into `clinics`) and their weights
  /// for speciale 51 and 62; built once because every segment looks it up.
  /// Region kommune code → its riding clinic (index into `clinics`).
  let ridingClinic: [Int: Int]
  /// Other region code → the kommuner its national patients live in: every
  /// kommune of the region.
  let regionKommuner: [Int: [Int]]
  /// Other region code → the inhabitants of each of its `regionKommuner`
  /// (the sample population's 2024K1): where a patient lives is drawn in
  /// proportion to them.
  let regionInhabitants: [Int: [Int]]
  /// Kommune code (of `regionKommuner`) → its clinics (indices into
  /// `clinics`), one per practice of `OtherRegionPractices`, and their
  /// weights (capacity 51 + 62).
  let nationalClinics: [Int: (clinics: [Int], weights: [Int])]
  /// The other regions' kommuner whose clinic comes first among the
  /// national clinics (the sample's first national part had these alone).
  static let kommunerPerRegion = 4
  private let clinicChoice: [Int: (clinics: [Int], weights51: [Int], weights62: [Int])]

  /// The rows of `targets`' tables (all alike) and the clinics of Bilag 2.
  init(targets: [SpecialeTargets], clinics published: [PublishedClinic]) {
    let geo = Geography.denmark
    let rowNames = targets[0].udgift.rowNames
    let names = Array(rowNames.prefix(Rows.kommuner))
    for t in targets.flatMap(\.tables) {
      precondition(t.rowNames == rowNames, "Tabel \(t.number) has other rows")
    }
    var codes: [Int] = []
    for name in names {
      guard let k = geo.kommune(named: name) else { preconditionFailure("unknown kommune \(name)") }
      codes.append(k.code)
    }
    for year in Rows.years {
      let inRegion = Set(geo.kommuner(inRegion: Self.regionCode, year: year).map(\.code))
      precondition(inRegion == Set(codes), "the table rows are not Region Nordjylland's kommuner in \(year)")
      for code in outsideCodes {
        precondition(geo.kommune(code: code) != nil, "unknown kommune code \(code)")
        precondition(geo.region(ofKommune: code, year: year)?.code != Self.regionCode, "\(code) is in the region")
      }
    }
    rowCodes = codes
    precondition(codes[Rows.laesoe] == Self.laesoe, "Læsø is not where Rows.laesoe says")
    var rowOfCode = [Int](repeating: -1, count: 1000)
    for (r, code) in codes.enumerated() { rowOfCode[code] = r }
    self.rowOfCode = rowOfCode

    // Ydernumre are fixed (not seeded): a clinic keeps its number across
    // years and across seeds, as a real provider number does.
    var clinics: [Clinic] = []
    var used = Set<Int>()
    func ydernummer(_ i: Int) -> [UInt8] {
      var v = 100_000 + Int(Mix.bijective(0x59DE_0000 &+ UInt64(i)) % 900_000)
      while used.contains(v) { v = 100_000 + (v - 100_000 + 7919) % 900_000 }
      used.insert(v)
      return Array(String(v).utf8)
    }
    for c in published {
      guard let k = geo.kommune(named: c.kommuneName) else { preconditionFailure("unknown kommune \(c.kommuneName)") }
      clinics.append(
        Clinic(kommune: k.code, ydernummer: ydernummer(clinics.count), weight51: c.capacity51, weight62: c.capacity62))
    }
    for code in outsideCodes {
      for _ in 0..<2 {
        clinics.append(Clinic(kommune: code, ydernummer: ydernummer(clinics.count), weight51: 100, weight62: 100))
      }
    }
    var byKommune: [Int: [Int]] = [:]
    for (i, c) in clinics.enumerated() { byKommune[c.kommune, default: []].append(i) }
    // The national part (NationalLines.swift): a riding clinic in every
    // region kommune, and one clinic in each of the first kommuner of the
    // other regions. Appended, so the clinics above keep their numbers;
    // never drawn by `drawClinic`.
    var ridingClinic: [Int: Int] = [:]
    for code in codes {
      ridingClinic[code] = clinics.count
      clinics.append(Clinic(kommune: code, ydernummer: ydernummer(clinics.count), weight51: 0, weight62: 0))
    }
    var regionKommuner: [Int: [Int]] = [:]
    var regionInhabitants: [Int: [Int]] = [:]
    var nationalClinic: [Int: [Int]] = [:]
    for region in geo.regions where region.code != Self.regionCode {
      let all = Rows.years.map { Set(geo.kommuner(inRegion: region.code, year: $0).map(\.code)) }
      let stable = geo.kommuner(inRegion: region.code, year: Rows.years[0]).map(\.code).filter { c in all.allSatisfy { $0.contains(c) } }
      guard !stable.isEmpty else { continue }
      regionKommuner[region.code] = stable
      regionInhabitants[region.code] = stable.map { PopulationSample.size(ofOther: $0) }
      for code in stable.prefix(Self.kommunerPerRegion) {
        nationalClinic[code] = [clinics.count]
        clinics.append(Clinic(kommune: code, ydernummer: ydernummer(clinics.count), weight51: 0, weight62: 0))
      }
    }
    // Then a clinic for every other practice of the other regions (the
    // first practice of the kommuner above is the clinic they have).
    var weights: [Int: [Int]] = [:]
    for p in OtherRegionPractices.all {
      weights[p.kommune, default: []].append(p.capacity51 + p.capacity62)
      if p.serial == 1, nationalClinic[p.kommune] != nil { continue }
      nationalClinic[p.kommune, default: []].append(clinics.count)
      clinics.append(Clinic(kommune: p.kommune, ydernummer: ydernummer(clinics.count), weight51: 0, weight62: 0))
    }
    for (region, codes) in regionKommuner {
      for code in codes {
        precondition(nationalClinic[code]?.count == weights[code]?.count, "kommune \(code) of region \(region): no practice")
      }
    }
    self.ridingClinic = ridingClinic
    self.regionKommuner = regionKommuner
    self.regionInhabitants = regionInhabitants
    self.nationalClinics = Dictionary(uniqueKeysWithValues: nationalClinic.map { ($0.key, ($0.value, weights[$0.key]!)) })
    self.clinics = clinics
    for code in rowCodes { precondition(byKommune[code] != nil, "no clinic in \(code)") }
    clinicChoice = byKommune.mapValues { list in
      (list, list.map { clinics[$0].weight51 }, list.map { clinics[$0].weight62 })
    }
  }

  /// A clinic of the other regions in `kommune`, drawn in proportion to
  /// its practice's capacity by `key` (fixed for a person and segment).
  func nationalClinic(in kommune: Int, key: UInt64) -> Int {
    guard let c = nationalClinics[kommune] else { preconditionFailure("no national clinic in \(kommune)") }
    guard c.clinics.count > 1 else { return c.clinics[0] }
    var rng = SplitMix64(0xC1_1A1C, key)
    return c.clinics[rng.weighted(c.weights)]
  }

  /// The clinics in a kommune (indices into `clinics`).
  func clinics(in kommune: Int) -> [Int] { clinicChoice[kommune]?.clinics ?? [] }

  /// A clinic in `kommune`, drawn in proportion to its capacity for the
  /// speciale.
  func drawClinic(in kommune: Int, speciale: Int, _ rng: inout SplitMix64) -> Int {
    guard let c = clinicChoice[kommune] else { preconditionFailure("no clinic in \(kommune)") }
    return c.clinics[rng.weighted(speciale == 62 ? c.weights62 : c.weights51)]
  }
}
