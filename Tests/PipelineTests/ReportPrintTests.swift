import Foundation
import LunaDomain
import LunaPipeCore
import LunaPipelines
import LunaReports
import TestSupport
import Testing

/// `report.html` as paper: its cover, its print styles, and the PDF headless
/// Chromium prints of it read back with poppler (page sizes from the
/// MediaBox, text from the words actually on each page).
@Suite struct ReportPrintTests {
  /// Text with every run of white space as one space.
  static func normalized(_ s: String) -> String {
    s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
  }

  /// The praksisplan pipeline run in-process over the small sample, its
  /// outputs published into a temporary directory, with the run's report.
  static let small: Result<(out: String, tables: [Table], run: RunReport), Error> = Result {
    let dir = repositoryRoot + "/Samples/small"
    let (ydere, befolkning) = ReportRenderTests.extras(dir)
    let out = try OutputDirectory(target: makeTempDir("report-print") + "/out")
    let context = RunContext(options: ScanOptions(threads: 2), output: out)
    let tables = try Praksisplan.pipeline(claims: [dir + "/ydelser-*.csv"], ydere: ydere, befolkning: befolkning)
      .run(in: context)
    try out.publish()
    return (out.target.path, tables, context.report)
  }

  @Test func coverSummarisesTheRun() throws {
    let (out, tables, run) = try Self.small.get()
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let cover = try #require(html.components(separatedBy: "<div class=\"cover\">").dropFirst().first)
      .components(separatedBy: "<nav").first ?? ""
    #expect(cover.contains("<h1>\(HTMLText.escape(Praksisplan.reportTitle))</h1>"))
    #expect(cover.contains("<dt>Region</dt><dd>Region Nordjylland</dd>"))
    #expect(cover.contains("<dt>År</dt><dd>2019–2023</dd>"))
    let figures = tables.filter { $0.presentation == .figure }.count
    #expect(figures == 2)
    #expect(cover.contains("<dt>Indhold</dt><dd>\(tables.count - figures) tabeller og \(figures) figurer</dd>"))
    // Each input by name with its counts as the run report gives them;
    // never the path it was read from.
    let n = { (v: Int) in "<td class=\"num\">\(TableStyle.danish.number(Rational(Int64(v)), decimals: 0))</td>" }
    #expect(run.inputs.count == 7)
    for f in run.inputs {
      let name = URL(fileURLWithPath: f.path).lastPathComponent
      #expect(cover.contains("<th scope=\"row\">\(name)</th>" + n(f.read) + n(f.accepted) + n(f.rejected)), "\(name)")
      #expect(!html.contains(f.path), "\(f.path)")
    }
    #expect(cover.contains("<th scope=\"col\">Fil</th><th scope=\"col\" class=\"num\">Poster læst</th>"))
    #expect(run.totals.read > 10_000 && run.totals.rejected > 0)
    let total = n(run.totals.read) + n(run.totals.accepted) + n(run.totals.rejected)
    #expect(cover.contains("<tr class=\"total\"><th scope=\"row\">I alt</th>" + total))
    // Run in-process there is no run id and no start: no run line.
    #expect(!cover.contains("<dt>Kørsel</dt>"))
  }

  @Test func wideTablesGoOnLandscapePagesInSmallerType() throws {
    let (out, tables, _) = try Self.small.get()
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let fits = Dictionary(uniqueKeysWithValues: tables.map { ($0.id, HTMLReport.printFit($0, style: .danish)) })
    // Ventetider by speciale (nine columns) do not fit upright; a kommune
    // by year table does.
    #expect(fits["tabel-10"]?.isLandscape == true && fits["tabel-11"]?.isLandscape == true)
    #expect(fits["tabel-19"] == .portrait)
    #expect(!fits.values.contains(.wrapped), "every table of the plan fits a page without wrapping")
    for t in tables {
      let fit = fits[t.id]!
      let section = try #require(html.range(of: "<section id=\"\(t.id)\""))
      let tag = html[section.lowerBound...].prefix { $0 != ">" }
      #expect(tag.contains(" landscape\"") == fit.isLandscape, "\(t.id): \(tag)")
      let table = html[section.upperBound...].components(separatedBy: "<table").dropFirst().first ?? ""
      #expect(table.hasPrefix(" class=\"small") == fit.isSmall, "\(t.id): \(fit)")
    }
    // A4, landscape pages for them, the scroll box unrolled in print.
    #expect(html.contains("@page { size: A4;"))
    #expect(html.contains("@page wide { size: A4 landscape; }"))
    #expect(html.contains("section.landscape { page: wide; }"))
    #expect(html.contains(".scroll { overflow: visible;"))
  }

  /// Past a landscape page in small type a table's headers and cells
  /// wrap: narrower, never cut.
  @Test func aTableTooWideEvenOnItsSideWraps() {
    let header = ["kommune"] + (1...14).map { "Ventetid \($0) gennemsnit uger" }
    let table = Table(
      id: "wide", title: "Wide", header: header,
      rows: [[.text("Vesthimmerlands")] + (1...14).map { .number(Rational(Int64($0)), decimals: 0) }])
    #expect(HTMLReport.printFit(table, style: .danish) == .wrapped)
    var narrower = table
    narrower.header = Array(header.prefix(6))
    narrower.rows = [Array(table.rows[0].prefix(6))]
    #expect(HTMLReport.printFit(narrower, style: .danish) == .landscapeSmall)
    let html = String(decoding: HTMLReport(title: "T", style: .danish).render([table]), as: UTF8.self)
    #expect(html.contains("<section id=\"wide\" class=\"table landscape\">"))
    #expect(html.contains("<table class=\"small wrapped\">"))
    #expect(html.contains("table.wrapped th, table.wrapped td { white-space: normal; }"))
  }

  @Test func runningHeaderTextIsEscapedInTheCSS() {
    let report = HTMLReport(
      title: "Plan \"A\" </style><script>alert(1)</script>", running: "Run \\ \"x\"\n</style>")
    let html = String(decoding: report.render([]), as: UTF8.self)
    #expect(!html.contains("<script"))
    #expect(html.components(separatedBy: "</style>").count == 2, "one style element, closed once")
    #expect(html.contains("@top-left { content: \"Run \\5C  \\22 x\\22 \\A \\3C /style\\3E \";"))
    #expect(!html.contains("@top-right { content: \"Run"), "no run, no run line")
  }

  /// Prints `html` and checks the PDF: every page A4 (upright or on its
  /// side, on its side where the table is wide), numbered "Side n af N",
  /// every page after the cover headed by the title (and `runLine`), and
  /// every column header of every table among the words on paper.
  func checkPrinted(_ html: String, tables: [Table], runLine: String?) throws -> PDFPages {
    let pdf = try PDFPages(path: try printToPDF(html))
    let n = pdf.pages.count
    #expect(n > 5)
    let title = Self.normalized(Praksisplan.reportTitle)
    for (i, p) in pdf.pages.enumerated() {
      let upright = abs(p.width - 595) < 1 && abs(p.height - 842) < 1
      let side = abs(p.width - 842) < 1 && abs(p.height - 595) < 1
      #expect(upright || side, "page \(i + 1): \(p.width) x \(p.height) pt")
      #expect(p.text.contains("Side \(i + 1) af \(n)"), "page \(i + 1): no page number")
      if i > 0 {
        #expect(p.text.contains(title), "page \(i + 1): no running header")
        if let runLine { #expect(p.text.contains("Kørsel " + runLine), "page \(i + 1): no run line") }
      }
    }
    let wide = tables.filter { HTMLReport.printFit($0, style: .danish).isLandscape }
    #expect(!wide.isEmpty)
    #expect(pdf.pages.filter(\.isLandscape).count >= 1)
    #expect(!pdf.pages[0].isLandscape, "the cover stands upright")
    // The printed text; each table's part runs from the last place its
    // title stands (the contents list it first) to the next table's.
    let text = pdf.pages.map(\.text).joined(separator: " ")
    let ordered = Praksisplan.readingOrder(tables)
    let starts = ordered.map { text.range(of: Self.normalized($0.title), options: .backwards)?.lowerBound }
    var found = 0
    for (k, t) in ordered.enumerated() {
      guard let start = starts[k] else {
        Issue.record("\(t.id): title not on paper")
        continue
      }
      let end = starts[(k + 1)...].compactMap { $0 }.first { $0 > start } ?? text.endIndex
      let part = text[start..<end]
      for c in t.header.indices {
        let label = Self.normalized(TableStyle.danish.columnLabel(of: t, at: c))
        if part.contains(label) { found += 1 } else { Issue.record("\(t.id): column header '\(label)' not on paper") }
      }
      // The landscape tables stand on landscape pages.
      if wide.contains(where: { $0.id == t.id }) {
        let page = pdf.pages.lastIndex { $0.text.contains(Self.normalized(t.title)) }
        #expect(page.map { pdf.pages[$0].isLandscape } == true, "\(t.id) on an upright page")
      }
    }
    #expect(found == tables.reduce(0) { $0 + $1.header.count })
    return pdf
  }

  @Test(
    .enabled(if: try Prerequisites.chromium, "prints the report with Chromium: `make test` installs chromium"),
    .enabled(if: try Prerequisites.poppler, "reads the PDF with poppler: `make test` installs poppler-utils")
  )
  func smallSampleReportPrintsOnA4WithEveryColumnHeader() throws {
    let (out, tables, _) = try Self.small.get()
    _ = try checkPrinted(out + "/report.html", tables: tables, runLine: nil)
  }

  /// The command over the full sample: the printed report heads its pages
  /// with the run's id and date.
  @Test(
    .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"),
    .enabled(if: try Prerequisites.fullSample, "reads the full sample: `make test` writes it (`make samples`)"),
    .enabled(if: try Prerequisites.chromium, "prints the report with Chromium: `make test` installs chromium"),
    .enabled(if: try Prerequisites.poppler, "reads the PDF with poppler: `make test` installs poppler-utils")
  )
  func fullSampleReportPrintsOnA4WithEveryColumnHeader() throws {
    let (ydere, befolkning) = ReportRenderTests.extras(fullSample)
    var args = ["run", "praksisplan", "--claims", fullSample + "/ydelser-*.csv", "--quiet"]
    if let ydere { args += ["--ydere", ydere] }
    if let befolkning { args += ["--befolkning", befolkning] }
    let out = makeTempDir("report-print") + "/out"
    let r = try runLunapipe(args + ["--out", out])
    try #require(r.exit == 0, "lunapipe failed: \(r.stderr)")
    let report = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))) as? [String: Any] ?? [:]
    let started = try #require(ISO8601DateFormatter().date(from: report["started"] as? String ?? ""))
    let day = DateFormatter()
    day.locale = Locale(identifier: "en_US_POSIX")
    day.dateFormat = "yyyy-MM-dd"
    let ids = try FileManager.default.contentsOfDirectory(atPath: out + "/tables-json").filter { $0.hasSuffix(".json") }
    let tables = try ids.sorted().map { try ReportRenderTests().tableFromJSON(out + "/tables-json/" + $0) }
    #expect(tables.count > 50)
    // The first run into a fresh directory is run 1.
    _ = try checkPrinted(out + "/report.html", tables: tables, runLine: "1, \(day.string(from: started))")
  }
}
