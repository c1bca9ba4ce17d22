import Foundation
import TestSupport
import Testing

/// The strongest check: the praksisplan pipeline, run as a user runs it (the
/// built `lunapipe` binary) over the full generated sample, reproduces the
/// ten published tables cell by cell.
///
/// `make test` builds the binary and the sample and points
/// `LUNAPIPE_BIN` / `LUNAPIPE_FULL_SAMPLE` at them.
@Suite(
  .serialized,
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"),
  .enabled(if: try Prerequisites.fullSample, "reads the full sample: `make test` writes it (`make samples`)")
)
struct PublishedTablesTests {
  static let tableNumbers = [19, 21, 23, 25, 26, 29, 31, 33, 35, 36]

  static let output: Result<(out: String, exit: Int32, stderr: String), Error> = Result {
    let out = makeTempDir("praksisplan") + "/out"
    let r = try runLunapipe(["run", "praksisplan", "--claims", fullSample + "/ydelser-*.csv", "--out", out, "--threads", "2"])
    return (out, r.exit, r.stderr)
  }

  /// The run's `tables/` folder; the run must have succeeded. Shared with
  /// `ClaimsTablesTests`, which checks the other tables of the same run.
  static func tables() throws -> String {
    let o = try output.get()
    try #require(o.exit == 0, "lunapipe failed: \(o.stderr)")
    return o.out + "/tables"
  }

  @Test(arguments: tableNumbers)
  func reproducesThePublishedTable(_ n: Int) throws {
    let published = try publishedTable("tabel-\(n)")
    let ours = try readCSV(try Self.tables() + "/tabel-\(n).csv")
    #expect(ours[0] == published[0], "header")
    #expect(ours.map { $0[0] } == published.map { $0[0] }, "row labels and order")
    for (r, row) in published.enumerated() where r > 0 {
      for (c, cell) in row.enumerated() {
        #expect(ours[r][c] == cell, "tabel-\(n) \(row[0]) \(published[0][c]): published \(cell), computed \(ours[r][c])")
      }
    }
  }

  /// The README notes that some printed Total rows of tables 19 and 29 differ
  /// from the sum of the printed rows by 1-3 kr. That is not a misprint: the
  /// Total is the rounded total of unrounded amounts. The pipeline prints the
  /// same Totals while its rows sum to the same printed-row sums.
  @Test(arguments: [(19, "2019", 42_135_485, 42_135_486), (29, "2022", 122_388_950, 122_388_947)])
  func totalsAreRoundedTotalsNotSumsOfRoundedRows(n: Int, year: String, total: Int, rowSum: Int) throws {
    let ours = try readCSV(try Self.tables() + "/tabel-\(n).csv")
    let col = ours[0].firstIndex(of: year)!
    let rows = ours.dropFirst().filter { $0[0] != "Total" }.map { Int($0[col])! }
    #expect(rows.reduce(0, +) == rowSum)
    #expect(Int(ours.last![col]) == total)
  }

  /// The tidy aggregates agree with the tables: the region's clinics
  /// (yderregion 1081) give the Total rows of the yder tables, its residents
  /// (patientregion 1081) the Total row of the patient table.
  @Test(arguments: [(51, 23, 26), (62, 33, 36)])
  func tidyAggregatesAgreeWithTheTotals(speciale: Int, ydelserTable: Int, patientTable: Int) throws {
    let o = try Self.output.get()
    let rows = try readCSV(o.out + "/aggregates.csv")
    #expect(rows[0] == ["niveau", "Aar", "Speciale", "Kode", "ydelser", "udgift", "patienter"])
    let ydelser = try publishedTable("tabel-\(ydelserTable)")
    let patienter = try publishedTable("tabel-\(patientTable)")
    for (c, year) in ydelser[0].enumerated() where Int(year) != nil {
      let yder = rows.first { $0[0] == "yderregion" && $0[1] == year && $0[2] == "\(speciale)" && $0[3] == "1081" }
      #expect(yder?[4] == ydelser.last![c])
      let patient = rows.first { $0[0] == "patientregion" && $0[1] == year && $0[2] == "\(speciale)" && $0[3] == "1081" }
      #expect(patient?[6] == patienter.last![c])
    }
  }

  @Test func everyRecordIsAccountedFor() throws {
    let o = try Self.output.get()
    let data = try Data(contentsOf: URL(fileURLWithPath: o.out + "/run-report.json"))
    let report = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let inputs = report["inputs"] as! [[String: Any]]
    #expect(inputs.count == 5)
    var rejected = 0
    for f in inputs {
      let read = f["read"] as! Int
      let sum = (f["accepted"] as! Int) + (f["rejected"] as! Int) + (f["skippedEmpty"] as! Int)
      #expect(read == sum, "\(f["path"]!)")
      rejected += f["rejected"] as! Int
    }
    let rejects = try readCSV(o.out + "/rejects.csv")
    #expect(rejects.count - 1 == rejected)
    #expect(rejected > 0, "the sample carries invalid records")
    #expect(Set(inputs.map { $0["encoding"] as! String }) == ["UTF-8", "UTF-8 with BOM", "Windows-1252"])
  }

  @Test func outputsAreByteIdenticalForAnyThreadCount() throws {
    let first = try Self.output.get().out
    let other = makeTempDir("praksisplan-1") + "/out"
    let r = try runLunapipe(["run", "praksisplan", "--claims", fullSample + "/ydelser-*.csv", "--out", other, "--threads", "1"])
    try #require(r.exit == 0)
    let files = try FileManager.default.subpathsOfDirectory(atPath: first).filter {
      $0.hasSuffix(".csv") || $0.hasSuffix(".md") || $0.hasSuffix(".json") && $0 != "run-report.json"
    }
    let tableCount = files.filter { $0.hasPrefix("tables/") }.count
    #expect(tableCount >= 36)  // Tabel 16–36 and 42–57 at least
    #expect(files.count == 4 * tableCount + 3)  // tables × 4 formats, rejects, aggregates, growth
    for f in files {
      let a = FileManager.default.contents(atPath: first + "/" + f)
      let b = FileManager.default.contents(atPath: other + "/" + f)
      #expect(a == b, "\(f) differs between --threads 2 and --threads 1")
    }
  }
}
