import LunaDomain
import LunaPipeCore

/// The praksisplan's tables per inhabitant: capacity against the population
/// (tables 5–8, register and population) and patients against it (tables
/// 27 and 37, claims and population), and the age profile of the patients
/// against the population's (figures 3 and 4, claims and population).
///
/// All are images in the plan; the schemas chosen (one row per kommune in
/// the plan's order, then the region) show the inputs beside the ratio, so
/// a reader can check it:
///
/// | table | columns | total row |
/// |---|---|---|
/// | 5 / 7 | `kommune,indbyggere,kapacitet_51` (`_62`)`,indbyggere_pr_kapacitet` | `Region Nordjylland total` |
/// | 6 / 8 | `kommune,indbyggere_over_50,kapacitet_51` (`_62`)`,indbyggere_over_50_pr_kapacitet` | `Region Nordjylland total` |
/// | 27 / 37 | `kommune,patienter,indbyggere,patienter_pr_1000_indbyggere` | `Total` |
/// | figur-3 / figur-4 | `aldersgruppe,patienter,patienter_pct,befolkning,befolkning_pct` | – |
///
/// The population is the plan's: the first quarter of 2024 ("folketal pr.
/// 1. kvartal 2024"), or the latest quarter in the extract when it lacks
/// that one, unless another is asked for (`--befolkning-tid`); every
/// kommune of the region must have all its ages known at that quarter
/// (`Population.require`). "Over 50 år" is 50 and older. Patients are the
/// year's distinct patients treated by the kommune's clinics (Kommune
/// (yder), as in Tabel 21 and 25), the region's total distinct over the
/// region.
public enum PopulationTables {
  public static let planQuarter = Quarter(year: 2024, quarter: 1)

  /// The quarter the tables use, and a note saying which: `requested`
  /// (`--befolkning-tid`) when given, else the plan's quarter when the
  /// extract has it, else the latest it has.
  ///
  /// - Throws: `PipelineError.input` when the extract lacks `requested`.
  public static func quarter(of population: Population, requested: Quarter? = nil) throws -> (Quarter?, note: String?) {
    guard let (q, choice) = try population.quarter(requested: requested, preferred: planQuarter) else {
      return (nil, "the population extract holds no counts")
    }
    switch choice {
    case .requested: return (q, "the tables per inhabitant use \(q) (--befolkning-tid)")
    case .preferred: return (q, "the tables per inhabitant use \(q), the plan's quarter")
    case .latest: return (q, "the population extract has no \(planQuarter); the tables per inhabitant use \(q), the latest it has")
    }
  }

  static func kommuner(_ region: Int) -> [Kommune] {
    Praksisplan.kommuner(of: region, years: Int64(RegisterTables.registerYear)...Int64(RegisterTables.registerYear))
      .kommuner
  }

  static func int(_ n: Int64) -> Table.Cell { .number(Rational(n), decimals: 0) }

  /// Inhabitants (of an age band) per capacity unit of `speciale` (51 or
  /// 62) per kommune of the region, and the region's row; id and title are
  /// the caller's.
  public static func perCapacity(
    _ register: ProviderRegister, _ population: Population, quarter: Quarter, region: Int, speciale: Int,
    ages: ClosedRange<Int>?
  ) -> Table {
    let practices = RegisterTables.inRegion(register.fysioterapi, region)
    let ks = kommuner(region)
    let cap: (Praksis) -> Int64 = speciale == 51 ? { $0.kapacitet51 } : { $0.kapacitet62 }
    func row(_ label: String, _ codes: Set<Int>) -> [Table.Cell] {
      let people = population.count(kommuner: codes, quarter: quarter, ages: ages)
      let capacity = practices.filter { codes.contains($0.kommune) }.reduce(0) { $0 + cap($1) }
      let ratio = Rational(people) / Rational(capacity, 100)
      return [.text(label), int(people), .number(Rational(capacity, 100), decimals: 2),
        ratio.map { .number($0, decimals: 0) } ?? .empty]
    }
    var rows = ks.map { row($0.name, [$0.code]) }
    rows.append(row(RegisterTables.totalLabel(region), Set(ks.map(\.code))))
    let people: String
    switch ages {
    case nil: people = "indbyggere"
    case let a? where a.upperBound >= 125: people = "indbyggere_over_\(a.lowerBound)"
    case let a?: people = "indbyggere_\(a.lowerBound)_\(a.upperBound)"
    }
    return Table(
      id: "tabel", title: "",
      header: ["kommune", people, "kapacitet_\(speciale)", "\(people)_pr_kapacitet"], rows: rows)
  }

  /// The distinct patients the tables per 1,000 inhabitants count: of one
  /// year, by speciale and clinic kommune of the region, and by speciale
  /// over the region; every speciale in one pass over the claims aggregate.
  public struct PatientCounts: Sendable {
    let byKommune: [[Int64]: GroupMeasures]
    let total: [[Int64]: GroupMeasures]

    public init(_ claims: AggregateResult, region: Int, year: Int64, threads: Int = 1) {
      let codes = Set(PopulationTables.kommuner(region).map { Int64($0.code) })
      let r = claims.sharedRollups(
        [
          { k in k[0] == year && codes.contains(k[2]) ? [k[1], k[2]] : nil },
          { k in k[0] == year && codes.contains(k[2]) ? [k[1]] : nil },
        ], threads: threads)
      byKommune = r[0]
      total = r[1]
    }
  }

  /// Patients of `speciale` in `year` per 1,000 inhabitants per kommune of
  /// the region (the clinic's kommune), and the region's row; id and title
  /// are the caller's.
  public static func patientsPerThousand(
    _ claims: AggregateResult, _ population: Population, quarter: Quarter, region: Int, speciale: Int64, year: Int64
  ) -> Table {
    patientsPerThousand(
      PatientCounts(claims, region: region, year: year), population, quarter: quarter, region: region,
      speciale: speciale)
  }

  /// The same from counts made once for every speciale.
  public static func patientsPerThousand(
    _ counts: PatientCounts, _ population: Population, quarter: Quarter, region: Int, speciale: Int64
  ) -> Table {
    let ks = kommuner(region)
    func row(_ label: String, _ patients: Int64, _ people: Int64) -> [Table.Cell] {
      let ratio = Rational(patients * 1000) / Rational(people)
      return [.text(label), int(patients), int(people), ratio.map { .number($0, decimals: 0) } ?? .empty]
    }
    var rows = ks.map { k in
      row(
        k.name, counts.byKommune[[speciale, Int64(k.code)]]?.distinct ?? 0,
        population.count(kommune: k.code, quarter: quarter))
    }
    rows.append(
      row(
        "Total", counts.total[[speciale]]?.distinct ?? 0,
        population.count(kommuner: Set(ks.map(\.code)), quarter: quarter)))
    return Table(
      id: "tabel", title: "", header: ["kommune", "patienter", "indbyggere", "patienter_pr_1000_indbyggere"],
      rows: rows)
  }

  /// The age bands of figures 3 and 4.
  public static let ageBands: [(label: String, ages: ClosedRange<Int>)] =
    (0..<9).map { (label: "\($0 * 10)-\($0 * 10 + 9)", ages: ($0 * 10)...($0 * 10 + 9)) } + [(label: "90+", ages: 90...125)]

  /// The claims aggregation figures 3 and 4 need: patients by year,
  /// speciale, age and patient kommune, of the region's kommuner, the
  /// figures' years and specialer.
  public static func ageAggregation(kommuner: [Int], years: [Int64], specialer: [Int64]) -> Aggregation {
    // Only the lines the figures count are aggregated at all: most lines
    // of a national extract cost one filter test, no group and no insert.
    Aggregation(
      keys: ["Aar", "Speciale", "PatientAlder", "PatientKommune"],
      measures: [.distinct("PatientId")],
      // The most selective test first: the figures' year(s) of five.
      where: .oneOf("Aar", years) && .oneOf("PatientKommune", kommuner.map(Int64.init))
        && .oneOf("Speciale", specialer) && .greater("Antal", than: 0))
  }

  /// The patients the age figures count: of one year, living in the
  /// region, by speciale and age band; every speciale in one pass over the
  /// age aggregate.
  public struct AgeCounts: Sendable {
    let byBand: [[Int64]: GroupMeasures]

    public init(_ ages: AggregateResult, region: Int, year: Int64) {
      let codes = Set(PopulationTables.kommuner(region).map { Int64($0.code) })
      @Sendable func band(_ age: Int64) -> Int64? {
        PopulationTables.ageBands.firstIndex { $0.ages.contains(Int(age)) }.map(Int64.init)
      }
      byBand = ages.sharedRollups(
        [{ k in k[0] == year && codes.contains(k[3]) ? band(k[2]).map { [k[1], $0] } : nil }], threads: 1)[0]
    }
  }

  /// Figures 3 and 4: the age distribution of the region's residents
  /// treated on `speciale` in `year` (by patient kommune) against the
  /// region's population, from the age aggregate (`ageAggregation`). A
  /// patient whose age changed within the year across a band boundary
  /// counts in both bands; shares are of the sum of the bands, so each
  /// column adds up to 100. Id and title are the caller's.
  public static func ageFigure(
    _ ages: AggregateResult, _ population: Population, quarter: Quarter, region: Int, speciale: Int64, year: Int64
  ) -> Table {
    ageFigure(AgeCounts(ages, region: region, year: year), population, quarter: quarter, region: region, speciale: speciale)
  }

  /// The same from counts made once for every speciale.
  public static func ageFigure(
    _ counts: AgeCounts, _ population: Population, quarter: Quarter, region: Int, speciale: Int64
  ) -> Table {
    let ks = Set(kommuner(region).map(\.code))
    let p = ageBands.indices.map { counts.byBand[[speciale, Int64($0)]]?.distinct ?? 0 }
    let b = ageBands.map { population.count(kommuner: ks, quarter: quarter, ages: $0.ages) }
    let pSum = p.reduce(0, +)
    let bSum = b.reduce(0, +)
    func pct(_ n: Int64, _ total: Int64) -> Table.Cell {
      (Rational(n * 100) / Rational(total)).map { .number($0, decimals: 1) } ?? .empty
    }
    let rows = ageBands.indices.map { i -> [Table.Cell] in
      [.text(ageBands[i].label), int(p[i]), pct(p[i], pSum), int(b[i]), pct(b[i], bSum)]
    }
    return Table(
      id: "figur", title: "", header: ["aldersgruppe", "patienter", "patienter_pct", "befolkning", "befolkning_pct"],
      rows: rows, presentation: .figure)
  }
}
