import LunaDomain
import LunaPipeCore

/// Stage: every table of the praksisplan whose inputs were given. The
/// claims tables come from the claims aggregate; with a provider register
/// (`ydere`) the register tables follow, with a population (`befolkning`)
/// the tables per inhabitant and the age figures (from the age aggregate,
/// `PopulationTables.ageAggregation`, made in the same scan of the claims).
/// A table whose input was not given is skipped with a note in the run
/// report, never an error.
public struct PlanTables: Stage {
  public let label = "tables"
  public var timedWork: String? {
    ydere == nil && befolkning == nil ? nil : "built the tables, reading the register and the population"
  }
  public var claimsTables: [CrossTable]
  public var ydere: String?
  public var befolkning: String?
  /// The population quarter to use (`--befolkning-tid`); nil: the plan's
  /// 2024K1 when present, else the latest in the extract.
  public var quarter: Quarter?
  public var region: Int

  public init(
    claimsTables: [CrossTable], ydere: String?, befolkning: String?, quarter: Quarter? = nil,
    region: Int = Praksisplan.region
  ) {
    self.claimsTables = claimsTables
    self.ydere = ydere
    self.befolkning = befolkning
    self.quarter = quarter
    self.region = region
  }

  /// The aggregations the tables need, all made in one scan of the claims:
  /// the claims aggregate, and with a population the age aggregate.
  public var aggregations: [Aggregation] {
    befolkning == nil ? [LunaClaims.aggregation] : [LunaClaims.aggregation, PopulationTables.ageAggregation]
  }

  /// `results` are those of `aggregations`, in order.
  public func run(_ results: [AggregateResult], in context: RunContext) throws -> [Table] {
    let result = results[0]
    var tables = try BuildTables(claimsTables).run(result, in: context)
    let register = try ydere.map { try ProviderRegisterReader.read($0, in: context) }
    let population = try befolkning.map { try PopulationReader.read($0, in: context) }

    if let register {
      tables += RegisterTables.all(register, region: region)
      tables += [RegionCapacityTables.tabel10(register), RegionCapacityTables.tabel11(register, region: region)]
      if let note = RegionCapacityTables.coverageNote(register) { context.note(note) }
    } else {
      context.note("tables 2, 3, 9, 10, 11, 12, 13, 14 and 15 skipped: no provider register given (--ydere)")
    }
    guard let population else {
      context.note(
        "tables 4, 5, 6, 7, 8, 27, 37 and figures 3 and 4 skipped: no population given (--befolkning)")
      return tables
    }
    let (q, quarterNote) = try PopulationTables.quarter(of: population, requested: self.quarter)
    if let quarterNote { context.note(quarterNote) }
    guard let quarter = q else { return tables }
    // Every kommune of the region, every age: a withheld or missing count
    // stops the run rather than lowering a kommune's population.
    try population.require(
      kommuner: PopulationTables.kommuner(region).map(\.code), quarter: quarter, for: PopulationTables.purpose)
    if let register {
      tables += PopulationTables.perCapacity(register, population, quarter: quarter, region: region)
      // Tabel 4 compares every region: a population of the plan's region
      // alone (as a region's analyst may download it) skips it, not the run.
      do {
        try population.require(
          kommuner: RegionCapacityTables.allKommuner(), quarter: quarter, for: RegionCapacityTables.purpose)
        tables.append(RegionCapacityTables.tabel04(register, population, quarter: quarter))
      } catch let PipelineError.input(why) {
        context.note("table 4 skipped: it needs every kommune's population, and \(why)")
      }
    } else {
      context.note("tables 4, 5, 6, 7 and 8 skipped: they need the provider register (--ydere) too")
    }
    tables += PopulationTables.patientsPerThousand(result, population, quarter: quarter, region: region)
    guard results.count > 1 else {
      throw PipelineError.configuration("the age figures need the age aggregate (PlanTables.aggregations)")
    }
    tables += PopulationTables.ageFigures(results[1], population, quarter: quarter, region: region)
    return tables
  }
}
