import Foundation
import LunaDomain
import LunaPipeCore

/// Stage: every table of a plan whose inputs were given, in the plan's
/// order. The claims tables come from the claims aggregate; with a provider
/// register (`ydere`) the register tables follow, with a population
/// (`befolkning`) the tables per inhabitant and the age figures (from the
/// age aggregate, made in the same scan of the claims: `aggregations`),
/// and a supplied table from its file. A table whose input was not given
/// is skipped with a note in the run report, never an error.
public struct PlanTables: Stage {
  public let label = "tables"
  public var timedWork: String? {
    ydere == nil && befolkning == nil ? nil : "built the tables, reading the register and the population"
  }
  public let plan: Plan
  public let ydere: String?
  public let befolkning: String?
  /// The population quarter to use (`--befolkning-tid`); nil: the plan's
  /// 2024K1 when present, else the latest in the extract.
  public let quarter: Quarter?
  /// The register and the population the plan needs, read beside the
  /// other stages when a pipeline starts it (`Pipeline.start(_:when:)`:
  /// `Praksisplan.pipeline` starts it before its scan on a machine with a
  /// core to spare, else after the scan), or else by `run` itself. Either
  /// way their rejects, notes and counts reach the run as if read at this
  /// stage (`SideWork`).
  public let inputs: SideWork<Inputs>

  /// The tables' inputs besides the claims: nil where not given or not
  /// needed by the plan.
  public struct Inputs {
    public var register: ProviderRegister?
    public var population: Population?
    var pair: (ProviderRegister?, Population?) { (register, population) }
  }

  /// Whether a plan year without a claims line of the plan's region
  /// publishes (with a note) rather than failing the run (exit 65):
  /// `--accept-gaps`. See `checkCoverage(_:in:)`.
  public let acceptGaps: Bool

  public init(
    plan: Plan = .builtIn, ydere: String?, befolkning: String?, quarter: Quarter? = nil, acceptGaps: Bool = false
  ) {
    self.plan = plan
    self.acceptGaps = acceptGaps
    self.ydere = ydere
    self.befolkning = befolkning
    self.quarter = quarter
    let needsRegister = Self.needs(.register, plan), needsPopulation = Self.needs(.population, plan)
    inputs = SideWork("register-and-population") { context in
      Inputs(
        register: needsRegister ? try ydere.map { try ProviderRegisterReader.read($0, in: context) } : nil,
        population: needsPopulation ? try befolkning.map { try PopulationReader.read($0, in: context) } : nil)
    }
  }

  /// The aggregations the tables need, all made in one scan of the claims:
  /// the claims aggregate, and with a population the age aggregate.
  public var aggregations: [Aggregation] { plan.aggregations(population: befolkning != nil) }

  func needs(_ input: PlanInput) -> Bool { Self.needs(input, plan) }
  static func needs(_ input: PlanInput, _ plan: Plan) -> Bool {
    plan.tables.contains { $0.measure.inputs.contains(input) }
  }

  /// `results` are those of `aggregations`, in order.
  public func run(_ results: [AggregateResult], in context: RunContext) throws -> [Table] {
    let result = results[0]
    // Before the coverage check: claims all outside the plan fail as such
    // (exit 65), not as years the region has no data.
    try accountForOutside(in: context)
    try checkCoverage(result, in: context)
    let claims = plan.tables.filter(\.measure.isClaims)
    // Sub-stages, timed in the run report as tables/build and
    // tables/build-by-age.
    var built = try context.run(
      BuildTables(claims.filter { !Plan.byAge($0) }.map(plan.crossTable)), result, label: "build")
    if claims.contains(where: Plan.byAge) {
      guard let byAge = results.last, byAge.aggregation.keys.count == LunaClaims.aggregationByAge.keys.count else {
        throw PipelineError.configuration("a table of an age band needs the aggregate by age (PlanTables.aggregations)")
      }
      built += try context.run(
        BuildTables(claims.filter(Plan.byAge).map(plan.crossTable)), byAge, label: "build-by-age")
    }
    var claimsTables: [String: Table] = [:]
    for t in built { claimsTables[t.id] = t }
    let (register, population) = try inputs.value(in: context).pair
    if let note = plan.compositionNote { context.note(note) }
    if let register, needs(.register), let note = RegionCapacityTables.coverageNote(register) { context.note(note) }

    var quarter: Quarter?
    if let population {
      let (q, quarterNote) = try PopulationTables.quarter(of: population, requested: self.quarter)
      if let quarterNote { context.note(quarterNote) }
      quarter = q
      if let q {
        // Every kommune of the region, every age: a withheld or missing
        // count stops the run rather than lowering a kommune's population.
        try population.require(kommuner: plan.kommuner.map(\.code), quarter: q, for: purpose)
      }
    }

    var tables: [Table] = []
    var skipped: [(PlanTable, String)] = []
    var counts = Counts(threads: context.options.threads)
    for t in plan.tables {
      let title = "\(t.label): " + PlanText.fill(t.title, region: plan.region, quarter: quarter, year: t.year)
      func named(_ table: Table) -> Table {
        var table = table
        table.id = t.id
        table.title = title
        return table
      }
      switch t.measure {
      case _ where t.measure.isClaims:
        tables.append(claimsTables[t.id]!)
      case .supplied:
        guard let s = t.supplied else { continue }
        let table = try SuppliedFile(spec: s, id: t.id, title: title).read(in: context)
        tables.append(table)
      default:
        if t.measure.inputs.contains(.population) && population == nil {
          skipped.append((t, "no population given (--befolkning)"))
          continue
        }
        if t.measure.inputs.contains(.register) && register == nil {
          let needsBoth = t.measure.inputs.contains(.population)
          skipped.append((t, needsBoth ? "they need the provider register (--ydere) too" : "no provider register given (--ydere)"))
          continue
        }
        if t.measure.inputs.contains(.population) && quarter == nil { continue }
        if let table = try other(
          t, register: register, population: population, quarter: quarter, results: results, counts: &counts,
          note: context.note, skip: { context.report.quality.skippedTables.append(.init(table: t.id, reason: $0)) })
        {
          tables.append(named(table))
        }
      }
    }
    var reasons: [String] = []
    for (_, reason) in skipped where !reasons.contains(reason) { reasons.append(reason) }
    context.report.quality.skippedTables += skipped.map { .init(table: $0.0.id, reason: $0.1) }
    for reason in reasons {
      context.note("\(Self.list(skipped.filter { $0.1 == reason }.map(\.0))) skipped: \(reason)")
    }
    recordTinyBases(tables, in: context)
    return tables
  }

  /// A table from the register, the population, or both with the claims;
  /// nil when it is not made, and then `skip` has been told why when its
  /// inputs were given but it still could not be made.
  func other(
    _ t: PlanTable, register: ProviderRegister?, population: Population?, quarter: Quarter?,
    results: [AggregateResult], counts: inout Counts, note: (String) -> Void, skip: (String) -> Void = { _ in }
  ) throws -> Table? {
    let region = plan.region
    switch t.measure {
    case .praksis: return register.map { RegisterTables.tabel02($0, region: region) }
    case .kapacitet: return register.map { RegisterTables.tabel03($0, region: region) }
    case .praksisstoerrelse: return register.map { RegisterTables.tabel09($0, region: region) }
    case .praksisOgVentetid: return register.map { RegisterTables.tabel12($0, region: region) }
    case .ventetidsintervaller: return register.map { RegisterTables.tabel13($0, region: region) }
    case .ridepraksis: return register.map { RegisterTables.tabel14($0, region: region) }
    case .ridekapacitet: return register.map { RegisterTables.tabel15($0, region: region) }
    case .ventetid: return register.map { RegionCapacityTables.tabel11($0, region: region) }
    case .ventetidRegioner: return register.map { RegionCapacityTables.tabel10($0) }
    case .indbyggerePrKapacitetRegioner:
      guard let register, let population, let quarter else { return nil }
      // It compares every region: a population of the plan's region alone
      // (as a region's analyst may download it) skips it, not the run.
      do {
        try population.require(
          kommuner: RegionCapacityTables.allKommuner(), quarter: quarter, for: RegionCapacityTables.purpose)
      } catch let PipelineError.input(why) {
        note("\(Self.list([t])) skipped: it needs every kommune's population, and \(why)")
        skip("it needs every kommune's population, and \(why)")
        return nil
      }
      return RegionCapacityTables.tabel04(register, population, quarter: quarter)
    case .indbyggerePrKapacitet:
      guard let register, let population, let quarter else { return nil }
      return PopulationTables.perCapacity(
        register, population, quarter: quarter, region: region, speciale: Int(t.specialer[0]), ages: t.ages)
    case .patienterPr1000:
      guard let population, let quarter else { return nil }
      return PopulationTables.patientsPerThousand(
        counts.patients(results[0], region: region, year: t.year), population, quarter: quarter, region: region,
        speciale: t.specialer[0])
    case .aldersfordeling:
      guard let population, let quarter else { return nil }
      guard results.count > 1 else {
        throw PipelineError.configuration("the age figures need the age aggregate (PlanTables.aggregations)")
      }
      return PopulationTables.ageFigure(
        counts.ages(results[1], region: region, year: t.year), population, quarter: quarter, region: region,
        speciale: t.specialer[0])
    default:
      return nil
    }
  }

  /// The per-inhabitant counts of a run, made once per year for all the
  /// tables (and specialer) that read them.
  struct Counts {
    let threads: Int
    var patientCounts: [Int64: PopulationTables.PatientCounts] = [:]
    var ageCounts: [Int64: PopulationTables.AgeCounts] = [:]

    init(threads: Int) { self.threads = threads }

    mutating func patients(_ claims: AggregateResult, region: Int, year: Int64) -> PopulationTables.PatientCounts {
      if let c = patientCounts[year] { return c }
      let c = PopulationTables.PatientCounts(claims, region: region, year: year, threads: threads)
      patientCounts[year] = c
      return c
    }

    mutating func ages(_ result: AggregateResult, region: Int, year: Int64) -> PopulationTables.AgeCounts {
      if let c = ageCounts[year] { return c }
      let c = PopulationTables.AgeCounts(result, region: region, year: year)
      ageCounts[year] = c
      return c
    }
  }

  /// What the population is needed for, for its error messages.
  var purpose: String {
    let t = plan.tables.filter { $0.measure.inputs.contains(.population) }
    return "the tables per inhabitant (\(Self.list(t)))"
  }

  /// "tables 2, 3 and 9 and figures 3 and 4".
  static func list(_ tables: [PlanTable]) -> String {
    func join(_ items: [String]) -> String {
      items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
    let t = tables.filter { $0.kind == .table }.map { String($0.number) }
    let f = tables.filter { $0.kind == .figure }.map { String($0.number) }
    let figures = (f.count == 1 ? "figure " : "figures ") + join(f)
    if t.isEmpty { return figures }
    let tables = t.count == 1 ? "table " + t[0] : "tables " + (f.isEmpty ? join(t) : t.joined(separator: ", "))
    return f.isEmpty ? tables : tables + " and " + figures
  }
}
