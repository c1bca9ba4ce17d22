import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Kills `lunapipe run` with SIGKILL at 20 random moments and checks after
/// each that the output directory holds one complete set of outputs (the
/// previous or the new one, never a mix), that the history records the
/// killed run as interrupted, and that the next run cleans up after it.
///
/// Two input sets alternate, the full sample (A) and the full sample plus
/// the small one (B), whose tables differ everywhere, so a mix would show.
@Suite(
  .serialized,
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it")
)
struct CrashSafetyTests {
  struct OutputSet: Equatable {
    /// Relative path → SHA-256-free fingerprint: the bytes themselves,
    /// except run-report.json (it holds times), checked separately, and
    /// report.html without the run's id and day (`withoutRun`).
    var files: [String: Data]
  }

  /// A report's page without the run it names: "Kørsel 12, 2026-11-27" on
  /// the cover and in the running header as "Kørsel RUN".
  static func withoutRun(_ page: String) -> String {
    page.replacing(/(<dt>Kørsel<\/dt><dd>|"Kørsel )\d+, \d{4}-\d{2}-\d{2}/) { $0.output.1 + "RUN" }
  }

  static func outputSet(_ dir: String) throws -> OutputSet {
    var files: [String: Data] = [:]
    for rel in try FileManager.default.subpathsOfDirectory(atPath: dir) {
      var isDir: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir)
      // The report holds times, the ownership marker the run id.
      if !exists || isDir.boolValue || rel == "run-report.json" || rel == ".lunapipe-output" { continue }
      let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + rel))
      files[rel] = rel == "report.html" ? Data(withoutRun(String(decoding: data, as: UTF8.self)).utf8) : data
    }
    return OutputSet(files: files)
  }

  /// Which input set the report says produced `dir`, checking that the
  /// report lists exactly the files present.
  static func reportedInputs(_ dir: String) throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/run-report.json"))
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let listed = Set(try #require(report["outputs"] as? [String]))
    let present = Set(try FileManager.default.subpathsOfDirectory(atPath: dir).filter {
      var isDir: ObjCBool = false
      return FileManager.default.fileExists(atPath: dir + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        && $0 != ".lunapipe-output"
    })
    #expect(listed == present, "run-report.json lists the files present")
    #expect(report["status"] as? String == "ok")
    return (report["inputs"] as? [Any])?.count ?? -1
  }

  /// The run id the ownership marker of `dir` names.
  static func markerRun(_ dir: String) -> Int? {
    guard let text = try? String(contentsOfFile: dir + "/.lunapipe-output", encoding: .utf8) else { return nil }
    return text.split(separator: "\n").first { $0.hasPrefix("run: ") }.flatMap { Int($0.dropFirst(5)) }
  }

  /// The recorded status of each run, by id.
  static func statuses(_ out: String) throws -> [Int: String] {
    let h = try runLunapipe(["history", "--out", out, "--json"])
    let runs = try #require(try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as? [[String: Any]])
    var s: [Int: String] = [:]
    for r in runs { if let id = r["id"] as? Int { s[id] = r["status"] as? String } }
    return s
  }

  /// Starts a run; returns the process, its run id (once it has said so)
  /// and its stderr so far.
  static func start(_ args: [String], environment: [String: String] = [:]) throws -> (Process, Int, FileHandle) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: lunapipeBinary)
    p.arguments = args
    if !environment.isEmpty {
      p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    var text = ""
    let handle = err.fileHandleForReading
    while !text.contains(" started: ") {
      let d = handle.availableData
      if d.isEmpty { break }
      text += String(decoding: d, as: UTF8.self)
    }
    let id = text.components(separatedBy: "lunapipe: run ").dropFirst().first
      .flatMap { Int($0.prefix { $0.isNumber }) } ?? -1
    return (p, id, handle)
  }

  @Test(.enabled(if: try Prerequisites.fullSample, "reads the full sample: `make test` writes it (`make samples`)"))
  func killedAtRandomMomentsTheOutputsAreNeverAMix() throws {
    let dir = makeTempDir("crash")
    let out = dir + "/out"
    let inputsA = [fullSample + "/ydelser-*.csv"]
    let inputsB = inputsA + [repositoryRoot + "/Samples/small/ydelser-*.csv"]
    func args(_ inputs: [String]) -> [String] {
      ["run", "praksisplan", "--claims"] + inputs + ["--out", out, "--threads", "2", "--force", "--max-reject-share", "0.05"]
    }

    // The complete sets, and how long a run takes. A set depends on the
    // inputs and on the set published before it: the report and the
    // workbook list the cells of closed years that changed since (none
    // after a run over the same inputs). `sets[X + Y]`: X run after Y.
    let t0 = Date()
    var sets: [String: OutputSet] = [:]
    let order = [("B", ""), ("B", "B"), ("A", "B"), ("B", "A"), ("A", "B"), ("A", "A")]
    for (name, before) in order {
      try #require(try runLunapipe(args(name == "A" ? inputsA : inputsB)).exit == 0)
      let set = try Self.outputSet(out)
      if let known = sets[name + before] { try #require(set == known, "\(name) after \(before): the same set twice") }
      sets[name + before] = set
    }
    let runSeconds = Date().timeIntervalSince(t0) / Double(order.count)
    let setA = sets["AA"]!
    let setB = sets["BB"]!
    try #require(setA != setB)
    try #require(setA.files.keys.sorted() == setB.files.keys.sorted())
    // After a change of inputs the report and the workbook differ from the
    // run over the same inputs again: the changed cells are listed.
    try #require(sets["AB"]! != setA && sets["BA"]! != setB)
    // Which inputs a set is of.
    func of(_ set: OutputSet) -> String? {
      set == setA || set == sets["AB"]! ? "A" : set == setB || set == sets["BA"]! ? "B" : nil
    }

    // Seeded, so that a failing round can be replayed.
    var generator = SeededGenerator(seed: 20261201)
    var current = setA  // the last run above: A after A
    var consistent = 0
    var interruptedRecorded = 0
    var published = 0
    var moments: [Double] = []
    var publishedByKilled: [(round: Int, id: Int)] = []
    for round in 0..<20 {
      let next = round % 2 == 0 ? "B" : "A"
      let nextInputs = next == "B" ? inputsB : inputsA
      let nextSet = sets[next + of(current)!]!
      let (p, id, stderr) = try Self.start(args(nextInputs))
      try #require(id > 0, "the run said which run it is")
      // A moment within the run's expected length (a few land after it).
      let delay = Double.random(in: 0..<(runSeconds * 1.1), using: &generator)
      moments.append((delay * 1000).rounded() / 1000)
      usleep(UInt32(delay * 1_000_000))
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      _ = stderr.readDataToEndOfFile()
      let finished = p.terminationReason == .exit

      // Either the previous complete set or the new complete set.
      let now = try Self.outputSet(out)
      let inputs = try Self.reportedInputs(out)
      // Published by this run (the marker names it), not merely the same
      // set as before (two killed runs in a row leave the set of the one
      // before them, which may equal this round's).
      if !finished && Self.markerRun(out) == id { publishedByKilled.append((round, id)) }
      if finished || now == nextSet {
        // Published (a run that finished before the kill must have).
        #expect(now == nextSet, "round \(round): a finished run left \(now == current ? "the previous" : "no complete") set")
        #expect(inputs == (next == "A" ? 5 : 10))
        if now == nextSet { consistent += 1 }
        if finished || Self.markerRun(out) == id { published += 1 }
        current = nextSet
      } else if now == current {
        #expect(inputs == (of(current) == "A" ? 5 : 10))
        consistent += 1
      } else {
        Issue.record("round \(round) (killed after \(delay) s): the outputs are neither set")
      }

      // The history: interrupted, unless the run finished before the kill.
      let h = try runLunapipe(["history", "--out", out, "--json"])
      let runs = try #require(try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as? [[String: Any]])
      let status = runs.first { $0["id"] as? Int == id }?["status"] as? String
      if finished {
        #expect(status == "ok")
      } else if status == "ok" {
        // Killed after it had recorded its end (while exiting): then the
        // new set must be the one published.
        #expect(now == nextSet, "round \(round): run \(id) is recorded ok but its outputs are not there")
      } else {
        #expect(status == "interrupted", "round \(round): run \(id) is \(status ?? "missing")")
        if status == "interrupted" { interruptedRecorded += 1 }
      }
    }
    print("crash safety: \(consistent)/20 consistent, \(published) published their set, \(interruptedRecorded) recorded as interrupted (of them \(publishedByKilled.count) killed after publishing, then recorded ok by the next run); kill moments (s): \(moments)")
    #expect(consistent == 20)

    // The next run cleans up what the killed ones left and takes the lock.
    let lastSet = sets["A" + of(current)!]!
    let last = try runLunapipe(args(inputsA))
    #expect(last.exit == 0)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".staging-") }
    #expect(leftovers.isEmpty, "staging directories left: \(leftovers)")
    #expect(try Self.outputSet(out) == lastSet)
    // History and disk agree: a run killed after its outputs were
    // published is recorded ok by the next run, which reconciles in its
    // first milliseconds (a next run killed within 0.3 s may not have yet).
    let s = try Self.statuses(out)
    for (round, id) in publishedByKilled {
      let next = round + 1 < moments.count ? moments[round + 1] : .infinity
      if next >= 0.3 {
        #expect(s[id] == "ok", "run \(id) (round \(round)) published but is \(s[id] ?? "missing")")
      } else {
        #expect(s[id] == "ok" || s[id] == "interrupted", "run \(id) is \(s[id] ?? "missing")")
      }
    }
  }

  /// Killed right before and right after the publish (the swap), and
  /// during the first run into a new output directory: afterwards the
  /// directory holds a complete set or nothing, and once the next run has
  /// looked, the history says what the disk holds.
  @Test func killedAtThePublishTheHistoryAgreesWithTheDisk() throws {
    let input = repositoryRoot + "/Samples/small/ydelser-*.csv"
    let dir = makeTempDir("crash-publish")
    let out = dir + "/out"
    let args = ["run", "praksisplan", "--claims", input, "--out", out, "--force"]

    // First run into a new --out, killed before its publish: nothing there.
    let (p1, id1, e1) = try Self.start(args, environment: ["LUNAPIPE_FAULT": "before-publish"])
    p1.waitUntilExit()
    _ = e1.readDataToEndOfFile()
    #expect(p1.terminationReason == .uncaughtSignal)
    #expect(!FileManager.default.fileExists(atPath: out))

    // Killed right after it: the set is there, named by its marker; the
    // history says interrupted until the next run reconciles it to ok.
    let (p2, id2, e2) = try Self.start(args, environment: ["LUNAPIPE_FAULT": "after-publish"])
    p2.waitUntilExit()
    _ = e2.readDataToEndOfFile()
    #expect(p2.terminationReason == .uncaughtSignal)
    #expect(Self.markerRun(out) == id2)
    #expect(try Self.reportedInputs(out) == 5)
    #expect(try Self.statuses(out)[id2] == "interrupted")

    let next = try runLunapipe(args)
    #expect(next.exit == 0)
    #expect(next.stderr.contains("run \(id2) into \(out) was killed after it published its outputs; recorded as ok"))
    var s = try Self.statuses(out)
    #expect(s[id1] == "interrupted")
    #expect(s[id2] == "ok")
    let nextID = try #require(Int(next.stdout.split(separator: ":").first?.dropFirst(4) ?? ""))
    #expect(s[nextID] == "ok")
    #expect(Self.markerRun(out) == nextID)

    // Killed before the publish of a later run: the previous set stays,
    // recorded interrupted, and the staging directory goes with the next run.
    let (p3, id3, e3) = try Self.start(args, environment: ["LUNAPIPE_FAULT": "before-publish"])
    p3.waitUntilExit()
    _ = e3.readDataToEndOfFile()
    #expect(Self.markerRun(out) == nextID)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix(".out.staging-") })
    #expect(try runLunapipe(args).exit == 0)
    s = try Self.statuses(out)
    #expect(s[id3] == "interrupted")
    #expect(try !FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix(".out.staging-") })
  }
}
