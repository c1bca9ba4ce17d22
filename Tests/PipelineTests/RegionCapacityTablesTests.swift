import Foundation
import LunaDomain
import LunaPipeCore
import LunaPipelines
import TestSupport
import Testing

/// Tabel 4, 10 and 11: over a hand-made register and population whose
/// values are worked out by hand below, and Tabel 11 over the small
/// sample's register against a plain recount of its lines.
@Suite struct RegionCapacityTablesTests {
  /// Six fysioterapi practices in four regions (none in Sjælland), blank
  /// waits ("Ej angivet"), and a ridefysioterapi practice no table counts.
  static let ydere = """
    PraksisId;Klinik;Kommune;Speciale;Kapacitet51;Kapacitet62;Kapacitet;Ventetid51;Ventetid62;AntalFysioterapeuter
    P1;Aalborg A;851;51;2,00;1,00;;1;10;3
    P2;Aalborg B;Aalborg;62;1,00;3,00;;;2;4
    P3;Hjørring;860;51;0,50;0,50;;4;;1
    P4;Aarhus;751;51;1,00;2,00;;0;6;2
    P5;Odense;461;51;4,00;1,00;;2;12;5
    P6;København;101;51;2,00;2,00;;;;2
    R1;Ridning;851;65;;;1;;;1

    """

  /// Every kommune: 1,000 aged 0 and 500 aged 60 at 2024K1; Aalborg 2,000
  /// aged 0. Regions: Nordjylland 11 kommuner (17,500), Midtjylland 19
  /// (28,500), Syddanmark 22 (33,000), Hovedstaden 29 (43,500), Sjælland
  /// 17 (25,500); the country 148,000.
  static let befolkning: String = {
    var s = "Kommune;Alder;Kvartal;Antal\n"
    for k in Geography.denmark.kommuner where RegionCapacityTables.allKommuner().contains(k.code) {
      s += "\(k.code);0;2024K1;\(k.code == 851 ? 2000 : 1000)\n\(k.code);60;2024K1;500\n"
    }
    return s
  }()

  static let q = Quarter(year: 2024, quarter: 1)

  static func read() throws -> (ProviderRegister, Population) {
    let dir = makeTempDir("region-capacity")
    let context = RunContext(maxRejectShare: 1)
    let register = try ProviderRegisterReader.read(writeFile(dir, "ydere.csv", ydere), in: context)
    let population = try PopulationReader.read(writeFile(dir, "befolkning.csv", befolkning), in: context)
    return (register, population)
  }

  static func cells(_ t: Table) -> [[String]] { [t.header] + t.rows.map { $0.map(\.plain) } }

  // MARK: Tabel 4

  @Test func tabel04IsInhabitantsPerCapacityByRegionHighToLowOn62() throws {
    let (register, population) = try Self.read()
    let t = RegionCapacityTables.tabel04(register, population, quarter: Self.q)
    #expect(t.id == "tabel-04")
    #expect(t.title.hasPrefix("Tabel 4: Antal indbyggere pr. kapacitet på speciale 51 og speciale 62 opdelt pr. region"))
    #expect(
      Self.cells(t) == [
        ["region", "indbyggere", "kapacitet_51", "indbyggere_pr_kapacitet_51", "kapacitet_62", "indbyggere_pr_kapacitet_62"],
        // 33000 / 1; 21750 = 43500 / 2; 14250 = 28500 / 2; 3889 = 17500 / 4.5 (3888.9)
        ["Region Syddanmark", "33000", "4.00", "8250", "1.00", "33000"],
        ["Region Hovedstaden", "43500", "2.00", "21750", "2.00", "21750"],
        ["Region Midtjylland", "28500", "1.00", "28500", "2.00", "14250"],
        ["Region Nordjylland", "17500", "3.50", "5000", "4.50", "3889"],
        // no capacity: blank ratios, last
        ["Region Sjælland", "25500", "0.00", "", "0.00", ""],
        // 148000 / 10.5 = 14095.2, / 9.5 = 15578.9
        ["Hele landet", "148000", "10.50", "14095", "9.50", "15579"],
      ])
  }

  // MARK: Tabel 10 and 11

  static let waitHeader = [
    "ventetid_51_gns_uger", "ventetid_51_min_uger", "ventetid_51_max_uger", "ej_angivet_51",
    "ventetid_62_gns_uger", "ventetid_62_min_uger", "ventetid_62_max_uger", "ej_angivet_62",
  ]

  /// Capacity-weighted: Nordjylland 51 is (1×2 + 4×0,5) / 2,5 = 1,6 (the
  /// plain mean would be 2,5), 62 (10×1 + 2×3) / 4 = 4,0 (plain 6,0);
  /// P2's and P3's blank waits are counted apart and left out.
  @Test func tabel10IsTheCapacityWeightedWaitByRegion() throws {
    let (register, _) = try Self.read()
    #expect(RegionCapacityTables.coverageNote(register)?.contains("no practice in Region Sjælland;") == true)
    let t = RegionCapacityTables.tabel10(register)
    #expect(t.id == "tabel-10")
    #expect(
      Self.cells(t) == [
        ["region"] + Self.waitHeader,
        ["Region Nordjylland", "1.6", "1", "4", "1", "4.0", "2", "10", "1"],
        ["Region Midtjylland", "0.0", "0", "0", "0", "6.0", "6", "6", "0"],
        ["Region Syddanmark", "2.0", "2", "2", "0", "12.0", "12", "12", "0"],
        ["Region Sjælland", "", "", "", "0", "", "", "", "0"],
        ["Region Hovedstaden", "", "", "", "1", "", "", "", "1"],
        // 51: (2 + 2 + 0 + 8) / 7,5 = 1,6; 62: (10 + 6 + 12 + 12) / 7 = 5,71
        ["Hele landet", "1.6", "0", "4", "2", "5.7", "2", "12", "2"],
      ])
  }

  @Test func tabel11IsTheWaitPerKommuneThenTheRegion() throws {
    let (register, _) = try Self.read()
    let t = RegionCapacityTables.tabel11(register, region: 1081)
    #expect(t.id == "tabel-11")
    let rows = Self.cells(t)
    #expect(rows[0] == ["kommune"] + Self.waitHeader)
    #expect(rows.dropFirst().map { $0[0] } == Geography.denmark.kommuner(inRegion: 1081, year: 2024).map(\.name) + ["Region Nordjylland total"])
    func row(_ name: String) -> [String]? { rows.first { $0[0] == name } }
    #expect(row("Aalborg") == ["Aalborg", "1.0", "1", "1", "1", "4.0", "2", "10", "0"])
    #expect(row("Hjørring") == ["Hjørring", "4.0", "4", "4", "0", "", "", "", "1"])
    #expect(row("Læsø") == ["Læsø", "", "", "", "0", "", "", "", "0"])
    #expect(row("Region Nordjylland total") == ["Region Nordjylland total", "1.6", "1", "4", "1", "4.0", "2", "10", "1"])
    // Any region: Syddanmark's Odense.
    let syd = Self.cells(RegionCapacityTables.tabel11(register, region: 1083))
    #expect(syd.first { $0[0] == "Odense" } == ["Odense", "2.0", "2", "2", "0", "12.0", "12", "12", "0"])
    #expect(syd.last?[0] == "Region Syddanmark total")
  }

  /// Tabel 11 over the small sample's register (the plan's Bilag 2
  /// clinics) against a plain recount of `ydere.csv`: split at `;`, waits
  /// weighted by capacity in whole hundredths, rounded half up to tenths.
  @Test func tabel11RecountsTheSampleRegister() throws {
    let path = repositoryRoot + "/Samples/small/ydere.csv"
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
    let header = lines[0].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    func col(_ n: String) -> Int { header.firstIndex(of: n)! }
    let names = Dictionary(uniqueKeysWithValues: Geography.denmark.kommuner.map { (String($0.code), $0.name) })
    // kommune name -> speciale -> (Σ weeks × hundredths, Σ hundredths, stated waits, not stated)
    var sums: [String: [String: (Int, Int, [Int], Int)]] = [:]
    for line in lines.dropFirst() {
      let f = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
      guard f[col("Speciale")] == "51" || f[col("Speciale")] == "62" else { continue }
      let kommune = names[f[col("Kommune")]]!
      for s in ["51", "62"] {
        var v = sums[kommune, default: [:]][s, default: (0, 0, [], 0)]
        let parts = f[col("Kapacitet" + s)].split(separator: ",", omittingEmptySubsequences: false)
        let capacity = Int(parts[0])! * 100 + (parts.count > 1 ? Int((parts[1] + "00").prefix(2))! : 0)
        if let weeks = Int(f[col("Ventetid" + s)]) {
          v = (v.0 + weeks * capacity, v.1 + capacity, v.2 + [weeks], v.3)
        } else {
          v.3 += 1
        }
        sums[kommune, default: [:]][s] = v
      }
    }
    let t = Self.cells(RegionCapacityTables.tabel11(try ProviderRegisterReader.read(path, in: RunContext()), region: 1081))
    #expect(Set(sums.keys).count == 11)
    for (kommune, bySpeciale) in sums {
      let row = try #require(t.first { $0[0] == kommune }, "\(kommune)")
      for (i, s) in ["51", "62"].enumerated() {
        let (weighted, weight, waits, none) = bySpeciale[s]!
        let tenths = (20 * weighted + weight) / (2 * weight)
        let mean = "\(tenths / 10).\(tenths % 10)"
        let expected = [mean, "\(waits.min()!)", "\(waits.max()!)", "\(none)"]
        #expect(Array(row[(1 + 4 * i)...(4 + 4 * i)]) == expected, "\(kommune) speciale \(s)")
      }
    }
  }

  /// Tabel 4 over the full sample's population (every kommune, FOLK1A
  /// with `KØN`) and register, against a plain recount: the `I alt` rows of
  /// each age at 2024K1 summed per region, the capacities summed from the
  /// register's lines. Region Nordjylland's row is the narrative's 4.968
  /// and 4.816 inhabitants per capacity.
  @Test(.enabled(if: try Prerequisites.fullSample))
  func tabel04RecountsTheFullSample() throws {
    func lines(_ path: String) throws -> [[String]] {
      var text = try String(contentsOfFile: path, encoding: .utf8)
      if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
      return text.split(whereSeparator: \.isNewline).map {
        $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
      }
    }
    let geo = Geography.denmark
    func region(_ kommune: Int) -> String? { geo.region(ofKommune: kommune, year: 2024)?.name }
    var people: [String: Int] = [:]
    let folk = try lines(fullSample + "/befolkning-folk1a.csv")
    #expect(folk[0] == ["OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD"])
    for f in folk.dropFirst() where f[1] == "I alt" && f[2].hasSuffix(" år") && f[3] == "2024K1" {
      guard let k = geo.kommune(named: f[0]), let r = region(k.code) else { continue }
      people[r, default: 0] += Int(f[4])!
    }
    var capacity: [String: (Int, Int)] = [:]
    let ydere = try lines(fullSample + "/ydere.csv")
    let h = ydere[0]
    func hundredths(_ s: String) -> Int {
      let p = s.split(separator: ",", omittingEmptySubsequences: false)
      return Int(p[0])! * 100 + (p.count > 1 ? Int((p[1] + "00").prefix(2))! : 0)
    }
    for f in ydere.dropFirst() where ["51", "62"].contains(f[h.firstIndex(of: "Speciale")!]) {
      let r = region(Int(f[h.firstIndex(of: "Kommune")!])!)!
      let c = capacity[r] ?? (0, 0)
      capacity[r] = (
        c.0 + hundredths(f[h.firstIndex(of: "Kapacitet51")!]), c.1 + hundredths(f[h.firstIndex(of: "Kapacitet62")!])
      )
    }
    people["Hele landet"] = people.values.reduce(0, +)
    capacity["Hele landet"] = capacity.values.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    func ratio(_ n: Int, _ hundredths: Int) -> String { hundredths == 0 ? "" : "\((200 * n + hundredths) / (2 * hundredths))" }

    let context = RunContext(maxRejectShare: 1)
    let t = Self.cells(
      RegionCapacityTables.tabel04(
        try ProviderRegisterReader.read(fullSample + "/ydere.csv", in: context),
        try PopulationReader.read(fullSample + "/befolkning-folk1a.csv", in: context), quarter: Self.q))
    #expect(t.count == 7)
    #expect(Set(t.dropFirst().map { $0[0] }) == Set(people.keys))
    for row in t.dropFirst() {
      let n = try #require(people[row[0]])
      let (c51, c62) = capacity[row[0]] ?? (0, 0)
      #expect(row[1] == "\(n)", "\(row[0])")
      #expect(row[3] == ratio(n, c51) && row[5] == ratio(n, c62), "\(row[0]): \(row)")
    }
    #expect(t.first { $0[0] == "Region Nordjylland" }.map { [$0[3], $0[5]] } == ["4968", "4816"])
  }

  /// In the whole praksisplan over the small sample, tables 10 and 11 come
  /// with the register, Tabel 11's shortest and longest are Tabel 12's,
  /// and Tabel 4 is skipped with a note: the sample's population is
  /// Region Nordjylland's alone.
  @Test func inThePlanTable4NeedsTheWholeCountrysPopulation() throws {
    let small = repositoryRoot + "/Samples/small"
    let context = RunContext(options: ScanOptions(threads: 2))
    let tables = try Praksisplan.pipeline(
      claims: [small + "/ydelser-*.csv"], ydere: small + "/ydere.csv", befolkning: small + "/befolkning-folk1a.csv"
    ).run(in: context)
    let byId = Dictionary(uniqueKeysWithValues: tables.map { ($0.id, Self.cells($0)) })
    #expect(byId["tabel-04"] == nil)
    #expect(context.report.notes.contains { $0.hasPrefix("table 4 skipped: it needs every kommune's population") })
    // The sample register is Region Nordjylland's: the others are named.
    #expect(
      context.report.notes.contains {
        $0.hasPrefix("tables 4 and 10: the provider register has no practice in Region Midtjylland, Region Syddanmark, Region Hovedstaden, Region Sjælland;")
      })
    let t11 = try #require(byId["tabel-11"])
    let t12 = try #require(byId["tabel-12"])
    #expect(try #require(byId["tabel-10"]).count == 7)
    for row in t12.dropFirst() {
      let r = try #require(t11.first { $0[0] == row[0] })
      #expect([r[2], r[3], r[6], r[7]] == Array(row[2...5]), "\(row[0])")
    }
  }
}
