import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What was read is what is recorded (issue 21): inputs that move while a
/// run reads them, inputs that are no files, a lock name that is a link, the
/// volume guard after the output folder is gone, and a failure recorded
/// while the history is held by another process. The moments are exact:
/// the run stops at a named point (`LUNAPIPE_PAUSE=POINT:GATE`) until the
/// test has changed the file.
@Suite(
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"),
  .serialized
)
struct ReadIsRecordedTests {
  let small = repositoryRoot + "/Samples/small"

  /// A folder with the small sample's claims in `in/`; the 2019 file made
  /// larger than the first block the scan reads (1 MiB), so that its read
  /// takes several reads.
  func workspace() throws -> String {
    let dir = makeTempDir("read-recorded")
    try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
    for y in 2020...2023 {
      try FileManager.default.copyItem(atPath: "\(small)/ydelser-\(y).csv", toPath: "\(dir)/in/ydelser-\(y).csv")
    }
    let lines = try String(contentsOfFile: "\(small)/ydelser-2019.csv", encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false)
    let body = lines.dropFirst().joined(separator: "\n")
    var text = String(lines[0]) + "\n"
    for _ in 0..<8 { text += body.hasSuffix("\n") ? body : body + "\n" }
    try text.write(toFile: dir + "/in/ydelser-2019.csv", atomically: false, encoding: .utf8)
    return dir
  }

  func args(_ dir: String, _ extra: [String] = []) -> [String] {
    ["run", "praksisplan", "--claims", dir + "/in/ydelser-*.csv", "--out", dir + "/out", "--threads", "2",
     "--chunk-size", "65536"] + extra
  }

  /// Runs lunapipe with `arguments`, paused at `point` until `change` has
  /// run; its exit code and standard error.
  func run(
    _ arguments: [String], pausedAt point: String? = nil, environment: [String: String] = [:],
    change: () throws -> Void = {}
  ) throws -> (exit: Int32, stderr: String) {
    let gate = makeTempDir("gate") + "/gate"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: lunapipeBinary)
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    if let point { env["LUNAPIPE_PAUSE"] = "\(point):\(gate)" }
    p.environment = env
    let errPath = gate + ".stderr"
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    if point != nil {
      let deadline = Date().addingTimeInterval(60)
      while !FileManager.default.fileExists(atPath: gate + ".reached") && p.isRunning && Date() < deadline {
        usleep(5_000)
      }
      #expect(FileManager.default.fileExists(atPath: gate + ".reached"), "the run never reached \(point)")
      try change()
      FileManager.default.createFile(atPath: gate, contents: Data())
    }
    p.waitUntilExit()
    try err.close()
    return (p.terminationStatus, (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
  }

  func history(_ dir: String) throws -> [[String: Any]] {
    let r = try runLunapipe(["history", "--out", dir + "/out", "--json"])
    return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
  }

  func digest(_ path: String) throws -> String {
    let r = try runPython(
      "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", [path])
    return r.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func runPython(_ code: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", code] + arguments
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let d = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: d, as: UTF8.self)
  }

  /// Rewrites `path` in place, same size, a digit changed everywhere, its
  /// modification time put back (as `rsync --inplace -t` leaves it).
  func rewriteInPlace(_ path: String) throws {
    _ = try runPython(
      """
      import os,sys
      p=sys.argv[1]; st=os.stat(p); d=open(p,'rb').read()
      f=open(p,'r+b'); f.write(d.replace(b'5',b'6')); f.close()
      os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
      """, [path])
  }

  @Test func aFileRenamedOverAnInputAfterTheFingerprintIsRefused() throws {
    let dir = try workspace()
    let input = dir + "/in/ydelser-2020.csv"
    let original = try digest(input)
    let r = try run(args(dir), pausedAt: "after-fingerprint") {
      let other = try String(contentsOfFile: input, encoding: .utf8).replacingOccurrences(of: "5", with: "6")
      try other.write(toFile: dir + "/other.csv", atomically: false, encoding: .utf8)
      #expect(rename(dir + "/other.csv", input) == 0)
    }
    #expect(r.exit == 66)
    #expect(r.stderr.contains("ydelser-2020.csv changed while it was read"))
    #expect(r.stderr.contains("another file was put in its place"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))
    let last = try #require(try history(dir).first)
    #expect(last["status"] as? String == "refused")
    #expect(last["exitCode"] as? Int == 66)
    // The history names the digest of what was opened, the original.
    let inputs = try #require(last["inputs"] as? [[String: Any]])
    #expect(inputs.first { ($0["path"] as? String)?.hasSuffix("ydelser-2020.csv") == true }?["sha256"] as? String == original)
  }

  @Test func aFileRewrittenInPlaceDuringItsReadIsRefused() throws {
    let dir = try workspace()
    let r = try run(args(dir, ["--threads", "1"]), pausedAt: "between-reads") {
      try rewriteInPlace(dir + "/in/ydelser-2019.csv")
    }
    #expect(r.exit == 66)
    #expect(r.stderr.contains("ydelser-2019.csv changed while it was read"))
    #expect(r.stderr.contains("rewritten in place"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))
    #expect(try history(dir).first?["status"] as? String == "refused")
  }

  @Test func aFileAppendedToAfterTheFingerprintIsRefused() throws {
    let dir = try workspace()
    let input = dir + "/in/ydelser-2021.csv"
    let before = try FileManager.default.attributesOfItem(atPath: input)[.size] as? Int ?? -1
    let more = Data("a line still being copied in\n".utf8)
    let r = try run(args(dir), pausedAt: "after-fingerprint") {
      let h = try #require(FileHandle(forWritingAtPath: input))
      h.seekToEndOfFile()
      h.write(more)
      h.closeFile()
    }
    #expect(r.exit == 66)
    #expect(
      r.stderr.contains("ydelser-2021.csv changed while it was read: \(before) bytes when opened, \(before + more.count) now"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))
  }

  @Test func anUnchangedRunThenAChangedFileIsNotUpToDate() throws {
    // Rewritten in place between runs with the modification time put
    // back: the change time tells, and the next run reads it again.
    let dir = try workspace()
    #expect(try run(args(dir)).exit == 0)
    try rewriteInPlace(dir + "/in/ydelser-2022.csv")
    // Every 5 a 6: 2022 keeps no accepted line of Nordjylland's kommuner
    // (--accept-gaps), and far fewer records (--accept-drop).
    let r = try run(args(dir, ["--max-reject-share", "1", "--accept-drop", "--accept-gaps"]))
    #expect(r.exit == 0)
    #expect(!r.stderr.contains("up to date"))
    #expect(r.stderr.contains("changed: ") && r.stderr.contains("ydelser-2022.csv"))
  }

  @Test func inputsThatAreNoRegularFilesAreRefusedAtOnce() throws {
    let dir = try workspace()
    let fifo = dir + "/fifo.csv"
    #expect(mkfifo(fifo, 0o644) == 0)
    for input in [fifo, "/dev/zero"] {
      let started = Date()
      let r = try run(["run", "praksisplan", "--claims", input, "--out", dir + "/out"])
      #expect(r.exit == 66, "\(input)")
      #expect(r.stderr.contains("not a regular file"), "\(input)")
      #expect(Date().timeIntervalSince(started) < 30)
    }
    let r = try run(args(dir, ["--ydere", "/dev/zero"]))
    #expect(r.exit == 66)
    #expect(r.stderr.contains("/dev/zero: is a character device, not a regular file"))
  }

  @Test func aPlanOrSuppliedFileThatIsNoRegularFileIsRefusedAtOnce() throws {
    let plan = try runLunapipe(["plan", "check", "/dev/zero"])
    #expect(plan.exit == 66)
    #expect(plan.stderr.contains("cannot read the plan file: /dev/zero: is a character device, not a regular file"))
    let dir = makeTempDir("fifo-plan") + "/plan"
    try FileManager.default.copyItem(atPath: repositoryRoot + "/Pipelines/Praksisplan/supplied", toPath: dir)
    #expect(unlink(dir + "/haendelser-tabel-01.csv") == 0)
    #expect(mkfifo(dir + "/haendelser-tabel-01.csv", 0o644) == 0)
    for command in [["plan", "check"], ["run", "plan"]] {
      var arguments = command + [dir + "/plan.yaml"]
      if command[0] == "run" { arguments += ["--claims", small + "/ydelser-*.csv", "--out", dir + "/../out"] }
      let r = try run(arguments)
      #expect(r.exit == 78, "\(command)")
      #expect(r.stderr.contains("plan.yaml:16: file: "), "\(command)")
      #expect(r.stderr.contains("haendelser-tabel-01.csv is a FIFO (named pipe) or pipe, not a regular file"), "\(command)")
    }
  }

  @Test func aLockNameThatIsASymlinkIsNeverFollowed() throws {
    let dir = try workspace()
    let target = dir + "/elsewhere"
    #expect(symlink(target, dir + "/.out.lock") == 0)
    let r = try run(args(dir))
    #expect(r.exit == 73)
    #expect(r.stderr.contains(".out.lock is a symbolic link"))
    #expect(!FileManager.default.fileExists(atPath: target))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
  }

  @Test func theVolumeGuardFollowsThePipelineNotTheFolder() throws {
    let dir = try workspace()
    #expect(try run(args(dir)).exit == 0)
    try FileManager.default.removeItem(atPath: dir + "/out")
    // A delivery cut to its first 999 records.
    let input = dir + "/in/ydelser-2021.csv"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
    let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    #expect(lines.count > 2000)
    try Data(lines.prefix(1000).joined(separator: [0x0A]) + [0x0A]).write(to: URL(fileURLWithPath: input))
    let r = try run(args(dir))
    #expect(r.exit == 65)
    #expect(r.stderr.contains("fell to less than half of run 1's"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))
    // Into yet another folder: the same.
    var other = args(dir)
    other[other.firstIndex(of: dir + "/out")!] = dir + "/out2"
    #expect(try run(other + ["--state-dir", dir]).exit == 65)
    #expect(try run(args(dir, ["--accept-drop"])).exit == 0)
  }

  @Test func aFailureIsRecordedWhenTheHistoryIsHeldByAnotherProcess() throws {
    let dir = try workspace()
    // 50 damaged lines of 2,976: above the 1 % reject share, exit 65.
    let input = dir + "/in/ydelser-2020.csv"
    let header = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n")[0]
    try (header + "\n" + String(repeating: "x;y;z\n", count: 500)).write(toFile: input, atomically: false, encoding: .utf8)
    let held = dir + "/held"
    let release = dir + "/release"
    let holder = Process()
    let r = try run(args(dir, ["--history-wait", "0.3"]), pausedAt: "before-record") {
      holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      holder.arguments = [
        "python3", "-c",
        """
        import sqlite3, os, sys, time
        c = sqlite3.connect(sys.argv[1], isolation_level=None)
        c.execute('BEGIN EXCLUSIVE')
        open(sys.argv[2], 'w').close()
        while not os.path.exists(sys.argv[3]): time.sleep(0.01)
        c.execute('COMMIT')
        """, dir + "/lunapipe.sqlite", held, release,
      ]
      try holder.run()
      while !FileManager.default.fileExists(atPath: held) && holder.isRunning { usleep(5_000) }
    }
    FileManager.default.createFile(atPath: release, contents: Data())
    holder.waitUntilExit()
    #expect(r.exit == 65)
    #expect(r.stderr.contains("kept in \(dir)/.lunapipe-outcome-"))
    // Shown as it ended before any run imported it, and recorded by the next.
    #expect(try history(dir).first?["status"] as? String == "failed")
    let next = try run(args(dir, ["--max-reject-share", "1"]))
    #expect(next.stderr.contains("recorded how run 1 ended (failed, exit 65)"))
    let runs = try history(dir)
    let first = try #require(runs.first { $0["id"] as? Int == 1 })
    #expect(first["status"] as? String == "failed")
    #expect(first["exitCode"] as? Int == 65)
    #expect((first["message"] as? String)?.contains("too many rejects") == true)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".lunapipe-outcome-") }.isEmpty)
  }

  /// A run holds every input open until it has checked them: a delivery
  /// of more files than the soft limit of open files raises the limit
  /// rather than being refused.
  @Test func moreInputsThanTheSoftLimitOfOpenFilesAreRead() throws {
    let dir = makeTempDir("many-inputs")
    let lines = try String(contentsOfFile: small + "/ydelser-2023.csv", encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<150 {
      // One record each, and i empty lines after it: no two files alike
      // (the sample repeats some lines on purpose).
      _ = writeFile(
        dir, String(format: "ydelser-%03d.csv", i), lines[0] + "\n" + lines[1 + i] + String(repeating: "\n", count: i + 1))
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = [
      "-c", "ulimit -S -n 64 && exec \"$0\" run validate --claims \"$1\" --out \"$2\" --max-reject-share 1 --quiet",
      lunapipeBinary, dir + "/ydelser-*.csv", dir + "/out",
    ]
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/run-report.json"))
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect((report["inputs"] as? [Any])?.count == 150)
  }

  @Test func aDamagedHistoryExits66() throws {
    let dir = makeTempDir("damaged-history")
    try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(
      to: URL(fileURLWithPath: dir + "/lunapipe.sqlite"))
    for command in [["history", "--state-dir", dir], ["diff", "1", "2", "--state-dir", dir]] {
      let r = try runLunapipe(command)
      #expect(r.exit == 66, "\(command)")
      #expect(r.stderr.contains("cannot be read"), "\(command)")
    }
  }
}
