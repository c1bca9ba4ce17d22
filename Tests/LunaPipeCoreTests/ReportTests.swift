import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore
@testable import LunaReports

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Tables shaped like the praksisplan's: a kommune table with a Total row
/// and a growth column, one with two decimals, and a figure's data; and a
/// Danish style for them.
enum ReportFixture {
  static func n(_ v: Int64, _ d: Int = 0, over: Int64 = 1) -> Table.Cell { .number(Rational(v, over), decimals: d) }

  static let kommuner = Table(
    id: "tabel-19", title: "Tabel 19: Udgifter pr. år til speciale 51 fordelt på kommuner",
    header: ["kommune", "2019", "2023", "udvikling_pct"],
    rows: [
      [.text("Brønderslev"), n(2_851_115), n(2_982_369), n(5)],
      [.text("Læsø"), n(159_772), n(163_684), n(2)],
      [.text("Hjørring & <Co> \"A\" 'B'"), n(4_479_298), n(4_185_541), n(-7)],
      [.text("Aalborg"), n(13_822_082), .empty, .empty],
      [.text("Total"), n(21_312_267), n(7_331_594), n(-66)],
    ])

  static let decimals = Table(
    id: "tabel-25", title: "Tabel 25: Ydelser pr. patient pr år på speciale 51 fordelt på kommuner",
    header: ["kommune", "2019", "2023", "udvikling_pct"],
    rows: [
      [.text("Brønderslev"), n(720, 2, over: 100), n(644, 2, over: 100), n(-11)],
      [.text("Frederikshavn"), n(754, 2, over: 100), n(1_234_567, 2, over: 100), n(3)],
      [.text("Total"), n(737, 2, over: 100), n(700, 2, over: 100), n(-5)],
    ])

  static let figure = Table(
    id: "figur-3",
    title: "Figur 3: Aldersfordelingen blandt de nordjyske borgere, der modtog fysioterapi på speciale 51",
    header: ["aldersgruppe", "patienter", "patienter_pct", "befolkning", "befolkning_pct"],
    rows: [
      [.text("0-9 år"), n(120), n(12, 1, over: 10), n(61_000), n(104, 1, over: 10)],
      [.text("10-19 år"), n(510), n(51, 1, over: 10), n(66_300), n(113, 1, over: 10)],
      [.text("50-59 år"), n(2_130), n(213, 1, over: 10), n(80_400), n(137, 1, over: 10)],
      [.text("90+ år"), n(90), n(9, 1, over: 10), n(4_700), n(8, 1, over: 10)],
    ], presentation: .figure)

  static let all = [kommuner, decimals, figure]

  /// The words and numbers of a Danish report, as a Danish pipeline
  /// passes them (LunaDomain's `TableStyle.danish`, which this test target
  /// does not see, is the real one).
  static let style = TableStyle(
    numbers: .danish, language: "da", listSeparator: ";",
    labels: .init(
      growth: "Udvikling", shareAxis: "Andel (%)", countAxis: "Antal", contents: "Indhold",
      noRows: "Ingen rækker i udtrækket.", sheet: "Ark", runSummary: "Grundlag", recordsRead: "poster læst",
      recordsAccepted: "godkendt", recordsRejected: "afvist", emptyLinesSkipped: "tomme linjer sprunget over"),
    codeColumns: .init(names: ["aar"], suffixes: ["postnr", "nummer", "kode", "_nr"]),
    totalRows: .init(labels: ["total", "i alt"], words: ["total"]), growthColumn: "udvikling")

  static let report = HTMLReport(
    title: "Praksisplan <test>", intro: "Tal & figurer",
    source: { $0.presentation == .figure ? "Kilde: LUNA BI og Danmarks Statistik" : "Kilde: LUNA BI" },
    unit: { $0.id == "tabel-19" ? "kr." : nil }, style: style)
}

@Suite struct ReportTests {
  let html = String(decoding: ReportFixture.report.render(ReportFixture.all), as: UTF8.self)

  /// The `<svg>…</svg>` elements of the page.
  var svgs: [String] {
    var out: [String] = []
    var rest = html[...]
    while let a = rest.range(of: "<svg"), let b = rest.range(of: "</svg>", range: a.upperBound..<rest.endIndex) {
      out.append(String(rest[a.lowerBound..<b.upperBound]))
      rest = rest[b.upperBound...]
    }
    return out
  }

  func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

  @Test func emptyReportIsAWholePage() {
    let s = String(decoding: HTMLReport(title: "Empty").render([]), as: UTF8.self)
    #expect(s.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    #expect(s.hasSuffix("</html>\n"))
    #expect(!s.contains("<section"))
    #expect(!s.contains("<nav"))
  }

  @Test func structure() {
    #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">"))
    #expect(html.contains("<title>Praksisplan &lt;test&gt;</title>"))
    for t in ReportFixture.all {
      #expect(count("<section id=\"\(t.id)\"", in: html) == 1, "\(t.id)")
      #expect(html.contains("<h2>\(HTMLText.escape(t.title))</h2>"), "\(t.id)")
      #expect(html.contains("<a href=\"#\(t.id)\">"), "contents link to \(t.id)")
    }
    // One <tr> per row plus the header row, per table.
    #expect(count("<tr", in: html) == ReportFixture.all.map { $0.rows.count + 1 }.reduce(0, +))
    #expect(count("<tr class=\"total\">", in: html) == 2)
    // Column labels people read.
    #expect(html.contains("<th scope=\"col\">Kommune</th>"))
    #expect(html.contains("<th scope=\"col\" class=\"num\">Udvikling 2019–23</th>"))
    #expect(html.contains("<th scope=\"col\" class=\"num\">Patienter</th>"))
    #expect(html.contains("<th scope=\"col\" class=\"num\">Patienter (%)</th>"))
    #expect(html.contains("<th scope=\"row\">Brønderslev</th>"))
  }

  @Test func sourceLineUnderEachTable() {
    #expect(count("<p class=\"source\">Kilde: LUNA BI</p>", in: html) == 2)
    #expect(count("<p class=\"source\">Kilde: LUNA BI og Danmarks Statistik</p>", in: html) == 1)
    #expect(html.contains("\n.source { font-size: 13px;"))
    // Under the table: after its </table>, before the next section.
    let s19 = html.range(of: "<section id=\"tabel-19\"")!
    let table = html.range(of: "</table>", range: s19.upperBound..<html.endIndex)!
    let kilde = html.range(of: "class=\"source\"", range: s19.upperBound..<html.endIndex)!
    let next = html.range(of: "<section", range: s19.upperBound..<html.endIndex)!
    #expect(table.upperBound <= kilde.lowerBound && kilde.upperBound <= next.lowerBound)
  }

  @Test func numbersAreDanish() {
    #expect(html.contains("<td class=\"num\">2.851.115</td>"))
    #expect(html.contains("<td class=\"num\">13.822.082</td>"))
    #expect(html.contains("<td class=\"num\">7,20</td>"))
    #expect(html.contains("<td class=\"num\">12.345,67</td>"))
    #expect(html.contains("<td class=\"num\">-7%</td>"))
    #expect(html.contains("<td class=\"num\">21,3%</td>"))
    #expect(!html.contains("2851115"))
    // An empty cell stays empty, right-aligned with its column.
    #expect(html.contains("<th scope=\"row\">Aalborg</th><td class=\"num\">13.822.082</td><td class=\"num\"></td>"))
  }

  @Test func textIsEscaped() {
    #expect(html.contains("Hjørring &amp; &lt;Co&gt; &quot;A&quot; &#39;B&#39;"))
    #expect(!html.contains("<Co>"))
    #expect(HTMLText.escape("a\u{01}b</script>") == "ab&lt;/script&gt;")
    // Every chart parses as XML, so nothing in it is left unescaped.
    for svg in svgs {
      let parser = XMLParser(data: Data(svg.utf8))
      #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }
  }

  @Test func selfContained() {
    #expect(!html.contains("http://"))
    #expect(!html.contains("https://"))
    #expect(!html.contains("<script"))
    #expect(!html.contains("<link"))
    #expect(!html.contains("src="))
    #expect(!html.contains("url("))
    #expect(!html.contains("@import"))
  }

  @Test func chartsAreInlineSVG() {
    // The kommune tables get a bar chart each, the figure a grouped one.
    #expect(svgs.count == 3)
    let bars = svgs[0]
    #expect(bars.contains("Tabel 19, 2023"))
    // One bar per row with a value in the latest year, Total left out.
    #expect(count("<rect x=", in: bars) - 1 == 3)
    #expect(bars.contains(">Læsø</text>"))
    #expect(bars.contains(">163.684</text>"))
    #expect(!bars.contains(">Total</text>"))
    #expect(bars.contains("class=\"axis-label\">2023 (kr.)</text>"))
    #expect(bars.contains("class=\"axis-label\">Kommune</text>"))
    // Grouped bars of the two share columns (not the counts): two series
    // × four age bands, a legend of two.
    let grouped = svgs[2]
    #expect(count("<rect x=", in: grouped) - 1 == 4 * 2 + 2)
    #expect(grouped.contains(">Patienter</text>"))
    #expect(grouped.contains(">Befolkning</text>"))
    #expect(grouped.contains("class=\"axis-label\">Andel (%)</text>"))
    #expect(grouped.contains("class=\"axis-label\">Aldersgruppe</text>"))
    // The figure's chart comes before its table.
    let s = html.range(of: "<section id=\"figur-3\"")!
    let svg = html.range(of: "<svg", range: s.upperBound..<html.endIndex)!
    let table = html.range(of: "<table>", range: s.upperBound..<html.endIndex)!
    #expect(svg.lowerBound < table.lowerBound)
  }

  @Test func barLengthsFollowTheValues() throws {
    let c = try #require(BarChart.standard(for: ReportFixture.kommuner, style: ReportFixture.style).first)
    let svg = c.svg()
    // Bar widths, in row order: proportional to 2,982,369 / 163,684 / 4,185,541.
    let widths = svg.components(separatedBy: "<rect x=").dropFirst(2).compactMap { part -> Double? in
      guard let r = part.range(of: "width=\""), let e = part[r.upperBound...].firstIndex(of: "\"") else { return nil }
      return Double(part[r.upperBound..<e])
    }
    #expect(widths.count == 3)
    #expect(abs(widths[0] / widths[2] - 2_982_369.0 / 4_185_541) < 0.01)
    #expect(abs(widths[1] / widths[2] - 163_684.0 / 4_185_541) < 0.01)
  }

  @Test func niceAxis() {
    let a = BarChart.axis([163_684, 13_643_534])
    #expect(a.lo == 0 && a.hi == 15_000_000 && a.step == 5_000_000)
    let b = BarChart.axis([-7, 21.3])
    #expect(b.lo == -10 && b.hi == 30 && b.step == 10)
    #expect(BarChart.tickText(2_500_000, step: 500_000, numbers: .danish) == "2.500.000")
    #expect(BarChart.tickText(2.5, step: 0.5, percent: true, numbers: .danish) == "2,5%")
    #expect(BarChart.tickText(2_500_000, step: 500_000, numbers: .plain) == "2500000")
    #expect(BarChart.tickText(2.5, step: 0.5, percent: true, numbers: .plain) == "2.5%")
    #expect(BarChart.n(12.34) == "12.3" && BarChart.n(-3) == "-3")
  }

  @Test func noChartWithoutSomethingToCompare() {
    let oneRow = Table(
      id: "tabel-1", title: "Tabel 1: Hændelser", header: ["indikator", "2019", "2023"],
      rows: [[.text("Antal"), ReportFixture.n(51), ReportFixture.n(51)]])
    #expect(BarChart.standard(for: oneRow).isEmpty)
    let noYears = Table(
      id: "tabel-2", title: "Tabel 2: Praksis", header: ["kommune", "antal_praksis"],
      rows: [[.text("A"), ReportFixture.n(4)], [.text("B"), ReportFixture.n(5)]])
    #expect(BarChart.standard(for: noYears).isEmpty)
  }

  @Test func displayRules() {
    let da = ReportFixture.style
    #expect(da.isTotal([.text("Region Nordjylland total")]))
    #expect(da.isTotal([.text("Total pr. diagnosegruppe")]))
    #expect(da.isTotal([.text("I alt")]))
    #expect(!da.isTotal([.text("Totalkommune")]))
    #expect(TableDisplay.shortName(ReportFixture.kommuner) == "Tabel 19")
    #expect(da.text(of: ReportFixture.n(9330), kind: da.kind("postnr")) == "9330")
    #expect(da.text(of: ReportFixture.n(9330), kind: da.kind("antal")) == "9.330")
    // The standard style: English totals, English code columns.
    let en = TableStyle.standard
    #expect(en.isTotal([.text("Total")]) && en.isTotal([.text("North total")]) && en.isTotal([.text("Total by group")]))
    #expect(!en.isTotal([.text("I alt")]) && !en.isTotal([.text("Totalizer")]) && !en.isTotal([ReportFixture.n(1)]))
    #expect(en.text(of: ReportFixture.n(9330), kind: en.kind("zip_code")) == "9330")
    #expect(en.text(of: ReportFixture.n(9330), kind: en.kind("postnr")) == "9330")
    #expect(en.text(of: ReportFixture.n(9330, 2, over: 100), kind: en.kind("amount")) == "93.30")
  }

  /// Without a style, the report is neutral: English words, `lang="en"`,
  /// plain numbers, and no Danish label for a Danish column name.
  @Test func standardStyleIsEnglishWithPlainNumbers() {
    var run = RunReport(pipeline: "p", version: "1.0", threads: 1, maxRejectShare: 0.01)
    run.totals = .init(read: 1_234_567, accepted: 1_234_000, rejected: 560, skippedEmpty: 7)
    let growth = Table(
      id: "g", title: "Growth", header: ["region", "2019", "2023", "growth_pct"],
      rows: [[.text("North"), ReportFixture.n(1), ReportFixture.n(2), ReportFixture.n(100)]])
    let plain = HTMLReport(title: "Plan", unit: { $0.id == "tabel-19" ? "kr." : nil })
    let s = String(decoding: plain.render(ReportFixture.all + [growth], run: run), as: UTF8.self)
    #expect(s.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    #expect(s.contains("<nav aria-label=\"Contents\">\n<h2>Contents</h2>"))
    #expect(s.contains("<td class=\"num\">2851115</td>"))
    #expect(s.contains("<td class=\"num\">7.20</td>"))
    #expect(s.contains("<td class=\"num\">-7%</td>"))
    #expect(s.contains("<td class=\"num\">21.3%</td>"))
    #expect(!s.contains("2.851.115"))
    #expect(s.contains("<th scope=\"col\" class=\"num\">Growth 2019–23</th>"))
    #expect(s.contains("<th scope=\"col\" class=\"num\">Udvikling (%)</th>"))
    #expect(s.contains("class=\"axis-label\">Share (%)</text>"))
    #expect(s.contains(">2982369</text>"))
    #expect(s.contains("Input: 1234567 records read, 1234000 accepted, 560 rejected, 7 empty lines skipped (p 1.0)."))
    #expect(count("<tr class=\"total\">", in: s) == 2)
    for word in ["Indhold", "Andel", "Grundlag", "lang=\"da\"", "kilde\""] {
      #expect(!s.contains(word), "\(word)")
    }
    let empty = Table(id: "e", title: "Nothing", header: ["a"], rows: [])
    let e = String(decoding: HTMLReport(title: "E", sourceClass: "note").render([empty]), as: UTF8.self)
    #expect(e.contains("<p class=\"empty\">No rows in the extract.</p>"))
    #expect(e.contains("\n.note { font-size: 13px;"))
  }

  /// A figure is a figure because the table says so, not because of its id.
  @Test func figureByPresentationNotById() {
    var byId = ReportFixture.figure
    byId.presentation = .table
    #expect(BarChart.standard(for: byId).isEmpty)
    var renamed = ReportFixture.figure
    renamed.id = "age-profile"
    let c = BarChart.standard(for: renamed)
    #expect(c.count == 1 && c[0].series.count == 2 && c[0].percent && c[0].valueAxis == "Share (%)")
    #expect(BarChart.standard(for: renamed, style: ReportFixture.style).first?.valueAxis == "Andel (%)")
  }

  @Test func sameTablesSameBytes() {
    let again = ReportFixture.report.render(ReportFixture.all)
    #expect(again == Array(html.utf8))
  }

  /// The run's counts, and its id and day (on the cover and in the printed
  /// pages' header) but no time of day.
  @Test func runTotalsWithoutTimes() {
    var run = RunReport(pipeline: "praksisplan", version: "0.1.0", threads: 7, maxRejectShare: 0.01)
    run.totals = .init(read: 1_234_567, accepted: 1_234_000, rejected: 560, skippedEmpty: 7)
    run.started = "2026-11-27T11:58:01Z"
    let s = String(decoding: ReportFixture.report.render(ReportFixture.all, run: run, runID: 12), as: UTF8.self)
    #expect(s.contains("1.234.567 poster læst, 1.234.000 godkendt, 560 afvist, 7 tomme linjer"))
    // The day where the tests run (UTC-11 to UTC+12 keep it).
    #expect(s.contains("<dt>Run</dt><dd>12, 2026-11-27</dd>"))
    #expect(s.contains("@top-right { content: \"Run 12, 2026-11-27\";"))
    #expect(!s.contains("11:58") && !s.contains("T11"))
  }

  @Test func stageWritesTheReport() throws {
    let out = try OutputDirectory(target: makeTempDir() + "/out")
    defer { out.discard() }
    let context = RunContext(output: out)
    let tables = try EmitReport(ReportFixture.report).run(ReportFixture.all, in: context)
    #expect(tables == ReportFixture.all)
    let bytes = try Data(contentsOf: out.staging.appendingPathComponent("report.html"))
    #expect(Array(bytes) == Array(html.utf8))
    #expect(out.written.contains("report.html"))
  }
}
