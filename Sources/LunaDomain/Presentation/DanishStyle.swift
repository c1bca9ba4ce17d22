import LunaPipeCore

extension TableStyle {
  /// Tables presented the Danish way, as the praksisplan prints them:
  /// `1.234.567,89` (decimal comma, `.` between thousands), `lang="da"`,
  /// `;` between the fields of the spreadsheet CSV (`tables-da/`), and the
  /// plan's words: "Udvikling 2019–23" for the `udvikling_pct` column,
  /// "Andel (%)" and "Antal" on chart axes, "Indhold", "Ark", the run
  /// summary "Grundlag: … poster læst, … godkendt, … afvist, … tomme linjer
  /// sprunget over" and, when some are, "Uden for alle tabeller: … poster
  /// (Aar 2024, Speciale 51: …)", and "5 pct.-point" for a difference of
/// shares in the workbook. Rows reading `Total` or `I alt`, or beginning or ending
  /// with the word "total" (`Total pr. diagnosegruppe`, `Region
  /// Nordjylland total`), are totals; `aar` and headers ending in `postnr`,
  /// `nummer`, `kode` or `_nr` are code columns (`9330`, never `9.330`).
  ///
  ///     TableStyle.danish.text(of: .number(Rational(12345, 10), decimals: 1))   // "1.234,5"
  public static let danish = TableStyle(
    numbers: .danish, language: "da", listSeparator: ";",
    labels: Labels(
      growth: "Udvikling", shareAxis: "Andel (%)", countAxis: "Antal", contents: "Indhold",
      noRows: "Ingen rækker i udtrækket.", sheet: "Ark", runSummary: "Grundlag", recordsRead: "poster læst",
      recordsAccepted: "godkendt", recordsRejected: "afvist", emptyLinesSkipped: "tomme linjer sprunget over",
      outsideTables: "Uden for alle tabeller", records: "poster", percentagePoints: "pct.-point"),
    codeColumns: CodeColumns(names: ["aar"], suffixes: ["postnr", "nummer", "kode", "_nr"]),
    totalRows: TotalRows(labels: ["total", "i alt"], words: ["total"]),
    growthColumn: "udvikling")
}
