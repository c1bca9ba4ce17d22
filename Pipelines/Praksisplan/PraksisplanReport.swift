import LunaDomain
import LunaPipeCore
import LunaReports

/// How the praksisplan's tables are presented in `report.html` and
/// `praksisplan.xlsx`: in Danish (`TableStyle.danish`), the source line
/// under each table as the plan words it (class `kilde` in the page), the
/// unit on the chart axes, and the plan's reading order (figure 3
/// opens the speciale 51 statistics before Tabel 18, figure 4 the
/// speciale 62 statistics before Tabel 28).
extension Praksisplan {
  public static let reportTitle = reportTitle(region: region)

  /// "Praksisplan for fysioterapi – Region Midtjylland".
  public static func reportTitle(region: Int) -> String { plan(region: region).reportTitle }

  /// The region's name as the plans print it (`Region Nordjylland`).
  public static func regionName(_ region: Int) -> String {
    Geography.denmark.region(code: region)?.name ?? "Region \(region)"
  }

  /// The HTML report of Region Nordjylland's plan.
  public static var report: HTMLReport { report(region: region) }

  /// The HTML report of `region`'s plan.
  public static func report(region: Int) -> HTMLReport { report(plan: plan(region: region)) }

  /// The HTML report of a plan: its title, its tables in its order, each
  /// with its source line; the cover names the region and the years, the
  /// pages print in Danish ("Side 3 af 40").
  public static func report(plan: Plan) -> HTMLReport {
    HTMLReport(
      title: plan.reportTitle,
      intro:
        "Tabeller og figurer beregnet af LunaPipe fra de givne udtræk, nummereret som i den offentliggjorte "
        + "praksisplan. Udvikling i procent fra første til sidste år.",
      source: { source(of: $0, plan: plan) }, unit: { unit(of: $0) }, order: { readingOrder($0, plan: plan) },
      style: .danish, sourceClass: "kilde",
      facts: [
        .init("Region", regionName(plan.region)),
        .init("År", "\(plan.years.lowerBound)–\(plan.years.upperBound)"),
      ],
      words: reportWords)
  }

  /// The words of the report's cover and printed pages, in Danish.
  public static let reportWords = HTMLReport.Words(
    summary: "Sammenfatning", run: "Kørsel", tables: "tabeller", figures: "figurer", and: "og", file: "Fil",
    total: "I alt", page: "Side", of: "af")

  /// The Excel workbook of Region Nordjylland's plan.
  public static var workbook: XLSXWorkbook { workbook(region: region) }

  /// The Excel workbook of `region`'s plan.
  public static func workbook(region: Int) -> XLSXWorkbook { workbook(plan: plan(region: region)) }

  /// The Excel workbook of a plan: its tables in its order, each with its
  /// source line; native charts for the figures and for the key tables
  /// (`isKeyTable`).
  public static func workbook(plan: Plan) -> XLSXWorkbook {
    XLSXWorkbook(
      title: plan.reportTitle, source: { source(of: $0, plan: plan) }, order: { readingOrder($0, plan: plan) },
      style: .danish, charted: { isKeyTable($0, plan: plan) }, unit: { unit(of: $0) })
  }

  /// Whether the workbook charts a table besides the figures: udgift and
  /// ydelser per kommune per year on speciale 51 and on speciale 62 (Tabel
  /// 19, 23, 29 and 33 of the built-in plan). They are the plan's core, the
  /// published tables its readers compare kommuner and years by; the
  /// per-patient and region tables follow from them, and speciale 57 and
  /// 65 have too few patients per kommune for bars to say much.
  public static func isKeyTable(_ table: Table, plan: Plan) -> Bool {
    guard let t = plan.tables.first(where: { $0.id == table.id }) else { return false }
    guard t.measure == .udgift || t.measure == .ydelser, t.level == .kommune, t.columns == .years else { return false }
    return t.specialer == [51] || t.specialer == [62]
  }

  /// The source line the built-in plan prints under a table ("Kilde: LUNA BI").
  public static func source(of table: Table) -> String? { source(of: table, plan: .builtIn) }

  /// The source line a plan prints under a table, and the note on the
  /// region's kommuner when the region did not exist in all the plan's years.
  public static func source(of table: Table, plan: Plan) -> String? {
    guard let t = plan.tables.first(where: { $0.id == table.id }) else { return nil }
    guard let note = plan.compositionNote, t.measure.inputs != [.supplied] else { return t.source }
    if case .region = t.level, t.measure.isClaims { return t.source }
    return t.source + ". " + note
  }

  /// What a table's values are, read from its title, for chart axes.
  public static func unit(of table: Table) -> String? {
    let t = table.title.lowercased()
    if t.contains("procentandel") { return "%" }
    if t.contains("udgifter") {
      if t.contains("pr. patient") { return "kr. pr. patient" }
      return t.contains("mio.") ? "mio. kr." : "kr."
    }
    if t.contains("ydelser") { return t.contains("pr. patient") ? "ydelser pr. patient" : "ydelser" }
    if t.contains("antal patienter") { return "patienter" }
    return nil
  }

  /// The built-in plan's order.
  public static func readingOrder(_ tables: [Table]) -> [Table] { readingOrder(tables, plan: .builtIn) }

  /// Tables in the plan's order; anything else after, in the order given.
  public static func readingOrder(_ tables: [Table], plan: Plan) -> [Table] {
    var place: [String: Int] = [:]
    for (i, t) in plan.tables.enumerated() { place[t.id] = i }
    return tables.enumerated().sorted { a, b in
      let (ka, kb) = (place[a.element.id] ?? Int.max, place[b.element.id] ?? Int.max)
      return ka != kb ? ka < kb : a.offset < b.offset
    }.map(\.element)
  }
}

extension Praksisplan {
  /// The region's residents as the plan's figure titles name them ("de
  /// nordjyske borgere").
  public static func residents(of region: Int) -> String {
    switch region {
    case 1081: return "de nordjyske borgere"
    case 1082: return "de midtjyske borgere"
    case 1083: return "de syddanske borgere"
    case 1084: return "borgerne i Region Hovedstaden"
    case 1085: return "de sjællandske borgere"
    case 1086: return "de østdanske borgere"
    default: return "borgerne i \(regionName(region))"
    }
  }

  /// The region a user names: its code (`1082`) or its name in any common
  /// spelling (`Midtjylland`, `region midtjylland`, `Sjaelland`, `Syddanmark`,
  /// `Hovedstaden`, `Østdanmark` from 2027); nil when it is none of them.
  public static func region(named text: String) -> Int? {
    let t = text.trimmingCharacters(in: .whitespaces)
    if let code = Int(t) { return Geography.denmark.region(code: code)?.code }
    func key(_ s: String) -> String {
      var k = HeaderName.normalize(s)
      if k.hasPrefix("region ") { k.removeFirst("region ".count) }
      if k.hasPrefix("region") { k.removeFirst("region".count) }
      return k.trimmingCharacters(in: .whitespaces)
    }
    let wanted = key(t)
    return Geography.denmark.regions.first { key($0.name) == wanted }?.code
  }
}
