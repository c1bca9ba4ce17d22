import Foundation
import LunaDomain
import TestSupport
import Testing

/// `--region`: the plan for a region other than Nordjylland, checked cell by
/// cell against an independent recount (`Recount/region_tables.py`, plain
/// per-line arithmetic in Python) on the national full sample: Tabel 19
/// (udgift by clinic kommune), 23 (ydelser) and 26 (patients by the
/// patient's kommune, distinct), every kommune row and the region's Total,
/// every year.
@Suite(
  .enabled(if: try Prerequisites.binary), .enabled(if: try Prerequisites.fullSample),
  .enabled(if: try Prerequisites.python3))
struct RegionTests {
  static let script = repositoryRoot + "/Tests/PipelineTests/Recount/region_tables.py"

  /// Rounds øre to whole kroner, half away from zero (as the tables print).
  static func kroner(_ oere: Int) -> Int { oere >= 0 ? (oere + 50) / 100 : -((-oere + 50) / 100) }

  /// The recount of the region's kommuner from the full sample, the lines
  /// in `rejects` left out; `options` narrow it (`--speciale=62`,
  /// `--holdtraening=J`, `--alder=65-`).
  static func recount(rejects: String, region: Int, options: [String] = []) throws -> [String: [String: [String: Int]]] {
    let codes = Geography.denmark.kommuner(inRegion: region, year: 2023).map { String($0.code) }
    let files = (2019...2023).map { "\(fullSample)/ydelser-\($0).csv" }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script] + options + [rejects, codes.joined(separator: ",")] + files
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0)
    return try JSONDecoder().decode([String: [String: [String: Int]]].self, from: data)
  }

  @Test(arguments: [(1082, "Midtjylland"), (1083, "Region Syddanmark")])
  func theClaimsTablesEqualAPlainRecount(region: Int, name: String) throws {
    let out = makeTempDir("region") + "/out"
    let r = try runLunapipe([
      "run", "praksisplan", "--claims", fullSample + "/ydelser-*.csv", "--region", name, "--out", out, "--quiet",
    ])
    try #require(r.exit == 0, "\(r.stderr)")
    let expected = try Self.recount(rejects: out + "/rejects.csv", region: region)
    let kommuner = Geography.denmark.kommuner(inRegion: region, year: 2023)
    for (number, oere) in [("19", true), ("23", false), ("26", false)] {
      let table = try readCSV(out + "/tables/tabel-\(number).csv")
      #expect(table[0] == ["kommune", "2019", "2020", "2021", "2022", "2023", "udvikling_pct"])
      // Every kommune of the region, in the plan's order, then Total.
      #expect(table.dropFirst().map { $0[0] } == kommuner.map(\.name) + ["Total"], "tabel \(number)")
      for row in table.dropFirst() {
        let key = row[0] == "Total" ? "total" : String(kommuner.first { $0.name == row[0] }!.code)
        for (i, year) in (2019...2023).enumerated() {
          let v = expected[number]?[key]?[String(year)]
          let want = v.map { oere ? Self.kroner($0) : $0 }.map(String.init) ?? ""
          #expect(row[1 + i] == want, "tabel \(number) \(row[0]) \(year)")
        }
      }
    }
    let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let regionName = try #require(Geography.denmark.region(code: region)?.name)
    #expect(page.contains("<title>Praksisplan for fysioterapi – \(regionName)</title>"))
  }

  @Test func theDefaultIsNordjyllandAndAWrongRegionIsABadArgument() throws {
    let dir = makeTempDir("region")
    let claims = repositoryRoot + "/Samples/small/ydelser-*.csv"
    let a = try runLunapipe(["run", "praksisplan", "--claims", claims, "--out", dir + "/a", "--quiet"])
    let b = try runLunapipe(["run", "praksisplan", "--claims", claims, "--region", "nordjylland", "--out", dir + "/b", "--quiet"])
    try #require(a.exit == 0 && b.exit == 0)
    for t in ["tabel-19", "tabel-26", "tabel-39"] {
      #expect(try readCSV(dir + "/a/tables/\(t).csv") == readCSV(dir + "/b/tables/\(t).csv"))
    }
    let bad = try runLunapipe(["run", "praksisplan", "--claims", claims, "--region", "Fyn", "--out", dir + "/c"])
    #expect(bad.exit == 64)
    #expect(bad.stderr.contains("--region takes 1081-1086"))
  }
}
