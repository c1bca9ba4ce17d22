import Foundation
import LunaDomain
import LunaSamples
import TestSupport
import Testing

/// The full sample makes a plan for every region: every kommune of the five
/// regions has claims of speciale 51 and 62 in every year 2019–2023 (at its
/// clinics and among its residents), fysioterapi practices in the register
/// and inhabitants in the population; outside Region Nordjylland (whose
/// figures are the published plan's) a kommune's patients follow its
/// population. The claims are counted by the praksisplan run of
/// `PublishedTablesTests` (its `aggregates.csv`, every kommune of the
/// country); the register and population are read here.
@Suite(
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"),
  .enabled(if: try Prerequisites.fullSample, "reads the full sample: `make test` writes it (`make samples`)")
)
struct SampleCoverageTests {
  static let regions = [1081, 1082, 1083, 1084, 1085]

  static func kommuner(_ region: Int) -> [Kommune] { Geography.denmark.kommuner(inRegion: region, year: 2023) }

  /// `aggregates.csv` by niveau, Aar, Speciale, Kode: ydelser, udgift,
  /// patienter.
  static let aggregates: Result<[String: [Double]], Error> = Result {
    let rows = try readCSV(try PublishedTablesTests.tables() + "/../aggregates.csv")
    guard rows.first == ["niveau", "Aar", "Speciale", "Kode", "ydelser", "udgift", "patienter"] else {
      throw CocoaError(.fileReadCorruptFile)
    }
    var out: [String: [Double]] = [:]
    for r in rows.dropFirst() {
      out[r[0...3].joined(separator: "|")] = r[4...6].map { Double($0) ?? -1 }
    }
    return out
  }

  /// `;`-separated lines of a sample file (BOM dropped).
  static func lines(_ name: String) throws -> [[String]] {
    var text = try String(contentsOfFile: fullSample + "/" + name, encoding: .utf8)
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    return text.split(whereSeparator: \.isNewline).map {
      $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    }
  }

  /// Inhabitants per kommune code, 2024K1 (`I alt`, summed over ages).
  static func inhabitants() throws -> [Int: Int] {
    let folk = try lines(PopulationSample.fileName)
    #expect(folk.first == ["OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD"])
    var out: [Int: Int] = [:]
    for f in folk.dropFirst() where f[1] == "I alt" && f[2].hasSuffix(" år") && f[3] == "2024K1" {
      guard let k = Geography.denmark.kommune(named: f[0]) else { continue }
      out[k.code, default: 0] += Int(f[4])!
    }
    return out
  }

  @Test func theFiveRegionsHold98Kommuner() {
    #expect(Self.regions.map { Self.kommuner($0).count } == [11, 19, 22, 29, 17])
  }

  @Test(arguments: regions)
  func everyKommuneHasClaimsEveryYear(region: Int) throws {
    let agg = try Self.aggregates.get()
    for k in Self.kommuner(region) {
      for year in 2019...2023 {
        for speciale in [51, 62] {
          let yder = agg["yderkommune|\(year)|\(speciale)|\(k.code)"] ?? [0, 0, 0]
          #expect(yder[0] > 0 && yder[1] > 0 && yder[2] > 0, "\(k.name) \(year) \(speciale): no claims at its clinics")
          let home = agg["patientkommune|\(year)|\(speciale)|\(k.code)"] ?? [0, 0, 0]
          #expect(home[2] > 0, "\(k.name) \(year) \(speciale): no resident treated")
        }
      }
    }
  }

  @Test(arguments: regions)
  func everyKommuneHasPracticesAndInhabitants(region: Int) throws {
    let ydere = try Self.lines(RegisterSample.fileName)
    let h = ydere[0]
    let kommune = try #require(h.firstIndex(of: "Kommune"))
    let speciale = try #require(h.firstIndex(of: "Speciale"))
    let k51 = try #require(h.firstIndex(of: "Kapacitet51"))
    var practices: [Int: Int] = [:]
    for f in ydere.dropFirst() where f[speciale] == "51" && f[k51] != "" && f[k51] != "0" {
      practices[Int(f[kommune])!, default: 0] += 1
    }
    let people = try Self.inhabitants()
    for k in Self.kommuner(region) {
      #expect((practices[k.code] ?? 0) > 0, "\(k.name): no practice with a speciale 51 capacity in the register")
      #expect((people[k.code] ?? 0) > 1_000, "\(k.name): \(people[k.code] ?? 0) inhabitants")
    }
  }

  /// Outside Region Nordjylland the residents treated (speciale 51 and 62,
  /// 2019 and 2023) per inhabitant are within a third of their region's
  /// rate in every kommune: the sample follows the population.
  @Test(arguments: [1082, 1083, 1084, 1085])
  func patientsFollowThePopulation(region: Int) throws {
    let agg = try Self.aggregates.get()
    let people = try Self.inhabitants()
    let kommuner = Self.kommuner(region)
    for year in [2019, 2023] {
      for speciale in [51, 62] {
        let patients = kommuner.map { agg["patientkommune|\(year)|\(speciale)|\($0.code)"]?[2] ?? 0 }
        let inhabitants = kommuner.map { Double(people[$0.code] ?? 0) }
        let rate = patients.reduce(0, +) / inhabitants.reduce(0, +)
        #expect(rate > 0.01, "\(region) \(year) \(speciale): \(rate) patients per inhabitant")
        for (i, k) in kommuner.enumerated() {
          let r = patients[i] / inhabitants[i]
          #expect(r > rate * 2 / 3 && r < rate * 4 / 3, "\(k.name) \(year) \(speciale): \(r) against the region's \(rate)")
        }
      }
    }
  }
}
