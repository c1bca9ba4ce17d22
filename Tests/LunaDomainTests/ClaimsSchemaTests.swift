import Foundation
import LunaPipeCore
import TestSupport
import Testing

@testable import LunaDomain

/// Every rule of the claims contract (section 1), one record each.
@Suite struct ClaimsSchemaTests {
  let header =
    "Aar;Maaned;Ydernummer;Speciale;Ydelseskode;Antal;Bruttohonorar;PatientId;PatientKommune;YderKommune;PatientAlder;Holdtraening;Diagnosegruppe;Progressiv\n"
  let valid51 = "2023;5;123456;51;0111;1;258,42;abc;851;851;40;N;;"
  let valid62 = "2023;5;123456;62;0111;1;317,74;abc;851;851;40;N;2;J"

  /// (record, column, rule) for records that must be rejected.
  let broken: [(String, String, String)] = [
    ("1999;5;123456;51;0111;1;258,42;abc;851;851;40;N;;", "Aar", "year-out-of-range"),
    // After any plausible run's year: a settled service cannot lie ahead.
    ("2031;5;123456;51;0111;1;258,42;abc;851;851;40;N;;", "Aar", "year-out-of-range"),
    ("2023;13;123456;51;0111;1;258,42;abc;851;851;40;N;;", "Maaned", "out-of-range"),
    ("2023;5;12345;51;0111;1;258,42;abc;851;851;40;N;;", "Ydernummer", "wrong-digits"),
    ("2023;5;123456;52;0111;1;258,42;abc;851;851;40;N;;", "Speciale", "unknown-code"),
    ("2023;5;123456;51;111;1;258,42;abc;851;851;40;N;;", "Ydelseskode", "wrong-digits"),
    ("2023;5;123456;51;0111;0;258,42;abc;851;851;40;N;;", "Antal", "zero"),
    ("2023;5;123456;51;0111;1;258,425;abc;851;851;40;N;;", "Bruttohonorar", "too-many-decimals"),
    ("2023;5;123456;51;0111;1;258.42;abc;851;851;40;N;;", "Bruttohonorar", "not-a-number"),
    ("2023;5;123456;51;0111;-1;258,42;abc;851;851;40;N;;", "Bruttohonorar", "sign-mismatch"),
    // At most 1.000.000,00 kr per line, either sign.
    ("2023;5;123456;51;0111;1;1.000.000,01;abc;851;851;40;N;;", "Bruttohonorar", "out-of-range"),
    ("2023;5;123456;51;0111;-1;-1000000,01;abc;851;851;40;N;;", "Bruttohonorar", "out-of-range"),
    ("2023;5;123456;51;0111;1;999.999.999.999,99;abc;851;851;40;N;;", "Bruttohonorar", "out-of-range"),
    ("2023;5;123456;51;0111;1;258,42;;851;851;40;N;;", "PatientId", "empty"),
    ("2023;5;123456;51;0111;1;258,42;\(String(repeating: "x", count: 65));851;851;40;N;;", "PatientId", "too-long"),
    ("2023;5;123456;51;0111;1;258,42;abc;999;851;40;N;;", "PatientKommune", "unknown-code"),
    ("2023;5;123456;51;0111;1;258,42;abc;851;1081;40;N;;", "YderKommune", "unknown-code"),
    ("2023;5;123456;51;0111;1;258,42;abc;851;851;121;N;;", "PatientAlder", "out-of-range"),
    ("2023;5;123456;51;0111;1;258,42;abc;851;851;40;Ja;;", "Holdtraening", "not-a-flag"),
    ("2023;5;123456;62;0111;1;258,42;abc;851;851;40;N;5;J", "Diagnosegruppe", "out-of-range"),
    ("2023;5;123456;62;0111;1;258,42;abc;851;851;40;N;;J", "Diagnosegruppe", "required-for-speciale"),
    ("2023;5;123456;51;0111;1;258,42;abc;851;851;40;N;2;", "Diagnosegruppe", "must-be-empty"),
    ("2023;5;123456;62;0111;1;258,42;abc;851;851;40;N;2;", "Progressiv", "required-for-speciale"),
    ("2023;5;123456;65;0111;1;258,42;abc;851;851;40;N;2;J", "Progressiv", "must-be-empty"),
    ("2023;5;123456;51;0111;1;258,42;abc;851;851;40;N;", "", "field-count"),
  ]

  @Test func validRecordsPass() throws {
    let dir = makeTempDir()
    let p = writeFile(
      dir, "a.csv",
      header + valid51 + "\n" + valid62 + "\n" + "2023;5;123456;65;0111;-1;-1.317,74;abc;851;851;40;J;4;\n"
        + "2023;5;123456;51;0111;1;1.000.000,00;abc;851;851;40;N;;\n")
    let o = try scan([p], schema: LunaClaims.schema, aggregation: LunaClaims.aggregation)
    #expect(o.report.totals.accepted == 4)
    #expect(o.report.totals.rejected == 0)
  }

  @Test func everyRuleRejectsWithItsName() throws {
    let dir = makeTempDir()
    let p = writeFile(dir, "a.csv", header + broken.map(\.0).joined(separator: "\n") + "\n")
    let o = try scan([p], schema: LunaClaims.schema, aggregation: LunaClaims.aggregation)
    #expect(o.report.totals.rejected == broken.count)
    for (row, want) in zip(o.rejects.dropFirst(), broken) {
      #expect(row[5] == want.0)
      #expect(row[3] == want.1, "\(want.0)")
      #expect(row[4] == want.2, "\(want.0)")
    }
  }

  /// `Aar` runs from 2000 to the run's year, pinned by `schema(runYear:)`:
  /// the run's year and 2000 are accepted, the year after and 1999 are
  /// `year-out-of-range` on `Aar`, and the year after is accepted by the
  /// next year's run.
  @Test func theRunsYearBoundsAar() throws {
    let dir = makeTempDir()
    func line(_ year: Int) -> String { "\(year);5;123456;51;0111;1;258,42;abc;851;851;40;N;;" }
    let p = writeFile(dir, "a.csv", header + [2000, 2024, 2025, 1999, 2024].map(line).joined(separator: "\n") + "\n")
    let o = try scan([p], schema: LunaClaims.schema(runYear: 2024), aggregation: LunaClaims.aggregation)
    #expect(o.report.totals.accepted == 3)
    #expect(o.report.rejectsByRule == ["year-out-of-range": 2])
    #expect(o.rejects.dropFirst().map { [$0[3], $0[4], String($0[5].prefix(4))] } == [
      ["Aar", "year-out-of-range", "2025"], ["Aar", "year-out-of-range", "1999"],
    ])
    #expect(o.report.volumes == ["Aar=2000,Speciale=51": 1, "Aar=2024,Speciale=51": 2])
    let next = try scan([p], schema: LunaClaims.schema(runYear: 2025), aggregation: LunaClaims.aggregation)
    #expect(next.report.totals.accepted == 4)
    #expect(next.report.rejectsByRule == ["year-out-of-range": 1])
  }

  /// The run's year is the calendar year in UTC, whatever the machine's
  /// zone: the last second of 2026 and the first of 2027.
  @Test func theRunsYearIsTheUTCYear() {
    #expect(LunaClaims.currentYear(at: Date(timeIntervalSince1970: 1_798_761_599)) == 2026)
    #expect(LunaClaims.currentYear(at: Date(timeIntervalSince1970: 1_798_761_600)) == 2027)
    #expect(LunaClaims.schema.columns[0].outOfRange == "year-out-of-range")
    if case .integer(let r) = LunaClaims.schema.columns[0].kind {
      #expect(r == 2000...Int64(LunaClaims.currentYear()))
    } else {
      Issue.record("Aar is not an integer column")
    }
  }
}
