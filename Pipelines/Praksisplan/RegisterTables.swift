import LunaDomain
import LunaPipeCore

/// The praksisplan's tables from the provider register (`ydere`): practices,
/// capacity, practice size and expected waits per kommune of the region.
///
/// Tables 2, 9, 12, 13 and 14 have the published schema. Tables 3 and 15
/// are images in the plan; their schema follows Tabel 2 (one row per
/// kommune in the plan's order and a `Region Nordjylland total` row):
/// Tabel 3 `kommune,kapacitet_51,kapacitet_62,samlet` (2 decimals),
/// Tabel 15 `kommune,kapacitet_ridefysioterapi` (1 decimal; blank where the
/// kommune has no riding practice, as Tabel 14 prints it).
public enum RegisterTables {
  /// The year the register describes, for the kommuner of the region.
  public static let registerYear = 2024

  static func kommuner(_ region: Int) -> [Kommune] {
    Praksisplan.kommuner(of: region, years: Int64(registerYear)...Int64(registerYear)).kommuner
  }

  static func totalLabel(_ region: Int) -> String {
    (Geography.denmark.region(code: region)?.name ?? "Region \(region)") + " total"
  }

  static func inRegion(_ practices: [Praksis], _ region: Int) -> [Praksis] {
    let codes = Set(kommuner(region).map(\.code))
    return practices.filter { codes.contains($0.kommune) }
  }

  static func int(_ n: Int) -> Table.Cell { .number(Rational(Int64(n)), decimals: 0) }
  static func hundredths(_ n: Int64, decimals: Int = 2) -> Table.Cell { .number(Rational(n, 100), decimals: decimals) }

  /// Tabel 2: practices (speciale 51/62) per kommune.
  public static func tabel02(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.fysioterapi, region)
    var rows = kommuner(region).map { k in [Table.Cell.text(k.name), int(p.filter { $0.kommune == k.code }.count)] }
    rows.append([.text(totalLabel(region)), int(p.count)])
    return Table(
      id: "tabel-02", title: "Tabel 2: Antal praksis pr. kommune", header: ["kommune", "antal_praksis"], rows: rows)
  }

  /// Tabel 3: capacity per speciale and in all per kommune.
  public static func tabel03(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.fysioterapi, region)
    func row(_ label: String, _ ps: [Praksis]) -> [Table.Cell] {
      let a = ps.reduce(0) { $0 + $1.kapacitet51 }
      let b = ps.reduce(0) { $0 + $1.kapacitet62 }
      return [.text(label), hundredths(a), hundredths(b), hundredths(a + b)]
    }
    var rows = kommuner(region).map { k in row(k.name, p.filter { $0.kommune == k.code }) }
    rows.append(row(totalLabel(region), p))
    return Table(
      id: "tabel-03",
      title: "Tabel 3: Antal kapaciteter pr. speciale og samlet opdelt pr. kommune samt \(totalLabel(region))",
      header: ["kommune", "kapacitet_51", "kapacitet_62", "samlet"], rows: rows)
  }

  /// Tabel 9: practices by number of physiotherapists. As the plan counts
  /// them, a practice's satellite address (EkstraAdresse) counts as one
  /// more practice of the same size. The register is a snapshot of one
  /// year, so the 2019 column is left empty.
  public static func tabel09(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.fysioterapi, region)
    let bands: [(min: Int, max: Int?)] = [(1, 1), (2, 2), (3, 4), (5, nil)]
    let rows = bands.map { band -> [Table.Cell] in
      let n = p.filter { $0.antalFysioterapeuter >= band.min && $0.antalFysioterapeuter <= (band.max ?? .max) }
        .reduce(0) { $0 + ($1.ekstraAdresse == nil ? 1 : 2) }
      return [int(band.min), band.max.map(int) ?? .empty, .empty, int(n)]
    }
    return Table(
      id: "tabel-09",
      title: "Tabel 9: Antal fysioterapeuter pr. praksis (inkl. satellitpraksis) opgjort i \(registerYear)",
      header: ["fysioterapeuter_min", "fysioterapeuter_max", "antal_praksis_2019", "antal_praksis_2024"], rows: rows)
  }

  /// Tabel 12: practices and the shortest and longest expected wait per
  /// speciale, per kommune (empty when no practice reported a wait).
  public static func tabel12(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.fysioterapi, region)
    let rows = kommuner(region).map { k -> [Table.Cell] in
      let ps = p.filter { $0.kommune == k.code }
      let w51 = ps.compactMap(\.ventetid51)
      let w62 = ps.compactMap(\.ventetid62)
      return [
        .text(k.name), int(ps.count), w51.min().map(int) ?? .empty, w51.max().map(int) ?? .empty,
        w62.min().map(int) ?? .empty, w62.max().map(int) ?? .empty,
      ]
    }
    return Table(
      id: "tabel-12",
      title:
        "Tabel 12: Antal praksis samt korteste og længste forventet ventetid for hvert speciale fordelt pr. kommuner",
      header: [
        "kommune", "antal_praksis", "ventetid_51_min_uger", "ventetid_51_max_uger", "ventetid_62_min_uger",
        "ventetid_62_max_uger",
      ], rows: rows)
  }

  /// Tabel 13: practices per waiting-time interval of three weeks, per
  /// speciale; the last row counts practices that reported no wait
  /// ("Ej angivet"). As printed, a speciale's cells below its longest
  /// reported wait's interval are blank rather than 0.
  public static func tabel13(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.fysioterapi, region)
    let intervals: [(min: Int, max: Int?)] = (0..<10).map { ($0 * 3, $0 * 3 + 2) } + [(30, nil)]
    func column(_ waits: [Int?]) -> [Table.Cell] {
      let reported = waits.compactMap { $0 }
      let counts = intervals.map { i in reported.filter { $0 >= i.min && $0 <= (i.max ?? .max) }.count }
      let last = counts.lastIndex { $0 > 0 } ?? -1
      return counts.enumerated().map { $0.offset <= last ? int($0.element) : .empty }
        + [int(waits.count - reported.count)]
    }
    let c51 = column(p.map(\.ventetid51))
    let c62 = column(p.map(\.ventetid62))
    var rows: [[Table.Cell]] = []
    for (i, interval) in intervals.enumerated() {
      rows.append([int(interval.min), interval.max.map(int) ?? .empty, c51[i], c62[i]])
    }
    rows.append([.empty, .empty, c51[intervals.count], c62[intervals.count]])
    return Table(
      id: "tabel-13", title: "Tabel 13: Antal praksis pr ventetids-interval opdelt pr. speciale",
      header: ["ventetid_min_uger", "ventetid_max_uger", "antal_praksis_51", "antal_praksis_62"], rows: rows)
  }

  /// Tabel 14: ridefysioterapi practices per kommune (blank for none). A
  /// practice registered in one kommune that also practises in another
  /// (its `EkstraKommune`) is shown there in parentheses
  /// (`antal_i_parentes`), and not counted in the total.
  public static func tabel14(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.ridefysioterapi, region)
    func blankZero(_ n: Int) -> Table.Cell { n == 0 ? .empty : int(n) }
    var rows = kommuner(region).map { k -> [Table.Cell] in
      let own = p.filter { $0.kommune == k.code }.count
      let elsewhere = register.ridefysioterapi.filter { $0.ekstraKommune == k.code && $0.kommune != k.code }.count
      return [.text(k.name), blankZero(own), blankZero(elsewhere)]
    }
    rows.append([.text(totalLabel(region)), int(p.count), .empty])
    return Table(
      id: "tabel-14", title: "Tabel 14: Antal ridefysioterapi-praksis pr. kommune",
      header: ["kommune", "antal_praksis_ridefysioterapi", "antal_i_parentes"], rows: rows)
  }

  /// Tabel 15: ridefysioterapi capacity per kommune (1 = over 30 hours a
  /// week, 0.5 = under), blank for none.
  public static func tabel15(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let p = inRegion(register.ridefysioterapi, region)
    var rows = kommuner(region).map { k -> [Table.Cell] in
      let ps = p.filter { $0.kommune == k.code }
      return [.text(k.name), ps.isEmpty ? .empty : hundredths(ps.reduce(0) { $0 + $1.kapacitet }, decimals: 1)]
    }
    rows.append([.text(totalLabel(region)), hundredths(p.reduce(0) { $0 + $1.kapacitet }, decimals: 1)])
    return Table(
      id: "tabel-15", title: "Tabel 15: Kapacitet pr kommune (ridefysioterapi)",
      header: ["kommune", "kapacitet_ridefysioterapi"], rows: rows)
  }
}
