import Foundation

/// How much of the sample set to write.
public enum SampleScale: String, CaseIterable, Sendable {
  /// Only the lines whose clinic or patient is in Læsø (825), plus all the
  /// invalid records and empty lines: well under 2 MB. Læsø's rows of the
  /// kommune tables by clinic (Tabel 19–36, 39–41) come out exactly, the
  /// other rows are partial. Every line is written exactly as in `full`
  /// (same seed), in the same relative order.
  case small
  /// All of Region Nordjylland 2019–2023, specialer 51 and 62: about
  /// 4.2 million lines, reproducing Tabel 19, 21, 23, 25, 26, 29, 31, 33, 35
  /// and 36 of the praksisplan exactly, and with the group training and
  /// diagnoses of VederlagsfriDesign.swift Tabel 39, 40 and 41; plus the
  /// national part (NationalLines.swift): riding physiotherapy (specialer 65
  /// and 57) of the region's kommuner 2019–2023 and of every region
  /// 2020–2023, and specialer 51 and 62 of the other four regions 2020–2023,
  /// reproducing Tabel 16, 17, 18–34 (even) and 42–57 except the misprints
  /// of `Misprint.all`. The other regions' patients live in every kommune of
  /// their region, drawn in proportion to its inhabitants, and are treated
  /// at its practices (`OtherRegionPractices`, also in the register); their
  /// 2019 is the 2020 region row scaled by Region Nordjylland's own change
  /// (`RegionYear.before`). Outside Region Nordjylland a patient's services
  /// come in one line per 99 (Antal up to 99), so the regional tables'
  /// 2 million patient-years cost about 2.5 million lines: 6.7 million
  /// lines, 440 MB in all. Every line of Region Nordjylland's populations is
  /// written as before the other regions had every kommune, in the same
  /// relative order.
  case full
}

/// A failure while writing the samples (I/O, a published table missing or
/// malformed, or a verification that failed).
public struct SampleGeneratorError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

/// Writes claim-level sample extracts (`ydelser-2019.csv` … `ydelser-2023.csv`)
/// whose aggregates reproduce the published tables exactly.
///
/// One record per service line, with reversals, patients treated in two
/// kommuner, patients who moved, and patients crossing the region border.
/// Each file uses another dialect the claims contract allows:
///
/// | file | dialect |
/// |---|---|
/// | 2019 | `;`, UTF-8, LF, standard header |
/// | 2020 | `;`, UTF-8 with BOM, CRLF |
/// | 2021 | `;`, Windows-1252, CRLF, header `År;Måned;…;Holdtræning`, reordered columns (PatientId first), extra column `Kommentar` |
/// | 2022 | `,`, UTF-8, LF, no final line end; Bruttohonorar always quoted; extra column `Bemærkning` with quotes, commas and line breaks inside quotes; header `patientid` |
/// | 2023 | `;`, UTF-8, LF, 7 empty lines among the records |
///
/// Every file also holds invalid records (see `invalidRecordsPerFile`),
/// each breaking one rule; they must be rejected and count in no table.
///
/// The same seed gives byte-identical files; another seed gives other
/// patient ids, amounts per line and order, but the same aggregates.
public struct SampleGenerator: Sendable {
  public let scale: SampleScale
  public let seed: UInt64

  /// The years written, one file each.
  public static let years = 2019...2023

  /// Invalid records per file, by year (both scales).
  public static let invalidRecordsPerFile: [Int: Int] = InvalidKind.countPerYear

  /// Empty lines per file, by year (both scales).
  public static let emptyLinesPerFile: [Int: Int] = Dictionary(
    uniqueKeysWithValues: years.map { ($0, Dialect.forYear($0).emptyLines) })

  /// The file name written for `year`.
  public static func fileName(year: Int) -> String { "ydelser-\(year).csv" }

  public init(scale: SampleScale = .full, seed: UInt64 = 1) {
    self.scale = scale
    self.seed = seed
  }

  /// Writes the extract files into `directory` (created if needed) and
  /// returns their paths, 2019 first. Before a file is written, its lines
  /// are recounted and checked against the published values (all rows for
  /// `.full`, Læsø's for `.small`); a mismatch throws and is a bug here.
  ///
  /// The published values are read first, from the files bundled with
  /// LunaSamples (`PublishedTables.bundled()`); a missing or malformed
  /// file throws before anything is written.
  public func write(to directory: String) throws -> [String] {
    try write(to: directory, published: .bundled())
  }

  /// `write(to:)` with the published tables read from elsewhere.
  func write(to directory: String, published: PublishedTables) throws -> [String] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let designs = [
      SpecialeDesign(targets: SpecialeTargets(speciale: 51, published), region: TableQuad((18, 20, 22, 24), published)),
      SpecialeDesign(targets: SpecialeTargets(speciale: 62, published), region: TableQuad((28, 30, 32, 34), published)),
    ]
    // The national part (riding physiotherapy, the other regions): full
    // scale only, as none of its lines touches Læsø.
    let places = Places(targets: designs.map(\.targets), clinics: published.clinics)
    // Seed 0 must not be special: the key is a mixed form of the seed.
    let seedKey = Mix.bijective(seed ^ 0x5EED_0F1A_5A3B_1E00)
    let national =
      scale == .full
      ? NationalLines(design: NationalDesign(designs, published), places: places, seedKey: seedKey) : nil

    let flows = designs.map { d in
      Rows.years.indices.map { PatientFlows(design: d, yearIndex: $0, places: places) }
    }
    // Group training and diagnoses of speciale 62 (Tabel 39–41).
    let vederlagsfri = VederlagsfriTargets(published)
    let holdCounts = Vederlagsfri.holdCounts(
      n: designs[1].measures.patienterYder, multi: flows[1].map { $0.multi.count }, targets: vederlagsfri)
    var observed = designs.map { _ in Measures.zero }
    var paths: [String] = []
    var poolStart = designs.map { _ in [Int: Int]() }
    for (yi, year) in Rows.years.enumerated() {
      var plans: [PatientPlan] = []
      var lines: [ClaimLine] = []
      lines.reserveCapacity(scale == .full ? 900_000 : 8_000)
      for (si, design) in designs.enumerated() {
        let plan = PatientPlan(
          speciale: design.speciale, yearIndex: yi, flows: flows[si][yi], places: places, seedKey: seedKey,
          poolStart: poolStart[si], diagnosisWeights: vederlagsfri.diagnosisWeights)
        // About 40 % of a pool's patients return the next year.
        for (pool, size) in PatientPlan.poolSizes(flows[si][yi], places: places) {
          poolStart[si][pool, default: 0] += size * 3 / 5
        }
        // Every person is planned at both scales (roles depend on all of a
        // kommune's patients); the small scale keeps the lines touching Læsø.
        var builder = LineBuilder(
          design: design, plan: plan, yearIndex: yi, seedKey: seedKey, keepSegment: keep,
          completeRows: scale == .full ? Set(0..<Rows.kommuner) : [Rows.laesoe])
        if design.speciale == 62 {
          builder.roles = Vederlagsfri.roles(
            plan: plan, hold: holdCounts.map { $0[yi] }, labels: yi == Rows.years.count - 1 ? vederlagsfri : nil,
            seedKey: seedKey)
        }
        builder.build(into: &lines)
        plans.append(plan)
      }
      // The check before writing: the lines' own sums and distinct counts
      // must be the design's, exactly.
      let rows = scale == .full ? Array(0..<Rows.count) : [Rows.laesoe]
      for (si, design) in designs.enumerated() {
        observed[si].recount(lines, speciale: si, persons: plans[si].persons.count, yearIndex: yi, places: places)
        let wrong = observed[si].differences(from: design.measures, yearIndex: yi, rows: rows)
        guard wrong.isEmpty else {
          throw SampleGeneratorError(
            message: "speciale \(design.speciale) \(year): lines differ from the design:\n"
              + wrong.joined(separator: "\n"))
        }
      }
      var persons = plans.map(\.persons) + Array(repeating: [], count: Population.count - plans.count)
      if let national {
        let before = lines.count
        national.build(yearIndex: yi, nordjylland: lines, persons: &persons, into: &lines)
        let wrong = national.design.recount(lines, yearIndex: yi, places: places)
        guard wrong.isEmpty else {
          throw SampleGeneratorError(message: "\(year): national lines differ from the design:\n" + wrong.joined(separator: "\n"))
        }
        precondition(lines.count > before)
      }
      // Shuffled order: by each line's random key, so that a patient's
      // lines are spread over the file and the small scale keeps the
      // relative order of the full one.
      lines.sort {
        $0.key != $1.key ? $0.key < $1.key
          : ($0.specialeIndex, $0.person, $0.month, $0.antal, $0.amountOre)
            < ($1.specialeIndex, $1.person, $1.month, $1.antal, $1.amountOre)
      }
      let path = (directory as NSString).appendingPathComponent(Self.fileName(year: year))
      try writeFile(path: path, year: year, lines: lines, persons: persons, places: places, seedKey: seedKey)
      paths.append(path)
    }
    // udvikling_pct needs 2019 and 2023 together: the last check, after
    // the files (each file was checked against the design before writing).
    let rows = scale == .full ? Array(0..<Rows.count) : [Rows.laesoe]
    for (si, d) in designs.enumerated() {
      let wrong = d.targets.mismatches(observed[si], rows: rows)
      guard wrong.isEmpty else {
        throw SampleGeneratorError(message: "samples miss published cells:\n" + wrong.joined(separator: "\n"))
      }
    }
    // The reference extracts beside the claims (not among the returned
    // claims files): the provider register and the population.
    try RegisterSample.write(to: directory, scale: scale, published: published)
    try PopulationSample.write(to: directory, scale: scale, published: published)
    return paths
  }

  private func keep(_ s: Segment) -> Bool {
    scale == .full || s.patientKommune == Places.laesoe || s.yderKommune == Places.laesoe
  }

  private func writeFile(
    path: String, year: Int, lines: [ClaimLine], persons: [[Person]], places: Places, seedKey: UInt64
  ) throws {
    let dialect = Dialect.forYear(year)
    let writer = try LineWriter(path: path, dialect: dialect, persons: persons, places: places)
    // Invalid records and empty lines get random keys too and are merged
    // into the sorted lines by key. Empty lines keep to the middle of the
    // key range so that none lands before the first or after the last record.
    enum Extra {
      case invalid(RawRecord)
      case empty
    }
    var extras: [(key: UInt64, item: Extra)] = InvalidKind.records(year: year, places: places, seedKey: seedKey)
      .map { ($0.key, .invalid($0)) }
    var rng = SplitMix64(seedKey, 0xE7, UInt64(year))
    for _ in 0..<dialect.emptyLines { extras.append((UInt64(1) << 62 | rng.next() >> 1, .empty)) }
    extras.sort { $0.key < $1.key }
    var next = 0
    func writeExtras(before key: UInt64) throws {
      while next < extras.count && extras[next].key < key {
        switch extras[next].item {
        case .invalid(let raw): try writer.write(raw)
        case .empty: writer.writeEmptyLine()
        }
        next += 1
      }
    }
    for line in lines {
      try writeExtras(before: line.key)
      try writer.write(line)
    }
    try writeExtras(before: .max)
    try writer.finish()
  }
}
