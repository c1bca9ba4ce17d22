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
    ("1999;5;123456;51;0111;1;258,42;abc;851;851;40;N;;", "Aar", "out-of-range"),
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
}
