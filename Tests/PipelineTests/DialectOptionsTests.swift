import Foundation
import TestSupport
import Testing

/// The dialect options of `run validate` and `run claims-summary`
/// (issue 23): what is stated is read so and reported in the run report's
/// per-file entry; an empty delivery is an empty input, and the volume
/// guard decides whether it is published.
@Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
struct DialectOptionsTests {
  let small = repositoryRoot + "/Samples/small"

  func report(_ out: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// A claims extract rewritten with `|` delimiters, `'` quotes around the
  /// amounts and a title line: read with the dialect stated, every record
  /// as in the original, and the stated items in the report.
  @Test(arguments: ["validate", "claims-summary"])
  func aStatedDialectIsReadAndReported(command: String) throws {
    let dir = makeTempDir("dialect-cli")
    let original = try String(contentsOfFile: small + "/ydelser-2019.csv", encoding: .utf8)
    let lines = original.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
    var text = "LUNA extract, made for the test\n"
    for (i, line) in lines.enumerated() {
      var fields = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
      if i > 0 { fields[6] = "'" + fields[6] + "'" }
      text += fields.joined(separator: "|") + "\n"
    }
    let path = writeFile(dir, "ydelser-2019.csv", text)
    let r = try runLunapipe([
      "run", command, "--claims", path, "--out", dir + "/out", "--delimiter", "|", "--quote", "'", "--skip-lines", "1",
    ])
    #expect(r.exit == 0, "\(r.stderr)")
    let rep = try report(dir + "/out")
    let input = try #require((rep["inputs"] as? [[String: Any]])?.first)
    #expect(input["delimiter"] as? String == "|")
    #expect(input["stated"] as? [String: String] == ["delimiter": "|", "quote": "'", "skip-lines": "1"])
    let totals = try #require(rep["totals"] as? [String: Int])
    #expect(totals["read"] == lines.count - 1)
    #expect(totals["accepted"]! + totals["rejected"]! == lines.count - 1)
    #expect(totals["lines"] == lines.count - 1)
  }

  /// Nothing stated: the per-file entry has no `stated` (the report is as
  /// it was before dialects could be stated).
  @Test func nothingStatedIsNotReported() throws {
    let dir = makeTempDir("dialect-cli")
    let r = try runLunapipe(["run", "validate", "--claims", small + "/ydelser-2019.csv", "--out", dir + "/out"])
    #expect(r.exit == 0, "\(r.stderr)")
    let input = try #require((try report(dir + "/out")["inputs"] as? [[String: Any]])?.first)
    #expect(input["stated"] == nil)
  }

  /// A value the option does not take: a usage error (64) naming it.
  @Test func aWrongValueIsAUsageError() throws {
    let dir = makeTempDir("dialect-cli")
    let r = try runLunapipe([
      "run", "validate", "--claims", small + "/ydelser-2019.csv", "--out", dir + "/out", "--quote", "x",
    ])
    #expect(r.exit == 64)
    #expect(r.stderr.contains("--quote"))
  }

  /// A 0-byte delivery: read as an empty input (a note), refused by the
  /// volume guard (no record accepted), published with --accept-drop.
  @Test func anEmptyDeliveryIsTheVolumeGuardsDecision() throws {
    let dir = makeTempDir("dialect-cli")
    let path = writeFile(dir, "ydelser-2019.csv", [UInt8]())
    let refused = try runLunapipe(["run", "validate", "--claims", path, "--out", dir + "/out"])
    #expect(refused.exit == 65, "\(refused.stderr)")
    #expect(refused.stderr.contains("no record was accepted"))
    let published = try runLunapipe(["run", "validate", "--claims", path, "--out", dir + "/out", "--accept-drop"])
    #expect(published.exit == 0, "\(published.stderr)")
    let notes = try #require(try report(dir + "/out")["notes"] as? [String])
    #expect(notes.contains { $0.contains("the file is empty (0 bytes)") })
  }
}
