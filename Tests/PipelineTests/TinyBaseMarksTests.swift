import Foundation
import TestSupport
import Testing

/// Growth on a tiny base flagged in the tables (issue 24, item 3): each
/// cell of `quality.tinyBases` carries the marker in report.html's table
/// and a footnote stands under that table; the workbook has the same
/// footnote; the published tables carry no marker.
@Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
struct TinyBaseMarksTests {
  let small = repositoryRoot + "/Samples/small"
  let mark = "<sup class=\"tiny\">†</sup>"
  let footnote = "Udvikling på et lille grundlag (første år under 10 % af sidste år)."

  /// The praksisplan over the small sample with all inputs into `out`: its
  /// run report.
  func run(into out: String) throws -> [String: Any] {
    let r = try runLunapipe([
      "run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--ydere", small + "/ydere.csv", "--befolkning",
      small + "/befolkning-folk1a.csv", "--out", out, "--quiet",
    ])
    try #require(r.exit == 0, "\(r.stderr)")
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func tinyBaseCellsAreMarkedInTheReportAndNotInTheTables() throws {
    let dir = makeTempDir("tiny-marks")
    let out = dir + "/out"
    let report = try run(into: out)
    let quality = try #require(report["quality"] as? [String: Any])
    let tiny = try #require((quality["tinyBases"] as? [String: Any])?["cells"] as? [[String: String]])
    try #require(!tiny.isEmpty, "the small sample has some")

    let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    var byTable: [String: [[String: String]]] = [:]
    for c in tiny { byTable[c["table"]!, default: []].append(c) }
    // Each table's section, up to the next one.
    let sections = page.components(separatedBy: "<section id=\"").dropFirst()
    var marked = 0
    for s in sections {
      let id = String(s.prefix { $0 != "\"" })
      guard id != "datakvalitet" else { continue }
      let cells = byTable[id] ?? []
      let table = s.components(separatedBy: "</table>")[0]
      let rows = table.components(separatedBy: "<tr").dropFirst()
      let markedRows = rows.filter { $0.contains(mark) }
      #expect(markedRows.count == cells.count, "\(id)")
      for c in cells {
        // The row labelled c.row ends in the growth cell, marked.
        let label = c["row"]!.replacingOccurrences(of: "&", with: "&amp;")
        #expect(
          markedRows.contains { $0.contains("<th scope=\"row\">\(label)</th>") && $0.contains(mark + "</td>") },
          "\(id): \(c["row"]!)")
      }
      #expect(s.contains("<p class=\"tiny-note\">\(mark) \(footnote)</p>") == !cells.isEmpty, "\(id)")
      marked += markedRows.count
    }
    #expect(marked == tiny.count)

    // The published tables: no marker, the growth as the facts give it.
    for dir in ["tables", "tables-da", "tables-md", "tables-json"] {
      for name in try FileManager.default.contentsOfDirectory(atPath: out + "/" + dir) {
        let text = try String(contentsOfFile: "\(out)/\(dir)/\(name)", encoding: .utf8)
        #expect(!text.contains("†"), "\(dir)/\(name)")
      }
    }
    for c in tiny {
      let csv = try String(contentsOfFile: "\(out)/tables/\(c["table"]!).csv", encoding: .utf8)
      let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
      let g = try #require(lines[0].firstIndex(of: "udvikling_pct"))
      #expect(lines.contains { $0.count > g && $0[0] == c["row"]! && String($0[g]) == c["growth"]! }, "\(c)")
    }
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func theWorkbookCommentsTinyBaseCells() throws {
    let dir = makeTempDir("tiny-marks-xlsx")
    let out = dir + "/out"
    let report = try run(into: out)
    let tiny = try #require(
      ((report["quality"] as? [String: Any])?["tinyBases"] as? [String: Any])?["cells"] as? [[String: String]])
    try #require(!tiny.isEmpty)
    // Per sheet: the commented cells' row labels (column A of their row)
    // and whether the footnote stands on the sheet.
    let script = """
      import openpyxl, sys, json
      wb = openpyxl.load_workbook(sys.argv[1])
      out = {}
      for ws in wb.worksheets:
          rows = [str(ws.cell(c.row, 1).value) for row in ws.iter_rows() for c in row if c.comment is not None]
          note = any(isinstance(c.value, str) and c.value.startswith("† Udvikling på et lille grundlag") for row in ws.iter_rows() for c in row)
          out[ws.title] = [sorted(rows), note]
      print(json.dumps(out))
      """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    p.arguments = ["-c", script, out + "/praksisplan.xlsx"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let sheets = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: [Any]])
    var commented = 0
    var expected: [String: [String]] = [:]
    for c in tiny { expected[c["table"]!, default: []].append(c["row"]!) }
    for (_, v) in sheets {
      commented += (v[0] as? [String])?.count ?? 0
      #expect((v[1] as? Bool) == !((v[0] as? [String]) ?? []).isEmpty)
    }
    #expect(commented == tiny.count)
    // Every flagged row label is commented on some sheet.
    let allRows = sheets.values.flatMap { ($0[0] as? [String]) ?? [] }.sorted()
    #expect(allRows == tiny.map { $0["row"]! }.sorted())
  }
}
