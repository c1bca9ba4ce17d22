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
  public static func reportTitle(region: Int) -> String {
    "Praksisplan for fysioterapi – " + regionName(region)
  }

  /// The region's name as the plans print it (`Region Nordjylland`).
  public static func regionName(_ region: Int) -> String {
    Geography.denmark.region(code: region)?.name ?? "Region \(region)"
  }

  /// The HTML report of Region Nordjylland's plan.
  public static var report: HTMLReport { report(region: region) }

  /// The HTML report of `region`'s plan.
  public static func report(region: Int) -> HTMLReport {
    HTMLReport(
      title: reportTitle(region: region),
      intro:
        "Tabeller og figurer beregnet af LunaPipe fra de givne udtræk, nummereret som i den offentliggjorte "
        + "praksisplan. Udvikling i procent fra første til sidste år.",
      source: { source(of: $0) }, unit: { unit(of: $0) }, order: { readingOrder($0) }, style: .danish,
      sourceClass: "kilde")
  }

  /// The Excel workbook of Region Nordjylland's plan.
  public static var workbook: XLSXWorkbook { workbook(region: region) }

  /// The Excel workbook of `region`'s plan.
  public static func workbook(region: Int) -> XLSXWorkbook {
    XLSXWorkbook(title: reportTitle(region: region), source: { source(of: $0) }, order: { readingOrder($0) }, style: .danish)
  }

  /// The source line the plan prints under a table ("Kilde: LUNA BI").
  public static func source(of table: Table) -> String? {
    let population = "Kilde: LUNA BI og Danmarks Statistik (folketal)"
    switch table.id {
    case "tabel-02", "tabel-14": return "Kilde: LUNA adm og LUNA BI"
    case "tabel-09": return "Kilde: LUNA adm"
    case "tabel-04", "tabel-05", "tabel-06", "tabel-07", "tabel-08", "tabel-27", "tabel-37": return population
    case _ where table.id.hasPrefix("figur-"): return population
    case _ where table.id.hasPrefix("tabel-"): return "Kilde: LUNA BI"
    default: return nil
    }
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

  /// Tables by number, each figure before the table it opens; anything
  /// else after, in the order given.
  public static func readingOrder(_ tables: [Table]) -> [Table] {
    func key(_ t: Table) -> (Int, Int) {
      let parts = t.id.split(separator: "-")
      guard parts.count == 2, let n = Int(parts[1]) else { return (Int.max, 0) }
      switch parts[0] {
      case "tabel": return (n, 1)
      case "figur": return ([3: 18, 4: 28][n] ?? n, 0)
      default: return (Int.max, 0)
      }
    }
    return tables.enumerated().sorted { a, b in
      let (ka, kb) = (key(a.element), key(b.element))
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
    default: return "borgerne i \(regionName(region))"
    }
  }

  /// The region a user names: its code (`1082`) or its name in any common
  /// spelling (`Midtjylland`, `region midtjylland`, `Sjaelland`, `Syddanmark`,
  /// `Hovedstaden`); nil when it is none of the five.
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
