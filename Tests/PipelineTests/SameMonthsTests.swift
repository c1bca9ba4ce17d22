import Foundation
import TestSupport
import Testing

/// The volume against the same months a year earlier (issue 24, item 3):
/// the claims' accepted records per year and month, the newest year's
/// months against the year before's, in `run-report.json` and on the
/// "Datakvalitet" page, equal to a recount of the extracts' `Aar` and
/// `Maaned` columns.
@Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
struct SameMonthsTests {
  let small = repositoryRoot + "/Samples/small"

  /// Accepted records of the claims files `files` per [Aar, Maaned],
  /// recounted by python: their lines less the records `rejects` (the
  /// run's rejects.csv) lists with their raw lines.
  func recount(_ files: [String], rejects: String) throws -> [[Int]: Int] {
    let script = """
      import csv, sys, json, collections
      rejects, files = sys.argv[1], sys.argv[2:]
      n = collections.Counter()
      sep = {}
      def key(fields):
          try: return (int(fields[0]), int(fields[1]))
          except (ValueError, IndexError): return None
      for path in files:
          # Aar and Maaned are ASCII digits whatever the file's encoding.
          with open(path, "rb") as fh:
              text = fh.read().removeprefix(b"\\xef\\xbb\\xbf").decode("latin-1")
          sep[path] = ";" if ";" in text.splitlines()[0] else ","
          for fields in list(csv.reader(text.splitlines(), delimiter=sep[path]))[1:]:
              k = key(fields)
              if k: n[k] += 1
      with open(rejects, encoding="utf-8", errors="replace", newline="") as fh:
          for row in list(csv.reader(fh))[1:]:
              if row[0] in sep:
                  k = key(next(csv.reader([row[5]], delimiter=sep[row[0]])))
                  if k: n[k] -= 1
      print(json.dumps([[y, m, c] for (y, m), c in n.items()]))
      """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try python3(with: "csv"))
    p.arguments = ["-c", script, rejects] + files
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let rows = try #require(try JSONSerialization.jsonObject(with: bytes) as? [[Int]])
    var out: [[Int]: Int] = [:]
    for r in rows { out[[r[0], r[1]]] = r[2] }
    return out
  }

  @Test func theNewestYearsMonthsAgainstTheSameMonthsAYearEarlier() throws {
    let dir = makeTempDir("same-months")
    let input = dir + "/in"
    let out = dir + "/out"
    try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
    for y in 2019...2022 {
      try FileManager.default.copyItem(atPath: "\(small)/ydelser-\(y).csv", toPath: "\(input)/ydelser-\(y).csv")
    }
    // 2023 delivered up to May only: its lines of months 1-5, by bytes.
    let lines = try Data(contentsOf: URL(fileURLWithPath: small + "/ydelser-2023.csv"))
      .split(separator: 10, omittingEmptySubsequences: false)
    let kept = lines.enumerated().filter { i, l in
      guard i > 0, !l.isEmpty else { return true }
      let f = String(decoding: l, as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false)
      return f.count > 1 && (Int(f[1]) ?? 99) <= 5
    }.map(\.element)
    try Data(kept.joined(separator: [10])).write(to: URL(fileURLWithPath: input + "/ydelser-2023.csv"))

    let r = try runLunapipe([
      "run", "praksisplan", "--claims", input + "/ydelser-*.csv", "--ydere", small + "/ydere.csv", "--out", out,
      "--quiet",
    ])
    try #require(r.exit == 0, "\(r.stderr)")
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let volume = try #require((report["quality"] as? [String: Any])?["volume"] as? [String: Any])
    let same = try #require(volume["sameMonths"] as? [String: Any])

    let counts = try recount((2019...2023).map { "\(input)/ydelser-\($0).csv" }, rejects: out + "/rejects.csv")
    let now = counts.filter { $0.key[0] == 2023 }
    let before = counts.filter { $0.key[0] == 2022 }
    let months = now.keys.filter { $0[0] == 2023 }.map { $0[1] }.sorted()
    #expect(months == [1, 2, 3, 4, 5])
    #expect(same["year"] as? Int == 2023)
    let rows = try #require(same["months"] as? [[String: Int]])
    #expect(rows.map { $0["month"]! } == months)
    #expect(rows.map { $0["records"]! } == months.map { now[[2023, $0]]! })
    #expect(rows.map { $0["yearBefore"]! } == months.map { before[[2022, $0], default: 0] })
    let sumNow = months.reduce(0) { $0 + now[[2023, $1]]! }
    let sumBefore = months.reduce(0) { $0 + before[[2022, $1], default: 0] }
    #expect(same["records"] as? Int == sumNow)
    #expect(same["yearBefore"] as? Int == sumBefore)
    // Not the whole of 2022: the same months only.
    #expect(sumBefore < before.values.reduce(0, +))
    // Some records of those months were rejected, and are not counted.
    let rejected = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
    #expect(rejected.contains("/ydelser-2023.csv,"), "the sample has rejects in 2023")

    // The page: its block with the totals, Danish numbers.
    let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    #expect(page.contains("<h3>Volumen mod samme måneder året før</h3>"))
    let f = NumberFormatter()
    f.locale = Locale(identifier: "da_DK")
    f.numberStyle = .decimal
    f.groupingSeparator = "."
    let total = "<tr><td>I alt</td><td>\(f.string(from: sumBefore as NSNumber)!)</td><td>\(f.string(from: sumNow as NSNumber)!)</td>"
    #expect(page.contains(total), "\(total)")
  }
}
