import LunaPipeCore
import LunaReports
import Testing

@testable import LunaDomain

/// `TableStyle.danish`: the praksisplan's presentation, word for word.
@Suite struct DanishStyleTests {
  let da = TableStyle.danish
  func n(_ v: Int64, _ d: Int = 0, over: Int64 = 1) -> Table.Cell { .number(Rational(v, over), decimals: d) }

  @Test func numbersTheDanishWay() {
    #expect(da.text(of: n(12345, 1, over: 10)) == "1.234,5")
    #expect(da.text(of: n(123_456_789, 2, over: 100)) == "1.234.567,89")
    #expect(da.text(of: n(-5), kind: .percent) == "-5%")
    #expect(da.number(Rational(1_234_567), decimals: 0) == "1.234.567")
  }

  @Test func codesAndYearsAreDigits() {
    for h in ["aar", "Aar", "År", "postnr", "ydernummer", "kode", "yder_nr"] {
      #expect(da.kind(h) == .code, "\(h)")
    }
    #expect(da.kind("antal") == .plain && da.kind("patienter_pct") == .percent)
    let t = Table(
      id: "t", title: "Udgift pr. år", header: ["aar", "udgift"],
      rows: [[n(1960), n(12345, 1, over: 10)], [.text("I alt"), n(2_500_000)]])
    let md = String(decoding: TableFormat.markdown.render(t, style: da), as: UTF8.self)
    #expect(md == "### Udgift pr. år\n\n| aar | udgift |\n|---|---:|\n| 1960 | 1.234,5 |\n| I alt | 2.500.000 |\n")
    let csv = TableFormat.localizedCSV.render(t, style: da)
    #expect(TableFormat.localizedCSV.directory(da) == "tables-da")
    #expect(String(decoding: csv.dropFirst(3), as: UTF8.self) == "aar;udgift\n1960;1.234,5\nI alt;2.500.000\n")
  }

  @Test func thePlansWords() {
    let t = Table(
      id: "tabel-19", title: "Tabel 19: Udgifter", header: ["kommune", "2019", "2023", "udvikling_pct"],
      rows: [[.text("Læsø"), n(1), n(2), n(100)], [.text("Total"), n(1), n(2), n(100)]])
    #expect(da.columnLabel(of: t, at: 0) == "Kommune")
    #expect(da.columnLabel(of: t, at: 3) == "Udvikling 2019–23")
    #expect(da.isTotal(t.rows[1]) && da.isTotal([.text("I alt")]) && da.isTotal([.text("Total pr. diagnosegruppe")]))
    #expect(da.isTotal([.text("Region Nordjylland total")]) && !da.isTotal([.text("Totalkommune")]))
    #expect(da.labels.shareAxis == "Andel (%)" && da.labels.countAxis == "Antal" && da.labels.sheet == "Ark")
    #expect(da.language == "da" && da.listSeparator == ";")
  }

  @Test func theReportInDanish() {
    var run = RunReport(pipeline: "praksisplan", version: "0.1.0", threads: 2, maxRejectShare: 0.01)
    run.totals = .init(read: 1_234_567, accepted: 1_234_000, rejected: 560, skippedEmpty: 7)
    let empty = Table(id: "tabel-1", title: "Tabel 1: Tom", header: ["kommune"], rows: [])
    let other = Table(id: "tabel-2", title: "Tabel 2: Tom", header: ["kommune"], rows: [])
    let html = String(decoding: HTMLReport(title: "Plan", style: da).render([empty, other], run: run), as: UTF8.self)
    #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"da\">"))
    #expect(html.contains("<nav aria-label=\"Indhold\">\n<h2>Indhold</h2>"))
    #expect(html.contains("<p class=\"empty\">Ingen rækker i udtrækket.</p>"))
    #expect(
      html.contains(
        "<p>Grundlag: 1.234.567 poster læst, 1.234.000 godkendt, 560 afvist, 7 tomme linjer sprunget over (praksisplan 0.1.0).</p>"
      ))
  }
}

