import LunaDomain
import LunaPipeCore

/// Stage: every table of the praksisplan whose inputs were given. The
/// claims tables come from the claims aggregate; with a provider register
/// (`ydere`) the register tables follow, with a population (`befolkning`)
/// the tables per inhabitant and the age figures. A table whose input was
/// not given is skipped with a note in the run report, never an error.
public struct PlanTables: Stage {
  public let label = "tables"
  /// With a population, the age figures scan the claims a second time.
  public var timedWork: String? {
    befolkning == nil
      ? nil : "built the tables, reading the register and the population and scanning the claims again for figures 3 and 4"
  }
  public var claimsTables: [CrossTable]
  /// The claims files, for the age figures' own aggregation.
  public var claims: [String]
  public var ydere: String?
  public var befolkning: String?
  /// The population quarter to use (`--befolkning-tid`); nil: the plan's
  /// 2024K1 when present, else the latest in the extract.
  public var quarter: Quarter?
  public var region: Int

  public init(
    claimsTables: [CrossTable], claims: [String], ydere: String?, befolkning: String?, quarter: Quarter? = nil,
    region: Int = Praksisplan.region
  ) {
    self.claimsTables = claimsTables
    self.claims = claims
    self.ydere = ydere
    self.befolkning = befolkning
    self.quarter = quarter
    self.region = region
  }

  public func run(_ result: AggregateResult, in context: RunContext) throws -> [Table] {
    var tables = try BuildTables(claimsTables).run(result, in: context)
    let register = try ydere.map { try ProviderRegisterReader.read($0, in: context) }
    let population = try befolkning.map { try PopulationReader.read($0, in: context) }

    if let register {
      tables += RegisterTables.all(register, region: region)
    } else {
      context.note("tables 2, 3, 9, 12, 13, 14 and 15 skipped: no provider register given (--ydere)")
    }
    guard let population else {
      context.note(
        "tables 5, 6, 7, 8, 27, 37 and figures 3 and 4 skipped: no population given (--befolkning)")
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
    } else {
      context.note("tables 5, 6, 7 and 8 skipped: they need the provider register (--ydere) too")
    }
    tables += PopulationTables.patientsPerThousand(result, population, quarter: quarter, region: region)
    tables += try ageFigures(population, quarter: quarter, context: context)
    return tables
  }

  /// Figures 3 and 4 need the patients' ages, which the claims aggregate
  /// does not key by: a second pass over the claims, in a context of its
  /// own so that its records and rejects are not counted twice.
  func ageFigures(_ population: Population, quarter: Quarter, context: RunContext) throws -> [Table] {
    let scan = RunContext(options: context.options, maxRejectShare: 1)
    let ages = try Pipeline("age-profile")
      .readCSV(claims)
      .validate(LunaClaims.schema)
      .aggregate(PopulationTables.ageAggregation)
      .run(in: scan)
    return PopulationTables.ageFigures(ages, population, quarter: quarter, region: region)
  }
}
