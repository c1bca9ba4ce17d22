import Foundation
import TestSupport
import Testing

/// The nightly job (issue 24, item 5): the JSON log's last line is the
/// run's status with its counts as numbers, on success and on failure;
/// LunaPipe's own `OUT.failed` goes once a later run publishes (never a
/// folder LunaPipe did not write); an unknown option is named as such.
@Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
struct NightlyTests {
  let small = repositoryRoot + "/Samples/small"

  /// The last line of a JSON log, parsed, with its text.
  func lastLine(_ stderr: String) throws -> (object: [String: Any], text: String) {
    let line = String(try #require(stderr.split(separator: "\n").last))
    return (try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]), line)
  }

  func totals(_ dir: String) throws -> [String: Int] {
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/run-report.json"))
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return try #require(report["totals"] as? [String: Int])
  }

  /// Whether the line's `key` is the JSON number `value` (written bare,
  /// not as a string).
  func number(_ line: (object: [String: Any], text: String), _ key: String, is value: Int) -> Bool {
    (line.object[key] as? NSNumber)?.intValue == value && line.text.contains("\"\(key)\":\(value)")
  }

  @Test func theJSONLogEndsWithTheRunsStatusOnFailureAndOnSuccess() throws {
    let dir = makeTempDir("nightly-json")
    let out = dir + "/out"
    let args = [
      "run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--region", "1083", "--out", out,
      "--log-format", "json",
    ]
    // Fails: no claims of Region Syddanmark (exit 65).
    let failed = try runLunapipe(args)
    #expect(failed.exit == 65)
    let f = try lastLine(failed.stderr)
    #expect(f.object["status"] as? String == "failed")
    #expect(number(f, "exitCode", is: 65))
    #expect(number(f, "run", is: 1))
    #expect((f.object["message"] as? String)?.contains("no claims for Region Syddanmark") == true)
    let kept = try totals(out + ".failed")
    #expect(kept["read"]! > 0)
    for key in ["read", "accepted", "rejected"] { #expect(number(f, key, is: kept[key]!), "\(key)") }
    #expect(number(f, "skipped", is: kept["skippedEmpty"]!))

    // Publishes.
    let ok = try runLunapipe(args + ["--accept-gaps"])
    #expect(ok.exit == 0)
    let o = try lastLine(ok.stderr)
    #expect(o.object["status"] as? String == "ok")
    #expect(number(o, "exitCode", is: 0))
    #expect(number(o, "run", is: 2))
    let published = try totals(out)
    for key in ["read", "accepted", "rejected"] { #expect(number(o, key, is: published[key]!), "\(key)") }

    // Up to date, even with --quiet.
    let same = try runLunapipe(args + ["--accept-gaps", "--quiet"])
    #expect(same.exit == 0)
    let u = try lastLine(same.stderr)
    #expect(u.object["status"] as? String == "up-to-date")
    #expect(number(u, "run", is: 3))
    #expect(number(u, "accepted", is: published["accepted"]!))

    // Refused before anything is read: --out is a folder of someone else's.
    let foreign = dir + "/mine"
    try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
    _ = writeFile(foreign, "notes.txt", "mine")
    let refused = try runLunapipe(["run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--out", foreign, "--log-format", "json"])
    #expect(refused.exit == 73)
    let r = try lastLine(refused.stderr)
    #expect(r.object["status"] as? String == "failed")
    #expect(number(r, "exitCode", is: 73))
    #expect(number(r, "read", is: 0))
  }

  @Test func lunaPipesOwnFailedFolderGoesOnceALaterRunPublishes() throws {
    let dir = makeTempDir("nightly-failed")
    let out = dir + "/out"
    let args = ["run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--region", "1083", "--out", out]
    #expect(try runLunapipe(args).exit == 65)
    #expect(FileManager.default.fileExists(atPath: out + ".failed/run-report.json"))
    let ok = try runLunapipe(args + ["--accept-gaps"])
    #expect(ok.exit == 0)
    #expect(!FileManager.default.fileExists(atPath: out + ".failed"))
    #expect(ok.stderr.contains("removed \(out).failed, left by run 1 that failed: run 2 published"), "\(ok.stderr)")

    // A folder of the user's by that name stays.
    try FileManager.default.createDirectory(atPath: out + ".failed", withIntermediateDirectories: true)
    _ = writeFile(out + ".failed", "mine.txt", "mine")
    let again = try runLunapipe(args + ["--accept-gaps", "--force"])
    #expect(again.exit == 0)
    #expect(FileManager.default.fileExists(atPath: out + ".failed/mine.txt"))
    #expect(again.stderr.contains("left \(out).failed alone"))
  }

  @Test func anUnknownOptionIsNamedAsSuch() throws {
    for extra in [[], ["--out", makeTempDir("nightly-option") + "/out"]] {
      let r = try runLunapipe(["run", "praksisplan", "--claim", "x"] + extra)
      #expect(r.exit == 64)
      #expect(r.stderr.contains("unknown option '--claim' (did you mean '--claims'?)"), "\(r.stderr)")
      #expect(!r.stderr.contains("give the claims extracts"))
    }
    let plain = try runLunapipe(["run", "praksisplan", "--out", makeTempDir("nightly-option") + "/out"])
    #expect(plain.exit == 64)
    #expect(plain.stderr.contains("give the claims extracts with --claims"))
    let hidden = try runLunapipe(["run", "validate", "--chunk-size", "1", "--claims", "x", "--out", "y"])
    #expect(!hidden.stderr.contains("unknown option"), "a hidden option is known")
    // A default subcommand's options are known (`history` runs `list`).
    let history = try runLunapipe(["history", "--out", makeTempDir("nightly-option"), "--lsat", "2"])
    #expect(history.exit == 64)
    #expect(history.stderr.contains("unknown option '--lsat' (did you mean '--last'?)"), "\(history.stderr)")
  }
}
