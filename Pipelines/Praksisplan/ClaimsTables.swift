import LunaDomain
import LunaPipeCore

/// The praksisplan's other claims tables: riding physiotherapy (specialer 65
/// and 57) by the patient's kommune, and the regional comparisons 2020–2023
/// of all four specialer, built from the same aggregate as Tabel 19–36.
extension Praksisplan {
  /// The years of the regional comparison ("Udvikling 20-23").
  public static let regionYears: [Int64] = Array(2020...2023)

  /// Tabel 16–18, 20, 22, 24, 28, 30, 32, 34, 39–41 and 42–57.
  public static var claimsTables: [CrossTable] { claimsTables(region: region) }

  /// The same for the kommuner of `region`.
  public static func claimsTables(region: Int) -> [CrossTable] {
    [
      holdtraeningTable(region: region), diagnoseTable(progressive: true, number: 40, region: region),
      diagnoseTable(progressive: false, number: 41, region: region),
    ]
      + ridingKommuneTables(speciale: 65, patients: 16, numbers: (43, 45, 47, 49), region: region)
      + ridingKommuneTables(speciale: 57, patients: 17, numbers: (51, 53, 55, 57), region: region)
      + regionTables(speciale: 51, by: .yder, order: RegionRows.planOrder, numbers: (18, 20, 22, 24), mio: true)
      + regionTables(speciale: 62, by: .yder, order: RegionRows.planOrder, numbers: (28, 30, 32, 34), mio: true)
      + regionTables(speciale: 65, by: .patient, order: RegionRows.alphabetical, numbers: (42, 44, 46, 48), mio: false)
      + regionTables(speciale: 57, by: .patient, order: RegionRows.alphabetical, numbers: (50, 52, 54, 56), mio: false)
  }

  static func id(_ n: Int) -> String { "tabel-\(n)" }

  /// Riding physiotherapy by the patient's kommune, 2019–2023. A kommune
  /// without any riding patient (Læsø) has no row, as in the plan; the Total
  /// row is the whole region, distinct.
  static func ridingKommuneTables(speciale s: Int64, patients p: Int, numbers n: (Int, Int, Int, Int), region: Int)
    -> [CrossTable]
  {
    let rows = ridingRows(speciale: s, region: region)
    let name = "speciale \(s)"
    var tables = [
      CrossTable(
        id: id(p),
        title: "Tabel \(p): Antal patienter, der har modtaget ridefysioterapi på \(name) fordelt på borgerens bopælskommune",
        rowHeader: "kommune", columns: years, families: rows, measure: .patienter, decimals: 0,
        growthHeader: growthHeader)
    ]
    tables += measureTables(
      numbers: n, of: name, rowHeader: "kommune", columns: years, families: rows, ydelserPrPatientDecimals: 0,
      ydelserPrPatient: "pr. år pr. patient")
    for i in tables.indices { tables[i].omitsEmptyRows = true }
    return tables
  }

  /// The region's kommuner by the patient's kommune, and the region's Total
  /// row, for one riding speciale; both specialer share each rollup (row
  /// codes are speciale × 10,000 + kommune, and speciale for the Total).
  static func ridingRows(speciale s: Int64, region: Int = region, geography: Geography = .denmark) -> [RowFamily] {
    let k = LunaClaims.KeyIndex.self
    let lookup = RegionLookup(geography)
    let kommuner = RowFamily(
      name: "riding-kommune-\(region)",
      rows: geography.kommuner(inRegion: region, year: 2023).map { (label: $0.name, row: s * 10_000 + Int64($0.code)) }
    ) { key in
      key[k.speciale] == 65 || key[k.speciale] == 57
        ? (row: key[k.speciale] * 10_000 + key[k.patientKommune], column: key[k.aar]) : nil
    }
    let total = RowFamily(name: "riding-total-\(region)", rows: [(label: "Total", row: s)]) { key in
      (key[k.speciale] == 65 || key[k.speciale] == 57)
        && lookup.region(ofKommune: key[k.patientKommune], year: key[k.aar]) == Int64(region)
        ? (row: key[k.speciale], column: key[k.aar]) : nil
    }
    return [kommuner, total]
  }

  /// The regional comparison 2020–2023: udgift (in millions with one
  /// decimal for specialer 51 and 62, in kroner for 65 and 57), udgift per
  /// patient, ydelser and ydelser per patient (two decimals for 51 and 62,
  /// none for 65 and 57), by producerende (`.yder`) or forbrugende
  /// (`.patient`) region, and the country.
  static func regionTables(
    speciale s: Int64, by key: KommuneKey, order: [Int], numbers n: (Int, Int, Int, Int), mio: Bool
  ) -> [CrossTable] {
    let rows = [RegionRows.regioner(order, by: key, speciale: s), RegionRows.total(by: key, speciale: s)]
    let name = "speciale \(s)"
    return measureTables(
      numbers: n, of: name, rowHeader: "region", columns: regionYears, families: rows,
      udgiftUnit: mio ? " angivet i mio." : "", udgift: mio ? .udgiftMio : .udgift, udgiftDecimals: mio ? 1 : 0,
      ydelserPrPatientDecimals: mio ? 2 : 0)
  }

  /// The four tables the plan prints for one speciale by kommune or by
  /// region: udgift, udgift per patient, ydelser and ydelser per patient per
  /// year, numbered `n` (`rowHeader` "kommune" or "region" names the rows,
  /// and the title's "fordelt på kommuner/regioner"; the plan words the
  /// fourth title "pr. patient pr. år" or, for riding, "pr. år pr. patient").
  static func measureTables(
    numbers n: (Int, Int, Int, Int), of name: String, rowHeader: String, columns: [Int64],
    families rows: [RowFamily], udgiftUnit: String = "", udgift: Measure = .udgift, udgiftDecimals: Int = 0,
    ydelserPrPatientDecimals: Int, ydelserPrPatient: String = "pr. patient pr. år"
  ) -> [CrossTable] {
    let by = "fordelt på \(rowHeader == "region" ? "regioner" : "kommuner")"
    return [
      CrossTable(
        id: id(n.0), title: "Tabel \(n.0): Udgifter pr. år\(udgiftUnit) til \(name) \(by)",
        rowHeader: rowHeader, columns: columns, families: rows, measure: udgift, decimals: udgiftDecimals,
        growthHeader: growthHeader),
      CrossTable(
        id: id(n.1), title: "Tabel \(n.1): Udgifter pr. patient pr. år til \(name) \(by)",
        rowHeader: rowHeader, columns: columns, families: rows, measure: .udgiftPrPatient, decimals: 0,
        growthHeader: growthHeader),
      CrossTable(
        id: id(n.2), title: "Tabel \(n.2): Ydelser pr. år på \(name) \(by)",
        rowHeader: rowHeader, columns: columns, families: rows, measure: .ydelser, decimals: 0,
        growthHeader: growthHeader),
      CrossTable(
        id: id(n.3),
        title: "Tabel \(n.3): Ydelser \(ydelserPrPatient) på \(name) \(by)",
        rowHeader: rowHeader, columns: columns, families: rows, measure: .ydelserPrPatient,
        decimals: ydelserPrPatientDecimals, growthHeader: growthHeader),
    ]
  }

  /// Tabel 39: the share of speciale 62 patients of a clinic kommune who had
  /// group training (a positive line with Holdtraening J), in percent;
  /// udvikling in percentage points.
  static func holdtraeningTable(region: Int) -> CrossTable {
    let k = LunaClaims.KeyIndex.self
    let all = [
      KommuneRows.kommuner(of: region, by: .yder, speciale: 62),
      KommuneRows.total(of: region, by: .yder, speciale: 62),
    ]
    let hold = all.map { f in
      RowFamily(name: f.name + "-hold", rows: f.rows) { key in key[k.holdtraening] == 1 ? f.key(key) : nil }
    }
    var t = CrossTable(
      id: id(39),
      title: "Tabel 39: Procentandel af patienter, der modtager holdtræning (speciale 62) ud af samtlige patienter, der modtager fysioterapi",
      rowHeader: "kommune", columns: years, families: hold, measure: .patienter, decimals: 0,
      growth: .percentagePoints, growthHeader: growthHeader)
    t.shareOf = all
    return t
  }

  /// The diagnosis groups of Tabel 40 (progressive) and 41 (not), with
  /// their printed column names.
  static let diagnoseColumns: [(group: Int64, header: String)] = [
    (1, "diag_1_medfoedte_arvelige"), (2, "diag_2_erhvervede_neurologiske"),
    (3, "diag_3_fysisk_handicap_ulykke"), (4, "diag_4_inflammatoriske_gigtsygdomme"),
  ]

  /// Tabel 40/41: distinct speciale 62 patients in 2023 with progressive
  /// (40) or non-progressive (41) disease, per clinic kommune and main
  /// diagnosis group, with the kommune's total (distinct over groups) and
  /// the region's per group (distinct over kommuner). Tabel 40 has no
  /// group 3.
  static func diagnoseTable(
    progressive: Bool, number: Int, year: Int64 = 2023, region: Int = region, geography: Geography = .denmark
  ) -> CrossTable
  {
    let k = LunaClaims.KeyIndex.self
    let flag: Int64 = progressive ? 1 : 0
    let groups = diagnoseColumns.filter { progressive ? $0.group != 3 : true }
    let codes = Set(geography.kommuner(inRegion: region, year: Int(year)).map { Int64($0.code) })
    let rows = geography.kommuner(inRegion: region, year: Int(year)).map {
      (label: $0.name, row: flag * 10_000 + Int64($0.code))
    }
    // Tabel 40 and 41 share each rollup: row codes are progressive × 10,000
    // + kommune, and progressive for the Total row; column 0 is the total.
    @Sendable func selected(_ key: [Int64]) -> Bool {
      key[k.aar] == year && key[k.speciale] == 62 && key[k.progressiv] != Record.null
        && codes.contains(key[k.yderKommune])
    }
    var kommuner = RowFamily(name: "diagnose-kommuner", rows: rows) {
      selected($0) ? (row: $0[k.progressiv] * 10_000 + $0[k.yderKommune], column: $0[k.diagnosegruppe]) : nil
    }
    kommuner.alongside = [
      RowFamily(name: "diagnose-kommune-total", rows: []) {
        selected($0) ? (row: $0[k.progressiv] * 10_000 + $0[k.yderKommune], column: 0) : nil
      }
    ]
    var total = RowFamily(name: "diagnose-total-row", rows: [(label: "Total pr. diagnosegruppe", row: flag)]) {
      selected($0) ? (row: $0[k.progressiv], column: $0[k.diagnosegruppe]) : nil
    }
    total.alongside = [
      RowFamily(name: "diagnose-total", rows: []) { selected($0) ? (row: $0[k.progressiv], column: 0) : nil }
    ]
    var t = CrossTable(
      id: id(number),
      title: "Tabel \(number): Antal patienter med \(progressive ? "progressive sygdom" : "ikke-progressiv sygdom") pr. diagnosehovedgruppe fordelt pr. kommune i \(year)",
      rowHeader: "kommune", columns: groups.map(\.group) + [0], families: [kommuner, total], measure: .patienter,
      decimals: 0, growth: nil)
    t.columnHeaders = groups.map(\.header) + ["total_patienter"]
    return t
  }
}
