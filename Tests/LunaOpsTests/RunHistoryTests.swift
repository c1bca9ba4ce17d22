import Foundation
import LunaOps
import TestSupport
import Testing

@Suite struct RunHistoryTests {
  func record(_ out: String, inputs: [FileFingerprint] = []) -> RunRecord {
    var r = RunRecord(
      pipeline: "praksisplan", version: "0.1.0", outputDirectory: out, started: RunHistory.now(), host: "h", pid: 42,
      arguments: ["lunapipe", "run", "praksisplan", "--claims", "a b.csv"], optionsKey: "{\"k\":1}")
    r.inputs = inputs
    return r
  }

  /// The change time of each input is kept and read back, and the tables
  /// an older LunaPipe knows keep their columns: it inserts an input's row
  /// by position (7 values) into a history this version made.
  @Test func inputChangeTimesRoundTripAndAnOlderVersionCanStillWrite() throws {
    let dir = makeTempDir()
    let h = try RunHistory(stateDirectory: dir)
    let f = FileFingerprint(path: "/x/a.csv", size: 10, mtimeNs: 5, inode: 7, ctimeNs: 123_456_789, sha256: "ab")
    let id = try h.begin(record(dir + "/out", inputs: [f]))
    #expect(try h.run(id)?.inputs == [f])
    #expect(try h.knownFingerprints(["/x/a.csv"])["/x/a.csv"]?.ctimeNs == 123_456_789)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [
      "python3", "-c",
      "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('INSERT INTO run_inputs VALUES (?,?,?,?,?,?,?)', (\(id),1,'/x/b.csv',1,2,3,'cd')); c.commit()",
      h.path,
    ]
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    let inputs = try #require(try h.run(id)?.inputs)
    #expect(inputs.map(\.path) == ["/x/a.csv", "/x/b.csv"])
    #expect(inputs.map(\.ctimeNs) == [123_456_789, 0])
  }

  @Test func aRunRoundTripsWithInputsCountsOutputsAndContent() throws {
    let dir = makeTempDir()
    let h = try RunHistory(stateDirectory: dir)
    let input = FileFingerprint(path: "/x/ydelser-2023.csv", size: 10, mtimeNs: 123, inode: 7, sha256: "ab")
    let id = try h.begin(record("/o", inputs: [input]))
    var counts = RunRecord.Counts()
    counts.read = 10
    counts.accepted = 7
    counts.rejected = 2
    counts.skipped = 1
    counts.rejectsByRule = ["zero": 2]
    let table = Array("kommune,2023\nLæsø,1\n".utf8)
    let sha = SHA256Digest.hex(of: table)
    try h.finish(
      id, status: .ok, exitCode: 0, message: nil, counts: counts,
      outputs: [.init(path: "tables/tabel-19.csv", size: Int64(table.count), sha256: sha)], contents: [sha: table])

    // Reopened from disk, as the next process sees it.
    let again = try #require(try RunHistory.existing(in: dir))
    let r = try #require(try again.run(id))
    #expect(r.status == .ok)
    #expect(r.exitCode == 0)
    #expect(r.arguments.last == "a b.csv")
    #expect(r.inputs == [input])
    #expect(r.counts == counts)
    #expect(r.outputs.map(\.path) == ["tables/tabel-19.csv"])
    #expect(try again.content(sha256: sha) == table)
    #expect(try again.lastSuccessful(outputDirectory: "/o")?.id == id)
    #expect(try again.lastSuccessful(outputDirectory: "/other") == nil)
    #expect(try again.knownFingerprints(["/x/ydelser-2023.csv"])["/x/ydelser-2023.csv"] == input)
  }

  @Test func failedAndRunningRunsAreNotTheLastSuccessful() throws {
    let h = try RunHistory(stateDirectory: makeTempDir())
    let ok = try h.begin(record("/o"))
    try h.finish(ok, status: .ok, exitCode: 0, message: nil, counts: .init(), outputs: [])
    let failed = try h.begin(record("/o"))
    try h.finish(failed, status: .failed, exitCode: 65, message: "too many rejects", counts: .init(), outputs: [])
    _ = try h.begin(record("/o"))
    #expect(try h.lastSuccessful(outputDirectory: "/o")?.id == ok)
    #expect(try h.runs().map(\.status) == [.running, .failed, .ok])
    #expect(try h.runs(last: 1).count == 1)
  }

  /// A run still recorded as running when its directory's lock is free was
  /// killed: it is marked interrupted, only in that directory.
  @Test func runningRunsOfAFreeDirectoryBecomeInterrupted() throws {
    let dir = makeTempDir()
    let h = try RunHistory(stateDirectory: dir)
    let a = try h.begin(record(dir + "/a"))
    let b = try h.begin(record(dir + "/b"))
    let lockB = try RunLock(outputDirectory: dir + "/b")  // b's run is alive
    try h.markAbandoned()
    #expect(try h.run(a)?.status == .interrupted)
    #expect(try h.run(b)?.status == .running)
    lockB.release()
    #expect(try h.markInterrupted(outputDirectory: dir + "/b") == [b])
    #expect(try h.run(b)?.status == .interrupted)
  }
}

@Suite struct RunLockTests {
  @Test func aSecondRunOnTheSameDirectoryIsBusy() throws {
    let out = makeTempDir() + "/out"
    let first = try RunLock(outputDirectory: out)
    #expect(RunLock.isHeld(outputDirectory: out))
    do {
      _ = try RunLock(outputDirectory: out)
      Issue.record("the second lock was granted")
    } catch let RunLock.Failure.busy(_, holder) {
      #expect(holder?.pid == getpid())
    }
    // Another directory beside it is free.
    _ = try RunLock(outputDirectory: out + "-other")
    first.release()
    #expect(!RunLock.isHeld(outputDirectory: out))
    let next = try RunLock(outputDirectory: out)
    #expect(next.takenOverFrom == nil, "a clean release leaves nothing to take over")
  }

  @Test func aLockLeftByADeadProcessIsTakenOverAndNamed() throws {
    let dir = makeTempDir()
    // What a killed run leaves: the file filled in, no flock held.
    writeFile(dir, ".out.lock", "999999\tnightly-host\t2026-11-26T01:00:00Z\n")
    let lock = try RunLock(outputDirectory: dir + "/out")
    #expect(lock.takenOverFrom == RunLock.Holder(pid: 999_999, host: "nightly-host", started: "2026-11-26T01:00:00Z"))
    let content = try String(contentsOfFile: dir + "/.out.lock", encoding: .utf8)
    #expect(content.hasPrefix("\(getpid())\t"))
  }
}
