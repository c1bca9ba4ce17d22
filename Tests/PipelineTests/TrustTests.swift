import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Ordinary mistakes of a nightly job: nothing LunaPipe did not write is
/// deleted, no result is published with a line silently missing, and the
/// run never dies of its own logging.
@Suite(
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it")
)
struct TrustTests {
  let small = repositoryRoot + "/Samples/small"

  /// A folder with a copy of the small sample's claims, and an output path
  /// beside it.
  func workspace() throws -> (dir: String, input: String, out: String) {
    let dir = makeTempDir("trust")
    let input = dir + "/in"
    try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
    for y in 2019...2023 {
      try FileManager.default.copyItem(atPath: "\(small)/ydelser-\(y).csv", toPath: "\(input)/ydelser-\(y).csv")
    }
    return (dir, input, dir + "/out")
  }

  func report(_ out: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  func totals(_ out: String) throws -> [String: Int] {
    try #require(try report(out)["totals"] as? [String: Int])
  }

  func history(_ out: String) throws -> [[String: Any]] {
    let r = try runLunapipe(["history", "--out", out, "--json"])
    try #require(r.exit == 0, "history failed: \(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
  }

  func contents(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
  }

  // MARK: 1. Output ownership

  /// The issue's command: `--out` naming the folder of the extract, with a
  /// file of the user's. Refused before anything is read: exit 73, the
  /// folder as it was, the attempt in the history.
  @Test func anOutThatHoldsTheInputsIsRefusedAndNothingIsTouched() throws {
    let dir = makeTempDir("trust") + "/t"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: small + "/ydelser-2019.csv", toPath: dir + "/ydelser-2019.csv")
    _ = writeFile(dir, "NOTES.txt", "x\n")
    let r = try runLunapipe(["run", "praksisplan", "--claims", dir + "/ydelser-2019.csv", "--out", dir])
    #expect(r.exit == 73)
    #expect(r.stderr.contains("holds the input \(dir)/ydelser-2019.csv"))
    #expect(try contents(dir) == ["NOTES.txt", "ydelser-2019.csv"])
    #expect(try String(contentsOfFile: dir + "/NOTES.txt", encoding: .utf8) == "x\n")
    let runs = try history(dir)
    #expect(runs.first?["status"] as? String == "refused")
    #expect(runs.first?["exitCode"] as? Int == 73)
  }

  /// A user's own folder (not empty, not LunaPipe's), the working directory
  /// and a LunaPipe folder into which someone put a file: all refused, all
  /// left as they were. An empty folder, and one LunaPipe wrote, are used.
  @Test func onlyEmptyOrLunaPipesOwnFoldersAreReplaced() throws {
    let w = try workspace()
    let claims = w.input + "/ydelser-*.csv"
    let mine = w.dir + "/mine"
    try FileManager.default.createDirectory(atPath: mine + "/sub", withIntermediateDirectories: true)
    _ = writeFile(mine + "/sub", "budget.xlsx", "mine\n")
    var r = try runLunapipe(["run", "validate", "--claims", claims, "--out", mine])
    #expect(r.exit == 73)
    #expect(r.stderr.contains("holds files LunaPipe did not write (sub/budget.xlsx)"))
    #expect(try contents(mine + "/sub") == ["budget.xlsx"])

    // The working directory.
    let p = Process()
    p.executableURL = URL(fileURLWithPath: lunapipeBinary)
    p.arguments = ["run", "validate", "--claims", claims, "--out", "."]
    p.currentDirectoryURL = URL(fileURLWithPath: mine)
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 73)
    #expect(try contents(mine) == ["sub"])

    // An empty folder is taken; the result is LunaPipe's and replaced again.
    let empty = w.dir + "/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    #expect(try runLunapipe(["run", "validate", "--claims", claims, "--out", empty]).exit == 0)
    #expect(try contents(empty).contains(".lunapipe-output"))
    #expect(try runLunapipe(["run", "validate", "--claims", claims, "--out", empty, "--force"]).exit == 0)

    // A file of the user's put into it: refused, the file kept.
    _ = writeFile(empty, "my-notes.txt", "keep me\n")
    r = try runLunapipe(["run", "validate", "--claims", claims, "--out", empty, "--force"])
    #expect(r.exit == 73)
    #expect(r.stderr.contains("my-notes.txt"))
    #expect(try String(contentsOfFile: empty + "/my-notes.txt", encoding: .utf8) == "keep me\n")
  }

  /// `OUT.failed` is LunaPipe's only when it wrote it: a folder of that name
  /// of the user's is left alone, and the failed run's rejects stay in its
  /// staging directory.
  @Test func aForeignFailedFolderIsNotReplaced() throws {
    let w = try workspace()
    let failed = w.out + ".failed"
    try FileManager.default.createDirectory(atPath: failed, withIntermediateDirectories: true)
    _ = writeFile(failed, "keep.txt", "mine\n")
    let r = try runLunapipe([
      "run", "validate", "--claims", w.input + "/ydelser-*.csv", "--out", w.out, "--max-reject-share", "0",
    ])
    #expect(r.exit == 65)
    #expect(try contents(failed) == ["keep.txt"])
    #expect(r.stderr.contains(".out.staging-"))
  }

  /// A directory written before markers existed (its run-report.json lists
  /// exactly its files) is still LunaPipe's.
  @Test func aDirectoryOfAnEarlierVersionIsStillReplaced() throws {
    let w = try workspace()
    let args = ["run", "validate", "--claims", w.input + "/ydelser-*.csv", "--out", w.out]
    #expect(try runLunapipe(args).exit == 0)
    try FileManager.default.removeItem(atPath: w.out + "/.lunapipe-output")
    #expect(try runLunapipe(args + ["--force"]).exit == 0)
    #expect(try contents(w.out).contains(".lunapipe-output"))
  }

  /// A file of the lock's name that is not LunaPipe's lock is left as it is.
  @Test func aForeignFileOfTheLocksNameIsNotTruncated() throws {
    let w = try workspace()
    _ = writeFile(w.dir, ".out.lock", "my own notes\n")
    let r = try runLunapipe(["run", "validate", "--claims", w.input + "/ydelser-*.csv", "--out", w.out])
    #expect(r.exit == 73)
    #expect(r.stderr.contains("is not a LunaPipe lock file"))
    #expect(try String(contentsOfFile: w.dir + "/.out.lock", encoding: .utf8) == "my own notes\n")
  }

  // MARK: 2. A damaged record costs that record only

  /// One stray opening quote (`;"d8cb7952844ace71;`): that line alone is
  /// rejected (`unterminated-quote`, at its physical line); every other
  /// record reads as before, and Tabel 19 loses exactly that line's
  /// amount. It once swallowed the rest of the file with exit 0.
  @Test func aStrayQuoteCostsItsLineOnly() throws {
    let w = try workspace()
    let good = try runLunapipe(["run", "praksisplan", "--claims", w.input + "/ydelser-*.csv", "--out", w.out])
    try #require(good.exit == 0)
    let before = try totals(w.out)
    let table19 = try readCSV(w.out + "/tables/tabel-19.csv")

    // The first speciale 51 line from line 101 on of the 2023 extract (the
    // header is line 1).
    let path = w.input + "/ydelser-2023.csv"
    var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
    let n = try #require((100..<lines.count).first {
      let f = lines[$0].components(separatedBy: ";")
      return f.count == 14 && f[0] == "2023" && f[3] == "51" && f[5] == "1" && f[7].count == 16
    })
    let fields = lines[n].components(separatedBy: ";")
    let amount = try #require(Double(fields[6].replacingOccurrences(of: ",", with: ".")))
    let kommune = fields[9]
    var damaged = fields
    damaged[7] = "\"" + fields[7]
    lines[n] = damaged.joined(separator: ";")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)

    let r = try runLunapipe(["run", "praksisplan", "--claims", w.input + "/ydelser-*.csv", "--out", w.out])
    #expect(r.exit == 0, "\(r.stderr)")
    let after = try totals(w.out)
    #expect(after["accepted"] == before["accepted"]! - 1)
    #expect(after["rejected"] == before["rejected"]! + 1)
    #expect(after["lines"] == before["lines"])
    #expect(after["rejectedLines"] == before["rejectedLines"]! + 1)
    #expect(after["lines"] == after["acceptedLines"]! + after["rejectedLines"]! + after["skippedEmpty"]!)
    let rejects = try readCSV(w.out + "/rejects.csv")
    let stray = try #require(rejects.first { $0[4] == "unterminated-quote" })
    #expect(stray[0].hasSuffix("ydelser-2023.csv"))
    #expect(stray[6] == String(n + 1))
    #expect(stray[5] == lines[n])

    // Tabel 19 (udgift, speciale 51, by clinic kommune): the Total of 2023
    // lower by that line's amount (whole kroner), only 2023 and growth
    // cells of the line's kommune and the Total changed.
    let table19After = try readCSV(w.out + "/tables/tabel-19.csv")
    let header = table19[0]
    let col2023 = try #require(header.firstIndex(of: "2023"))
    let totalBefore = try #require(Double(table19.last![col2023]))
    let totalAfter = try #require(Double(table19After.last![col2023]))
    #expect(abs((totalBefore - totalAfter) - amount) <= 1)
    var changedRows: Set<String> = []
    for (a, b) in zip(table19.dropFirst(), table19After.dropFirst()) {
      for c in 1..<a.count where a[c] != b[c] {
        #expect(header[c] == "2023" || header[c] == "udvikling_pct", "\(a[0]) \(header[c]) changed")
        changedRows.insert(a[0])
      }
    }
    #expect(changedRows.count == 2 && changedRows.contains("Total"), "\(changedRows) (kommune \(kommune))")
  }

  /// A record whose quoted field holds many line breaks (a multi-line
  /// field in a column that does not allow them): one record, rejected
  /// whole, but fifty lines. The reject share counts lines too, so it
  /// cannot hide behind a share of records under the threshold.
  @Test func theRejectShareCountsLinesToo() throws {
    let dir = makeTempDir("trust")
    var text = try String(contentsOfFile: small + "/ydelser-2019.csv", encoding: .utf8)
    let recordLines = text.split(separator: "\n").count - 1
    text += "2019;1;804989;51;0111;1;127,73;\"" + String(repeating: "x\n", count: 49) + "x\";825;825;63;N;;\n"
    let path = writeFile(dir, "ydelser.csv", text)
    let r = try runLunapipe(["run", "validate", "--claims", path, "--out", dir + "/out"])
    #expect(r.exit == 65)
    let t = try totals(dir + "/out.failed")
    let considered = t["lines"]! - t["skippedEmpty"]!
    #expect(r.stderr.contains("too many rejects: \(t["rejectedLines"]!) of \(considered) lines, "))
    #expect(t["read"] == recordLines + 1)
    #expect(t["lines"] == recordLines + 50)
    #expect(t["rejectedLines"]! - t["rejected"]! == 49)
  }

  // MARK: 3. Logging never kills a run

  /// stderr on a full device, and stdout and stderr into a pipe closed
  /// after one line: the run publishes and exits 0 each time.
  @Test func aFullOrClosedTerminalDoesNotStopTheRun() throws {
    let w = try workspace()
    let claims = w.input + "/ydelser-*.csv"
    let full = try shell(
      "'\(lunapipeBinary)' run validate --claims '\(claims)' --out '\(w.out)' >/dev/null 2>/dev/full; echo $?")
    #expect(full.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    #expect(FileManager.default.fileExists(atPath: w.out + "/run-report.json"))
    let piped = try shell(
      "'\(lunapipeBinary)' run praksisplan --claims '\(claims)' --out '\(w.out)2' 2>&1 | head -1 >/dev/null; echo ${PIPESTATUS[0]}"
    )
    #expect(piped.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    #expect(FileManager.default.fileExists(atPath: w.out + "2/tables/tabel-19.csv"))
    #expect(try history(w.out + "2").first?["status"] as? String == "ok")
  }

  func shell(_ command: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", command]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  // MARK: 4. A delivery counted once

  @Test func theSameExtractUnderTwoNamesIsRefused() throws {
    let w = try workspace()
    try FileManager.default.copyItem(atPath: w.input + "/ydelser-2021.csv", toPath: w.input + "/ydelser-2021-kopi.csv")
    let r = try runLunapipe(["run", "praksisplan", "--claims", w.input + "/ydelser-*.csv", "--out", w.out])
    #expect(r.exit == 66)
    #expect(r.stderr.contains("\(w.input)/ydelser-2021-kopi.csv and \(w.input)/ydelser-2021.csv have the same content"))
    #expect(!FileManager.default.fileExists(atPath: w.out))
    #expect(try history(w.out).first?["exitCode"] as? Int == 66)
  }

  // MARK: 6. Volume guard

  /// A header-only delivery, and one with a year missing, do not publish
  /// over last night's outputs (exit 65, naming what fell); `--accept-drop`
  /// publishes anyway (with `--accept-gaps` for the missing year).
  @Test func aDeliveryThatShrankIsNotPublished() throws {
    let w = try workspace()
    let args = ["run", "praksisplan", "--claims", w.input + "/ydelser-*.csv", "--out", w.out]
    try #require(try runLunapipe(args).exit == 0)
    let volumes = try #require(try report(w.out)["volumes"] as? [String: Int])
    let y2021 = try #require(volumes["Aar=2021,Speciale=51"])
    #expect(y2021 > 100)
    let published = try Data(contentsOf: URL(fileURLWithPath: w.out + "/tables/tabel-19.csv"))

    // Header only: no record accepted.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: w.input + "/ydelser-2021.csv"))
    let headerOnly = writeFile(w.dir, "header-only.csv", Array(bytes.prefix { $0 != 10 }) + [10])
    var r = try runLunapipe(["run", "praksisplan", "--claims", headerOnly, "--out", w.out])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("no record was accepted"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.out + "/tables/tabel-19.csv")) == published)

    // 2021 missing: a year without claims of the region (--accept-gaps),
    // and a volume drop (--accept-drop); each stops the run on its own.
    try FileManager.default.removeItem(atPath: w.input + "/ydelser-2021.csv")
    r = try runLunapipe(args)
    #expect(r.exit == 65)
    #expect(r.stderr.contains("no claims for Region Nordjylland in 2021: a delivery may be missing"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.out + "/tables/tabel-19.csv")) == published)
    r = try runLunapipe(args + ["--accept-gaps"])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("Aar 2021, Speciale 51: \(y2021) → 0"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.out + "/tables/tabel-19.csv")) == published)
    r = try runLunapipe(args + ["--accept-drop"])
    #expect(r.exit == 65)
    r = try runLunapipe(args + ["--accept-drop", "--accept-gaps"])
    #expect(r.exit == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.out + "/tables/tabel-19.csv")) != published)
  }

  // MARK: 9. History that never disagrees with disk

  /// Busy, a missing input: each refused attempt is in the history with its
  /// exit code; `history` changes nothing in the database.
  @Test func refusedAttemptsAreRecordedAndHistoryOnlyReads() throws {
    let w = try workspace()
    let args = ["run", "validate", "--claims", w.input + "/ydelser-*.csv", "--out", w.out]
    try #require(try runLunapipe(args).exit == 0)

    // Busy: hold the run lock as another run would.
    let lockPath = w.dir + "/.out.lock"
    let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
    try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
    let busy = try runLunapipe(args + ["--force"])
    flock(fd, LOCK_UN)
    close(fd)
    #expect(busy.exit == 75)
    let missing = try runLunapipe(["run", "validate", "--claims", w.input + "/nope.csv", "--out", w.out])
    #expect(missing.exit == 66)

    let db = w.dir + "/lunapipe.sqlite"
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let runs = try history(w.out)
    #expect(runs.prefix(2).map { $0["status"] as? String } == ["refused", "refused"])
    #expect(runs.prefix(2).map { $0["exitCode"] as? Int } == [66, 75])
    #expect(runs.last?["status"] as? String == "ok")
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
  }

  // MARK: 10. Small things

  /// `run --help` names every table; `--force` prints the real run id for
  /// `lunapipe diff`; the summary counts each kind of input by itself.
  @Test func helpForceAndSummarySayWhatIsTrue() throws {
    let help = try runLunapipe(["run", "--help"])
    for t in ["2-37, 39-57", "figur-3", "figur-4", "budget-objektiv-finansiering"] {
      #expect(help.stdout.contains(t), "run --help lacks \(t)")
    }
    let w = try workspace()
    let args = [
      "run", "praksisplan", "--claims", w.input + "/ydelser-*.csv", "--ydere", small + "/ydere.csv",
      "--befolkning", small + "/befolkning-folk1a.csv", "--out", w.out,
    ]
    let first = try runLunapipe(args)
    try #require(first.exit == 0, "\(first.stderr)")
    #expect(first.stdout.contains("claims: "))
    #expect(first.stdout.contains("; ydere: 57 records accepted"))
    #expect(first.stdout.contains("; befolkning: "))
    // Every file scanned again (--full, which implies --force): the scan's
    // work is measured below. (A plain --force reuses the kept states.)
    let forced = try runLunapipe(args + ["--full"])
    #expect(forced.stderr.contains("`lunapipe diff 1 2` shows the cells"))
    #expect(!forced.stderr.contains("<this run>"))

    // Stage timings say what they cover: no "done in 0.000 s" for work
    // another stage does.
    #expect(!forced.stderr.contains("[read] done in"))
    #expect(!forced.stderr.contains("[validate] done in"))
    // One scan of the claims for the claims tables and the age figures.
    #expect(forced.stderr.contains("[aggregate] read, parsed and validated once, and aggregated 2 ways, in one scan: "))
    #expect(forced.stderr.contains("scan work: "))
    let stages = try #require(try report(w.out)["stages"] as? [[String: Any]])
    let covers = Dictionary(uniqueKeysWithValues: stages.map { ($0["label"] as? String ?? "", $0["covers"] as? String) })
    #expect(covers["validate"] == "preparation only; its work is done in the scan")
    #expect(covers["tables"] == "built the tables, reading the register and the population")
    let scans = try #require(try report(w.out)["scans"] as? [[String: Any]])
    #expect(scans.count == 1)
    // Sampled estimates: parsing quote-free text (PlainSplitter) costs so
    // little that its share of a small run can read 0, and on a machine
    // loaded by other work a preempted sample counts 0 (ScanTiming), so
    // one of validation and aggregation can read 0 too; the shares still
    // cover the whole scan, and the work past parsing is seen.
    let shares = ["parse", "validate", "aggregate"].map { scans[0][$0] as? Double ?? -1 }
    #expect(shares.allSatisfy { $0 >= 0 } && abs(shares.reduce(0, +) - 1) < 0.01)
    #expect(shares[1] + shares[2] > 0)
    #expect(scans[0]["files"] as? Int == 5)
    // A plain --force: the states kept by the run before stand in for the
    // files, none is scanned, and the report says so.
    let reused = try runLunapipe(args + ["--force"])
    try #require(reused.exit == 0, "\(reused.stderr)")
    let incremental = try #require(try report(w.out)["incremental"] as? [String: Any])
    #expect(incremental["reusedFiles"] as? Int == 5 && incremental["scannedFiles"] as? Int == 0)
    #expect((try report(w.out)["scans"] as? [[String: Any]])?.first?["files"] as? Int == 0)

    // The population quarter: the plan's by default, another on request,
    // one the file lacks is an input error naming it.
    let notes = { (out: String) in (try? report(out)["notes"] as? [String]) ?? [] }
    #expect(notes(w.out).contains("the tables per inhabitant use 2024K1, the plan's quarter"))
    let q = try runLunapipe(args + ["--befolkning-tid", "2023K1"])
    #expect(q.exit == 0, "\(q.stderr)")
    #expect(notes(w.out).contains("the tables per inhabitant use 2023K1 (--befolkning-tid)"))
    let missing = try runLunapipe(args + ["--befolkning-tid", "2022K4"])
    #expect(missing.exit == 66)
    #expect(missing.stderr.contains("2022K4"))
  }
}
