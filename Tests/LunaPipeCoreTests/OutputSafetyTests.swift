import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore
@testable import LunaReports

/// Outputs safe to open (issue 21, item 7): a text cell that begins like a
/// formula gets a leading `'` in every CSV output, numbers never; Markdown
/// escapes what could be HTML, code, emphasis or a cell's end; the HTML
/// report and the workbook stay as safe as they were.
@Suite struct OutputSafetyTests {
  static func n(_ v: Int64, _ d: Int = 0, over: Int64 = 1) -> Table.Cell { .number(Rational(v, over), decimals: d) }

  /// A supplied table as an attacker fills it: formulas in text cells and
  /// in a total label, HTML in a cell and in the title; negative numbers
  /// beside them.
  static let hostile = Table(
    id: "tabel-58", title: "Tabel 58: <script>alert(1)</script> *ansatte*",
    header: ["kommune", "=2019", "growth_pct"],
    rows: [
      [.text("=HYPERLINK(\"http://x\",\"y\")"), n(-12), n(-125, 1, over: 10)],
      [.text("+1"), n(1_234_567), n(-4)],
      [.text("-x"), .empty, n(0)],
      [.text("@SUM(1)"), n(5), .empty],
      [.text("\tTAB"), n(6), n(7)],
      [.text("\rCR"), n(8), n(9)],
      [.text("<b>bold</b> | `code` \\"), n(10), n(11)],
      [.text("=SUM(1)"), n(12), n(13)],
    ])

  static let danish = TableStyle(numbers: .danish, language: "da", listSeparator: ";")

  /// `tables/`: text cells and headers guarded, numbers (`-12`, `-12.5`)
  /// as they are; quoting by bytes after the guard.
  @Test func machineCSVGuardsTextCellsOnly() {
    let s = String(decoding: TableFormat.csv.render(Self.hostile), as: UTF8.self)
    #expect(
      s == """
        kommune,'=2019,growth_pct
        "'=HYPERLINK(""http://x"",""y"")",-12,-12.5
        '+1,1234567,-4
        '-x,,0
        '@SUM(1),5,
        '\tTAB,6,7
        "'\rCR",8,9
        <b>bold</b> | `code` \\,10,11
        '=SUM(1),12,13

        """)
  }

  /// `tables-da/` (for Excel): the same guard; a Danish number (`-12,5`,
  /// `1.234.567`) is a number and stays as it is, though it holds the
  /// decimal comma.
  @Test func danishCSVGuardsTextCellsNotNumbers() {
    let bytes = TableFormat.localizedCSV.render(Self.hostile, style: Self.danish)
    #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
    let s = String(decoding: bytes.dropFirst(3), as: UTF8.self)
    #expect(
      s == """
        kommune;'=2019;growth_pct
        "'=HYPERLINK(""http://x"",""y"")";-12;-12,5
        '+1;1.234.567;-4
        '-x;;0
        '@SUM(1);5;
        '\tTAB;6;7
        "'\rCR";8;9
        <b>bold</b> | `code` \\;10;11
        '=SUM(1);12;13

        """)
  }

  /// `tables-md/`: `<`, `>`, `|`, backtick, `*` (and `\`, so that an
  /// escape cannot be undone) escaped in the title, headers and cells; a
  /// negative Danish number untouched.
  @Test func markdownEscapesHTMLAndTableSyntax() {
    let s = String(decoding: TableFormat.markdown.render(Self.hostile, style: Self.danish), as: UTF8.self)
    let lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "### Tabel 58: \\<script\\>alert(1)\\</script\\> \\*ansatte\\*")
    #expect(lines[2] == "| kommune | =2019 | growth_pct |")
    #expect(lines[4] == "| =HYPERLINK(\"http://x\",\"y\") | -12 | -12,5 |")
    #expect(lines[10] == "| \\<b\\>bold\\</b\\> \\| \\`code\\` \\\\ | 10 | 11 |")
    // No `<` anywhere without its backslash: nothing is raw HTML.
    let u = Array(s.utf8)
    #expect(u.indices.allSatisfy { u[$0] != UInt8(ascii: "<") || ($0 > 0 && u[$0 - 1] == UInt8(ascii: "\\")) })
  }

  /// Tidy rows (`EmitRows`): a text key's value guarded, a negative
  /// decimal and a date as they are.
  @Test func tidyRowsGuardTextValuesOnly() {
    let rows = AggregateRows(
      keyNames: ["name", "day"], measureNames: ["sum"],
      rows: [
        .init(keys: [.text("=1+2"), .date(2023_01_31)], values: [.decimal(-1250, scale: 2)]),
        .init(keys: [.text("-"), .date(2023_02_01)], values: [.number(-3)]),
        .init(keys: [.text("a,b"), .date(2023_02_02)], values: [.absent]),
      ])
    #expect(rows.csv == "name,day,sum\n'=1+2,2023-01-31,-12.50\n'-,2023-02-01,-3\n\"a,b\",2023-02-02,\n")
  }

  /// `rejects.csv`: a damaged claims line that begins with a formula keeps
  /// its text in `raw`, guarded; the numbers of the row stay numbers.
  @Test func rejectsGuardTheRawRecord() throws {
    let dir = makeTempDir("safety")
    let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"
    let path = writeFile(
      dir, "a.csv", header + "2019;851;1;1,00;p1;N\n=HYPERLINK(\"http://x\",\"y\");851;1;1,00;p1;N\n")
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(maxRejectShare: 1, output: out)
    _ = try Pipeline("test").readCSV([path]).validate(testSchema).aggregate(testAggregation).run(in: context)
    let text = try String(contentsOfFile: out.staging.path + "/rejects.csv", encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    #expect(lines[1].hasPrefix("\(path),3,"))
    #expect(lines[1].contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\");851;1;1,00;p1;N\",3,"))
    // Read back, `raw` is the line with the guard in front.
    let rows = try readCSV(out.staging.path + "/rejects.csv")
    #expect(rows[1][5] == "'=HYPERLINK(\"http://x\",\"y\");851;1;1,00;p1;N")
    #expect(rows[1][0] == path && rows[1][1] == "3")
  }

  /// The HTML report escapes a cell's and a title's HTML, and leaves a
  /// formula-looking text as text (no `'`: HTML runs no formulas).
  @Test func htmlReportStaysEscaped() {
    let html = String(decoding: HTMLReport(title: "<i>Plan</i>").render([Self.hostile]), as: UTF8.self)
    #expect(!html.contains("<script>"))
    #expect(!html.contains("<b>bold"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("&lt;i&gt;Plan&lt;/i&gt;"))
    #expect(html.contains("=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)"))
    #expect(!html.contains("&#39;=HYPERLINK"))
  }
}
