import LunaDomain
import LunaPipeCore
import LunaReports

/// The praksisplan pipeline: claims extracts in, the physiotherapy
/// practice plan's expenditure, services and patient tables out (Region
/// Nordjylland, specialer 51 and 62, 2019–2023), built only from public
/// stages.
///
///     let tables = try Praksisplan.pipeline(claims: ["x/*.csv"])
///       .run(in: RunContext(options: ScanOptions(threads: 2), output: out))
public enum Praksisplan {
  public static let name = "praksisplan"
  public static let region = 1081
  public static let years: [Int64] = Array(2019...2023)
  /// The growth column of the published tables, first to last year in
  /// percent (labelled "Udvikling 2019–23" by `TableStyle.danish`).
  public static let growthHeader = "udvikling_pct"

  /// The tables of Region Nordjylland's plan, numbered as in the published plan.
  public static var tables: [CrossTable] { tables(region: region) }

  /// The claims tables for `region` (1081-1085): its kommuner in the plan's
  /// order (Danish alphabetical, `Aa` as `Å`), the regional comparisons as
  /// for any region.
  public static func tables(region: Int) -> [CrossTable] {
    table(speciale: 51, numbers: (19, 21, 23, 25, 26), specialeName: "speciale 51", region: region)
      + table(speciale: 62, numbers: (29, 31, 33, 35, 36), specialeName: "speciale 62", region: region)
      + claimsTables(region: region)
  }

  static func table(
    speciale s: Int64, numbers n: (Int, Int, Int, Int, Int), specialeName: String, region: Int
  ) -> [CrossTable] {
    let yder = [
      KommuneRows.kommuner(of: region, by: .yder, speciale: s),
      KommuneRows.total(of: region, by: .yder, speciale: s),
    ]
    let patient = [
      KommuneRows.kommuner(of: region, by: .patient, speciale: s),
      KommuneRows.total(of: region, by: .patient, speciale: s),
    ]
    return measureTables(
      numbers: (n.0, n.1, n.2, n.3), of: specialeName, rowHeader: "kommune", columns: years, families: yder,
      ydelserPrPatientDecimals: 2)
      + [
      CrossTable(
        id: id(n.4),
        title:
          "Tabel \(n.4): Antal patienter, der har modtaget behandling på \(specialeName) fordelt på borgerens bopælskommune",
        rowHeader: "kommune", columns: years, families: patient, measure: .patienter, decimals: 0,
        growthHeader: growthHeader),
    ]
  }

  /// The whole pipeline: read → validate → aggregate (the claims and, with
  /// a population, the patients' ages, in one scan) → tidy aggregates
  /// (every kommune and region level) → tables (with growth; with the
  /// provider register `ydere` and the population `befolkning` when given,
  /// see `PlanTables`) → emit (four table formats, `report.html`,
  /// `praksisplan.xlsx`), presented the Danish way (`TableStyle.danish`).
  /// `populationQuarter` is the population quarter of the tables per
  /// inhabitant (`--befolkning-tid`; nil: 2024K1 when present, else the
  /// latest in the extract).
  public static func pipeline(
    claims: [String], ydere: String? = nil, befolkning: String? = nil, populationQuarter: Quarter? = nil,
    region: Int = region
  ) -> Pipeline<Void, [Table]> {
    let tables = PlanTables(
      claimsTables: tables(region: region), ydere: ydere, befolkning: befolkning, quarter: populationQuarter,
      region: region)
    return Pipeline(name)
      .readCSV(claims)
      .validate(LunaClaims.schema)
      .aggregate(tables.aggregations)
      .map("tidy-aggregates") { results, context in
        _ = try TidyAggregates(levels: ClaimsLevel.all()).run(results[0], in: context)
        return results
      }
      .then(tables)
      .emit(style: .danish)
      .report(report(region: region))
      .workbook(workbook(region: region), file: "praksisplan.xlsx")
  }
}
