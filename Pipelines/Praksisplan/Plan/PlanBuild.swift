import LunaDomain
import LunaPipeCore

/// How a plan's tables are made: the claims tables as cross tables over
/// `LunaClaims.aggregation`, the others from the register, the population
/// or a supplied file (`PlanTables`).
extension Plan {
  /// The kommuner of the plan's region, in the plan's order (Danish
  /// alphabetical, `Aa` as `Å`), and a note when the region did not exist
  /// in some of the plan's years: its kommuner are then those it has when
  /// it first exists (or, for one that ended, when it last existed), and
  /// their data count as if it had existed.
  public var kommuner: [Kommune] { Praksisplan.kommuner(of: region, years: years).kommuner }

  /// Said under every kommune table when the region did not exist in all
  /// of the plan's years; nil otherwise.
  public var compositionNote: String? { Praksisplan.kommuner(of: region, years: years).note }

  /// The plan's claims tables, in plan order.
  public var crossTables: [CrossTable] {
    tables.filter(\.measure.isClaims).map { crossTable($0) }
  }

  /// Whether a claims table counts an age band (made from
  /// `LunaClaims.aggregationByAge`).
  static func byAge(_ t: PlanTable) -> Bool { t.filter.ages != nil || t.part?.ages != nil }

  /// The aggregations the plan needs from the claims, all made in one scan:
  /// the claims aggregate; for an age figure with a population the age
  /// aggregate; for a table of an age band the claims aggregate by age.
  public func aggregations(population: Bool) -> [Aggregation] {
    var a = [LunaClaims.aggregation]
    let figures = tables.filter { $0.measure == .aldersfordeling }
    if population && !figures.isEmpty {
      a.append(
        PopulationTables.ageAggregation(
          kommuner: kommuner.map(\.code), years: Array(Set(figures.map(\.year))).sorted(),
          specialer: Array(Set(figures.flatMap(\.specialer))).sorted()))
    }
    if tables.contains(where: { $0.measure.isClaims && Self.byAge($0) }) { a.append(LunaClaims.aggregationByAge) }
    return a
  }

  /// Every kommune's region by year, made once for all the region tables.
  static let regionLookup = RegionLookup(.denmark)

  /// A claims table as a cross table.
  func crossTable(_ t: PlanTable) -> CrossTable {
    let title = "\(t.label): " + PlanText.fill(t.title, region: region, year: t.year)
    let totalLabel = t.total.map { PlanText.fill($0, region: region, year: t.year) }
    if case .diagnosegrupper(let groups) = t.columns {
      return diagnoseTable(t, groups: groups, title: title, total: totalLabel ?? "Total")
    }
    let whole = families(t, filter: t.filter, total: totalLabel ?? "Total")
    var measure: Measure
    switch t.measure {
    case .udgift: measure = t.unit == .millions ? .udgiftMio : .udgift
    case .ydelser: measure = .ydelser
    case .udgiftPrPatient: measure = .udgiftPrPatient
    case .ydelserPrPatient: measure = .ydelserPrPatient
    default: measure = .patienter
    }
    var rows = whole
    if t.measure == .andelPatienter, let part = t.part {
      var both = t.filter
      both.holdtraening = part.holdtraening ?? both.holdtraening
      both.progressiv = part.progressiv ?? both.progressiv
      both.diagnosegrupper = part.diagnosegrupper ?? both.diagnosegrupper
      rows = families(t, filter: both, total: totalLabel ?? "Total")
      measure = .patienter
    }
    var table = CrossTable(
      id: t.id, title: title, rowHeader: t.level == .kommune ? "kommune" : "region", columns: Array(t.years),
      families: rows, measure: measure, decimals: t.decimals, growth: t.growth,
      growthHeader: Praksisplan.growthHeader)
    table.omitsEmptyRows = t.omitsEmptyRows
    if t.measure == .andelPatienter { table.shareOf = whole }
    return table
  }

  /// The row families of a year table: the region's kommuner and its total,
  /// the regions and the country, or the country alone. Families of the
  /// same rows, specialer and filter share one rollup (their names).
  func families(_ t: PlanTable, filter: PlanFilter, total: String) -> [RowFamily] {
    let specialer = Set(t.specialer)
    let ki = t.kommune == .yder ? LunaClaims.KeyIndex.yderKommune : LunaClaims.KeyIndex.patientKommune
    let sp = LunaClaims.KeyIndex.speciale
    let aar = LunaClaims.KeyIndex.aar
    let tag = "\(t.kommune.rawValue)|\(t.specialer.map(String.init).joined(separator: "+"))|\(filter.description)"
    let country = RowFamily(name: "plan-country|\(tag)", rows: [(label: total, row: 0)]) { k in
      specialer.contains(k[sp]) && filter.admits(k) ? (row: 0, column: k[aar]) : nil
    }
    switch t.level {
    case .kommune:
      let ks = kommuner
      let codes = Set(ks.map { Int64($0.code) })
      let rows = RowFamily(
        name: "plan-kommuner|\(region)|\(tag)", rows: ks.map { (label: $0.name, row: Int64($0.code)) }
      ) { k in
        specialer.contains(k[sp]) && filter.admits(k) ? (row: k[ki], column: k[aar]) : nil
      }
      let sum = RowFamily(name: "plan-region-total|\(region)|\(tag)", rows: [(label: total, row: 0)]) { k in
        specialer.contains(k[sp]) && codes.contains(k[ki]) && filter.admits(k) ? (row: 0, column: k[aar]) : nil
      }
      return [rows, sum]
    case .region(let order):
      let lookup = Self.regionLookup
      let rows = RowFamily(
        name: "plan-regioner|\(tag)",
        rows: order.map { (label: Praksisplan.regionName($0), row: Int64($0)) }
      ) { k in
        guard specialer.contains(k[sp]), filter.admits(k), let r = lookup.region(ofKommune: k[ki], year: k[aar]) else {
          return nil
        }
        return (row: r, column: k[aar])
      }
      return [rows, country]
    case .country:
      return [country]
    }
  }

  /// Patients of one year by kommune and diagnosis group, with each row's
  /// total over the groups (distinct) and the region's row per group.
  func diagnoseTable(_ t: PlanTable, groups: [Int64], title: String, total: String) -> CrossTable {
    let k = LunaClaims.KeyIndex.self
    let specialer = Set(t.specialer)
    let ki = t.kommune == .yder ? k.yderKommune : k.patientKommune
    let ks = kommuner
    let codes = Set(ks.map { Int64($0.code) })
    let year = t.year
    let filter = t.filter
    @Sendable func selected(_ key: [Int64]) -> Bool {
      key[k.aar] == year && specialer.contains(key[k.speciale]) && key[k.diagnosegruppe] != Record.null
        && codes.contains(key[ki]) && filter.admits(key)
    }
    let tag = "\(region)|\(year)|\(t.kommune.rawValue)|\(t.specialer)|\(filter.description)"
    var rows = RowFamily(name: "plan-diagnose|\(tag)", rows: ks.map { (label: $0.name, row: Int64($0.code)) }) {
      selected($0) ? (row: $0[ki], column: $0[k.diagnosegruppe]) : nil
    }
    rows.alongside = [
      RowFamily(name: "plan-diagnose-kommune-total|\(tag)", rows: []) {
        selected($0) ? (row: $0[ki], column: 0) : nil
      }
    ]
    var sum = RowFamily(name: "plan-diagnose-total-row|\(tag)", rows: [(label: total, row: 0)]) {
      selected($0) ? (row: 0, column: $0[k.diagnosegruppe]) : nil
    }
    sum.alongside = [
      RowFamily(name: "plan-diagnose-total|\(tag)", rows: []) { selected($0) ? (row: 0, column: 0) : nil }
    ]
    var table = CrossTable(
      id: t.id, title: title, rowHeader: "kommune", columns: groups + [0], families: [rows, sum],
      measure: .patienter, decimals: t.decimals, growth: nil)
    table.columnHeaders = groups.map(Praksisplan.diagnoseHeader) + ["total_patienter"]
    return table
  }
}

extension Praksisplan {
  /// The printed column name of a diagnosis group.
  static func diagnoseHeader(_ group: Int64) -> String {
    switch group {
    case 1: return "diag_1_medfoedte_arvelige"
    case 2: return "diag_2_erhvervede_neurologiske"
    case 3: return "diag_3_fysisk_handicap_ulykke"
    case 4: return "diag_4_inflammatoriske_gigtsygdomme"
    default: return "diag_\(group)"
    }
  }

  /// The kommuner of `region` for a plan over `years`: those it has in the
  /// last of the years; for a region that did not exist then, those it
  /// has when it first exists after them (Region Østdanmark from 2027) or
  /// last existed before; with a note saying so.
  public static func kommuner(of region: Int, years: ClosedRange<Int64>, geography: Geography = .denmark)
    -> (kommuner: [Kommune], note: String?)
  {
    let last = Int(years.upperBound)
    let candidates = Array(stride(from: last, through: Int(years.lowerBound), by: -1)) + Array((last + 1)...2100)
      + Array(stride(from: Int(years.lowerBound) - 1, through: 2000, by: -1))
    for y in candidates {
      let ks = geography.kommuner(inRegion: region, year: y)
      guard !ks.isEmpty else { continue }
      let existed = years.filter { !geography.kommuner(inRegion: region, year: Int($0)).isEmpty }
      if existed.count == years.count { return (ks, nil) }
      let name = regionName(region)
      let missing = years.filter { !existed.contains($0) }
      let span = missing.count == 1 ? "\(missing[0])" : "\(missing.first!)–\(missing.last!)"
      return (
        ks,
        "\(name) fandtes ikke i \(span); tallene er for de kommuner, regionen har i \(y), som om regionen havde eksisteret."
      )
    }
    return ([], nil)
  }
}
