import LunaDomain
import LunaPipeCore

/// The praksisplan's comparisons of capacity and expected waits across
/// regions and kommuner: inhabitants per capacity by region (Tabel 4,
/// register and population) and the expected wait by region (Tabel 10) and
/// by kommune of the plan's region (Tabel 11, register alone).
///
/// All three are images in the plan; the schemas chosen show the inputs
/// beside each ratio, as tables 5–8 do:
///
/// | table | columns | rows |
/// |---|---|---|
/// | 4 | `region,indbyggere,kapacitet_51,indbyggere_pr_kapacitet_51,kapacitet_62,indbyggere_pr_kapacitet_62` | the five regions, high to low on speciale 62, then `Hele landet` |
/// | 10 | `region,` then per speciale `ventetid_51_gns_uger,ventetid_51_min_uger,ventetid_51_max_uger,ej_angivet_51` (and `_62`) | the five regions in the plan's order (`RegionRows.planOrder`), then `Hele landet` |
/// | 11 | `kommune,` then the columns of Tabel 10 | the region's kommuner in the plan's order, then `Region … total` |
///
/// A wait's average (`gns`) is the mean of the stated waits weighted by
/// the practice's capacity on that speciale (`Kapacitet51` for
/// `Ventetid51`): a practice with twice the capacity serves twice the
/// patients who wait. It is exact and printed with one decimal, as the
/// plan's narrative gives it ("0,5 uger", "8,4 uger"). Shortest and longest
/// are over every practice that states a wait, as in Tabel 12 (so Tabel
/// 11's equal Tabel 12's). A practice that states no wait ("Ej angivet")
/// is left out of the average, the shortest and the longest and counted in
/// `ej_angivet_51` / `_62`. Where no practice with capacity states a wait
/// the average is blank, never 0.
///
/// Tabel 4 compares every region, so it needs the whole country's
/// population at the quarter of tables 5–8 (`PlanTables` skips it with a
/// note when the population extract lacks a kommune). A region without
/// capacity on a speciale has a blank ratio there and sorts last (ties in
/// region code order). `Hele landet` is the landsgennemsnit: the country's
/// inhabitants over the country's capacity.
public enum RegionCapacityTables {
  /// What Tabel 4 needs of the population, for messages.
  public static let purpose = "Tabel 4 (inhabitants per capacity by region)"

  /// The regions that have kommuner in the register's year, by code.
  public static func regions(geography: Geography = .denmark) -> [Region] {
    geography.regions.filter { !geography.kommuner(inRegion: $0.code, year: RegisterTables.registerYear).isEmpty }
  }

  /// Every kommune of every region in the register's year: what Tabel 4
  /// needs the population of.
  public static func allKommuner(geography: Geography = .denmark) -> [Int] {
    regions(geography: geography).flatMap {
      geography.kommuner(inRegion: $0.code, year: RegisterTables.registerYear).map(\.code)
    }
  }

  /// The regions in which `register` has no fysioterapi practice: in
  /// tables 4 and 10 they have blank ratios and waits, and `Hele landet`
  /// is the other regions' alone. Nil when there are none.
  public static func coverageNote(_ register: ProviderRegister) -> String? {
    let present = Set(register.fysioterapi.map(\.kommune))
    let missing = regions().filter { codes($0.code).isDisjoint(with: present) }.map(\.name)
    guard !missing.isEmpty else { return nil }
    return "tables 4 and 10: the provider register has no practice in \(missing.joined(separator: ", ")); "
      + "their ratios and waits are blank and Hele landet counts the other regions alone"
  }

  static func codes(_ region: Int) -> Set<Int> {
    Set(Geography.denmark.kommuner(inRegion: region, year: RegisterTables.registerYear).map(\.code))
  }

  // MARK: Tabel 4

  /// Tabel 4: inhabitants per capacity unit on speciale 51 and 62 per
  /// region, sorted from high to low on speciale 62, then the country.
  public static func tabel04(_ register: ProviderRegister, _ population: Population, quarter: Quarter) -> Table {
    let practices = register.fysioterapi
    func row(_ label: String, _ codes: Set<Int>) -> (cells: [Table.Cell], sortKey: Rational?) {
      let people = population.count(kommuner: codes, quarter: quarter)
      let ps = practices.filter { codes.contains($0.kommune) }
      let c51 = Rational(ps.reduce(0) { $0 + $1.kapacitet51 }, 100)
      let c62 = Rational(ps.reduce(0) { $0 + $1.kapacitet62 }, 100)
      let r51 = Rational(people) / c51
      let r62 = Rational(people) / c62
      let cells: [Table.Cell] = [
        .text(label), .number(Rational(people), decimals: 0),
        .number(c51, decimals: 2), r51.map { .number($0, decimals: 0) } ?? .empty,
        .number(c62, decimals: 2), r62.map { .number($0, decimals: 0) } ?? .empty,
      ]
      return (cells, r62)
    }
    let regionRows = regions().map { row($0.name, codes($0.code)) }
    // Stable: equal ratios (and blank ones, last) keep region code order.
    let sorted = regionRows.enumerated().sorted { a, b in
      switch (a.element.sortKey, b.element.sortKey) {
      case (let x?, let y?):
        // Exact: x > y as cross products (denominators are positive).
        let (l, r) = (x.num * y.den, y.num * x.den)
        return l == r ? a.offset < b.offset : l > r
      case (.some, nil): return true
      case (nil, .some): return false
      case (nil, nil): return a.offset < b.offset
      }
    }.map(\.element.cells)
    let country = row("Hele landet", Set(allKommuner())).cells
    return Table(
      id: "tabel-04",
      title:
        "Tabel 4: Antal indbyggere pr. kapacitet på speciale 51 og speciale 62 opdelt pr. region – sorteret fra høj til lav på speciale 62 (folketal \(quarter))",
      header: [
        "region", "indbyggere", "kapacitet_51", "indbyggere_pr_kapacitet_51", "kapacitet_62",
        "indbyggere_pr_kapacitet_62",
      ], rows: sorted + [country])
  }

  // MARK: Tabel 10 and 11

  /// The waiting-time columns of tables 10 and 11, after the row label.
  public static let waitHeader = [51, 62].flatMap { s in
    ["ventetid_\(s)_gns_uger", "ventetid_\(s)_min_uger", "ventetid_\(s)_max_uger", "ej_angivet_\(s)"]
  }

  /// The waits of `practices` on both specialer: capacity-weighted mean,
  /// shortest, longest, and the count stating none.
  static func waitCells(_ practices: [Praksis]) -> [Table.Cell] {
    func cells(_ wait: (Praksis) -> Int?, _ capacity: (Praksis) -> Int64) -> [Table.Cell] {
      let stated = practices.compactMap { p in wait(p).map { (weeks: Int64($0), capacity: capacity(p)) } }
      let weighted = stated.reduce(Int64(0)) { $0 + $1.weeks * $1.capacity }
      let weight = stated.reduce(Int64(0)) { $0 + $1.capacity }
      let mean = Rational(weighted) / Rational(weight)
      let weeks = stated.map(\.weeks)
      return [
        mean.map { .number($0, decimals: 1) } ?? .empty,
        weeks.min().map { .number(Rational($0), decimals: 0) } ?? .empty,
        weeks.max().map { .number(Rational($0), decimals: 0) } ?? .empty,
        .number(Rational(Int64(practices.count - stated.count)), decimals: 0),
      ]
    }
    return cells(\.ventetid51, \.kapacitet51) + cells(\.ventetid62, \.kapacitet62)
  }

  /// Tabel 10: the expected wait per speciale for each region, in the
  /// plan's region order, then the country.
  public static func tabel10(_ register: ProviderRegister) -> Table {
    let practices = register.fysioterapi
    let known = Set(regions().map(\.code))
    var rows = RegionRows.planOrder.filter(known.contains).compactMap { code -> [Table.Cell]? in
      guard let r = Geography.denmark.region(code: code) else { return nil }
      let cs = codes(code)
      return [.text(r.name)] + waitCells(practices.filter { cs.contains($0.kommune) })
    }
    let all = Set(allKommuner())
    rows.append([.text("Hele landet")] + waitCells(practices.filter { all.contains($0.kommune) }))
    return Table(
      id: "tabel-10", title: "Tabel 10: Angivet forventet ventetid i uger pr. speciale fordelt pr. region",
      header: ["region"] + waitHeader, rows: rows)
  }

  /// Tabel 11: the expected wait per speciale for each kommune of
  /// `region`, then the region's average.
  public static func tabel11(_ register: ProviderRegister, region: Int = Praksisplan.region) -> Table {
    let practices = RegisterTables.inRegion(register.fysioterapi, region)
    var rows = RegisterTables.kommuner(region).map { k in
      [Table.Cell.text(k.name)] + waitCells(practices.filter { $0.kommune == k.code })
    }
    rows.append([.text(RegisterTables.totalLabel(region))] + waitCells(practices))
    return Table(
      id: "tabel-11", title: "Tabel 11: Angivet forventet ventetid i uger pr. speciale fordelt pr. kommune",
      header: ["kommune"] + waitHeader, rows: rows)
  }
}
