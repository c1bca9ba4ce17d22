import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The command as a nightly job runs it: re-runs that know what changed,
/// the run history, the lock, log formats.
@Suite(
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it")
)
struct OperationsTests {
  /// A private copy of the small sample, so a test can change an input.
  func copyOfSmallSample() throws -> String {
    let dir = makeTempDir("ops") + "/in"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for name in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Samples/small")
    where name.hasPrefix("ydelser-") && name.hasSuffix(".csv") {
      try FileManager.default.copyItem(atPath: repositoryRoot + "/Samples/small/" + name, toPath: dir + "/" + name)
    }
    return dir
  }

  func history(_ out: String) throws -> [[String: Any]] {
    let r = try runLunapipe(["history", "--out", out, "--json"])
    try #require(r.exit == 0, "history failed: \(r.stderr)")
    return try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
  }

  @Test func anUnchangedRerunRewritesNothingAndSaysSo() throws {
    let input = try copyOfSmallSample()
    let out = input + "/../out"
    let args = ["run", "praksisplan", "--claims", input + "/*.csv", "--out", out]
    try #require(try runLunapipe(args).exit == 0)
    let table = out + "/tables/tabel-19.csv"
    let before = try FileManager.default.attributesOfItem(atPath: table)
    let again = try runLunapipe(args)
    #expect(again.exit == 0)
    #expect(again.stdout.contains("up to date"))
    #expect(again.stdout.contains("since run 1"))
    let after = try FileManager.default.attributesOfItem(atPath: table)
    #expect(after[.modificationDate] as? Date == before[.modificationDate] as? Date)
    #expect(after[.systemFileNumber] as? Int == before[.systemFileNumber] as? Int, "the file was not replaced")

    // --force runs anyway; other options are another run too.
    let forced = try runLunapipe(args + ["--force"])
    #expect(forced.exit == 0)
    #expect(forced.stdout.contains("records accepted"))
    #expect(forced.stderr.contains("since run 1: nothing changed; --force"))
    #expect(try runLunapipe(args + ["--max-reject-share", "0.02"]).stdout.contains("records accepted"))
    // Threads never change an output: still up to date.
    #expect(try runLunapipe(args + ["--max-reject-share", "0.02", "--threads", "1"]).stdout.contains("up to date"))

    let runs = try history(out)
    #expect(runs.map { $0["status"] as? String } == ["up-to-date", "ok", "ok", "up-to-date", "ok"])
  }

  @Test func aChangedInputIsNamedWithTheTablesItChanged() throws {
    let input = try copyOfSmallSample()
    let out = input + "/../out"
    let args = ["run", "praksisplan", "--claims", input + "/*.csv", "--out", out]
    try #require(try runLunapipe(args).exit == 0)
    // Drop the first service line of 2023 (speciale 62, Læsø).
    let path = input + "/ydelser-2023.csv"
    var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
    let dropped = lines.remove(at: 1).split(separator: ";")
    try #require(dropped[3] == "62" && dropped[5] == "1")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.removeItem(atPath: input + "/ydelser-2019.csv")
    let extra = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Samples/small/ydelser-2019.csv"))
    #expect(FileManager.default.createFile(atPath: input + "/ydelser-extra.csv", contents: extra))

    let r = try runLunapipe(args)
    #expect(r.exit == 0)
    let standardized = URL(fileURLWithPath: input).standardizedFileURL.path
    #expect(r.stderr.contains("new: \(standardized)/ydelser-extra.csv"))
    #expect(r.stderr.contains("changed: \(standardized)/ydelser-2023.csv"))
    #expect(r.stderr.contains("gone: \(standardized)/ydelser-2019.csv"))
    #expect(r.stderr.contains("tables/tabel-31.csv (4 cells, 0 rows)"), "2023 and growth of Læsø and Total")
    #expect(!r.stderr.contains("tables/tabel-19.csv"), "speciale 51 did not change")

    let d = try runLunapipe(["diff", "1", "2", "--out", out])
    #expect(d.exit == 0)
    let t31 = try readCSV(out + "/tables/tabel-31.csv")
    let laesoe = try #require(t31.first { $0[0] == "Læsø" })
    let col2023 = try #require(t31[0].firstIndex(of: "2023"))
    let now = Int(laesoe[col2023])!
    #expect(d.stdout.contains("tables/tabel-31.csv: 4 cells changed"))
    let line = try #require(d.stdout.split(separator: "\n").first { $0.hasPrefix("  [Læsø] 2023: ") && $0.contains(" → \(now)") })
    #expect(Int(line.dropFirst("  [Læsø] 2023: ".count).prefix { $0.isNumber })! > now, "a line less, a smaller value")
    #expect(d.stdout.contains("input changed: \(standardized)/ydelser-2023.csv"))
  }

  @Test func aSecondRunOnTheSameOutputIsBusyAndAStaleLockIsTakenOver() throws {
    let dir = makeTempDir("lock")
    let out = dir + "/out"
    let small = repositoryRoot + "/Samples/small/ydelser-*.csv"
    // Hold the lock as a live run would.
    let fd = open(dir + "/.out.lock", O_RDWR | O_CREAT, 0o644)
    try #require(fd >= 0)
    let holder = "4242\tother-host\t2026-11-26T02:00:00Z\n"
    _ = holder.withCString { write(fd, $0, strlen($0)) }
    try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
    let busy = try runLunapipe(["run", "validate", "--claims", small, "--out", out])
    #expect(busy.exit == 75)
    #expect(busy.stderr.contains("locked by run pid 4242 on other-host"))
    #expect(!FileManager.default.fileExists(atPath: out))
    // The holder dies without cleaning up: the lock is free, the file full.
    close(fd)
    let next = try runLunapipe(["run", "validate", "--claims", small, "--out", out])
    #expect(next.exit == 0)
    #expect(next.stderr.contains("took over the lock of \(out) left by pid 4242 on other-host"))
    #expect(try String(contentsOfFile: dir + "/.out.lock", encoding: .utf8).isEmpty, "released cleanly")
  }

  @Test func historyShowsARunWithItsRejectsAndFailedRunsAreRecorded() throws {
    let out = makeTempDir("hist") + "/out"
    let small = repositoryRoot + "/Samples/small/ydelser-*.csv"
    try #require(try runLunapipe(["run", "validate", "--claims", small, "--out", out]).exit == 0)
    #expect(try runLunapipe(["run", "validate", "--claims", small, "--out", out, "--max-reject-share", "0"]).exit == 65)
    let runs = try history(out)
    #expect(runs.map { $0["status"] as? String } == ["failed", "ok"])
    #expect(runs[0]["exitCode"] as? Int == 65)
    #expect((runs[0]["message"] as? String)?.contains("too many rejects: 120 of 13168 records") == true)
    let show = try runLunapipe(["history", "show", "1", "--out", out])
    #expect(show.exit == 0)
    #expect(show.stdout.contains("counts: read 13175 = accepted 13048 + rejected 120 + skipped 7"))
    #expect(show.stdout.contains("out-of-range"))
    #expect(show.stdout.contains("sha256 "))
    #expect(try runLunapipe(["history", "show", "99", "--out", out]).exit == 66)
    #expect(try runLunapipe(["history", "--last", "1", "--out", out]).stdout.split(separator: "\n").count == 2)
    #expect(try runLunapipe(["history", "--state-dir", makeTempDir()]).exit == 66)
  }

  @Test func jsonLogLinesAndNoProgressBarWhenNotATerminal() throws {
    let out = makeTempDir("log") + "/out"
    let small = repositoryRoot + "/Samples/small/ydelser-*.csv"
    let r = try runLunapipe(["run", "validate", "--claims", small, "--out", out, "--log-format", "json"])
    #expect(r.exit == 0)
    #expect(r.stdout.isEmpty)
    let lines = r.stderr.split(separator: "\n")
    #expect(lines.count >= 5)
    for line in lines {
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
      #expect(object["level"] is String && object["message"] is String && object["time"] is String)
    }
    #expect(lines.last?.contains("\"status\":\"ok\"") == true)
    let human = try runLunapipe(["run", "validate", "--claims", small, "--out", out, "--force"])
    #expect(!human.stderr.contains("\r"), "no progress bar into a pipe")
    #expect(human.stderr.contains("lunapipe: run 2 started"))
  }

  /// On a terminal (a pseudo-terminal made by util-linux's `script`), the
  /// run draws a progress bar: share, bytes of total, rate, ETA, file.
  @Test(
    .enabled(if: try Prerequisites.fullSample, "reads the full sample: `make test` writes it (`make samples`)"),
    .enabled(if: try Prerequisites.script, "runs util-linux's script: Debian's bsdutils (essential) has it")
  )
  func aProgressBarOnATerminal() throws {
    let out = makeTempDir("tty") + "/out"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    p.arguments = [
      "-qec", "'\(lunapipeBinary)' run validate --claims '\(fullSample)/ydelser-*.csv' --out '\(out)' --threads 1",
      "/dev/null",
    ]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    let bars = text.components(separatedBy: "\r").filter { $0.contains("MB/s") && $0.contains("ETA") }
    #expect(!bars.isEmpty, "no progress bar in: \(text.prefix(500))")
    // The total is the claims files' size in MB.
    let bytes = try FileManager.default.contentsOfDirectory(atPath: fullSample).filter { $0.hasPrefix("ydelser-") }
      .map { try FileManager.default.attributesOfItem(atPath: fullSample + "/" + $0)[.size] as! Int }.reduce(0, +)
    #expect(bars.contains { $0.contains("/\(bytes / 1_000_000) MB") && $0.contains("ydelser-20") })
  }
}
