import Foundation
import LunaDomain
import TestSupport
import Testing

/// Coverage (issue 24, item 4): a plan whose region has no claims line in
/// one of its years does not publish (exit 65, naming the region and the
/// year: a delivery may be missing); `--accept-gaps` publishes with a note.
/// A missing year file is that case, never a plan mistake (78).
@Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
struct CoverageTests {
  let small = repositoryRoot + "/Samples/small"

  func report(_ out: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// "year|kommune" for every accepted record of the small sample, for
  /// the kommune of its clinic and of its patient: a plain recount (header
  /// by name, the file's delimiter, quoted fields across lines), leaving
  /// out the records `rejects` (a run's rejects.csv) lists by file and line.
  func recount(rejects: String) throws -> Set<String> {
    var rejected: Set<String> = []
    let rejectsText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: rejects)), as: UTF8.self)
    for r in records(rejectsText, ",").dropFirst() where r.fields.count >= 7 {
      rejected.insert("\((r.fields[0] as NSString).lastPathComponent)|\(r.fields[6])")
    }
    var seen: Set<String> = []
    for y in 2019...2023 {
      let data = try Data(contentsOf: URL(fileURLWithPath: "\(small)/ydelser-\(y).csv"))
      // Latin-1 reads every byte: the codes are ASCII, the header's "År"
      // of the Windows-1252 file stays "År".
      let text = try #require(String(data: data, encoding: .isoLatin1))
      let header = text.prefix { $0 != "\n" && $0 != "\r\n" }.lowercased()
      let d: Character = header.contains(";") ? ";" : ","
      var all = records(text, d)
      let names = all.removeFirst().fields.map { $0.lowercased() }
      let aar = try #require(names.firstIndex { $0.hasSuffix("aar") || $0 == "år" })
      let p = try #require(names.firstIndex(of: "patientkommune"))
      let k = try #require(names.firstIndex(of: "yderkommune"))
      for r in all where r.fields.count > max(p, k) && !rejected.contains("ydelser-\(y).csv|\(r.line)") {
        seen.insert("\(r.fields[aar])|\(r.fields[p])")
        seen.insert("\(r.fields[aar])|\(r.fields[k])")
      }
    }
    return seen
  }

  /// The records of a CSV text with the physical line each starts on (the
  /// header is line 1); a quoted field may hold the delimiter and line breaks.
  func records(_ text: String, _ d: Character) -> [(line: Int, fields: [String])] {
    var out: [(line: Int, fields: [String])] = []
    var fields: [String] = []
    var field = ""
    var quoted = false
    var line = 1
    var start = 1
    for c in text.unicodeScalars {
      if c == "\n" { line += 1 }
      if quoted {
        if c == "\"" { quoted = false } else { field.unicodeScalars.append(c) }
      } else if c == "\"" {
        quoted = true
      } else if Character(c) == d {
        fields.append(field)
        field = ""
      } else if c == "\n" {
        fields.append(field)
        if fields != [""] { out.append((start, fields)) }
        fields = []
        field = ""
        start = line
      } else if c != "\r" {
        field.unicodeScalars.append(c)
      }
    }
    if !field.isEmpty || !fields.isEmpty { out.append((start, fields + [field])) }
    return out
  }

  /// The small sample has no line of Region Syddanmark but for one Odense
  /// patient in 2022: exit 65 naming the other years, nothing published;
  /// with `--accept-gaps` it publishes, the gap in a note and in the
  /// data-quality facts.
  @Test func aRegionWithoutClaimsExits65AndAcceptGapsPublishes() throws {
    let dir = makeTempDir("coverage")
    let args = ["run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--region", "1083", "--out", dir + "/out"]
    let r = try runLunapipe(args)
    #expect(r.exit == 65)
    let seen = try recount(rejects: dir + "/out.failed/rejects.csv")
    let kommuner = Geography.denmark.kommuner(inRegion: 1083, year: 2023)
    let missing = (2019...2023).filter { y in !kommuner.contains { seen.contains("\(y)|\($0.code)") } }
    #expect(missing == [2019, 2020, 2021, 2023], "the sample as this test knows it")
    #expect(
      r.stderr.contains("no claims for Region Syddanmark in 2019, 2020, 2021 and 2023: a delivery may be missing"),
      "\(r.stderr)")
    #expect(r.stderr.contains("--accept-gaps publishes anyway"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))

    let a = try runLunapipe(args + ["--accept-gaps"])
    try #require(a.exit == 0, "\(a.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir + "/out/tables/tabel-19.csv"))
    let rep = try report(dir + "/out")
    let notes = try #require(rep["notes"] as? [String])
    #expect(notes.contains { $0.hasPrefix("no claims for Region Syddanmark in 2019") && $0.contains("--accept-gaps") })
    let quality = try #require(rep["quality"] as? [String: Any])
    let coverage = try #require(quality["coverage"] as? [String: Any])
    #expect(coverage["region"] as? String == "Region Syddanmark")
    #expect(coverage["yearsWithoutClaims"] as? [Int] == missing)
    #expect(coverage["gapsAccepted"] as? Bool == true)
    let without = try #require(coverage["kommunerWithoutClaims"] as? [[String: Any]])
    #expect(without.count == kommuner.count)
    #expect(without.first { $0["kommune"] as? String == "Odense" }?["years"] as? [Int] == missing)
  }

  /// A year's file missing: exit 65 naming the year (the claims hold no
  /// line of it at all), never 78.
  @Test func aMissingYearFileExits65() throws {
    let dir = makeTempDir("coverage-year")
    let input = dir + "/in"
    try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
    for y in [2019, 2021, 2022, 2023] {
      try FileManager.default.copyItem(atPath: "\(small)/ydelser-\(y).csv", toPath: "\(input)/ydelser-\(y).csv")
    }
    let r = try runLunapipe(["run", "praksisplan", "--claims", input + "/ydelser-*.csv", "--out", dir + "/out"])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("no claims for Region Nordjylland in 2020: a delivery may be missing"), "\(r.stderr)")
    #expect(r.stderr.contains("the claims hold no line of 2020 at all; they hold 2019, 2021, 2022, 2023"))
    #expect(!r.stderr.contains("runs outside the data"))
  }

  /// The region's kommuner without a claims line in a year, as a plain
  /// recount of the small sample's accepted records finds them (a line
  /// counts for the kommune of its clinic and of its patient).
  @Test func theKommunerWithoutClaimsAreThoseARecountFinds() throws {
    let dir = makeTempDir("coverage-kommuner")
    let r = try runLunapipe(["run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--out", dir + "/out"])
    try #require(r.exit == 0, "\(r.stderr)")
    let seen = try recount(rejects: dir + "/out/rejects.csv")
    var expected: [String: [Int]] = [:]
    for k in Geography.denmark.kommuner(inRegion: 1081, year: 2023) {
      let years = (2019...2023).filter { !seen.contains("\($0)|\(k.code)") }
      if !years.isEmpty { expected[k.name] = years }
    }
    let quality = try #require(try report(dir + "/out")["quality"] as? [String: Any])
    let coverage = try #require(quality["coverage"] as? [String: Any])
    #expect(coverage["yearsWithoutClaims"] as? [Int] == [])
    let kommuner = try #require(coverage["kommunerWithoutClaims"] as? [[String: Any]])
    var got: [String: [Int]] = [:]
    for k in kommuner { got[k["kommune"] as! String] = k["years"] as? [Int] }
    #expect(got == expected)
  }
}
