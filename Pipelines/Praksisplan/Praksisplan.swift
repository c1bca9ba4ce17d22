import LunaDomain
import LunaPipeCore
import LunaReports

/// The praksisplan pipeline: claims extracts in, a region's physiotherapy
/// practice plan out: the expenditure, services and patient tables, and
/// with the provider register and the population the rest. What the tables
/// are is a plan file (`Plan`): by default the built-in one,
/// `Pipelines/Praksisplan/praksisplan.yaml` (Region Nordjylland's plan,
/// specialer 51, 57, 62 and 65, 2019–2023).
///
///     let tables = try Praksisplan.pipeline(claims: ["x/*.csv"])
///       .run(in: RunContext(options: ScanOptions(threads: 2), output: out))
///     let mine = try Praksisplan.pipeline(plan: Plan.read(file: "my-plan.yaml"), claims: ["x/*.csv"])
public enum Praksisplan {
  public static let name = "praksisplan"
  /// The built-in plan's region: Region Nordjylland.
  public static let region = 1081
  /// The growth column of the published tables, first to last year in
  /// percent (labelled "Udvikling 2019–23" by `TableStyle.danish`).
  public static let growthHeader = "udvikling_pct"

  /// The built-in plan for `region` (1081-1086): the same tables for that
  /// region's kommuner, with its name in titles and total rows.
  public static func plan(region: Int) -> Plan {
    var plan = Plan.builtIn
    plan.region = region
    return plan
  }

  /// The built-in plan's claims tables for `region`, as cross tables.
  public static func tables(region: Int = region) -> [CrossTable] { plan(region: region).crossTables }

  /// The built-in plan for `region`: see `pipeline(plan:claims:ydere:befolkning:populationQuarter:acceptGaps:)`.
  public static func pipeline(
    claims: [String], ydere: String? = nil, befolkning: String? = nil, populationQuarter: Quarter? = nil,
    region: Int = region, acceptGaps: Bool = false
  ) -> Pipeline<Void, [Table]> {
    pipeline(
      plan: plan(region: region), claims: claims, ydere: ydere, befolkning: befolkning,
      populationQuarter: populationQuarter, acceptGaps: acceptGaps)
  }

  /// The whole pipeline of a plan: read → validate → aggregate (the claims
  /// and, with a population, the patients' ages, in one scan) → tidy
  /// aggregates (every kommune and region level) → the plan's tables (with
  /// growth; with the provider register `ydere` and the population
  /// `befolkning` when given, see `PlanTables`) → emit (four table formats,
  /// `report.html`, `praksisplan.xlsx`), presented the Danish way
  /// (`TableStyle.danish`). `populationQuarter` is the population quarter
  /// of the tables per inhabitant (`--befolkning-tid`; nil: 2024K1 when
  /// present, else the latest in the extract). A plan year in which the
  /// plan's region has no claims line fails the run (exit 65) unless
  /// `acceptGaps` (`PlanTables.acceptGaps`).
  public static func pipeline(
    plan: Plan, claims: [String], ydere: String? = nil, befolkning: String? = nil, populationQuarter: Quarter? = nil,
    acceptGaps: Bool = false
  ) -> Pipeline<Void, [Table]> {
    let tables = PlanTables(
      plan: plan, ydere: ydere, befolkning: befolkning, quarter: populationQuarter, acceptGaps: acceptGaps)
    // The register and the population are read beside the other stages:
    // beside the scan when a core is spare, else beside the stages after it.
    return Pipeline(name)
      .start(tables.inputs, when: \.hasSpareCore)
      .readCSV(claims)
      .validate(LunaClaims.schema)
      .aggregate(tables.aggregations)
      .start(tables.inputs)
      .map("tidy-aggregates") { results, context in
        // Passes the claims aggregate on unchanged; timed in the run report
        // as tidy-aggregates/write.
        _ = try context.run(TidyAggregates(levels: ClaimsLevel.all()), results[0], label: "write")
        return results
      }
      .then(tables)
      .emit(style: .danish)
      .report(report(plan: plan))
      .workbook(workbook(plan: plan), file: "praksisplan.xlsx")
  }
}
